"""Time and memory of the stock projection and the restock recommendations at retail scale.

Usage: ``python benchmarks/restock.py [--skus N] [--locations N] [--horizon D] [--repeats N] [--seed S]``

Synthetic inputs for ``skus`` x ``locations`` (5,000 x 50 by default) over a ``horizon``-day
forecast (14): one snapshot per SKU and location, three stock events for one in four of them
(one a count, one sent twice, one dated on the snapshot's day), one delivery for one in five
(in transit, delayed, cancelled or delivered), stock for 4 to 20 days of demand, a forecast row
per SKU, location and day plus the SKU totals (p90 = 1.5 p50 + 1), and a trending topic for 2 %
of the SKUs whose social forecast is twice the baseline (the others': the baseline).
Generating them is not timed. Each step is timed ``repeats`` times (the best is reported); then
one more run under ``tracemalloc`` gives the peak memory the two steps allocate (numpy and
pandas buffers included). Peak RSS of the whole process, inputs included, is printed last.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.domain.restock import RestockSettings, recommend_restock
from trendwatch.domain.stock_projection import ProjectionSettings, project_stock

AS_OF = date(2026, 12, 2)


def synthetic_inputs(skus: int, locations: int, horizon: int, seed: int) -> dict[str, pd.DataFrame]:
    """Snapshots, stock events, deliveries, forecasts and drivers for ``skus`` x ``locations``."""
    rng = np.random.default_rng(seed)
    today = np.datetime64(AS_OF, "D")
    sku_names = np.array([f"SKU-{n:05d}" for n in range(skus)], dtype=object)
    location_names = np.array([f"STORE-{n:03d}" for n in range(locations - 1)] + ["WH-EU-01"], dtype=object)
    n = skus * locations
    sku = np.repeat(sku_names, locations)
    location = np.tile(location_names, skus)
    daily = rng.gamma(2.0, 2.0, size=n)  # mean demand per day, per SKU and location
    trending = rng.random(skus) < 0.02
    uplift = np.where(np.repeat(trending, locations), 2.0, 1.0)
    snapshots = pd.DataFrame(
        {
            "snapshot_date": today - np.timedelta64(1, "D"),
            "sku": sku,
            "location_id": location,
            "on_hand": rng.poisson(daily * rng.uniform(4.0, 20.0, size=n)).astype(np.int64),
        }
    )

    moved = np.flatnonzero(rng.random(n) < 0.25)
    hours = np.datetime64(AS_OF, "h")
    events = pd.DataFrame(
        {
            "event_id": [f"E-{i}-{k}" for i in moved for k in range(3)],
            "sku": np.repeat(sku[moved], 3),
            "location_id": np.repeat(location[moved], 3),
            "event_time": np.repeat(hours, 3 * len(moved))
            + np.tile(np.array([-2, 9, 15]), len(moved)).astype("timedelta64[h]"),
            "delta": np.tile(np.array([-1.0, np.nan, -2.0]), len(moved)),
            "level": np.tile(np.array([np.nan, 1.0, np.nan]), len(moved))
            * np.repeat(rng.poisson(10, len(moved)), 3),
        }
    )
    events["event_time"] = events["event_time"].dt.tz_localize("UTC")
    events = pd.concat([events, events.iloc[2::3]], ignore_index=True).sample(frac=1.0, random_state=seed)

    shipped = np.flatnonzero(rng.random(n) < 0.2)
    deliveries = pd.DataFrame(
        {
            "delivery_id": [f"DLV-{i}" for i in shipped],
            "sku": sku[shipped],
            "location_id": location[shipped],
            "quantity": rng.integers(1, 20, len(shipped)) * 12,
            "expected_date": today + rng.integers(-2, horizon, len(shipped)).astype("timedelta64[D]"),
            "delivered_at": pd.NaT,
            "status": rng.choice(
                ["in_transit", "delayed", "cancelled", "delivered", "planned"], len(shipped)
            ),
        }
    )

    day_dates = today + np.arange(1, horizon + 1).astype("timedelta64[D]")
    usual = (np.repeat(daily, horizon) * rng.lognormal(0.0, 0.2, n * horizon)).round(2)
    p50 = usual * np.repeat(uplift, horizon)
    located = pd.DataFrame(
        {
            "sku": np.repeat(sku, horizon),
            "location_id": np.repeat(location, horizon),
            "date": np.tile(day_dates, n),
            "p10": p50 * 0.6,
            "p50": p50,
            "p90": p50 * 1.5 + 1.0,
            "baseline_p50": usual,
        }
    )
    totals = located.groupby(["sku", "date"], as_index=False)[["p10", "p50", "p90", "baseline_p50"]].sum()
    forecasts = pd.concat([located, totals.assign(location_id=None)], ignore_index=True)
    drivers = pd.DataFrame(
        {
            "sku": sku_names[trending],
            "topic_id": [f"topic-{i}" for i in range(int(trending.sum()))],
            "topic_label": [f"trend {i}" for i in range(int(trending.sum()))],
        }
    )
    return {
        "snapshots": snapshots,
        "events": events,
        "deliveries": deliveries,
        "forecasts": forecasts,
        "drivers": drivers,
    }


def _best(step: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--skus", type=int, default=5000)
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    print("generating inputs ...", file=sys.stderr)
    inputs = synthetic_inputs(args.skus, args.locations, args.horizon, args.seed)
    projection_settings = ProjectionSettings(horizon_days=args.horizon)
    restock_settings = RestockSettings()

    def project() -> pd.DataFrame:
        return project_stock(
            inputs["snapshots"],
            inputs["events"],
            inputs["deliveries"],
            inputs["forecasts"],
            AS_OF,
            projection_settings,
        )

    project_seconds, projection = _best(project, args.repeats)

    def recommend() -> pd.DataFrame:
        return recommend_restock(projection, inputs["forecasts"], inputs["drivers"], restock_settings, AS_OF)

    recommend_seconds, recommendations = _best(recommend, args.repeats)

    tracemalloc.start()
    project()
    _, project_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    recommend()
    _, recommend_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    mib = 1024 * 1024
    result = {
        "skus": args.skus,
        "locations": args.locations,
        "horizon_days": args.horizon,
        "input_rows": {name: len(frame) for name, frame in inputs.items()},
        "projection_rows": len(projection),
        "recommendations": len(recommendations),
        "urgency": recommendations["urgency"].value_counts().to_dict(),
        "topic_driven": int(recommendations["topic_id"].notna().sum()),
        "project_seconds": round(project_seconds, 2),
        "recommend_seconds": round(recommend_seconds, 2),
        "project_peak_mib": round(project_peak / mib),
        "recommend_peak_mib": round(recommend_peak / mib),
        "process_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
