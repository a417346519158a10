"""A generated stream replayed through all five services, in each local runtime mode.

Expected numbers are computed here, independently, from the stream file itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.replay_stream import Stream
from tests.fakes.snapshots import WRITE_TIMES, snapshot
from tests.fakes.tweets import MALFORMED_LINES
from trendwatch.runtime.inprocess import FaultInjection
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

# Stream sizes per mode: the multi-process mode pays an HTTP hop per event.
SIZES = {"in-process": (20, 2.0), "processes": (4, 1.0)}


def _pipeline(mode: str, settings: Settings, **kwargs: Any) -> AbstractContextManager[Any]:
    if mode == "processes":
        from trendwatch.runtime.processes import ProcessPipeline

        return ProcessPipeline(settings)
    return nullcontext(LocalPipeline(settings, **kwargs))


@pytest.fixture(scope="module", params=sorted(SIZES))
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stream, Settings, Any]]:
    mode: str = request.param
    minutes, rate = SIZES[mode]
    folder = tmp_path_factory.mktemp(f"stream-{mode}")
    stream = Stream(folder, minutes, rate)
    settings = Settings.from_env({}, state_dir=folder / "state")
    with _pipeline(mode, settings) as pipeline:
        report = pipeline.replay(stream.path)
        yield stream, settings, (pipeline, report, mode)


def _warehouse(settings: Settings) -> Any:
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    return DuckDBWarehouse(settings.warehouse_path)


def test_every_good_tweet_is_stored_once(run: tuple[Stream, Settings, Any]) -> None:
    stream, settings, (_, report, _) = run
    assert report.ingest.tweets == len(stream.lines) == stream.truth["counts"]["tweets"]
    rows = _warehouse(settings).query("SELECT COUNT(*) AS n, COUNT(DISTINCT tweet_id) AS ids FROM tweets")
    assert rows == [{"n": len(stream.lines), "ids": len(stream.lines)}]


def test_minute_windows_match_counts_computed_from_the_file(run: tuple[Stream, Settings, Any]) -> None:
    stream, settings, _ = run
    rows = _warehouse(settings).query(
        "SELECT window_start, term, SUM(tweet_count) AS n FROM term_windows "
        "WHERE window_size = '1m' AND STARTS_WITH(term, '#') GROUP BY window_start, term"
    )
    assert {(r["window_start"], r["term"]): r["n"] for r in rows} == dict(stream.hashtag_counts_per_minute())


def test_hour_windows_count_unique_authors(run: tuple[Stream, Settings, Any]) -> None:
    stream, settings, _ = run
    warehouse = _warehouse(settings)
    lang_of = {r["tweet_id"]: r["lang"] for r in warehouse.query("SELECT tweet_id, lang FROM tweets")}
    rows = warehouse.query(
        "SELECT window_start, term, lang, unique_authors FROM term_windows WHERE window_size = '1h' AND STARTS_WITH(term, '#')"
    )
    assert {(r["window_start"], r["term"], r["lang"]): r["unique_authors"] for r in rows} == dict(
        stream.hashtag_authors_per_hour(lang_of)
    )


def test_every_media_item_is_enriched(run: tuple[Stream, Settings, Any]) -> None:
    stream, settings, _ = run
    rows = _warehouse(settings).query(
        "SELECT COUNT(*) AS n, COUNTIF(LENGTH(phash) = 16) AS hashed, COUNTIF(width > 0) AS sized FROM media"
    )
    assert stream.media_items > 0
    assert rows == [{"n": stream.media_items, "hashed": stream.media_items, "sized": stream.media_items}]


def test_malformed_lines_are_dead_lettered_with_reasons_in_lake_and_table(
    run: tuple[Stream, Settings, Any],
) -> None:
    _, settings, _ = run
    rows = _warehouse(settings).query(
        "SELECT subscription, reason, payload, lake_object FROM dead_letters ORDER BY reason"
    )
    assert len(rows) == len(MALFORMED_LINES)
    assert {r["subscription"] for r in rows} == {"ingest"}
    reasons = " | ".join(r["reason"] for r in rows)
    for expected in (
        "malformed JSON",
        "invalid UTF-8",
        "missing required field `data`",
        "Expected `str`, got `int`",
    ):
        assert expected in reasons
    for row in rows:
        document = json.loads((settings.lake_dir / row["lake_object"]).read_text())
        assert document["reason"] == row["reason"]


def test_raw_lake_holds_the_exact_payloads(run: tuple[Stream, Settings, Any]) -> None:
    import gzip

    stream, settings, _ = run
    stored = [
        line
        for path in sorted((settings.lake_dir / "raw" / "tweets").rglob("*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]
    assert sorted(stored) == sorted(stream.lines)


def test_replaying_the_same_file_again_changes_no_table(run: tuple[Stream, Settings, Any]) -> None:
    stream, settings, (pipeline, _, _) = run
    before = snapshot(_warehouse(settings))
    pipeline.replay(stream.path)
    assert snapshot(_warehouse(settings)) == before


def test_duplicated_and_failed_deliveries_leave_the_same_tables(tmp_path: Path) -> None:
    folder = tmp_path / "stream"
    stream = Stream(folder, 10, 2.0)
    # OCR off: the comparison is about delivery faults, and the main run above reads images.
    clean = Settings.from_env({}, state_dir=tmp_path / "clean", image_ocr=False)
    chaotic = Settings.from_env({}, state_dir=tmp_path / "chaotic", image_ocr=False)
    LocalPipeline(clean).replay(stream.path)
    chaos = LocalPipeline(
        chaotic, faults=FaultInjection(duplicate_rate=0.3, failure_rate=0.1, seed=5), max_batch=50
    )
    chaos.replay(stream.path)
    assert chaos.bus.stats.retried.total() > 0
    assert snapshot(_warehouse(chaotic), ignore=WRITE_TIMES) == snapshot(
        _warehouse(clean), ignore=WRITE_TIMES
    )


def test_feeds_load_good_rows_and_quarantine_bad_ones_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "stream"
    stream = Stream(folder, 2, 1.0)
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=tmp_path / "state"))
    for feed in stream.truth["feeds"]:
        report = pipeline.load_feed(folder / feed["path"], feed["kind"])
        assert (report.rows_read, report.rows_quarantined) == (feed["rows"], feed["bad_rows"])
        assert report.rows_loaded == feed["rows"] - feed["bad_rows"]
        if feed["bad_rows"]:
            assert report.quarantine_object is not None
            rejected = pipeline.container.lake.read(report.quarantine_object).decode().splitlines()
            assert len(rejected) == feed["bad_rows"]
            assert all(json.loads(line)["reasons"] for line in rejected)
