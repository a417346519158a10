"""Held-out OCR renders: words drawn the ways social-media pictures show them, with their labels.

Independent of the stream generator (:mod:`trendwatch.generator.images`) and of the words of
:mod:`trendwatch.evaluation.images`: its own English and French vocabulary, its own fonts
(DejaVu, Liberation, FreeFont and Noto families from Debian packages, regular and bold, 20-64
pixels) and its own backgrounds. Each render shows one condition of :data:`CONDITIONS`:

* ``issue``: the case first reported, a 900x500 picture with a coloured background and a few
  shapes, a white band across it and two words of 54-pixel black type;
* ``coloured``: dark or light type straight on a flat or gradient colour, no band;
* ``textured``: type on stripes, checks or coarse noise;
* ``photo-like``: type on a blurred random field with gradients and soft shapes (a stand-in
  for a photograph: no real photograph ships with the packages we depend on), with a drop
  shadow as captions on photos often have;
* ``white-on-dark``: light type on a dark background;
* ``rotated``: a ``coloured`` render turned by 2-6 degrees either way;
* ``jpeg``: a ``textured`` or ``photo-like`` render saved at JPEG quality 20-50.

Renders are split by seed: the ``tuning`` split is the only one the OCR settings were chosen
on; evaluation reports the ``held-out`` split.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CONDITIONS = ("issue", "coloured", "textured", "photo-like", "white-on-dark", "rotated", "jpeg")
SPLITS = ("tuning", "held-out")

_ENGLISH = (
    "weekend harbour pancake blanket orchard sneakers backpack lantern meadow biscuit "
    "festival kitchen skyline marathon picnic charcoal peppermint notebook umbrella sunrise "
    "bakery garage rainbow pillow jacket market travel family winter bright quick ticket "
    "island guitar hoodie poster spring desert crystal mirror"
)
_FRENCH = (
    "fraîcheur goûter château épicerie boulangerie bientôt soirée marché forêt lumière "
    "fenêtre théâtre carrément écharpe vélo pâtisserie créateur nouveauté bâtiment jardinière "
    "cerise étagère plage rentrée façade hôtel récolte naïve brioche maïs cuisine voyage "
    "glacière écrin tisane fête poêle tricot beauté légère"
)
VOCABULARY = {"en": tuple(_ENGLISH.split()), "fr": tuple(_FRENCH.split())}

#: Font files by family; families whose files are not installed are left out.
_FONT_FILES = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "Liberation Sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "Liberation Serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "Liberation Mono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    "FreeSans": ("FreeSans.ttf", "FreeSansBold.ttf"),
    "FreeSerif": ("FreeSerif.ttf", "FreeSerifBold.ttf"),
    "Noto Sans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "Noto Serif": ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf"),
}
_SIZE = (900, 500)
_ISSUE_TYPE = 54

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Render:
    """One labelled picture: its encoded bytes and the words drawn on it."""

    condition: str
    lang: str
    font: str
    words: tuple[str, ...]
    data: bytes


@cache
def font_families() -> tuple[str, ...]:
    """The families of :data:`_FONT_FILES` installed here (every file loads)."""
    available = []
    for family, files in _FONT_FILES.items():
        try:
            for file in files:
                ImageFont.truetype(file, 10)
        except OSError:
            continue
        available.append(family)
    return tuple(available)


def _font(rng: random.Random, size: int) -> tuple[str, ImageFont.FreeTypeFont]:
    family = rng.choice(font_families())
    bold = rng.random() < 0.4
    return f"{family}{' Bold' if bold else ''}", ImageFont.truetype(_FONT_FILES[family][bold], size)


def _colour(rng: random.Random, low: int, high: int) -> RGB:
    return (rng.randrange(low, high), rng.randrange(low, high), rng.randrange(low, high))


def _luminance(colour: RGB) -> float:
    red, green, blue = colour
    return 0.299 * red + 0.587 * green + 0.114 * blue


def _contrasting(rng: random.Random, background: RGB) -> RGB:
    """A type colour at least about 110 luminance levels from ``background``."""
    if _luminance(background) > 128:
        return _colour(rng, 0, 50)
    return _colour(rng, 215, 256)


def _gradient(rng: random.Random) -> Image.Image:
    start, end = np.array(_colour(rng, 30, 230)), np.array(_colour(rng, 30, 230))
    ramp = np.linspace(0.0, 1.0, _SIZE[0])[None, :, None]
    pixels = start + (end - start) * ramp
    return Image.fromarray(np.broadcast_to(pixels, (_SIZE[1], _SIZE[0], 3)).astype(np.uint8))


def _shapes(rng: random.Random, image: Image.Image, count: int) -> None:
    draw = ImageDraw.Draw(image)
    for _ in range(count):
        x, y = rng.randrange(-50, _SIZE[0]), rng.randrange(-50, _SIZE[1])
        box = (x, y, x + rng.randrange(40, 260), y + rng.randrange(40, 260))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape(box, fill=_colour(rng, 0, 256))


def _texture(rng: random.Random) -> Image.Image:
    first, second = _colour(rng, 0, 256), _colour(rng, 0, 256)
    grid = np.indices((_SIZE[1], _SIZE[0]))
    period = rng.randrange(6, 40)
    kind = rng.choice(("stripes", "checks", "noise"))
    if kind == "stripes":
        mask = ((grid[0] + grid[1]) // period) % 2 == 0
    elif kind == "checks":
        mask = ((grid[0] // period) + (grid[1] // period)) % 2 == 0
    else:
        coarse = np.random.default_rng(rng.randrange(2**32)).random((_SIZE[1] // 8 + 1, _SIZE[0] // 8 + 1))
        mask = np.kron(coarse > 0.5, np.ones((8, 8), dtype=bool))[: _SIZE[1], : _SIZE[0]]
    pixels = np.where(mask[..., None], np.array(first), np.array(second))
    return Image.fromarray(pixels.astype(np.uint8))


def _photo_like(rng: random.Random) -> Image.Image:
    field = np.random.default_rng(rng.randrange(2**32)).random((10, 18, 3)) * 255
    image = Image.fromarray(field.astype(np.uint8)).resize(_SIZE, Image.Resampling.BICUBIC)
    image = Image.blend(image, _gradient(rng), 0.4)
    _shapes(rng, image, rng.randrange(2, 6))
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(3, 8)))


def _mean_colour(image: Image.Image, box: tuple[int, int, int, int]) -> RGB:
    red, green, blue = np.asarray(image.crop(box), dtype=np.float64).reshape(-1, 3).mean(axis=0)
    return round(red), round(green), round(blue)


def _layout(rng: random.Random, words: list[str], font: ImageFont.FreeTypeFont) -> tuple[list[str], int, int]:
    """Words as one or two lines that fit the picture; their block's width and height."""
    lines = [" ".join(words)]
    if len(words) > 2 and (font.getlength(lines[0]) > _SIZE[0] - 80 or rng.random() < 0.3):
        half = len(words) // 2
        lines = [" ".join(words[:half]), " ".join(words[half:])]
    width = max(round(font.getlength(line)) for line in lines)
    ascent, descent = font.getmetrics()
    return lines, width, len(lines) * round((ascent + descent) * 1.2)


