"""The packaged sentiment models behind one interface, loaded by name; and the log-linear
mixture of several of them (an ensemble described by a ``.json`` alone)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any, Protocol

import msgspec
import numpy as np
import numpy.typing as npt

from trendwatch.adapters.local.encoder_model import EncoderInfo, EncoderSentimentModel
from trendwatch.adapters.local.sentiment_model import ModelInfo, SentimentModel


class SentimentClassifier(Protocol):
    """What the text analyzer and its evaluation need of a sentiment model."""

    @property
    def info(self) -> ModelInfo | EncoderInfo | MixtureInfo: ...

    @property
    def producers(self) -> str:
        """What computes features outside the model's own files (for ``model_versions``)."""
        ...

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]: ...


class MixtureInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A mixture's ``.json``: its members and how their weights were chosen."""

    name: str
    version: int
    language: str
    labels: tuple[str, ...]
    #: Member model names and their weights: log P = sum of weight x the member's log P.
    members: dict[str, float]
    training_files: dict[str, str]
    metrics: dict[str, float]
    params: dict[str, Any] = {}
    #: Filled at load time from the members' hashes and weights (a member retrained shows).
    weights_sha256: str = ""


class MixtureSentimentModel:
    """Class probabilities proportional to the weighted geometric mean of the members'."""

    def __init__(self, info: MixtureInfo, members: Sequence[SentimentClassifier]) -> None:
        if [m.info.name for m in members] != list(info.members):
            raise ValueError(f"{info.name}: members {[m.info.name for m in members]} do not match")
        if any(m.info.labels != info.labels for m in members):
            raise ValueError(f"{info.name}: a member orders its labels differently")
        digest = hashlib.sha256(
            json.dumps({m.info.weights_sha256: info.members[m.info.name] for m in members}).encode()
        ).hexdigest()
        self.info = msgspec.structs.replace(info, weights_sha256=digest)
        self._members = members

    @property
    def producers(self) -> str:
        return ",".join(filter(None, (m.producers for m in self._members)))

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        if not texts:
            return np.zeros((0, len(self.info.labels)))
        logits = np.sum(
            [
                self.info.members[m.info.name] * np.log(np.maximum(m.predict_proba(texts), 1e-12))
                for m in self._members
            ],
            axis=0,
        )
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        return probabilities / probabilities.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def load_sentiment_model(name: str) -> SentimentClassifier:
    """The model ``name`` of :mod:`trendwatch.models`: a mixture when its ``.json`` names
    members, a fine-tuned encoder when an ``.onnx`` graph ships under that name, else a linear
    model over hashed features."""
    package = resources.files("trendwatch.models")
    raw = json.loads((package / f"{name}.json").read_text("utf-8"))
    if "members" in raw:
        info = msgspec.convert(raw, MixtureInfo)
        return MixtureSentimentModel(info, [load_sentiment_model(member) for member in info.members])
    if package.joinpath(f"{name}.onnx").is_file():
        return EncoderSentimentModel.load(name)
    return SentimentModel.load(name)
