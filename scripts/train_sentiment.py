"""Train the packaged tweet sentiment models and report cross-validated and validation scores.

    python scripts/train_sentiment.py [--data-dir data/labelled] [--out shared/trendwatch/models]

Data: TSV files ``label<TAB>text`` with labels 0 negative, 1 neutral, 2 positive (see
``data/labelled/README.md``). Each model is trained on its language's ``umsab_*_train.tsv``
only: the regularisation strength is chosen by 5-fold cross-validation there (macro-averaged
recall, the usual tweet-sentiment metric), then the model is fitted on the whole training split
and scored on the validation split, which it never saw. ``tweeteval_sentiment_val.tsv`` is not
used for training: it holds every UMSAB English validation tweet and 1,430 training ones, so its
570 other tweets stay held out too (``trendwatch eval text`` reports them).

Models (see :data:`MODELS`): for each language one on hashed n-grams plus VADER's scores,
used by both profiles. Adding the 256-dimension WordLlama sentence embedding as features was
tried and lost on both languages (English: 5-fold 0.616 and validation 0.617 against 0.635 and
0.676; French: 0.631 and 0.639 against 0.641 and 0.664), so no such model ships. Each model is
exported as ``<name>.npz`` + ``<name>.json`` with the sha256 of every file it was trained or
chosen on.
Training needs scikit-learn and scipy; the exported models need only numpy
(:class:`trendwatch.adapters.local.sentiment_model.SentimentModel`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from trendwatch.adapters.local.sentiment_model import (
    FEATURIZER_VERSION,
    LABELS,
    ModelInfo,
    dense_matrix,
    feature_matrix,
    load_lexicon,
)
from trendwatch.evaluation.text import LabelledSet

N_FEATURES = 2**18
C_GRID = (1.0, 3.0, 10.0, 30.0)
MODEL_VERSION = 2
REPO = Path(__file__).resolve().parents[1]


class ModelSpec(NamedTuple):
    name: str
    lang: str
    dense: tuple[str, ...]


MODELS = (
    ModelSpec("trendwatch-sentiment-en", "en", ("vader",)),
    ModelSpec("trendwatch-sentiment-fr", "fr", ("vader",)),
)
_LANGUAGE_NAMES = {"en": "english", "fr": "french"}


def macro_recall(truth: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64]) -> float:
    return float(recall_score(truth, predicted, average="macro"))


def matrix(texts: list[str], spec: ModelSpec) -> csr_matrix:
    rows, cols, values = feature_matrix(texts, N_FEATURES, spec.lang)
    hashed = csr_matrix((values, (rows, cols)), shape=(len(texts), N_FEATURES))
    return hstack([hashed, csr_matrix(dense_matrix(texts, spec.dense))]).tocsr()


def classifier(c: float) -> LogisticRegression:
    # Balanced classes: the metric is macro recall, and real tweet streams are mostly neutral.
    return LogisticRegression(C=c, max_iter=500, class_weight="balanced")


class Weights(NamedTuple):
    coef: npt.NDArray[np.float64]  # (classes, features), classes 0, 1, 2 = LABELS order
    intercept: npt.NDArray[np.float64]


def train(spec: ModelSpec, train_set: LabelledSet, val_set: LabelledSet) -> tuple[Weights, ModelInfo]:
    # Only the columns some training text reaches are fitted (a quarter of them): much faster.
    full_train = matrix(train_set.texts, spec)
    used = np.flatnonzero(full_train.getnnz(axis=0))
    x_train, x_val = full_train[:, used], matrix(val_set.texts, spec)[:, used]
    y_train = np.asarray(train_set.labels)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    cv_scores = {
        c: macro_recall(y_train, cross_val_predict(classifier(c), x_train, y_train, cv=folds)) for c in C_GRID
    }
    best_c = max(cv_scores, key=lambda c: cv_scores[c])
    model = classifier(best_c).fit(x_train, y_train)
    info = ModelInfo(
        name=spec.name,
        version=MODEL_VERSION,
        language=spec.lang,
        n_features=N_FEATURES,
        featurizer_version=FEATURIZER_VERSION,
        lexicon=spec.lang,
        lexicon_version=load_lexicon(spec.lang)[0],
        labels=LABELS,
        training_files={s.name: s.sha256 for s in (train_set, val_set)},
        metrics={
            "cv5_macro_recall": round(cv_scores[best_c], 4),
            "val_macro_recall": round(macro_recall(np.asarray(val_set.labels), model.predict(x_val)), 4),
        },
        params={"C": best_c, "class_weight": "balanced", "classifier": "LogisticRegression"},
        dense=spec.dense,
    )
    coef = np.zeros((model.coef_.shape[0], full_train.shape[1]))
    coef[:, used] = model.coef_
    return Weights(coef, model.intercept_), info


def export(model: Weights, info: ModelInfo, out_dir: Path) -> ModelInfo:
    """Write only the hashed-weight rows some training feature reached (the others are zero),
    then the metadata with the weights file's sha256."""
    weights = model.coef.T
    hashed, dense = weights[: info.n_features], weights[info.n_features :]
    rows = np.flatnonzero(np.abs(hashed).sum(axis=1))
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        rows=rows.astype(np.int32),
        weights=hashed[rows].astype(np.float16),
        bias=model.intercept.astype(np.float32),
        dense=dense.astype(np.float32),
    )
    (out_dir / f"{info.name}.npz").write_bytes(buffer.getvalue())
    info = ModelInfo(
        **{f: getattr(info, f) for f in info.__struct_fields__ if f != "weights_sha256"},
        weights_sha256=hashlib.sha256(buffer.getvalue()).hexdigest(),
    )
    metadata = {field: getattr(info, field) for field in info.__struct_fields__}
    (out_dir / f"{info.name}.json").write_text(json.dumps(metadata, indent=2) + "\n", "utf-8")
    return info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "labelled")
    parser.add_argument("--out", type=Path, default=REPO / "shared" / "trendwatch" / "models")
    parser.add_argument("--only", help="train only the models whose name starts with this")
    args = parser.parse_args()

    report: dict[str, dict[str, object]] = {}
    for spec in MODELS:
        if args.only and not spec.name.startswith(args.only):
            continue
        language = _LANGUAGE_NAMES[spec.lang]
        train_set = LabelledSet.read(args.data_dir / f"umsab_{language}_train.tsv")
        val_set = LabelledSet.read(args.data_dir / f"umsab_{language}_val.tsv")
        model, info = train(spec, train_set, val_set)
        info = export(model, info, args.out)
        report[info.tag] = {**info.metrics, "C": info.params["C"]}
        print(json.dumps({info.tag: report[info.tag]}), flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
