"""How large the OCR engine is shown a picture, and word crops cut out of photographs."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from trendwatch.adapters.local.ocr import TesseractOcr
from trendwatch.adapters.local.ocr_preparation import enlargement, one_line, photograph, prepared


def _word_crop(
    text: str, height: int, fill: tuple[int, int, int], ground: tuple[int, int, int]
) -> Image.Image:
    """``text`` cut out tightly as from a photograph: drawn large, shrunk to ``height`` pixels,
    saved as JPEG."""
    font = ImageFont.truetype("DejaVuSans.ttf", 48)
    ascent, descent = font.getmetrics()
    image = Image.new("RGB", (round(font.getlength(text)) + 16, ascent + descent + 8), ground)
    ImageDraw.Draw(image).text((8, 4), text, fill=fill, font=font)
    small = image.resize((round(image.width * height / image.height), height), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=75)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def test_a_picture_low_and_wide_enough_is_taken_for_one_line_of_text() -> None:
    assert one_line((114, 20)) and one_line((46, 18)) and one_line((640, 64))
    assert one_line((98, 70)) and one_line((274, 116))  # a short word with its sign around it
    assert not one_line((320, 240))  # the stream generator's pictures
    assert not one_line((900, 500)) and not one_line((640, 129))
    assert not one_line((30, 60)) and not one_line((84, 87))  # taller than wide: not a line of text


def test_a_picture_is_photograph_sized_from_640_pixels_on_its_longer_side_unless_one_line() -> None:
    assert photograph((640, 480)) and photograph((1280, 720)) and photograph((700, 933))
    assert photograph((900, 500))
    assert not photograph((320, 240))  # the stream generator's pictures
    assert not photograph((639, 479)) and not photograph((460, 276))
    assert not photograph((700, 30))  # a long line of text, read as one line


@pytest.mark.parametrize(
    ("size", "factor"),
    [
        ((52, 17), 3),  # a small word crop grows to about 50 pixels high
        ((114, 20), 2),
        ((300, 30), 2),
        ((640, 60), 1),
        ((98, 70), 1),  # a word with room around it, one line from 128 pixels high down
        ((320, 240), 3),  # any other picture until its longer side reaches 1000 pixels
        ((460, 276), 2),
        ((900, 500), 1),
        ((1200, 900), 1),
    ],
)
def test_the_enlargement_depends_on_the_pictures_shape(size: tuple[int, int], factor: int) -> None:
    assert enlargement(size) == factor


def test_a_small_word_crop_is_enlarged_to_about_fifty_pixels_high_not_to_a_thousand_wide() -> None:
    crop = _word_crop("market", 18, (30, 30, 30), (220, 200, 170))
    grey = prepared(crop)
    assert grey.mode == "L"
    assert grey.size == (crop.width * 3, 54)  # the former rule made it 19 times larger: 342 high


@pytest.mark.parametrize(
    ("text", "height", "fill", "ground"),
    [("market", 18, (30, 30, 30), (220, 200, 170)), ("Lumière", 20, (20, 20, 20), (150, 180, 120))],
)
def test_a_small_word_crop_is_read(
    text: str, height: int, fill: tuple[int, int, int], ground: tuple[int, int, int]
) -> None:
    # Enlarged to fill 1000 pixels and segmented as a page, both came back empty.
    reading = TesseractOcr().reading(_word_crop(text, height, fill, ground))
    assert reading.text == text
