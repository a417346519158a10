"""The models the project registers: the packaged sentiment models and the forecasting models
(by the demo, ``trendwatch eval text`` and ``trendwatch forecast --backtest``).

Sentiment. Each packaged model (English fast, English accurate, French) is logged as a run of
the ``sentiment`` experiment with its card's parameters and metrics (``card.<metric>``), the
sha256 of every file it was trained on (from the card) and the card itself as an artefact, plus
the figures of the evaluation just run (``<dataset>.<metric>``, ``trendwatch eval text``'s
``model_metrics`` rows). Its held-out metrics are those of the data sets it never saw in
training or selection (:data:`SENTIMENT_HELD_OUT`).

Forecasting. The supply job's rolling-origin backtest (``SupplyJob.backtest``) scores both
models on orders that came after each origin: the social model and the baseline are
registered with those figures, the backtest's parameters and the hashes of its input data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from trendwatch.experiments.pins import FORECAST_BASELINE, FORECAST_SOCIAL, forecast_candidates
from trendwatch.experiments.registry import HELDOUT_DATA_TAG, Direction, find_version, register
from trendwatch.experiments.runs import log_run, update_run
from trendwatch.ports import Warehouse
from trendwatch.settings import Settings

SENTIMENT_EXPERIMENT = "sentiment"
FORECAST_EXPERIMENT = "forecasting"
#: The packaged sentiment models the services run (English fast and accurate, French).
SENTIMENT_MODELS = ("trendwatch-sentiment-en", "trendwatch-sentiment-en-accurate", "trendwatch-sentiment-fr")
#: Per model, the evaluation data sets it was neither trained nor tuned on (see
#: ``scripts/train_sentiment.py`` and the cards): TweetEval's test split for both English models
#: (only ``trendwatch eval text --heldout`` reads it); ``umsab_english_val`` for the fast English
#: model, whose regularisation ``tweeteval_sentiment_val`` chose (the accurate mixture's weights
#: were chosen on ``umsab_english_val``); ``umsab_french_val`` for French, tuned by cross-validation
#: on its training file.
SENTIMENT_HELD_OUT: dict[str, tuple[str, ...]] = {
    "trendwatch-sentiment-en": ("tweeteval_sentiment_test", "umsab_english_val"),
    "trendwatch-sentiment-en-accurate": ("tweeteval_sentiment_test",),
    "trendwatch-sentiment-fr": ("umsab_french_val",),
}
SENTIMENT_METRIC = "macro_recall"
#: The registered names of the forecasting models, by the backtest's ``kind``.
FORECAST_MODELS = {"social": FORECAST_SOCIAL, "baseline": FORECAST_BASELINE}
#: The p10-p90 coverage the forecasts aim at (an 80 % interval, a little leeway either side).
COVERAGE_BAND = (0.75, 0.90)
#: Backtest figures compared on promotion, all lower is better: the errors, and how far the
#: coverage falls outside :data:`COVERAGE_BAND` (0 inside it: coverage itself has no direction).
FORECAST_HELD_OUT: dict[str, Direction] = {
    "wape": "min",
    "wape_other": "min",
    "wape_trending": "min",
    "coverage_outside_band": "min",
}


class Registered(msgspec.Struct, frozen=True):
    name: str
    version: int
    model_version: str
    new: bool


class RunRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What a registered model's run records (see :func:`~trendwatch.experiments.runs.log_run`)."""

    experiment: str
    params: dict[str, Any]
    metrics: dict[str, float]
    data: dict[str, str]
    artifacts: list[Path] = []
    #: What the held-out metrics were measured on, when that varies (a backtest's data and origins).
    heldout_data: str = ""


def _log_and_register(
    settings: Settings, name: str, model_version: str, run: RunRecord, heldout: Mapping[str, Direction]
) -> Registered:
    """A new version of ``name`` from a new run; or, for a version already registered, its run
    scored again: the new metrics are logged into it (the latest value of each is the run's)
    with what they were measured on, e.g. the held-out test set an evaluation read this time."""
    tags = {HELDOUT_DATA_TAG: run.heldout_data}
    known = find_version(settings, name, model_version)
    if known is not None:
        update_run(settings, known.run_id, run.metrics, tags)
        return Registered(name, known.version, model_version, False)
    run_id = log_run(
        settings,
        run.experiment,
        run_name=model_version,
        params=run.params,
        metrics=run.metrics,
        data=run.data,
        artifacts=run.artifacts,
        tags=tags,
    )
    version, new = register(settings, name, run_id, model_version=model_version, heldout=heldout)
    return Registered(name, version, model_version, new)


