from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.adapters.local.ocr import OcrUnavailable, TesseractOcr


def text_image(text: str) -> Image.Image:
    font = ImageFont.truetype("DejaVuSans.ttf", 32)
    image = Image.new("RGB", (40 + round(font.getlength(text)), 80), (235, 225, 200))
    ImageDraw.Draw(image).text((20, 20), text, fill=(30, 30, 30), font=font)
    return image


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


def test_english_words_are_read(ocr: TesseractOcr) -> None:
    assert ocr.read(text_image("Summer sale linen dress")).split() == ["Summer", "sale", "linen", "dress"]


def test_french_words_are_read_with_accents(ocr: TesseractOcr) -> None:
    assert ocr.read(text_image("Soldes d'été café frais")).split() == ["Soldes", "d'été", "café", "frais"]


def test_missing_engine_is_reported_with_the_packages_to_install() -> None:
    with pytest.raises(OcrUnavailable, match="tesseract-ocr-fra"):
        TesseractOcr(binary="no-such-ocr-engine")


def test_analyzer_fills_cleaned_ocr_text_and_its_model_version() -> None:
    buffer = io.BytesIO()
    text_image("| Lampe rétro ~~").save(buffer, format="PNG")
    analysis = LocalImageAnalyzer(ocr=True).analyze(buffer.getvalue())
    assert analysis.ocr_text == "Lampe rétro"
    assert analysis.model_versions["ocr"].startswith("tesseract-5")


def test_analyzer_without_ocr_leaves_text_empty() -> None:
    buffer = io.BytesIO()
    text_image("Lampe").save(buffer, format="PNG")
    analysis = LocalImageAnalyzer().analyze(buffer.getvalue())
    assert analysis.ocr_text == ""
    assert "ocr" not in analysis.model_versions
