"""inventory-sync: daily feed files into the warehouse, and real-time stock events beside them.

A feed is a file dropped under ``feeds/<kind>/`` (``dt=YYYY-MM-DD/`` folders welcome): CSV with
a header, or JSONL with the same field names (``.csv``, ``.jsonl``, ``.json``, each optionally
``.gz``). Rows are validated (:mod:`trendwatch.domain.feeds`), on their own (types, bounds:
no negative or absurd quantity) and against the warehouse: a SKU the product catalogue does
not have, a key repeated in the file, an order line or a stock snapshot already loaded from
another file with other numbers. Good rows are upserted by their table's primary key in one
statement, with the file they came from (``source_object``); bad rows are written with their
reasons to ``quarantine/<kind>/dt=<feed day>/<file>.rejected.jsonl``, and the rest of the file
loads. A file that cannot be read as a feed at all (unknown kind, not UTF-8, not CSV, a header
without the required columns) raises :class:`InvalidEvent`, so the storage handler
dead-letters it with the reason.

The catalogue comes first. Inventory, orders and deliveries naming a SKU the ``products``
table does not have are quarantined, and so is every row when no catalogue has been loaded
at all: the reason then says to load the products feed first. Nothing is lost: the file stays
in the landing bucket, and loading it again after the catalogue loads those rows and rewrites
its quarantine object (emptied when nothing is refused any more). Loading the rows instead
would let SKUs nobody knows into the demand history for good.

Which row is stored is always deterministic: of rows sharing a key in one file, the first;
of an order line or snapshot loaded from two files, the first file's (a snapshot re-sent with
other numbers is quarantined, naming the file it contradicts); products and deliveries take
the latest file's values (a new price, a delivery delayed then delivered).

Idempotency: an existing row is rewritten only when one of its values differs, so its
``loaded_at`` says when its current values arrived, and loading the same file again (a
redelivered finalize event, a file dropped twice) changes no table and refuses nothing more.
The quarantine object is named after the feed, so it is rewritten with the same content.

Real-time stock events are decoded per message (:meth:`InventoryService.decode_stock_event`):
one without ``delta`` or ``level``, for a SKU not in the catalogue, or for a location no
snapshot, order or delivery has named (there is no table of locations), is an
:class:`InvalidEvent`, dead-lettered alone with its reason (and replayable once the feeds
that make it known are loaded). Events are stored by ``event_id``, so a redelivered event
never counts twice; their order of arrival does not matter, readers order them by
``event_time``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import msgspec

from trendwatch.app import decoding
from trendwatch.contracts.cloudevents import InvalidEvent, PubSubMessage, StorageObject
from trendwatch.contracts.events import FeedLoadReport, StockEvent
from trendwatch.domain.feeds import (
    FEEDS,
    IMMUTABLE_KINDS,
    SOURCE_COLUMN,
    InventoryRow,
    LoadedRow,
    OrderRow,
    RejectedRow,
    ValidRow,
    check_rows,
    loaded_row,
    missing_columns,
    refuse_conflicts,
    refuse_duplicates,
    refuse_unknown_skus,
    row_key,
    table_rows,
)
from trendwatch.observability import get_logger
from trendwatch.ports import BlobStore, Clock, Warehouse
from trendwatch.warehouse.schema import TABLES_BY_NAME, Table

from .compressed import gunzip
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

    changed = " OR ".join(
        differs(c.name, c.type)
        for c in tbl.columns
        if c.name not in (*tbl.primary_key, "loaded_at", SOURCE_COLUMN)
    )
    return changed


def _update_when(kind: str) -> str:
    """When a staged row rewrites the stored one: when a value differs and, for the feeds of
    facts, the row came from the same file (the others were refused; this also keeps the first
    file's row should two files race)."""
    changed = _changed(TABLES_BY_NAME[FEEDS[kind].table])
    if kind in IMMUTABLE_KINDS:
        return f"({changed}) AND T.{SOURCE_COLUMN} IS NOT DISTINCT FROM S.{SOURCE_COLUMN}"
    return changed


_UPDATE_WHEN = {kind: _update_when(kind) for kind in FEEDS}

#: The stored rows an immutable feed's rows may contradict, by the values that narrow them.
_LOADED_SQL = {
    "inventory": "SELECT * FROM inventory_daily WHERE snapshot_date IN UNNEST(@dates) AND sku IN UNNEST(@skus)",
    "orders": "SELECT * FROM orders WHERE order_id IN UNNEST(@order_ids)",
}
_KNOWN_SKUS_SQL = "SELECT sku FROM products WHERE sku IN UNNEST(@skus)"
_ANY_PRODUCT_SQL = "SELECT sku FROM products LIMIT 1"
_LOCATIONS_SQL = """
SELECT location_id FROM inventory_daily
UNION DISTINCT SELECT location_id FROM orders WHERE location_id IS NOT NULL
UNION DISTINCT SELECT location_id FROM deliveries
"""
_FEED_LOADS_MARK_SQL = "SELECT COUNT(*) AS loads, MAX(loaded_at) AS last FROM feed_loads"


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
        data = gunzip(data, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"{name}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def _csv_records(reader: csv.DictReader[str], rejected: list[RejectedRow]) -> Iterator[dict[str, Any]]:
    """The reader's records; one with a value longer than the csv module's limit is refused
    alone (the reader goes on at the next line), any other CSV error stops the file."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not str(exc).startswith("field larger than field limit"):
                raise
            line = reader.reader.line_num
            reason = f"a value longer than {csv.field_size_limit():,} characters"
            rejected.append(RejectedRow(line, f"(line {line}, not kept: {reason})", (reason,)))


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
        for row in _csv_records(reader, rejected):
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
        except (msgspec.DecodeError, RecursionError) as exc:
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


class KnownPlaces:
    """The SKUs of the catalogue and the locations the feeds have named, read from the warehouse
    once, and again only when an event names one unknown and a feed file has loaded since."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse
        self._mark: dict[str, Any] | None = None
        self._skus: frozenset[str] = frozenset()
        self._locations: frozenset[str] = frozenset()

    def _refresh(self) -> None:
        mark = self._warehouse.query(_FEED_LOADS_MARK_SQL)[0]
        if mark == self._mark:
            return
        self._skus = frozenset(r["sku"] for r in self._warehouse.query("SELECT sku FROM products"))
        self._locations = frozenset(r["location_id"] for r in self._warehouse.query(_LOCATIONS_SQL))
        self._mark = mark

    def _reason(self, sku: str, location_id: str) -> str | None:
        if sku not in self._skus:
            hint = "" if self._skus else " (no products feed loaded yet)"
            return f"sku {sku} is not in the product catalogue{hint}"
        if location_id not in self._locations:
            return f"location {location_id} is unknown: no stock snapshot, order or delivery names it"
        return None

    def unknown(self, sku: str, location_id: str) -> str | None:
        """Why the SKU or location is unknown, or ``None`` when both are known."""
        if self._mark is None or self._reason(sku, location_id):
            self._refresh()
        return self._reason(sku, location_id)


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
        self._places = KnownPlaces(warehouse)

    def load_feed(self, obj: StorageObject) -> FeedLoadReport:
        """Load one finalized feed object (see the module docstring)."""
        kind = feed_kind(obj.name)
        spec = FEEDS[kind]
        rows, unreadable = read_feed(kind, obj.name, read_landed(self._landing, obj))
        valid, invalid = check_rows(kind, rows)
        good, refused = self._check_across_rows(kind, obj.name, valid)
        rejected = sorted([*unreadable, *invalid, *refused], key=lambda r: r.line)
        self._warehouse.merge_rows(
            spec.table,
            table_rows((v.row for v in good), self._clock.now(), source=obj.name),
            update_when=_UPDATE_WHEN[kind],
        )
        day = feed_date(obj.name)
        quarantine = quarantine_name(kind, obj.name, day or obj.time_created.date())
        if rejected:
            body = b"".join(msgspec.json.encode(r) + b"\n" for r in rejected)
            self._lake.write(quarantine, body, "application/x-ndjson")
        elif self._lake.exists(quarantine):
            # an earlier load of this file refused rows that load now (the catalogue came since)
            self._lake.write(quarantine, b"", "application/x-ndjson")
        report = FeedLoadReport(
            kind=kind,
            object_name=obj.name,
            rows_read=len(rows) + len(unreadable),
            rows_loaded=len(good),
            rows_quarantined=len(rejected),
            quarantine_object=quarantine if rejected else None,
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
                    "quarantine_object": report.quarantine_object,
                    "loaded_at": self._clock.now(),
                }
            ],
            update=False,
        )
        log.info(
            "feed loaded",
            extra={
                **msgspec.structs.asdict(report),
                "refused_across_rows": len(refused),
            },
        )
        return report

    def _check_across_rows(
        self, kind: str, source: str, rows: list[ValidRow]
    ) -> tuple[list[ValidRow], list[RejectedRow]]:
        """The rules across rows (:mod:`trendwatch.domain.feeds`), with what the warehouse holds."""
        if not rows:
            return rows, []
        skus = sorted({v.row.sku for v in rows})
        known = {r["sku"] for r in self._warehouse.query(_KNOWN_SKUS_SQL, {"skus": skus})}
        loaded = bool(known) or bool(self._warehouse.query(_ANY_PRODUCT_SQL))
        rows, unknown = refuse_unknown_skus(kind, rows, known, catalogue_loaded=loaded)
        rows, repeated = refuse_duplicates(rows)
        rows, conflicting = refuse_conflicts(kind, rows, self._loaded(kind, rows), source)
        return rows, [*unknown, *repeated, *conflicting]

    def _loaded(self, kind: str, rows: Iterable[ValidRow]) -> dict[tuple[Any, ...], LoadedRow]:
        """The stored rows of the keys of ``rows``, for the feeds of facts."""
        if kind not in _LOADED_SQL:
            return {}
        typed = [v.row for v in rows]
        if not typed:
            return {}
        params: dict[str, list[Any]] = (
            {
                "dates": sorted({r.snapshot_date for r in typed if isinstance(r, InventoryRow)}),
                "skus": sorted({r.sku for r in typed}),
            }
            if kind == "inventory"
            else {"order_ids": sorted({r.order_id for r in typed if isinstance(r, OrderRow)})}
        )
        keys = {row_key(r) for r in typed}
        found: dict[tuple[Any, ...], LoadedRow] = {}
        for record in self._warehouse.query(_LOADED_SQL[kind], params):
            stored = loaded_row(kind, record)
            if stored is not None and row_key(stored.row) in keys:
                found[row_key(stored.row)] = stored
        return found

    def decode_stock_event(self, message: PubSubMessage) -> StockEvent:
        """An ``inventory-events`` message as a :class:`StockEvent` whose SKU is in the catalogue
        and whose location is known; :class:`InvalidEvent` (dead-lettered alone) otherwise."""
        event = decoding.stock_event(message)
        reason = self._places.unknown(event.sku, event.location_id)
        if reason:
            raise InvalidEvent(f"stock event {event.event_id}: {reason}")
        return event

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
