from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes.trend_facts import (
    BACKGROUND_AUTHORS,
    CASCADE_RETWEETERS,
    MINUTES,
    ONSET,
    RISING_AUTHORS,
    START,
    Facts,
    background,
    rising_term,
)
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.trends import emerging_topics, find_emergences


@pytest.fixture
def rising(tmp_path: Path) -> DuckDBWarehouse:
    facts = Facts()
    background(facts)
    rising_term(facts)
    return facts.store(tmp_path / "warehouse.duckdb")


def test_a_term_rising_after_a_flat_baseline_alerts_at_its_minute(rising: DuckDBWarehouse) -> None:
    """With twelve authors a minute the 15-minute window's own evidence first favours the rise
    (3.4 times its expected voices) in the fourth risen minute; the summary then describes the
    emergence at its largest window."""
    expected_minute = ONSET + 3
    [topic] = emerging_topics(rising)

    assert topic.topic_id == "term:mushroom lamp"
    assert (topic.label, topic.terms, topic.languages) == ("mushroom lamp", ["mushroom lamp"], ["en", "fr"])
    assert topic.first_detected_at == (START + timedelta(minutes=expected_minute)).isoformat()
    # the largest window holds fifteen risen minutes: voices 180, from 59 at the first alert
    assert topic.volume == 15 * RISING_AUTHORS
    assert topic.observed == 180.0 and topic.score > 4.5 and topic.observed >= 5 * topic.expected
    assert topic.version == 2


def test_a_retweet_cascade_of_one_post_does_not_alert(tmp_path: Path) -> None:
    facts = Facts()
    background(facts)
    for minute in range(MINUTES):
        facts.post(minute, f"skirt-{minute}", "cargo skirt")
    source = facts.post(ONSET, "star", "cargo skirt")
    for minute in range(ONSET, MINUTES):
        for n in range(CASCADE_RETWEETERS):
            facts.post(minute, f"fan-{minute}-{n}", "cargo skirt", retweet_of=source)
    warehouse = facts.store(tmp_path / "warehouse.duckdb")

    assert emerging_topics(warehouse) == []


def test_persisting_twice_leaves_one_row_per_alert_with_its_explanation(rising: DuckDBWarehouse) -> None:
    emerging_topics(rising, persist=True)
    [topic] = emerging_topics(rising, persist=True)

    rows = rising.query("SELECT alert_id, topic_id, volume, window_start, explanation FROM trend_alerts")

    assert len(rows) == 1
    row = rows[0]
    assert row["alert_id"] == "term:mushroom lamp@2026-11-02T07:33Z"
    assert (row["topic_id"], row["volume"]) == (topic.topic_id, topic.volume)
    assert row["window_start"] == (START + timedelta(minutes=ONSET)).isoformat()
    explanation = json.loads(row["explanation"])
    assert explanation["observed"] == topic.observed == 180.0
    assert explanation["observed_at_first_alert"] == 59.0
    assert explanation["expected_at_first_alert"] == topic.expected
    assert explanation["window"]["minutes"] == 15
    assert explanation["window"]["active_authors"] == 15 * (BACKGROUND_AUTHORS + RISING_AUTHORS)
    assert (explanation["languages"], explanation["retweet_share"], explanation["suspected_bot_share"]) == (
        ["en", "fr"],
        0.0,
        0.0,
    )


def test_an_empty_warehouse_has_no_topics(tmp_path: Path) -> None:
    assert emerging_topics(DuckDBWarehouse(tmp_path / "warehouse.duckdb")) == []


def test_a_run_reads_only_its_look_back_and_keeps_stored_membership_times(tmp_path: Path) -> None:
    """A day and a half later only coffee is talked about: with a 24-hour look-back the old rise
    is out of view, while the stored membership keeps the minute the lamp first joined."""
    facts = Facts()
    background(facts)
    rising_term(facts)
    warehouse = facts.store(tmp_path / "warehouse.duckdb")
    [first] = find_emergences(warehouse)
    joined = warehouse.query("SELECT term, joined_at FROM topic_terms ORDER BY term")

    later = Facts()
    for minute in range(36 * 60, 36 * 60 + MINUTES):
        for n in range(BACKGROUND_AUTHORS):
            later.post(minute, f"crowd-{n}", "coffee")
    later.tweets = [{**t, "tweet_id": "later-" + t["tweet_id"]} for t in later.tweets]
    later.terms = [{**t, "tweet_id": "later-" + t["tweet_id"]} for t in later.terms]
    later.store_in(warehouse)

    assert find_emergences(warehouse) == []
    assert warehouse.query("SELECT term, joined_at FROM topic_terms ORDER BY term") == joined
    [again] = find_emergences(warehouse, lookback=timedelta(hours=48))
    assert again.summary.alert_id == first.summary.alert_id


def _campaign(facts: Facts, accounts: int, text: str) -> None:
    """From the onset, each of ``accounts`` posts ``text`` (carrying "granola") every other minute."""
    for minute in range(ONSET, MINUTES):
        for n in range(accounts):
            if (minute + n) % 2 == 0:
                facts.post(minute, f"shop-{n}", "granola", text=f"{text} #{minute}")


def test_a_rise_carried_by_promotion_accounts_is_not_emerging(tmp_path: Path) -> None:
    """Six accounts posting about granola every other minute are a rise when people say it, and
    nothing when every post of theirs pushes a sale."""
    plain, promo = Facts(), Facts()
    background(plain)
    background(promo)
    _campaign(plain, 6, "our family loves this crunchy granola with honey")
    _campaign(promo, 6, "FLASH SALE granola -30% with code GRAN30, link in bio")

    [people] = find_emergences(plain.store(tmp_path / "plain.duckdb"))
    assert people.summary.topic_id == "term:granola"
    assert find_emergences(promo.store(tmp_path / "promo.duckdb")) == []


def _ring(facts: Facts, members: int, *, reciprocal: bool) -> None:
    """From the onset, ring members post ``#ringtag`` on even minutes and, on odd minutes,
    retweet a neighbour's last post: both neighbours in turn (``reciprocal``), or always the
    next one, as fans of each other in a line that never closes."""
    last: dict[int, str] = {}
    for minute in range(ONSET, MINUTES):
        for n in range(members):
            author = f"ring-{n}"
            if minute % 2 == 0:
                last[n] = facts.post(minute, author, "#ringtag")
                continue
            step = 1 if not reciprocal or minute % 4 == 1 else -1
            target = n + step
            if 0 <= target < members and target in last:
                facts.post(minute, author, "#ringtag", retweet_of=last[target])


def test_accounts_that_amplify_one_another_are_one_voice(tmp_path: Path) -> None:
    """Twelve accounts ramping their own hashtag and retweeting each other both ways are one
    voice (no alert); the same accounts amplifying only one way are twelve people."""
    one_way, ring = Facts(), Facts()
    for facts, reciprocal in ((one_way, False), (ring, True)):
        background(facts)
        _ring(facts, 12, reciprocal=reciprocal)

    [people] = find_emergences(one_way.store(tmp_path / "one_way.duckdb"))
    assert people.summary.topic_id == "term:#ringtag"
    assert find_emergences(ring.store(tmp_path / "ring.duckdb")) == []
