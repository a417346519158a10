"""A simulated retailer for the forecasting tests and benchmark: orders, stock snapshots,
social activity, products, planted trends and the true demand.

Each SKU has a base daily rate (log-normal), its category's weekly pattern and a split over
locations. A trending SKU's voices jump at its onset and grow for a few days; its demand
follows one day later, up to ``uplift`` times its base. Decoy SKUs have a burst of voices
that are mostly bots and no demand effect. Locations are restocked weekly up to ten days of
their usual demand, so trends empty shelves (censored days) as they do in life.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment


@dataclass
class SimulatedRetail:
    orders: pd.DataFrame
    snapshots: pd.DataFrame
    social: pd.DataFrame
    products: pd.DataFrame
    #: ``sku, onset`` (the day the talk starts).
    trending: pd.DataFrame
    #: ``sku, location_id, date, demand, units``: the true demand and what was sold.
    truth: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp


def simulate(
    n_skus: int = 200,
    n_locations: int = 5,
    n_days: int = 120,
    *,
    n_categories: int = 6,
    trending_share: float = 0.1,
    decoy_share: float = 0.05,
    new_share: float = 0.03,
    uplift: float = 4.0,
    onsets_between: tuple[float, float] = (0.5, 0.9),
    seed: int = 0,
    start: str = "2026-01-01",
    with_truth: bool = True,
) -> SimulatedRetail:
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=n_days, freq="D")
    skus = np.array([f"S{i:05d}" for i in range(n_skus)], dtype=object)
    locations = np.array([f"L{j:03d}" for j in range(n_locations)], dtype=object)
    category = rng.integers(0, n_categories, n_skus)
    products = pd.DataFrame({"sku": skus, "category": [f"C{c}" for c in category]})

    base = np.exp(rng.normal(1.5, 1.0, n_skus))
    weekly = 1.0 + 0.35 * np.sin(
        2 * np.pi * (np.arange(7)[None, :] + rng.uniform(0, 7, (n_categories, 1))) / 7
    )
    dow = days.day_of_week.to_numpy()
    sku_day = base[:, None] * weekly[category][:, dow]

    # Planted trends: voices from the onset, demand one day later.
    order = rng.permutation(n_skus)
    n_trend = round(trending_share * n_skus)
    n_decoy = round(decoy_share * n_skus)
    trend_idx, decoy_idx = order[:n_trend], order[n_trend : n_trend + n_decoy]
    t = np.arange(n_days)
    voices = rng.poisson(0.3, (n_skus, n_days)).astype(np.float64)
    bots = np.zeros((n_skus, n_days))
    emergence = np.full(n_skus, -1, dtype=np.int64)
    onsets = rng.integers(int(onsets_between[0] * n_days), int(onsets_between[1] * n_days), n_trend)
    multiplier = np.ones((n_skus, n_days))
    for i, onset in zip(trend_idx, onsets, strict=True):
        since = t - onset
        shape = np.where(
            since >= 0, np.minimum((since + 1) / 4.0, 1.0) * np.exp(-np.maximum(since - 6, 0) / 12.0), 0.0
        )
        voices[i] += rng.poisson(60 * shape)
        demand_since = since - 1
        demand_shape = np.where(
            demand_since >= 0,
            np.minimum((demand_since + 1) / 4.0, 1.0) * np.exp(-np.maximum(demand_since - 6, 0) / 12.0),
            0.0,
        )
        multiplier[i] = 1.0 + (uplift - 1.0) * demand_shape
        emergence[i] = onset
    for i in decoy_idx:
        onset = int(rng.integers(n_days // 2, n_days - 5))
        burst = np.where((t >= onset) & (t < onset + 3), 1.0, 0.0)
        fake = rng.poisson(50 * burst)
        voices[i] += fake
        bots[i] += fake
        emergence[i] = onset
    sku_day = sku_day * multiplier

    # Products launched late (cold start): no demand before launch.
    launch = np.zeros(n_skus, dtype=np.int64)
    n_new = round(new_share * n_skus)
    rest = order[n_trend + n_decoy :]
    launch[rest[:n_new]] = rng.integers(n_days - 12, n_days - 3, n_new)

    loc_weight = rng.dirichlet(np.full(n_locations, 3.0), n_skus)
    mean = sku_day[:, None, :] * loc_weight[:, :, None]
    demand = rng.poisson(mean).astype(np.float64)
    demand *= np.arange(n_days)[None, None, :] >= launch[:, None, None]

    # Weekly restocks up to ten days of usual demand; sales are capped by the stock.
    level = np.ceil(10 * base[:, None] * loc_weight * rng.uniform(0.6, 1.4, (n_skus, n_locations)))
    restock_day = rng.integers(0, 7, (n_skus, n_locations))
    on_hand = level.copy()
    sales = np.zeros_like(demand)
    end_stock = np.zeros_like(demand)
    for d in range(n_days):
        launched = d >= launch
        arriving = (restock_day == d % 7) & launched[:, None]
        on_hand = np.where(arriving, np.maximum(on_hand, level), on_hand)
        on_hand = np.where(launched[:, None] & np.equal(launch, d)[:, None], level, on_hand)
        sold = np.minimum(demand[:, :, d], on_hand)
        on_hand = on_hand - sold
        sales[:, :, d] = sold
        end_stock[:, :, d] = on_hand

    s_i, l_i, d_i = np.nonzero(sales > 0)
    seconds = rng.integers(8 * 3600, 21 * 3600, len(s_i))
    orders = pd.DataFrame(
        {
            "sku": skus[s_i],
            "location_id": locations[l_i],
            "ordered_at": (days.to_numpy()[d_i] + seconds.astype("timedelta64[s]")).astype("datetime64[ns]"),
            "quantity": sales[s_i, l_i, d_i].astype(np.int64),
        }
    )
    orders["ordered_at"] = orders["ordered_at"].dt.tz_localize("UTC")
    stocked = np.arange(n_days)[None, None, :] >= launch[:, None, None]
    stocked = np.broadcast_to(stocked, sales.shape)
    k_i, m_i, e_i = np.nonzero(stocked)
    snapshots = pd.DataFrame(
        {
            "snapshot_date": days.to_numpy()[e_i],
            "sku": skus[k_i],
            "location_id": locations[m_i],
            "on_hand": end_stock[k_i, m_i, e_i].astype(np.int64),
        }
    )

    v_i, v_d = np.nonzero(voices > 0)
    v = voices[v_i, v_d]
    since_emergence = np.where((emergence[v_i] >= 0) & (v_d >= emergence[v_i]), v_d - emergence[v_i], np.nan)
    social = pd.DataFrame(
        {
            "sku": skus[v_i],
            "date": days.to_numpy()[v_d],
            "voices": v.astype(np.int64),
            "tweets": (v * rng.uniform(1.0, 1.6, len(v))).round().astype(np.int64),
            "sentiment_avg": np.clip(rng.normal(0.2, 0.3, len(v)), -1, 1),
            "reach": (v * np.exp(rng.normal(5, 1, len(v)))).round(),
            "bot_share": np.clip(bots[v_i, v_d] / v + rng.uniform(0, 0.05, len(v)), 0, 1),
            "days_since_emergence": since_emergence,
        }
    )
    trending = pd.DataFrame({"sku": skus[trend_idx], "onset": days.to_numpy()[onsets]})

    truth = pd.DataFrame()
    if with_truth:
        a, b, c = np.nonzero(np.ones_like(demand, dtype=bool))
        truth = pd.DataFrame(
            {
                "sku": skus[a],
                "location_id": locations[b],
                "date": days.to_numpy()[c],
                "demand": demand[a, b, c],
                "units": sales[a, b, c],
            }
        )
    return SimulatedRetail(
        orders=orders,
        snapshots=snapshots,
        social=social,
        products=products,
        trending=trending,
        truth=truth,
        start=days[0],
        end=days[-1],
    )
