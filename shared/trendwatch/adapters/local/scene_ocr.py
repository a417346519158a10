"""OCR with PP-OCR's neural networks (text detection, direction, recognition) run by ONNX Runtime.

The models ship inside the ``rapidocr-onnxruntime`` wheel (PP-OCRv4 detection and recognition,
the mobile direction classifier): nothing is downloaded at run time. Where Tesseract segments a
page of printed type, PP-OCR's detector finds text anywhere in a photograph, curved, turned or
small, and its recogniser reads each line found. A picture shaped like one line of text (a word
cut out of a photograph, see :func:`~trendwatch.adapters.local.ocr_preparation.one_line`) in
which the detector, made for scenes, finds nothing (a crop that is all text) is given to the
recogniser whole. Detection comes first even then: given a 120-pixel-high label whole, the
recogniser read "Espadrles sodes" (score 0.55) where the detected line read "Espadrilles soldes"
(1.00). One thread per model, as the workers already read pictures in parallel.

Its recogniser knows é, è, à and É but no other French accent (no ç, ê, â, î, ô, û): see
:mod:`trendwatch.adapters.local.ocr_union` for how it is combined with Tesseract.
"""

from __future__ import annotations

from importlib.metadata import version as package_version
from typing import Any

import numpy as np
from PIL import Image

from trendwatch.adapters.local.ocr import Line, OcrUnavailable, Reading, Word
from trendwatch.adapters.local.ocr_preparation import one_line

#: Lines the recogniser reads with a lower score (0-1) than this are dropped.
MIN_SCORE = 0.5
PACKAGE = "rapidocr-onnxruntime"


def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]  # no type hints
    except ImportError as exc:
        raise OcrUnavailable(f"the {PACKAGE} package is not installed") from exc
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, text_score=MIN_SCORE)


class SceneOcr:
    """Text of an image read by PP-OCR; about 0.3-3 s per picture on one thread."""

    def __init__(self) -> None:
        self._engine = _engine()
        #: Recorded with each text, e.g. ``rapidocr-onnxruntime-1.4.4+pp-ocrv4``.
        self.version = f"{PACKAGE}-{package_version(PACKAGE)}+pp-ocrv4"

    def lines(self, pixels: Image.Image) -> list[Line]:
        """Every line read, each word with the score (0-100) of its line."""
        bgr = np.ascontiguousarray(np.asarray(pixels.convert("RGB"))[:, :, ::-1])
        found, _ = self._engine(bgr)
        scored = [(text, score) for _box, text, score in found or []]
        if not scored and one_line(pixels.size):
            found, _ = self._engine(bgr, use_det=False, use_cls=False)
            scored = [(text, score) for text, score in found or []]
        lines = [
            [Word(token, float(score) * 100) for token in text.split()]
            for text, score in scored
            if float(score) >= MIN_SCORE
        ]
        return [line for line in lines if line]

    def read(self, pixels: Image.Image) -> str:
        """Text found in ``pixels``, one line per line read."""
        return self.reading(pixels).text

    def reading(self, pixels: Image.Image) -> Reading:
        """:meth:`read`, as one pass."""
        return Reading("\n".join(" ".join(word.text for word in line) for line in self.lines(pixels)), 1)
