"""The demo's first screen tells the truth: after the stream `make run` replays, "What is
emerging now" lists the planted topics, each once, and nothing else.

The stream is the demo's own (its seed, length, rate and days of retail history are read from
the ``demo`` command, so the test follows the demo), loaded by the demo's own steps: the feeds in
the order a retailer sends them (the catalogue first, then day by day), the stream day's stock
events, then the history's tweets and the stream in one replay, every image read by OCR, as
`make run` does; the dashboard is the application `trendwatch serve` builds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from trendwatch.api.app import app_from_settings
from trendwatch.cli.pipeline import demo, demo_replay_file, load_generated_feeds, publish_stock_events
from trendwatch.domain.topics import glued
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


def _demo_default(name: str) -> Any:
    [option] = [p for p in demo.params if p.name == name]
    return option.default


@pytest.fixture(scope="module")
def first_screen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("demo")
    data = root / "demo-data"
    summary = generate(
        _demo_default("seed"),
        _demo_default("minutes"),
        _demo_default("rate"),
        data,
        history_days=_demo_default("history_days"),
    )
    settings = Settings.from_env({}, state_dir=root / "state")
    pipeline = LocalPipeline(settings)
    load_generated_feeds(pipeline, data)
    if summary.stock_events_path is not None:
        publish_stock_events(pipeline, summary.stock_events_path)
    pipeline.replay(demo_replay_file(data))
    pipeline.close()
    with TestClient(app_from_settings(settings)) as client:
        yield client, json.loads((data / "truth.json").read_text())


def _planted(topic: dict[str, Any], truth: dict[str, Any]) -> set[str]:
    """The planted topics whose names (hashtags, phrases, either language) the topic's terms carry."""
    terms = {glued(t) for t in topic["terms"]} | {glued(topic["label"])}
    return {p["topic_id"] for p in truth["topics"] if terms & {glued(t) for t in p["terms"]}}


def test_what_is_emerging_now_lists_each_planted_topic_once_and_nothing_else(
    first_screen: tuple[TestClient, dict[str, Any]],
) -> None:
    client, truth = first_screen
    response = client.get("/api/v1/topics", params={"limit": 100})
    assert response.status_code == 200, response.text
    topics = response.json()["items"]

    found = [_planted(t, truth) for t in topics]
    labels = [t["label"] for t in topics]
    assert all(len(f) == 1 for f in found), f"topics naming no planted topic, or several: {labels}"
    assert sorted(f.pop() for f in found) == sorted(p["topic_id"] for p in truth["topics"]), labels


def test_the_first_screen_shows_every_topic_by_its_subject(
    first_screen: tuple[TestClient, dict[str, Any]],
) -> None:
    client, truth = first_screen
    page = client.get("/")
    assert page.status_code == 200
    assert "What is emerging now" in page.text

    shown = re.findall(r'class="topic-link"[^>]*>([^<]+)</a>', page.text)
    names = {glued(t) for p in truth["topics"] for t in p["terms"]}
    assert len(shown) == len(truth["topics"]), shown
    assert all(glued(label) in names for label in shown), shown
