"""Both OCR engines on every picture: Tesseract's words, then the words only PP-OCR read.

Neither engine is enough alone. Tesseract, with its passes (:mod:`trendwatch.adapters.local.ocr`),
reads overlaid and printed type and French accents (0.94-1.00 of the words of every held-out
render condition) but misses much scene text: word crops, signs, curved or small type. PP-OCR
(:mod:`trendwatch.adapters.local.scene_ocr`) finds scene text, but joins words whose space is
narrow ("BEWAREOF") and knows no ç, ê, â, î, ô or û: alone, it read 0.46-0.75 of the words of
the renders' tuning split. So Tesseract reads first and PP-OCR's words are added when no word
read already has the same letters once case and accents are set aside: "chateau" is not added
beside "château". On the 13 tuning photographs this read 0.80 of the words, against 0.72 for
Tesseract and 0.76 for PP-OCR alone (see ``docs/evaluation.md``).
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from PIL import Image

from trendwatch.adapters.local.ocr import Line, OcrUnavailable, Reading, TesseractOcr
from trendwatch.adapters.local.scene_ocr import SceneOcr
from trendwatch.observability import get_logger

log = get_logger(__name__)


class OcrEngine(Protocol):
    """What reads the text of a picture: :class:`TesseractOcr` or :class:`UnionOcr`."""

    #: Recorded with each text.
    version: str

    def read(self, pixels: Image.Image) -> str: ...

    def reading(self, pixels: Image.Image) -> Reading: ...


class LineReader(Protocol):
    """What adds its words to Tesseract's: :class:`~trendwatch.adapters.local.scene_ocr.SceneOcr`."""

    version: str

    def lines(self, pixels: Image.Image) -> list[Line]: ...


def folded(word: str) -> str:
    """``word`` without case or accents: "Château" and "CHATEAU" give "chateau"."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def new_words(text: str, lines: list[Line]) -> list[Line]:
    """The words of ``lines`` whose folded form (see :func:`folded`) is neither in ``text`` nor
    earlier in ``lines``; lines left empty are dropped."""
    seen = {folded(word) for word in text.split()}
    kept: list[Line] = []
    for line in lines:
        fresh: Line = []
        for word in line:
            if (key := folded(word.text)) not in seen:
                seen.add(key)
                fresh.append(word)
        if fresh:
            kept.append(fresh)
    return kept


class UnionOcr:
    """Text of an image read by Tesseract, with the words only PP-OCR read added after it."""

    def __init__(self, first: OcrEngine, second: LineReader) -> None:
        self._first = first
        self._second = second
        #: Recorded with each text: both engines' versions.
        self.version = f"{first.version}+{second.version}"

    def read(self, pixels: Image.Image) -> str:
        """Text found in ``pixels``: Tesseract's lines, then PP-OCR's new words line by line."""
        return self.reading(pixels).text

    def reading(self, pixels: Image.Image) -> Reading:
        """:meth:`read`, with Tesseract's runs and PP-OCR's one."""
        first = self._first.reading(pixels)
        added = [
            " ".join(word.text for word in line) for line in new_words(first.text, self._second.lines(pixels))
        ]
        return Reading("\n".join(line for line in [first.text, *added] if line), first.passes + 1)


def ocr_engine() -> OcrEngine:
    """Both engines (:class:`UnionOcr`); Tesseract alone, with a warning, when PP-OCR's package
    is not installed; :class:`OcrUnavailable` when Tesseract is not."""
    tesseract = TesseractOcr()
    try:
        return UnionOcr(tesseract, SceneOcr())
    except OcrUnavailable as exc:
        log.warning("scene text OCR is off: Tesseract reads alone", extra={"reason": str(exc)})
        return tesseract
