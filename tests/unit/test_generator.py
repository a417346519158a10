"""The synthetic stream generator: reproducible, in X's format, and true to its truth file."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from trendwatch.contracts.x_stream import XStreamMessage, decode_stream_message
from trendwatch.generator import DEFAULT_START, GenerationSummary, generate
from trendwatch.generator.topics import plan_topics

MINUTES, RATE = 10, 5.0


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("generated")
    return out, generate(seed=11, minutes=MINUTES, rate=RATE, out_dir=out)


@pytest.fixture(scope="module")
def messages(run: tuple[Path, GenerationSummary]) -> list[XStreamMessage]:
    lines = (run[0] / "tweets.jsonl").read_bytes().splitlines()
    return [decode_stream_message(line) for line in lines]


@pytest.fixture(scope="module")
def truth(run: tuple[Path, GenerationSummary]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run[0] / "truth.json").read_bytes())
    return loaded


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_write_identical_files(tmp_path: Path) -> None:
    generate(3, 2, 4.0, tmp_path / "a")
    generate(3, 2, 4.0, tmp_path / "b")
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert "tweets.jsonl" in first
    assert first == second


def test_output_does_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    script = "import sys; from pathlib import Path; from trendwatch.generator import generate; "
    script += "generate(3, 1, 4.0, Path(sys.argv[1]))"
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / hash_seed)], check=True, env=env)
    assert _tree(tmp_path / "1") == _tree(tmp_path / "2")


def test_different_seeds_write_different_streams(tmp_path: Path) -> None:
    generate(3, 2, 4.0, tmp_path / "a")
    generate(4, 2, 4.0, tmp_path / "b")
    assert (tmp_path / "a" / "tweets.jsonl").read_bytes() != (tmp_path / "b" / "tweets.jsonl").read_bytes()


def test_tweet_count_is_rate_times_duration(messages: list[XStreamMessage]) -> None:
    assert len(messages) == MINUTES * 60 * RATE


def test_tweets_span_the_run_in_time_order_with_increasing_ids(messages: list[XStreamMessage]) -> None:
    times = [m.data.created_at for m in messages]
    ids = [int(m.data.id) for m in messages]
    assert times == sorted(times)
    assert ids == sorted(set(ids))
    assert DEFAULT_START <= times[0] < times[-1] < DEFAULT_START + timedelta(minutes=MINUTES)


def test_created_at_is_in_x_format(run: tuple[Path, GenerationSummary]) -> None:
    first = json.loads((run[0] / "tweets.jsonl").read_bytes().splitlines()[0])
    assert datetime.strptime(first["data"]["created_at"], "%Y-%m-%dT%H:%M:%S.000Z")


def test_entity_offsets_point_at_their_text(messages: list[XStreamMessage]) -> None:
    checked = Counter[str]()
    for message in messages:
        text, entities = message.data.text, message.data.entities
        if entities is None:
            continue
        for tag in entities.hashtags:
            assert text[tag.start : tag.end] == f"#{tag.tag}"
            checked["hashtags"] += 1
        for mention in entities.mentions:
            assert text[mention.start : mention.end] == f"@{mention.username}"
            checked["mentions"] += 1
        for url in entities.urls:
            assert text[url.start : url.end] == url.url
            checked["urls"] += 1
    assert min(checked.values()) > 50


def test_referenced_tweets_and_users_are_included(messages: list[XStreamMessage]) -> None:
    for message in messages:
        user_ids = {u.id for u in message.includes.users}
        included = {t.id: t for t in message.includes.tweets}
        assert message.data.author_id in user_ids
        for ref in message.data.referenced_tweets:
            assert included[ref.id].author_id in user_ids
            assert int(ref.id) < int(message.data.id)


def test_retweet_text_restates_the_original(messages: list[XStreamMessage]) -> None:
    retweets = [
        m for m in messages if m.data.referenced_tweets and m.data.referenced_tweets[0].type == "retweeted"
    ]
    for message in retweets:
        original = message.includes.tweets[0]
        author = next(u for u in message.includes.users if u.id == original.author_id)
        assert message.data.text == f"RT @{author.username}: {original.text}"
    assert len(retweets) > 0.2 * len(messages)


def test_replies_continue_the_conversation_of_their_target(messages: list[XStreamMessage]) -> None:
    replies = [
        m for m in messages if m.data.referenced_tweets and m.data.referenced_tweets[0].type == "replied_to"
    ]
    for message in replies:
        target = message.includes.tweets[0]
        assert message.data.in_reply_to_user_id == target.author_id
        assert message.data.conversation_id == target.conversation_id
    assert len(replies) > 0.05 * len(messages)


def test_languages_are_english_french_and_a_few_undetermined(messages: list[XStreamMessage]) -> None:
    langs = Counter(m.data.lang for m in messages)
    assert set(langs) == {"en", "fr", "und"}
    assert langs["und"] < 0.05 * len(messages)
    assert min(langs["en"], langs["fr"]) > 0.25 * len(messages)


def test_truth_counts_match_the_stream(
    run: tuple[Path, GenerationSummary], messages: list[XStreamMessage], truth: dict[str, Any]
) -> None:
    counts = truth["counts"]
    kinds = Counter(m.data.referenced_tweets[0].type for m in messages if m.data.referenced_tweets)
    media_keys = [k for m in messages if m.data.attachments for k in m.data.attachments.media_keys]
    digests = {hashlib.sha256((run[0] / "media" / f"{k}.png").read_bytes()).digest() for k in media_keys}
    assert counts["tweets"] == len(messages) == run[1].tweets
    assert counts["retweets"] == kinds["retweeted"] == run[1].retweets
    assert counts["replies"] == kinds["replied_to"]
    assert counts["quotes"] == kinds["quoted"]
    assert counts["media_items"] == len(media_keys) == len(set(media_keys)) == run[1].media_items
    assert counts["tweets_with_media"] == sum(1 for m in messages if m.data.attachments)
    assert counts["distinct_images"] == len(digests) == run[1].distinct_images


def test_every_media_key_is_a_png_photo_of_the_stated_size(
    run: tuple[Path, GenerationSummary], messages: list[XStreamMessage]
) -> None:
    media = [media for m in messages for media in m.includes.media]
    assert media
    for item in media:
        assert item.url == f"https://pbs.twimg.com/media/{item.media_key}.png"
        with Image.open(run[0] / "media" / f"{item.media_key}.png") as image:
            assert image.format == "PNG"
            assert image.size == (item.width, item.height)


def test_about_one_original_in_ten_carries_a_photo(truth: dict[str, Any]) -> None:
    share = truth["counts"]["tweets_with_media"] / truth["counts"]["originals"]
    assert 0.06 < share < 0.14


def _mentions_per_minute(
    messages: list[XStreamMessage], terms: list[str], since: datetime, until: datetime
) -> float:
    lowered = [t.lower() for t in terms]
    hits = sum(
        1
        for m in messages
        if since <= m.data.created_at < until and any(t in m.data.text.lower() for t in lowered)
    )
    return hits / ((until - since).total_seconds() / 60)


def test_planted_topic_volume_rises_after_onset(
    messages: list[XStreamMessage], truth: dict[str, Any]
) -> None:
    end = datetime.fromisoformat(truth["end"])
    assert truth["topics"]
    for topic in truth["topics"]:
        onset = datetime.fromisoformat(topic["onset"])
        assert onset >= DEFAULT_START + timedelta(minutes=0.4 * MINUTES)
        before = _mentions_per_minute(messages, topic["terms"], DEFAULT_START, onset)
        after = _mentions_per_minute(messages, topic["terms"], onset, end)
        assert after > 5 * max(before, 1.0)


def test_decoy_topic_volume_is_steady(messages: list[XStreamMessage], truth: dict[str, Any]) -> None:
    middle, end = DEFAULT_START + timedelta(minutes=MINUTES / 2), datetime.fromisoformat(truth["end"])
    first = _mentions_per_minute(messages, truth["decoy"]["terms"], DEFAULT_START, middle)
    second = _mentions_per_minute(messages, truth["decoy"]["terms"], middle, end)
    assert first > 5
    assert 0.5 < second / first < 2


def test_influencers_are_retweeted_by_many_distinct_users(
    messages: list[XStreamMessage], truth: dict[str, Any]
) -> None:
    retweeters: dict[str, set[str]] = {i["user_id"]: set() for i in truth["influencers"]}
    for message in messages:
        for ref in message.data.referenced_tweets:
            target = message.includes.tweets[0].author_id
            if ref.type == "retweeted" and target in retweeters:
                retweeters[target].add(message.data.author_id)
    assert all(len(users) >= 10 for users in retweeters.values())


def test_ring_bots_retweet_each_other(messages: list[XStreamMessage], truth: dict[str, Any]) -> None:
    ring = {b["user_id"] for b in truth["bots"] if b["in_retweet_ring"]}
    ring_retweets = [
        m
        for m in messages
        if m.data.author_id in ring
        and m.data.referenced_tweets
        and m.data.referenced_tweets[0].type == "retweeted"
    ]
    assert ring_retweets
    assert all(m.includes.tweets[0].author_id in ring - {m.data.author_id} for m in ring_retweets)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _valid_date(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _is_bad(row: dict[str, Any], quantity: str, when: str) -> bool:
    number = _int_or_none(row.get(quantity))
    return not row.get("sku") or number is None or number < 0 or not _valid_date(row.get(when))


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_feed_files_hold_the_recorded_rows_and_bad_rows(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    fields = {"inventory": ("on_hand", "snapshot_date"), "orders": ("quantity", "ordered_at")}
    fields["deliveries"] = ("quantity", "expected_date")
    feeds = truth["feeds"]
    assert sorted(f["kind"] for f in feeds) == ["deliveries", "inventory", "orders", "products"]
    for feed in feeds:
        rows = _rows(run[0] / feed["path"])
        assert len(rows) == feed["rows"]
        if feed["kind"] == "products":
            assert feed["bad_rows"] == 0
            assert rows[0]["keywords"].count("|") >= 2
            continue
        bad = sum(_is_bad(row, *fields[feed["kind"]]) for row in rows)
        assert bad == feed["bad_rows"] == len(feed["bad_row_reasons"]) >= 2


def test_planted_topics_link_to_catalogue_products(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    products = {row["sku"]: row for row in _rows(run[0] / "feeds" / "products" / "products.csv")}
    for topic in truth["topics"]:
        assert topic["linked_skus"]
        for sku in topic["linked_skus"]:
            assert topic["phrases"][0] in products[sku]["keywords"].split("|")


def test_progress_is_reported_every_thousand_tweets(tmp_path: Path) -> None:
    seen: list[int] = []
    generate(5, 5, 8.0, tmp_path, progress=seen.append)
    assert seen == [1000, 2000, 2400]


def test_onset_sizes_make_a_step_where_asked_and_change_nothing_else(tmp_path: Path) -> None:
    start_ms, hour = 0, 3_600_000
    gradual = plan_topics(random.Random(7), start_ms, 8 * hour, 3)
    sized = plan_topics(random.Random(7), start_ms, 8 * hour, 3, onset_fractions=(0.03, 0.3, 1.0))

    assert sorted(t.onset_fraction for t in sized) == [0.03, 0.3, 1.0]
    for before, after in zip(gradual, sized, strict=True):
        assert msgspec.structs.replace(after, onset_fraction=before.onset_fraction) == before
        just_after = after.onset_ms + 1
        assert after.share_at(after.onset_ms - 1) == before.share_at(before.onset_ms - 1)  # same background
        assert after.share_at(just_after) == pytest.approx(after.peak_share * after.onset_fraction, rel=1e-3)
        assert after.share_at(after.onset_ms + after.ramp_ms) == after.peak_share
    with pytest.raises(ValueError, match="onset fractions"):
        plan_topics(random.Random(7), start_ms, 8 * hour, 3, onset_fractions=(2.0,))


def test_the_truth_file_records_each_topics_onset_size(tmp_path: Path) -> None:
    summary = generate(5, 60, 1.0, tmp_path, onset_fractions=(1.0,))
    topics = json.loads(summary.truth_path.read_bytes())["topics"]

    assert [t["onset_fraction"] for t in topics] == [1.0] * len(topics)
