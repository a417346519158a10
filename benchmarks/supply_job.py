"""The whole daily supply job at retail scale: reads, forecasts, projection, restock, writes.

Usage: ``python benchmarks/supply_job.py [--skus 5000] [--locations 50] [--days 120] [--small]
[--state DIR] [--profile FILE] [--seed 7]``

A synthetic warehouse (a DuckDB file, as the local runtime keeps it) for ``skus`` x
``locations`` (5,000 x 50 by default; ``--small``: 200 x 10 over 60 days) is built in bulk,
not timed: a catalogue of five categories; ``days`` days of order lines, one per SKU, location
and day with sales (demand drawn around each pair's mean with a weekly pattern, sold up to
the stock); an end-of-day inventory snapshot per SKU, location and day; the deliveries a
reorder-point policy placed (lead time 3 days for stores, 5 for the warehouse, the last few
still in transit); stock events on the last day for one pair in four; and social talk: 20
topics trending over the last 10 days on 5 SKUs each (detected, linked to their products),
with background mentions of 500 other products. The simulation runs in numpy a day at a time
over all pairs and the rows go into DuckDB as Arrow tables and SQL (no row-by-row inserts).

Then :meth:`trendwatch.app.supply.SupplyJob.run` for the day after the last one is timed end to
end in a fresh process (its peak RSS is the job's, the building is not in it): wall time, CPU
time, peak RSS and the rows written. ``--profile FILE`` also writes a cProfile of the run and
prints the functions taking the most cumulative time. ``--state DIR`` keeps the warehouse (and
reuses it when it holds the same sizes).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

LAST_DAY = date(2026, 11, 30)
CATEGORIES = ("fashion", "home", "beauty", "food_drink", "lifestyle")
#: Day-of-week factors, Monday first.
WEEKLY = np.array([0.85, 0.85, 0.9, 0.95, 1.1, 1.4, 0.95])
STORE_LEAD, WAREHOUSE_LEAD = 3, 5
TOPICS, SKUS_PER_TOPIC, TREND_DAYS = 20, 5, 10
BACKGROUND_PRODUCTS = 500
BUILT = "built.json"


@dataclass(frozen=True)
class Size:
    skus: int
    locations: int
    days: int
    seed: int


def _locations(n: int) -> list[str]:
    return [f"STORE-{k:03d}" for k in range(n - 1)] + ["WH-EU-01"]


def simulate(size: Size) -> dict[str, Any]:
    """Sales, snapshots and deliveries of every SKU and location, a day at a time (numpy)."""
    rng = np.random.default_rng(size.seed)
    n_pairs = size.skus * size.locations
    first = LAST_DAY - timedelta(days=size.days - 1)
    is_warehouse = np.tile(np.arange(size.locations) == size.locations - 1, size.skus)
    lead = np.where(is_warehouse, WAREHOUSE_LEAD, STORE_LEAD)
    mean = rng.lognormal(-0.4, 0.9, size=n_pairs) * np.where(is_warehouse, 4.0, 1.0)
    trending_sku = np.zeros(size.skus, dtype=bool)
    trending_sku[: TOPICS * SKUS_PER_TOPIC] = True
    uplift_start = size.days - TREND_DAYS
    reorder = mean * (lead + 2)
    up_to = reorder + mean * rng.uniform(6, 12, size=n_pairs)
    on_hand = np.round(mean * rng.uniform(5, 14, size=n_pairs)).astype(np.int64)
    on_order = np.zeros(n_pairs, dtype=np.int64)
    arrivals = np.zeros((size.days + WAREHOUSE_LEAD + 1, n_pairs), dtype=np.int64)
    sales_pair, sales_day, sales_qty = [], [], []
    snap_on_hand = np.zeros((size.days, n_pairs), dtype=np.int32)
    snap_on_order = np.zeros((size.days, n_pairs), dtype=np.int32)
    del_pair, del_day, del_qty = [], [], []
    for t in range(size.days):
        weekday = (first + timedelta(days=t)).weekday()
        rate = mean * WEEKLY[weekday]
        if t >= uplift_start:
            rate = rate * np.where(
                np.repeat(trending_sku, size.locations), 1 + 3 * 0.8 ** (t - uplift_start), 1.0
            )
        demand = rng.poisson(rate * rng.gamma(6.0, 1 / 6.0, size=n_pairs))
        received = arrivals[t]
        on_order -= received
        available = on_hand + received
        sold = np.minimum(demand, available)
        on_hand = available - sold
        low = np.flatnonzero(on_hand + on_order <= reorder)
        quantity = np.ceil(up_to[low] - on_hand[low] - on_order[low]).astype(np.int64)
        arrivals[t + lead[low], low] += quantity
        on_order[low] += quantity
        selling = np.flatnonzero(sold)
        sales_pair.append(selling.astype(np.int32))
        sales_day.append(np.full(len(selling), t, dtype=np.int16))
        sales_qty.append(sold[selling].astype(np.int32))
        snap_on_hand[t], snap_on_order[t] = on_hand, on_order
        del_pair.append(low.astype(np.int32))
        del_day.append(np.full(len(low), t, dtype=np.int16))
        del_qty.append(quantity.astype(np.int32))
    deliveries_pair = np.concatenate(del_pair)
    deliveries_day = np.concatenate(del_day)
    return {
        "first": first,
        "sales": (np.concatenate(sales_pair), np.concatenate(sales_day), np.concatenate(sales_qty)),
        "snap_on_hand": snap_on_hand,
        "snap_on_order": snap_on_order,
        "deliveries": (deliveries_pair, deliveries_day, np.concatenate(del_qty), lead[deliveries_pair]),
        "on_hand": on_hand,
    }


def build(path: Path, size: Size) -> dict[str, int]:
    """The warehouse file with the job's inputs (see the module docstring); returns row counts."""
    import duckdb

    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    DuckDBWarehouse(path).close()  # creates every table
    sim = simulate(size)
    first: date = sim["first"]
    rng = np.random.default_rng(size.seed + 1)
    skus = np.array([f"SKU-{k:05d}" for k in range(size.skus)], dtype=object)
    locations = np.array(_locations(size.locations), dtype=object)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    loaded = datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    con.register("loaded_at_table", pa.table({"loaded_at": [loaded]}))

    keyword = np.array([f"item{k:05d}" for k in range(size.skus)], dtype=object)
    trending = np.arange(size.skus) < TOPICS * SKUS_PER_TOPIC
    topic_of = np.arange(size.skus) // SKUS_PER_TOPIC
    keywords = [
        [f"gadget{t:02d}", k] if trend else [k]
        for t, k, trend in zip(topic_of, keyword, trending, strict=True)
    ]
    con.register(
        "new_products",
        pa.table(
            {
                "sku": skus,
                "name": [f"Brand{k % 40} Product {k:05d}" for k in range(size.skus)],
                "category": [CATEGORIES[k % len(CATEGORIES)] for k in range(size.skus)],
                "brand": [f"Brand{k % 40}" for k in range(size.skus)],
                "price": rng.uniform(5, 120, size=size.skus).round(2),
                "keywords": keywords,
            }
        ),
    )
    con.execute("INSERT INTO products SELECT *, (SELECT loaded_at FROM loaded_at_table) FROM new_products")
    pairs = pa.table(
        {
            "pair": np.arange(size.skus * size.locations, dtype=np.int32),
            "sku": np.repeat(skus, size.locations),
            "location_id": np.tile(locations, size.skus),
        }
    )
    con.register("pairs", pairs)
    con.execute("CREATE TEMP TABLE pair_keys AS SELECT * FROM pairs")
    first_ts = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    con.execute("CREATE TEMP TABLE origin AS SELECT $first::TIMESTAMPTZ AS t0", {"first": first_ts})

    pair, day, qty = sim["sales"]
    con.register("sales", pa.table({"pair": pair, "day": day, "qty": qty}))
    con.execute(
        """
        INSERT INTO orders
        SELECT 'ORD-' || s.day || '-' || s.pair, 1, p.sku, s.qty, 19.99,
               (SELECT t0 FROM origin) + to_days(s.day) + to_hours(9 + s.pair % 11),
               CASE WHEN p.location_id LIKE 'WH-%' THEN 'web' ELSE 'store' END, p.location_id,
               (SELECT t0 FROM origin) + to_days(s.day + 1), 'orders/orders_' || s.day || '.jsonl'
        FROM sales AS s JOIN pair_keys AS p USING (pair)
        """
    )
    con.unregister("sales")
    n_pairs = size.skus * size.locations
    for start in range(0, size.days, 10):  # snapshots ten days at a time (bounded memory)
        stop = min(size.days, start + 10)
        block = pa.table(
            {
                "pair": np.tile(np.arange(n_pairs, dtype=np.int32), stop - start),
                "day": np.repeat(np.arange(start, stop, dtype=np.int16), n_pairs),
                "on_hand": sim["snap_on_hand"][start:stop].ravel(),
                "on_order": sim["snap_on_order"][start:stop].ravel(),
            }
        )
        con.register("snapshots", block)
        con.execute(
            """
            INSERT INTO inventory_daily
            SELECT $first::DATE + s.day::INTEGER, p.sku, p.location_id, s.on_hand, s.on_order,
                   (SELECT t0 FROM origin) + to_days(s.day + 1), 'inventory/inventory_' || s.day || '.csv'
            FROM snapshots AS s JOIN pair_keys AS p USING (pair)
            """,
            {"first": first},
        )
        con.unregister("snapshots")
    d_pair, d_day, d_qty, d_lead = sim["deliveries"]
    con.register(
        "placed", pa.table({"pair": d_pair, "day": d_day, "qty": d_qty, "lead": d_lead.astype(np.int16)})
    )
    con.execute(
        """
        INSERT INTO deliveries
        SELECT 'DLV-' || d.day || '-' || d.pair, p.sku, p.location_id, d.qty,
               $first::DATE + (d.day + d.lead)::INTEGER,
               CASE WHEN d.day + d.lead < $days THEN (SELECT t0 FROM origin) + to_days(d.day + d.lead) + to_hours(6) END,
               CASE WHEN d.day + d.lead < $days THEN 'delivered' ELSE 'in_transit' END,
               (SELECT t0 FROM origin) + to_days(d.day + 1), 'deliveries/deliveries_' || d.day || '.csv'
        FROM placed AS d JOIN pair_keys AS p USING (pair)
        """,
        {"first": first, "days": size.days},
    )
    # stock events of the last day after its snapshot's cut-off: none is needed, a few are normal
    moved = np.flatnonzero(rng.random(n_pairs) < 0.25).astype(np.int32)
    con.register(
        "moved", pa.table({"pair": moved, "delta": -rng.integers(1, 3, size=len(moved)).astype(np.int32)})
    )
    con.execute(
        """
        INSERT INTO stock_events
        SELECT 'EVT-' || m.pair, p.sku, p.location_id, $at::TIMESTAMPTZ - to_hours(2 + m.pair % 8), m.delta,
               NULL, $at::TIMESTAMPTZ
        FROM moved AS m JOIN pair_keys AS p USING (pair)
        """,
        {"at": loaded},
    )
    _social(con, size, first_ts, rng)
    con.execute(
        """
        INSERT INTO feed_loads
        SELECT DISTINCT source_object, 'orders', '1', 0, 0, 0, NULL, loaded_at FROM orders
        """
    )
    counts = {
        name: int(con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0])  # type: ignore[index]
        for name in ("products", "orders", "inventory_daily", "deliveries", "stock_events", "tweet_terms")
    }
    con.close()
    return counts


