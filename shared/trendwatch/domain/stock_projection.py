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
  - ``delayed``: received ``delayed_delivery_days`` after ``expected_date``, or after
    ``as_of`` when it is already overdue: ``max(expected_date, as_of) + delayed_delivery_days``.
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
* **Forecasts**: the rows with a ``location_id`` (rows without one are SKU totals), for the days
  after ``as_of`` within the horizon; negative quantities count as 0, a missing p50 as 0 and a
  p90 below the p50 (or missing) as the p50. A SKU and location with no forecast for a day has
  no demand that day. The projection covers the SKUs and locations whose stock is known (a
  snapshot, an event or a delivery counted); forecasts for others are left out: the product is
  not stocked there.
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

Everything is array arithmetic over (SKU and location) x day arrays: the only Python loops are
over the handful of delivery statuses.
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
    #: A ``delayed`` delivery is received this many days after its expected date (or after
    #: ``as_of`` when already overdue).
    delayed_delivery_days: int = 3
    #: The stock events record goods receipts (so a delivery received after the snapshot is
    #: already in them).
    receipts_in_events: bool = True

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise ValueError(f"horizon_days must be at least 1, not {self.horizon_days}")
        if self.delayed_delivery_days < 1:
            raise ValueError(f"delayed_delivery_days must be at least 1, not {self.delayed_delivery_days}")


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
    description). Dates are ``datetime64`` days; quantities floats except ``on_hand`` (int).
    """
    settings = settings or ProjectionSettings()
    horizon = settings.horizon_days
    today = np.datetime64(as_of, "D")

    snaps = _latest_snapshots(_columns(snapshots, SNAPSHOT_COLUMNS), today)
    events = _known_events(_columns(stock_events, EVENT_COLUMNS), snaps, today)
    pending, delivered = _deliveries(_columns(deliveries, DELIVERY_COLUMNS), snaps, today, settings)

    keys = _keys([snaps, events, pending, delivered])
    n = len(keys)
    on_hand = np.zeros(n, dtype=np.float64)
    on_hand[_codes(keys, snaps)] = snaps["on_hand"].to_numpy(dtype=np.float64)
    last_level_ns = _apply_events(on_hand, _codes(keys, events), events)
    _apply_received(on_hand, _codes(keys, delivered), delivered, last_level_ns, settings)
    on_hand = np.maximum(on_hand, 0.0)

    receipts = np.zeros((n, horizon), dtype=np.float64)
    day = (pending["arrival"].to_numpy().astype("datetime64[D]") - today).astype(np.int64)
    inside = (day >= 1) & (day <= horizon)
    np.add.at(
        receipts,
        (_codes(keys, pending)[inside], day[inside] - 1),
        pending["quantity"].to_numpy(dtype=np.float64)[inside],
    )

    demand_p50, demand_p90 = _demand(_columns(forecasts, FORECAST_COLUMNS), keys, today, horizon)
    p50 = _run(on_hand, receipts, demand_p50)
    p90 = _run(on_hand, receipts, demand_p90)

    dates = today + np.arange(1, horizon + 1).astype("timedelta64[D]")
    notes = _notes(_columns(deliveries, DELIVERY_COLUMNS), keys, snaps, today, horizon)
    per_key = {
        "on_hand": on_hand.astype(np.int64),
        "days_of_cover": p50.days_of_cover,
        "days_of_cover_p90": p90.days_of_cover,
        "stockout_date": _stockout_dates(p50.stockout_day, today),
        "stockout_date_p90": _stockout_dates(p90.stockout_day, today),
        "delayed_deliveries": notes["delayed"],
        "cancelled_deliveries": notes["cancelled"],
    }
    frame = pd.DataFrame(
        {
            "sku": np.repeat(keys["sku"].to_numpy(dtype=object), horizon),
            "location_id": np.repeat(keys["location_id"].to_numpy(dtype=object), horizon),
            "date": np.tile(dates, n),
            "opening_p50": p50.opening.ravel(),
            "opening_p90": p90.opening.ravel(),
            "receipts": receipts.ravel(),
            "demand_p50": demand_p50.ravel(),
            "demand_p90": demand_p90.ravel(),
            "closing_p50": p50.closing.ravel(),
            "closing_p90": p90.closing.ravel(),
            "lost_p50": p50.lost.ravel(),
            "lost_p90": p90.lost.ravel(),
            **{name: np.repeat(values, horizon) for name, values in per_key.items()},
        }
    )
    return frame


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


def _latest_snapshots(snapshots: pd.DataFrame, today: np.datetime64) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "sku": snapshots["sku"].to_numpy(dtype=object),
            "location_id": snapshots["location_id"].to_numpy(dtype=object),
            "snapshot_date": _days(snapshots["snapshot_date"]),
            "on_hand": pd.to_numeric(snapshots["on_hand"]).fillna(0).to_numpy(dtype=np.float64),
        }
    )
    frame = frame[frame["snapshot_date"].to_numpy() <= today]
    frame = frame.sort_values("snapshot_date", kind="stable").drop_duplicates(list(KEY), keep="last")
    return frame.reset_index(drop=True)


def _known_events(events: pd.DataFrame, snaps: pd.DataFrame, today: np.datetime64) -> pd.DataFrame:
    """Distinct events after each key's snapshot day and by the end of ``today``, in time order."""
    frame = pd.DataFrame(
        {
            "event_id": events["event_id"].to_numpy(dtype=object),
            "sku": events["sku"].to_numpy(dtype=object),
            "location_id": events["location_id"].to_numpy(dtype=object),
            "event_time": _utc(events["event_time"]),
            "delta": pd.to_numeric(events["delta"]).to_numpy(dtype=np.float64),
            "level": pd.to_numeric(events["level"]).to_numpy(dtype=np.float64),
        }
    )
    frame = frame.sort_values(["event_time", "event_id"], kind="stable").drop_duplicates("event_id")
    frame = frame.merge(snaps[[*KEY, "snapshot_date"]], on=list(KEY), how="left")
    after_snapshot = frame["event_time"].to_numpy() >= (
        frame["snapshot_date"].to_numpy().astype("datetime64[ns]") + _ONE_DAY
    )
    after_snapshot |= frame["snapshot_date"].isna().to_numpy()
    known = frame["event_time"].to_numpy() < (today + _ONE_DAY).astype("datetime64[ns]")
    frame = frame[after_snapshot & known]
    frame = frame[frame["level"].notna() | frame["delta"].notna()]
    return frame.sort_values([*KEY, "event_time", "event_id"], kind="stable").reset_index(drop=True)


