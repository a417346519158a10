"""The workbench's tracking and registry on a local SQLite store: runs keep their parameters,
data hashes, metrics and artefacts; versions get aliases; promotion needs a held-out win."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest
from click.testing import CliRunner
from mlflow.entities import Run

from benchmarks.backtest_forecast import log_backtest
from benchmarks.tune_trends import log_tuning
from trendwatch.adapters.local.sentiment_loader import load_sentiment_model
from trendwatch.adapters.local.text_analyzer import sentiment_model_id
from trendwatch.cli import main
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.domain.near_duplicates import MAX_GRID_DISTANCE
from trendwatch.evaluation.images import NearDuplicateResult
from trendwatch.experiments.near_duplicates import log_near_duplicates
from trendwatch.experiments.pins import FORECAST_SOCIAL
from trendwatch.experiments.promotion import Comparison, PromotionRefused, beats, compare, promote
from trendwatch.experiments.registry import (
    CHALLENGER,
    CHAMPION,
    Direction,
    RegisteredVersion,
    heldout_metrics,
    list_versions,
    register,
)
from trendwatch.experiments.runs import log_run, sha256_file, sha256_files
from trendwatch.experiments.shipped import register_forecast_models, register_sentiment_models
from trendwatch.experiments.store import open_client
from trendwatch.forecasting.pipeline import model_infos
from trendwatch.settings import Settings

HELDOUT: dict[str, Direction] = {"test.macro_recall": "max", "test.error": "min"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One store for the module (MLflow migrates a new SQLite file for seconds, then each new
    client checks its schema): each test registers a model of its own name."""
    return Settings.from_env({}, state_dir=tmp_path_factory.mktemp("workbench"))


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A registered model name of the test's own."""
    test_name: str = request.node.name
    return test_name.removeprefix("test_")[:60]


def _version(store: Settings, name: str, model_version: str, recall: float, error: float) -> int:
    run_id = log_run(
        store,
        "unit",
        run_name=model_version,
        params={"C": 1.0},
        metrics={"test.macro_recall": recall, "test.error": error},
        data={"train.tsv": "0" * 64},
    )
    version, _ = register(store, name, run_id, model_version=model_version, heldout=HELDOUT)
    return version


def _listed(store: Settings, name: str) -> list[RegisteredVersion]:
    return [v for v in list_versions(store) if v.name == name]


def test_a_run_keeps_its_parameters_data_hashes_metrics_and_artefacts(
    store: Settings, tmp_path: Path
) -> None:
    card = tmp_path / "card.json"
    card.write_text('{"name": "m"}', encoding="utf-8")
    run_id = log_run(
        store,
        "unit",
        run_name="first",
        params={"C": 2.0, "grid": [1, 2]},
        metrics={"val.macro_recall": 0.71},
        data={"train.tsv": sha256_file(card)},
        artifacts=[card],
    )
    client = open_client(store)
    run = client.get_run(run_id)
    assert run.data.params == {"C": "2.0", "grid": "[1, 2]", "data_sha256.train.tsv": sha256_file(card)}
    assert run.data.metrics == {"val.macro_recall": 0.71}
    assert run.info.status == "FINISHED"
    assert [a.path for a in client.list_artifacts(run_id)] == ["card.json"]
    assert (store.state_dir / "mlruns").is_dir()


def test_the_first_version_is_champion_later_ones_challengers_and_a_known_one_is_not_registered_again(
    store: Settings,
    name: str,
) -> None:
    assert _version(store, name, "model-1", 0.60, 10.0) == 1
    assert _version(store, name, "model-2", 0.65, 9.0) == 2
    assert _version(store, name, "model-2", 0.65, 9.0) == 2
    listed = _listed(store, name)
    assert [(v.version, v.model_version, v.aliases) for v in listed] == [
        (1, "model-1", [CHAMPION]),
        (2, "model-2", [CHALLENGER]),
    ]
    assert listed[1].metrics == {"test.error": 9.0, "test.macro_recall": 0.65}


def test_promotion_refuses_a_challenger_worse_on_one_held_out_metric_and_changes_nothing(
    store: Settings,
    name: str,
) -> None:
    _version(store, name, "model-1", 0.60, 10.0)
    _version(store, name, "model-2", 0.65, 11.0)  # better recall, worse error
    with pytest.raises(PromotionRefused, match=r"test.error \(lower is better\): 11 against 10"):
        promote(store, name, 2)
    assert [v.aliases for v in _listed(store, name)] == [[CHAMPION], [CHALLENGER]]


def test_promotion_makes_a_challenger_that_beats_the_champion_the_champion(
    store: Settings, name: str
) -> None:
    _version(store, name, "model-1", 0.60, 10.0)
    _version(store, name, "model-2", 0.65, 10.0)
    won = promote(store, name, 2)
    assert [c.metric for c in won if c.better] == ["test.macro_recall"]
    assert [v.aliases for v in _listed(store, name)] == [[], [CHAMPION]]


