from __future__ import annotations

import json
import logging
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
from trendwatch.adapters.webhook import SlackWebhook, WebhookFailed, mrkdwn, restock_payload, slack_payload
from trendwatch.app.alerts import TrendAlerter
from trendwatch.app.trends import find_emergences
from trendwatch.contracts.events import RestockRecommendation, TrendAlert
from trendwatch.contracts.topology import TREND_ALERTS
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.settings import Settings


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
    """A chat webhook: records what it takes; answers the queued statuses first, then 200."""

    received: ClassVar[list[dict[str, Any]]] = []
    statuses: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = _Hook.statuses.pop(0) if _Hook.statuses else 200
        if status == 200:
            _Hook.received.append(json.loads(body))
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hook_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received, _Hook.statuses = [], []
    yield f"http://127.0.0.1:{server.server_port}/hook/T000/B000/secret-path"
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


RESTOCK = RestockRecommendation(
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


def test_restock_recommendations_are_posted_to_the_webhook_as_one_line_a_buyer_reads(hook_url: str) -> None:
    SlackWebhook(hook_url).send_restock(RESTOCK)

    [payload] = _Hook.received
    assert payload == restock_payload(RESTOCK)
    assert payload["text"] == (
        "Restock (critical): 24 x HOM-0013 at STORE-PAR-01, stock-out 2026-11-05 — "
        "lampe champignon topic: +180 % expected demand in the next 3 days, 2 days of cover"
    )


def test_a_failing_webhook_neither_keeps_alerts_from_being_stored_nor_posts_them_twice(
    facts: Facts, tmp_path: Path, hook_url: str
) -> None:
    warehouse = facts.store(tmp_path / "w.duckdb")
    publisher = RecordingPublisher()
    alerter = TrendAlerter(warehouse, publisher, webhook=SlackWebhook(hook_url))
    _Hook.statuses = [500]

    [alert] = alerter.run()  # the webhook fails
    stored = warehouse.query("SELECT alert_id, version FROM trend_alerts")
    again = alerter.run()  # the next minute: retried once, and taken
    later = alerter.run()

    assert stored == [{"alert_id": alert.alert_id, "version": alert.version}]
    assert again == later == []
    assert [p["text"] for p in _Hook.received] == [slack_payload(alert)["text"]]
    assert len(_published(publisher)) == 1


def test_a_webhook_that_keeps_failing_is_tried_twice_then_given_up(
    facts: Facts, tmp_path: Path, hook_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    warehouse = facts.store(tmp_path / "w.duckdb")
    alerter = TrendAlerter(warehouse, RecordingPublisher(), webhook=SlackWebhook(hook_url))
    _Hook.statuses = [503, 503, 503]

    with caplog.at_level(logging.INFO):
        for _ in range(3):
            alerter.run()

    assert _Hook.statuses == [503]  # two posts, then no more
    assert _Hook.received == []
    assert [r.levelname for r in caplog.records if r.msg.startswith("alert webhook failed")] == [
        "WARNING",
        "ERROR",
    ]
    assert warehouse.query("SELECT COUNT(*) AS n FROM trend_alerts") == [{"n": 1}]


def test_the_webhook_url_appears_in_no_log_and_no_error(
    hook_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    _Hook.statuses = [404]
    webhook = SlackWebhook(hook_url)

    with caplog.at_level(logging.DEBUG, logger="httpx"), pytest.raises(WebhookFailed) as failed:
        webhook.send_restock(RESTOCK)
    with caplog.at_level(logging.DEBUG, logger="httpx"):
        webhook.send_restock(RESTOCK)  # taken: httpx logs the request
    unreachable = SlackWebhook("http://127.0.0.1:9/hook/T000/B000/other-secret")
    with caplog.at_level(logging.DEBUG, logger="httpx"), pytest.raises(WebhookFailed) as refused:
        unreachable.send_restock(RESTOCK)

    assert str(failed.value) == "the webhook answered 404 Not Found"
    assert str(refused.value) == "the webhook could not be reached (ConnectError)"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    logged = caplog.text
    assert "HTTP Request: POST <alert webhook>" in logged
    assert "secret" not in logged and "secret" not in repr(webhook)


def test_tweet_text_is_escaped_for_slack_markup(facts: Facts, tmp_path: Path) -> None:
    warehouse = facts.store(tmp_path / "w.duckdb")
    [alert] = TrendAlerter(warehouse, RecordingPublisher()).run()
    hostile = msgspec.structs.replace(
        alert,
        label="lamp <!channel>",
        terms=("a&b", "<https://evil.example|click>"),
        explanation=alert.explanation
        | {"sample_tweets": ["<@U123> free lamps\n> at <https://evil.example>"]},
    )

    payload = slack_payload(hostile)

    assert "lamp &lt;!channel&gt;" in payload["text"]
    assert "*Terms:* a&amp;b, &lt;https://evil.example|click&gt;" in payload["blocks"][1]["text"]["text"]
    assert payload["blocks"][2]["text"]["text"] == (
        "> &lt;@U123&gt; free lamps &gt; at &lt;https://evil.example&gt;"
    )
    assert mrkdwn("Restock: 5 < 6 & 7 > 2") == "Restock: 5 &lt; 6 &amp; 7 &gt; 2"


def test_settings_show_the_webhook_url_and_tokens_as_stars() -> None:
    settings = Settings.from_env(
        {
            "TRENDWATCH_ALERT_WEBHOOK_URL": "https://hooks.example/T000/B000/secret-path",
            "TRENDWATCH_API_TOKEN": "secret-token",
        }
    )
    assert "alert_webhook_url=***" in repr(settings) and "api_token=***" in repr(settings)
    assert "secret" not in repr(settings) and "x_bearer_token=None" in repr(settings)
