"""Projected stock per SKU, location and day of the forecast horizon.

Where a product's stock is heading, from what is known at the end of ``as_of``:

    stock at the end of as_of  =  latest snapshot + stock events since it
    each day d = as_of + 1 … as_of + horizon:
        opening(d)   = closing(d - 1)            (opening of the first day: the stock above)
        available(d) = opening(d) + receipts(d)  (deliveries expected that day)
        lost(d)      = max(0, demand(d) - available(d))
        closing(d)   = max(0, available(d) - demand(d))

once with the social forecast's p50 as the day's demand and once with its p90. The rules:

* **Snapshots.** Per SKU and location the latest snapshot dated ``as_of`` or earlier; it is the
  stock at the end of its day (UTC).
* **Stock events.** Duplicates by ``event_id`` count once. Events are ordered by
  ``event_time`` (then ``event_id``), whatever order they arrived in. An event dated on the
  snapshot's day or before it is already in the snapshot and is ignored, and so is an event
  after the end of ``as_of`` (not known on that day, which keeps a rerun for a past day
  honest). A ``level`` sets the stock to that count at that time (its ``delta``, if any, is
  not added again); a ``delta`` moves it. So the stock is the last level event's count (or the
  snapshot's when there is none) plus the deltas after it.
* **Events without a snapshot** still count, from 0: a SKU newly stocked at a location has
  events (its first receipt, a count) before its first snapshot, and leaving it out would hide
  a product that is on the shelf and selling. A level event makes such a count exact.
* **A stock below zero** (more sold than known to be there: a missed receipt) counts as none.
* **Deliveries** by status (compared case-insensitively):

  - ``cancelled``: never.
  - ``planned`` and ``in_transit``: received on ``expected_date``, or on the first day of the
    horizon when that date is past (it is due any moment).
  - ``delayed``: when its ``expected_date`` is still ahead, on that date plus
    ``delayed_extra_days`` (0 by default: the deliveries feed reports a delay with the revised
    expected date, so that date already counts it late); when it is past (a delay with no new
    date, or one overdue again), ``overdue_delay_days`` after ``as_of``.
  - ``delivered``: on the day of ``delivered_at`` (UTC; ``expected_date`` when it is missing).
    Delivered on the snapshot's day or before: in the snapshot, ignored. Delivered after the
    end of ``as_of`` (a rerun for a past day): not yet received then, so counted as in transit.
    Delivered after the snapshot and by the end of ``as_of``: in the stock already when the
    stock events record goods receipts (``receipts_in_events``, the default: the store and
    warehouse systems post each receipt as a movement), so not added twice; when they do not,
    added to the stock unless a level event at or after ``delivered_at`` already counted it.
  - any other status: not counted (stock that may never come is not counted on).

  A delivery is received at the start of its day and sells that day. Receipts after the
  horizon are outside the projection.
* **Forecasts** (``date``, or ``forecast_date`` as in the warehouse table; one run's rows):
  the rows with a ``location_id`` (rows without one are SKU totals), for the days
  after ``as_of`` within the horizon; negative quantities count as 0, a missing p50 as 0 and a
  p90 below the p50 (or missing) as the p50. A SKU and location with no forecast for a day has
  no demand that day. The projection covers the SKUs and locations whose stock is known (a
  snapshot, an event, a delivery to come, or a received one added to the stock); forecasts for
  others are left out: the product is not stocked there.
* **Shortfalls are lost sales**, not back orders: a shop that runs out does not sell the
  missing units later, so the closing stock never goes below zero and the unmet demand of the
  day is ``lost_p50`` / ``lost_p90``. A delivery after a stock-out refills the shelf in full.

Per SKU and location (repeated on each of its days):

* ``stockout_date``: the first day whose p50 demand cannot be fully served (``lost_p50 > 0``),
  the headline date (the expected case); ``stockout_date_p90`` the same with every day at its
  p90 — a pessimistic scenario (the sum of daily p90s is above the p90 of the total), the date
  it could come as early as. NaT when the stock lasts the horizon.
* ``days_of_cover`` (p50) and ``days_of_cover_p90``: how many days the stock and the receipts
  last, fractional: ``(stock-out day - 1) + available / demand`` on the stock-out day, counted
  from the start of the first horizon day; the horizon when no stock-out.

``baseline_p50`` carries the baseline model's p50 of each day alongside (for the uplift a
trend brings, :mod:`trendwatch.domain.restock`).

SKUs and locations are numbered once (sorted, so the output is in SKU and location order) and
everything after that is array arithmetic over (SKU and location) x day arrays, with no join on
strings: the only Python loop is over the few SKUs and locations with several delayed or
cancelled deliveries, to list them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

KEY: Final = ("sku", "location_id")

SNAPSHOT_COLUMNS: Final = ("snapshot_date", "sku", "location_id", "on_hand")
EVENT_COLUMNS: Final = ("event_id", "sku", "location_id", "event_time", "delta", "level")
DELIVERY_COLUMNS: Final = (
    "delivery_id",
    "sku",
    "location_id",
    "quantity",
    "expected_date",
    "delivered_at",
    "status",
)
FORECAST_COLUMNS: Final = ("sku", "location_id", "date", "p10", "p50", "p90", "baseline_p50")

#: The columns of :func:`project_stock`, in order.
PROJECTION_COLUMNS: Final = (
    "sku",
    "location_id",
    "date",
    "opening_p50",
    "opening_p90",
    "receipts",
    "demand_p50",
    "demand_p90",
    "baseline_p50",
    "closing_p50",
    "closing_p90",
    "lost_p50",
    "lost_p90",
    "on_hand",
    "days_of_cover",
    "days_of_cover_p90",
    "stockout_date",
    "stockout_date_p90",
    "delayed_deliveries",
    "cancelled_deliveries",
)

#: Statuses received on their expected date (or at once when overdue).
_ON_TIME: Final = frozenset({"planned", "in_transit"})
_ONE_DAY: Final = np.timedelta64(1, "D")
#: Unmet demand below this is rounding, not a stock-out.
_EPSILON: Final = 1e-9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ProjectionSettings:
    """How far to project and how to read late deliveries."""

    #: Days projected after ``as_of``.
    horizon_days: int = 14
    #: Days added to a ``delayed`` delivery's expected date when that date is still ahead (0:
    #: the feed revises the expected date when it reports the delay).
    delayed_extra_days: int = 0
    #: A ``delayed`` delivery whose expected date is past is received this many days after
    #: ``as_of``.
    overdue_delay_days: int = 3
    #: The stock events record goods receipts (so a delivery received after the snapshot is
    #: already in them).
    receipts_in_events: bool = True

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise ValueError(f"horizon_days must be at least 1, not {self.horizon_days}")
        if self.delayed_extra_days < 0:
            raise ValueError(f"delayed_extra_days must be 0 or more, not {self.delayed_extra_days}")
        if self.overdue_delay_days < 1:
            raise ValueError(f"overdue_delay_days must be at least 1, not {self.overdue_delay_days}")


def project_stock(
    snapshots: pd.DataFrame,
    stock_events: pd.DataFrame,
    deliveries: pd.DataFrame,
    forecasts: pd.DataFrame,
    as_of: date,
    settings: ProjectionSettings | None = None,
) -> pd.DataFrame:
    """Projected stock of every SKU and location with known stock, for each day of the horizon.

    One row per SKU, location and day ``as_of + 1 … as_of + horizon_days``, ordered by SKU,
    location and date, with the columns of :data:`PROJECTION_COLUMNS` (see the module's
    description). ``sku``, ``location_id`` and the two delivery lists are categorical (the
    same few strings repeated on every day); dates are ``datetime64`` days (``NaT`` for none);
    quantities floats except ``on_hand`` (int).
    """
    settings = settings or ProjectionSettings()
    horizon = settings.horizon_days
    today = np.datetime64(as_of, "D")
    snapshots = _columns(snapshots, SNAPSHOT_COLUMNS)
    stock_events = _columns(stock_events, EVENT_COLUMNS)
    deliveries = _columns(deliveries, DELIVERY_COLUMNS)
    forecasts = _columns(_dated(forecasts), FORECAST_COLUMNS)
    space = _KeySpace([snapshots, stock_events, deliveries])
    m = space.size
    if not m:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in PROJECTION_COLUMNS})

    # The latest snapshot on or before as_of, per key.
    snap_pos = space.positions(snapshots)
    snap_day = _days(snapshots["snapshot_date"])
    snap_qty = pd.to_numeric(snapshots["on_hand"]).fillna(0).to_numpy(dtype=np.float64)
    use = (snap_pos >= 0) & (snap_day <= today)
    order = np.lexsort((snap_day[use], snap_pos[use]))  # by key, then date: the last one wins
    snapshot_day = np.full(m, np.datetime64("NaT", "D"))
    on_hand = np.zeros(m, dtype=np.float64)
    snapshot_day[snap_pos[use][order]] = snap_day[use][order]
    on_hand[snap_pos[use][order]] = snap_qty[use][order]
    known = ~np.isnat(snapshot_day)

    events = _known_events(stock_events, space, snapshot_day, today)
    last_level_ns = _apply_events(on_hand, events)
    known[events["pos"].to_numpy(dtype=np.int64)] = True

    pending, received = _deliveries(deliveries, space, snapshot_day, today, settings)
    _apply_received(on_hand, received, last_level_ns, settings)
    known[pending["pos"].to_numpy(dtype=np.int64)] = True
    if not settings.receipts_in_events:  # otherwise the receipt is in an event, counted above
        known[received["pos"].to_numpy(dtype=np.int64)] = True
    on_hand = np.maximum(on_hand, 0.0)

    receipts = np.zeros((m, horizon), dtype=np.float64)
    day = (pending["arrival"].to_numpy().astype("datetime64[D]") - today).astype(np.int64)
    inside = (day >= 1) & (day <= horizon)
    np.add.at(
        receipts,
        (pending["pos"].to_numpy(dtype=np.int64)[inside], day[inside] - 1),
        pending["quantity"].to_numpy(dtype=np.float64)[inside],
    )
    demand_p50, demand_p90, baseline = _demand(forecasts, space, today, horizon)
    notes = _notes(deliveries, space, snapshot_day, today, horizon)

    keep = np.flatnonzero(known)
    n = len(keep)
    on_hand, receipts = on_hand[keep], receipts[keep]
    demand_p50, demand_p90, baseline = demand_p50[keep], demand_p90[keep], baseline[keep]
    p50 = _run(on_hand, receipts, demand_p50)
    p90 = _run(on_hand, receipts, demand_p90)

    dates = today + np.arange(1, horizon + 1).astype("timedelta64[D]")
    sku, location = space.labels(keep, horizon)
    per_key = {
        "on_hand": on_hand.astype(np.int64),
        "days_of_cover": p50.days_of_cover,
        "days_of_cover_p90": p90.days_of_cover,
        "stockout_date": _stockout_dates(p50.stockout_day, today),
        "stockout_date_p90": _stockout_dates(p90.stockout_day, today),
    }
    return pd.DataFrame(
        copy=False,
        data={
            "sku": sku,
            "location_id": location,
            "date": np.tile(dates, n),
            "opening_p50": p50.opening.ravel(),
            "opening_p90": p90.opening.ravel(),
            "receipts": receipts.ravel(),
            "demand_p50": demand_p50.ravel(),
            "demand_p90": demand_p90.ravel(),
            "baseline_p50": baseline.ravel(),
            "closing_p50": p50.closing.ravel(),
            "closing_p90": p90.closing.ravel(),
            "lost_p50": p50.lost.ravel(),
            "lost_p90": p90.lost.ravel(),
            **{name: np.repeat(values, horizon) for name, values in per_key.items()},
            **{f"{name}_deliveries": _repeated(values[keep], horizon) for name, values in notes.items()},
        },
    )


class _KeySpace:
    """Every SKU and location named in the stock inputs, numbered in (SKU, location) order, so
    that the rest is integer arithmetic instead of joins on strings."""

    def __init__(self, frames: Sequence[pd.DataFrame]) -> None:
        self.skus = _sorted_labels([frame["sku"] for frame in frames])
        self.locations = _sorted_labels([frame["location_id"] for frame in frames])
        codes = [self._combined(frame) for frame in frames]
        every = np.concatenate([c[c >= 0] for c in codes]) if codes else np.array([], dtype=np.int64)
        self.codes = np.unique(every)
        self.size = len(self.codes)

    def _combined(self, frame: pd.DataFrame) -> IntArray:
        sku = _lookup(self.skus, frame["sku"])
        location = _lookup(self.locations, frame["location_id"])
        return np.where((sku >= 0) & (location >= 0), sku * len(self.locations) + location, -1)

    def positions(self, frame: pd.DataFrame) -> IntArray:
        """Each row's key number, -1 for a key not in the space (or a missing SKU or location)."""
        if frame.empty or not self.size:
            return np.full(len(frame), -1, dtype=np.int64)
        combined = self._combined(frame)
        at = np.minimum(np.searchsorted(self.codes, combined), self.size - 1)
        return np.where((combined >= 0) & (self.codes[at] == combined), at, -1)

    def labels(self, keep: IntArray, repeat: int) -> tuple[pd.Categorical, pd.Categorical]:
        """SKU and location of the keys ``keep``, each repeated ``repeat`` times."""
        width = len(self.locations)
        codes = self.codes[keep]
        sku = pd.Categorical.from_codes(np.repeat(codes // width, repeat), categories=self.skus)
        location = pd.Categorical.from_codes(np.repeat(codes % width, repeat), categories=self.locations)
        return sku.remove_unused_categories(), location.remove_unused_categories()


def _lookup(labels: pd.Index, values: pd.Series) -> IntArray:
    """Position of each value in ``labels`` (-1 when absent): the distinct values are looked up,
    not every row."""
    codes, uniques = pd.factorize(values)
    found = np.append(np.asarray(labels.get_indexer(uniques), dtype=np.int64), -1)
    return np.asarray(found[codes], dtype=np.int64)  # code -1 (missing) takes the appended -1


def _sorted_labels(columns: Sequence[pd.Series]) -> pd.Index:
    values = pd.concat([column.dropna() for column in columns], ignore_index=True)
    return pd.Index(pd.unique(values)).sort_values()


def _repeated(values: npt.NDArray[np.object_], repeat: int) -> pd.Categorical:
    labels = pd.Categorical(values)
    return pd.Categorical.from_codes(np.repeat(labels.codes, repeat), categories=labels.categories)


@dataclass(frozen=True)
class _Run:
    opening: FloatArray
    closing: FloatArray
    lost: FloatArray
    #: 1-based day of the first stock-out, 0 when none.
    stockout_day: IntArray
    days_of_cover: FloatArray


def _run(stock: FloatArray, receipts: FloatArray, demand: FloatArray) -> _Run:
    """The lost-sales recursion ``closing = max(0, closing_before + receipts - demand)`` for
    every row at once: with ``S`` the running sum of ``stock + receipts - demand``, the clipped
    stock is ``S - min(0, running minimum of S)``."""
    n, horizon = demand.shape
    running = stock[:, None] + np.cumsum(receipts - demand, axis=1)
    floor = np.minimum(np.minimum.accumulate(running, axis=1), 0.0)
    closing = np.maximum(running - floor, 0.0)
    opening = np.empty_like(closing)
    opening[:, 0] = stock
    opening[:, 1:] = closing[:, :-1]
    available = opening + receipts
    lost = np.maximum(demand - available, 0.0)
    short = lost > _EPSILON
    any_short = short.any(axis=1)
    first = np.argmax(short, axis=1)
    rows = np.arange(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(any_short, available[rows, first] / demand[rows, first], 0.0)
    cover = np.where(any_short, first + np.clip(fraction, 0.0, 1.0), float(horizon))
    return _Run(opening, closing, lost, np.where(any_short, first + 1, 0).astype(np.int64), cover)


def _stockout_dates(day: IntArray, today: np.datetime64) -> npt.NDArray[np.datetime64]:
    dates = today + day.astype("timedelta64[D]")
    return np.where(day > 0, dates, np.datetime64("NaT", "D"))


def _dated(forecasts: pd.DataFrame | None) -> pd.DataFrame | None:
    """Forecasts with their day in ``date`` (the warehouse table calls it ``forecast_date``)."""
    if forecasts is not None and "date" not in forecasts.columns and "forecast_date" in forecasts.columns:
        return forecasts.rename(columns={"forecast_date": "date"})
    return forecasts


def _columns(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with at least ``columns`` (an empty or missing frame becomes an empty one)."""
    if frame is None or frame.empty:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    missing = [name for name in columns if name not in frame.columns]
    return frame.assign(**dict.fromkeys(missing)) if missing else frame


def _days(values: Any) -> npt.NDArray[np.datetime64]:
    """Dates (``date``, ISO strings, timestamps) as ``datetime64[D]``."""
    if len(values) == 0:
        return np.array([], dtype="datetime64[D]")
    days = pd.to_datetime(pd.Series(values))
    if days.dt.tz is not None:
        days = days.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(days.to_numpy(), dtype="datetime64[D]")


def _utc(values: Any) -> npt.NDArray[np.datetime64]:
    """Timestamps (aware, or naive meaning UTC) as naive UTC ``datetime64[ns]``."""
    if len(values) == 0:
        return np.array([], dtype="datetime64[ns]")
    stamps = pd.to_datetime(pd.Series(values), utc=True, format="ISO8601")
    return np.asarray(stamps.dt.tz_localize(None).to_numpy(), dtype="datetime64[ns]")


def _nanoseconds(stamps: npt.NDArray[np.datetime64]) -> IntArray:
    return np.asarray(stamps.astype("datetime64[ns]").astype(np.int64), dtype=np.int64)


def _known_events(
    events: pd.DataFrame, space: _KeySpace, snapshot_day: npt.NDArray[np.datetime64], today: np.datetime64
) -> pd.DataFrame:
    """Distinct events after their key's snapshot day and by the end of ``today``, ordered by key
    and time: columns ``pos``, ``event_time`` (ns), ``delta``, ``level``."""
    frame = pd.DataFrame(
        {
            "event_id": events["event_id"],
            "pos": space.positions(events),
            "event_time": _utc(events["event_time"]),
            "delta": pd.to_numeric(events["delta"]).to_numpy(dtype=np.float64),
            "level": pd.to_numeric(events["level"]).to_numpy(dtype=np.float64),
        },
        index=events.index,
    )
    frame = frame.sort_values(["event_time", "event_id"], kind="stable").drop_duplicates("event_id")
    pos = frame["pos"].to_numpy(dtype=np.int64)
    since = snapshot_day[pos].astype("datetime64[ns]") + _ONE_DAY  # NaT without a snapshot
    at = frame["event_time"].to_numpy()
    after_snapshot = np.isnat(since) | (at >= since)
    by_today = at < (today + _ONE_DAY).astype("datetime64[ns]")
    useful = frame["level"].notna().to_numpy() | frame["delta"].notna().to_numpy()
    frame = frame[(pos >= 0) & after_snapshot & by_today & useful]
    return frame.iloc[np.argsort(frame["pos"].to_numpy(), kind="stable")].reset_index(drop=True)


def _apply_events(on_hand: FloatArray, events: pd.DataFrame) -> IntArray:
    """Add the events to ``on_hand`` in place; return each key's last level event time (ns since
    the epoch, the minimum int64 when none)."""
    last_level = np.full(len(on_hand), np.iinfo(np.int64).min, dtype=np.int64)
    if events.empty:
        return last_level
    codes = events["pos"].to_numpy(dtype=np.int64)
    is_level = events["level"].notna().to_numpy()
    # Segment number within the key: how many level events up to and including each event.
    segment = pd.Series(is_level.astype(np.int64)).groupby(codes).cumsum().to_numpy()
    last_segment = np.zeros(len(on_hand), dtype=np.int64)
    np.maximum.at(last_segment, codes, segment)
    current = segment == last_segment[codes]  # the last level event and everything after it
    levels = current & is_level
    on_hand[codes[levels]] = events["level"].to_numpy()[levels]
    last_level[codes[levels]] = _nanoseconds(events["event_time"].to_numpy()[levels])
    moves = current & ~is_level
    np.add.at(on_hand, codes[moves], np.nan_to_num(events["delta"].to_numpy()[moves]))
    return last_level


def _deliveries(
    deliveries: pd.DataFrame,
    space: _KeySpace,
    snapshot_day: npt.NDArray[np.datetime64],
    today: np.datetime64,
    settings: ProjectionSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deliveries still to come (``pos``, ``quantity``, ``arrival`` day), and deliveries received
    between the snapshot and the end of ``today`` (``pos``, ``quantity``, ``received_at``)."""
    unique = deliveries.drop_duplicates(["delivery_id", *KEY], keep="last")
    status = unique["status"].astype(str).str.strip().str.lower().to_numpy()
    pos = space.positions(unique)
    quantity = pd.to_numeric(unique["quantity"]).fillna(0).to_numpy(dtype=np.float64)
    expected = _days(unique["expected_date"])
    delivered_at = _utc(unique["delivered_at"])
    received_at = np.where(np.isnat(delivered_at), expected.astype("datetime64[ns]"), delivered_at)
    received_day = received_at.astype("datetime64[D]")

    was_delivered = status == "delivered"
    later = was_delivered & (received_day > today)
    on_time = (np.isin(status, list(_ON_TIME)) | later) & (pos >= 0)
    delayed = (status == "delayed") & (pos >= 0)
    arrival = np.where(on_time, np.maximum(expected, today + _ONE_DAY), np.datetime64("NaT", "D"))
    late = np.where(
        expected > today,
        expected + np.timedelta64(settings.delayed_extra_days, "D"),
        today + np.timedelta64(settings.overdue_delay_days, "D"),
    )
    arrival = np.where(delayed, late, arrival)
    coming = on_time | delayed
    pending = pd.DataFrame({"pos": pos[coming], "quantity": quantity[coming], "arrival": arrival[coming]})

    snapshot = snapshot_day[np.maximum(pos, 0)]
    after_snapshot = np.isnat(snapshot) | (received_day > snapshot)
    got = was_delivered & ~later & after_snapshot & (pos >= 0)
    received = pd.DataFrame({"pos": pos[got], "quantity": quantity[got], "received_at": received_at[got]})
    return pending, received


def _apply_received(
    on_hand: FloatArray, received: pd.DataFrame, last_level_ns: IntArray, settings: ProjectionSettings
) -> None:
    """Add deliveries received since the snapshot when the stock events do not record them."""
    if settings.receipts_in_events or received.empty:
        return
    codes = received["pos"].to_numpy(dtype=np.int64)
    uncounted = last_level_ns[codes] < _nanoseconds(received["received_at"].to_numpy())
    np.add.at(on_hand, codes[uncounted], received["quantity"].to_numpy()[uncounted])


def _demand(
    forecasts: pd.DataFrame, space: _KeySpace, today: np.datetime64, horizon: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Daily p50, p90 and baseline p50 demand arrays (keys x horizon)."""
    p50 = np.zeros((space.size, horizon), dtype=np.float64)
    p90, baseline = np.zeros_like(p50), np.zeros_like(p50)
    if forecasts.empty or not space.size:
        return p50, p90, baseline
    day = (_days(forecasts["date"]) - today).astype(np.int64)
    pos = space.positions(forecasts)  # -1 for the SKU totals (no location)
    inside = (day >= 1) & (day <= horizon) & (pos >= 0)
    at = (pos[inside], day[inside] - 1)

    def quantity(name: str) -> FloatArray:
        values = pd.to_numeric(forecasts[name]).to_numpy(dtype=np.float64)[inside]
        return np.asarray(values, dtype=np.float64)

    mid = np.nan_to_num(quantity("p50"), nan=0.0).clip(min=0.0)
    p50[at] = mid
    p90[at] = np.fmax(np.nan_to_num(quantity("p90"), nan=-1.0), mid)
    baseline[at] = np.nan_to_num(quantity("baseline_p50"), nan=0.0).clip(min=0.0)
    return p50, p90, baseline


def _notes(
    deliveries: pd.DataFrame,
    space: _KeySpace,
    snapshot_day: npt.NDArray[np.datetime64],
    today: np.datetime64,
    horizon: int,
) -> dict[str, npt.NDArray[np.object_]]:
    """Per key, the delayed deliveries still to come and the deliveries cancelled that were due
    after the snapshot and within the horizon, as comma-separated ids ("" when none)."""
    out = {name: np.full(space.size, "", dtype=object) for name in ("delayed", "cancelled")}
    if deliveries.empty or not space.size:
        return out
    status = deliveries["status"].astype(str).str.strip().str.lower().to_numpy()
    pos = space.positions(deliveries)
    expected = _days(deliveries["expected_date"])
    snapshot = snapshot_day[np.maximum(pos, 0)]
    due = (np.isnat(snapshot) | (expected > snapshot)) & (expected <= today + np.timedelta64(horizon, "D"))
    ids = deliveries["delivery_id"].astype(str).to_numpy(dtype=object)
    for name, mask in {"delayed": status == "delayed", "cancelled": (status == "cancelled") & due}.items():
        chosen = np.flatnonzero(mask & (pos >= 0))
        if not len(chosen):
            continue
        order = chosen[np.lexsort((ids[chosen], pos[chosen]))]
        keys, names = pos[order], ids[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        out[name][keys[starts]] = names[starts]
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):  # a few keys
            out[name][keys[start]] = ", ".join(dict.fromkeys(names[start : start + size]))
    return out
