"""Product photos: drawn with Pillow and numpy, some reposted as resized or recompressed near-duplicates."""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from trendwatch.generator.catalog import Product

WIDTH, HEIGHT = 320, 240
MAX_DISTINCT_IMAGES = 300
#: Chance that a photo of a product already pictured is a repost of an earlier picture.
REPOST_SHARE = 0.4
#: Chance that a repost is a new variant (resized, cropped, recompressed) rather than the same file.
VARIANT_SHARE = 0.6

Point = tuple[float, float]
Colour = tuple[int, int, int]
#: An RGB picture as floats, before clipping to bytes.
Pixels = npt.NDArray[np.float32]


class ImageGroup(msgspec.Struct):
    """One picture and every media key that shows it (the original and its reposts)."""

    group_id: str
    sku: str
    media_keys: list[str] = []
    distinct_files: int = 0


class _Shape:
    """Draws around a centre at a scale, so each picture places the product a little differently."""

    def __init__(self, draw: ImageDraw.ImageDraw, centre: Point, scale: float, colour: Colour) -> None:
        self.draw, self.centre, self.scale, self.colour = draw, centre, scale, colour

    def p(self, x: float, y: float) -> Point:
        return (self.centre[0] + x * self.scale, self.centre[1] + y * self.scale)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        (a, b), (c, d) = self.p(x0, y0), self.p(x1, y1)
        return (a, b, c, d)


def _garment(s: _Shape) -> None:
    points = [(-30, -80), (30, -80), (40, -40), (75, 75), (-75, 75), (-40, -40)]
    s.draw.polygon([s.p(x, y) for x, y in points], fill=s.colour)
    s.draw.line([s.p(-40, -40), s.p(40, -40)], fill=(255, 255, 255), width=3)


def _lamp(s: _Shape) -> None:
    s.draw.pieslice(s.box(-70, -90, 70, 30), 180, 360, fill=s.colour)
    s.draw.rectangle(s.box(-6, -30, 6, 60), fill=(90, 80, 70))
    s.draw.ellipse(s.box(-45, 55, 45, 75), fill=(90, 80, 70))


def _bottle(s: _Shape) -> None:
    s.draw.rounded_rectangle(s.box(-35, -40, 35, 80), radius=14, fill=s.colour)
    s.draw.rectangle(s.box(-14, -75, 14, -40), fill=(40, 40, 40))
    s.draw.rectangle(s.box(-25, 0, 25, 35), fill=(250, 250, 245))


def _mug(s: _Shape) -> None:
    s.draw.ellipse(s.box(30, -25, 85, 40), outline=s.colour, width=10)
    s.draw.rounded_rectangle(s.box(-55, -45, 50, 70), radius=10, fill=s.colour)
    for dx in (-25, 0, 25):
        s.draw.arc(s.box(dx - 8, -90, dx + 8, -55), 90, 270, fill=(120, 120, 120), width=3)


def _bag(s: _Shape) -> None:
    s.draw.arc(s.box(-40, -85, 40, -5), 180, 360, fill=(60, 50, 40), width=7)
    s.draw.rectangle(s.box(-70, -45, 70, 75), fill=s.colour)


_SHAPES: dict[str, Callable[[_Shape], None]] = {
    "fashion": _garment,
    "home": _lamp,
    "beauty": _bottle,
    "food_drink": _mug,
    "lifestyle": _bag,
}


@cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=18)


def _colour(rng: random.Random, low: int, high: int) -> Colour:
    return (rng.randrange(low, high), rng.randrange(low, high), rng.randrange(low, high))


def _gradient(rng: random.Random) -> Pixels:
    """A linear gradient between two colours at a random angle."""
    angle = rng.uniform(0, math.pi)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    t = (x * math.cos(angle) + y * math.sin(angle)) / (
        WIDTH * abs(math.cos(angle)) + HEIGHT * math.sin(angle)
    )
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    a, b = np.array(_colour(rng, 40, 250), np.float32), np.array(_colour(rng, 40, 250), np.float32)
    pixels: Pixels = a + t[..., None] * (b - a)
    return pixels