def test_beating_is_better_on_one_held_out_metric_and_worse_on_none() -> None:
    tie = compare({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 2.0}, {"a": "max", "b": "min"})
    assert not beats(tie)
    assert beats(compare({"a": 1.0, "b": 1.5}, {"a": 1.0, "b": 2.0}, {"a": "max", "b": "min"}))
    # a metric only one version measured, or not held out, is not compared
    assert compare({"a": 2.0, "c": 0.0}, {"a": 1.0, "c": 9.0}, {"a": "max", "b": "min"}) == [
        Comparison("a", "max", 2.0, 1.0)
    ]


def test_models_json_lists_versions_and_promote_exits_non_zero_when_refused(
    store: Settings, name: str
) -> None:
    _version(store, name, "model-1", 0.60, 10.0)
    _version(store, name, "model-2", 0.55, 12.0)
    state = ["--state", str(store.state_dir)]
    listed = CliRunner().invoke(main, ["models", *state, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [r for r in json.loads(listed.stdout) if r["name"] == name]
    assert [(r["version"], r["model_version"], r["aliases"]) for r in rows] == [
        (1, "model-1", ["champion"]),
        (2, "model-2", ["challenger"]),
    ]
    assert rows[0]["metrics"] == {"test.error": 10.0, "test.macro_recall": 0.6}
    assert rows[0]["created_at"].endswith("+00:00")
    refused = CliRunner().invoke(main, ["models", "promote", name, "--version", "2", *state])
    assert refused.exit_code == 1
    assert f"refused: {name} version 2 does not beat champion version 1" in refused.output
    missing = CliRunner().invoke(main, ["models", "promote", "no-such-model", "--version", "1", *state])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_models_json_of_a_state_without_a_store_is_an_empty_list_and_creates_none(tmp_path: Path) -> None:
    listed = CliRunner().invoke(main, ["models", "--state", str(tmp_path), "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    assert not list(tmp_path.iterdir())


def _logged(store: Settings, experiment: str) -> Run:
    """The latest run of ``experiment``."""
    client = open_client(store)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no {experiment} experiment"
    (run,) = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"], max_results=1)
    return run


def test_the_forecasting_backtest_logs_its_arguments_seed_hashes_and_pooled_metrics(
    store: Settings, tmp_path: Path
) -> None:
    seed = tmp_path / "seed-2001"
    (seed / "feeds").mkdir(parents=True)
    (seed / "truth.json").write_text("{}", encoding="utf-8")
    (seed / "feeds" / "orders.jsonl").write_text("{}\n", encoding="utf-8")
    pooled = pd.DataFrame(
        {"coverage": [0.81, float("nan")], "wape": [0.37, 0.36]},
        index=pd.MultiIndex.from_tuples([("baseline", "AutoETS-additive"), ("social", "lgbm-log")]),
    )
    args = argparse.Namespace(
        dirs=[seed], origins=24, step=2, baselines="AutoETS-additive", social="lgbm-log"
    )
    log_backtest(store.state_dir, args, pooled)
    run = _logged(store, "forecast-backtest")
    assert run.data.metrics == {
        "baseline/AutoETS-additive/coverage": 0.81,
        "baseline/AutoETS-additive/wape": 0.37,
        "social/lgbm-log/wape": 0.36,
    }
    assert run.data.params["origins"] == "24" and run.data.params["social"] == "lgbm-log"
    assert run.data.params["data_sha256.seed-2001"] == sha256_files(
        [seed / "feeds" / "orders.jsonl", seed / "truth.json"]
    )


def test_each_detector_parameter_set_tried_is_logged_with_its_scores(store: Settings, tmp_path: Path) -> None:
    (tmp_path / "stream-101-3-480-5.pkl").write_bytes(b"stream")
    args = argparse.Namespace(
        set=["threshold=6"], seeds="101", rates="3", minutes=480, min_rate=5.0, cache=tmp_path
    )
    found = {"all": {"precision": 0.9, "recall": 0.8}, "3/s": {"precision": 0.9, "recall": 0.8}}
    log_tuning(store.state_dir, args, EmergenceParams(threshold=6.0), found)
    run = _logged(store, "trend-detector")
    assert run.data.params["threshold"] == "6.0" and run.data.params["seeds"] == "101"
    assert run.data.params["data_sha256.stream-101-3-480-5.pkl"] == hashlib.sha256(b"stream").hexdigest()
    assert run.data.metrics["all/recall"] == 0.8 and run.data.metrics["3_per_s/precision"] == 0.9


def test_the_near_duplicate_thresholds_are_logged_with_their_scores(store: Settings) -> None:
    result = NearDuplicateResult(
        pictures=3,
        images=15,
        precision=1.0,
        recall=0.9,
        recall_by_transformation={"jpeg": 0.8, "crop 5 %": 0.7},
        groups_found=3,
    )
    log_near_duplicates(store, 1, result)
    run = _logged(store, "near-duplicates")
    assert run.data.params["max_grid_distance"] == str(MAX_GRID_DISTANCE)
    assert run.data.metrics == {
        "precision": 1.0,
        "recall": 0.9,
        "groups_found": 3.0,
        "recall/jpeg": 0.8,
        "recall/crop 5 _": 0.7,  # MLflow refuses % in a name
    }
    assert len(run.data.params["data_sha256.generated-pictures"]) == 64


def test_a_forecasting_challenger_with_lower_errors_but_coverage_outside_the_band_is_refused(
    store: Settings,
) -> None:
    champion, baseline = model_infos()
    challenger, _ = model_infos(social_model="lgbm-log")

    def rows(version: str, wape: float, coverage: float) -> list[dict[str, object]]:
        model = f"forecast-social:{version.rsplit('-', 1)[0]}"
        return [
            {"model": model, "version": version, "metric": "wape", "value": wape},
            {"model": model, "version": version, "metric": "coverage", "value": coverage},
        ]

    baseline_rows = [
        {"model": "forecast-baseline:x", "version": baseline.version, "metric": "wape", "value": 0.5}
    ]
    orders = {"orders": "0" * 64}
    backtest: dict[str, Any] = {"params": {"backtest_origins": 2}, "data": orders}
    first = register_forecast_models(store, [*rows(champion.version, 0.40, 0.81), *baseline_rows], **backtest)
    assert {(r.name, r.model_version) for r in first} == {
        (FORECAST_SOCIAL, champion.version),
        ("trendwatch-forecast-baseline", baseline.version),
    }
    (second,) = register_forecast_models(store, rows(challenger.version, 0.34, 0.70), **backtest)
    assert (second.name, second.version, second.new) == (FORECAST_SOCIAL, 2, True)
    with pytest.raises(PromotionRefused, match=r"coverage_outside_band \(lower is better\): 0.05 against 0"):
        promote(store, FORECAST_SOCIAL, 2)
    assert _listed(store, FORECAST_SOCIAL)[1].metrics["coverage_outside_band"] == pytest.approx(0.05)

    # scored again on other data (four origins), the challenger's figures are not comparable
    # with the champion's until the champion is scored on the same
    again: dict[str, Any] = {"params": {"backtest_origins": 4}, "data": orders}
    register_forecast_models(store, rows(challenger.version, 0.30, 0.80), **again)
    with pytest.raises(PromotionRefused, match="not measured on the same held-out data"):
        promote(store, FORECAST_SOCIAL, 2)
    (rescored,) = register_forecast_models(store, rows(champion.version, 0.38, 0.82), **again)
    assert (rescored.version, rescored.new) == (1, False)
    assert _listed(store, FORECAST_SOCIAL)[0].metrics["wape"] == 0.38
    promote(store, FORECAST_SOCIAL, 2)
    assert [v.aliases for v in _listed(store, FORECAST_SOCIAL)] == [[], [CHAMPION]]


def test_a_sentiment_model_evaluated_again_keeps_its_version_and_gains_the_held_out_test_figure(
    store: Settings,
) -> None:
    english_id = sentiment_model_id(load_sentiment_model("trendwatch-sentiment-en"))
    validation = [
        {
            "model": english_id.name,
            "version": english_id.version,
            "dataset": "umsab_english_val",
            "metric": "macro_recall",
            "value": 0.7315,
        }
    ]
    first = {r.name: r for r in register_sentiment_models(store, validation)}
    assert set(first) == {
        "trendwatch-sentiment-en",
        "trendwatch-sentiment-en-accurate",
        "trendwatch-sentiment-fr",
    }
    english = first["trendwatch-sentiment-en"]
    test = [{**validation[0], "dataset": "tweeteval_sentiment_test", "value": 0.6453}]
    again = {r.name: r for r in register_sentiment_models(store, test)}
    assert (again[english.name].version, again[english.name].new) == (english.version, False)
    (listed,) = [v for v in _listed(store, english.name) if v.version == english.version]
    assert listed.model_version == english.model_version
    assert listed.metrics["tweeteval_sentiment_test.macro_recall"] == 0.6453
    assert listed.metrics["umsab_english_val.macro_recall"] == 0.7315
    assert listed.metrics["card.val_macro_recall"] > 0.5  # the card's own figures
    assert heldout_metrics(store, english.name) == {
        "tweeteval_sentiment_test.macro_recall": "max",
        "umsab_english_val.macro_recall": "max",
    }
