"""Offline sentence embeddings from WordLlama, whose weights ship inside its PyPI wheel.

WordLlama is a static (token-average) embedding model distilled from a large language
model's token embeddings: about 60,000 short texts/s per core, which is what lets the
``fast`` profile keep up with the firehose. Its package looks for the files it ships in a
folder it misspells and then tries to download them; pointing its cache at the package's
own folder with downloads disabled makes it load what is installed, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "wordllama-l2-supercat"
DIMENSIONS = 256


@cache
def _model() -> Any:
    import wordllama
    from wordllama import WordLlama

    package_dir = Path(wordllama.__file__).parent
    return WordLlama.load(config="l2_supercat", dim=DIMENSIONS, cache_dir=package_dir, disable_download=True)


class WordLlamaEmbedder:
    """A :class:`~trendwatch.ports.TextEmbedder`; the model is loaded once per process."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self) -> None:
        self.version = version("wordllama")
        self._model = _model()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):  # a text without tokens has norm 0
            vectors = np.asarray(self._model.embed(list(texts), norm=True), dtype=np.float32)
        return np.nan_to_num(vectors, copy=False)