def _write(
    rng: random.Random,
    image: Image.Image,
    words: list[str],
    font: ImageFont.FreeTypeFont,
    colour: Callable[[RGB], RGB],
    shadow: bool = False,
) -> None:
    lines, width, height = _layout(rng, words, font)
    x = rng.randrange(20, max(21, _SIZE[0] - width - 20))
    y = rng.randrange(20, max(21, _SIZE[1] - height - 20))
    fill = colour(_mean_colour(image, (x, y, x + width, y + height)))
    text = "\n".join(lines)
    draw = ImageDraw.Draw(image)
    if shadow:
        offset = max(2, font.size // 18)
        dark = _luminance(fill) > 128
        draw.multiline_text(
            (x + offset, y + offset), text, font=font, fill=(0, 0, 0) if dark else (255, 255, 255)
        )
    draw.multiline_text((x, y), text, font=font, fill=fill, spacing=font.size // 5)


def _issue(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    image = Image.new("RGB", _SIZE, _colour(rng, 0, 256))
    _shapes(rng, image, rng.randrange(2, 6))
    name, font = _font(rng, _ISSUE_TYPE)
    top = rng.randrange(60, _SIZE[1] - 160)
    ImageDraw.Draw(image).rectangle((0, top, _SIZE[0], top + 100), fill=(255, 255, 255))
    text = " ".join(words[:2])
    left = max(10, (_SIZE[0] - round(font.getlength(text))) // 2)
    ImageDraw.Draw(image).text((left, top + 20), text, font=font, fill=(0, 0, 0))
    return name, image


def _coloured(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    image = _gradient(rng) if rng.random() < 0.5 else Image.new("RGB", _SIZE, _colour(rng, 0, 256))
    name, font = _font(rng, rng.randrange(20, 65))
    _write(rng, image, words, font, lambda under: _contrasting(rng, under))
    return name, image


def _textured(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    image = _texture(rng)
    name, font = _font(rng, rng.randrange(28, 65))
    _write(rng, image, words, font, lambda under: _contrasting(rng, under), shadow=True)
    return name, image


def _photographic(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    image = _photo_like(rng)
    name, font = _font(rng, rng.randrange(24, 65))
    _write(rng, image, words, font, lambda under: _contrasting(rng, under), shadow=True)
    return name, image


def _white_on_dark(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    image = Image.new("RGB", _SIZE, _colour(rng, 0, 70))
    _shapes(rng, image, rng.randrange(0, 3))
    name, font = _font(rng, rng.randrange(20, 65))
    _write(rng, image, words, font, lambda _: _colour(rng, 225, 256))
    return name, image


def _rotated(rng: random.Random, words: list[str]) -> tuple[str, Image.Image]:
    name, image = _coloured(rng, words)
    angle = rng.choice((-1, 1)) * rng.uniform(2, 6)
    corner = _mean_colour(image, (0, 0, 8, 8))
    return name, image.rotate(angle, Image.Resampling.BICUBIC, fillcolor=corner)


def _encoded(image: Image.Image, format: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


_DRAW: dict[str, Callable[[random.Random, list[str]], tuple[str, Image.Image]]] = {
    "issue": _issue,
    "coloured": _coloured,
    "textured": _textured,
    "photo-like": _photographic,
    "white-on-dark": _white_on_dark,
    "rotated": _rotated,
    "jpeg": lambda rng, words: (_textured if rng.random() < 0.5 else _photographic)(rng, words),
}


def render(rng: random.Random, condition: str, lang: str) -> Render:
    """One render of ``condition`` with 2-4 words of ``lang`` (two for ``issue``)."""
    count = 2 if condition == "issue" else rng.randrange(2, 5)
    words = rng.sample(VOCABULARY[lang], count)
    if rng.random() < 0.3:
        words = [word.capitalize() if rng.random() < 0.7 else word.upper() for word in words]
    font, image = _DRAW[condition](rng, words)
    if condition == "jpeg":
        data = _encoded(image, "JPEG", quality=rng.randrange(20, 51))
    else:
        data = _encoded(image, "PNG", compress_level=1)
    return Render(condition, lang, font, tuple(words), data)


def renders(split: str, seed: int, per_condition: int) -> Iterator[Render]:
    """``per_condition`` renders of each condition (languages alternating) for a split and seed."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    for condition in CONDITIONS:
        rng = random.Random(f"ocr-renders-{split}-{seed}-{condition}")
        for index in range(per_condition):
            yield render(rng, condition, ("en", "fr")[index % 2])
