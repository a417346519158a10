"""The daily forecast job on a simulated retailer: 5,000 SKUs x 50 locations x 120 days.

Usage: ``python benchmarks/forecast.py [--small] [--skus N] [--locations N] [--days N]``

Times, in one fresh process: importing the forecasting libraries; the first fit on a tiny
set (numba's JIT compilation, the cold start of a new container); ``daily_demand`` from the
orders and snapshots; and ``forecast`` (both models on SKU totals, then every location).
Prints wall and CPU times (on a shared machine the CPU time is what an unshared one would
take on one core; the job's models use one or two), the process's peak memory and rows per second. The target is at most 5
minutes for the daily job on two cores. ``--small``: 500 SKUs x 10 locations.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (statsforecast's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="500 SKUs x 10 locations")
    parser.add_argument("--skus", type=int, default=5000)
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    skus, locations = (500, 10) if args.small else (args.skus, args.locations)

    started, c0 = time.perf_counter(), _cpu()
    import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

    from trendwatch.forecasting.demand import daily_demand
    from trendwatch.forecasting.pipeline import forecast
    from trendwatch.forecasting.simulate import simulate

    import_s, import_cpu = time.perf_counter() - started, _cpu() - c0

    tiny = simulate(20, 2, 60, seed=args.seed, with_truth=False)
    t0, c0 = time.perf_counter(), _cpu()
    tiny_demand = daily_demand(tiny.orders, tiny.snapshots, tiny.start, tiny.end)
    forecast(tiny_demand, tiny.social, tiny.products, tiny.end)
    warm_s, warm_cpu = time.perf_counter() - t0, _cpu() - c0

    t0 = time.perf_counter()
    sim = simulate(skus, locations, args.days, seed=args.seed, with_truth=False)
    simulate_s = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), _cpu()
    demand = daily_demand(sim.orders, sim.snapshots, sim.start, sim.end)
    demand_s, demand_cpu = time.perf_counter() - t0, _cpu() - c0
    n_orders, n_snapshots = len(sim.orders), len(sim.snapshots)
    del sim.orders, sim.snapshots

    t0, c0 = time.perf_counter(), _cpu()
    out = forecast(demand, sim.social, sim.products, sim.end)
    forecast_s, forecast_cpu = time.perf_counter() - t0, _cpu() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    totals = out["location_id"].isna()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}")
    print(f"scale: {skus} SKUs x {locations} locations x {args.days} days")
    print("wall s (CPU s, this process and its workers)")
    print(f"import forecasting libraries:  {import_s:6.1f} ({import_cpu:.1f})")
    print(f"first fit on a tiny set (JIT): {warm_s:6.1f} ({warm_cpu:.1f})")
    print(f"simulate (not timed below):    {simulate_s:6.1f}")
    print(
        f"daily_demand: {demand_s:6.1f} ({demand_cpu:.1f}) for {n_orders:,} orders + {n_snapshots:,} snapshots "
        f"-> {len(demand):,} rows ({len(demand) / demand_s:,.0f} rows/s)"
    )
    print(
        f"forecast:     {forecast_s:6.1f} ({forecast_cpu:.1f}) for {len(demand):,} history rows -> "
        f"{int(totals.sum()):,} SKU rows + {int((~totals).sum()):,} location rows "
        f"({len(demand) / forecast_s:,.0f} history rows/s)"
    )
    print(
        f"daily job (daily_demand + forecast): {demand_s + forecast_s:.1f} ({demand_cpu + forecast_cpu:.1f}); "
        f"cold start adds {import_s + warm_s:.1f} ({import_cpu + warm_cpu:.1f})"
    )
    print(f"peak memory (process): {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
