"""``--processes`` mode under faults: service processes and the router killed with SIGKILL in
the middle of a replay.

What the warehouse must hold is computed from the replay file itself
(:mod:`tests.fakes.replay_stream`): every tweet stored once, every media item, every
hashtag's minute counts and hourly distinct authors.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.fakes.replay_stream import Stream, stored
from tests.fakes.tweets import MALFORMED_LINES
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.dead_letters import DeadLetterSelection, find_dead_letters
from trendwatch.cli import main
from trendwatch.runtime.processes import ProcessPipeline
from trendwatch.runtime.router_client import RouterStats
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

#: About 240 tweets (a dozen with a photo), four malformed lines, three keep-alives.
MINUTES, RATE = 4, 1.0
#: Long enough for the retries of a delivery to outlast a service's restart (10 s, 20 s, 40 s
#: and 80 s of Pub/Sub backoff become 5, 10, 20 and 40 s), short enough for a quick test.
RESTART_BACKOFF_SCALE = 0.5

Due = Callable[[RouterStats, RouterStats], bool]


def _delivered(route: str, at_least: int) -> Due:
    return lambda base, now: now.delivered.get(route, 0) - base.delivered.get(route, 0) >= at_least


def _enqueued(route: str) -> Due:
    return lambda base, now: now.enqueued.get(route, 0) > base.enqueued.get(route, 0)


def _in_flight(route: str) -> Due:
    """Once ``route`` has a delivery and something is in flight (the route is the first to
    get work in a replay, so it is its delivery)."""
    return lambda base, now: _enqueued(route)(base, now) and now.in_flight > 0


class Fault(threading.Thread):
    """SIGKILL one entry point's server as soon as ``due(counts before, counts now)`` holds,
    then (unless ``restart`` is false) start it again and wait until it serves."""

    def __init__(
        self, pipeline: ProcessPipeline, service: str, entry_point: str, due: Due, *, restart: bool = True
    ) -> None:
        super().__init__(name=f"kill-{service}", daemon=True)
        self.pipeline, self.due, self.restart = pipeline, due, restart
        self.server = pipeline.process(service, entry_point)
        self.base = pipeline.router.stats()
        self.at_kill: RouterStats | None = None
        self.restart_s: float | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 300
            while not self.due(self.base, now := self.pipeline.router.stats()):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.server.service} was never due to be killed")
                time.sleep(0.002)
            self.server.kill()
            self.at_kill = now
            killed = time.monotonic()
            if self.restart:
                self.server.restart()
                self.restart_s = time.monotonic() - killed
        except BaseException as exc:  # reported by finish() in the test's thread
            self.error = exc

    def finish(self) -> RouterStats:
        """Wait for the fault; the router's counts when it struck (something was still to do)."""
        self.join(timeout=300)
        if self.error is not None:
            raise self.error
        assert self.at_kill is not None, "the fault never struck"
        assert not self.at_kill.idle, "killed after the replay's work was done: not mid-replay"
        return self.at_kill


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Stream:
    return Stream(tmp_path_factory.mktemp("faults"), MINUTES, RATE)


def _settings(state: Path) -> Settings:
    # OCR off: these tests are about processes dying, and OCR would triple the replay's time.
    return Settings.from_env({}, state_dir=state, image_ocr=False)


def _checked_warehouse(settings: Settings, stream: Stream) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(settings.warehouse_path)
    assert stored(warehouse) == stream.expected(warehouse)
    waiting = find_dead_letters(warehouse, DeadLetterSelection(pending=True))
    assert sorted(d.subscription for d in waiting) == ["ingest"] * len(MALFORMED_LINES)  # the malformed lines
    return warehouse


#: The generated stream's day, under which its feeds are dropped (as ``trendwatch feed`` does).
FEED_DAY = "2026-11-02"
#: Where each feed's rows go: one row per good line, however often the file was loaded.
FEED_TABLES = {
    "products": "products",
    "inventory": "inventory_daily",
    "orders": "orders",
    "deliveries": "deliveries",
}

