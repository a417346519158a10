"""Retail feeds for the catalogue: products, daily inventory, orders and deliveries.

Orders of a planted topic's products rise after its onset, and its products run low on
stock, so trend-to-product linkage has something to find. Each daily file carries a few
deliberately invalid rows (counted in the truth file) to exercise the loaders' quarantine.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

import msgspec

from trendwatch.generator.catalog import Product
from trendwatch.generator.timeline import from_ms, to_ms
from trendwatch.generator.topics import PlantedTopic
from trendwatch.generator.vocabulary import LOCATIONS

FeedKind = Literal["products", "inventory", "orders", "deliveries"]
BadRowReason = Literal[
    "missing_key",
    "negative_quantity",
    "non_integer_quantity",
    "unparseable_date",
    # in the history's feeds (``history_feeds``):
    "unknown_sku",
    "absurd_quantity",
    "duplicate_line",
    "conflicting_snapshot",
]
BAD_ROW_REASONS: tuple[BadRowReason, ...] = (
    "missing_key",
    "negative_quantity",
    "non_integer_quantity",
    "unparseable_date",
)
ORDERS_PER_DAY = 150
DELIVERIES_PER_DAY = 25
#: How much more often a topic's products are ordered once the topic has taken off.
TOPIC_ORDER_BOOST = 8.0
CHANNELS = ("web", "app", "store")
PRODUCT_COLUMNS = ("sku", "name", "category", "brand", "price", "keywords")
INVENTORY_COLUMNS = ("snapshot_date", "sku", "location_id", "on_hand", "on_order")
DELIVERY_COLUMNS = (
    "delivery_id",
    "sku",
    "location_id",
    "quantity",
    "expected_date",
    "delivered_at",
    "status",
)
Row = dict[str, Any]


class FeedFile(msgspec.Struct, frozen=True):
    """One written feed file: ``rows`` data rows (header excluded), of which ``bad_rows`` are
    invalid, with the reason of each bad row in file order."""

    path: str
    kind: FeedKind
    rows: int
    bad_rows: int = 0
    bad_row_reasons: tuple[BadRowReason, ...] = ()


class _Fields(NamedTuple):
    """The fields a bad row spoils: the key, a quantity, a date."""

    key: str
    quantity: str
    date: str


_FIELDS: dict[FeedKind, _Fields] = {
    "inventory": _Fields("sku", "on_hand", "snapshot_date"),
    "orders": _Fields("sku", "quantity", "ordered_at"),
    "deliveries": _Fields("sku", "quantity", "expected_date"),
}


def _spoiled(row: Row, reason: BadRowReason, fields: _Fields) -> Row:
    bad = dict(row)
    if reason == "missing_key":
        del bad[fields.key]
    elif reason == "negative_quantity":
        bad[fields.quantity] = -1 - int(row[fields.quantity])
    elif reason == "non_integer_quantity":
        bad[fields.quantity] = int(row[fields.quantity]) + 0.5
    else:
        bad[fields.date] = "31/02/" + str(row[fields.date])[:4]
    return bad


def _spoil(rng: random.Random, rows: list[Row], kind: FeedKind) -> tuple[BadRowReason, ...]:
    """Replace two to four rows by invalid ones, each invalid for a different reason."""
    reasons = tuple(rng.sample(BAD_ROW_REASONS, rng.randint(2, 4)))
    positions = sorted(rng.sample(range(len(rows)), len(reasons)))
    for position, reason in zip(positions, reasons, strict=True):
        rows[position] = _spoiled(rows[position], reason, _FIELDS[kind])
    return reasons


def csv_bytes(columns: Sequence[str], rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def jsonl_bytes(rows: list[Row]) -> bytes:
    encoder = msgspec.json.Encoder()
    return b"".join(encoder.encode(row) + b"\n" for row in rows)


def iso_utc(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


class _FeedWriter:
    def __init__(
        self, rng: random.Random, out_dir: Path, catalog: list[Product], topics: list[PlantedTopic]
    ) -> None:
        self._rng = rng
        self._out = out_dir
        self._catalog = catalog
        self._onsets = {t.spec.topic_id: t.onset_ms for t in topics}
        self.files: list[FeedFile] = []

    def _write(self, kind: FeedKind, name: str, rows: list[Row], columns: Sequence[str] = ()) -> None:
        reasons = _spoil(self._rng, rows, kind) if kind in _FIELDS else ()
        relative = Path("feeds") / kind / name
        path = self._out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_bytes(columns, rows) if columns else jsonl_bytes(rows))
        self.files.append(FeedFile(relative.as_posix(), kind, len(rows), len(reasons), reasons))

    def products(self) -> None:
        rows: list[Row] = [
            {
                "sku": p.sku,
                "name": p.name,
                "category": p.category,
                "brand": p.brand,
                "price": f"{p.price:.2f}",
                "keywords": "|".join(p.keywords),
            }
            for p in self._catalog
        ]
        self._write("products", "products.csv", rows, PRODUCT_COLUMNS)

    def _is_trending(self, product: Product, ms: int) -> bool:
        return product.topic_id in self._onsets and ms >= self._onsets[product.topic_id]

    def inventory(self, day: date) -> None:
        rows = [
            {
                "snapshot_date": day.isoformat(),
                "sku": p.sku,
                "location_id": location,
                "on_hand": self._rng.randrange(5, 40)
                if p.topic_id in self._onsets
                else self._rng.randrange(20, 300),
                "on_order": self._rng.choice((0, 0, 24, 48, 96)),
            }
            for p in self._catalog
            for location in LOCATIONS
        ]
        self._write("inventory", f"inventory_{day.isoformat()}.csv", rows, INVENTORY_COLUMNS)

    def orders(self, day: date) -> None:
        day_ms = to_ms(_midnight(day))
        times = sorted(day_ms + self._rng.randrange(86_400_000) for _ in range(ORDERS_PER_DAY))
        rows: list[Row] = []
        for number, ms in enumerate(times, start=1):
            channel = self._rng.choice(CHANNELS)
            location = self._rng.choice(LOCATIONS[:-1]) if channel == "store" else LOCATIONS[-1]
            weights = [TOPIC_ORDER_BOOST if self._is_trending(p, ms) else 1.0 for p in self._catalog]
            for line in range(1, self._rng.randint(1, 3) + 1):
                product = self._rng.choices(self._catalog, weights)[0]
                rows.append(
                    {
                        "order_id": f"ORD-{day:%Y%m%d}-{number:05d}",
                        "line_number": line,
                        "sku": product.sku,
                        "quantity": self._rng.randint(1, 3),
                        "unit_price": product.price,
                        "ordered_at": iso_utc(ms),
                        "channel": channel,
                        "location_id": location,
                    }
                )
        self._write("orders", f"orders_{day.isoformat()}.jsonl", rows)

    def deliveries(self, day: date) -> None:
        rows: list[Row] = []
        for number in range(1, DELIVERIES_PER_DAY + 1):
            status = self._rng.choice(("delivered", "delivered", "in_transit", "delayed"))
            delivered_ms = to_ms(_midnight(day)) + self._rng.randrange(6 * 3_600_000, 20 * 3_600_000)
            rows.append(
                {
                    "delivery_id": f"DLV-{day:%Y%m%d}-{number:04d}",
                    "sku": self._rng.choice(self._catalog).sku,
                    "location_id": self._rng.choice(LOCATIONS),
                    "quantity": self._rng.randrange(12, 240, 12),
                    "expected_date": (day + timedelta(days=self._rng.randint(0, 5))).isoformat(),
                    "delivered_at": iso_utc(delivered_ms) if status == "delivered" else "",
                    "status": status,
                }
            )
        self._write("deliveries", f"deliveries_{day.isoformat()}.csv", rows, DELIVERY_COLUMNS)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _days(start_ms: int, end_ms: int) -> Iterator[date]:
    day, last = from_ms(start_ms).date(), from_ms(end_ms - 1).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def write_feeds(
    rng: random.Random,
    out_dir: Path,
    catalog: list[Product],
    topics: list[PlantedTopic],
    span_ms: tuple[int, int],
) -> list[FeedFile]:
    """Write the product list and one inventory, orders and deliveries file per day of the run."""
    writer = _FeedWriter(rng, out_dir, catalog, topics)
    writer.products()
    for day in _days(*span_ms):
        writer.inventory(day)
        writer.orders(day)
        writer.deliveries(day)
    return writer.files
