"""Drift watch and labels end to end: `trendwatch drift` on stored streams, labels from the API
counted by the model-monitor job, and the Models page drawn from what it stored.

The stationary stream is the analysts' state the other end-to-end modules share (seed 3, 24
minutes at 1 tweet/s, replayed through the local pipeline); the shifted streams are the same
seed with its language or sentiment mix changed halfway, stored through enrich-text and
aggregate only (no images: seconds, not a replay).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.e2e.conftest import analyst_state_copy
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.embedder import WordLlamaEmbedder
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.app import create_app, open_for_reading
from trendwatch.api.labelling import Labeller
from trendwatch.api.read import AnalystReads
from trendwatch.app.labels import LakeLabels
from trendwatch.app.monitor import ModelMonitor
from trendwatch.cli import main
from trendwatch.evaluation.drift import store_stream
from trendwatch.generator import generate
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        pass


def _drift(state: Path, *more: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["drift", "--state", str(state), "--json", *more])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_drift_on_a_stationary_stream_flags_nothing_and_honours_the_reference_end(
    analyst_state_built: Path, tmp_path: Path
) -> None:
    settings = analyst_state_copy(analyst_state_built, tmp_path)
    rows = _drift(settings.state_dir)
    assert {"lang", "sentiment:en", "category", "embedding_centroid_shift"} <= {r["metric"] for r in rows}
    assert all({"metric", "value", "threshold", "drifted"} <= set(r) for r in rows)
    assert [r["metric"] for r in rows if r["drifted"]] == []
    earlier = _drift(settings.state_dir, "--reference-until", "2026-11-02T08:06:00Z")
    assert {r["reference_until"] for r in earlier} == {"2026-11-02T08:06:00+00:00"}
    assert earlier[0]["reference_tweets"] < rows[0]["reference_tweets"]


@pytest.mark.parametrize(("shift", "metric"), [("lang", "lang"), ("sentiment", "sentiment:fr")])
def test_a_stream_whose_mix_changes_halfway_is_flagged(tmp_path: Path, shift: str, metric: str) -> None:
    summary = generate(3, 24, 1.0, tmp_path / "data", shift=shift)  # type: ignore[arg-type]
    settings = Settings.from_env({}, state_dir=tmp_path / "state")
    warehouse = DuckDBWarehouse(settings.warehouse_path)
    store_stream(summary.tweets_path, warehouse)
    warehouse.close()
    result = CliRunner().invoke(main, ["drift", "--state", str(settings.state_dir)])
    assert result.exit_code == 0, result.output
    assert f"warning drift: {metric} = " in " ".join(result.stderr.split())
    flagged = {r["metric"] for r in _drift(settings.state_dir) if r["drifted"]}
    assert metric in flagged


def test_a_label_from_the_api_is_stored_and_counted_by_the_monitor_and_charted(
    analyst_state_built: Path, tmp_path: Path
) -> None:
    settings = analyst_state_copy(analyst_state_built, tmp_path)
    lake = LocalBlobStore(settings.lake_dir)
    warehouse, engine = open_for_reading(settings.warehouse_path)
    reads = AnalystReads(warehouse, lake, search_engine=engine, embedder=WordLlamaEmbedder())
    first, second = (
        r["tweet_id"]
        for r in warehouse.query(
            "SELECT tweet_id FROM tweets WHERE retweet_of IS NULL "
            "AND JSON_VALUE(model_versions, '$.sentiment') LIKE 'trendwatch-sentiment-en-%' "
            "ORDER BY tweet_id LIMIT 2"
        )
    )
    with TestClient(create_app(reads, labeller=Labeller(warehouse, LakeLabels(lake)))) as client:
        assert 'data-tweet-id="' in client.get("/models").text  # tweets offered for labelling
        wrong = client.post("/api/v1/labels", json={"kind": "sentiment", "tweet_id": first, "correct": False})
        assert wrong.status_code == 400  # wrong, but no right label given
        stored = client.post(
            "/api/v1/labels",
            json={"kind": "sentiment", "tweet_id": first, "correct": False, "label": "negative"},
        )
        assert stored.status_code == 201 and stored.json()["label"] == "negative"
        form = client.post(
            "/labels",
            data={"kind": "sentiment", "tweet_id": second, "correct": "true"},
            follow_redirects=False,
        )
        assert form.status_code == 303
        forged = client.post(
            "/labels",
            data={"kind": "sentiment", "tweet_id": second, "correct": "false", "label": "negative"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert forged.status_code == 403
        assert (
            client.post(
                "/api/v1/labels", json={"kind": "topic", "topic_id": "no-such", "correct": True}
            ).status_code
            == 404
        )
    warehouse.close()

    writer = DuckDBWarehouse(settings.warehouse_path)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    ModelMonitor(writer, FixedClock(tomorrow), label_inbox=lake).run()
    stored_labels = writer.query("SELECT label_id, labelled_by, model_version FROM labels")
    [version] = {r["model_version"] for r in stored_labels}
    # who labelled is kept in its personal column only, never in the key everyone reads
    assert all(r["labelled_by"] not in r["label_id"] for r in stored_labels)
    accuracy = {
        r["metric"]: r["value"]
        for r in writer.query(
            "SELECT metric, value FROM model_drift WHERE kind = 'accuracy' AND model_version = @v",
            {"v": version},
        )
    }
    # both tweets were enriched by one model: one label found it wrong, the other right
    assert accuracy == {"labels": 2.0, "label_accuracy": 0.5}
    # a week of drift rows for two versions, the second released on the fourth day, drifting on the last
    days = [date(2026, 10, 20) + timedelta(days=i) for i in range(7)]
    writer.merge_rows(
        "model_drift",
        [
            {
                "day": day,
                "model": "sentiment",
                "model_version": version if i < 3 else "trendwatch-sentiment-en-5",
                "kind": "drift",
                "metric": "sentiment:en",
                "value": 0.25 if i == 6 else 0.02,
                "threshold": 0.1,
                "drifted": i == 6,
                "tweets": 500,
                "computed_at": tomorrow,
            }
            for i, day in enumerate(days)
        ],
    )
    writer.close()

    warehouse, engine = open_for_reading(settings.warehouse_path)
    reads = AnalystReads(warehouse, lake, search_engine=engine, embedder=WordLlamaEmbedder())
    with TestClient(create_app(reads)) as client:
        page = client.get("/models").text
    warehouse.close()
    assert (
        'id="drift-alert"' in page
        and "trendwatch-sentiment-en-5 on 2026-10-26: sentiment:en = 0.25 (threshold 0.1)" in page
    )
    sentiment = page[page.index('data-model="sentiment"') :]
    drift_chart = sentiment[: sentiment.index("</figure>")]
    assert set(re.findall(r'class="tick date"[^>]*>(\d{4}-\d{2}-\d{2})<', drift_chart)) >= {"2026-10-20"}
    assert {version, "trendwatch-sentiment-en-5"} <= set(re.findall(r'data-series="([^"]+)"', drift_chart))
    assert 'class="release"' in drift_chart and "trendwatch-sentiment-en-5 from 2026-10-23" in drift_chart
    assert "Accuracy on labels" in sentiment and sentiment.count("<svg") >= 2