def _apply_events(on_hand: FloatArray, codes: IntArray, events: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Add the events to ``on_hand`` in place; return each key's last level event time (ns since
    the epoch, the minimum int64 when none)."""
    last_level = np.full(len(on_hand), np.iinfo(np.int64).min, dtype=np.int64)
    if events.empty:
        return last_level
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
    deliveries: pd.DataFrame, snaps: pd.DataFrame, today: np.datetime64, settings: ProjectionSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deliveries still to come with their arrival day, and deliveries received between the
    snapshot and the end of ``today`` with their receipt time."""
    status = deliveries["status"].astype(str).str.strip().str.lower().to_numpy()
    expected = _days(deliveries["expected_date"])
    delivered_at = _utc(deliveries["delivered_at"])
    received_at = np.where(np.isnat(delivered_at), expected.astype("datetime64[ns]"), delivered_at)
    received_day = received_at.astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "delivery_id": deliveries["delivery_id"].to_numpy(dtype=object),
            "sku": deliveries["sku"].to_numpy(dtype=object),
            "location_id": deliveries["location_id"].to_numpy(dtype=object),
            "quantity": pd.to_numeric(deliveries["quantity"]).fillna(0).to_numpy(dtype=np.float64),
            "status": status,
            "expected": expected,
            "received_at": received_at,
            "received_day": received_day,
        }
    ).drop_duplicates(["delivery_id", *KEY], keep="last")
    frame = frame.merge(snaps[[*KEY, "snapshot_date"]], on=list(KEY), how="left")
    status = frame["status"].to_numpy()
    expected = frame["expected"].to_numpy()
    received_day = frame["received_day"].to_numpy()
    first_day = today + _ONE_DAY
    was_delivered = status == "delivered"
    later = was_delivered & (received_day > today)
    on_time = np.isin(status, list(_ON_TIME)) | later
    delayed = status == "delayed"
    arrival = np.where(on_time, np.maximum(expected, first_day), np.datetime64("NaT", "D"))
    delay = np.timedelta64(settings.delayed_delivery_days, "D")
    arrival = np.where(delayed, np.maximum(expected, today) + delay, arrival)
    pending = frame[on_time | delayed].assign(arrival=arrival[on_time | delayed])
    snapshot_day = frame["snapshot_date"].to_numpy()
    after_snapshot = np.isnat(snapshot_day) | (received_day > snapshot_day)
    received = frame[was_delivered & ~later & after_snapshot]
    return pending.reset_index(drop=True), received.reset_index(drop=True)


