"""How large the OCR engine is shown a picture, and whether it is shown one line of text.

Tesseract reads glyphs of about 20-40 pixels best. Product photos often carry smaller text,
so a picture whose longer side is small is enlarged by a whole factor until that side
reaches :data:`_MIN_SIDE`. That rule blew a word cut out of a photograph (17-30 pixels high)
up ten times, to letters of 200 pixels and more, which the engine reads no better than
letters too small: on word crops drawn from the tuning split of
:mod:`trendwatch.evaluation.ocr_renders` (one or two words, 17-30 pixels high, JPEG), it
read 0.27 of the words. A picture shaped like one line of text is therefore enlarged only
to about :data:`LINE_TARGET_HEIGHT` pixels high, and read as a single line (automatic page
segmentation finds no text block in a picture that is all text): 0.76 of the words. A
crop with room above and below its word (a short word cut out with its sign around it, up to
:data:`LINE_MAX_HEIGHT` pixels high) is one line too: on 30 such crops drawn from the renders'
vocabulary (one word, 14-40 px type, JPEG), 26 rather than 23 were read with the bound at 128
pixels instead of 64.
"""

from __future__ import annotations

from PIL import Image, ImageOps

#: Images whose longer side is below this are enlarged (by an integer factor) before OCR.
_MIN_SIDE = 1000
#: Share of the darkest and of the lightest pixels clipped when the contrast is stretched.
_CONTRAST_CUTOFF_PERCENT = 1
#: A picture at most this high, and at least as wide as high, is taken for one line of text.
LINE_MAX_HEIGHT = 128
#: The height a picture of one line is enlarged to, about (by a whole factor).
LINE_TARGET_HEIGHT = 50
#: A picture whose longer side is at least this is taken for a photograph (see :func:`photograph`).
PHOTOGRAPH_MIN_SIDE = 640


def one_line(size: tuple[int, int]) -> bool:
    """Whether a picture of ``size`` (width, height) is shaped like one line of text: a word or
    a few cut out of a photograph."""
    width, height = size
    return height <= LINE_MAX_HEIGHT and width >= height


def photograph(size: tuple[int, int]) -> bool:
    """Whether a picture of ``size`` (width, height) is photograph-sized: at least
    :data:`PHOTOGRAPH_MIN_SIDE` on its longer side and not one line of text.

    A photograph of a street, a shop or a page holds text in several places, of both polarities
    and sizes, which one automatically segmented reading misses (see ``DEFAULT_PASSES`` in
    :mod:`trendwatch.adapters.local.ocr`). The stream's small pictures (320x240: a graphic with
    one block of overlaid type, enlarged three times) are not photographs by this rule.
    """
    return max(size) >= PHOTOGRAPH_MIN_SIDE and not one_line(size)


def enlargement(size: tuple[int, int]) -> int:
    """The whole factor a picture of ``size`` is enlarged by before OCR (1: not enlarged).

    One line of text (see :func:`one_line`) grows to about :data:`LINE_TARGET_HEIGHT` pixels
    high; any other picture until its longer side reaches :data:`_MIN_SIDE`.
    """
    if one_line(size):
        return max(1, round(LINE_TARGET_HEIGHT / size[1]))
    return max(1, _MIN_SIDE // max(size))


def enlarged(image: Image.Image, factor: int, resampling: Image.Resampling) -> Image.Image:
    """``image`` enlarged ``factor`` times (itself when the factor is 1)."""
    if factor == 1:
        return image
    return image.resize((image.width * factor, image.height * factor), resampling)


def prepared(pixels: Image.Image) -> Image.Image:
    """Grey, contrast stretched, and enlarged by :func:`enlargement`."""
    grey = ImageOps.autocontrast(pixels.convert("L"), cutoff=_CONTRAST_CUTOFF_PERCENT)
    return enlarged(grey, enlargement(pixels.size), Image.Resampling.LANCZOS)
