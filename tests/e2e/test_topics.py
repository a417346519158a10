"""A planted topic in a generated stream goes through the pipeline to one alert and `topics --json`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from trendwatch.cli import main
from trendwatch.contracts.topology import TREND_ALERTS
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


def test_a_planted_topic_is_alerted_once_and_listed_by_topics_json(tmp_path: Path) -> None:
    summary = generate(3, 150, 1, tmp_path / "data")
    truth = json.loads(summary.truth_path.read_text())
    planted = {t.lower().lstrip("#").replace(" ", "") for topic in truth["topics"] for t in topic["terms"]}
    state = tmp_path / "state"
    # OCR off: topics come from the tweets' words here (pictures' words are checked in
    # test_image_terms), and reading the stream's 300 pictures would be most of the replay's time.
    pipeline = LocalPipeline(Settings(state_dir=state, image_ocr=False))

    pipeline.replay(summary.tweets_path)
    rows = pipeline.container.warehouse.query("SELECT alert_id, topic_id, terms FROM trend_alerts")
    published = pipeline.bus.stats.published[TREND_ALERTS]
    pipeline.replay(summary.tweets_path)  # a replay of the same stream publishes nothing again

    alerted = [r for r in rows if planted & {t.lstrip("#").replace(" ", "") for t in r["terms"]}]
    assert alerted
    assert max(Counter(r["topic_id"] for r in rows).values()) == 1  # one emergence per topic
    assert published == len(rows)
    assert pipeline.bus.stats.published[TREND_ALERTS] == published
    result = CliRunner().invoke(main, ["topics", "--state", str(state), "--json", "--limit", "50"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {r["topic_id"] for r in alerted} <= {t["topic_id"] for t in listed}
    detected = [t["first_detected_at"] for t in listed]
    assert detected == sorted(detected, reverse=True)
