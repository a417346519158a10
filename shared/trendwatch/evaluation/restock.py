"""How well restock recommendations catch the stock-outs trends cause, and whether they were needed.

The truth comes from a world where nobody acted on the recommendations (the generator's retail
history): the stock-outs a trend caused there, and the demand and receipts that happened.
Recommendations are those of :func:`trendwatch.domain.restock.recommend_restock` over one or
more daily runs (``as_of`` tells them apart); ``runs`` lists every day a run was made, with or
without recommendations.

* **Caught.** A true stock-out of a SKU at a location on day ``D`` counts when a run could see
  it: one was made on a day in ``[D - horizon, D - 1]``. It is caught when one of those runs
  recommended that SKU for that location and either

  - called it ``critical`` or ``high`` (order now), or
  - predicted its stock-out on or before ``D`` (the p50 date, or the p90 date when the p50
    projection does not run out), or
  - recommended an order that arrives on or before ``D`` (``arrival_date``): acted on, it
    refills the shelf in time, whatever date the projection gave.

  *Catch rate* = caught / counted.
* **Justified.** A recommendation made on ``as_of`` with its ``window_end`` (the day its order
  must carry the stock to: lead time + review period), ``on_hand`` and ``safety_stock``: replay
  the days ``as_of + 1 … window_end`` with what really happened and without the order,
  ``stock(d) = on_hand + Σ (receipts - demand)`` up to ``d``. It is *justified* when the stock
  falls below its safety stock on one of those days (the order was needed to hold the service
  level), and it *prevented a stock-out* when the stock goes below zero (demand went unmet).
  A day without a row in ``actual`` had no demand and no receipt.

The shares are also given for the recommendations of the trending SKUs alone, the ones a
trend should explain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

KEY: Final = ["sku", "location_id"]
_EPSILON: Final = 1e-9


@dataclass(frozen=True)
class RestockScore:
    """Counts behind the two targets (add them up over runs or seeds)."""

    stockouts: int
    caught: int
    recommendations: int
    justified: int
    prevented_stockouts: int
    trending_recommendations: int
    trending_justified: int

    @property
    def catch_rate(self) -> float | None:
        return self.caught / self.stockouts if self.stockouts else None

    @property
    def justified_share(self) -> float | None:
        return self.justified / self.recommendations if self.recommendations else None

    @property
    def prevented_share(self) -> float | None:
        return self.prevented_stockouts / self.recommendations if self.recommendations else None

    @property
    def trending_justified_share(self) -> float | None:
        if not self.trending_recommendations:
            return None
        return self.trending_justified / self.trending_recommendations


def score_restock(
    recommendations: pd.DataFrame,
    stockouts: pd.DataFrame,
    actual: pd.DataFrame,
    runs: Iterable[date],
    trending_skus: Iterable[str] = (),
    horizon_days: int = 14,
) -> RestockScore:
    """Catch rate and justified share of ``recommendations`` against the truth.

    ``stockouts``: ``sku``, ``location_id``, ``stockout_date`` (trend-caused stock-outs, without
    action). ``actual``: ``sku``, ``location_id``, ``date``, ``demand`` and optionally
    ``receipts`` (what happened, without the recommended orders).
    """
    counted, caught = caught_stockouts(recommendations, stockouts, runs, horizon_days)
    justified, prevented = justified_recommendations(recommendations, actual)
    trending = (
        recommendations["sku"].isin(set(trending_skus)).to_numpy() if len(recommendations) else justified
    )
    return RestockScore(
        stockouts=int(counted.sum()),
        caught=int((caught & counted).sum()),
        recommendations=len(recommendations),
        justified=int(justified.sum()),
        prevented_stockouts=int(prevented.sum()),
        trending_recommendations=int(trending.sum()),
        trending_justified=int((justified & trending).sum()),
    )


def caught_stockouts(
    recommendations: pd.DataFrame, stockouts: pd.DataFrame, runs: Iterable[date], horizon_days: int = 14
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per true stock-out (in ``stockouts``' order): whether a run could see it, and whether it
    was caught (see the module's description)."""
    n = len(stockouts)
    if not n:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    true_day = _days(stockouts["stockout_date"])
    days = np.sort(np.array(sorted(set(runs)), dtype="datetime64[D]"))
    horizon = np.timedelta64(horizon_days, "D")
    # Runs on days [D - horizon, D - 1]: their number is the difference of two positions.
    counted = np.searchsorted(days, true_day, side="left") > np.searchsorted(
        days, true_day - horizon, side="left"
    )
    caught = np.zeros(n, dtype=bool)
    if recommendations.empty:
        return counted, caught
    truth = pd.DataFrame(
        {"sku": stockouts["sku"].to_numpy(), "location_id": stockouts["location_id"].to_numpy()}
    )
    truth["truth"], truth["true_day"] = np.arange(n), true_day
    recs = pd.DataFrame(
        {
            "sku": recommendations["sku"].to_numpy(),
            "location_id": recommendations["location_id"].to_numpy(),
            "as_of": _days(recommendations["as_of"]),
            "urgent": recommendations["urgency"].isin(["critical", "high"]).to_numpy(),
            "arrival": _days(recommendations["arrival_date"]),
            "predicted": np.where(
                np.isnat(_days(recommendations["stockout_date"])),
                _days(recommendations["stockout_date_p90"]),
                _days(recommendations["stockout_date"]),
            ),
        }
    )
    pairs = truth.merge(recs, on=KEY, how="inner")
    true_day, as_of = _days(pairs["true_day"]), _days(pairs["as_of"])
    predicted = _days(pairs["predicted"])
    seen = (as_of < true_day) & (as_of >= true_day - horizon)
    arrival = _days(pairs["arrival"])
    good = pairs["urgent"].to_numpy(dtype=bool) | (~np.isnat(predicted) & (predicted <= true_day))
    good |= ~np.isnat(arrival) & (arrival <= true_day)
    caught[pairs["truth"].to_numpy(dtype=np.int64)[seen & good]] = True
    return counted, caught


