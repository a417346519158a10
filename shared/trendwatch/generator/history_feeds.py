"""The retail history as the retailer sends it: daily feed files, the stream day's stock events,
the true demand beside them, and the bad input loaders must face (every piece counted).

Feed files (``feeds/<kind>/``), listed in ``truth.json``'s ``feeds`` in the order to load them
(the catalogue first, then day by day: inventory, orders, deliveries):

* ``products/products.csv``: the catalogue, with the products launched during the history;
* ``inventory/inventory_<day>.csv``: stock at the end of each history day before the stream's
  day (``on_hand``, and ``on_order``: ordered, not yet received, not known cancelled); a product
  appears from its launch day;
* ``orders/orders_<day>.jsonl``: order lines realising each day's sales, the stream's day
  included (stores: channel ``store``; web and app orders: the warehouse); a promotion's price
  cut shows in ``unit_price``;
* ``deliveries/deliveries_<day>.csv``: what each day reported about replenishment orders:
  ``in_transit`` when placed (``expected_date``), ``delayed`` on the day it was expected
  (``expected_date`` revised), ``cancelled`` the day before it was expected, ``delivered``
  (``delivered_at``) when it arrived, early in the morning;
* ``inventory/inventory_<day>_resent.csv``: a snapshot sent again a day later with other
  numbers on some rows (the first one was right).

``stock_events.jsonl``: one :class:`~trendwatch.contracts.events.StockEvent` per line for the
stream's day, the movements after the last snapshot (which closed the day before): a sale
(``delta`` < 0) per order line at its time, a receipt (``delta`` > 0) per delivery at its
time, and a few cycle counts (``level``). A few arrive out of order and a few name a location
that does not exist.

Bad rows are added to the good ones (never in their place), so that the good rows of a file
are exactly the true sales, stock and deliveries. Their reasons (``truth.json``: each feed
file's ``bad_row_reasons`` in file order, and ``history.bad_rows`` by kind and reason):
``unknown_sku`` (a SKU the catalogue does not have), ``negative_quantity``,
``absurd_quantity`` (5,000 or more), ``duplicate_line`` (an order line repeated as is, right
after itself), ``missing_key`` (no ``sku``), ``unparseable_date``, and for a re-sent snapshot
``conflicting_snapshot`` (one per row whose numbers differ from the first file's).

``demand_truth.csv``, one row per day x SKU x location (a new product from its launch day),
from the history's first day to 14 days after the stream's day:

* ``date``; ``sku``; ``location_id``;
* ``phase``: ``history`` (before the stream's day), ``stream_day``, ``future`` (the horizon);
* ``mean``: the true expected demand (weekly pattern, promotion and trend uplift included);
* ``demand``: the true demand (an integer draw around ``mean``);
* ``sales``: ``min(demand, stock available that day)``; in the future, with no new order placed
  (open orders arrive as they truly do), with the live trends' uplift;
* ``censored``: 1 when stock ran out (``sales < demand``);
* ``on_hand``, ``on_order``: stock at the end of the day, and ordered but not received nor
  known cancelled (history: what the snapshots say; future: no new order);
* ``promo_uplift``, ``trend_uplift``: the multipliers of the mean (1.000: none).
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import msgspec

from trendwatch.contracts.events import StockEvent
from trendwatch.generator.catalog import Product
from trendwatch.generator.feeds import (
    DELIVERY_COLUMNS,
    INVENTORY_COLUMNS,
    PRODUCT_COLUMNS,
    BadRowReason,
    FeedFile,
    FeedKind,
    Row,
    csv_bytes,
    iso_utc,
    jsonl_bytes,
)
from trendwatch.generator.history import WEB_LOCATION, History, cancellation_known, midnight
from trendwatch.generator.timeline import activity, from_ms, to_ms
from trendwatch.generator.vocabulary import LOCATIONS

DEMAND_TRUTH = "demand_truth.csv"
STOCK_EVENTS = "stock_events.jsonl"
DEMAND_COLUMNS = (
    "date",
    "sku",
    "location_id",
    "phase",
    "mean",
    "demand",
    "sales",
    "censored",
    "on_hand",
    "on_order",
    "promo_uplift",
    "trend_uplift",
)
UNKNOWN_LOCATION = "STORE-NCE-01"
LINE_SIZES = (1, 1, 1, 2, 2, 3)
LINES_PER_ORDER = (1, 1, 1, 2, 2, 3)
WEB_APP_SHARE = 0.4
STORE_HOURS = (9, 20)
#: Web orders are taken from 01:00, once the night's receipts at the warehouse are in.
WEB_FIRST_SECOND = 3600
WAREHOUSE_RECEIPT_HOURS = (0, 1)
STORE_RECEIPT_HOURS = (5, 8)
ORDER_REASONS: tuple[BadRowReason, ...] = (
    "unknown_sku",
    "negative_quantity",
    "absurd_quantity",
    "duplicate_line",
    "missing_key",
    "unparseable_date",
)
INVENTORY_REASONS: tuple[BadRowReason, ...] = (
    "unknown_sku",
    "negative_quantity",
    "missing_key",
    "unparseable_date",
)
DELIVERY_REASONS: tuple[BadRowReason, ...] = (
    "unknown_sku",
    "negative_quantity",
    "absurd_quantity",
    "missing_key",
)
ABSURD_QUANTITY = (5_000, 50_000)
#: Per mille of a re-sent snapshot's rows that carry other numbers.
RESENT_CHANGED_SHARE = 0.08


class ResentSnapshot(msgspec.Struct, frozen=True):
    """A snapshot file sent again for a day already sent: ``changed_rows`` rows differ from the
    first file, which had the true numbers. It comes in the load order right after ``sent_after``."""

    path: str
    snapshot_date: date
    rows: int
    changed_rows: int
    sent_after: str


class StockEventsTruth(msgspec.Struct, frozen=True):
    path: str
    day: date
    events: int
    sales: int
    receipts: int
    levels: int
    #: Events whose time is earlier than that of an event before them in the file.
    out_of_order: int
    out_of_order_ids: tuple[str, ...]
    unknown_location: int
    unknown_location_ids: tuple[str, ...]
    unknown_locations: tuple[str, ...]


class BadRows(msgspec.Struct, frozen=True):
    kind: str
    reason: str
    rows: int


@dataclass
class WrittenHistory:
    files: list[FeedFile]
    bad_rows: list[BadRows]
    resent: list[ResentSnapshot]
    stock_events: StockEventsTruth
    #: delivery id -> when it was delivered (Unix ms)
    delivered_ms: dict[str, int] = field(default_factory=dict)


def _day_cum_weights() -> list[float]:
    """Cumulative activity of each second from ``WEB_FIRST_SECOND`` to the end of the day."""
    total, cumulative = 0.0, []
    for second in range(WEB_FIRST_SECOND, 86_400):
        total += activity(second / 3600)
        cumulative.append(total)
    return cumulative


class _Writer:
    def __init__(self, rng: random.Random, out_dir: Path, history: History) -> None:
        self.rng = rng
        self.out = out_dir
        self.h = history
        self.files: list[FeedFile] = []
        self.bad: Counter[tuple[str, str]] = Counter()
        self.known = {p.sku for p in history.products}
        self.delivered_ms: dict[str, int] = {}
        self.web_weights = _day_cum_weights()
        self.index = {p.sku: n for n, p in enumerate(history.products)}
        self.day_lines: list[tuple[int, Row]] = []

    # -- files ----------------------------------------------------------------------------------

    def _write(
        self,
        kind: FeedKind,
        name: str,
        rows: list[Row],
        reasons: list[BadRowReason],
        columns: Sequence[str] = (),
    ) -> str:
        relative = Path("feeds") / kind / name
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_bytes(columns, rows) if columns else jsonl_bytes(rows))
        self.files.append(FeedFile(relative.as_posix(), kind, len(rows), len(reasons), tuple(reasons)))
        for reason in reasons:
            self.bad[(kind, reason)] += 1
        return relative.as_posix()

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
            for p in self.h.products
        ]
        self._write("products", "products.csv", rows, [], PRODUCT_COLUMNS)

    def _unknown_sku(self) -> str:
        while True:
            sku = f"{self.rng.choice(('FAS', 'HOM', 'BEA', 'FOD', 'LIF'))}-{self.rng.randrange(9000, 10_000):04d}"
            if sku not in self.known:
                return sku

    def _mix(
        self, good: list[Row], bad: list[tuple[Row, BadRowReason, int | None]]
    ) -> tuple[list[Row], list[BadRowReason]]:
        """Insert bad rows among the good ones: a duplicate right after its original, others anywhere."""
        slots: dict[int, list[tuple[Row, BadRowReason]]] = {}
        for row, reason, after in bad:
            position = after + 1 if after is not None else self.rng.randrange(len(good) + 1)
            slots.setdefault(position, []).append((row, reason))
        rows: list[Row] = []
        reasons: list[BadRowReason] = []
        for position in range(len(good) + 1):
            for row, reason in slots.get(position, []):
                rows.append(row)
                reasons.append(reason)
            if position < len(good):
                rows.append(good[position])
        return rows, reasons

    def inventory_rows(self, t: int) -> list[Row]:
        day = self.h.day(t).isoformat()
        rows: list[Row] = []
        for p, product in enumerate(self.h.products):
            if self.h.launch[p] > t:
                continue
            for loc, location in enumerate(LOCATIONS):
                s = self.h.series(p, loc)
                rows.append(
                    {
                        "snapshot_date": day,
                        "sku": product.sku,
                        "location_id": location,
                        "on_hand": int(self.h.on_hand[s, t]),
                        "on_order": int(self.h.on_order[s, t]),
                    }
                )
        return rows

    def inventory(self, t: int) -> None:
        good = self.inventory_rows(t)
        bad: list[tuple[Row, BadRowReason, int | None]] = []
        for reason in self.rng.choices(INVENTORY_REASONS, k=self.rng.randint(1, 3)):
            index = self.rng.randrange(len(good))
            row = dict(good[index])
            after: int | None = None
            if reason == "unknown_sku":
                row["sku"] = self._unknown_sku()
            elif reason == "negative_quantity":
                row["on_hand"] = -1 - self.rng.randrange(50)
                after = index - 1  # before the true row: should a loader take it, the true row still wins
            elif reason == "missing_key":
                del row["sku"]
            else:
                row["snapshot_date"] = f"31/02/{row['snapshot_date'][:4]}"
            bad.append((row, reason, after))
        rows, reasons = self._mix(good, bad)
        self._write(
            "inventory", f"inventory_{self.h.day(t).isoformat()}.csv", rows, reasons, INVENTORY_COLUMNS
        )

    def resend(self, t: int, sent_after: str) -> ResentSnapshot:
        rows = self.inventory_rows(t)
        changed = 0
        for row in rows:
            if self.rng.random() < RESENT_CHANGED_SHARE:
                true = int(row["on_hand"])
                other = max(0, true + self.rng.choice((-3, -2, -1, 1, 2, 4, 6)))
                row["on_hand"] = other if other != true else true + 1
                changed += 1
        name = f"inventory_{self.h.day(t).isoformat()}_resent.csv"
        path = self._write("inventory", name, rows, ["conflicting_snapshot"] * changed, INVENTORY_COLUMNS)
        return ResentSnapshot(path, self.h.day(t), len(rows), changed, sent_after)

    # -- orders ---------------------------------------------------------------------------------

    def _order_ms(self, day_ms: int, location: str) -> int:
        if location == WEB_LOCATION:
            second = self.rng.choices(range(WEB_FIRST_SECOND, 86_400), cum_weights=self.web_weights)[0]
        else:
            opening, closing = STORE_HOURS
            hour = min(
                closing - 0.01,
                opening + self.rng.triangular(0, closing - opening, 0.65 * (closing - opening)),
            )
            second = int(hour * 3600)
        return day_ms + second * 1000

    def orders(self, t: int) -> None:
        day = self.h.day(t)
        day_ms = to_ms(midnight(day))
        placed: list[tuple[int, str, list[tuple[Product, int, float]]]] = []
        for loc, location in enumerate(LOCATIONS):
            lines: list[tuple[Product, int, float]] = []
            for p, product in enumerate(self.h.products):
                left = int(self.h.sales[self.h.series(p, loc), t])
                price = round(product.price * (1 - float(self.h.discount[p, t])), 2)
                while left > 0:
                    size = min(left, self.rng.choice(LINE_SIZES))
                    lines.append((product, size, price))
                    left -= size
            self.rng.shuffle(lines)
            order: list[tuple[Product, int, float]] = []
            wanted = self.rng.choice(LINES_PER_ORDER)
            for line in lines:
                if len(order) >= wanted or any(o[0].sku == line[0].sku for o in order):
                    placed.append((self._order_ms(day_ms, location), location, order))
                    order, wanted = [], self.rng.choice(LINES_PER_ORDER)
                order.append(line)
            if order:
                placed.append((self._order_ms(day_ms, location), location, order))
        placed.sort(key=lambda o: o[0])
        good: list[Row] = []
        times: list[int] = []
        for number, (ms, location, order) in enumerate(placed, start=1):
            if location == WEB_LOCATION:
                channel = "app" if self.rng.random() < WEB_APP_SHARE else "web"
            else:
                channel = "store"
            for line_number, (product, quantity, price) in enumerate(order, start=1):
                good.append(
                    {
                        "order_id": f"ORD-{day:%Y%m%d}-{number:05d}",
                        "line_number": line_number,
                        "sku": product.sku,
                        "quantity": quantity,
                        "unit_price": price,
                        "ordered_at": iso_utc(ms),
                        "channel": channel,
                        "location_id": location,
                    }
                )
                times.append(ms)
        self.day_lines = list(zip(times, good, strict=True))
        bad: list[tuple[Row, BadRowReason, int | None]] = []
        extra = len(placed)
        for reason in self.rng.choices(ORDER_REASONS, k=self.rng.randint(2, 4)):
            index = self.rng.randrange(len(good))
            row = dict(good[index])
            after: int | None = None
            if reason == "duplicate_line":
                after = index
            else:
                extra += 1
                row["order_id"], row["line_number"] = f"ORD-{day:%Y%m%d}-{extra:05d}", 1
                if reason == "unknown_sku":
                    row["sku"] = self._unknown_sku()
                elif reason == "negative_quantity":
                    row["quantity"] = -int(row["quantity"])
                elif reason == "absurd_quantity":
                    row["quantity"] = self.rng.randrange(*ABSURD_QUANTITY)
                elif reason == "missing_key":
                    del row["sku"]
                else:
                    row["ordered_at"] = f"31/02/{day.year} {self.rng.randrange(9, 20)}:00"
            bad.append((row, reason, after))
        rows, reasons = self._mix(good, bad)
        self._write("orders", f"orders_{day.isoformat()}.jsonl", rows, reasons)

    # -- deliveries -----------------------------------------------------------------------------

    def deliveries(self, t: int, reported: list[Row]) -> None:
        day = self.h.day(t)
        good = sorted(reported, key=lambda r: (r["delivery_id"], r["status"]))
        bad: list[tuple[Row, BadRowReason, int | None]] = []
        if good:
            for number, reason in enumerate(
                self.rng.choices(DELIVERY_REASONS, k=self.rng.randint(1, 3)), start=1
            ):
                row = dict(self.rng.choice(good))
                row["delivery_id"] = f"DLV-{day:%Y%m%d}-X{number:04d}"
                if reason == "unknown_sku":
                    row["sku"] = self._unknown_sku()
                elif reason == "negative_quantity":
                    row["quantity"] = -int(row["quantity"])
                elif reason == "absurd_quantity":
                    row["quantity"] = self.rng.randrange(*ABSURD_QUANTITY)
                else:
                    del row["sku"]
                bad.append((row, reason, None))
        rows, reasons = self._mix(good, bad)
        self._write("deliveries", f"deliveries_{day.isoformat()}.csv", rows, reasons, DELIVERY_COLUMNS)

    def delivery_reports(self) -> dict[int, list[Row]]:
        """What each history day reports about each replenishment order."""
        by_day: dict[int, list[Row]] = {}
        products = self.h.products
        for d in self.h.deliveries:
            product = products[d.series // len(LOCATIONS)]
            base: Row = {
                "delivery_id": d.delivery_id,
                "sku": product.sku,
                "location_id": LOCATIONS[d.series % len(LOCATIONS)],
                "quantity": d.quantity,
                "expected_date": self.h.day(d.expected).isoformat(),
                "delivered_at": "",
                "status": "in_transit",
            }
            reports: list[tuple[int, Row]] = [(d.placed, base)]
            if d.outcome == "delayed" and d.revised is not None:
                reports.append(
                    (
                        d.expected,
                        {**base, "status": "delayed", "expected_date": self.h.day(d.revised).isoformat()},
                    )
                )
            if d.outcome == "cancelled":
                reports.append((cancellation_known(d), {**base, "status": "cancelled"}))
            if d.arrival is not None:
                first, last = (
                    WAREHOUSE_RECEIPT_HOURS
                    if d.series % len(LOCATIONS) == len(LOCATIONS) - 1
                    else STORE_RECEIPT_HOURS
                )
                ms = to_ms(midnight(self.h.day(d.arrival))) + self.rng.randrange(
                    first * 3_600_000, last * 3_600_000, 1000
                )
                self.delivered_ms[d.delivery_id] = ms
                expected = d.revised if d.revised is not None else d.expected
                reports.append(
                    (
                        d.arrival,
                        {
                            **base,
                            "status": "delivered",
                            "expected_date": self.h.day(expected).isoformat(),
                            "delivered_at": iso_utc(ms),
                        },
                    )
                )
            for day, row in reports:
                if day <= self.h.stream_index:
                    by_day.setdefault(day, []).append(row)
        return by_day

    # -- stock events ---------------------------------------------------------------------------

    def stock_events(self) -> StockEventsTruth:
        t = self.h.stream_index
        day = self.h.day(t)
        raw: list[tuple[int, str, str, int | None, int | None]] = []  # ms, sku, location, delta, level
        for ms, line in self.day_lines:
            raw.append((ms, str(line["sku"]), str(line["location_id"]), -int(line["quantity"]), None))
        for d in self.h.deliveries:
            if d.arrival == t:
                product = self.h.products[d.series // len(LOCATIONS)]
                raw.append(
                    (
                        self.delivered_ms[d.delivery_id],
                        product.sku,
                        LOCATIONS[d.series % len(LOCATIONS)],
                        d.quantity,
                        None,
                    )
                )
        raw.sort(key=lambda e: (e[0], e[1], e[2]))
        # cycle counts: the true level at a moment of the day, for a few series
        level: dict[tuple[str, str], int] = {}
        for p, product in enumerate(self.h.products):
            for loc, location in enumerate(LOCATIONS):
                if self.h.launch[p] <= t:
                    start = self.h.on_hand[self.h.series(p, loc), t - 1] if self.h.launch[p] < t else 0
                    level[(product.sku, location)] = int(start)
        counted = set(self.rng.sample(sorted(level), max(3, len(level) // 40)))
        count_ms = {
            key: to_ms(midnight(day)) + self.rng.randrange(8 * 3_600_000, 22 * 3_600_000, 1000)
            for key in counted
        }
        events: list[tuple[int, str, str, int | None, int | None]] = []
        pending = sorted(count_ms.items(), key=lambda kv: kv[1])
        for ms, sku, location, delta, _ in raw:
            while pending and pending[0][1] <= ms:
                (csku, cloc), cms = pending.pop(0)
                events.append((cms, csku, cloc, None, level[(csku, cloc)]))
            assert delta is not None
            level[(sku, location)] += delta
            events.append((ms, sku, location, delta, None))
        for (csku, cloc), cms in pending:
            events.append((cms, csku, cloc, None, level[(csku, cloc)]))
        # a few movements at a store that does not exist
        unknown: list[int] = []
        for _ in range(self.rng.randint(2, 4)):
            sku = self.rng.choice(self.h.products).sku
            ms = to_ms(midnight(day)) + self.rng.randrange(9 * 3_600_000, 20 * 3_600_000, 1000)
            events.append((ms, sku, UNKNOWN_LOCATION, -self.rng.randint(1, 3), None))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        ids = [f"SE-{day:%Y%m%d}-{n:06d}" for n in range(1, len(events) + 1)]
        unknown = [n for n, e in enumerate(events) if e[2] == UNKNOWN_LOCATION]
        # a few arrive late: moved further down the file, behind later events
        order = list(range(len(events)))
        for _ in range(self.rng.randint(3, 6)):
            i = self.rng.randrange(len(order) // 2)
            moved = order.pop(i)
            order.insert(self.rng.randrange(min(i + 10, len(order)), len(order) + 1), moved)
        lines: list[bytes] = []
        late: list[str] = []
        latest = -1
        for n in order:
            ms, sku, location, delta, count = events[n]
            if ms < latest:
                late.append(ids[n])
            latest = max(latest, ms)
            event = StockEvent(
                event_id=ids[n],
                sku=sku,
                location_id=location,
                event_time=from_ms(ms),
                delta=delta,
                level=count,
            )
            lines.append(msgspec.json.encode(event) + b"\n")
        (self.out / STOCK_EVENTS).write_bytes(b"".join(lines))
        deltas = [e for e in events if e[3] is not None and e[2] != UNKNOWN_LOCATION]
        return StockEventsTruth(
            path=STOCK_EVENTS,
            day=day,
            events=len(events),
            sales=sum(1 for e in deltas if e[3] is not None and e[3] < 0),
            receipts=sum(1 for e in deltas if e[3] is not None and e[3] > 0),
            levels=sum(1 for e in events if e[4] is not None),
            out_of_order=len(late),
            out_of_order_ids=tuple(late),
            unknown_location=len(unknown),
            unknown_location_ids=tuple(ids[n] for n in unknown),
            unknown_locations=(UNKNOWN_LOCATION,),
        )


def write_history_feeds(rng: random.Random, out_dir: Path, history: History) -> WrittenHistory:
    """Write the feed files (in load order), ``stock_events.jsonl`` and ``demand_truth.csv``."""
    writer = _Writer(rng, out_dir, history)
    writer.products()
    reports = writer.delivery_reports()
    stream = history.stream_index
    resend_days = set(rng.sample(range(1, stream - 1), min(2, max(0, stream - 2)) if stream >= 7 else 0))
    resent: list[ResentSnapshot] = []
    for t in range(stream + 1):
        if t < stream:
            writer.inventory(t)
        writer.orders(t)
        writer.deliveries(t, reports.get(t, []))
        if t - 1 in resend_days:
            resent.append(writer.resend(t - 1, writer.files[-1].path))
    events = writer.stock_events()
    write_demand_truth(out_dir / DEMAND_TRUTH, history)
    bad = [BadRows(kind, reason, n) for (kind, reason), n in sorted(writer.bad.items())]
    return WrittenHistory(writer.files, bad, resent, events, writer.delivered_ms)


def write_demand_truth(path: Path, history: History) -> None:
    """Per day, SKU and location: the true demand and what happened (see :data:`DEMAND_COLUMNS`)."""
    stream = history.stream_index
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(DEMAND_COLUMNS)
    for t in range(history.days):
        day = history.day(t).isoformat()
        phase = "history" if t < stream else "stream_day" if t == stream else "future"
        for p, product in enumerate(history.products):
            if history.launch[p] > t:
                continue
            for loc, location in enumerate(LOCATIONS):
                s = history.series(p, loc)
                out.writerow(
                    (
                        day,
                        product.sku,
                        location,
                        phase,
                        f"{history.mean[s, t]:.3f}",
                        int(history.demand[s, t]),
                        int(history.sales[s, t]),
                        int(history.censored[s, t]),
                        int(history.on_hand[s, t]),
                        int(history.on_order[s, t]),
                        f"{history.promo_uplift[s, t]:.3f}",
                        f"{history.trend_uplift[s, t]:.3f}",
                    )
                )
    path.write_text(buffer.getvalue())
