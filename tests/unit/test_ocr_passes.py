"""What the OCR adapter reads on pictures like those posted, and when it looks twice."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from trendwatch.adapters.local.ocr import (
    AUTOMATIC,
    DARK_LAYER,
    LIGHT_LAYER,
    METHOD_VERSION,
    SPARSE_TEXT,
    TesseractOcr,
    Word,
    confident_lines,
    layer,
    light_text,
    lost,
    merged,
    skew,
    stacked,
    sure,
    tesseract_version,
)
from trendwatch.adapters.local.ocr_preparation import prepared
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


def test_a_picture_without_text_gets_every_pass_it_has_views_for_and_no_words(ocr: TesseractOcr) -> None:
    # Saturated mid-tone colours: neither layer has pixels, so the layer pass is not run; the
    # grey pass and the background-removed pass are.
    image = Image.new("RGB", (600, 400), (200, 120, 60))
    ImageDraw.Draw(image).ellipse((100, 80, 300, 280), fill=(40, 140, 90))
    reading = ocr.reading(image)
    assert (reading.text, reading.passes) == ("", 2)


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


def test_a_reading_is_sure_when_every_plausible_word_was_read_with_enough_confidence() -> None:
    assert sure([[Word("café", 93.0)]], 90)
    assert sure([[Word("café", 93.0), Word("|~", 20.0)]], 90)  # junk the cleaning drops
    assert not sure([[Word("café", 85.0)]], 90)
    assert not sure([[Word("café", 93.0)], [Word("springjumbrella", 71.0)]], 90)
    assert not sure([], 90)
    assert not sure([[Word("|||", 99.0), Word("@", 97.0)]], 90)


def test_a_pass_lost_words_when_it_dropped_a_token_of_three_letters_not_read_otherwise() -> None:
    read = [[Word("market", 96.0), Word("travel", 95.0)]]
    seen = [[Word("market", 96.0), Word("bright", 31.6), Word("travel", 94.9), Word("lantern", 20.2)]]
    assert lost(seen, 40, read)
    assert lost([[Word("Garagelsland|pancake", 0.0), Word("spring", 96.4)]], 40, [[Word("spring", 96.4)]])
    assert not lost(read, 40, read)
    assert not lost([[Word("ne", 5.8), Word("—", 12.0), Word("|~a", 3.0)]], 40, [])  # fewer than 3 letters
    assert not lost([[Word("Travel,", 18.9)], [Word("travel,", 30.0)]], 40, [[Word("travel,", 93.0)]])
    assert not lost([[Word("lantern", 70.0)]], 60, [])  # above the floor: kept, not lost


def _blurred_field(seed: int) -> Image.Image:
    field = np.random.default_rng(seed).random((10, 18, 3)) * 255
    image = Image.fromarray(field.astype(np.uint8)).resize((900, 500), Image.Resampling.BICUBIC)
    return image.filter(ImageFilter.GaussianBlur(5))


def test_the_next_pass_runs_while_a_pass_lost_words_even_when_those_it_kept_are_sure(
    ocr: TesseractOcr,
) -> None:
    # Dark serif type with a white shadow on a photo-like field: the first two passes read
    # "market" and "bright" surely but dropped "travel" and "lantern" below the floor; the
    # adapter used to stop there.
    image = _blurred_field(2)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("NotoSerif-Bold.ttf", 48)
    draw.text((93, 73), "market bright travel lantern", font=font, fill=(255, 255, 255))
    draw.text((90, 70), "market bright travel lantern", font=font, fill=(30, 35, 30))
    reading = ocr.reading(image)
    assert {"market", "bright", "travel", "lantern"} <= set(ocr_words(reading.text))
    assert reading.passes == 3


def test_the_recorded_version_names_engine_method_and_languages(ocr: TesseractOcr) -> None:
    assert ocr.version == f"{tesseract_version()}+{METHOD_VERSION}-fra+eng"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype("DejaVuSans.ttf", size)


def test_light_strokes_on_a_darker_ground_are_told_from_dark_ones() -> None:
    light = Image.new("RGB", (900, 500), (90, 60, 140))
    ImageDraw.Draw(light).text((80, 200), "winter picnic", fill=(240, 235, 230), font=_font(30))
    dark = Image.new("RGB", (900, 500), (210, 200, 160))
    ImageDraw.Draw(dark).text((80, 200), "winter picnic", fill=(20, 20, 30), font=_font(30))
    assert light_text(prepared(light))
    assert not light_text(prepared(dark))


def test_light_type_on_a_mid_tone_gradient_is_read_once_inverted(ocr: TesseractOcr) -> None:
    # A case the grey image alone lost words on: pale type across a gradient from light to dark.
    ramp = np.linspace(0.0, 1.0, 900)[None, :, None]
    start, end = np.array((210, 160, 220)), np.array((50, 40, 160))
    pixels = np.broadcast_to(start + (end - start) * ramp, (500, 900, 3)).astype(np.uint8)
    image = Image.fromarray(pixels)
    ImageDraw.Draw(image).text((420, 60), "harbour quick", fill=(245, 240, 250), font=_font(32))
    assert light_text(prepared(image))
    assert ocr_words(ocr.read(image))[:2] == ["harbour", "quick"]


@pytest.mark.parametrize("turn", [4.0, -4.0])
def test_the_skew_of_text_turned_four_degrees_is_found(turn: float) -> None:
    image = Image.new("RGB", (900, 500), (235, 230, 210))
    draw = ImageDraw.Draw(image)
    draw.text((100, 150), "bakery garage rainbow", fill=(10, 10, 10), font=_font(40))
    draw.text((100, 260), "pillow jacket market", fill=(10, 10, 10), font=_font(40))
    turned = image.rotate(turn, Image.Resampling.BICUBIC, fillcolor=(235, 230, 210))
    # The turn that levels the lines undoes the one applied.
    assert skew(prepared(turned), light=False) == pytest.approx(-turn, abs=0.5)
    assert skew(prepared(image), light=False) == pytest.approx(0.0, abs=0.5)


def test_text_turned_five_degrees_is_read(ocr: TesseractOcr) -> None:
    image = Image.new("RGB", (900, 500), (120, 170, 210))
    ImageDraw.Draw(image).text((150, 220), "orchard lantern meadow", fill=(15, 15, 25), font=_font(36))
    turned = image.rotate(5.0, Image.Resampling.BICUBIC, fillcolor=(120, 170, 210))
    assert ocr_words(ocr.read(turned)) == ["orchard", "lantern", "meadow"]


def _stripes() -> Image.Image:
    grid = np.indices((500, 900)).sum(axis=0)
    mask = (grid // 22) % 2 == 0
    pixels = np.where(mask[..., None], np.array((220, 40, 180)), np.array((195, 180, 150)))
    return Image.fromarray(pixels.astype(np.uint8))


def _white_type_with_a_shadow(image: Image.Image, text: str) -> Image.Image:
    draw = ImageDraw.Draw(image)
    draw.text((163, 213), text, fill=(0, 0, 0), font=_font(44))
    draw.text((160, 210), text, fill=(250, 250, 250), font=_font(44))
    return image


def test_the_light_layer_keeps_white_type_and_drops_a_coloured_texture() -> None:
    image = _white_type_with_a_shadow(_stripes(), "lantern notebook")
    light = layer(image, LIGHT_LAYER)
    assert light is not None
    ink = np.asarray(light) == 0
    assert ink[:150].sum() == 0 and ink[300:].sum() == 0  # the stripes above and below are gone
    assert ink[200:270, 150:700].mean() > 0.05  # the type's strokes are there
    assert layer(image, DARK_LAYER) is not None  # the shadow
    assert layer(_stripes(), LIGHT_LAYER) is None  # no near-white pixel at all
    with pytest.raises(ValueError, match="light layer"):
        layer(image, "red")


def test_white_type_over_stripes_is_read_from_its_layer(ocr: TesseractOcr) -> None:
    image = _white_type_with_a_shadow(_stripes(), "lantern notebook")
    reading = ocr.reading(image)
    assert {"lantern", "notebook"} <= set(ocr_words(reading.text))
    assert reading.passes >= 2


def test_views_are_stacked_top_to_bottom_on_one_white_page() -> None:
    top, bottom = Image.new("L", (300, 100), 0), Image.new("L", (200, 50), 0)
    page = stacked([top, bottom])
    assert page.size == (300, 100 + 60 + 50)
    pixels = np.asarray(page)
    assert (pixels[:100] == 0).all() and (pixels[100:160] == 255).all()
    assert (pixels[160:, :200] == 0).all() and (pixels[160:, 200:] == 255).all()


def _recorded_runs(monkeypatch: pytest.MonkeyPatch, image: Image.Image) -> list[tuple[int, Image.Image]]:
    """The page segmentation and page of every Tesseract run on ``image`` (the engine stubbed to
    read nothing, so every pass runs)."""
    runs: list[tuple[int, Image.Image]] = []

    def run(self: TesseractOcr, segmentation: int, thresholding: int, page: Image.Image) -> list[list[Word]]:
        runs.append((segmentation, page))
        return []

    monkeypatch.setattr(TesseractOcr, "_run", run)
    assert TesseractOcr().reading(image).passes == len(runs)
    return runs


def _flat_with_a_disc(size: tuple[int, int]) -> Image.Image:
    # Saturated mid-tone colours: neither layer has pixels, so the layer pass is not run.
    image = Image.new("RGB", size, (200, 120, 60))
    ImageDraw.Draw(image).ellipse((100, 80, 300, 280), fill=(40, 140, 90))
    return image


def test_a_photograph_still_unsure_is_read_in_the_other_polarity_then_as_sparse_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = _recorded_runs(monkeypatch, _flat_with_a_disc((1000, 600)))
    assert [segmentation for segmentation, _ in runs] == [AUTOMATIC, AUTOMATIC, AUTOMATIC, SPARSE_TEXT]
    grey, _, inverted, sparse = (page for _, page in runs)
    assert np.array_equal(np.asarray(inverted), 255 - np.asarray(grey))
    assert np.array_equal(np.asarray(sparse), np.asarray(grey))


def test_a_picture_smaller_than_a_photograph_gets_no_photograph_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _recorded_runs(monkeypatch, _flat_with_a_disc((600, 400)))
    assert [segmentation for segmentation, _ in runs] == [AUTOMATIC, AUTOMATIC]  # grey, background removed


def test_a_photograph_read_surely_in_the_first_pass_gets_no_further_pass(ocr: TesseractOcr) -> None:
    image = Image.new("RGB", (1000, 600), (255, 255, 255))
    ImageDraw.Draw(image).text((60, 250), "market window", fill=(0, 0, 0), font=_font(56))
    assert ocr.reading(image).passes == 1
