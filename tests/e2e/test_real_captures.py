"""Real X API v2 captures (tests/data/x_captures, see its NOTICE) replayed through all five services.

Expected counts are computed here from the files themselves. Media is not fetched (no host is
allowed), so tweets with media leave dead letters in enrich-image only.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from trendwatch.runtime.local import LocalPipeline, ReplayReport
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

CAPTURES = Path(__file__).parents[1] / "data" / "x_captures"
FILES = sorted(CAPTURES.glob("*.jsonl"))


def _tweets_in(path: Path) -> list[dict[str, Any]]:
    """The tweets of a capture: one per stream line, ``data`` of each page; unparsable lines skipped."""
    tweets: list[dict[str, Any]] = []
    for line in path.read_bytes().splitlines():
        try:
            data = json.loads(line)["data"]
        except (ValueError, KeyError):
            continue
        tweets.extend(data if isinstance(data, list) else [data])
    return tweets


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalPipeline, dict[str, ReplayReport]]:
    settings = Settings.from_env({}, state_dir=tmp_path_factory.mktemp("captures"), media_allowed_hosts=())
    pipeline = LocalPipeline(settings)
    return pipeline, {path.name: pipeline.replay(path) for path in FILES}


def test_the_committed_captures_are_found() -> None:
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_tweet_of_a_capture_is_stored(
    path: Path, replayed: tuple[LocalPipeline, dict[str, ReplayReport]]
) -> None:
    pipeline, reports = replayed
    expected = {str(t["id"]) for t in _tweets_in(path)}
    rows = pipeline.container.warehouse.query(
        "SELECT tweet_id FROM tweets WHERE tweet_id IN UNNEST(@ids)", {"ids": sorted(expected)}
    )
    assert {r["tweet_id"] for r in rows} == expected
    assert reports[path.name].ingest.tweets == len(expected)


def test_only_the_cut_short_line_is_dead_lettered_at_ingest(
    replayed: tuple[LocalPipeline, dict[str, ReplayReport]],
) -> None:
    pipeline, reports = replayed
    assert {name: r.ingest.dead_lettered for name, r in reports.items() if r.ingest.dead_lettered} == {
        "twarc-csv-streaming_output_with_error.jsonl": 1
    }
    [row] = pipeline.container.warehouse.query(
        "SELECT reason, payload FROM dead_letters WHERE subscription = 'ingest'", {}
    )
    assert row["reason"].startswith("malformed JSON")
    assert (
        row["payload"]
        == (CAPTURES / "twarc-csv-streaming_output_with_error.jsonl").read_text().splitlines()[-1]
    )


def test_no_service_but_enrich_image_dead_letters_a_real_tweet(
    replayed: tuple[LocalPipeline, dict[str, ReplayReport]],
) -> None:
    pipeline, _ = replayed
    rows = pipeline.container.warehouse.query(
        "SELECT subscription, reason FROM dead_letters WHERE subscription <> 'ingest'", {}
    )
    assert rows, "the captures' media should be refused offline"
    assert {r["subscription"] for r in rows} == {"enrich-image-tweets-raw"}
    assert all(r["reason"].startswith("media ") for r in rows)


def test_stream_lines_reach_the_lake_byte_for_byte_with_their_unknown_fields(
    replayed: tuple[LocalPipeline, dict[str, ReplayReport]],
) -> None:
    pipeline, _ = replayed
    lake = pipeline.container.lake
    stored = {
        line
        for name in lake.list("raw/tweets/dt=2021-04-01/")
        for line in gzip.decompress(lake.read(name)).splitlines()
    }
    lines = (CAPTURES / "twarc-csv-streaming_output_with_error.jsonl").read_bytes().splitlines()[:-1]
    assert set(lines) <= stored
    first = json.loads(lines[0])
    assert isinstance(first["matching_rules"][0]["id"], int) and "__twarc" in first