def justified_recommendations(
    recommendations: pd.DataFrame, actual: pd.DataFrame
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per recommendation: whether, replayed on what happened without its order, the stock fell
    below its safety stock within its window (justified), and below zero (a stock-out it
    prevented)."""
    n = len(recommendations)
    if not n:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    as_of = _days(recommendations["as_of"])
    window = np.maximum((_days(recommendations["window_end"]) - as_of).astype(np.int64), 1)
    rec = np.repeat(np.arange(n), window)
    offset = np.arange(len(rec)) - np.repeat(np.cumsum(window) - window, window) + 1
    days = pd.DataFrame(
        {
            "rec": rec,
            "sku": recommendations["sku"].to_numpy()[rec],
            "location_id": recommendations["location_id"].to_numpy()[rec],
            "date": as_of[rec] + offset.astype("timedelta64[D]"),
        }
    )
    happened = pd.DataFrame(
        {
            "sku": actual["sku"].to_numpy(),
            "location_id": actual["location_id"].to_numpy(),
            "date": _days(actual["date"]) if len(actual) else np.array([], dtype="datetime64[D]"),
            "net": (
                (pd.to_numeric(actual["receipts"]).fillna(0) if "receipts" in actual.columns else 0)
                - pd.to_numeric(actual["demand"]).fillna(0)
            ),
        }
    )
    happened = happened.groupby([*KEY, "date"], as_index=False)["net"].sum()
    days = days.merge(happened, on=[*KEY, "date"], how="left").sort_values(["rec", "date"])
    net = days["net"].fillna(0.0).to_numpy(dtype=np.float64)
    codes = days["rec"].to_numpy(dtype=np.int64)
    stock = (
        recommendations["on_hand"].to_numpy(dtype=np.float64)[codes]
        + pd.Series(net).groupby(codes).cumsum().to_numpy()
    )
    lowest = np.full(n, np.inf)
    np.minimum.at(lowest, codes, stock)
    safety = recommendations["safety_stock"].to_numpy(dtype=np.float64)
    return lowest < safety - _EPSILON, lowest < -_EPSILON


def _days(values: pd.Series) -> npt.NDArray[np.datetime64]:
    if len(values) == 0:
        return np.array([], dtype="datetime64[D]")
    return np.asarray(pd.to_datetime(pd.Series(values)).to_numpy(), dtype="datetime64[D]")
