"""OCR with the Tesseract command-line engine, English and French, run as a subprocess.

The image goes to Tesseract's standard input as PNG and words come back on standard output
as TSV, each with its confidence: no temporary files and no wrapper library.

What the engine is given matters as much as its settings. Before recognition the image is
turned grey, its contrast stretched, and enlarged when small (Tesseract reads glyphs of 20-40
pixels best and product photos often carry smaller text). Tesseract's default binarisation is
one global Otsu threshold, and with sparse-text segmentation it fails on the pictures people
post: black type on a white band across a coloured picture came back empty. So the first pass
segments the page automatically and binarises with Sauvola's local threshold. Unless every
plausible word it reads is sure, further passes look again (see below); their words are added
to those already read, without repeats. Words below a confidence floor are dropped. French is the first
language: with English first, "château" came back as "chateau". All choices were measured on
the tuning split of :mod:`trendwatch.evaluation.ocr_renders` only; see ``docs/evaluation.md``.

Measured failures on the tuning split shaped the rest. Light type on a darker colour lost
words that the same type in black kept (Tesseract's models are trained on dark ink), so the
polarity is measured first: around thin strokes of either polarity (white and black top-hats)
the background is most of the pixels, and the grey image is inverted when that background is
dark. Text turned a few degrees lost words, so the skew is measured on the text's strokes (the
angle whose row profile is sharpest, within 7 degrees either way) and undone from one degree up.
Type over stripes, checks or grain defeated every binarisation of the grey image, whose texture
is as contrasted as the type; but overlaid type is nearly always close to white or to black and
unsaturated, where textures and photos rarely are: so the second pass reads the near-white and
the near-black pixels of the colour picture alone, both stacked on one page so that one process
reads them. And a first pass that read one word surely could still have read two words as one
("springjumbrella", through a drop shadow) or lost others: the next pass runs until every
plausible word read is sure, not only one. Nor is a pass done when its sure words are all it
kept: with a drop shadow, "bright" and "lantern" came back at confidence 32 and 20 beside a sure
"market" and "travel", and were dropped by the floor unseen by the stop rule. So a pass that
dropped a token of three letters or more not read otherwise is followed by the next (see
:func:`lost`). A word cut out of a photograph is read as one line, enlarged to about 50
pixels high (see :mod:`trendwatch.adapters.local.ocr_preparation`). A photograph (640 pixels or
more on its longer side) that is still unsure after those passes is read twice more: in the
other polarity, as a street or a shop shows light and dark type at once, and as sparse text,
which finds the signs scattered over it (see :data:`DEFAULT_PASSES`).
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
from scipy import ndimage

from trendwatch.adapters.local.ocr_preparation import enlarged, enlargement, one_line, photograph, prepared
from trendwatch.domain.ocr_text import ocr_words

DEFAULT_LANGUAGES = "fra+eng"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: Words Tesseract is less sure of than this (0-100) are dropped: on photos, below it are
#: mostly edges and textures read as letters.
MIN_CONFIDENCE = 40.0
#: The floor of the words a later pass adds: the views they read (layers, strokes without
#: background) show more edges that are not type. On the tuning split, 75 rather than 40 kept
#: photo-like renders' recall and raised their precision from 0.68 to 0.77.
LATER_MIN_CONFIDENCE = 75.0
#: The next pass runs unless every plausible word read so far has at least this confidence (and
#: the pass lost no word, see :func:`lost`).
STOP_CONFIDENCE = 90.0
#: A token the confidence floor drops counts as a lost word (see :func:`lost`) from this many letters.
_LOST_LETTERS = 3
#: Contrast gain of the strokes left by :func:`without_background`.
_STROKE_GAIN = 3.0
#: Side of the square structuring element of the top-hats that find thin strokes, in pixels of
#: the half-size copy they are computed on (strokes up to about 16 pixels wide in the picture).
_STROKE_SIZE = 9
#: Skews searched, in degrees either way, the step of the search, and the least one undone.
_MAX_SKEW = 7.0
_SKEW_STEP = 0.5
_MIN_SKEW = 1.0
#: A layer's pixels: luminance at or above (light) or at or below (dark), and at most this
#: spread between their colour channels (unsaturated).
_LIGHT_LUMINANCE = 200
_DARK_LUMINANCE = 60
_LAYER_CHROMA = 70
#: A layer is read only when it covers more than the first and less than the second share.
_LAYER_SHARE = (0.002, 0.2)

#: Version of the preparation, passes and filtering, recorded with the engine's: texts read
#: before this (one sparse-text pass, English first) are not comparable word for word.
METHOD_VERSION = "passes5-polarity-skew-layers-lost-lines-photo-inverted-sparse"

AUTOMATIC = 3
#: Sparse text: words found anywhere, in no particular order (signs scattered over a photograph).
SPARSE_TEXT = 11
#: Page segmentation modes of a picture shaped like one line of text (see :func:`one_line`):
#: one view of it, or several stacked.
SINGLE_BLOCK = 6
#: The page segmentation of a picture shaped like one line of text (see :func:`one_line`).
SINGLE_LINE = 7
SAUVOLA = 2


#: What a pass can read: the prepared grey image, the same with its background removed (see
#: :func:`without_background`), or the light or dark layer of the colour picture (see :func:`layer`).
GREY = "grey"
#: The prepared grey image in the other polarity: light on dark where :data:`GREY` is dark on light.
INVERTED = "inverted"
BACKGROUND_REMOVED = "background removed"
LIGHT_LAYER = "light layer"
DARK_LAYER = "dark layer"
#: White space between the views one pass stacks, in pixels.
_VIEW_GAP = 60


@dataclass(frozen=True, slots=True)
class Pass:
    """One Tesseract run: page segmentation mode, binarisation method, and the views it reads.

    The views are stacked top to bottom on one page, with white space between them, so that one
    process (whose start and language models cost about as much as reading a picture) reads
    them all. A layer that is nearly empty or covers most of the picture is left out; a pass
    with no view left is not run. ``background_radius`` is the blur radius of
    :data:`BACKGROUND_REMOVED`. A picture shaped like one line of text is segmented as a line
    (one view) or a block (several), whatever ``segmentation`` says. A pass for
    ``photographs_only`` is not run on a smaller picture (see :func:`photograph`).
    """

    segmentation: int
    thresholding: int
    views: tuple[str, ...] = (GREY,)
    background_radius: float = 6.0
    photographs_only: bool = False


#: Automatic page segmentation with a local threshold on the grey picture; while not every word
#: is sure, the light and dark layers (type over textures and photos), then the grey picture with
#: its background removed (photos, gradients). Reading the background-removed picture on the same
#: page as the layers cost one run less but recall 0.13 on textured renders of the tuning split. A
#: pass with sparse text and the global threshold (an earlier option) added recall 0.025 but cost
#: precision 0.08 and one more run per picture without text.
#:
#: On a photograph (see :func:`photograph`), while a word is still unsure, two more: the grey
#: image in the other polarity, as one polarity is measured for the whole picture and a
#: photograph holds both (dark type on a white stand in a dark mall hall was read as light and
#: lost all eight words), then sparse text with Sauvola's threshold, which finds the signs and
#: lines scattered over a photograph that automatic segmentation leaves out. On the 13 tuning
#: photographs they raised recall from 0.667 to 0.722 (72 to 78 of 108 words; precision 0.78
#: before and after); sparse text on the inverted picture as well added nothing and cost
#: precision 0.10.
DEFAULT_PASSES = (
    Pass(AUTOMATIC, SAUVOLA),
    Pass(AUTOMATIC, SAUVOLA, (LIGHT_LAYER, DARK_LAYER)),
    Pass(AUTOMATIC, SAUVOLA, (BACKGROUND_REMOVED,)),
    Pass(AUTOMATIC, SAUVOLA, (INVERTED,), photographs_only=True),
    Pass(SPARSE_TEXT, SAUVOLA, photographs_only=True),
)


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


def _strokes(grey: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Light and dark thin strokes of a half-size copy of ``grey``: its white and black top-hats."""
    half = grey.resize((max(1, grey.width // 2), max(1, grey.height // 2)), Image.Resampling.BILINEAR)
    pixels = np.asarray(half, dtype=np.float32)
    size = (_STROKE_SIZE, _STROKE_SIZE)
    light = pixels - ndimage.grey_opening(pixels, size=size)
    dark = ndimage.grey_closing(pixels, size=size) - pixels
    return light, dark


def light_text(grey: Image.Image) -> bool:
    """Whether the text of ``grey`` is lighter than its background.

    Around thin strokes of either polarity (white or black top-hat), the background is most of
    the pixels: the text is light when the median there lies on the dark side of their range.
    Comparing the two top-hats alone fails on large dark type, whose counters and gaps are thin
    light strokes too.
    """
    light, dark = _strokes(grey)
    strength = np.maximum(light, dark)
    strokes = strength > max(40.0, float(strength.max()) * 0.4)
    if not strokes.any():
        return False
    around = ndimage.binary_dilation(strokes, structure=np.ones((_STROKE_SIZE, _STROKE_SIZE), dtype=bool))
    half = grey.resize((strength.shape[1], strength.shape[0]), Image.Resampling.BILINEAR)
    values = np.asarray(half, dtype=np.float32)[around]
    low, high = np.percentile(values, (5, 95))
    return bool(float(np.median(values)) < (low + high) / 2)


def skew(grey: Image.Image, light: bool) -> float:
    """Counter-clockwise turn in degrees that levels the text lines of ``grey`` (0 when unsure).

    The strongest strokes of the text's polarity are projected onto rows turned by each angle
    searched; level lines give the sharpest profile (largest sum of squared row counts).
    """
    light_strokes, dark_strokes = _strokes(grey)
    strength = light_strokes if light else dark_strokes
    mask = strength > max(40.0, float(strength.max()) * 0.4)
    if mask.sum() < 50:
        return 0.0
    rows, columns = np.nonzero(mask)
    best, best_angle = -1.0, 0.0
    for angle in np.arange(-_MAX_SKEW, _MAX_SKEW + _SKEW_STEP / 2, _SKEW_STEP):
        theta = np.deg2rad(angle)
        distance = rows * np.cos(theta) - columns * np.sin(theta)
        profile = np.bincount((distance - distance.min()).astype(np.int64)).astype(np.float64)
        sharpness = float((profile**2).sum())
        if sharpness > best:
            best, best_angle = sharpness, float(angle)
    return best_angle


def layer(pixels: Image.Image, which: str) -> Image.Image | None:
    """The near-white (:data:`LIGHT_LAYER`) or near-black (:data:`DARK_LAYER`) unsaturated pixels
    of ``pixels``, black on white; None when they cover too little or too much of it to be type."""
    rgb = np.asarray(pixels.convert("RGB"), dtype=np.int32)
    luminance = (rgb[..., 0] * 299 + rgb[..., 1] * 587 + rgb[..., 2] * 114) // 1000
    unsaturated = rgb.max(axis=2) - rgb.min(axis=2) < _LAYER_CHROMA
    if which == LIGHT_LAYER:
        mask = (luminance >= _LIGHT_LUMINANCE) & unsaturated
    elif which == DARK_LAYER:
        mask = (luminance <= _DARK_LUMINANCE) & unsaturated
    else:
        raise ValueError(f"unknown layer {which!r}; expected {LIGHT_LAYER!r} or {DARK_LAYER!r}")
    low, high = _LAYER_SHARE
    if not low < float(mask.mean()) < high:
        return None
    return Image.fromarray(np.where(mask, 0, 255).astype(np.uint8))


def _turned(image: Image.Image, angle: float) -> Image.Image:
    if angle == 0.0:
        return image
    return image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def stacked(views: Sequence[Image.Image]) -> Image.Image:
    """Grey ``views`` top to bottom on one white page, :data:`_VIEW_GAP` pixels apart."""
    width = max(view.width for view in views)
    height = sum(view.height for view in views) + _VIEW_GAP * (len(views) - 1)
    page = Image.new("L", (width, height), 255)
    top = 0
    for view in views:
        page.paste(view, (0, top))
        top += view.height + _VIEW_GAP
    return page


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


def tsv_lines(tsv: str) -> list[Line]:
    """Every word of Tesseract's TSV output, with its confidence, grouped by text line."""
    lines: dict[tuple[str, str, str], Line] = {}
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) != 12 or fields[0] != "5" or not fields[11].strip():
            continue
        lines.setdefault((fields[2], fields[3], fields[4]), []).append(
            Word(fields[11].strip(), float(fields[10]))
        )
    return list(lines.values())


def confident(lines: list[Line], min_confidence: float) -> list[Line]:
    """The words of ``lines`` at or above ``min_confidence``; lines left empty are dropped."""
    kept = [[word for word in line if word.confidence >= min_confidence] for line in lines]
    return [line for line in kept if line]


def confident_lines(tsv: str, min_confidence: float) -> list[Line]:
    """Words of Tesseract's TSV output at or above ``min_confidence``, grouped by text line."""
    return confident(tsv_lines(tsv), min_confidence)


def lost(lines: list[Line], min_confidence: float, read: list[Line]) -> bool:
    """Whether ``lines`` hold a token of :data:`_LOST_LETTERS` letters or more below
    ``min_confidence`` that is not among the words ``read``.

    Such a token is a word the pass found but could not read surely: with a drop shadow,
    "garage island pancake" came back as "Garagelsland|pancake" at confidence 0 beside a sure
    "spring", and "bright" and "lantern" at 32 and 20 beside sure "market" and "travel". The
    words kept were all sure, yet words were missing: the next pass is needed.
    """
    seen = {word.text.casefold() for line in read for word in line}
    return any(
        word.confidence < min_confidence
        and sum(character.isalpha() for character in word.text) >= _LOST_LETTERS
        and word.text.casefold() not in seen
        for line in lines
        for word in line
    )


def merged(first: list[Line], second: list[Line]) -> list[Line]:
    """``first``, then the lines of ``second`` less the words already read (ignoring case)."""
    seen = {word.text.casefold() for line in first for word in line}
    extra = [[word for word in line if word.text.casefold() not in seen] for line in second]
    return first + [line for line in extra if line]


def sure(lines: list[Line], confidence: float) -> bool:
    """Whether ``lines`` hold a plausible word (see :func:`ocr_words`) and every one was read with
    ``confidence``."""
    plausible = [word for line in lines for word in line if ocr_words(word.text)]
    return bool(plausible) and all(word.confidence >= confidence for word in plausible)


def _view(name: str, pixels: Image.Image, grey: Image.Image, angle: float, step: Pass) -> Image.Image | None:
    """View ``name`` of a picture whose prepared, upright, dark-on-light grey image is ``grey``."""
    if name == GREY:
        return grey
    if name == INVERTED:
        return ImageOps.invert(grey)
    if name == BACKGROUND_REMOVED:
        return without_background(grey, step.background_radius)
    mask = layer(pixels, name)
    if mask is None:
        return None
    return _turned(enlarged(mask, enlargement(pixels.size), Image.Resampling.NEAREST), angle)


def _segmentation(step: Pass, size: tuple[int, int], views: int) -> int:
    """The page segmentation of ``step`` for a picture of ``size`` read as ``views`` stacked
    views: a single line, or a block of lines, when the picture is one line of text."""
    if not one_line(size):
        return step.segmentation
    return SINGLE_LINE if views == 1 else SINGLE_BLOCK


class TesseractOcr:
    """Text of an image; one Tesseract process per pass (about 0.1-0.5 s per image and pass)."""

    def __init__(
        self,
        *,
        languages: str = DEFAULT_LANGUAGES,
        passes: Sequence[Pass] = DEFAULT_PASSES,
        min_confidence: float = MIN_CONFIDENCE,
        later_min_confidence: float = LATER_MIN_CONFIDENCE,
        stop_confidence: float = STOP_CONFIDENCE,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        binary: str = "tesseract",
    ) -> None:
        #: Recorded with each text, e.g. ``tesseract-5.3.0+passes2-fra+eng``.
        self.version = f"{tesseract_version(binary)}+{METHOD_VERSION}-{languages}"
        self._command = [binary, "stdin", "stdout", "-l", languages]
        self._passes = tuple(passes)
        self._min_confidence = min_confidence
        self._later_min_confidence = later_min_confidence
        self._stop_confidence = stop_confidence
        self._timeout = timeout_seconds
        # One thread per process: Tesseract's OpenMP threads slow small images down, and
        # workers already run images in parallel.
        self._env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(self, pixels: Image.Image) -> str:
        """Text found in ``pixels``; raises :class:`OcrUnavailable` on engine failure or timeout."""
        return self.reading(pixels).text

    def reading(self, pixels: Image.Image) -> Reading:
        """:meth:`read` with the number of Tesseract runs: the next pass runs only while some word
        read is not sure or the last pass lost one, and a pass none of whose views is left is not
        run."""
        grey = prepared(pixels)
        light = light_text(grey)
        angle = skew(grey, light)
        angle = angle if abs(angle) >= _MIN_SKEW else 0.0
        grey = _turned(ImageOps.invert(grey) if light else grey, angle)
        lines: list[Line] = []
        runs = 0
        is_photograph = photograph(pixels.size)
        for step in self._passes:
            if step.photographs_only and not is_photograph:
                continue
            views = [
                view for name in step.views if (view := _view(name, pixels, grey, angle, step)) is not None
            ]
            if not views:
                continue
            runs += 1
            floor = self._min_confidence if runs == 1 else self._later_min_confidence
            words = self._run(_segmentation(step, pixels.size, len(views)), step.thresholding, stacked(views))
            lines = merged(lines, confident(words, floor))
            if sure(lines, self._stop_confidence) and not lost(words, floor, lines):
                break
        return Reading("\n".join(" ".join(word.text for word in line) for line in lines), runs)

    def _run(self, segmentation: int, thresholding: int, image: Image.Image) -> list[Line]:
        options = ["--psm", str(segmentation), "-c", f"thresholding_method={thresholding}"]
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
        return tsv_lines(done.stdout.decode(errors="replace"))
