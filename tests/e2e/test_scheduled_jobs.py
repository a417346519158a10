"""Scheduled jobs through the in-process bus, as Cloud Scheduler's ticks reach aggregate."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendwatch.contracts.topology import INFLUENCE_JOB, SCHEDULED_JOBS
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> LocalPipeline:
    root: Path = tmp_path_factory.mktemp("scheduled")
    generate(5, 20, 2.0, root / "data")
    replayed = LocalPipeline(Settings.from_env({}, state_dir=root / "state", image_ocr=False))
    replayed.replay(root / "data" / "tweets.jsonl")
    return replayed


def _rankings(pipeline: LocalPipeline) -> list[tuple[str, str, int]]:
    rows = pipeline.container.warehouse.query(
        "SELECT topic_id, user_id, rank FROM influencers ORDER BY topic_id, rank"
    )
    return [(r["topic_id"], r["user_id"], r["rank"]) for r in rows]


def test_an_influence_tick_stores_rankings_and_a_repeated_tick_changes_nothing(
    pipeline: LocalPipeline,
) -> None:
    pipeline.run_scheduled_job(INFLUENCE_JOB)
    first = _rankings(pipeline)
    overall = [row for row in first if row[0] == ""]
    assert len(overall) == 100 and [rank for _, _, rank in overall[:3]] == [1, 2, 3]
    as_of = pipeline.container.warehouse.query("SELECT COUNT(DISTINCT as_of) AS n FROM influencers")[0]["n"]
    pipeline.run_scheduled_job(INFLUENCE_JOB)
    assert _rankings(pipeline) == first
    assert (
        pipeline.container.warehouse.query("SELECT COUNT(DISTINCT as_of) AS n FROM influencers")[0]["n"]
        == as_of
    )


def test_a_tick_for_an_unknown_job_is_dead_lettered_with_the_reason(pipeline: LocalPipeline) -> None:
    pipeline.bus.publish(SCHEDULED_JOBS, b'{"job": "drop-tables"}', {"job": "drop-tables"})
    pipeline.bus.run_until_idle()
    rows = pipeline.container.warehouse.query(
        "SELECT reason FROM dead_letters WHERE reason LIKE '%drop-tables%'"
    )
    assert len(rows) == 1 and "unknown scheduled job" in rows[0]["reason"]
