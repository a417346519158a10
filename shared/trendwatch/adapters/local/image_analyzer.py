"""Offline image analysis with Pillow and imagehash: size, format, perceptual hash, colours.

The bytes come from strangers on the internet, so decoding is defensive: the format
must be on an allow-list, the pixel count is checked from the header before any
pixel is decoded (a 20000x20000 header or a decompression bomb costs nothing), and
every decoder failure becomes :class:`~trendwatch.ports.InvalidImage` with a reason.

Hashes, the near-duplicate fingerprint and colours only look at small copies (32x32 for
the pHash, 9x8 and 16x16 for the fingerprint, at most 64x64 for colours), so they are
computed on a working copy whose shorter side is reduced to about :data:`WORKING_SIDE`
pixels; a JPEG is decoded straight at a reduced scale (its decoder skips the fine DCT
coefficients), which makes a 1200x900 photo several times cheaper. OCR reads small print
and needs every pixel, so it gets the full-resolution image.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib.metadata import version

import imagehash
import numpy as np
from PIL import Image, UnidentifiedImageError

from trendwatch.contracts.events import Colour, ImageAnalysis
from trendwatch.domain.colours import COLOUR_MODEL_VERSION, NamedColour, cluster, srgb_to_lab, summarise
from trendwatch.domain.near_duplicates import GRID, Fingerprint
from trendwatch.domain.ocr_text import ocr_text
from trendwatch.observability import get_logger
from trendwatch.ports import ImageOutcome, InvalidImage

from .ocr import OcrUnavailable
from .ocr_union import OcrEngine, ocr_engine

ALLOWED_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
MAX_PIXELS = 40_000_000

#: Shorter side of the working copy (at least this, less than twice this unless the image is
#: smaller): four times the pHash's 32 pixels. On 1200x900 pictures the copy's pHash is within
#: 2 bits of the full picture's, its colour grid within 2 units, and its dHashes about 2 bits
#: away on average (a smooth picture's dHash flips bits on any resampling), far inside the
#: 20 bits of a near-duplicate candidate.
WORKING_SIDE = 128
#: Hashes are taken on the working copy (``-w128``), which moves a large picture's hashes by a
#: few bits from those of its full resolution: a new version.
PHASH_MODEL_VERSION = f"imagehash-{version('ImageHash')}-w{WORKING_SIDE}"
#: Version of :func:`near_duplicate_fingerprint`, recorded next to the hash versions.
FINGERPRINT_MODEL_VERSION = f"dhash2-lab{GRID}-{PHASH_MODEL_VERSION}"
#: Colours are counted on a copy at most this many pixels wide and high.
_COLOUR_SAMPLE_SIDE = 64
#: CIELAB clusters before merging by name; more than the names we keep, so that
#: a small accent colour is not swallowed by a large neighbour.
_COLOUR_CLUSTERS = 8
#: Texts remembered by content digest.
_OCR_CACHE_SIZE = 4096
#: Pixels at least this opaque count towards the colours of images with transparency.
_OPAQUE = 128

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """The first frame of an accepted image, in ``RGB`` or (when it has transparency) ``RGBA``.

    ``width`` and ``height`` are the image's own; ``pixels`` is the full-resolution frame or
    the working copy, as :func:`decode_image` was asked.
    """

    format: str
    width: int
    height: int
    pixels: Image.Image


def decode_image(
    data: bytes,
    *,
    formats: Collection[str] = ALLOWED_FORMATS,
    max_pixels: int = MAX_PIXELS,
    full_resolution: bool = True,
) -> DecodedImage:
    """Validate and decode ``data``; raise :class:`InvalidImage` saying why it is refused.

    Without ``full_resolution`` the pixels are the working copy (:func:`working_copy`), and
    a JPEG is decoded at 1/2, 1/4 or 1/8 scale to get there.
    """
    if not data:
        raise InvalidImage("empty content")
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError as exc:
        raise InvalidImage(f"image too large: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"not an image in an accepted format ({', '.join(formats)})") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidImage(f"image too large: {width}x{height} pixels exceeds the limit of {max_pixels}")
    if not full_resolution:
        # Only the JPEG decoder acts on this: the largest power-of-two scale that keeps both
        # sides at least WORKING_SIDE. Other formats decode in full and are reduced below.
        image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))
    try:
        image.load()  # animated images stay on their first frame
    # Decoders for untrusted data fail in many ways (OSError, SyntaxError, EOFError,
    # struct.error, ...); any of them means the content is unusable.
    except Exception as exc:
        raise InvalidImage(f"truncated or corrupt {image.format} data: {exc}") from exc
    pixels = _to_rgb(image)
    return DecodedImage(
        str(image.format).lower(), width, height, pixels if full_resolution else working_copy(pixels)
    )


def working_copy(pixels: Image.Image) -> Image.Image:
    """``pixels`` box-reduced by the largest whole factor keeping the shorter side >= :data:`WORKING_SIDE`."""
    factor = min(pixels.size) // WORKING_SIDE
    return pixels.reduce(factor) if factor > 1 else pixels


def _to_rgb(image: Image.Image) -> Image.Image:
    """Normalise palette, greyscale, CMYK and 16-bit modes to ``RGB``, or ``RGBA`` if transparent."""
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: keep the high byte, do not clip
        high_byte = (np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8)
        return Image.fromarray(high_byte).convert("RGB")
    transparent = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")


def _on_white(pixels: Image.Image) -> Image.Image:
    """What a viewer sees: transparent areas over a white page."""
    if pixels.mode != "RGBA":
        return pixels
    flat = Image.new("RGB", pixels.size, "white")
    flat.paste(pixels, mask=pixels.getchannel("A"))
    return flat


def perceptual_hash(pixels: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex characters; near-identical images differ in few bits."""
    return str(imagehash.phash(_on_white(pixels)))