#: One service at a time, in the order a tweet meets them: each killed while the replay of
#: one quarter of the stream is under way, restarted, and the next quarter replayed.
KILLS = [
    ("ingest", "on_replay_file_finalized", _in_flight("ingest-replay-files")),
    ("enrich-text", "on_tweet_raw", _delivered("enrich-text-tweets-raw", 10)),
    ("enrich-image", "on_tweet_with_media", _enqueued("enrich-image-tweets-raw")),
    ("aggregate", "on_tweet_enriched", _delivered("aggregate-tweets-enriched", 10)),
]


def test_each_service_killed_mid_replay_and_restarted_loses_and_duplicates_nothing(
    stream: Stream, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    settings = _settings(tmp_path / "state")
    reports = []
    with ProcessPipeline(settings, backoff_scale=RESTART_BACKOFF_SCALE) as pipeline:
        for part, (service, entry_point, due) in zip(stream.parts(len(KILLS)), KILLS, strict=True):
            fault = Fault(pipeline, service, entry_point, due)
            fault.start()
            started = time.monotonic()
            reports.append(pipeline.replay(part))
            at_kill = fault.finish()
            assert fault.restart_s is not None
            after = pipeline.router.stats()
            # The figures docs/reliability.md reports (pytest --junitxml keeps them).
            record_property(
                service,
                {
                    "replay_s": round(time.monotonic() - started, 1),
                    "restart_s": round(fault.restart_s, 1),
                    "in_flight_at_kill": at_kill.in_flight,
                    "pending_at_kill": at_kill.pending,
                    "retried": {k: v - fault.base.retried.get(k, 0) for k, v in after.retried.items()},
                    "tweets_raw_published": after.published.get("tweets-raw", 0)
                    - fault.base.published.get("tweets-raw", 0),
                    "tweets": reports[-1].ingest.tweets,
                },
            )

        # inventory-sync: killed while it loads the catalogue, the first of the day's feeds.
        fault = Fault(pipeline, "inventory-sync", "on_feed_finalized", _in_flight("inventory-sync-feeds"))
        fault.start()
        started = time.monotonic()
        for feed in stream.truth["feeds"]:
            name = f"feeds/{feed['kind']}/dt={FEED_DAY}/{Path(feed['path']).name}"
            pipeline.drop_object(name, (stream.folder / feed["path"]).read_bytes())
        at_kill = fault.finish()
        assert fault.restart_s is not None
        record_property(
            "inventory-sync",
            {
                "feeds_s": round(time.monotonic() - started, 1),
                "restart_s": round(fault.restart_s, 1),
                "in_flight_at_kill": at_kill.in_flight,
                "retried": pipeline.router.stats().retried.get("inventory-sync-feeds", 0),
            },
        )

    warehouse = _checked_warehouse(settings, stream)
    loads = warehouse.query("SELECT kind, rows_read, rows_loaded FROM feed_loads ORDER BY kind")
    assert loads == sorted(
        (
            {"kind": f["kind"], "rows_read": f["rows"], "rows_loaded": f["rows"] - f["bad_rows"]}
            for f in stream.truth["feeds"]
        ),
        key=lambda load: load["kind"],
    )
    for kind, table in FEED_TABLES.items():
        [feed] = [f for f in stream.truth["feeds"] if f["kind"] == kind]
        assert warehouse.query(f"SELECT COUNT(*) AS n FROM {table}") == [
            {"n": feed["rows"] - feed["bad_rows"]}
        ]
    assert [r.waiting for r in reports] == [{}] * len(KILLS)
    assert sum(r.ingest.tweets for r in reports) == len(stream.lines)
    assert sum(r.ingest.dead_lettered for r in reports) == len(MALFORMED_LINES)
    assert sum(r.ingest.keep_alives for r in reports) == stream.keep_alives
    assert sum(r.ingest.lines for r in reports) == len(stream.noisy)


@pytest.fixture
def aggregate_dies_for_good(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Fault]]:
    """Every ProcessPipeline started kills aggregate's tweet entry point for good once it has
    stored 20 tweets."""
    faults: list[Fault] = []
    start = ProcessPipeline.__enter__

    def started(pipeline: ProcessPipeline) -> ProcessPipeline:
        start(pipeline)
        due = _delivered("aggregate-tweets-enriched", 20)
        faults.append(Fault(pipeline, "aggregate", "on_tweet_enriched", due, restart=False))
        faults[-1].start()
        return pipeline

    monkeypatch.setattr(ProcessPipeline, "__enter__", started)
    yield faults
    for fault in faults:
        fault.finish()


