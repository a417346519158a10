"""The bad-input corpus (``tests/data/bad_input``) through all five services, mixed with good
tweets, rows and events: every good one is stored exactly once, every bad one dead-lettered or
quarantined alone with a readable reason.

Each test runs against both local runtimes: in-process (one bus) and ``--processes`` (each
service its own functions-framework server behind the router, tens of seconds: select it
alone with ``-k processes``). The decompression ceiling is lowered through its environment
variable, which the service processes inherit.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.dead_letters import BASE64_PREFIX
from trendwatch.contracts.limits import MAX_DECOMPRESSED_BYTES_ENV
from trendwatch.contracts.topology import INVENTORY_EVENTS
from trendwatch.runtime.local import LocalPipeline
from trendwatch.runtime.processes import ProcessPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parents[1] / "data" / "bad_input"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "stream" / "expected.json").read_text())
GOOD_TWEETS = [stream_line(str(8000 + i), f"good tweet {i} #deal", minute=i % 10) for i in range(40)]
#: Over Pub/Sub's 10 MB message: refused by ingest before publishing.
OVERSIZED = stream_line("7999", "x" * (50 * 1024 * 1024))
#: The bombs inflate to 16 MB: refused under this ceiling without inflating 512 MiB.
BOMB_CEILING = 8_000_000


@dataclass
class Run:
    """What a run left: its warehouse and its lake."""

    warehouse: DuckDBWarehouse
    lake: LocalBlobStore

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self.warehouse.query(sql)

    def dead_letters(self, subscription: str) -> list[tuple[bytes, str]]:
        """(payload, reason) of every dead letter of ``subscription``."""
        rows = self.query(f"SELECT payload, reason FROM dead_letters WHERE subscription = '{subscription}'")
        return [(_payload(r["payload"]), r["reason"]) for r in rows]


def _payload(text: str) -> bytes:
    return (
        base64.b64decode(text.removeprefix(BASE64_PREFIX))
        if text.startswith(BASE64_PREFIX)
        else text.encode()
    )


def _send_corpus(pipeline: LocalPipeline | ProcessPipeline, replay: Path) -> None:
    """Every entry of the pipeline, as in production: a replay file (stream lines and images),
    a gzipped replay file, feeds, a gzipped feed, stock events on their topic."""
    pipeline.replay(replay)
    pipeline.drop_object("incoming/tweets/bomb.jsonl.gz", (CORPUS / "bomb.jsonl.gz").read_bytes())
    pipeline.load_feed(CORPUS / "feeds" / "products.csv", "products")
    for name in ("orders_hostile.csv", "orders_hostile.jsonl"):
        pipeline.load_feed(CORPUS / "feeds" / name, "orders")
    pipeline.drop_object(
        "feeds/orders/dt=2026-11-02/bomb.csv.gz", (CORPUS / "feeds" / "bomb.csv.gz").read_bytes()
    )
    pipeline.publish_events(
        INVENTORY_EVENTS, (CORPUS / "feeds" / "stock_events.jsonl").read_bytes().splitlines()
    )


@pytest.fixture(scope="module", params=["in-process", "processes"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp(f"bad-input-{request.param}")
    shutil.copytree(CORPUS / "media", root / "replay" / "media")
    bad = [(CORPUS / "stream" / f"{case}.jsonl").read_bytes().rstrip(b"\n") for case in EXPECTED]
    lines = [*GOOD_TWEETS[:20], *bad, OVERSIZED, *GOOD_TWEETS[20:]]
    (root / "replay" / "tweets.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    settings = Settings.from_env({}, state_dir=root / "state", image_ocr=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MAX_DECOMPRESSED_BYTES_ENV, str(BOMB_CEILING))
        if request.param == "processes":
            with ProcessPipeline(settings) as processes:
                _send_corpus(processes, root / "replay" / "tweets.jsonl")
        else:
            pipeline = LocalPipeline(settings)
            try:
                _send_corpus(pipeline, root / "replay" / "tweets.jsonl")
            finally:
                pipeline.close()
    warehouse = DuckDBWarehouse(settings.warehouse_path)
    yield Run(warehouse, LocalBlobStore(settings.lake_dir, settings.lake_bucket))
    warehouse.close()


def test_every_good_and_tolerated_tweet_is_stored_exactly_once(run: Run) -> None:
    stored = [r["tweet_id"] for r in run.query("SELECT tweet_id FROM tweets")]
    tolerated = [case["tweet_id"] for case in EXPECTED.values() if case["outcome"] == "stored"]
    assert sorted(stored) == sorted([str(8000 + i) for i in range(40)] + tolerated)


def test_tolerated_times_are_stored_in_utc(run: Run) -> None:
    rows = run.query("SELECT tweet_id, created_at FROM tweets WHERE tweet_id IN ('7101', '7102')")
    times = {r["tweet_id"]: r["created_at"] for r in rows}
    assert times == {"7101": "2026-11-02T10:05:00+00:00", "7102": "2026-11-02T10:06:00+00:00"}


def test_every_bad_stream_line_is_dead_lettered_alone_with_its_reason(run: Run) -> None:
    dead = run.dead_letters("ingest")
    expected = {
        (CORPUS / "stream" / f"{name}.jsonl").read_bytes().rstrip(b"\n"): case["reason"]
        for name, case in EXPECTED.items()
        if case["outcome"] == "dead_lettered"
    }
    oversized = [reason for payload, reason in dead if OVERSIZED.startswith(payload)]
    assert oversized == [
        f"line of {len(OVERSIZED):,} bytes is over the 9,872,000 a Pub/Sub message holds;"
        " its first 65,536 bytes are kept here"
    ]
    by_payload = {payload: reason for payload, reason in dead if not OVERSIZED.startswith(payload)}
    assert set(by_payload) == set(expected)
    for payload, reason in by_payload.items():
        assert expected[payload] in reason, (payload[:80], reason)


def test_hostile_images_are_dead_lettered_and_their_tweets_kept(run: Run) -> None:
    cases = [case["media"] for case in EXPECTED.values() if "media" in case]
    stored = {r["media_key"] for r in run.query("SELECT media_key FROM media")}
    assert stored == {m["media_key"] for m in cases if m["outcome"] == "stored"}
    dead = run.query(
        "SELECT JSON_VALUE(attributes, '$.media_key') AS media_key, reason FROM dead_letters"
        " WHERE subscription = 'enrich-image-tweets-raw'"
    )
    reasons = {r["media_key"]: r["reason"] for r in dead}
    expected = {m["media_key"]: m["reason"] for m in cases if m["outcome"] == "dead_lettered"}
    assert set(reasons) == set(expected)
    for key, reason in expected.items():
        assert reason in reasons[key], (key, reasons[key])


def test_decompression_bombs_are_dead_lettered_as_such(run: Run) -> None:
    for subscription in ("ingest-replay-files", "inventory-sync-feeds"):
        [(_, reason)] = run.dead_letters(subscription)
        assert f"decompresses to more than {BOMB_CEILING:,} bytes" in reason


def test_every_good_order_row_is_stored_once_and_every_bad_one_quarantined_with_a_reason(run: Run) -> None:
    stored = sorted(r["order_id"] for r in run.query("SELECT order_id FROM orders"))
    assert stored == ["GOOD-C1", "GOOD-C11", "GOOD-C5", "GOOD-J1", "GOOD-J12", "GOOD-J6"]
    loads = {
        r["object_name"].rsplit("/", 1)[-1]: r
        for r in run.query(
            "SELECT object_name, rows_read, rows_loaded, rows_quarantined, quarantine_object FROM feed_loads"
        )
    }
    lake = run.lake
    for name, good, bad in (("orders_hostile.csv", 3, 8), ("orders_hostile.jsonl", 3, 9)):
        load = loads[name]
        assert (load["rows_read"], load["rows_loaded"], load["rows_quarantined"]) == (good + bad, good, bad)
        rejected = [json.loads(line) for line in lake.read(load["quarantine_object"]).decode().splitlines()]
        assert len(rejected) == bad and all(r["reasons"] and all(r["reasons"]) for r in rejected)
        assert not any("GOOD-" in json.dumps(r["row"]) for r in rejected)


def test_every_good_stock_event_is_stored_and_every_bad_one_dead_lettered(run: Run) -> None:
    stored = sorted(r["event_id"] for r in run.query("SELECT event_id FROM stock_events"))
    assert stored == ["GOOD-E1", "GOOD-E7"]
    dead = run.dead_letters("inventory-sync-stock-events")
    events = (CORPUS / "feeds" / "stock_events.jsonl").read_bytes().splitlines()
    assert sorted(payload for payload, _ in dead) == sorted(e for e in events if b"GOOD-" not in e)
    reasons = " | ".join(reason for _, reason in dead)
    for expected in (
        "<= 9223372036854775807",
        "timezone",
        ">= 0",
        "neither delta nor level",
        "malformed",
        "NOWHERE",
    ):
        assert expected in reasons
