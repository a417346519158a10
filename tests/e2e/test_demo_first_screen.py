"""The demo's first screens tell the truth: after `make run`, "What is emerging now" lists the
planted topics, each once, and nothing else; the influencers page ranks the planted influencers
first and no bot near them; "Stock at risk" recommends restocking the products the planted
topics drive, saying so; the Models page shows the text models' evaluation the demo stored and
production day by day per model version (the demo runs the model-monitor job once).

The demo runs as `make run` starts it: the ``demo`` command with its defaults (its seed, length,
rate and days of retail history, every image read by OCR), in its own process, from the
repository root where the labelled tweets are; only its state folder is the test's. The
dashboard is the application `trendwatch serve` builds on that state.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from trendwatch.api.app import app_from_settings
from trendwatch.domain.topics import glued
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
#: Recommendations the "Stock at risk" page lists, in the API's order.
STOCK_PAGE_ROWS = 40


@dataclass(frozen=True)
class Demo:
    client: TestClient
    truth: dict[str, Any]
    #: What the demo wrote to its standard error (progress and logs).
    log: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    state = tmp_path_factory.mktemp("demo") / "state"
    result = subprocess.run(
        [sys.executable, "-m", "trendwatch.cli", "demo", "--state", str(state)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    truth = json.loads((state / "demo-data" / "truth.json").read_text())
    with TestClient(app_from_settings(Settings.from_env({}, state_dir=state))) as client:
        yield Demo(client, truth, result.stderr)


def _planted(topic: dict[str, Any], truth: dict[str, Any]) -> set[str]:
    """The planted topics whose names (hashtags, phrases, either language) the topic's terms carry."""
    terms = {glued(t) for t in topic["terms"]} | {glued(topic["label"])}
    return {p["topic_id"] for p in truth["topics"] if terms & {glued(t) for t in p["terms"]}}


def _items(demo: Demo, url: str, **params: Any) -> list[dict[str, Any]]:
    response = demo.client.get(url, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_what_is_emerging_now_lists_each_planted_topic_once_and_nothing_else(demo: Demo) -> None:
    topics = _items(demo, "/api/v1/topics", limit=100)
    found = [_planted(t, demo.truth) for t in topics]
    labels = [t["label"] for t in topics]
    assert all(len(f) == 1 for f in found), f"topics naming no planted topic, or several: {labels}"
    assert sorted(f.pop() for f in found) == sorted(p["topic_id"] for p in demo.truth["topics"]), labels


def test_the_first_screen_shows_every_topic_by_its_subject(demo: Demo) -> None:
    page = demo.client.get("/")
    assert page.status_code == 200
    assert "What is emerging now" in page.text

    shown = re.findall(r'class="topic-link"[^>]*>([^<]+)</a>', page.text)
    names = {glued(t) for p in demo.truth["topics"] for t in p["terms"]}
    assert len(shown) == len(demo.truth["topics"]), shown
    assert all(glued(label) in names for label in shown), shown


def test_the_influencers_page_ranks_the_planted_influencers_first_and_no_bot_near_them(demo: Demo) -> None:
    ranked = [i["username"] for i in _items(demo, "/api/v1/influencers", limit=20)]
    planted = {i["username"] for i in demo.truth["influencers"]}
    bots = {b["username"] for b in demo.truth["bots"]}
    assert set(ranked[: len(planted)]) == planted, ranked
    assert not bots & set(ranked), ranked

    page = demo.client.get("/influencers").text
    last_planted = max(page.index(name) for name in planted)
    assert all(page.index(name) > last_planted for name in ranked[len(planted) :]), "planted ones first"


def test_stock_at_risk_recommends_the_products_the_planted_topics_drive_and_says_why(demo: Demo) -> None:
    recommendations = _items(demo, "/api/v1/restock", limit=STOCK_PAGE_ROWS)
    topics = {t["topic_id"]: t for t in _items(demo, "/api/v1/topics", limit=100)}
    driven = [r for r in recommendations if r["topic_id"] is not None]
    assert driven, "no recommendation driven by a topic"
    linked = {p["topic_id"]: set(p["linked_skus"]) for p in demo.truth["topics"]}
    for recommendation in driven:
        [planted] = _planted(topics[recommendation["topic_id"]], demo.truth)
        assert recommendation["sku"] in linked[planted], recommendation
        assert "topic" in recommendation["reason"] and "expected demand" in recommendation["reason"]
    assert len({r["sku"] for r in driven}) >= 2, driven  # more than one planted topic's product

    page = demo.client.get("/stock").text
    assert "Stock at risk" in page
    for recommendation in driven:
        assert recommendation["sku"] in page and str(escape(recommendation["reason"])) in page
    assert page.count("<svg") >= len({r["sku"] for r in driven}), "a forecast chart per product at risk"


def test_the_models_page_shows_the_text_models_evaluation_the_demo_stored(demo: Demo) -> None:
    # both profiles (accurate's English model is its own), VADER's rows once, one cv row (French)
    assert "saved 20 rows to model_metrics" in demo.log
    metrics = _items(demo, "/api/v1/model-metrics", limit=100)
    assert {m["model"] for m in metrics} >= {
        "trendwatch-sentiment-en",
        "trendwatch-sentiment-en-accurate",
        "trendwatch-sentiment-fr",
        "vader",
        "local-fast",
        "local-accurate",
    }
    page = demo.client.get("/models").text
    assert "trendwatch-sentiment-fr · macro_recall" in page and "No evaluation stored yet" not in page
    # what was evaluated once is a table row, never a chart of a single point
    for figure in re.findall(r'<figure class="metric">.*?</figure>', page, re.S):
        assert figure.count("<circle") >= 2, figure[:200]


def test_the_models_page_follows_production_day_by_day_a_line_per_model_version(demo: Demo) -> None:
    """The demo's monitor run charts the history's days: dates on the axis, a line per version
    of the language model the tweets name, drift against a threshold line."""
    assert "days monitored" in demo.log
    page = demo.client.get("/models").text
    lang = page[page.index('data-model="lang"') :]
    drift_chart = lang[: lang.index("</figure>")]
    days = re.findall(r'class="tick date"[^>]*>(\d{4}-\d{2}-\d{2})<', drift_chart)
    assert len(days) == 3 and days == sorted(days) and days[0] < days[-1], days
    [version] = set(re.findall(r'data-series="([^"]+)"', drift_chart))
    assert version.startswith("function-words+lingua")
    points = re.findall(r"<circle [^>]*><title>(\d{4}-\d{2}-\d{2}) ", drift_chart)
    assert len(set(points)) >= 20, "a point per monitored day of the history"
    assert 'class="threshold"' in drift_chart
