"""OCR with the Tesseract command-line engine, English and French, run as a subprocess.

The image goes to Tesseract's standard input as PNG and the text comes back on standard
output: no temporary files and no wrapper library. Small images are enlarged first, since
Tesseract reads glyphs of 20-40 pixels best and product photos often carry smaller text.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import cache

from PIL import Image

#: Tesseract page segmentation mode 11, "sparse text": find as much text as possible in no
#: particular order. Product photos carry a few short lines (names, prices, slogans) placed
#: anywhere, not paragraphs; see ``docs/evaluation.md`` for the comparison with mode 6.
SPARSE_TEXT = 11
DEFAULT_LANGUAGES = "eng+fra"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: Images whose longer side is below this are enlarged (by an integer factor) before OCR.
_MIN_SIDE = 1000


class OcrUnavailable(RuntimeError):
    """The OCR engine or its language data is not installed, or it failed."""


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


def _prepared(pixels: Image.Image) -> bytes:
    grey = pixels.convert("L")
    factor = max(1, _MIN_SIDE // max(grey.size))
    if factor > 1:
        grey = grey.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    grey.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class TesseractOcr:
    """Raw text of an image; one Tesseract process per call (about 0.1-0.5 s per image)."""

    def __init__(
        self,
        *,
        languages: str = DEFAULT_LANGUAGES,
        page_segmentation: int = SPARSE_TEXT,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        binary: str = "tesseract",
    ) -> None:
        self.version = tesseract_version(binary)
        self._command = [binary, "stdin", "stdout", "-l", languages, "--psm", str(page_segmentation)]
        self._timeout = timeout_seconds
        # One thread per process: Tesseract's OpenMP threads slow small images down, and
        # workers already run images in parallel.
        self._env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(self, pixels: Image.Image) -> str:
        """Text found in ``pixels``; raises :class:`OcrUnavailable` on engine failure or timeout."""
        try:
            done = subprocess.run(
                self._command,
                input=_prepared(pixels),
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
        return done.stdout.decode(errors="replace")
