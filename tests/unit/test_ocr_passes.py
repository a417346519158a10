"""What the OCR adapter reads on pictures like those posted, and when it looks twice."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from trendwatch.adapters.local.ocr import (
    DEFAULT_PASSES,
    METHOD_VERSION,
    TesseractOcr,
    Word,
    confident_lines,
    merged,
    sure,
    tesseract_version,
)
from trendwatch.domain.ocr_text import ocr_words


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


def test_black_type_on_a_white_band_across_a_coloured_picture_is_read(ocr: TesseractOcr) -> None:
    # The reported case: Otsu with sparse-text segmentation returned nothing for it.
    image = Image.new("RGB", (900, 500), (40, 90, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse((600, 30, 820, 190), fill=(230, 60, 40))
    draw.rectangle((40, 340, 260, 470), fill=(250, 200, 30))
    draw.rectangle((0, 200, 900, 300), fill=(255, 255, 255))
    draw.text((200, 218), "garden basket", fill=(0, 0, 0), font=ImageFont.truetype("DejaVuSans.ttf", 54))
    assert ocr_words(ocr.read(image)) == ["garden", "basket"]


def test_white_type_on_a_dark_background_is_read(ocr: TesseractOcr) -> None:
    image = Image.new("RGB", (900, 500), (25, 20, 45))
    font = ImageFont.truetype("DejaVuSans.ttf", 44)
    ImageDraw.Draw(image).text((80, 200), "Soirée théâtre", fill=(245, 245, 240), font=font)
    assert ocr_words(ocr.read(image)) == ["Soirée", "théâtre"]


def test_a_clear_reading_takes_one_pass(ocr: TesseractOcr) -> None:
    image = Image.new("RGB", (700, 200), (255, 255, 255))
    ImageDraw.Draw(image).text(
        (30, 60), "market window", fill=(0, 0, 0), font=ImageFont.truetype("DejaVuSans.ttf", 48)
    )
    reading = ocr.reading(image)
    assert (reading.text, reading.passes) == ("market window", 1)


def test_a_picture_without_text_gets_every_pass_and_no_words(ocr: TesseractOcr) -> None:
    image = Image.new("RGB", (600, 400), (200, 120, 60))
    ImageDraw.Draw(image).ellipse((100, 80, 300, 280), fill=(40, 140, 90))
    reading = ocr.reading(image)
    assert (reading.text, reading.passes) == ("", len(DEFAULT_PASSES))


def _tsv(*rows: tuple[int, int, str, float]) -> str:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    lines = [header, "1\t1\t0\t0\t0\t0\t0\t0\t900\t500\t-1\t"]
    lines += [f"5\t1\t{block}\t1\t1\t1\t0\t0\t10\t10\t{conf}\t{text}" for block, _, text, conf in rows]
    return "\n".join(lines)


def test_words_below_the_confidence_floor_are_dropped_and_lines_kept_apart() -> None:
    tsv = _tsv((1, 1, "Soldes", 95.0), (1, 1, "wW~", 12.0), (2, 1, "été", 71.5))
    assert confident_lines(tsv, 40) == [[Word("Soldes", 95.0)], [Word("été", 71.5)]]


def test_a_later_pass_adds_only_words_not_yet_read_ignoring_case() -> None:
    first = [[Word("Summer", 91.0), Word("sale", 88.0)]]
    second = [[Word("SUMMER", 60.0), Word("linen", 70.0)], [Word("Sale", 80.0)]]
    assert merged(first, second) == [*first, [Word("linen", 70.0)]]


def test_only_a_plausible_word_read_with_enough_confidence_is_sure() -> None:
    assert sure([[Word("café", 93.0)]], 90)
    assert not sure([[Word("café", 85.0)]], 90)
    assert not sure([[Word("|||", 99.0), Word("@", 97.0)]], 90)


def test_the_recorded_version_names_engine_method_and_languages(ocr: TesseractOcr) -> None:
    assert ocr.version == f"{tesseract_version()}+{METHOD_VERSION}-fra+eng"
