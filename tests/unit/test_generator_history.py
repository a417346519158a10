"""The generator's retail history: true to its truth files, shaped as demand is, and loadable.

A short stream (one planted topic) with eight weeks of history: six past trends, promotions,
new products, stock-outs, bad rows of every kind, stock events and the history's tweets.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trendwatch.contracts.topology import INVENTORY_EVENTS
from trendwatch.contracts.x_stream import decode_stream_message
from trendwatch.generator import GenerationSummary, generate, simulate_history
from trendwatch.generator.history import UPLIFT_PER_SIZE, History, lag_days
from trendwatch.generator.vocabulary import LOCATIONS
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

SEED, MINUTES, RATE, DAYS = 2003, 20, 0.5, 56
Row = dict[str, str]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("history")
    return out, generate(SEED, MINUTES, RATE, out, history_days=DAYS)


@pytest.fixture(scope="module")
def truth(run: tuple[Path, GenerationSummary]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run[0] / "truth.json").read_bytes())
    return loaded


@pytest.fixture(scope="module")
def demand(run: tuple[Path, GenerationSummary]) -> list[Row]:
    with (run[0] / "demand_truth.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def history() -> History:
    return simulate_history(SEED, MINUTES, RATE, DAYS)


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _day(text: str) -> date:
    return date.fromisoformat(text)


# -- the demand ---------------------------------------------------------------------------------


def test_demand_has_a_weekly_pattern(demand: list[Row]) -> None:
    by_weekday: dict[tuple[bool, int], list[float]] = defaultdict(list)
    for row in demand:
        if row["phase"] == "history" and row["promo_uplift"] == "1.000" and row["trend_uplift"] == "1.000":
            by_weekday[(row["location_id"] == LOCATIONS[-1], _day(row["date"]).weekday())].append(
                float(row["demand"])
            )
    store = {day: float(np.mean(by_weekday[(False, day)])) for day in range(7)}
    web = {day: float(np.mean(by_weekday[(True, day)])) for day in range(7)}
    assert store[5] > 1.4 * store[0]  # stores sell most on Saturday
    assert web[6] > 1.2 * web[4]  # the web on Sunday
    assert min(web.values()) > max(store.values())  # the warehouse serves the web: it sells more


def test_demand_is_overdispersed_around_its_mean(demand: list[Row]) -> None:
    means = np.array([float(r["mean"]) for r in demand if r["phase"] == "history"])
    counts = np.array([int(r["demand"]) for r in demand if r["phase"] == "history"])
    assert abs(counts.sum() / means.sum() - 1) < 0.03
    busy = means > 3
    assert np.var(counts[busy] - means[busy]) > 1.2 * means[busy].mean()  # more than Poisson


def test_sales_are_demand_unless_stock_ran_out(demand: list[Row]) -> None:
    censored = 0
    for row in demand:
        sold, wanted = int(row["sales"]), int(row["demand"])
        assert sold <= wanted
        if row["censored"] == "1":
            assert sold < wanted
            censored += row["phase"] == "history"
        else:
            assert sold == wanted
    history_rows = sum(r["phase"] == "history" for r in demand)
    assert 0.01 < censored / history_rows < 0.12  # stock-outs happen, not constantly


def test_promotions_raise_demand_and_cut_the_order_price(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any], demand: list[Row]
) -> None:
    promotions = truth["history"]["promotions"]
    assert len({p["sku"] for p in promotions}) > 20
    assert all(3 <= (_day(p["end_day"]) - _day(p["start_day"])).days + 1 <= 7 for p in promotions)
    on = [float(r["promo_uplift"]) for r in demand if r["promo_uplift"] != "1.000"]
    assert min(on) > 1.3
    products = {r["sku"]: float(r["price"]) for r in _rows(run[0] / "feeds/products/products.csv")}
    promo = promotions[0]
    lines = _rows(run[0] / f"feeds/orders/orders_{promo['start_day']}.jsonl")
    prices = {line["unit_price"] for line in lines if line.get("sku") == promo["sku"]}
    assert prices == {round(products[promo["sku"]] * (1 - promo["discount"]), 2)}


def test_new_products_start_selling_on_their_launch_day(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any], demand: list[Row]
) -> None:
    launched = {p["sku"]: _day(p["launch_day"]) for p in truth["history"]["new_products"]}
    assert len(launched) == 5
    catalogue = {r["sku"] for r in _rows(run[0] / "feeds/products/products.csv")}
    assert set(launched) <= catalogue
    first: dict[str, date] = {}
    for row in demand:
        if row["sku"] in launched:
            first[row["sku"]] = min(first.get(row["sku"], _day(row["date"])), _day(row["date"]))
    assert first == launched
    assert all((_day(truth["history"]["stream_day"]) - day).days >= 7 for day in launched.values())


# -- the trends ---------------------------------------------------------------------------------


def test_uplift_starts_one_to_three_days_after_onset_and_grows_with_size(
    truth: dict[str, Any], demand: list[Row]
) -> None:
    trends = truth["history"]["trends"]
    assert Counter(t["kind"] for t in trends) == {"past": 6, "live": 1}
    uplift: dict[str, dict[date, float]] = defaultdict(dict)
    for row in demand:
        uplift[row["sku"]][_day(row["date"])] = float(row["trend_uplift"])
    for trend in trends:
        assert trend["lag_days"] == lag_days(trend["size"]) in (1, 2, 3)  # bigger, sooner
        start = _day(trend["onset_day"]) + timedelta(days=trend["lag_days"])
        assert _day(trend["uplift_start_day"]) == start
        for sku in trend["skus"]:
            lifted = sorted(day for day, u in uplift[sku].items() if u > 1)
            assert lifted[0] == start
            assert max(uplift[sku].values()) == pytest.approx(1 + trend["peak_uplift"], abs=1e-3)
        assert 0.9 * UPLIFT_PER_SIZE <= trend["peak_uplift"] / trend["size"] <= 1.1 * UPLIFT_PER_SIZE
    past = sorted((t for t in trends if t["kind"] == "past"), key=lambda t: t["size"])
    assert past[-1]["peak_uplift"] > 1.5 * past[0]["peak_uplift"]


def test_trend_demand_rises_in_the_week_after_onset(truth: dict[str, Any], demand: list[Row]) -> None:
    units: dict[tuple[str, date], int] = Counter()
    for row in demand:
        units[(row["sku"], _day(row["date"]))] += int(row["demand"])
    for trend in truth["history"]["trends"]:
        onset = _day(trend["onset_day"])
        before = sum(units[(s, onset - timedelta(days=d))] for s in trend["skus"] for d in range(1, 8))
        after = sum(units[(s, onset + timedelta(days=d))] for s in trend["skus"] for d in range(1, 8))
        assert after > (1 + trend["size"]) * max(before, 1), trend["topic_id"]


def test_past_trends_are_over_before_the_stream_day(truth: dict[str, Any], demand: list[Row]) -> None:
    stream_day = _day(truth["history"]["stream_day"])
    past = [t for t in truth["history"]["trends"] if t["kind"] == "past"]
    skus = {s for t in past for s in t["skus"]}
    assert all(_day(t["onset_day"]) <= stream_day - timedelta(days=18) for t in past)
    late = [
        r
        for r in demand
        if r["sku"] in skus and _day(r["date"]) >= stream_day and r["trend_uplift"] != "1.000"
    ]
    assert not late
    [live] = [t for t in truth["history"]["trends"] if t["kind"] == "live"]
    assert live["onset"] == truth["topics"][0]["onset"]
    assert live["skus"] == truth["topics"][0]["linked_skus"]


def test_the_future_has_fourteen_days_of_true_demand_for_every_series(
    truth: dict[str, Any], demand: list[Row]
) -> None:
    stream_day = _day(truth["history"]["stream_day"])
    future = [r for r in demand if r["phase"] == "future"]
    days = sorted({_day(r["date"]) for r in future})
    assert days == [stream_day + timedelta(days=d) for d in range(1, 15)]
    series = {(r["sku"], r["location_id"]) for r in demand if r["phase"] == "stream_day"}
    assert Counter((r["sku"], r["location_id"]) for r in future) == dict.fromkeys(series, 14)
    [live] = [t for t in truth["history"]["trends"] if t["kind"] == "live"]
    lifted = {r["sku"] for r in future if r["trend_uplift"] != "1.000"}
    assert lifted == set(live["skus"])


def _first_stockouts(history: History, demand: np.ndarray) -> list[int | None]:
    """Days (indices) of the first stock-out in the horizon with no new order: an independent
    projection from the stream day's closing stock and the open orders' true arrivals."""
    stream = history.stream_index
    stock = history.on_hand[:, stream].copy()
    arrivals = np.zeros_like(history.demand)
    for d in history.deliveries:
        if d.arrival is not None and d.arrival > stream:
            arrivals[d.series, d.arrival] += d.quantity
    first: list[int | None] = [None] * len(stock)
    for t in range(stream + 1, history.days):
        stock = stock + arrivals[:, t]
        for s in np.nonzero(demand[:, t] > stock)[0]:
            first[s] = t if first[s] is None else first[s]
        stock = np.maximum(stock - demand[:, t], 0)
    return first


def test_trend_stockouts_are_those_the_uplift_brings_forward(truth: dict[str, Any], history: History) -> None:
    with_uplift = _first_stockouts(history, history.demand)
    without = _first_stockouts(history, history.demand_without_live)
    expected = set()
    for s, (first, other) in enumerate(zip(with_uplift, without, strict=True)):
        if first is not None and (other is None or other > first):
            sku = history.products[s // len(LOCATIONS)].sku
            expected.add((sku, LOCATIONS[s % len(LOCATIONS)], history.day(first).isoformat()))
    found = {(o["sku"], o["location_id"], o["day"]) for o in truth["history"]["trend_stockouts"]}
    assert found == expected
    assert found  # the planted topic runs its products out
    [live] = [t for t in truth["history"]["trends"] if t["kind"] == "live"]
    assert {sku for sku, _, _ in found} <= set(live["skus"])


# -- the feeds ----------------------------------------------------------------------------------


def _bad_reason(
    kind: str, row: dict[str, Any], catalogue: set[str], seen: set[tuple[str, ...]]
) -> str | None:
    key_field, quantity_field, date_field = {
        "orders": ("sku", "quantity", "ordered_at"),
        "inventory": ("sku", "on_hand", "snapshot_date"),
        "deliveries": ("sku", "quantity", "expected_date"),
    }[kind]
    if not row.get(key_field):
        return "missing_key"
    if row[key_field] not in catalogue:
        return "unknown_sku"
    quantity = int(row[quantity_field])
    if quantity < 0:
        return "negative_quantity"
    if quantity >= 5000:
        return "absurd_quantity"
    if str(row[date_field]).startswith("31/02"):
        return "unparseable_date"
    if kind == "orders":
        key = (row["order_id"], str(row["line_number"]))
        if key in seen:
            return "duplicate_line"
        seen.add(key)
    return None


def test_bad_rows_are_counted_with_their_reasons(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    catalogue = {r["sku"] for r in _rows(run[0] / "feeds/products/products.csv")}
    counted: Counter[tuple[str, str]] = Counter()
    for feed in truth["feeds"]:
        if feed["kind"] == "products" or feed["path"].endswith("_resent.csv"):
            continue
        rows = _rows(run[0] / feed["path"])
        seen: set[tuple[str, ...]] = set()
        reasons = [r for row in rows if (r := _bad_reason(feed["kind"], row, catalogue, seen))]
        assert len(rows) == feed["rows"]
        assert reasons == feed["bad_row_reasons"], feed["path"]
        counted.update((feed["kind"], r) for r in reasons)
    recorded = {(b["kind"], b["reason"]): b["rows"] for b in truth["history"]["bad_rows"]}
    recorded.pop(("inventory", "conflicting_snapshot"))
    assert recorded == counted
    assert {reason for _, reason in counted} == {
        "unknown_sku",
        "negative_quantity",
        "absurd_quantity",
        "duplicate_line",
        "missing_key",
        "unparseable_date",
    }


def test_a_resent_snapshot_differs_from_the_first_on_the_counted_rows(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    resent = truth["history"]["resent_snapshots"]
    assert resent
    order = [f["path"] for f in truth["feeds"]]
    for again in resent:
        first = f"feeds/inventory/inventory_{again['snapshot_date']}.csv"
        assert order.index(first) < order.index(again["sent_after"]) == order.index(again["path"]) - 1
        original = {(r.get("sku"), r["location_id"]): r["on_hand"] for r in _rows(run[0] / first)}
        rows = _rows(run[0] / again["path"])
        assert len(rows) == again["rows"]
        changed = sum(original[(r["sku"], r["location_id"])] != r["on_hand"] for r in rows)
        assert changed == again["changed_rows"] > 0


def test_good_feed_rows_are_the_true_sales_and_stock(
    run: tuple[Path, GenerationSummary], demand: list[Row]
) -> None:
    catalogue = {r["sku"] for r in _rows(run[0] / "feeds/products/products.csv")}
    sold: Counter[tuple[str, str, str]] = Counter()
    for path in sorted((run[0] / "feeds/orders").glob("*.jsonl")):
        seen: set[tuple[str, ...]] = set()
        for line in _rows(path):
            if _bad_reason("orders", line, catalogue, seen) is None:
                sold[(line["ordered_at"][:10], line["sku"], line["location_id"])] += line["quantity"]
    stock = {}
    for path in sorted((run[0] / "feeds/inventory").glob("inventory_????-??-??.csv")):
        for snap in _rows(path):
            if _bad_reason("inventory", snap, catalogue, set()) is None:
                stock[(snap["snapshot_date"], snap["sku"], snap["location_id"])] = int(snap["on_hand"])
    for row in demand:
        key = (row["date"], row["sku"], row["location_id"])
        if row["phase"] != "future":
            assert sold[key] == int(row["sales"]), key
        if row["phase"] == "history":
            assert stock[key] == int(row["on_hand"]), key


def test_stock_events_replay_the_stream_day_from_the_last_snapshot(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any], demand: list[Row]
) -> None:
    facts = truth["history"]["stock_events"]
    events = _rows(run[0] / facts["path"])
    assert len(events) == facts["events"]
    assert all(("delta" in e) != ("level" in e) for e in events)
    latest, late = "", []
    for event in events:
        if event["event_time"] < latest:
            late.append(event["event_id"])
        latest = max(latest, event["event_time"])
    assert late == facts["out_of_order_ids"] and len(late) == facts["out_of_order"] >= 3
    unknown = [e["event_id"] for e in events if e["location_id"] not in LOCATIONS]
    assert (
        sorted(unknown) == sorted(facts["unknown_location_ids"])
        and len(unknown) == facts["unknown_location"] >= 2
    )
    stream_day = _day(facts["day"])
    closing = {(r["sku"], r["location_id"]): int(r["on_hand"]) for r in demand if r["phase"] == "stream_day"}
    level = {
        (r["sku"], r["location_id"]): int(r["on_hand"])
        for r in demand
        if _day(r["date"]) == stream_day - timedelta(days=1)
    }
    for event in sorted(events, key=lambda e: (e["event_time"], e["event_id"])):
        key = (event["sku"], event["location_id"])
        if event["location_id"] not in LOCATIONS:
            continue
        if "level" in event:
            assert level.get(key, 0) == event["level"]
        else:
            level[key] = level.get(key, 0) + event["delta"]
        assert level[key] >= 0
    assert {k: level.get(k, 0) for k in closing} == closing


def test_open_deliveries_are_the_orders_not_received_by_the_stream_day(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for feed in truth["feeds"]:
        if feed["kind"] == "deliveries":
            for row in _rows(run[0] / feed["path"]):
                if row.get("sku") and not row["delivery_id"].split("-")[-1].startswith("X"):
                    latest[row["delivery_id"]] = row
    still_open = {k for k, r in latest.items() if r["status"] in ("in_transit", "delayed")}
    recorded = {d["delivery_id"]: d for d in truth["history"]["open_deliveries"]}
    assert set(recorded) == still_open
    for delivery_id, delivery in recorded.items():
        assert latest[delivery_id]["status"] == delivery["status"]
        assert latest[delivery_id]["expected_date"] == delivery["expected_date"]
    statuses = Counter(r["status"] for r in latest.values())
    assert statuses["delivered"] > statuses["cancelled"] > 0 and statuses["delayed"] > 0


# -- the history's tweets -----------------------------------------------------------------------


def test_history_tweets_carry_the_past_trends_before_their_demand(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any]
) -> None:
    lines = (run[0] / "history/tweets.jsonl").read_bytes().splitlines()
    messages = [decode_stream_message(line) for line in lines]
    facts = truth["history"]["tweets"]
    assert len(messages) == facts["tweets"] < 25_000
    times = [m.data.created_at for m in messages]
    assert times == sorted(times)
    assert max(times) < datetime.fromisoformat(truth["start"]) - timedelta(hours=24)
    authors_by_day: dict[date, list[str]] = defaultdict(list)
    for m in messages:
        authors_by_day[m.data.created_at.date()].append(m.data.author_id)
        assert not m.data.referenced_tweets and not m.includes.media
        assert not (m.data.entities and m.data.entities.mentions)
        assert all(u.public_metrics and u.public_metrics.followers_count <= 2000 for u in m.includes.users)
    assert all(len(a) == len(set(a)) for a in authors_by_day.values())
    live_terms = {term.lower() for topic in truth["topics"] for term in topic["terms"]}
    texts = [m.data.text.lower() for m in messages]
    assert not any(term in text for text in texts for term in live_terms)
    for trend in (t for t in truth["history"]["trends"] if t["kind"] == "past"):
        terms = [term.lower() for term in trend["terms"]]
        tagged = Counter(
            m.data.created_at.date()
            for m, text in zip(messages, texts, strict=True)
            if any(t in text for t in terms if t.startswith("#"))
        )
        onset = _day(trend["onset_day"])
        assert all(day >= onset for day in tagged), trend["topic_id"]
        peak = max(tagged, key=lambda day: tagged[day])
        demand_peak = _day(trend["uplift_start_day"]) + timedelta(days=1)
        assert onset < _day(trend["uplift_start_day"])  # talk starts before sales rise
        assert onset <= peak <= min(onset + timedelta(days=2), demand_peak)
        assert facts["by_trend"][trend["topic_id"]] > 50 * trend["size"]


# -- what history 0 and the same seed give ------------------------------------------------------


def _tree(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_history_writes_only_the_stream_day_files(tmp_path: Path) -> None:
    generate(SEED, 5, 1.0, tmp_path)
    files = {name for name, _ in _tree(tmp_path) if not name.startswith("media/")}
    day = "2026-11-02"
    assert files == {
        "tweets.jsonl",
        "truth.json",
        "feeds/products/products.csv",
        f"feeds/inventory/inventory_{day}.csv",
        f"feeds/orders/orders_{day}.jsonl",
        f"feeds/deliveries/deliveries_{day}.csv",
    }
    facts = json.loads((tmp_path / "truth.json").read_bytes())
    assert "history" not in facts
    assert [f["kind"] for f in facts["feeds"]] == ["products", "inventory", "orders", "deliveries"]


def test_a_history_does_not_change_the_stream(run: tuple[Path, GenerationSummary], tmp_path: Path) -> None:
    generate(SEED, MINUTES, RATE, tmp_path)
    assert (tmp_path / "tweets.jsonl").read_bytes() == (run[0] / "tweets.jsonl").read_bytes()


def test_the_same_seed_writes_the_same_history(tmp_path: Path) -> None:
    generate(SEED, 5, 1.0, tmp_path / "a", history_days=10)
    generate(SEED, 5, 1.0, tmp_path / "b", history_days=10)
    assert list(_tree(tmp_path / "a")) == list(_tree(tmp_path / "b"))


def test_summary_names_the_history_files(run: tuple[Path, GenerationSummary], truth: dict[str, Any]) -> None:
    out, summary = run
    assert summary.feed_paths == tuple(out / f["path"] for f in truth["feeds"])
    assert summary.demand_truth_path == out / "demand_truth.csv"
    assert summary.stock_events_path == out / "stock_events.jsonl"
    assert summary.history_tweets_path == out / "history/tweets.jsonl"


# -- loading ------------------------------------------------------------------------------------


def test_the_loaders_take_the_good_rows_and_quarantine_the_invalid_ones(
    run: tuple[Path, GenerationSummary], truth: dict[str, Any], tmp_path: Path
) -> None:
    out = run[0]
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=tmp_path / "state"))
    feeds = truth["feeds"][:13]  # the catalogue and the first four days
    refused = {"missing_key", "negative_quantity", "unparseable_date"}
    for feed in feeds:
        report = pipeline.load_feed(out / feed["path"], feed["kind"])
        assert report.rows_read == feed["rows"]
        assert report.rows_loaded + report.rows_quarantined == report.rows_read
        assert report.rows_quarantined >= sum(r in refused for r in feed["bad_row_reasons"])
    warehouse = pipeline.container.warehouse
    catalogue = {r["sku"] for r in _rows(out / "feeds/products/products.csv")}
    good_lines = {}
    for feed in (f for f in feeds if f["kind"] == "orders"):
        seen: set[tuple[str, ...]] = set()
        for line in _rows(out / feed["path"]):
            if _bad_reason("orders", line, catalogue, seen) is None:
                good_lines[(line["order_id"], line["line_number"])] = (line["sku"], line["quantity"])
    stored = {
        (r["order_id"], r["line_number"]): (r["sku"], r["quantity"])
        for r in warehouse.query("SELECT order_id, line_number, sku, quantity FROM orders")
    }
    assert {k: stored.get(k) for k in good_lines} == good_lines
    assert not any(q < 0 for _, q in stored.values())
    snapshots = warehouse.query("SELECT COUNT(*) AS n FROM inventory_daily")[0]["n"]
    assert snapshots >= sum(1 for f in feeds if f["kind"] == "inventory") * 71 * len(LOCATIONS)

    events = (out / "stock_events.jsonl").read_bytes().splitlines()
    for event in events:
        pipeline.bus.publish(INVENTORY_EVENTS, event)
    pipeline.bus.run_until_idle()
    known = {json.loads(line)["event_id"] for line in events if json.loads(line)["location_id"] in LOCATIONS}
    ids = {r["event_id"] for r in warehouse.query("SELECT event_id FROM stock_events")}
    assert known <= ids
    pipeline.close()
