"""What the demo registers: the packaged sentiment models and the forecasting models.

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

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from trendwatch.experiments.pins import FORECAST_BASELINE, FORECAST_SOCIAL
from trendwatch.experiments.registry import Direction, register
from trendwatch.experiments.runs import log_run
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
#: Backtest errors compared on promotion (all lower is better; coverage is logged, not compared:
#: its target is a band, 0.75-0.90, not a direction).
FORECAST_HELD_OUT: dict[str, Direction] = {"wape": "min", "wape_other": "min", "wape_trending": "min"}


class Registered(msgspec.Struct, frozen=True):
    name: str
    version: int
    model_version: str
    new: bool


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
        run_id = log_run(
            settings,
            SENTIMENT_EXPERIMENT,
            run_name=model_id.tag,
            params=_flat(card.get("params", {})) | {"language": card["language"], "version": card["version"]},
            metrics={f"card.{key}": value for key, value in card.get("metrics", {}).items()} | evaluated,
            data=card.get("training_files", {}),
            artifacts=[card_path],
        )
        heldout: dict[str, Direction] = {
            f"{dataset}.{SENTIMENT_METRIC}": "max" for dataset in SENTIMENT_HELD_OUT[name]
        }
        version, new = register(settings, name, run_id, model_version=model_id.tag, heldout=heldout)
        registered.append(Registered(name, version, model_id.tag, new))
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
    from trendwatch.forecasting.pipeline import model_infos

    infos = {info.version: info for info in model_infos()}
    by_version: dict[tuple[str, str], dict[str, float]] = {}
    for row in backtest:
        kind = str(row["model"]).removeprefix("forecast-").split(":", 1)[0]
        by_version.setdefault((kind, str(row["version"])), {})[str(row["metric"])] = float(row["value"])
    registered = []
    for (kind, model_version), metrics in sorted(by_version.items()):
        if kind not in FORECAST_MODELS or model_version not in infos:
            continue  # a candidate the job does not run
        info = infos[model_version]
        run_id = log_run(
            settings,
            FORECAST_EXPERIMENT,
            run_name=model_version,
            params=_flat(info.params) | {"model": info.name} | dict(params),
            metrics=metrics,
            data=data,
        )
        name = FORECAST_MODELS[kind]
        version, new = register(
            settings, name, run_id, model_version=model_version, heldout=FORECAST_HELD_OUT
        )
        registered.append(Registered(name, version, model_version, new))
    return registered


def _flat(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as MLflow stores them: nested values as JSON text."""
    return {
        key: json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        for key, value in params.items()
    }
