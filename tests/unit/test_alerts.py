from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.trend_facts import ONSET, RISING_AUTHORS, START, Facts, background, rising_term
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.adapters.webhook import SlackWebhook, restock_payload, slack_payload
from trendwatch.app.alerts import TrendAlerter
from trendwatch.app.trends import find_emergences
from trendwatch.contracts.events import RestockRecommendation, TrendAlert
from trendwatch.contracts.topology import TREND_ALERTS
from trendwatch.domain.emergence import EmergenceParams


def _until(facts: Facts, minute: int) -> Facts:
    """The facts of the minutes before ``minute``: the stream as stored at that time."""
    cut = START + timedelta(minutes=minute)
    part = Facts()
    part.tweets = [t for t in facts.tweets if t["created_at"] < cut]
    part.terms = [t for t in facts.terms if t["created_at"] < cut]
    return part


@pytest.fixture
def facts() -> Facts:
    found = Facts()
    background(found)
    rising_term(found)
    return found


def _published(publisher: RecordingPublisher) -> list[TrendAlert]:
    return [msgspec.json.decode(m.data, type=TrendAlert) for m in publisher.on(TREND_ALERTS)]


def test_an_emergence_is_published_once_then_updated_as_it_grows(facts: Facts, tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    publisher = RecordingPublisher()
    alerter = TrendAlerter(warehouse, publisher)

    _until(facts, ONSET + 7).store_in(warehouse)
    first = alerter.run()
    again = alerter.run()  # a rerun (or a redelivered trigger) of the job publishes nothing
    facts.store_in(warehouse)
    grown = alerter.run()

    assert [(a.alert_id, a.version) for a in first] == [("term:mushroom lamp@2026-11-02T07:33Z", 1)]
    assert again == []
    assert [(a.alert_id, a.version) for a in grown] == [("term:mushroom lamp@2026-11-02T07:33Z", 2)]
    assert [(a.alert_id, a.version) for a in _published(publisher)] == [
        ("term:mushroom lamp@2026-11-02T07:33Z", 1),
        ("term:mushroom lamp@2026-11-02T07:33Z", 2),
    ]
    [attributes] = [m.attributes for m in publisher.on(TREND_ALERTS)][:1]
    assert attributes == {
        "alert_id": "term:mushroom lamp@2026-11-02T07:33Z",
        "version": "1",
        "topic_id": "term:mushroom lamp",
    }
    [row] = warehouse.query("SELECT alert_id, version, volume FROM trend_alerts")
    assert (row["version"], row["volume"]) == (2, 15 * RISING_AUTHORS)


def test_late_tweets_that_move_the_first_detection_keep_the_alert_id(facts: Facts, tmp_path: Path) -> None:
    """Tweets of the first risen minutes arrive late, after the alert: the facts now cross a
    minute earlier, yet it is the same emergence, not a second alert."""
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    publisher = RecordingPublisher()
    alerter = TrendAlerter(warehouse, publisher)
    _until(facts, ONSET + 7).store_in(warehouse)
    [first] = alerter.run()

    late = Facts()
    for minute in range(ONSET, ONSET + 4):
        for n in range(3 * RISING_AUTHORS):
            late.post(minute, f"late-{minute}-{n}", "mushroom lamp")
    late.tweets = [{**t, "tweet_id": "late-" + t["tweet_id"]} for t in late.tweets]
    late.terms = [{**t, "tweet_id": "late-" + t["tweet_id"]} for t in late.terms]
    late.store_in(warehouse)
    moved = find_emergences(warehouse)
    again = alerter.run()

    [emergence] = moved
    assert emergence.first_detected_at < first.first_detected_at
    assert {a.alert_id for a in again} <= {first.alert_id}
    [row] = warehouse.query("SELECT alert_id, first_detected_at FROM trend_alerts")
    assert row["alert_id"] == first.alert_id == "term:mushroom lamp@2026-11-02T07:33Z"
    assert {a.alert_id for a in _published(publisher)} == {first.alert_id}


def test_each_alert_explains_itself(facts: Facts, tmp_path: Path) -> None:
    [alert] = TrendAlerter(facts.store(tmp_path / "w.duckdb"), RecordingPublisher()).run()
    why = alert.explanation

    assert (alert.label, alert.terms, alert.languages) == ("mushroom lamp", ("mushroom lamp",), ("en", "fr"))
    assert why["observed"] == 180.0 and why["observed_at_first_alert"] == 59.0
    assert why["expected_at_first_alert"] < 59.0 / 3
    assert why["baseline"]["half_life_minutes"] == 120.0
    assert (why["top_terms"], why["retweet_share"], why["suspected_bot_share"]) == (
        ["mushroom lamp"],
        0.0,
        0.0,
    )
    assert why["sentiment"] is None  # the synthetic facts carry no sentiment


def test_a_new_emergence_after_the_cooldown_is_a_new_alert(tmp_path: Path) -> None:
    facts = Facts()
    background(facts)
    for minute in range(120):
        risen = 70 <= minute < 80 or minute >= 105
        for n in range(RISING_AUTHORS * (8 if minute >= 105 else 1) if risen else 1):
            facts.post(minute, f"lamp-{minute}-{n}", "mushroom lamp")
    warehouse = facts.store(tmp_path / "w.duckdb")

    long_quiet = TrendAlerter(warehouse, RecordingPublisher()).run()
    short = TrendAlerter(
        DuckDBWarehouse(tmp_path / "w2.duckdb"), RecordingPublisher(), params=EmergenceParams(cooldown=30)
    )
    facts.store_in(DuckDBWarehouse(tmp_path / "w2.duckdb"))
    two = short.run()

    assert [a.alert_id for a in long_quiet] == ["term:mushroom lamp@2026-11-02T07:13Z"]
    assert [a.alert_id for a in two] == [
        "term:mushroom lamp@2026-11-02T07:13Z",
        "term:mushroom lamp@2026-11-02T07:46Z",
    ]


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hook_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_alerts_are_posted_to_the_webhook_as_slack_messages(
    facts: Facts, tmp_path: Path, hook_url: str
) -> None:
    warehouse = facts.store(tmp_path / "w.duckdb")
    [alert] = TrendAlerter(warehouse, RecordingPublisher(), webhook=SlackWebhook(hook_url)).run()

    [payload] = _Hook.received
    assert payload == slack_payload(alert)
    assert payload["text"].startswith("Emerging topic: mushroom lamp (update 2) — 180 tweets")
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Emerging: mushroom lamp (update 2)"},
    }
    assert "*Terms:* mushroom lamp" in payload["blocks"][1]["text"]["text"]


def test_restock_recommendations_are_posted_to_the_webhook_as_one_line_a_buyer_reads(hook_url: str) -> None:
    recommendation = RestockRecommendation(
        as_of=date(2026, 11, 3),
        sku="HOM-0013",
        location_id="STORE-PAR-01",
        recommended_quantity=24,
        stockout_date=date(2026, 11, 5),
        days_of_cover=2.4,
        urgency="critical",
        topic_id="term:#lampechampignon",
        topic_label="lampe champignon",
        uplift=1.8,
        reason="lampe champignon topic: +180 % expected demand in the next 3 days, 2 days of cover",
    )

    SlackWebhook(hook_url).send_restock(recommendation)

    [payload] = _Hook.received
    assert payload == restock_payload(recommendation)
    assert payload["text"] == (
        "Restock (critical): 24 x HOM-0013 at STORE-PAR-01, stock-out 2026-11-05 — "
        "lampe champignon topic: +180 % expected demand in the next 3 days, 2 days of cover"
    )
