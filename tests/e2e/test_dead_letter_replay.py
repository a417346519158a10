"""Dead letters replayed on the in-process runtime: an outage dead-letters tweets, the replay
sends them back once, each is processed exactly once, and a second replay sends nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.app.dead_letters import DeadLetterSelection, find_dead_letters
from trendwatch.cli import main
from trendwatch.runtime.inprocess import FaultInjection
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

ROUTE = "enrich-text-tweets-raw"
OUTAGE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TWEETS = {"9001": "new linen dress in the shop", "9002": "robe en lin", "9003": "linen dress again"}
MALFORMED = b'{"data": {"id": "9004"'


def _outage(settings: Settings) -> None:
    """Every delivery fails (an outage) while three tweets and one malformed line arrive."""
    down = LocalPipeline(settings, clock=ManualClock(OUTAGE), faults=FaultInjection(failure_rate=1.0))
    lines = [stream_line(id_, text) for id_, text in TWEETS.items()] + [MALFORMED]
    down.stream(lines)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    state = Settings.from_env({}, state_dir=tmp_path / "state", image_ocr=False)
    _outage(state)
    return state


def _stored_tweets(pipeline: LocalPipeline) -> list[str]:
    rows = pipeline.container.warehouse.query("SELECT tweet_id FROM tweets ORDER BY tweet_id")
    return [r["tweet_id"] for r in rows]


def test_an_outage_leaves_each_failed_message_as_a_dead_letter_with_its_reason(settings: Settings) -> None:
    pipeline = LocalPipeline(settings, clock=ManualClock(OUTAGE + timedelta(hours=1)))
    found = find_dead_letters(pipeline.container.warehouse, DeadLetterSelection())
    by_source: dict[str, int] = {}
    for letter in found:
        by_source[letter.subscription] = by_source.get(letter.subscription, 0) + 1
    # Each tweet on enrich-text (none has media), the closing ticks (alerts, then product links),
    # the malformed line.
    assert by_source == {ROUTE: 3, "aggregate-scheduled-jobs": 2, "ingest": 1}
    [tweet] = [d for d in found if d.subscription == ROUTE and b'"9002"' in d.data]
    assert tweet.reason == "TransientFault: injected transient failure"
    assert tweet.delivery_attempts == 5 and tweet.replayed_at is None
    assert tweet.dead_lettered_at >= OUTAGE
    assert _stored_tweets(pipeline) == []


def test_replay_processes_each_message_exactly_once_and_a_second_replay_sends_nothing(
    settings: Settings,
) -> None:
    fixed = LocalPipeline(settings, clock=ManualClock(OUTAGE + timedelta(hours=1)))
    replayer = fixed.dead_letter_replayer()
    selection = DeadLetterSelection(subscriptions=(ROUTE,))

    report = replayer.replay(find_dead_letters(replayer.warehouse, selection))

    assert len(report.sent) == 3 and report.failed_again == []
    assert fixed.bus.stats.published["tweets-raw"] == 3
    assert fixed.bus.stats.delivered[ROUTE] == 3
    assert fixed.bus.stats.delivered["aggregate-tweets-enriched"] == 3
    assert _stored_tweets(fixed) == sorted(TWEETS)
    replays = replayer.warehouse.query("SELECT subscription, topic, replayed_at FROM dead_letter_replays")
    assert {(r["subscription"], r["topic"]) for r in replays} == {(ROUTE, "tweets-raw")}
    assert len(replays) == 3

    again = replayer.replay(find_dead_letters(replayer.warehouse, selection))

    assert again.sent == [] and len(again.plan.already_replayed) == 3
    assert fixed.bus.stats.published["tweets-raw"] == 3
    assert fixed.bus.stats.delivered[ROUTE] == 3
    pending = find_dead_letters(replayer.warehouse, DeadLetterSelection(pending=True))
    assert {d.subscription for d in pending} == {"aggregate-scheduled-jobs", "ingest"}


def test_a_replay_that_fails_again_is_not_recorded_and_can_be_replayed_after_the_fix(
    settings: Settings,
) -> None:
    still_down = LocalPipeline(
        settings, clock=ManualClock(OUTAGE + timedelta(hours=1)), faults=FaultInjection(failure_rate=1.0)
    )
    selection = DeadLetterSelection(subscriptions=(ROUTE,))
    replayer = still_down.dead_letter_replayer()
    failed = replayer.replay(find_dead_letters(replayer.warehouse, selection))
    assert failed.sent == [] and len(failed.failed_again) == 3
    assert (
        len(find_dead_letters(replayer.warehouse, DeadLetterSelection(subscriptions=(ROUTE,), pending=True)))
        == 3
    )

    fixed = LocalPipeline(settings, clock=ManualClock(OUTAGE + timedelta(hours=2)))
    replayer = fixed.dead_letter_replayer()
    report = replayer.replay(find_dead_letters(replayer.warehouse, selection))
    assert len(report.sent) == 3
    assert _stored_tweets(fixed) == sorted(TWEETS)


def test_what_did_not_come_from_a_topic_is_reported_not_sent(settings: Settings) -> None:
    fixed = LocalPipeline(settings, clock=ManualClock(OUTAGE + timedelta(hours=1)))
    replayer = fixed.dead_letter_replayer()
    report = replayer.replay(
        find_dead_letters(replayer.warehouse, DeadLetterSelection(subscriptions=("ingest",)))
    )
    [(letter, why)] = report.plan.not_replayable
    assert letter.data == MALFORMED
    assert "incoming/tweets/" in why
    assert report.sent == [] and fixed.bus.stats.published["tweets-raw"] == 0


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["deadletters", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_lists_selects_and_replays_once(settings: Settings) -> None:
    state = str(settings.state_dir)

    code, listed, _ = _cli("list", "--state", state, "--json")
    assert code == 0
    assert {(d["subscription"], d["replayed_at"]) for d in json.loads(listed)} == {
        (ROUTE, None),
        ("aggregate-scheduled-jobs", None),
        ("ingest", None),
    }
    [one] = [d for d in json.loads(listed) if d["subscription"] == ROUTE and "9001" in d["payload"]]
    assert one["attributes"]["dead_letter_reason"] == "TransientFault: injected transient failure"

    code, _, err = _cli("replay", "--state", state)
    assert code == 2 and "say which dead letters" in err
    code, planned, _ = _cli("replay", "--id", one["message_id"], "--state", state, "--dry-run", "--json")
    assert code == 0 and [d["message_id"] for d in json.loads(planned)["to_send"]["tweets-raw"]] == [
        one["message_id"]
    ]

    code, sent, _ = _cli("replay", "--id", one["message_id"], "--state", state, "--json")
    assert code == 0 and [d["message_id"] for d in json.loads(sent)["sent"]] == [one["message_id"]]
    code, sent, _ = _cli(
        "replay", "--since", "2026-03-01", "--until", "2026-03-02", "--state", state, "--json"
    )
    replayed = json.loads(sent)
    assert code == 0
    assert sorted(d["subscription"] for d in replayed["sent"]) == [
        "aggregate-scheduled-jobs",
        "aggregate-scheduled-jobs",
        ROUTE,
        ROUTE,
    ]
    assert [d["message_id"] for d in replayed["already_replayed"]] == [one["message_id"]]
    assert [d["subscription"] for d in replayed["not_replayable"]] == ["ingest"]

    code, listed, _ = _cli("list", "--state", state, "--pending", "--json")
    [pending] = json.loads(listed)
    assert code == 0 and pending["subscription"] == "ingest" and "malformed JSON" in pending["reason"]
    # the table for people: its width follows the terminal, so its content is checked in JSON above
    code, table, _ = _cli("list", "--state", state, "--subscription", "ingest")
    assert code == 0 and "Dead letters" in table