def _cli(*args: str) -> Any:
    return CliRunner(env={"COLUMNS": "250", "TRENDWATCH_IMAGE_OCR": "false"}).invoke(main, list(args))


def test_a_replay_that_leaves_messages_in_dead_letters_says_so_and_how_to_replay_them(
    stream: Stream,
    tmp_path: Path,
    aggregate_dies_for_good: list[Fault],
    record_property: Callable[[str, object], None],
) -> None:
    state = tmp_path / "state"
    started = time.monotonic()
    replayed = _cli("replay", str(stream.path), "--processes", "--state", str(state))
    record_property("replay_s", round(time.monotonic() - started, 1))

    assert replayed.exit_code == 1, replayed.output
    tweets, media = len(stream.lines), stream.media_items
    said = " ".join(replayed.output.split())  # the console may wrap a sentence at its width
    assert (
        f"replayed {tweets} tweets ({media} with media) from {len(stream.noisy)} lines read: "
        f"{stream.keep_alives} keep-alives skipped, {len(MALFORMED_LINES)} refused at ingest as invalid"
    ) in said
    waiting = re.search(r"(\d+) messages wait in dead letters \(aggregate-tweets-enriched (\d+)\)", said)
    assert waiting is not None, replayed.output
    assert int(waiting[1]) == int(waiting[2])
    assert 0 < int(waiting[1]) <= tweets - 20  # aggregate stored 20 before it died, and no more
    command = replayed.output.strip().splitlines()[-1]
    words = shlex.split(command)
    assert words[:3] == ["trendwatch", "deadletters", "replay"]
    assert words[words.index("--subscription") + 1] == "aggregate-tweets-enriched"

    started = time.monotonic()
    restored = _cli(*words[1:])
    record_property("dead_letters_replay_s", round(time.monotonic() - started, 1))
    record_property("waiting", int(waiting[1]))

    assert restored.exit_code == 0, restored.output
    assert f"{waiting[1]} sent, 0 dead-lettered again" in restored.output
    _checked_warehouse(_settings(state), stream)


def _undelivered(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=1.0) as db:
            return int(db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_the_router_killed_mid_replay_loses_nothing_once_the_replay_is_run_again(
    stream: Stream, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    state = tmp_path / "state"
    command = [sys.executable, "-m", "trendwatch.cli", "replay", str(stream.path), "--processes"]
    command += ["--state", str(state)]
    env = {**os.environ, "TRENDWATCH_IMAGE_OCR": "false", "COLUMNS": "250"}
    first = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while (undelivered := _undelivered(state / "router.sqlite")) < 100:
        assert first.poll() is None and time.monotonic() < deadline, "the replay ended before the kill"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # the router's process; its servers stop with it
    first.wait()
    kept = _undelivered(state / "router.sqlite")
    assert kept >= undelivered  # kept on disk, not acknowledged

    started = time.monotonic()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    record_property("undelivered_kept", kept)
    record_property("second_run_s", round(time.monotonic() - started, 1))
    record_property("second_run_report", again.stdout + again.stderr)

    assert again.returncode == 0, again.stdout + again.stderr
    # The file ingested twice over (the delivery kept from the killed run, then the new one):
    # each tweet and each refused line counted once.
    assert (
        f"replayed {len(stream.lines)} tweets ({stream.media_items} with media) from {len(stream.noisy)} lines "
        f"read: {stream.keep_alives} keep-alives skipped, {len(MALFORMED_LINES)} refused at ingest as invalid"
    ) in again.stderr.replace("\n", " ")
    assert _undelivered(state / "router.sqlite") == 0
    _checked_warehouse(_settings(state), stream)
