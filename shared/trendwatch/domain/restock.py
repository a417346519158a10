"""Restock recommendations from the projected stock (:mod:`trendwatch.domain.stock_projection`).

The timing, for a SKU at a location with lead time ``L`` and review period ``R`` (days between
two orders): an order placed at the end of day ``as_of + t`` is received on ``as_of + t + L``
and sells that day (its *arrival day*); the next order, ``R`` days later, is received ``R`` days
after it. So an order must carry the stock from its arrival through its *window end*, the day
before the next order's arrival: ``as_of + t + L + R - 1``. With the defaults (stores 3 days,
daily review) tonight's order (``t = 0``) arrives on ``as_of + 3`` and its window is the 3
horizon days ``as_of + 1 … as_of + 3`` (``as_of`` itself, the first of the ``L + R`` days, is
already in the stock counted).

* **Safety stock** covers the forecast's uncertainty between the order and its window end
  (``L + R - 1`` days) at the service level ``α``: each day's spread is read from its
  quantiles, ``σ_d = (p90_d - p50_d) / z(0.90)``, and the window's is
  ``σ = sqrt((1 - ρ) Σ σ_d² + ρ (Σ σ_d)²)``; safety stock ``= z(α) σ``. ``ρ``
  (``error_correlation``) is how much the days' errors move together. Independent days
  (``ρ = 0``) give the square-root-of-time rule and understate a trend's risk, whose error is
  shared by all its days (a bigger trend than forecast is bigger every day); summing the
  daily spreads (``ρ = 1``) treats the errors as one and overstates ordinary noise. The
  default 0.5 sits between the two; it is a choice, not yet fitted on sales history.
* **Quantity** (an order-up-to level with lost sales):
  ``demand p50 from the arrival day to the window end + safety stock - (projected stock at the
  opening of the arrival day + receipts expected from the arrival day to the window end)``.
  The projected opening is the projection's (on hand + receipts before the arrival day -
  demand before it, never below zero: demand the shelf cannot serve before the order arrives is
  lost, not to be ordered for). For tonight's order, when the stock lasts until the arrival
  day, this is exactly ``demand over lead time and review period + safety stock - on hand -
  receipts expected in that time``. It is rounded up to the pack size and to at least the
  minimum order.
* **When**: a SKU and location is recommended when that quantity is above zero for tonight's
  order. Otherwise the first later day ``t`` of the horizon on which it becomes so (the
  projection falls below demand plus safety stock) is an order to place on ``order_date``,
  listed when the social forecast up to its window end is at least ``topic_uplift`` above the
  baseline (``planned_orders="uplift"``, the default): an early warning of what a trend will
  need, which the usual replenishment would see only on the day. Every SKU that sells needs an
  order within a fortnight or so, and listing them all (``"all"``) would bury those; the daily
  run recommends them on the day they are due. ``"none"`` lists tonight's orders only.
* **Trends**: a SKU the talk drives, whose social forecast over the horizon is at least
  ``trend_uplift`` above the baseline's (or ``topic_uplift`` with a trending topic linked: see
  *Topic*), is ordered for its p90 demand and the p90 projection (``trend_quantile``;
  ``window_demand_p50`` then holds the p90 demand the order is for): a trend's error is its
  size, shared by all its days, and a shelf that empties in a trend loses the sales it was for.
  Other SKUs are ordered on the p50, and their tonight's order that the projection says lasts
  the window (``medium``) is listed only when the window ends under ``medium_safety_share`` of
  the safety stock: just under it, such an order is rarely needed.
* **Urgency**: an order for tonight is ``critical`` when the p50 projection (the p90 one for a
  SKU the talk drives) runs out before its arrival day (order now and it still arrives late),
  ``high`` when it runs out by its window end (the next review is too late), ``medium``
  otherwise (it lasts the window but goes below its safety stock); an order for a later day is
  ``medium``, unless the projection runs out before even tonight's order could arrive (a
  delivery refills the shelf before the order is due, after a gap no order can fill): then
  ``critical`` too, so the buyer hears of the gap today.
* **Topic**: the SKU's trending topic (``drivers``) drives the recommendation when the social
  forecast is at least ``topic_uplift`` above the baseline from ``as_of + 1`` to the window end
  (or has demand where the baseline has none); ``uplift`` is ``Σ p50 / Σ baseline_p50 - 1``
  over those days.
* **Reason**, one sentence for a buyer:
  ``"mushroom lamp topic: +180 % expected demand in the next 3 days, 2 days of cover"`` with a
  driving topic, ``"2 days of cover at the usual demand"`` without; then ``"; order by
  2026-12-08"`` for a later order, and ``"; delivery DLV-1 delayed"`` / ``"; delivery DLV-2
  cancelled"`` when the projection names such deliveries. Days of cover are counted down to
  whole days (``"less than 1 day"`` below one, ``"more than 14 days"`` when the stock lasts
  the horizon).

Lead times longer than the horizon are cut to it (the projection knows nothing after it).
Everything is array arithmetic over SKUs and locations; the one Python loop is over the days
of the horizon (each pass on the SKUs and locations without an order yet), and the reasons are
formatted for the recommendations alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.domain.stock_projection import KEY

URGENCIES: Final = ("critical", "high", "medium")

#: The columns of :func:`recommend_restock`, in order.
RECOMMENDATION_COLUMNS: Final = (
    "as_of",
    "sku",
    "location_id",
    "recommended_quantity",
    "urgency",
    "stockout_date",
    "stockout_date_p90",
    "days_of_cover",
    "topic_id",
    "topic_label",
    "uplift",
    "reason",
    "service_level",
    "lead_time_days",
    "review_period_days",
    "order_date",
    "arrival_date",
    "window_end",
    "on_hand",
    "available_at_arrival",
    "window_demand_p50",
    "window_receipts",
    "safety_stock",
)

_Z90: Final = NormalDist().inv_cdf(0.90)
_EPSILON: Final = 1e-9


@dataclass(frozen=True)
class RestockSettings:
    """Ordering rules: lead times, review period, service level, pack sizes."""

    service_level: float = 0.95
    #: Days between two orders of the same SKU for the same location.
    review_period_days: int = 1
    store_lead_time_days: int = 3
    warehouse_lead_time_days: int = 5
    #: Locations whose id starts with this are warehouses (``WH-EU-01``).
    warehouse_prefix: str = "WH-"
    #: Lead time of named locations, over the store and warehouse defaults.
    lead_time_days: Mapping[str, int] = field(default_factory=dict)
    #: Units per pack, by SKU (1 when not listed).
    pack_size: Mapping[str, int] = field(default_factory=dict)
    #: The smallest order, in units (rounded up to the pack).
    minimum_order: int = 1
    #: How much the daily forecast errors move together, 0 (independent) to 1 (one error).
    error_correlation: float = 0.5
    #: The social forecast's lead over the baseline from which a topic drives a recommendation.
    topic_uplift: float = 0.10
    #: Orders needed on a later day of the horizon: listed when the social forecast rises over
    #: the baseline by ``topic_uplift`` (``"uplift"``), always (``"all"``) or never (``"none"``).
    planned_orders: Literal["uplift", "all", "none"] = "uplift"
    #: The social forecast's lead over the baseline, over the horizon, from which the talk drives a
    #: SKU even with no topic detected (a topic drives it from ``topic_uplift``).
    trend_uplift: float = 0.15
    #: A SKU the talk drives is ordered for its p90 demand (and p90 projection), not its p50.
    trend_quantile: Literal["p50", "p90"] = "p90"
    #: Tonight's ``medium`` order of a SKU the talk does not drive is listed only when the p50
    #: projection ends its window below this share of the safety stock (1: whenever below it).
    #: Chosen on training seeds 2001-2002: 1.0 had 79 % of the recommendations justified, 0.75 92 %
    #: (0.6 94 %, 0.5 96 %, each a few stock-outs of ordinary demand fewer flagged a night early).
    medium_safety_share: float = 0.75

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1:
            raise ValueError(f"service_level must be in [0.5, 1), not {self.service_level}")
        if not 0 <= self.error_correlation <= 1:
            raise ValueError(f"error_correlation must be in [0, 1], not {self.error_correlation}")
        days = [self.review_period_days, self.store_lead_time_days, self.warehouse_lead_time_days]
        if min([*days, *self.lead_time_days.values()]) < 1:
            raise ValueError("lead times and the review period are whole days, at least 1")
        if self.planned_orders not in ("uplift", "all", "none"):
            raise ValueError(f"planned_orders is 'uplift', 'all' or 'none', not {self.planned_orders!r}")
        if self.trend_quantile not in ("p50", "p90"):
            raise ValueError(f"trend_quantile is 'p50' or 'p90', not {self.trend_quantile!r}")
        if self.trend_uplift < 0:
            raise ValueError(f"trend_uplift must be at least 0, not {self.trend_uplift}")
        if not 0 <= self.medium_safety_share <= 1:
            raise ValueError(f"medium_safety_share must be in [0, 1], not {self.medium_safety_share}")
        if self.minimum_order < 1 or min(self.pack_size.values(), default=1) < 1:
            raise ValueError("pack sizes and the minimum order are at least 1")

    def lead_time(self, location_id: str) -> int:
        if location_id in self.lead_time_days:
            return self.lead_time_days[location_id]
        if location_id.startswith(self.warehouse_prefix):
            return self.warehouse_lead_time_days
        return self.store_lead_time_days


def recommend_restock(
    projection: pd.DataFrame,
    forecasts: pd.DataFrame | None,
    drivers: pd.DataFrame | None,
    settings: RestockSettings,
    as_of: date,
) -> pd.DataFrame:
    """The SKUs and locations to reorder, most urgent first.

    ``projection`` is :func:`~trendwatch.domain.stock_projection.project_stock`'s result for
    ``as_of``; ``forecasts`` the same forecasts, read for ``baseline_p50`` only when the
    projection has no such column (``project_stock``'s has: pass ``None``); ``drivers`` one row per
    SKU with ``sku``, ``topic_id``, ``topic_label`` (the first row of a SKU counts; ``None`` or
    empty for none). The columns are :data:`RECOMMENDATION_COLUMNS` (see the module's
    description); dates are ``datetime64`` days, ``NaT`` for none.
    """
    today = np.datetime64(as_of, "D")
    empty = pd.DataFrame({name: pd.Series([], dtype=object) for name in RECOMMENDATION_COLUMNS})
    if projection.empty:
        return empty
    groups = projection.groupby(list(KEY), sort=False, observed=True).ngroup().to_numpy(dtype=np.int64)
    _, first_rows, codes = np.unique(groups, return_index=True, return_inverse=True)
    day = (projection["date"].to_numpy().astype("datetime64[D]") - today).astype(np.int64)
    if day.min() < 1:
        raise ValueError(f"the projection has days on or before as_of ({as_of})")
    n, horizon = len(first_rows), int(day.max())
    keys = projection.iloc[first_rows].reset_index(drop=True)

    def grid(column: str) -> npt.NDArray[np.float64]:
        values = np.zeros((n, horizon), dtype=np.float64)
        values[codes, day - 1] = projection[column].to_numpy(dtype=np.float64)
        return values

    demand_p50, receipts = grid("demand_p50"), grid("receipts")
    spread = np.maximum(grid("demand_p90") - demand_p50, 0.0) / _Z90
    baseline_p50 = grid("baseline_p50") if "baseline_p50" in projection.columns else None
    horizon_sums = _horizon_sums(keys, forecasts, demand_p50, baseline_p50, today)
    driven = _rising(*horizon_sums, settings.trend_uplift) | (
        _has_topic(keys, drivers) & _rising(*horizon_sums, settings.topic_uplift)
    )
    # A trend's risk is its size: what the shelf needs if it is as big as the p90 says.
    by_trend = driven[:, None] & (settings.trend_quantile == "p90")
    demand = np.where(by_trend, grid("demand_p90"), demand_p50)
    opening = np.where(by_trend, grid("opening_p90"), grid("opening_p50"))
    sums = {name: _running(values) for name, values in (("demand", demand), ("receipts", receipts))}
    sums |= {"spread": _running(spread), "variance": _running(spread**2)}

    locations = keys["location_id"].astype(str)
    lead = locations.map({loc: settings.lead_time(loc) for loc in locations.unique()}).to_numpy(np.int64)
    z = NormalDist().inv_cdf(settings.service_level)
    rho = settings.error_correlation
    # Per SKU and location: the first order day (0 = tonight) whose order is needed, and its figures.
    order_day = np.full(n, -1, dtype=np.int64)
    found = {name: np.zeros(n) for name in ("arrival", "end", "safety", "demand", "receipts", "available")}
    for ahead in range(1 if settings.planned_orders == "none" else horizon):
        rows = np.flatnonzero((order_day < 0) & ((lead + ahead <= horizon) | (ahead == 0)))
        if not len(rows):
            break
        arrival = np.clip(lead[rows] + ahead, 1, horizon)
        end = np.minimum(arrival + settings.review_period_days - 1, horizon)
        first = np.minimum(ahead + 1, end)  # the safety stock covers the days from the order to the end
        sigma = np.sqrt(
            (1 - rho) * _span(sums["variance"], rows, first, end)
            + rho * _span(sums["spread"], rows, first, end) ** 2
        )
        figures = {
            "arrival": arrival,
            "end": end,
            "safety": z * sigma,
            "demand": _span(sums["demand"], rows, arrival, end),
            "receipts": _span(sums["receipts"], rows, arrival, end),
            "available": opening[rows, arrival - 1],
        }
        need = figures["demand"] + figures["safety"] - figures["available"] - figures["receipts"] > _EPSILON
        order_day[rows[need]] = ahead
        for name, values in figures.items():
            found[name][rows[need]] = values[need]
    chosen = np.flatnonzero(order_day >= 0)
    end = found["end"][chosen].astype(np.int64)
    ones = np.ones(len(chosen), dtype=np.int64)
    if baseline_p50 is not None:
        social = _span(_running(demand_p50), chosen, ones, end)
        baseline = _span(_running(baseline_p50), chosen, ones, end)
    else:
        windows = keys.iloc[chosen][list(KEY)].assign(window_days=end)
        social, baseline = _forecast_sums(windows, forecasts, today)
    rising = _rising(social, baseline, settings.topic_uplift)
    later = order_day[chosen] > 0
    keep = ~later | (settings.planned_orders == "all") | ((settings.planned_orders == "uplift") & rising)
    # Tonight's order that the p50 projection says lasts its window (medium) but ends it just under
    # the safety stock is rarely needed when the talk does not drive the SKU: listed only further under.
    ending = found["available"][chosen] + found["receipts"][chosen] - found["demand"][chosen]
    lasting = _stockout_day(keys.iloc[chosen], "stockout_date", today, horizon) > end
    routine = ~later & ~driven[chosen] & lasting
    keep &= ~routine | (ending < settings.medium_safety_share * found["safety"][chosen] - _EPSILON)
    chosen, end, social, baseline = chosen[keep], end[keep], social[keep], baseline[keep]
    if not len(chosen):
        return empty

    picked = keys.iloc[chosen].reset_index(drop=True)
    t, arrival = order_day[chosen], found["arrival"][chosen].astype(np.int64)
    safety, available = found["safety"][chosen], found["available"][chosen]
    window_demand, window_receipts = found["demand"][chosen], found["receipts"][chosen]
    shortfall = window_demand + safety - available - window_receipts
    packs = pd.Series(picked["sku"].to_numpy(dtype=object)).map(dict(settings.pack_size)).fillna(1)
    packs = packs.to_numpy(dtype=np.int64)
    quantity = np.ceil(shortfall / packs - _EPSILON).astype(np.int64) * packs
    minimum = -(-settings.minimum_order // packs) * packs
    stockout = picked["stockout_date"].to_numpy().astype("datetime64[D]")
    # A SKU the talk drives is as urgent as its p90 projection says (what it is ordered for).
    stockout_day = np.where(
        driven[chosen],
        _stockout_day(picked, "stockout_date_p90", today, horizon),
        _stockout_day(picked, "stockout_date", today, horizon),
    )
    # Tonight's order would arrive on day ``lead``: a shelf that empties before that is critical
    # even when the order it needs is a later one (a delivery refills the shelf first, too late).
    tonight_arrival = np.clip(lead[chosen], 1, horizon)
    urgency = np.select(
        [stockout_day < tonight_arrival, t > 0, stockout_day <= end], ["critical", "medium", "high"], "medium"
    )
    out = pd.DataFrame(
        {
            "as_of": np.full(len(chosen), today),
            "sku": picked["sku"].to_numpy(dtype=object),
            "location_id": picked["location_id"].to_numpy(dtype=object),
            "recommended_quantity": np.maximum(quantity, minimum),
            "urgency": urgency.astype(object),
            "stockout_date": stockout,
            "stockout_date_p90": picked["stockout_date_p90"].to_numpy().astype("datetime64[D]"),
            "days_of_cover": picked["days_of_cover"].to_numpy(dtype=np.float64),
            "service_level": settings.service_level,
            "lead_time_days": lead[chosen],
            "review_period_days": settings.review_period_days,
            "order_date": today + t.astype("timedelta64[D]"),
            "arrival_date": today + arrival.astype("timedelta64[D]"),
            "window_end": today + end.astype("timedelta64[D]"),
            "window_days": end,
            "order_day": t,
            "on_hand": picked["on_hand"].to_numpy(dtype=np.int64),
            "available_at_arrival": available,
            "window_demand_p50": window_demand,
            "window_receipts": window_receipts,
            "safety_stock": safety,
            "delayed": _column(picked, "delayed_deliveries"),
            "cancelled": _column(picked, "cancelled_deliveries"),
        }
    )
    out = _with_topics(out, social, baseline, drivers, settings)
    fields: tuple[str, ...] = ("topic_label", "uplift", "social", "window_days", "days_of_cover")
    fields += ("order_date", "order_day")
    fields += ("delayed", "cancelled")
    out["reason"] = [
        _reason(dict(zip(fields, row, strict=True)), horizon)
        for row in zip(*(out[name].to_numpy(dtype=object) for name in fields), strict=True)
    ]
    out["rank"] = out["urgency"].map({name: rank for rank, name in enumerate(URGENCIES)})
    order = ["rank", "order_date", "stockout_date", "days_of_cover", *KEY]
    out = out.sort_values(order, na_position="last", kind="stable")
    return out[list(RECOMMENDATION_COLUMNS)].reset_index(drop=True)


def _stockout_day(
    rows: pd.DataFrame, column: str, today: np.datetime64, horizon: int
) -> npt.NDArray[np.int64]:
    """Days from ``today`` to each row's stock-out in ``column`` (``horizon + 1`` when it lasts)."""
    stockout = rows[column].to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(stockout), horizon + 1, (stockout - today).astype(np.int64))


