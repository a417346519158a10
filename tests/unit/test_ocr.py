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


def test_ocr_reads_small_print_of_a_large_jpeg_at_full_resolution() -> None:
    # Hashes and colours use a copy at 1/8 scale, on which this 20-pixel print is 2-3 pixels high.
    font = ImageFont.truetype("DejaVuSans.ttf", 20)
    image = Image.new("RGB", (1600, 1200), (235, 225, 200))
    ImageDraw.Draw(image).text((40, 40), "Summer sale linen dress", fill=(30, 30, 30), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    with_ocr = LocalImageAnalyzer(ocr=True).analyze(buffer.getvalue())
    assert with_ocr.ocr_text == "Summer sale linen dress"
    assert (with_ocr.width, with_ocr.height) == (1600, 1200)
    # The hashes come from a reduced copy either way.
    without_ocr = LocalImageAnalyzer().analyze(buffer.getvalue())
    assert bin(int(with_ocr.phash, 16) ^ int(without_ocr.phash, 16)).count("1") <= 2
