from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

from trendwatch.adapters.local.ocr import Line, Reading, TesseractOcr, Word
from trendwatch.adapters.local.ocr_union import UnionOcr, folded, new_words, ocr_engine
from trendwatch.adapters.local.scene_ocr import SceneOcr
from trendwatch.domain.ocr_text import ocr_words
from trendwatch.evaluation import ocr_photos

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "ocr_photos"


def _tuning_photo(name: str) -> Image.Image:
    [(photo, data)] = [item for item in ocr_photos.load(PHOTOS, ocr_photos.TUNING) if item[0].name == name]
    assert photo.split == ocr_photos.TUNING  # never a held-out picture in a test
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.fixture(scope="module")
def scene() -> SceneOcr:
    return SceneOcr()


def test_a_road_sign_photograph_is_read_with_its_words(scene: SceneOcr) -> None:
    # A tuning photograph of ICDAR 2015: a road sign before trees, 1280x720.
    lines = scene.lines(_tuning_photo("paddleocr-scene-img_11.jpg"))
    assert {"MAINTENANCE", "VEHICLES"} <= {word.text for line in lines for word in line}
    assert all(50.0 <= word.confidence <= 100.0 for line in lines for word in line)  # the score floor


def test_a_word_cut_out_of_a_photograph_is_recognised_whole_when_no_line_is_detected(scene: SceneOcr) -> None:
    # 103x128: one line of text by its shape, in which the detector finds no line.
    assert ocr_words(scene.read(_tuning_photo("paddleocr-word-word_545.png"))) == ["ESPRIT"]


def test_both_engines_read_words_tesseract_misses_on_a_tuning_photograph(scene: SceneOcr) -> None:
    tesseract = TesseractOcr()
    picture = _tuning_photo("paddleocr-scene-img_195.jpg")  # a white stand in a dark mall hall
    alone = {word.casefold() for word in ocr_words(tesseract.read(picture))}
    union = UnionOcr(tesseract, scene).reading(picture)
    assert not {"fibre", "experience", "public"} & alone
    assert {"fibre", "experience", "public"} <= {word.casefold() for word in ocr_words(union.text)}
    assert union.passes >= 2  # Tesseract's runs and PP-OCR's one


class _Scripted:
    """An engine that reads the same text whatever the picture."""

    def __init__(self, text: str, version: str) -> None:
        self.text = text
        self.version = version

    def read(self, pixels: Image.Image) -> str:
        return self.text

    def reading(self, pixels: Image.Image) -> Reading:
        return Reading(self.text, 3)

    def lines(self, pixels: Image.Image) -> list[Line]:
        return [[Word(token, 90.0) for token in line.split()] for line in self.text.splitlines()]


def test_tesseract_reads_first_and_pp_ocr_adds_only_words_not_read_whatever_case_and_accents() -> None:
    first = _Scripted("Château d'été\nsoldes", "tesseract-5")
    second = _Scripted("CHATEAU MARCHÉ\nSoldes marche", "pp-ocr")
    union = UnionOcr(first, second)
    reading = union.reading(Image.new("RGB", (8, 8)))
    assert reading.text == "Château d'été\nsoldes\nMARCHÉ"
    assert reading.passes == 4
    assert union.version == "tesseract-5+pp-ocr"


def test_folding_sets_case_and_accents_aside() -> None:
    assert folded("Crème") == folded("CREME") == "creme"
    assert new_words("", [[Word("été", 90.0), Word("ETE", 80.0)], [Word("ete", 70.0)]]) == [
        [Word("été", 90.0)]
    ]


def test_without_the_pp_ocr_package_tesseract_reads_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the import fails
    assert isinstance(ocr_engine(), TesseractOcr)


def test_with_both_installed_the_engine_is_the_union() -> None:
    engine = ocr_engine()
    assert isinstance(engine, UnionOcr)
    assert (
        engine.version.startswith("tesseract-") and "+rapidocr-onnxruntime-1.4.4+pp-ocrv4" in engine.version
    )
