"""Train the packaged tweet sentiment model(s) and report validation scores.

    python scripts/train_sentiment.py --data-dir DIR_WITH_LABELLED_TSV [--out shared/trendwatch/models]

Data: TSV files ``label<TAB>text`` with labels 0 negative, 1 neutral, 2 positive. For each
language the regularisation strength is chosen by 5-fold cross-validation on the training
split (macro-averaged recall, the usual tweet-sentiment metric); the model is then fitted on
the training split and scored on the validation split. French is exported as
``trendwatch-sentiment-fr.{npz,json}``. English is trained for comparison with VADER only:
``--export-en`` exports it too, which is worth doing only if it beats VADER.
``tweeteval_sentiment_val.tsv`` is not used: it holds every UMSAB English validation tweet
and most training ones, so it is not held-out data for either.

Training needs scikit-learn and scipy; the exported model needs only numpy
(:class:`trendwatch.adapters.local.sentiment_model.SentimentModel`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from trendwatch.adapters.local.sentiment_model import (
    FEATURIZER_VERSION,
    LABELS,
    ModelInfo,
    feature_matrix,
    load_lexicon,
)

N_FEATURES = 2**18
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
MODEL_VERSION = 1


@dataclass(frozen=True)
class Split:
    path: Path
    texts: list[str]
    labels: npt.NDArray[np.int64]

    @classmethod
    def read(cls, path: Path) -> Split:
        texts, labels = [], []
        for line in path.read_text("utf-8").splitlines():
            label, text = line.split("\t", 1)
            labels.append(int(label))
            texts.append(text)
        return cls(path, texts, np.asarray(labels, dtype=np.int64))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def macro_recall(truth: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64]) -> float:
    return float(recall_score(truth, predicted, average="macro"))


def matrix(texts: list[str], lexicon: str) -> csr_matrix:
    rows, cols, values = feature_matrix(texts, N_FEATURES, lexicon)
    return csr_matrix((values, (rows, cols)), shape=(len(texts), N_FEATURES))


def classifier(c: float) -> LogisticRegression:
    # Balanced classes: the metric is macro recall, and real tweet streams are mostly neutral.
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced")


def train(lang: str, train_split: Split, val_split: Split) -> tuple[LogisticRegression, ModelInfo]:
    x_train, x_val = matrix(train_split.texts, lang), matrix(val_split.texts, lang)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    cv_scores = {
        c: macro_recall(
            train_split.labels, cross_val_predict(classifier(c), x_train, train_split.labels, cv=folds)
        )
        for c in C_GRID
    }
    best_c = max(cv_scores, key=lambda c: cv_scores[c])
    model = classifier(best_c).fit(x_train, train_split.labels)
    info = ModelInfo(
        name=f"trendwatch-sentiment-{lang}",
        version=MODEL_VERSION,
        language=lang,
        n_features=N_FEATURES,
        featurizer_version=FEATURIZER_VERSION,
        lexicon=lang,
        lexicon_version=load_lexicon(lang)[0],
        labels=LABELS,
        training_files={split.path.name: split.sha256 for split in (train_split, val_split)},
        metrics={
            "cv5_macro_recall": round(cv_scores[best_c], 4),
            "val_macro_recall": round(macro_recall(val_split.labels, model.predict(x_val)), 4),
        },
        params={"C": best_c, "class_weight": "balanced", "classifier": "LogisticRegression"},
    )
    return model, info


def export(model: LogisticRegression, info: ModelInfo, out_dir: Path) -> None:
    """Write only the weight rows some training feature reached (the others are zero): a small file."""
    weights = model.coef_.T  # (n_features, n_classes), classes 0, 1, 2 = LABELS order
    rows = np.flatnonzero(np.abs(weights).sum(axis=1))
    np.savez_compressed(
        out_dir / f"{info.name}.npz",
        rows=rows.astype(np.int32),
        weights=weights[rows].astype(np.float16),
        bias=model.intercept_.astype(np.float32),
    )
    metadata = {field: getattr(info, field) for field in info.__struct_fields__}
    (out_dir / f"{info.name}.json").write_text(json.dumps(metadata, indent=2) + "\n", "utf-8")


def vader_macro_recall(split: Split) -> float:
    """VADER with its authors' thresholds: compound >= 0.05 positive, <= -0.05 negative."""
    analyzer = SentimentIntensityAnalyzer()
    compound = np.array([analyzer.polarity_scores(text)["compound"] for text in split.texts])
    predicted = np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))
    return macro_recall(split.labels, predicted)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with the umsab_*.tsv files")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "shared" / "trendwatch" / "models"
    )
    parser.add_argument("--export-en", action="store_true", help="also export the English model")
    args = parser.parse_args()

    report: dict[str, dict[str, float]] = {}
    for lang, language in (("fr", "french"), ("en", "english")):
        train_split = Split.read(args.data_dir / f"umsab_{language}_train.tsv")
        val_split = Split.read(args.data_dir / f"umsab_{language}_val.tsv")
        model, info = train(lang, train_split, val_split)
        report[info.tag] = {**info.metrics, "C": info.params["C"]}
        if lang == "fr" or args.export_en:
            export(model, info, args.out)
        if lang == "en":
            report["vader"] = {"val_macro_recall": round(vader_macro_recall(val_split), 4)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
