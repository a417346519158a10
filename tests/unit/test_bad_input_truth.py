"""Every bad row the generator plants in a retail history is quarantined with a reason of its
kind, no good row is, and every stock event at a location that does not exist is dead-lettered
while the rest (out of order included) is stored: checked against ``truth.json``, through the
local runtime as a retailer's files and messages arrive (the catalogue first, then day by day)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trendwatch.contracts.topology import INVENTORY_EVENTS
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

#: A week of history: enough for the generator to re-send two snapshots with other numbers.
SEED, MINUTES, RATE, DAYS = 3, 20, 1.0, 7

#: The generator's name for each kind of bad row, from the start of the reason inventory-sync gives.
KINDS = (
    ("is not in the product catalogue", "unknown_sku"),
    ("must be >= 0", "negative_quantity"),
    ("must be <= ", "absurd_quantity"),
    ("repeats line", "duplicate_line"),
    ("sku: missing", "missing_key"),
    ("not a date", "unparseable_date"),
    ("not an ISO 8601 timestamp", "unparseable_date"),
    ("already loaded from", "conflicting_snapshot"),
)


def kind_of(reasons: list[str]) -> str:
    """The generator's kind of a quarantined row; a row with several reasons has one kind here."""
    found = {kind for reason in reasons for text, kind in KINDS if text in reason}
    assert len(found) == 1, reasons
    return found.pop()


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, Any], LocalPipeline, list[Any]]]:
    root = tmp_path_factory.mktemp("bad-input")
    out = root / "data"
    generate(SEED, MINUTES, RATE, out, history_days=DAYS)
    truth: dict[str, Any] = json.loads((out / "truth.json").read_bytes())
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=root / "state"))
    reports = [pipeline.load_feed(out / feed["path"], feed["kind"]) for feed in truth["feeds"]]
    for line in (out / truth["history"]["stock_events"]["path"]).read_bytes().splitlines():
        pipeline.bus.publish(INVENTORY_EVENTS, line)
    pipeline.bus.run_until_idle()
    yield out, truth, pipeline, reports
    pipeline.close()


def quarantined(pipeline: LocalPipeline, name: str | None) -> list[dict[str, Any]]:
    if name is None:
        return []
    return [json.loads(line) for line in pipeline.container.lake.read(name).decode().splitlines()]


def test_each_file_quarantines_exactly_its_planted_bad_rows_in_order(
    loaded: tuple[Path, dict[str, Any], LocalPipeline, list[Any]],
) -> None:
    _, truth, pipeline, reports = loaded
    assert len(reports) == len(truth["feeds"]) > 20
    for feed, report in zip(truth["feeds"], reports, strict=True):
        rejected = quarantined(pipeline, report.quarantine_object)
        assert (report.rows_read, report.rows_quarantined) == (feed["rows"], feed["bad_rows"]), feed["path"]
        assert report.rows_loaded == feed["rows"] - feed["bad_rows"]
        assert [kind_of(r["reasons"]) for r in rejected] == feed["bad_row_reasons"], feed["path"]


def test_the_quarantine_totals_are_the_truths_bad_rows(
    loaded: tuple[Path, dict[str, Any], LocalPipeline, list[Any]],
) -> None:
    _, truth, pipeline, reports = loaded
    counted: Counter[tuple[str, str]] = Counter()
    for report in reports:
        for row in quarantined(pipeline, report.quarantine_object):
            counted[(report.kind, kind_of(row["reasons"]))] += 1
    planted = {(b["kind"], b["reason"]): b["rows"] for b in truth["history"]["bad_rows"]}
    assert dict(counted) == planted
    assert {reason for _, reason in planted} >= {
        "unknown_sku",
        "absurd_quantity",
        "duplicate_line",
        "conflicting_snapshot",
    }


def test_a_resent_snapshot_keeps_the_first_files_numbers_and_names_it(
    loaded: tuple[Path, dict[str, Any], LocalPipeline, list[Any]],
) -> None:
    _, truth, pipeline, reports = loaded
    resent = truth["history"]["resent_snapshots"]
    assert len(resent) == 2
    by_path = dict(zip((f["path"] for f in truth["feeds"]), reports, strict=True))
    warehouse = pipeline.container.warehouse
    for snapshot in resent:
        first = by_path[f"feeds/inventory/inventory_{snapshot['snapshot_date']}.csv"]
        report = by_path[snapshot["path"]]
        rejected = quarantined(pipeline, report.quarantine_object)
        assert len(rejected) == report.rows_quarantined == snapshot["changed_rows"] > 0
        for row in rejected:
            where = f"snapshot {snapshot['snapshot_date']} {row['row']['sku']}@{row['row']['location_id']}"
            [reason] = row["reasons"]
            assert reason.startswith(f"{where} already loaded from {first.object_name} with on_hand ")
            assert reason.endswith(f"; this file says {row['row']['on_hand']}")
        stored = warehouse.query(
            "SELECT COUNT(*) AS n FROM inventory_daily WHERE snapshot_date = @day AND source_object = @first",
            {"day": snapshot["snapshot_date"], "first": first.object_name},
        )[0]["n"]
        assert stored == snapshot["rows"]  # every row still the first file's


def test_stock_events_at_unknown_locations_are_dead_lettered_and_the_rest_stored(
    loaded: tuple[Path, dict[str, Any], LocalPipeline, list[Any]],
) -> None:
    _, truth, pipeline, _ = loaded
    facts = truth["history"]["stock_events"]
    warehouse = pipeline.container.warehouse
    stored = {r["event_id"] for r in warehouse.query("SELECT event_id FROM stock_events")}
    unknown = set(facts["unknown_location_ids"])
    assert len(stored) == facts["events"] - facts["unknown_location"]
    assert not stored & unknown
    assert set(facts["out_of_order_ids"]) - unknown <= stored and facts["out_of_order"] > 0
    dead = warehouse.query(
        "SELECT reason FROM dead_letters WHERE subscription = 'inventory-sync-stock-events' ORDER BY reason"
    )
    assert len(dead) == facts["unknown_location"] > 0
    [location] = facts["unknown_locations"]
    for row in dead:
        assert row["reason"].endswith(
            f"location {location} is unknown: no stock snapshot, order or delivery names it"
        )
    assert {r["reason"].split(":")[0].removeprefix("stock event ") for r in dead} == unknown