def _apply_received(
    on_hand: FloatArray,
    codes: IntArray,
    received: pd.DataFrame,
    last_level_ns: npt.NDArray[np.int64],
    settings: ProjectionSettings,
) -> None:
    """Add deliveries received since the snapshot when the stock events do not record them."""
    if settings.receipts_in_events or received.empty:
        return
    at = _nanoseconds(received["received_at"].to_numpy())
    uncounted = last_level_ns[codes] < at
    np.add.at(on_hand, codes[uncounted], received["quantity"].to_numpy()[uncounted])


def _demand(
    forecasts: pd.DataFrame, keys: pd.DataFrame, today: np.datetime64, horizon: int
) -> tuple[FloatArray, FloatArray]:
    """Daily p50 and p90 demand arrays (keys x horizon)."""
    p50 = np.zeros((len(keys), horizon), dtype=np.float64)
    p90 = np.zeros_like(p50)
    located = forecasts[forecasts["location_id"].notna()]
    if located.empty or keys.empty:
        return p50, p90
    day = (_days(located["date"]) - today).astype(np.int64)
    codes = _codes(keys, located)
    inside = (day >= 1) & (day <= horizon) & (codes >= 0)
    mid = np.nan_to_num(pd.to_numeric(located["p50"]).to_numpy(dtype=np.float64), nan=0.0).clip(min=0.0)
    high = pd.to_numeric(located["p90"]).to_numpy(dtype=np.float64)
    high = np.fmax(np.nan_to_num(high, nan=-1.0), mid)
    p50[codes[inside], day[inside] - 1] = mid[inside]
    p90[codes[inside], day[inside] - 1] = high[inside]
    return p50, p90


def _notes(
    deliveries: pd.DataFrame, keys: pd.DataFrame, snaps: pd.DataFrame, today: np.datetime64, horizon: int
) -> dict[str, npt.NDArray[np.object_]]:
    """Per key, the delayed deliveries still to come and the deliveries cancelled that were due
    after the snapshot and within the horizon, as comma-separated ids ("" when none)."""
    out = {name: np.full(len(keys), "", dtype=object) for name in ("delayed", "cancelled")}
    if deliveries.empty or keys.empty:
        return out
    frame = pd.DataFrame(
        {
            "delivery_id": deliveries["delivery_id"].astype(str).to_numpy(dtype=object),
            "sku": deliveries["sku"].to_numpy(dtype=object),
            "location_id": deliveries["location_id"].to_numpy(dtype=object),
            "status": deliveries["status"].astype(str).str.strip().str.lower().to_numpy(),
            "expected": _days(deliveries["expected_date"]),
        }
    ).merge(snaps[[*KEY, "snapshot_date"]], on=list(KEY), how="left")
    expected = frame["expected"].to_numpy()
    snapshot_day = frame["snapshot_date"].to_numpy()
    due = (np.isnat(snapshot_day) | (expected > snapshot_day)) & (
        expected <= today + np.timedelta64(horizon, "D")
    )
    wanted = {
        "delayed": frame["status"].to_numpy() == "delayed",
        "cancelled": (frame["status"].to_numpy() == "cancelled") & due,
    }
    for name, mask in wanted.items():
        chosen = frame[mask]
        codes = _codes(keys, chosen)
        chosen = chosen.assign(code=codes)[codes >= 0]
        if chosen.empty:
            continue
        joined = chosen.sort_values(["code", "delivery_id"]).groupby("code")["delivery_id"].agg(", ".join)
        out[name][joined.index.to_numpy(dtype=np.int64)] = joined.to_numpy(dtype=object)
    return out


def _keys(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Every SKU and location in ``frames``, sorted, numbered by position."""
    parts = [frame[list(KEY)] for frame in frames if not frame.empty]
    if not parts:
        return pd.DataFrame({"sku": pd.Series([], dtype=object), "location_id": pd.Series([], dtype=object)})
    keys = pd.concat(parts, ignore_index=True).drop_duplicates()
    keys = keys[keys["sku"].notna() & keys["location_id"].notna()]
    return keys.sort_values(list(KEY), kind="stable").reset_index(drop=True)


def _codes(keys: pd.DataFrame, frame: pd.DataFrame) -> IntArray:
    """Position in ``keys`` of each row's SKU and location (-1 when absent)."""
    if frame.empty:
        return np.array([], dtype=np.int64)
    index = pd.MultiIndex.from_frame(keys[list(KEY)])
    codes = index.get_indexer(pd.MultiIndex.from_frame(frame[list(KEY)]))
    return np.asarray(codes, dtype=np.int64)
