"""The packaged sentiment models behind one interface, loaded by name."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Protocol

import numpy as np
import numpy.typing as npt

from trendwatch.adapters.local.encoder_model import EncoderInfo, EncoderSentimentModel
from trendwatch.adapters.local.sentiment_model import ModelInfo, SentimentModel


class SentimentClassifier(Protocol):
    """What the text analyzer and its evaluation need of a sentiment model."""

    @property
    def info(self) -> ModelInfo | EncoderInfo: ...

    @property
    def producers(self) -> str:
        """What computes features outside the model's own files (for ``model_versions``)."""
        ...

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]: ...


def load_sentiment_model(name: str) -> SentimentClassifier:
    """The model ``name`` of :mod:`trendwatch.models`: a fine-tuned encoder when an ``.onnx``
    graph ships under that name, else a linear model over hashed features."""
    if resources.files("trendwatch.models").joinpath(f"{name}.onnx").is_file():
        return EncoderSentimentModel.load(name)
    return SentimentModel.load(name)
