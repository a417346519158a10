"""OCR with the Tesseract command-line engine, English and French, run as a subprocess.

The image goes to Tesseract's standard input as PNG and words come back on standard output
as TSV, each with its confidence: no temporary files and no wrapper library.

What the engine is given matters as much as its settings. Before recognition the image is
turned grey, its contrast stretched, and enlarged when small (Tesseract reads glyphs of 20-40
pixels best and product photos often carry smaller text). Tesseract's default binarisation is
one global Otsu threshold, and with sparse-text segmentation it fails on the pictures people
post: black type on a white band across a coloured picture came back empty. So the first pass
segments the page automatically and binarises with Sauvola's local threshold. Unless it reads
a plausible word with high confidence, a second pass looks again at the image with its
background removed (type over photos and gradients); its words are added to those already
read, without repeats. Words below a confidence floor are dropped. French is the first
language: with English first, "château" came back as "chateau". All choices were measured on
the tuning split of :mod:`trendwatch.evaluation.ocr_renders` only; see ``docs/evaluation.md``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from trendwatch.domain.ocr_text import ocr_words

DEFAULT_LANGUAGES = "fra+eng"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: Images whose longer side is below this are enlarged (by an integer factor) before OCR.
_MIN_SIDE = 1000
#: Share of the darkest and of the lightest pixels clipped when the contrast is stretched.
_CONTRAST_CUTOFF_PERCENT = 1
#: Words Tesseract is less sure of than this (0-100) are dropped: on photos, below it are
#: mostly edges and textures read as letters.
MIN_CONFIDENCE = 40.0
#: The next pass runs unless a plausible word was read with at least this confidence.
STOP_CONFIDENCE = 90.0
#: Contrast gain of the strokes left by :func:`without_background`.
_STROKE_GAIN = 3.0

#: Version of the preparation, passes and filtering, recorded with the engine's: texts read
#: before this (one sparse-text pass, English first) are not comparable word for word.
METHOD_VERSION = "passes2"

AUTOMATIC = 3
SAUVOLA = 2


@dataclass(frozen=True, slots=True)
class Pass:
    """One Tesseract run: page segmentation mode, binarisation method, and background removal.

    With ``background_radius``, the image is replaced by its difference from a Gaussian blur of
    that radius, drawn dark on white: thin strokes of either polarity stay, smooth or blurred
    backgrounds (photos, gradients, drop shadows' halos) fade out.
    """

    segmentation: int
    thresholding: int
    background_radius: float = 0.0


#: Automatic page segmentation with a local threshold; while no word is sure, the same with the
#: background removed (photos, gradients). A third pass (sparse text, global threshold) added
#: recall 0.025 on the tuning split but cost precision 0.08 and one more run per picture without
#: text.
DEFAULT_PASSES = (Pass(AUTOMATIC, SAUVOLA), Pass(AUTOMATIC, SAUVOLA, background_radius=6.0))


class OcrUnavailable(RuntimeError):
    """The OCR engine or its language data is not installed, or it failed."""


@dataclass(frozen=True, slots=True)
class Reading:
    """Text read from an image (lines of words) and the number of passes it took."""

    text: str
    passes: int


@cache
def tesseract_version(binary: str = "tesseract") -> str:
    """``tesseract-<version>`` of the engine on the path; :class:`OcrUnavailable` if missing."""
    if shutil.which(binary) is None:
        raise OcrUnavailable(
            f"the {binary!r} command is not installed (Debian packages: tesseract-ocr "
            "tesseract-ocr-eng tesseract-ocr-fra)"
        )
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False, timeout=10)
    first_line = (output.stdout or output.stderr).splitlines()[0]
    return first_line.replace(" ", "-")


def prepared(pixels: Image.Image) -> Image.Image:
    """Grey, contrast stretched, and enlarged by a whole factor when the longer side is small."""
    grey = ImageOps.autocontrast(pixels.convert("L"), cutoff=_CONTRAST_CUTOFF_PERCENT)
    factor = max(1, _MIN_SIDE // max(grey.size))
    if factor > 1:
        grey = grey.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS)
    return grey


def without_background(grey: Image.Image, radius: float) -> Image.Image:
    """Strokes of ``grey`` as dark on white: its absolute difference from a blur of ``radius``."""
    pixels = np.asarray(grey, dtype=np.float32)
    blurred = np.asarray(grey.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)
    strokes = np.clip(np.abs(pixels - blurred) * _STROKE_GAIN, 0, 255)
    return Image.fromarray((255 - strokes).astype(np.uint8))


def _png(grey: Image.Image) -> bytes:
    buffer = io.BytesIO()
    grey.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    confidence: float


Line = list[Word]


def confident_lines(tsv: str, min_confidence: float) -> list[Line]:
    """Words of Tesseract's TSV output at or above ``min_confidence``, grouped by text line."""
    lines: dict[tuple[str, str, str], Line] = {}
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) != 12 or fields[0] != "5" or not fields[11].strip():
            continue
        if (confidence := float(fields[10])) >= min_confidence:
            lines.setdefault((fields[2], fields[3], fields[4]), []).append(
                Word(fields[11].strip(), confidence)
            )
    return list(lines.values())


