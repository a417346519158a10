from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.fakes.hostile_images import decompression_bomb, encode, noisy, png_with_header_size, truncated_png
from trendwatch.adapters.local.image_analyzer import (
    FINGERPRINT_MODEL_VERSION,
    PHASH_MODEL_VERSION,
    LocalImageAnalyzer,
    dominant_colours,
    near_duplicate_fingerprint,
)
from trendwatch.contracts.events import Colour
from trendwatch.domain.near_duplicates import Fingerprint, candidate_bits, grid_distance
from trendwatch.ports import ImageAnalyzer, InvalidImage

NAVY = (31, 42, 68)
RED = (211, 47, 47)


def scene(width: int, height: int) -> Image.Image:
    """A smooth picture with shapes: low-frequency content, like a photo, for the perceptual hash."""
    y, x = np.mgrid[0:height, 0:width]
    gradient = np.stack([x * 255 // width, y * 255 // height, np.full_like(x, 90)], axis=-1)
    image = Image.fromarray(gradient.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 8, height // 6, width // 2, height * 5 // 6), fill=NAVY)
    draw.rectangle((width * 5 // 8, height // 4, width * 7 // 8, height // 2), fill=RED)
    return image


@pytest.fixture
def analyzer() -> ImageAnalyzer:
    return LocalImageAnalyzer()


def test_solid_png_reports_size_format_hash_and_one_named_colour(analyzer: ImageAnalyzer) -> None:
    image = Image.new("RGB", (40, 30), NAVY)
    result = analyzer.analyze(encode(image))
    assert (result.width, result.height, result.format) == (40, 30, "png")
    assert result.colours == (Colour(name="navy", hex="#1f2a44", fraction=1.0),)
    assert result.phash == str(imagehash.phash(image))
    assert len(result.phash) == 16
    assert result.model_versions == {
        "phash": PHASH_MODEL_VERSION,
        "fingerprint": FINGERPRINT_MODEL_VERSION,
        "colours": "trendwatch-colours-2",
    }
    assert (result.ocr_text, result.labels) == ("", ())


def test_colour_fractions_follow_pixel_shares(analyzer: ImageAnalyzer) -> None:
    image = Image.new("RGB", (64, 64), RED)
    image.paste((255, 255, 255), (0, 0, 64, 16))
    result = analyzer.analyze(encode(image))
    assert result.colours == (
        Colour(name="red", hex="#d32f2f", fraction=0.75),
        Colour(name="white", hex="#ffffff", fraction=0.25),
    )


def test_large_jpeg_colours_come_from_a_downscaled_copy(analyzer: ImageAnalyzer) -> None:
    image = Image.new("RGB", (1024, 768), (0, 128, 128))
    image.paste(NAVY, (0, 0, 640, 768))
    result = analyzer.analyze(encode(image, "JPEG", quality=90))
    assert (result.width, result.height, result.format) == (1024, 768, "jpeg")
    assert [c.name for c in result.colours] == ["navy", "teal"]
    assert [c.fraction for c in result.colours] == pytest.approx([0.625, 0.375], abs=0.03)


@pytest.mark.parametrize(
    ("fmt", "working_size"),
    [
        ("JPEG", (300, 225)),  # decoded at 1/4 scale
        ("PNG", (172, 129)),  # decoded in full, then reduced by 7
    ],
)
def test_large_images_are_hashed_on_a_reduced_copy_and_keep_their_own_size(
    fmt: str, working_size: tuple[int, int]
) -> None:
    image = scene(1200, 900)
    data = encode(image, fmt, quality=90) if fmt == "JPEG" else encode(image, fmt)
    analyzer = LocalImageAnalyzer()
    decoded = analyzer.decode(data)
    assert (decoded.width, decoded.height, decoded.pixels.size) == (1200, 900, working_size)
    assert analyzer.decode(data, full_resolution=True).pixels.size == (1200, 900)

    result = analyzer.analyze(data)
    assert (result.width, result.height, result.format) == (1200, 900, fmt.lower())
    # The hashes of the reduced copy are those of the full picture, within a few bits.
    assert imagehash.hex_to_hash(result.phash) - imagehash.phash(image) <= 2
    reduced, full = Fingerprint.decode(result.fingerprint), near_duplicate_fingerprint(image)
    assert candidate_bits(reduced, full) <= 3
    assert grid_distance(reduced, full) < 1.0
    colours = dominant_colours(image)
    assert [c.name for c in result.colours] == [c.name for c in colours]
    assert [c.fraction for c in result.colours] == pytest.approx([c.fraction for c in colours], abs=0.02)


def test_phash_survives_recompression_but_separates_different_images(analyzer: ImageAnalyzer) -> None:
    image = scene(320, 240)
    original = imagehash.hex_to_hash(analyzer.analyze(encode(image)).phash)
    recompressed = imagehash.hex_to_hash(analyzer.analyze(encode(image, "JPEG", quality=70)).phash)
    other = imagehash.hex_to_hash(analyzer.analyze(encode(image.rotate(90, expand=True))).phash)
    assert original - recompressed <= 6
    assert original - other >= 20


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("GIF", {}), ("WEBP", {"lossless": True}), ("PNG", {})],  # PNG with several frames is APNG
)
def test_animated_image_is_analysed_from_its_first_frame(
    analyzer: ImageAnalyzer, fmt: str, options: dict[str, object]
) -> None:
    frames = [Image.new("RGB", (32, 32), RED), Image.new("RGB", (32, 32), (65, 105, 225))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **options)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    result = analyzer.analyze(data)
    assert result.format == fmt.lower()
    assert [c.name for c in result.colours] == ["red"]


def test_transparent_pixels_do_not_count_towards_colours(analyzer: ImageAnalyzer) -> None:
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((*NAVY, 255), (0, 0, 40, 10))
    result = analyzer.analyze(encode(image))
    assert result.colours == (Colour(name="navy", hex="#1f2a44", fraction=1.0),)


def test_fully_transparent_image_has_no_colours(analyzer: ImageAnalyzer) -> None:
    result = analyzer.analyze(encode(Image.new("RGBA", (16, 16), (255, 0, 0, 0))))
    assert result.colours == ()
    assert result.phash == str(imagehash.phash(Image.new("RGB", (16, 16), "white")))


@pytest.mark.parametrize(
    ("image", "fmt", "name"),
    [
        (Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", "red"),
        (Image.new("L", (16, 16), 140), "PNG", "grey"),
        (Image.new("RGB", (16, 16), NAVY).convert("P", palette=Image.Palette.ADAPTIVE), "PNG", "navy"),
        (Image.new("RGB", (16, 16), NAVY), "WEBP", "navy"),
        (Image.new("RGB", (16, 16), NAVY), "BMP", "navy"),
    ],
)
def test_other_modes_and_formats_are_converted_to_rgb(
    analyzer: ImageAnalyzer, image: Image.Image, fmt: str, name: str
) -> None:
    result = analyzer.analyze(encode(image, fmt))
    assert result.format == fmt.lower()
    assert result.colours[0].name == name


def test_sixteen_bit_greyscale_keeps_its_brightness(analyzer: ImageAnalyzer) -> None:
    image = Image.fromarray(np.full((16, 16), 0x8C00, dtype=np.uint16))
    assert image.mode.startswith("I")
    result = analyzer.analyze(encode(image))
    assert result.colours == (Colour(name="grey", hex="#8c8c8c", fraction=1.0),)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty content"),
        (b"<!doctype html><html><body>Not found</body></html>", "not an image in an accepted format"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), "not an image in an accepted format"),
        (truncated_png(), "truncated or corrupt PNG data"),
        (encode(noisy(64, 64), "JPEG")[:1500], "truncated or corrupt JPEG data"),
    ],
)
def test_unusable_content_is_refused_with_a_reason(analyzer: ImageAnalyzer, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidImage, match=reason):
        analyzer.analyze(data)


def test_header_claiming_400_megapixels_is_refused_before_decoding(analyzer: ImageAnalyzer) -> None:
    with pytest.raises(InvalidImage, match="image too large"):
        analyzer.analyze(png_with_header_size(20_000, 20_000))


def test_decompression_bomb_over_the_pixel_limit_is_refused(analyzer: ImageAnalyzer) -> None:
    bomb = decompression_bomb()
    assert len(bomb) < 100_000
    with pytest.raises(InvalidImage, match="7000x6000 pixels exceeds the limit of 40000000"):
        analyzer.analyze(bomb)


def test_pixel_limit_and_formats_are_configurable() -> None:
    small = LocalImageAnalyzer(max_pixels=100, formats=("PNG",))
    with pytest.raises(InvalidImage, match="11x10 pixels exceeds the limit of 100"):
        small.analyze(encode(Image.new("RGB", (11, 10))))
    with pytest.raises(InvalidImage, match=r"accepted format \(PNG\)"):
        small.analyze(encode(Image.new("RGB", (8, 8)), "JPEG"))
    assert small.analyze(encode(Image.new("RGB", (10, 10)))).width == 10