def _radial(rng: random.Random) -> Pixels:
    """A light spot fading to a darker surround, as a lamp-lit backdrop."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    cx, cy = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
    t = np.clip(np.hypot(x - cx, y - cy) / rng.uniform(150, 350), 0, 1)
    a, b = np.array(_colour(rng, 150, 255), np.float32), np.array(_colour(rng, 10, 140), np.float32)
    pixels: Pixels = a + t[..., None] * (b - a)
    return pixels


def _stripes(rng: random.Random) -> Pixels:
    """Stripes or checks, as fabric, tiles or wallpaper."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    period = rng.uniform(12, 60)
    angle = rng.uniform(0, math.pi)
    wave = np.sin((x * math.cos(angle) + y * math.sin(angle)) * 2 * math.pi / period)
    if rng.random() < 0.5:
        wave = wave * np.sin((y * math.cos(angle) - x * math.sin(angle)) * 2 * math.pi / period)
    t = (wave > 0).astype(np.float32)
    a, b = np.array(_colour(rng, 60, 250), np.float32), np.array(_colour(rng, 60, 250), np.float32)
    pixels: Pixels = a + t[..., None] * (b - a)
    return pixels


def _wood(rng: random.Random) -> Pixels:
    """Wavy grain, as a wooden table or marble."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    phase = rng.uniform(0, 6.3)
    grain = np.sin(y / rng.uniform(4, 12) + 3 * np.sin(x / rng.uniform(20, 80) + phase))
    t = (grain + 1) / 2
    a, b = np.array(_colour(rng, 90, 230), np.float32), np.array(_colour(rng, 30, 160), np.float32)
    pixels: Pixels = a + t[..., None] * (b - a)
    return pixels


def _room(rng: random.Random) -> Pixels:
    """A wall over a floor or shelf, split at a random height."""
    horizon = rng.randrange(HEIGHT // 3, HEIGHT * 4 // 5)
    pixels = np.empty((HEIGHT, WIDTH, 3), np.float32)
    pixels[:horizon] = _colour(rng, 120, 250)
    pixels[horizon:] = _colour(rng, 30, 200)
    shade = np.linspace(1.1, 0.8, HEIGHT, dtype=np.float32)[:, None, None]
    return pixels * shade


_BACKGROUNDS: tuple[Callable[[random.Random], Pixels], ...] = (_gradient, _radial, _stripes, _wood, _room)


def _props(rng: random.Random, draw: ImageDraw.ImageDraw) -> None:
    """Unrelated things in the picture: boxes, plates, leaves, a window."""
    for _ in range(rng.randrange(0, 5)):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        w, h = rng.randrange(15, 120), rng.randrange(15, 120)
        fill = _colour(rng, 0, 256)
        match rng.randrange(3):
            case 0:
                draw.rectangle((x, y, x + w, y + h), fill=fill)
            case 1:
                draw.ellipse((x, y, x + w, y + h), fill=fill)
            case _:
                draw.polygon(
                    [(x, y), (x + w, y + rng.randrange(-h, h)), (x + rng.randrange(w), y + h)], fill=fill
                )


def render(rng: random.Random, product: Product) -> Image.Image:
    """A photo-like picture of ``product``: a varied backdrop (gradient, fabric, wood, room),
    unrelated props, one to three copies of the product at different places and scales,
    often its name or price, and sensor grain."""
    pixels = rng.choice(_BACKGROUNDS)(rng)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    _props(rng, draw)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        centre = (rng.uniform(50, WIDTH - 50), rng.uniform(50, HEIGHT - 40))
        _SHAPES[product.category](_Shape(draw, centre, rng.uniform(0.5, 1.2), _colour(rng, 0, 256)))
    if rng.random() < 0.6:
        caption = product.name[:30] if rng.random() < 0.6 else f"{product.price:.2f} EUR"
        x, y = rng.randrange(5, WIDTH // 2), rng.randrange(5, HEIGHT - 30)
        draw.text((x, y), caption, fill=_colour(rng, 0, 256), font=_font())
    grain = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(2, 8), (HEIGHT, WIDTH, 3))
    return Image.fromarray(np.clip(np.asarray(image, np.float32) + grain, 0, 255).astype(np.uint8))


def _resized(rng: random.Random, image: Image.Image) -> Image.Image:
    scale = rng.uniform(0.5, 0.9)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def _cropped(rng: random.Random, image: Image.Image) -> Image.Image:
    margin = rng.randrange(4, 20)
    box = (margin, margin, image.width - margin, image.height - margin)
    return image.crop(box).resize(image.size, Image.Resampling.BILINEAR)


def _recompressed(rng: random.Random, image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randrange(30, 70))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _brightened(rng: random.Random, image: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(rng.uniform(0.85, 1.15))


_VARIANTS: tuple[Callable[[random.Random, Image.Image], Image.Image], ...] = (
    _resized,
    _cropped,
    _recompressed,
    _brightened,
)


def variant(rng: random.Random, image: Image.Image) -> Image.Image:
    """The same picture as a repost would show it: resized, cropped, recompressed or re-exposed."""
    return rng.choice(_VARIANTS)(rng, image)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Picture:
    def __init__(self, group: ImageGroup, image: Image.Image, first_file: int) -> None:
        self.group, self.image, self.files = group, image, [first_file]


class MediaLibrary:
    """Chooses, draws and writes the photo of each media key, keeping distinct images within a budget."""

    def __init__(self, rng: random.Random, media_dir: Path, max_distinct: int = MAX_DISTINCT_IMAGES) -> None:
        self._rng = rng
        self._dir = media_dir
        self._max_distinct = max(1, max_distinct)
        self._pictures: list[_Picture] = []
        self._by_sku: dict[str, list[_Picture]] = {}
        self._files: list[tuple[bytes, int, int]] = []
        self._file_by_digest: dict[str, int] = {}

    @property
    def distinct_images(self) -> int:
        return len(self._files)

    @property
    def groups(self) -> list[ImageGroup]:
        return [picture.group for picture in self._pictures]

    def _store(self, image: Image.Image) -> int:
        data = png_bytes(image)
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._file_by_digest:
            self._file_by_digest[digest] = len(self._files)
            self._files.append((data, image.width, image.height))
        return self._file_by_digest[digest]

    def _new_picture(self, product: Product) -> tuple[_Picture, int]:
        image = render(self._rng, product)
        group = ImageGroup(group_id=f"img-{len(self._pictures) + 1:04d}", sku=product.sku)
        picture = _Picture(group, image, self._store(image))
        self._pictures.append(picture)
        self._by_sku.setdefault(product.sku, []).append(picture)
        return picture, picture.files[0]

    def _repost(self, candidates: list[_Picture], budget_left: bool) -> tuple[_Picture, int]:
        picture = self._rng.choice(candidates)
        if budget_left and self._rng.random() < VARIANT_SHARE:
            file_index = self._store(variant(self._rng, picture.image))
            if file_index not in picture.files:
                picture.files.append(file_index)
            return picture, file_index
        return picture, self._rng.choice(picture.files)

    def photo(self, media_key: str, product: Product) -> dict[str, Any]:
        """Write ``<media_key>.png`` for a photo of ``product`` and return X's media object for it."""
        budget_left = len(self._files) < self._max_distinct
        same_product = self._by_sku.get(product.sku, [])
        if budget_left and (not same_product or self._rng.random() >= REPOST_SHARE):
            picture, file_index = self._new_picture(product)
        else:
            picture, file_index = self._repost(same_product or self._pictures, budget_left)
        picture.group.media_keys.append(media_key)
        picture.group.distinct_files = len(picture.files)
        data, width, height = self._files[file_index]
        (self._dir / f"{media_key}.png").write_bytes(data)
        return {
            "media_key": media_key,
            "type": "photo",
            "url": f"https://pbs.twimg.com/media/{media_key}.png",
            "width": width,
            "height": height,
        }