def _has_topic(keys: pd.DataFrame, drivers: pd.DataFrame | None) -> npt.NDArray[np.bool_]:
    """Per SKU and location: whether a trending topic is linked to its SKU."""
    if drivers is None or drivers.empty:
        return np.zeros(len(keys), dtype=bool)
    linked = drivers.loc[drivers["topic_id"].notna() & (drivers["topic_id"].astype(str) != ""), "sku"]
    return np.asarray(keys["sku"].isin(set(linked)).to_numpy(dtype=bool), dtype=np.bool_)


def _horizon_sums(
    keys: pd.DataFrame,
    forecasts: pd.DataFrame | None,
    social_p50: npt.NDArray[np.float64],
    baseline_p50: npt.NDArray[np.float64] | None,
    today: np.datetime64,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The social and baseline p50 over the whole horizon, per SKU and location (from the
    forecasts when the projection has no ``baseline_p50``)."""
    if baseline_p50 is None:
        windows = keys[list(KEY)].assign(window_days=social_p50.shape[1])
        return _forecast_sums(windows, forecasts, today)
    return social_p50.sum(axis=1), baseline_p50.sum(axis=1)


def _rising(
    social: npt.NDArray[np.float64], baseline: npt.NDArray[np.float64], threshold: float
) -> npt.NDArray[np.bool_]:
    """Whether the social forecast is ``threshold`` above the baseline (or has demand where the
    baseline has none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        uplift = np.where(baseline > 0, social / baseline - 1, np.nan)
    return np.asarray((uplift >= threshold - _EPSILON) | ((baseline <= 0) & (social > 0)), dtype=np.bool_)


def _running(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Running sums along the days, with a leading 0: ``[:, d]`` is the sum of days 1 … d."""
    total = np.zeros((values.shape[0], values.shape[1] + 1), dtype=np.float64)
    np.cumsum(values, axis=1, out=total[:, 1:])
    return total


def _span(
    running: npt.NDArray[np.float64], rows: npt.NDArray[np.int64], first: Any, last: Any
) -> npt.NDArray[np.float64]:
    """Σ over days ``first`` … ``last`` (1-based, inclusive) of the ``rows``."""
    return np.asarray(running[rows, last] - running[rows, first - 1], dtype=np.float64)


def _column(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.asarray(frame[name].astype(object).fillna("").astype(str).to_numpy(dtype=object))


def _forecast_sums(
    out: pd.DataFrame, forecasts: pd.DataFrame | None, today: np.datetime64
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The social and baseline p50 over each recommendation's window, from the forecasts (for a
    projection without ``baseline_p50``)."""
    zeros = np.zeros(len(out), dtype=np.float64)
    if forecasts is None or forecasts.empty:
        return zeros, zeros.copy()
    if "date" not in forecasts.columns:
        forecasts = forecasts.rename(columns={"forecast_date": "date"})
    located = forecasts[forecasts["location_id"].notna() & forecasts["sku"].isin(set(out["sku"]))]
    wanted = located[["sku", "location_id", "date", "p50", "baseline_p50"]].merge(
        out[[*KEY, "window_days"]], on=list(KEY), how="inner"
    )
    day = (pd.to_datetime(wanted["date"]).to_numpy().astype("datetime64[D]") - today).astype(np.int64)
    wanted = wanted[(day >= 1) & (day <= wanted["window_days"].to_numpy())]
    totals = (
        wanted.assign(
            social=pd.to_numeric(wanted["p50"]).fillna(0).clip(lower=0),
            baseline=pd.to_numeric(wanted["baseline_p50"]).fillna(0).clip(lower=0),
        )
        .groupby(list(KEY))[["social", "baseline"]]
        .sum()
    )
    sums = out[list(KEY)].merge(totals, left_on=list(KEY), right_index=True, how="left").fillna(0.0)
    return sums["social"].to_numpy(dtype=np.float64), sums["baseline"].to_numpy(dtype=np.float64)


def _with_topics(
    out: pd.DataFrame,
    social: npt.NDArray[np.float64],
    baseline: npt.NDArray[np.float64],
    drivers: pd.DataFrame | None,
    settings: RestockSettings,
) -> pd.DataFrame:
    """Add ``uplift`` (social p50 against baseline p50 over each window), ``social`` (the social
    p50 over it) and the driving ``topic_id`` / ``topic_label``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        uplift = np.where(baseline > 0, social / baseline - 1, np.nan)
    out = out.assign(uplift=uplift, social=social)
    if drivers is None or drivers.empty:
        topics = pd.DataFrame({"sku": pd.Series([], dtype=object), "topic_id": [], "topic_label": []})
    else:
        topics = drivers[["sku", "topic_id", "topic_label"]]
        topics = topics[topics["topic_id"].notna() & (topics["topic_id"].astype(str) != "")]
        topics = topics.drop_duplicates("sku", keep="first")
    out = out.merge(topics, on="sku", how="left")
    drives = out["topic_id"].notna().to_numpy() & _rising(social, baseline, settings.topic_uplift)
    out["topic_id"] = np.where(drives, out["topic_id"].to_numpy(dtype=object), None)
    out["topic_label"] = np.where(drives, out["topic_label"].to_numpy(dtype=object), None)
    return out


def cover_text(days: float, horizon: int) -> str:
    """Days of cover in a buyer's words: whole days, counted down."""
    if days >= horizon:
        return f"more than {horizon} days of cover"
    if days < 1:
        return "less than 1 day of cover"
    whole = math.floor(days)
    return "1 day of cover" if whole == 1 else f"{whole} days of cover"


def _reason(row: Mapping[str, Any], horizon: int) -> str:
    cover = cover_text(float(row["days_of_cover"]), horizon)
    days = int(row["window_days"])
    span = "tomorrow" if days == 1 else f"in the next {days} days"
    label = row["topic_label"]
    if label is None or (isinstance(label, float) and math.isnan(label)):
        text = f"{cover} at the usual demand"
    elif math.isnan(float(row["uplift"])):
        text = (
            f"{label} topic: {float(row['social']):,.0f} units expected {span} where none are usual, {cover}"
        )
    else:
        text = f"{label} topic: {round(float(row['uplift']) * 100):+,d} % expected demand {span}, {cover}"
    if int(row["order_day"]) > 0:
        text += f"; order by {pd.Timestamp(row['order_date']).date().isoformat()}"
    for name in ("delayed", "cancelled"):
        ids = str(row[name])
        if ids:
            text += f"; {'deliveries' if ',' in ids else 'delivery'} {ids} {name}"
    return text


def recommendation_records(recommendations: pd.DataFrame) -> list[dict[str, Any]]:
    """Recommendations as JSON-ready dicts: dates ``YYYY-MM-DD`` (``None`` when none), numbers
    as Python ints and floats, missing values ``None``."""
    records: list[dict[str, Any]] = []
    for row in recommendations.to_dict("records"):
        record: dict[str, Any] = {}
        for name, value in row.items():
            if isinstance(value, (pd.Timestamp, np.datetime64)):
                stamp = pd.Timestamp(value)
                record[name] = None if pd.isna(stamp) else stamp.date().isoformat()
            elif value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                record[name] = None
            elif isinstance(value, np.generic):
                record[name] = value.item()
            else:
                record[name] = value
        records.append(record)
    return records
