"""The adversarial generator: deterministic, valid X v2 stream lines that replay, with its decoys in the truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from trendwatch.contracts.x_stream import decode_stream_message
from trendwatch.evaluation.adversarial import generate, read_truth
from trendwatch.evaluation.adversarial.run import Summary
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

SEED, MINUTES, RATE = 1003, 60, 1.0


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    return generate(SEED, MINUTES, RATE, tmp_path_factory.mktemp("adversarial"))


def _messages(summary: Summary) -> list[dict[str, Any]]:
    return [json.loads(line) for line in summary.tweets_path.read_bytes().splitlines()]


def test_same_seed_writes_the_same_files_and_another_seed_does_not(stream: Summary, tmp_path: Path) -> None:
    again = generate(SEED, MINUTES, RATE, tmp_path / "again")
    other = generate(SEED + 1, MINUTES, RATE, tmp_path / "other")
    assert again.tweets_path.read_bytes() == stream.tweets_path.read_bytes()
    assert again.truth_path.read_bytes() == stream.truth_path.read_bytes()
    assert other.tweets_path.read_bytes() != stream.tweets_path.read_bytes()


def test_every_line_is_an_x_v2_stream_message_and_the_stream_replays(stream: Summary, tmp_path: Path) -> None:
    lines = stream.tweets_path.read_bytes().splitlines()
    for line in lines:
        decode_stream_message(line)
    pipeline = LocalPipeline(Settings(state_dir=tmp_path / "state"))
    report = pipeline.replay(stream.tweets_path)
    assert report.ingest.tweets == len(lines) == stream.tweets
    assert report.ingest.dead_lettered == 0


def test_truth_lists_every_decoy_and_five_trends_inside_the_stream(stream: Summary) -> None:
    truth = read_truth(stream.truth_path)
    assert {d.kind for d in truth.decoys} == {
        "bot_ring",
        "copy_paste",
        "promo",
        "steady",
        "surge",
        "celebrity",
    }
    assert all(d.tweets > 0 for d in truth.decoys if d.kind != "surge")
    assert len(truth.trends) == 5
    assert {t.kind for t in truth.trends} == {"distinct", "bilingual", "common_words"}
    assert all(truth.start < t.onset < truth.end and t.tweets > 0 for t in truth.trends)


def test_distinctive_trend_words_appear_only_from_the_trend_onset(stream: Summary) -> None:
    truth = read_truth(stream.truth_path)
    for trend in truth.trends:
        for message in _messages(stream):
            data = message["data"]
            if data["created_at"] < datetime.fromisoformat(trend.onset).strftime("%Y-%m-%dT%H:%M:%S"):
                words = set(data["text"].lower().replace(",", " ").split())
                assert not words & set(trend.distinctive), (trend.id, data["text"])


def test_the_bot_ring_retweets_its_own_members(stream: Summary) -> None:
    ring = set(next(d for d in read_truth(stream.truth_path).decoys if d.kind == "bot_ring").accounts)
    authors = {}
    for message in _messages(stream):
        data = message["data"]
        authors[data["id"]] = data["author_id"]
    ring_retweets = [
        (authors[m["data"]["id"]], authors.get(m["data"]["referenced_tweets"][0]["id"]))
        for m in _messages(stream)
        if m["data"].get("referenced_tweets", [{}])[0].get("type") == "retweeted"
        and m["data"]["author_id"] in ring
    ]
    within = [(a, b) for a, b in ring_retweets if b in ring]
    assert len(within) >= 10
    assert all(a != b for a, b in within)


def test_the_surge_raises_the_volume_of_everything(stream: Summary) -> None:
    truth = read_truth(stream.truth_path)
    surge = next(d for d in truth.decoys if d.kind == "surge")
    steady_tag = next(d for d in truth.decoys if d.kind == "steady").name.lstrip("#")
    assert surge.end is not None
    start, end = (datetime.fromisoformat(t).strftime("%Y-%m-%dT%H:%M") for t in (surge.start, surge.end))
    per_minute: Counter[str] = Counter()
    steady: Counter[bool] = Counter()
    for message in _messages(stream):
        data = message["data"]
        minute = data["created_at"][:16]
        per_minute[minute] += 1
        if f"#{steady_tag}" in data["text"]:
            steady[start <= minute < end] += 1
    inside = [n for m, n in per_minute.items() if start <= m < end]
    outside = [n for m, n in per_minute.items() if not start <= m < end]
    assert sum(inside) / len(inside) > 1.5 * sum(outside) / len(outside)
    assert steady[True] / len(inside) > 1.3 * steady[False] / len(outside)