def register_sentiment_models(
    settings: Settings, evaluation: Iterable[Mapping[str, Any]]
) -> list[Registered]:
    """Log and register each of :data:`SENTIMENT_MODELS` with its card and the ``evaluation``
    rows (``model_metrics`` rows: ``model, version, dataset, metric, value``) of its version."""
    from trendwatch.adapters.local.sentiment_loader import load_sentiment_model
    from trendwatch.adapters.local.text_analyzer import sentiment_model_id

    rows = list(evaluation)
    registered = []
    for name in SENTIMENT_MODELS:
        model_id = sentiment_model_id(load_sentiment_model(name))
        card_path = Path(str(resources.files("trendwatch.models") / f"{name}.json"))
        card = json.loads(card_path.read_text("utf-8"))
        evaluated = {
            f"{row['dataset']}.{row['metric']}": float(row["value"])
            for row in rows
            if row["model"] == name and row["version"] == model_id.version
        }
        run = RunRecord(
            experiment=SENTIMENT_EXPERIMENT,
            params=_flat(card.get("params", {})) | {"language": card["language"], "version": card["version"]},
            metrics={f"card.{key}": value for key, value in card.get("metrics", {}).items()} | evaluated,
            data=card.get("training_files", {}),
            artifacts=[card_path],
        )
        heldout: dict[str, Direction] = {
            f"{dataset}.{SENTIMENT_METRIC}": "max" for dataset in SENTIMENT_HELD_OUT[name]
        }
        registered.append(_log_and_register(settings, name, model_id.tag, run, heldout))
    return registered


def register_forecast_models(
    settings: Settings,
    backtest: Iterable[Mapping[str, Any]],
    *,
    params: Mapping[str, Any],
    data: Mapping[str, str],
) -> list[Registered]:
    """Log and register the social model and the baseline with their backtest figures
    (``SupplyJob.backtest``'s rows: ``model`` = ``forecast-<kind>:<name>``, ``version``,
    ``metric``, ``value``)."""
    infos = {
        info.version: info for candidates in forecast_candidates().values() for info in candidates.values()
    }
    # the held-out data of a backtest: what it read and from which origins
    backtested = json.dumps([sorted(data.items()), sorted(params.items())], default=str)
    heldout_data = hashlib.sha256(backtested.encode()).hexdigest()[:16]
    by_version: dict[tuple[str, str], dict[str, float]] = {}
    for row in backtest:
        kind = str(row["model"]).removeprefix("forecast-").split(":", 1)[0]
        by_version.setdefault((kind, str(row["version"])), {})[str(row["metric"])] = float(row["value"])
    registered = []
    for (kind, model_version), scores in sorted(by_version.items()):
        if kind not in FORECAST_MODELS or model_version not in infos:
            continue  # not a candidate of this code
        info = infos[model_version]
        run = RunRecord(
            experiment=FORECAST_EXPERIMENT,
            params=_flat(info.params) | {"model": info.name} | dict(params),
            metrics=scores | _coverage_outside_band(scores),
            data=dict(data),
            heldout_data=heldout_data,
        )
        registered.append(
            _log_and_register(settings, FORECAST_MODELS[kind], model_version, run, FORECAST_HELD_OUT)
        )
    return registered


#: The feed files a warehouse has loaded, each at its generation, with the rows kept.
_FEED_LOADS_SQL = """
SELECT kind, object_name, generation, rows_loaded FROM feed_loads ORDER BY kind, object_name, generation
"""


def feed_load_hashes(warehouse: Warehouse) -> dict[str, str]:
    """Per feed kind (orders, inventory...), one sha256 of the files loaded (name, generation,
    rows kept): the data a forecast or backtest of that warehouse read, without re-reading it."""
    digests: dict[str, Any] = {}
    for row in warehouse.query(_FEED_LOADS_SQL):
        line = f"{row['object_name']}\0{row['generation']}\0{row['rows_loaded']}\n"
        digests.setdefault(str(row["kind"]), hashlib.sha256()).update(line.encode())
    return {kind: digest.hexdigest() for kind, digest in digests.items()}


def _coverage_outside_band(scores: Mapping[str, float]) -> dict[str, float]:
    """How far the backtest's p10-p90 coverage is from :data:`COVERAGE_BAND` (none without one)."""
    if "coverage" not in scores:
        return {}
    low, high = COVERAGE_BAND
    coverage = scores["coverage"]
    return {"coverage_outside_band": max(0.0, low - coverage, coverage - high)}


def _flat(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as MLflow stores them: nested values as JSON text."""
    return {
        key: json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        for key, value in params.items()
    }