#: Share of each side trimmed for the centre view of a fingerprint: as much as a crop removes.
_CENTRE_TRIM = 0.05


def near_duplicate_fingerprint(pixels: Image.Image) -> Fingerprint:
    """dHashes of the whole picture and of its centre, and its grid of mean CIELAB colours."""
    flat = _on_white(pixels)
    dx, dy = round(flat.width * _CENTRE_TRIM), round(flat.height * _CENTRE_TRIM)
    centre = flat.crop((dx, dy, flat.width - dx, flat.height - dy)) if dx and dy else flat
    hashes = (int(str(imagehash.dhash(flat)), 16), int(str(imagehash.dhash(centre)), 16))
    small = np.asarray(flat.resize((GRID, GRID), Image.Resampling.BOX), dtype=np.float64)
    return Fingerprint(hashes, srgb_to_lab(small.reshape(-1, 3)).reshape(GRID, GRID, 3))


def dominant_colours(pixels: Image.Image, limit: int = 5) -> list[NamedColour]:
    """Named dominant colours of the opaque pixels, largest share first."""
    factor = -(-max(pixels.size) // _COLOUR_SAMPLE_SIDE)  # ceiling division
    sample = pixels.reduce(factor) if factor > 1 else pixels  # box average: fast, keeps shares
    array = np.asarray(sample)
    rgb = array[array[..., 3] >= _OPAQUE][:, :3] if sample.mode == "RGBA" else array.reshape(-1, 3)
    means, counts = cluster(rgb, _COLOUR_CLUSTERS)
    return summarise(means, counts, limit=limit)


def _read_text(ocr: OcrEngine, pixels: Image.Image) -> str:
    try:
        return ocr_text(ocr.read(_on_white(pixels)))
    except OcrUnavailable as exc:
        log.warning("ocr failed", extra={"error": str(exc)})
        return ""


def to_colours(named: list[NamedColour]) -> tuple[Colour, ...]:
    return tuple(Colour(name=c.name, hex=c.hex, fraction=c.fraction) for c in named)


def _ocr_engine(wanted: bool) -> OcrEngine | None:
    if not wanted:
        return None
    try:
        return ocr_engine()
    except OcrUnavailable as exc:
        log.warning("OCR is off: images will have no text or text terms", extra={"reason": str(exc)})
        return None


class LocalImageAnalyzer:
    """:class:`~trendwatch.ports.ImageAnalyzer` without network: hashes, colours and optional OCR.

    Hashes and colours take a few milliseconds per image; OCR (``ocr=True``, Tesseract in
    English and French, then PP-OCR for scene text: see :mod:`.ocr_union`) takes about a
    second, so it is off unless asked for, and stays off with a warning when Tesseract is not
    installed. Text is remembered per content digest (reposts often share the exact bytes). An OCR failure leaves ``ocr_text`` empty rather
    than losing the image's other results.
    """

    name = "local"

    def __init__(
        self,
        *,
        max_pixels: int = MAX_PIXELS,
        formats: Collection[str] = ALLOWED_FORMATS,
        colour_limit: int = 5,
        ocr: bool = False,
    ) -> None:
        self.max_pixels = max_pixels
        self.formats = tuple(formats)
        self.colour_limit = colour_limit
        self._ocr = _ocr_engine(ocr)
        self._texts: OrderedDict[bytes, str] = OrderedDict()

    @property
    def reads_text(self) -> bool:
        """Whether :meth:`analyze` runs OCR (asked for, and Tesseract is installed)."""
        return self._ocr is not None

    def _text(self, ocr: OcrEngine, image: bytes, pixels: Image.Image) -> str:
        digest = hashlib.sha256(image).digest()
        if (known := self._texts.get(digest)) is not None:
            self._texts.move_to_end(digest)
            return known
        text = self._texts[digest] = _read_text(ocr, pixels)
        if len(self._texts) > _OCR_CACHE_SIZE:
            self._texts.popitem(last=False)
        return text

    def decode(self, image: bytes, *, full_resolution: bool = False) -> DecodedImage:
        """Validated first frame: the working copy, enough for hashes and colours, unless asked."""
        return decode_image(
            image, formats=self.formats, max_pixels=self.max_pixels, full_resolution=full_resolution
        )

    def analyze(self, image: bytes) -> ImageAnalysis:
        decoded = self.decode(image, full_resolution=self._ocr is not None)
        versions = {
            "phash": PHASH_MODEL_VERSION,
            "fingerprint": FINGERPRINT_MODEL_VERSION,
            "colours": COLOUR_MODEL_VERSION,
        }
        text = ""
        if self._ocr is not None:
            versions["ocr"] = self._ocr.version
            text = self._text(self._ocr, image, decoded.pixels)
        pixels = working_copy(decoded.pixels)  # already the working copy without OCR
        return ImageAnalysis(
            width=decoded.width,
            height=decoded.height,
            format=decoded.format,
            phash=perceptual_hash(pixels),
            fingerprint=near_duplicate_fingerprint(pixels).encode(),
            colours=to_colours(dominant_colours(pixels, self.colour_limit)),
            ocr_text=text,
            model_versions=versions,
        )

    def analyze_many(self, images: Sequence[bytes]) -> list[ImageOutcome]:
        outcomes: list[ImageOutcome] = []
        for image in images:
            try:
                outcomes.append(self.analyze(image))
            except InvalidImage as exc:
                outcomes.append(exc)
        return outcomes
