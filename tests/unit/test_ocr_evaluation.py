"""The OCR evaluation's scoring, its held-out renders and its photograph cache, on tiny sets."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from trendwatch.adapters.local.ocr import Reading
from trendwatch.evaluation import ocr_photos
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
