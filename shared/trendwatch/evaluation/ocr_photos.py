"""Real pictures of text with word labels, read from a cache folder outside the repository.

The pictures are two example images of the EasyOCR project (github.com/JaidedAI/EasyOCR,
Apache License 2.0, folder ``examples/`` at commit c4f3cd7): ``french.jpg``, a photograph of
Paris street signs (light type on dark signs, in front of a stone building), and
``english.png``, a public-health infographic (white type on blue, with drawings). The labels
are ours: every word a reader sees, typed by hand. Neither picture was used to choose the
OCR settings.

The files are not committed. To measure on them, download ``examples/french.jpg`` and
``examples/english.png`` from that repository at that commit and copy them (names unchanged) into
:data:`DEFAULT_FOLDER` or the folder named by ``TRENDWATCH_OCR_PHOTOS``; each is checked
against its SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT_VARIABLE = "TRENDWATCH_OCR_PHOTOS"
DEFAULT_FOLDER = Path(".trendwatch/ocr-photos")
SOURCE = "EasyOCR examples (github.com/JaidedAI/EasyOCR, commit c4f3cd7, Apache-2.0)"


@dataclass(frozen=True, slots=True)
class LabelledPhoto:
    name: str
    sha256: str
    description: str
    text: str


PHOTOS = (
    LabelledPhoto(
        "french.jpg",
        "549784c349af8a87d53e2fec897d03aa800ed73a64bb9d8de60485cdd71d1e98",
        "photograph of street signs, 692x1024 JPEG",
        "Mairie du 1er Palais du LOUVRE LES ARTS DÉCORATIFS Musée du LOUVRE Théâtre du PALAIS-ROYAL",
    ),
    LabelledPhoto(
        "english.png",
        "f9f8c82b6b15ac6c9367c7939129395d6c45a882a2dadde33aaa810da4d450d5",
        "infographic, white type on blue, 905x480 PNG",
        "Reduce your risk of coronavirus infection: Clean hands with soap and water or "
        "alcohol-based hand rub Cover nose and mouth when coughing and sneezing with tissue or "
        "flexed elbow Avoid close contact with anyone with cold or flu-like symptoms Thoroughly "
        "cook meat and eggs No unprotected contact with live wild or farm animals World Health "
        "Organization",
    ),
)


def folder() -> Path:
    """Where the pictures are looked for."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_FOLDER)


def load(where: Path) -> list[tuple[LabelledPhoto, bytes]]:
    """The labelled pictures found in ``where`` with their bytes; ValueError if one was altered."""
    found: list[tuple[LabelledPhoto, bytes]] = []
    for photo in PHOTOS:
        path = where / photo.name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            raise ValueError(f"{path} is not the labelled picture (SHA-256 differs)")
        found.append((photo, data))
    return found
