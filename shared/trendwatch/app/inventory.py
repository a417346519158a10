"""inventory-sync: daily feed files into the warehouse, and real-time stock events beside them.

A feed is a file dropped under ``feeds/<kind>/`` (``dt=YYYY-MM-DD/`` folders welcome): CSV with
a header, or JSONL with the same field names (``.csv``, ``.jsonl``, ``.json``, each optionally
``.gz``). Rows are validated (:mod:`trendwatch.domain.feeds`); good rows are upserted by their
table's primary key, bad rows are written with their reasons to
``quarantine/<kind>/dt=<feed day>/<file>.rejected.jsonl``. A file that cannot be read as a feed
at all (unknown kind, not UTF-8, not CSV, a header without the required columns) raises
:class:`InvalidEvent`, so the storage handler dead-letters it with the reason.

Idempotency: an existing row is rewritten only when one of its values differs, so its
``loaded_at`` says when its current values arrived, and loading the same file again (a
redelivered finalize event, a file dropped twice) changes no table. The quarantine object is
named after the feed, so it is rewritten with the same content.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Sequence
from datetime import date

import msgspec

from trendwatch.contracts.cloudevents import InvalidEvent, StorageObject
from trendwatch.contracts.events import FeedLoadReport, StockEvent
from trendwatch.domain.feeds import (
    FEEDS,
    RejectedRow,
    duplicate_keys,
    missing_columns,
    table_rows,
    validate_rows,
)
from trendwatch.observability import get_logger
from trendwatch.ports import BlobStore, Clock, Warehouse
from trendwatch.warehouse.schema import TABLES_BY_NAME, Table

from .handling import Received, read_landed

log = get_logger(__name__)

NumberedRow = tuple[int, dict[str, object]]

#: Where :class:`csv.DictReader` puts the values of a row beyond the header's columns.
_EXTRA_VALUES = "_extra_values"


def _changed(tbl: Table) -> str:
    """SQL that holds when a staged row ``S`` differs from the stored ``T`` in any loaded value.

    Arrays are compared through their JSON text: BigQuery has no equality on arrays.
    """

    def differs(name: str, type_: str) -> str:
        if type_.startswith("ARRAY"):
            return f"TO_JSON_STRING(T.{name}) IS DISTINCT FROM TO_JSON_STRING(S.{name})"
        return f"T.{name} IS DISTINCT FROM S.{name}"

    return " OR ".join(
        differs(c.name, c.type) for c in tbl.columns if c.name not in (*tbl.primary_key, "loaded_at")
    )


_CHANGED = {spec.table: _changed(TABLES_BY_NAME[spec.table]) for spec in FEEDS.values()}


def feed_kind(name: str) -> str:
    """The kind of the feed object ``name`` (``feeds/<kind>/...``); :class:`InvalidEvent` otherwise."""
    parts = name.split("/")
    if len(parts) < 3 or parts[0] != "feeds" or parts[1] not in FEEDS:
        raise InvalidEvent(
            f"{name}: not a feed; feeds go under feeds/<kind>/ with kind one of {', '.join(FEEDS)}"
        )
    return parts[1]


def feed_date(name: str) -> date | None:
    """The day of a feed from its ``dt=YYYY-MM-DD`` folder, if it has a valid one."""
    found = re.search(r"(?:^|/)dt=(\d{4}-\d{2}-\d{2})/", name)
    try:
        return date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        return None


def quarantine_name(kind: str, name: str, day: date) -> str:
    """``quarantine/<kind>/dt=<day>/<path under feeds/<kind>/, without dt= folders>.rejected.jsonl``."""
    rest = [part for part in name.split("/")[2:] if not part.startswith("dt=")]
    return f"quarantine/{kind}/dt={day.isoformat()}/{'/'.join(rest)}.rejected.jsonl"


def _text(name: str, data: bytes) -> str:
    if name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InvalidEvent(f"{name}: not a gzip file: {exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"{name}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def _csv_rows(kind: str, name: str, text: str) -> tuple[list[NumberedRow], list[RejectedRow]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=_EXTRA_VALUES, strict=True)
    rows: list[NumberedRow] = []
    rejected: list[RejectedRow] = []
    try:
        if reader.fieldnames is None:
            raise InvalidEvent(f"{name}: empty file, expected a CSV header")
        reader.fieldnames = [column.strip() for column in reader.fieldnames]
        missing = missing_columns(kind, reader.fieldnames)
        if missing:
            raise InvalidEvent(
                f"{name}: CSV header lacks required {kind} column(s) {', '.join(missing)}"
                f" (header: {','.join(reader.fieldnames)})"
            )
        for row in reader:
            extra = row.get(_EXTRA_VALUES)
            if isinstance(extra, list):
                reason = f"{len(extra)} more value(s) than the header's {len(reader.fieldnames)} columns"
                rejected.append(RejectedRow(reader.line_num, dict(row), (reason,)))
            else:
                rows.append((reader.line_num, dict(row)))
    except csv.Error as exc:
        raise InvalidEvent(f"{name}: not readable as CSV at line {reader.reader.line_num}: {exc}") from exc
    return rows, rejected


def _jsonl_rows(text: str) -> tuple[list[NumberedRow], list[RejectedRow]]:
    rows: list[NumberedRow] = []
    rejected: list[RejectedRow] = []
    # Split on "\n" only: str.splitlines() would also split inside strings at U+2028 and friends.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = msgspec.json.decode(line)
        except msgspec.DecodeError as exc:
            rejected.append(RejectedRow(number, line.rstrip("\r"), (f"not valid JSON: {exc}",)))
            continue
        if isinstance(value, dict):
            rows.append((number, value))
        else:
            rejected.append(RejectedRow(number, line.rstrip("\r"), ("not a JSON object",)))
    return rows, rejected


def read_feed(kind: str, name: str, data: bytes) -> tuple[list[NumberedRow], list[RejectedRow]]:
    """The numbered rows of a feed file, and the rows its format alone already refuses."""
    text = _text(name, data)
    fmt = name.lower().removesuffix(".gz").rsplit(".", 1)[-1]
    if fmt == "csv":
        return _csv_rows(kind, name, text)
    if fmt in ("jsonl", "json"):
        return _jsonl_rows(text)
    raise InvalidEvent(
        f"{name}: unsupported feed format {fmt!r}; expected .csv, .jsonl or .json (optionally .gz)"
    )


class InventoryService:
    """Loads feed files and records stock events.

    ``dead_letters`` and ``route`` complete the composition root's uniform wiring; whole files
    that cannot be loaded raise :class:`InvalidEvent` and the storage handler dead-letters them.
    """

    def __init__(
        self, lake: BlobStore, warehouse: Warehouse, clock: Clock, *, landing: BlobStore | None = None
    ) -> None:
        self._lake = lake
        self._landing = landing or lake
        self._warehouse = warehouse
        self._clock = clock

    def load_feed(self, obj: StorageObject) -> FeedLoadReport:
        """Load one finalized feed object (see the module docstring).

        Rows of one file that share a primary key: the last one wins.
        """
        kind = feed_kind(obj.name)
        spec = FEEDS[kind]
        rows, unreadable = read_feed(kind, obj.name, read_landed(self._landing, obj))
        good, invalid = validate_rows(kind, rows)
        rejected = sorted([*unreadable, *invalid], key=lambda r: r.line)
        self._warehouse.merge_rows(
            spec.table, table_rows(good, self._clock.now()), update_when=_CHANGED[spec.table]
        )
        day = feed_date(obj.name)
        quarantine = None
        if rejected:
            quarantine = quarantine_name(kind, obj.name, day or obj.time_created.date())
            body = b"".join(msgspec.json.encode(r) + b"\n" for r in rejected)
            self._lake.write(quarantine, body, "application/x-ndjson")
        report = FeedLoadReport(
            kind=kind,
            object_name=obj.name,
            rows_read=len(rows) + len(unreadable),
            rows_loaded=len(good),
            rows_quarantined=len(rejected),
            quarantine_object=quarantine,
            feed_date=day,
        )
        self._warehouse.merge_rows(
            "feed_loads",
            [
                {
                    "object_name": obj.name,
                    "kind": kind,
                    "generation": obj.generation,
                    "rows_read": report.rows_read,
                    "rows_loaded": report.rows_loaded,
                    "rows_quarantined": report.rows_quarantined,
                    "quarantine_object": quarantine,
                    "loaded_at": self._clock.now(),
                }
            ],
            update=False,
        )
        log.info(
            "feed loaded",
            extra={**msgspec.structs.asdict(report), "duplicate_keys": duplicate_keys(kind, good)},
        )
        return report

    def record_stock_events(self, batch: Sequence[Received[StockEvent]]) -> None:
        """Store stock movements by ``event_id``: a redelivered event keeps its first receipt."""
        received_at = self._clock.now()
        self._warehouse.merge_rows(
            "stock_events",
            [
                {
                    "event_id": e.event_id,
                    "sku": e.sku,
                    "location_id": e.location_id,
                    "event_time": e.event_time,
                    "delta": e.delta,
                    "level": e.level,
                    "received_at": received_at,
                }
                for e in (r.value for r in batch)
            ],
            update=False,
        )
