"""A fine-tuned transformer tweet sentiment classifier, run with ONNX Runtime on CPU.

``<name>.onnx`` (int8-quantised weights) and ``<name>.json`` (:class:`EncoderInfo`) ship in
:mod:`trendwatch.models`, with ``<name>.tokenizer.json``, the WordPiece tokenizer of the encoder
it was fine-tuned from; ``scripts/train_sentiment_encoder.py`` makes all three. The graph maps
token ids and their attention mask to one logit per label. onnxruntime and tokenizers are
optional dependencies (the ``text-encoder`` extra): imported on first use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Tokenizer


class EncoderInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The ``.json`` beside the graph: what the model is and how it was made."""

    name: str
    version: int
    language: str
    labels: tuple[str, ...]
    #: What it was fine-tuned from (a packaged sentence encoder) and that package's version.
    base_model: str
    #: Longer texts are cut to this many tokens (as in training).
    max_tokens: int
    training_files: dict[str, str]
    metrics: dict[str, float]
    params: dict[str, Any] = {}
    #: sha256 of the ``.onnx`` file.
    weights_sha256: str = ""


#: Texts per ONNX run; sorted by length first so that a batch pads little.
_BATCH = 64


class EncoderSentimentModel:
    """Class probabilities of a fine-tuned encoder, texts tokenised and scored in batches."""

    def __init__(self, info: EncoderInfo, session: InferenceSession, tokenizer: Tokenizer) -> None:
        self.info = info
        self._session = session
        self._tokenizer = tokenizer
        self._tokenizer.enable_truncation(info.max_tokens)
        self._tokenizer.enable_padding()

    @classmethod
    def load(cls, name: str, threads: int = 1) -> EncoderSentimentModel:
        """Load ``<name>.onnx``, ``<name>.json`` and ``<name>.tokenizer.json`` from
        :mod:`trendwatch.models`; ``threads``: ONNX Runtime's intra-op threads (one per process
        by default: the services scale by processes)."""
        import onnxruntime
        from tokenizers import Tokenizer

        package = resources.files("trendwatch.models")
        info = msgspec.convert(json.loads((package / f"{name}.json").read_text("utf-8")), EncoderInfo)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            (package / f"{name}.onnx").read_bytes(), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_str((package / f"{name}.tokenizer.json").read_text("utf-8"))
        return cls(info, session, tokenizer)

    @property
    def producers(self) -> str:
        """No separate feature producers: the graph holds the whole model."""
        return ""

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Class probabilities, one row per text, columns in ``info.labels`` order."""
        probabilities = np.zeros((len(texts), len(self.info.labels)))
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), _BATCH):
            rows = order[start : start + _BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
            (logits,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            probabilities[rows] = exp / exp.sum(axis=1, keepdims=True)
        return probabilities