def _social(con: Any, size: Size, first_ts: datetime, rng: np.random.Generator) -> None:
    """Topics trending over the last days on a few SKUs each, detected and linked, and
    background mentions of other products over the whole history."""
    end = first_ts + timedelta(days=size.days)
    terms, stamps, authors = [], [], []
    for topic in range(TOPICS):
        onset = end - timedelta(days=TREND_DAYS)
        for day in range(TREND_DAYS):
            n = int(400 * 0.8**day)
            offsets = rng.uniform(0, 86_400, size=n)
            stamps += [onset + timedelta(days=day, seconds=float(s)) for s in offsets]
            terms += [f"gadget{topic:02d}"] * n
            authors += [f"u{a}" for a in rng.integers(0, 200_000, size=n)]
    background = rng.choice(
        np.arange(TOPICS * SKUS_PER_TOPIC, size.skus),
        size=min(BACKGROUND_PRODUCTS, size.skus - TOPICS * SKUS_PER_TOPIC),
        replace=False,
    )
    n = 60 * size.days
    picked = rng.choice(background, size=n)
    stamps += [first_ts + timedelta(seconds=float(s)) for s in rng.uniform(0, 86_400 * size.days, size=n)]
    terms += [f"item{k:05d}" for k in picked]
    authors += [f"u{a}" for a in rng.integers(0, 200_000, size=n)]
    count = len(terms)
    con.register(
        "facts",
        pa.table(
            {
                "tweet_id": [f"T{k}" for k in range(count)],
                "term": terms,
                "kind": ["keyword"] * count,
                "lang": ["en"] * count,
                "author_id": authors,
                "created_at": pa.array(stamps, type=pa.timestamp("us", tz="UTC")),
                "sentiment_label": ["positive"] * count,
                "sentiment_score": rng.uniform(0.3, 0.9, size=count),
            }
        ),
    )
    con.execute("INSERT INTO tweet_terms SELECT * FROM facts")
    onset = end - timedelta(days=TREND_DAYS) + timedelta(hours=6)
    con.execute(
        """
        INSERT INTO topics (topic_id, label, terms, languages, first_seen_at, updated_at)
        SELECT 'term:gadget' || lpad(t::VARCHAR, 2, '0'), 'gadget' || lpad(t::VARCHAR, 2, '0'),
               ['gadget' || lpad(t::VARCHAR, 2, '0')], ['en'], $onset::TIMESTAMPTZ, $onset::TIMESTAMPTZ
        FROM range($topics) AS r(t)
        """,
        {"onset": onset, "topics": TOPICS},
    )
    con.execute(
        """
        INSERT INTO trend_alerts (alert_id, topic_id, label, terms, score, volume, window_start,
                                  first_detected_at, updated_at, version)
        SELECT 'A' || t, 'term:gadget' || lpad(t::VARCHAR, 2, '0'), 'gadget' || lpad(t::VARCHAR, 2, '0'),
               ['gadget' || lpad(t::VARCHAR, 2, '0')], 5.0, 400, $onset::TIMESTAMPTZ, $onset::TIMESTAMPTZ,
               $onset::TIMESTAMPTZ, 1
        FROM range($topics) AS r(t)
        """,
        {"onset": onset, "topics": TOPICS},
    )
    con.execute(
        """
        INSERT INTO topic_products (topic_id, sku, score, matched_terms, catalogue_keywords, first_linked_at,
                                    last_linked_at, updated_at)
        SELECT 'term:gadget' || lpad((k // $per)::VARCHAR, 2, '0'), 'SKU-' || lpad(k::VARCHAR, 5, '0'), 0.9,
               ['gadget' || lpad((k // $per)::VARCHAR, 2, '0')], ['gadget' || lpad((k // $per)::VARCHAR, 2, '0')],
               $onset::TIMESTAMPTZ, $onset::TIMESTAMPTZ, $onset::TIMESTAMPTZ
        FROM range($n) AS r(k)
        """,
        {"onset": onset, "per": SKUS_PER_TOPIC, "n": TOPICS * SKUS_PER_TOPIC},
    )


