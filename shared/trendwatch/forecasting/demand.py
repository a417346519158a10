"""Demand history: daily units per SKU and location, censored days, and what the models learn from.

A day is **censored** when the location may not have been able to sell what was asked for:

- it started the day with nothing on hand (the previous end-of-day snapshot is 0), or
- it ended the day with nothing on hand (the stock ran out during the day).

On such a day the units sold are a lower bound of the demand (lost sales), never "zero
demand". Both cases are flagged, whatever was sold: when the stock ran out late, after a
usual day's sales, the estimate below is not above the units and the units stand. A day
without a snapshot on either side is not censored (nothing says the shelf was empty).

What the models learn from (:func:`impute_censored`) is, on uncensored days, the units sold,
and on censored days the larger of the units sold and an estimate of the demand: the
location's usual demand (its mean over the last 28 uncensored days) times the SKU's lift
that day, i.e. how the SKU's locations that *were* in stock sold against their own usual
demand. A trending SKU whose shelves empty in some locations thus keeps its rise in the
history (the locations still in stock show it), and a stock-out never teaches "no demand".
Metrics leave censored days out (their true demand is unknown).

Everything here is causal: the estimate for a day uses that day's and earlier data only,
so a backtest may impute once and cut the history at any origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.frames import to_days

#: Columns of :func:`daily_demand`'s result (and of the ``demand`` frame :func:`forecast` takes).
DEMAND_COLUMNS = ("sku", "location_id", "date", "units", "on_hand", "censored")

#: Days of uncensored history a location's usual demand is the mean of.
USUAL_WINDOW = 28


def daily_demand(
    orders: pd.DataFrame, snapshots: pd.DataFrame, start: date | str, end: date | str
) -> pd.DataFrame:
    """One row per SKU x location x day in ``[start, end]`` (UTC calendar days).

    ``orders``: ``sku, location_id, ordered_at`` (timestamp; naive means UTC), ``quantity``.
    ``snapshots``: ``snapshot_date, sku, location_id, on_hand`` (end of day). A snapshot of
    the day before ``start`` tells whether the first day started empty.

    A pair (SKU, location) has rows from the first day it appears (an order or a snapshot,
    or ``start``) to ``end``. Result columns: ``sku, location_id, date`` (datetime64, midnight),
    ``units`` (float, 0 on days without orders), ``on_hand`` (end of day, NaN without a
    snapshot), ``censored`` (bool, see the module's docstring).
    """
    first_day, last_day = to_days(start), to_days(end)
    days = pd.date_range(first_day, last_day, freq="D")
    n_days = len(days)
    o_day = _utc_days(orders["ordered_at"])
    o_keep = ((o_day >= first_day) & (o_day <= last_day)).to_numpy()
    s_day = to_days(snapshots["snapshot_date"])
    s_keep = ((s_day >= first_day - pd.Timedelta(days=1)) & (s_day <= last_day)).to_numpy()
    keys = pd.concat(
        [
            orders.loc[o_keep, ["sku", "location_id"]].astype(str),
            snapshots.loc[s_keep, ["sku", "location_id"]].astype(str),
        ],
        ignore_index=True,
    )
    sku_code, skus = pd.factorize(keys["sku"], sort=True)
    loc_code, locations = pd.factorize(keys["location_id"], sort=True)
    pair_code, pair_keys = pd.factorize(sku_code.astype(np.int64) * len(locations) + loc_code, sort=True)
    pair_keys = np.asarray(pair_keys, dtype=np.int64)
    n_pairs = len(pair_keys)
    n_orders = int(o_keep.sum())
    o_pair, s_pair = pair_code[:n_orders], pair_code[n_orders:]

    o_t = ((o_day[o_keep] - first_day) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    quantity = orders.loc[o_keep, "quantity"].to_numpy(dtype=np.float64)
    units = np.bincount(o_pair * n_days + o_t, weights=quantity, minlength=n_pairs * n_days)
    units = units.reshape(n_pairs, n_days)

    # on_hand[:, 0] is the day before start; on_hand[:, t + 1] the end of day t.
    s_t = ((s_day[s_keep] - first_day) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64) + 1
    on_hand = np.full((n_pairs, n_days + 1), np.nan)
    on_hand[s_pair, s_t] = snapshots.loc[s_keep, "on_hand"].to_numpy(dtype=np.float64)
    end_of_day, start_of_day = on_hand[:, 1:], on_hand[:, :-1]
    censored = (end_of_day == 0) | (start_of_day == 0)

    first_seen = np.full(n_pairs, n_days, dtype=np.int64)
    np.minimum.at(first_seen, o_pair, o_t)
    np.minimum.at(first_seen, s_pair, np.maximum(s_t - 1, 0))
    present = np.arange(n_days)[None, :] >= first_seen[:, None]
    rows_pair, rows_t = np.nonzero(present)
    pair_sku = np.asarray(skus, dtype=object)[pair_keys // len(locations)]
    pair_location = np.asarray(locations, dtype=object)[pair_keys % len(locations)]
    return pd.DataFrame(
        {
            "sku": pair_sku[rows_pair],
            "location_id": pair_location[rows_pair],
            "date": days.to_numpy()[rows_t],
            "units": units[rows_pair, rows_t],
            "on_hand": end_of_day[rows_pair, rows_t],
            "censored": censored[rows_pair, rows_t],
        }
    )


def _utc_days(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert(None).dt.floor("D").astype("datetime64[ns]")


@dataclass
class Panel:
    """A demand frame as dense arrays: one row per (SKU, location) pair, one column per day.

    ``units`` is NaN before a pair's first day; ``first`` is that day's index.
    """

    skus: np.ndarray
    locations: np.ndarray
    pair_sku: np.ndarray
    pair_location: np.ndarray
    days: pd.DatetimeIndex
    units: np.ndarray
    censored: np.ndarray
    first: np.ndarray

    @property
    def n_skus(self) -> int:
        return len(self.skus)

    def sku_totals(self, values: np.ndarray) -> np.ndarray:
        """Sum of a pair x day array over each SKU's locations (NaN counts as 0)."""
        out = np.zeros((self.n_skus, values.shape[1]))
        np.add.at(out, self.pair_sku, np.nan_to_num(values))
        return out

    def sku_first(self) -> np.ndarray:
        """Index of each SKU's first day (its earliest pair)."""
        first = np.full(self.n_skus, len(self.days), dtype=np.int64)
        np.minimum.at(first, self.pair_sku, self.first)
        return first


def panel(demand: pd.DataFrame, end: date | str | None = None) -> Panel:
    """Dense arrays of a demand frame (``sku, location_id, date, units, censored``), days up
    to ``end`` (default: the frame's last day)."""
    day = to_days(demand["date"])
    last = to_days(end) if end is not None else day.max()
    keep = (day <= last).to_numpy()
    frame = demand.loc[keep]
    day = day[keep]
    first_day = day.min()
    days = pd.date_range(first_day, last, freq="D")
    sku_code, skus = pd.factorize(frame["sku"].astype(str), sort=True)
    loc_code, locations = pd.factorize(frame["location_id"].astype(str), sort=True)
    pair_key = sku_code.astype(np.int64) * len(locations) + loc_code
    pair_code, pair_keys = pd.factorize(pair_key, sort=True)
    pair_keys = np.asarray(pair_keys, dtype=np.int64)
    n_pairs, n_days = len(pair_keys), len(days)
    t = ((day - first_day) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    units = np.full((n_pairs, n_days), np.nan)
    units[pair_code, t] = frame["units"].to_numpy(dtype=np.float64)
    censored = np.zeros((n_pairs, n_days), dtype=bool)
    censored[pair_code, t] = frame["censored"].to_numpy(dtype=bool)
    first = np.full(n_pairs, n_days, dtype=np.int64)
    np.minimum.at(first, pair_code, t)
    # A pair's days between its first row and the end without a row sold nothing.
    after_first = np.arange(n_days)[None, :] >= first[:, None]
    units = np.where(after_first & np.isnan(units), 0.0, units)
    return Panel(
        skus=np.asarray(skus, dtype=object),
        locations=np.asarray(locations, dtype=object),
        pair_sku=pair_keys // len(locations),
        pair_location=pair_keys % len(locations),
        days=days,
        units=units,
        censored=censored,
        first=first,
    )


def impute_censored(p: Panel, window: int = USUAL_WINDOW) -> np.ndarray:
    """Demand to learn from, pair x day: units on uncensored days; on censored days the larger
    of the units and (usual demand x the SKU's lift that day). See the module's docstring.

    NaN before a pair's first day. A pair with no uncensored day yet keeps its units.
    """
    units = p.units
    seen = ~np.isnan(units)
    clean = seen & ~p.censored
    clean_units = np.where(clean, units, 0.0)
    # Mean of the last ``window`` uncensored days before each day (exclusive).
    usual = _trailing_mean(clean_units, clean.astype(np.float64), window)
    # The SKU's lift: its in-stock locations' units today against their usual demand.
    has_usual = clean & ~np.isnan(usual)
    sold = np.zeros((p.n_skus, units.shape[1]))
    expected = np.zeros_like(sold)
    np.add.at(sold, p.pair_sku, np.where(has_usual, units, 0.0))
    np.add.at(expected, p.pair_sku, np.where(has_usual, usual, 0.0))
    # Below one expected unit, the in-stock locations say too little: no lift.
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(expected >= 1.0, sold / expected, 1.0)
    estimate = usual * lift[p.pair_sku]
    filled = np.where(p.censored & seen & ~np.isnan(estimate), np.fmax(units, estimate), units)
    return np.asarray(filled)


def _trailing_mean(values: np.ndarray, counts: np.ndarray, window: int) -> np.ndarray:
    """Per row, the mean of ``values`` over the ``window`` columns before each column, counting
    only where ``counts`` is 1 (NaN when none)."""
    zero = np.zeros((values.shape[0], 1))
    v = np.concatenate([zero, np.cumsum(values, axis=1)], axis=1)
    c = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    t = np.arange(values.shape[1])
    lo = np.maximum(t - window, 0)
    total = v[:, t] - v[:, lo]
    n = c[:, t] - c[:, lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, total / n, np.nan)
