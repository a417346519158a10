"""The supply side end to end: a generated retail history and its social talk go through the
pipeline, then `trendwatch forecast` and `trendwatch restock` answer with the CLI contract, the
job's outputs land in their tables (and the Looker Studio view), and the dashboard's "Stock at
risk" page and the API show them."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.fakes.publisher import RecordingPublisher
from trendwatch.adapters.local.clock import SystemClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.app import app_from_settings
from trendwatch.app.supply import SupplyJob
from trendwatch.cli import main
from trendwatch.cli.pipeline import demo_replay_file, load_generated_feeds, publish_stock_events
from trendwatch.contracts.events import RestockRecommendation
from trendwatch.contracts.topology import RESTOCK_RECOMMENDATIONS
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings
from trendwatch.warehouse.views import view

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HORIZON = 14


@dataclass
class Supplied:
    state: Path
    truth: dict[str, Any]
    forecasts: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def supplied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supplied]:
    root = tmp_path_factory.mktemp("supply")
    data = root / "data"
    summary = generate(2002, 30, 1.0, data, history_days=42)
    settings = Settings.from_env({"TRENDWATCH_IMAGE_OCR": "false"}, state_dir=root / "state")
    pipeline = LocalPipeline(settings)
    load_generated_feeds(pipeline, data)
    assert summary.stock_events_path is not None
    publish_stock_events(pipeline, summary.stock_events_path)
    pipeline.replay(demo_replay_file(data))
    pipeline.close()

    state = str(settings.state_dir)
    forecasts = _cli("forecast", "--state", state, "--json")
    recommendations = _cli("restock", "--state", state, "--json")
    yield Supplied(
        settings.state_dir, json.loads((data / "truth.json").read_text()), forecasts, recommendations
    )


@contextmanager
def _warehouse(supplied: Supplied) -> Iterator[DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(supplied.state / "warehouse.duckdb", read_only=True)
    try:
        yield warehouse
    finally:
        warehouse.close()


def test_forecast_json_follows_the_cli_contract(supplied: Supplied) -> None:
    rows = supplied.forecasts
    assert rows
    required = {"sku", "location_id", "date", "p10", "p50", "p90", "baseline_p50", "model"}
    assert all(required <= set(r) for r in rows)
    by_series: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_series[(r["sku"], r["location_id"])].append(r)
    assert all(len(days) == HORIZON for days in by_series.values())
    assert all(r["p10"] <= r["p50"] + 1e-9 and r["p50"] <= r["p90"] + 1e-9 for r in rows)
    # the default as-of is the day after the latest order day: the stream's day + 1
    stream_day = date.fromisoformat(supplied.truth["history"]["stream_day"])
    first = min(date.fromisoformat(r["date"][:10]) for r in rows)
    assert first == stream_day + timedelta(days=1)


def test_locations_add_up_to_the_sku_total(supplied: Supplied) -> None:
    totals = {(r["sku"], r["date"]): r["p50"] for r in supplied.forecasts if r["location_id"] is None}
    summed: dict[tuple[str, str], float] = defaultdict(float)
    for r in supplied.forecasts:
        if r["location_id"] is not None:
            summed[(r["sku"], r["date"])] += r["p50"]
    assert totals.keys() == summed.keys()
    assert all(abs(totals[k] - summed[k]) < 1e-6 * max(1.0, totals[k]) for k in totals)


def test_restock_json_follows_the_cli_contract_and_explains_itself(supplied: Supplied) -> None:
    rows = supplied.recommendations
    assert rows
    required = {
        "sku",
        "location_id",
        "recommended_quantity",
        "stockout_date",
        "days_of_cover",
        "topic_id",
        "reason",
    }
    assert all(required <= set(r) for r in rows)
    assert all(r["recommended_quantity"] >= 1 and r["reason"] for r in rows)
    assert all(r["urgency"] in {"critical", "high", "medium"} for r in rows)
    plan_day = (date.fromisoformat(supplied.truth["history"]["stream_day"]) + timedelta(days=1)).isoformat()
    assert all(r["order_date"] >= plan_day for r in rows)  # nothing to order yesterday
    topics = {r["topic_id"] for r in rows if r["topic_id"] is not None}
    with _warehouse(supplied) as warehouse:
        known = {r["topic_id"] for r in warehouse.query("SELECT topic_id FROM topics")}
    assert topics <= known
    driven = [r for r in rows if r["topic_id"] is not None]
    assert all(r["reason"].startswith(f"{r['topic_label']} topic: +") for r in driven)


def test_a_day_is_forecast_once_and_a_rerun_replaces_it(supplied: Supplied) -> None:
    state = str(supplied.state)
    again = _cli("forecast", "--state", state, "--json")
    assert again == supplied.forecasts  # no new run: the stored one is read
    with _warehouse(supplied) as warehouse:
        [run] = warehouse.query("SELECT run_id, feed_loads FROM forecast_runs")
        loads = {r["object_name"] for r in warehouse.query("SELECT object_name FROM feed_loads")}
    assert set(run["feed_loads"]) == loads

    rerun = _cli("forecast", "--state", state, "--json", "--rerun")
    assert len(rerun) == len(supplied.forecasts)
    with _warehouse(supplied) as warehouse:
        runs = warehouse.query("SELECT run_id FROM forecast_runs")
        stored = warehouse.query("SELECT DISTINCT run_id FROM forecasts")
    assert len(runs) == 2 and stored == [{"run_id": rerun[0]["run_id"]}]


def test_links_windows_and_the_looker_view_have_rows(supplied: Supplied) -> None:
    with _warehouse(supplied) as warehouse:
        links = warehouse.query("SELECT topic_id, sku, matched_terms FROM topic_products")
        windows = warehouse.query("SELECT window_size, COUNT(*) AS n FROM topic_windows GROUP BY window_size")
        looker = warehouse.query(view("stock_vs_trends").sql)
    planted = {sku for t in supplied.truth["topics"] for sku in t["linked_skus"]}
    assert planted <= {link["sku"] for link in links}
    assert all(link["matched_terms"] for link in links)
    assert {w["window_size"] for w in windows} == {"1h", "1d"}
    assert planted <= {row["sku"] for row in looker}
    assert all(
        row["forecast_7d"] is not None and row["projected_days_of_cover"] is not None for row in looker
    )


def test_recommendations_are_published_one_message_each(supplied: Supplied) -> None:
    publisher = RecordingPublisher()
    warehouse = DuckDBWarehouse(supplied.state / "warehouse.duckdb")
    try:
        report = SupplyJob(warehouse, publisher, SystemClock()).run(rerun=True)
        stored = warehouse.query("SELECT sku, location_id FROM restock_recommendations")
    finally:
        warehouse.close()
    sent = publisher.on(RESTOCK_RECOMMENDATIONS)
    assert report.recommendations == len(sent) == len(stored) > 0
    keys = {(m.attributes["sku"], m.attributes["location_id"]) for m in sent}
    assert keys == {(r["sku"], r["location_id"]) for r in stored}
    first = json.loads(sent[0].data)
    assert {"sku", "location_id", "recommended_quantity", "urgency", "reason", "as_of"} <= set(first)


class FailingFirstWebhook:
    """A chat webhook whose first post fails; it keeps every recommendation it was given."""

    def __init__(self) -> None:
        self.tried: list[RestockRecommendation] = []

    def send_restock(self, recommendation: RestockRecommendation) -> None:
        self.tried.append(recommendation)
        if len(self.tried) == 1:
            raise RuntimeError("the webhook answered 500 Internal Server Error")


def test_a_failed_webhook_post_neither_stops_the_run_nor_is_lost_and_nothing_is_posted_twice(
    supplied: Supplied,
) -> None:
    publisher, webhook = RecordingPublisher(), FailingFirstWebhook()
    warehouse = DuckDBWarehouse(supplied.state / "warehouse.duckdb")
    try:
        job = SupplyJob(warehouse, publisher, SystemClock(), webhook=webhook)
        report = job.run(rerun=True)
        after_run = len(webhook.tried)
        again = job.run(report.as_of)  # the scheduler's next tick for the same day
        later = job.run(report.as_of)
        [run] = warehouse.query("SELECT run_id FROM forecast_runs WHERE run_id = @id", {"id": report.run_id})
    finally:
        warehouse.close()
    assert run == {"run_id": report.run_id}  # recorded despite the failed post
    assert after_run == report.recommendations == len(publisher.on(RESTOCK_RECOMMENDATIONS)) > 1
    assert not again.ran and not later.ran  # nothing computed or published again (counts above)
    # the failed post alone was tried again, by the next tick, and taken; nothing else twice
    failed = webhook.tried[0]
    assert webhook.tried[after_run:] == [failed]
    posted = [(r.sku, r.location_id) for r in webhook.tried[1:]]
    assert len(posted) == len(set(posted)) == report.recommendations


def test_the_stock_page_and_the_api_show_forecasts_and_recommendations(supplied: Supplied) -> None:
    with TestClient(app_from_settings(Settings.from_env({}, state_dir=supplied.state))) as client:
        restock = client.get("/api/v1/restock", params={"limit": 100}).json()
        assert restock["total"] == len(supplied.recommendations)
        sku = restock["items"][0]["sku"]
        detail = client.get(f"/api/v1/products/{sku}/forecast").json()
        page = client.get("/stock").text
        missing = client.get("/api/v1/products/NOPE-0000/forecast")
    future = [p for p in detail["points"] if p["p50"] is not None]
    past = [p for p in detail["points"] if p["units"] is not None]
    assert len(future) == HORIZON and len(past) == 28
    assert all(p["baseline_p50"] is not None for p in future)
    assert "What to reorder" in page and 'id="product-forecasts"' in page and "<polygon" in page
    assert missing.status_code == 404 and "trendwatch forecast" in missing.json()["detail"]