class _Discard:
    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return "0"

    def publish_many(self, topic: str, messages: Sequence[tuple[bytes, Mapping[str, str]]]) -> list[str]:
        return ["0"] * len(messages)


def time_job(path: Path, profile: Path | None) -> dict[str, Any]:
    """Run the daily job once on the warehouse at ``path``, timed (in this process)."""
    from trendwatch.adapters.local.clock import SystemClock
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse
    from trendwatch.app.supply import SupplyJob

    as_of = LAST_DAY + timedelta(days=1)
    warehouse = DuckDBWarehouse(path)
    try:
        job = SupplyJob(warehouse, _Discard(), SystemClock())
        profiler = cProfile.Profile() if profile else None
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        report = job.run(as_of, rerun=True)
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_children = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        rows = {
            name: warehouse.query(f"SELECT COUNT(*) AS n FROM {name} WHERE as_of = @d", {"d": as_of})[0]["n"]
            for name in ("forecasts", "stock_cover", "restock_recommendations")
        }
    finally:
        warehouse.close()
    if profiler is not None and profile is not None:
        profiler.dump_stats(str(profile))
    return {
        "as_of": as_of.isoformat(),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        # CPU time of the worker processes the job started (statsforecast's), once they ended
        "cpu_children_s": round(cpu_children, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "series": report.series,
        "rows_written": rows,
        "recommendations": report.recommendations,
    }


def _machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--skus", type=int, default=5000)
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--days", type=int, default=120, help="days of orders and snapshots (default: 120)")
    parser.add_argument("--small", action="store_true", help="200 SKUs x 10 locations over 60 days")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--state", type=Path, default=None, help="keep (and reuse) the warehouse here")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of the run here")
    parser.add_argument("--time-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_only is not None:
        print(json.dumps(time_job(args.time_only, args.profile)))
        return
    size = (
        Size(200, 10, 60, args.seed) if args.small else Size(args.skus, args.locations, args.days, args.seed)
    )
    with tempfile.TemporaryDirectory(prefix="supply-job-") as temporary:
        folder = args.state or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path, marker = folder / "warehouse.duckdb", folder / BUILT
        if marker.exists() and json.loads(marker.read_text())["size"] == asdict(size):
            counts = json.loads(marker.read_text())["rows"]
        else:
            path.unlink(missing_ok=True)
            started = time.perf_counter()
            counts = build(path, size)
            marker.write_text(json.dumps({"size": asdict(size), "rows": counts}))
            print(f"built in {time.perf_counter() - started:.0f} s: {counts}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--time-only", str(path)]
        if args.profile is not None:
            command += ["--profile", str(args.profile)]
        before = _machine()
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        json.dumps(
            {
                "size": asdict(size),
                "input_rows": counts,
                **result,
                "machine": before,
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )
    if args.profile is not None:
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
