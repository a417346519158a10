"""OCR word recall and precision on labelled pictures, one row per set and condition.

Words on both sides go through :func:`ocr_words` (the pipeline's own cleaning) and are
compared ignoring case, once per picture: recall is the share of a picture's distinct
labelled words found in its text, precision the share of the distinct words read that are
labelled. Seconds and passes are per picture (passes: Tesseract runs; a later pass runs only
while a word read is not sure).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import msgspec
from PIL import Image

from trendwatch.adapters.local.ocr import Reading
from trendwatch.domain.ocr_text import ocr_words

Advance = Callable[[int], None]


class Reader(Protocol):
    """What is measured: :class:`~trendwatch.adapters.local.ocr.TesseractOcr` in the evaluation."""

    def reading(self, pixels: Image.Image) -> Reading: ...


class OcrResult(msgspec.Struct):
    #: The data: which set of pictures, and which condition or picture within it.
    set: str
    condition: str
    images: int
    words: int
    recall: float
    precision: float
    seconds_per_image: float
    passes_per_image: float


@dataclass(frozen=True, slots=True)
class Labelled:
    """A picture (encoded, or already decoded) and the text a reader sees on it."""

    picture: bytes | Image.Image
    text: str


@dataclass(slots=True)
class _Tally:
    found: int = 0
    labelled: int = 0
    read: int = 0
    seconds: float = 0.0
    passes: int = 0


def _distinct(text: str) -> set[str]:
    return {word.casefold() for word in ocr_words(text)}


def _pixels(picture: bytes | Image.Image) -> Image.Image:
    return picture if isinstance(picture, Image.Image) else Image.open(io.BytesIO(picture)).convert("RGB")


def measure(
    ocr: Reader, set_name: str, condition: str, pictures: Iterable[Labelled], advance: Advance
) -> OcrResult:
    """Recall, precision, seconds and passes of ``ocr`` over ``pictures``."""
    tally, images = _Tally(), 0
    for item in pictures:
        pixels = _pixels(item.picture)
        start = time.perf_counter()
        reading = ocr.reading(pixels)
        tally.seconds += time.perf_counter() - start
        expected, read = _distinct(item.text), _distinct(reading.text)
        tally.found += len(expected & read)
        tally.labelled += len(expected)
        tally.read += len(read)
        tally.passes += reading.passes
        images += 1
        advance(1)
    return OcrResult(
        set_name,
        condition,
        images,
        tally.labelled,
        tally.found / tally.labelled if tally.labelled else 0.0,
        tally.found / tally.read if tally.read else 1.0,
        tally.seconds / images if images else 0.0,
        tally.passes / images if images else 0.0,
    )
