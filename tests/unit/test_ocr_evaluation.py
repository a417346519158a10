"""The OCR evaluation's scoring, its held-out renders and its photograph cache, on tiny sets."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from trendwatch.adapters.local.ocr import Reading
from trendwatch.domain.ocr_text import ocr_words
from trendwatch.evaluation import ocr_photos
from trendwatch.evaluation.images import photo_groups
from trendwatch.evaluation.ocr_recall import Labelled, measure
from trendwatch.evaluation.ocr_renders import CONDITIONS, VOCABULARY, renders


class ScriptedReader:
    """Reads, picture after picture, the texts it was given."""

    def __init__(self, *texts: str) -> None:
        self._texts = iter(texts)

    def reading(self, pixels: Image.Image) -> Reading:
        return Reading(next(self._texts), 2)


def _blank() -> Image.Image:
    return Image.new("RGB", (10, 10))


def test_recall_and_precision_count_distinct_cleaned_words_ignoring_case() -> None:
    pictures = [Labelled(_blank(), "Summer sale"), Labelled(_blank(), "Lampe rétro dorée")]
    # First: both words (one twice, in capitals) and junk the cleaning drops; second: one
    # labelled word and one wrong.
    reader = ScriptedReader("SUMMER sale summer |~", "rétro lampes")
    advanced: list[int] = []
    result = measure(reader, "tiny", "both", pictures, advanced.append)
    assert (result.images, result.words) == (2, 5)
    assert result.recall == pytest.approx(3 / 5)
    assert result.precision == pytest.approx(3 / 4)
    assert result.passes_per_image == 2.0
    assert advanced == [1, 1]


def test_nothing_read_counts_as_no_recall_and_no_wrong_word() -> None:
    result = measure(ScriptedReader(""), "tiny", "blank", [Labelled(_blank(), "café")], lambda _: None)
    assert (result.recall, result.precision) == (0.0, 1.0)


def test_renders_are_reproducible_per_seed_and_differ_between_splits() -> None:
    tuning = list(renders("tuning", 1, 2))
    assert [r.data for r in tuning] == [r.data for r in renders("tuning", 1, 2)]
    held_out = list(renders("held-out", 1, 2))
    assert not {r.data for r in tuning} & {r.data for r in held_out}
    assert [r.condition for r in held_out] == [c for c in CONDITIONS for _ in range(2)]


def test_each_render_is_labelled_with_the_vocabulary_words_drawn_on_it() -> None:
    for render in renders("held-out", 3, 2):
        assert 2 <= len(render.words) <= 4
        assert {word.lower() for word in render.words} <= set(VOCABULARY[render.lang])
        image = Image.open(io.BytesIO(render.data))
        assert image.size == (900, 500)
        assert image.format == ("JPEG" if render.condition == "jpeg" else "PNG")
    issue = [r for r in renders("held-out", 3, 4) if r.condition == "issue"]
    assert all(len(r.words) == 2 for r in issue)


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="held-out"):
        next(renders("test", 1, 1))


def test_photographs_are_loaded_when_present_and_checked_against_their_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"picture bytes"
    photo = ocr_photos.LabelledPhoto("sign.jpg", hashlib.sha256(data).hexdigest(), "a sign", "Mairie")
    monkeypatch.setattr(ocr_photos, "PHOTOS", (photo,))
    assert ocr_photos.load(tmp_path) == []
    (tmp_path / "sign.jpg").write_bytes(data)
    assert ocr_photos.load(tmp_path) == [(photo, data)]
    (tmp_path / "sign.jpg").write_bytes(b"another picture")
    with pytest.raises(ValueError, match="SHA-256"):
        ocr_photos.load(tmp_path)


def test_photograph_folder_comes_from_the_environment_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ocr_photos.ENVIRONMENT_VARIABLE, raising=False)
    assert ocr_photos.folder() == ocr_photos.DEFAULT_FOLDER
    monkeypatch.setenv(ocr_photos.ENVIRONMENT_VARIABLE, "/elsewhere")
    assert ocr_photos.folder() == Path("/elsewhere")


def test_the_committed_photographs_all_load_with_their_digests_and_labels() -> None:
    photos = ocr_photos.load(ocr_photos.DEFAULT_FOLDER)
    assert [photo.name for photo, _ in photos] == [photo.name for photo in ocr_photos.PHOTOS]
    assert len(photos) == 59
    assert len({photo.sha256 for photo in ocr_photos.PHOTOS}) == 59
    assert [photo.collection for photo in ocr_photos.PHOTOS].count(ocr_photos.ADDED) == 35
    for photo, data in photos:
        assert hashlib.sha256(data).hexdigest() == photo.sha256
        assert ocr_words(photo.text), photo.name  # every picture has words a reader sees
        Image.open(io.BytesIO(data)).verify()
    notice = (ocr_photos.DEFAULT_FOLDER / "NOTICE").read_text()
    for commit in (
        "e2117f2fb882b3c6085030500a260c113be27a63",
        "966296f26ac34cf0e96d40ab4a0a94c9a697909a",
        "c4f3cd7225efd4f85451bd8b4a7646ae9a092420",
        "ceb7e618dc183c37f362455e451ccdbc1e2ca716",
        "1902db043c029a7e03a3818c616c06600af574be",
        "9661d6f29c063eb1c9261029d3593e583b0abdac",
    ):
        assert commit in notice
    assert (ocr_photos.DEFAULT_FOLDER / "LICENSE-Apache-2.0").is_file()
    assert "Permission is hereby granted" in (ocr_photos.DEFAULT_FOLDER / "LICENSE-MIT-keras-ocr").read_text()


def test_photographs_are_split_by_their_digest_and_loaded_by_split() -> None:
    tuning = ocr_photos.load(ocr_photos.DEFAULT_FOLDER, ocr_photos.TUNING)
    held_out = ocr_photos.load(ocr_photos.DEFAULT_FOLDER, ocr_photos.HELD_OUT)
    assert [photo.name for photo, _ in tuning] == [
        "dtrb-demo_8.jpg",
        "mmocr-rec-1223732.jpg",
        "mmocr-demo_text_ocr.jpg",
        "paddleocr-word-word_1.png",
        "paddleocr-word-word_401.png",
        "paddleocr-word-word_545.png",
        "mmocr-det-img_2.jpg",
        "mmocr-det-img_4.jpg",
        "paddleocr-scene-254.jpg",
        "paddleocr-scene-img623.jpg",
        "paddleocr-scene-img_11.jpg",
        "paddleocr-scene-img_12.jpg",
        "paddleocr-scene-img_195.jpg",
    ]
    assert all(photo.sha256[0] in "0123" for photo, _ in tuning)
    assert len(held_out) == 46 and not {p.name for p, _ in tuning} & {p.name for p, _ in held_out}
    with pytest.raises(ValueError, match="held-out"):
        ocr_photos.load(ocr_photos.DEFAULT_FOLDER, "test")


def test_photograph_rows_are_the_tuning_ones_then_each_collections_held_out_groups_then_all() -> None:
    photos = ocr_photos.load(ocr_photos.DEFAULT_FOLDER)
    rows = [(split, group, len(members)) for split, group, members in photo_groups(photos)]
    assert rows == [
        ("tuning", "all", 13),
        ("held-out", "first set, word crops, deep-text-recognition-benchmark", 9),
        ("held-out", "first set, word crops, MMOCR", 8),
        ("held-out", "first set, scene pictures, MMOCR and EasyOCR", 4),
        ("held-out", "first set, all", 21),
        ("held-out", "added set, word crops, PaddleOCR and PARSeq", 14),
        ("held-out", "added set, scene pictures, ICDAR 2015, PaddleOCR, MMOCR and keras-ocr", 11),
        ("held-out", "added set, all", 25),
        ("held-out", "both sets, all", 46),
        ("held-out", "both sets, without PaddleOCR's and ICDAR 2015 pictures", 28),
    ]
    assert photo_groups([]) == []