def merged(first: list[Line], second: list[Line]) -> list[Line]:
    """``first``, then the lines of ``second`` less the words already read (ignoring case)."""
    seen = {word.text.casefold() for line in first for word in line}
    extra = [[word for word in line if word.text.casefold() not in seen] for line in second]
    return first + [line for line in extra if line]


def sure(lines: list[Line], confidence: float) -> bool:
    """Whether ``lines`` hold a plausible word (see :func:`ocr_words`) read with ``confidence``."""
    return any(word.confidence >= confidence and ocr_words(word.text) for line in lines for word in line)


class TesseractOcr:
    """Text of an image; one Tesseract process per pass (about 0.1-0.5 s per image and pass)."""

    def __init__(
        self,
        *,
        languages: str = DEFAULT_LANGUAGES,
        passes: Sequence[Pass] = DEFAULT_PASSES,
        min_confidence: float = MIN_CONFIDENCE,
        stop_confidence: float = STOP_CONFIDENCE,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        binary: str = "tesseract",
    ) -> None:
        #: Recorded with each text, e.g. ``tesseract-5.3.0+passes2-fra+eng``.
        self.version = f"{tesseract_version(binary)}+{METHOD_VERSION}-{languages}"
        self._command = [binary, "stdin", "stdout", "-l", languages]
        self._passes = tuple(passes)
        self._min_confidence = min_confidence
        self._stop_confidence = stop_confidence
        self._timeout = timeout_seconds
        # One thread per process: Tesseract's OpenMP threads slow small images down, and
        # workers already run images in parallel.
        self._env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(self, pixels: Image.Image) -> str:
        """Text found in ``pixels``; raises :class:`OcrUnavailable` on engine failure or timeout."""
        return self.reading(pixels).text

    def reading(self, pixels: Image.Image) -> Reading:
        """:meth:`read` with the number of passes run: the next runs only while no word is sure."""
        grey = prepared(pixels)
        lines: list[Line] = []
        runs = 0
        for step in self._passes:
            runs += 1
            lines = merged(lines, self._run(step, grey))
            if sure(lines, self._stop_confidence):
                break
        return Reading("\n".join(" ".join(word.text for word in line) for line in lines), runs)

    def _run(self, step: Pass, grey: Image.Image) -> list[Line]:
        image = without_background(grey, step.background_radius) if step.background_radius else grey
        options = ["--psm", str(step.segmentation), "-c", f"thresholding_method={step.thresholding}"]
        try:
            done = subprocess.run(
                [*self._command, *options, "tsv"],
                input=_png(image),
                capture_output=True,
                timeout=self._timeout,
                env=self._env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrUnavailable(f"OCR took longer than {self._timeout} s") from exc
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip()
            raise OcrUnavailable(f"tesseract failed ({done.returncode}): {message}")
        return confident_lines(done.stdout.decode(errors="replace"), self._min_confidence)
