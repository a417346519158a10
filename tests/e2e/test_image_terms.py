"""Words that appear only in a tweet's picture reach its terms and the term windows."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.generator.images import png_bytes
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


def shop_window(text: str) -> bytes:
    font = ImageFont.truetype("DejaVuSans.ttf", 36)
    image = Image.new("RGB", (60 + round(font.getlength(text)), 120), (240, 232, 215))
    ImageDraw.Draw(image).text((30, 40), text, fill=(25, 25, 25), font=font)
    return png_bytes(image)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> DuckDBWarehouse:
    folder = tmp_path_factory.mktemp("stream")
    (folder / "media").mkdir()
    (folder / "media" / "3_1.png").write_bytes(shop_window("Espadrilles soldes"))
    line = stream_line("1", "Look what I found today", media_keys=("3_1",), lang="en")
    (folder / "tweets.jsonl").write_bytes(line + b"\n")
    settings = Settings.from_env({}, state_dir=folder / "state", image_ocr=True)
    LocalPipeline(settings).replay(folder / "tweets.jsonl")
    return DuckDBWarehouse(settings.warehouse_path)


def test_a_word_only_in_an_image_becomes_a_term_of_its_tweet(replayed: DuckDBWarehouse) -> None:
    rows = replayed.query(
        "SELECT tweet_id, term, kind, lang FROM tweet_terms WHERE tweet_id = '1' AND kind = 'ocr' ORDER BY term"
    )
    assert [(r["term"], r["lang"]) for r in rows] == [("espadrilles", "und"), ("soldes", "und")]


def test_image_terms_are_counted_in_the_term_windows(replayed: DuckDBWarehouse) -> None:
    rows = replayed.query(
        "SELECT window_size, term, tweet_count, unique_authors, neutral FROM term_windows "
        "WHERE term = 'soldes' ORDER BY window_size"
    )
    assert [(r["window_size"], r["tweet_count"], r["unique_authors"], r["neutral"]) for r in rows] == [
        ("1h", 1, 1, 1),
        ("1m", 1, 1, 1),
    ]


def test_the_image_is_stored_with_its_text(replayed: DuckDBWarehouse) -> None:
    rows = replayed.query("SELECT media_key, ocr_text, near_duplicate_group FROM media")
    assert [(r["media_key"], r["ocr_text"], r["near_duplicate_group"]) for r in rows] == [
        ("3_1", "Espadrilles soldes", "3_1")
    ]
