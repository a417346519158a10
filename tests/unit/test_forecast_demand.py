"""Demand history: stock-outs are censored (never zero demand), new SKUs borrow their category,
and social features read no day after their own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest

from trendwatch.forecasting.coldstart import extend_history
from trendwatch.forecasting.demand import daily_demand, impute_censored, panel
from trendwatch.forecasting.features import FEATURES, ONSET_MEMORY_DAYS, social_features, surge_onsets
from trendwatch.forecasting.pipeline import prepare
from trendwatch.forecasting.reconcile import location_shares

START = pd.Timestamp("2026-01-01")
DAYS = 40


def _retail(
    rates: Mapping[tuple[str, str], float], out_of_stock: Mapping[tuple[str, str], range]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of ``rate`` units a day at each (sku, location), none on its stock-out days,
    whose end-of-day snapshots are 0 (otherwise 50)."""
    orders, snapshots = [], []
    for (sku, location), rate in rates.items():
        gone = out_of_stock.get((sku, location), range(0))
        for d in range(DAYS):
            day = START + pd.Timedelta(days=d)
            if d not in gone and rate > 0:
                orders.append((sku, location, day + pd.Timedelta(hours=15), rate))
            snapshots.append((day, sku, location, 0 if d in gone else 50))
    return (
        pd.DataFrame(orders, columns=["sku", "location_id", "ordered_at", "quantity"]),
        pd.DataFrame(snapshots, columns=["snapshot_date", "sku", "location_id", "on_hand"]),
    )


def test_stock_out_days_are_censored_and_not_taught_as_zero_demand() -> None:
    orders, snapshots = _retail({("A", "L1"): 5, ("A", "L2"): 5}, {("A", "L1"): range(30, 33)})
    demand = daily_demand(orders, snapshots, START, START + pd.Timedelta(days=DAYS - 1))

    assert len(demand) == 2 * DAYS
    l1 = demand[demand["location_id"] == "L1"].set_index("date")
    out = [START + pd.Timedelta(days=d) for d in range(30, 33)]
    assert l1.loc[out, "units"].tolist() == [0.0, 0.0, 0.0]
    # Ended at 0 (30-32) and started at 0 (33): censored; every other day is not.
    censored_days = l1.index[l1["censored"]].tolist()
    assert censored_days == [*out, START + pd.Timedelta(days=33)]
    assert not demand.loc[demand["location_id"] == "L2", "censored"].any()

    p = panel(demand)
    filled = impute_censored(p)
    l1_row = int(np.flatnonzero(p.locations[p.pair_location] == "L1")[0])
    np.testing.assert_allclose(filled[l1_row, 30:33], 5.0)
    np.testing.assert_allclose(filled[l1_row, 33], 5.0)  # sold its usual 5: the units stand


def test_a_stock_out_during_a_rise_keeps_the_rise_seen_in_stocked_locations() -> None:
    orders, snapshots = _retail({("A", "L1"): 5, ("A", "L2"): 5}, {("A", "L1"): range(30, 32)})
    # L2 sells three times its usual on the days L1 is empty.
    day = (orders["ordered_at"] - START).dt.days
    orders.loc[day.isin([30, 31]) & (orders["location_id"] == "L2"), "quantity"] = 15
    demand = daily_demand(orders, snapshots, START, START + pd.Timedelta(days=DAYS - 1))
    p = panel(demand)
    filled = impute_censored(p)
    l1_row = int(np.flatnonzero(p.locations[p.pair_location] == "L1")[0])
    # Day 30: 15 (L2's three times its usual 5). Day 31: L2's usual now counts day 30's 15.
    np.testing.assert_allclose(filled[l1_row, 30:32], [15.0, 5.0 * 15.0 / ((27 * 5 + 15) / 28)])


def test_a_new_sku_borrows_its_category_profile_and_locations() -> None:
    rates = {("OLD-A", "L1"): 20, ("OLD-A", "L2"): 0, ("OLD-B", "L1"): 1, ("OLD-B", "L2"): 1}
    orders, snapshots = _retail(rates, {})
    # NEW-A launched 3 days ago in OLD-A's category, selling 10 a day at both locations.
    day = START + pd.Timedelta(days=DAYS - 3)
    for d in range(3):
        for loc in ("L1", "L2"):
            orders.loc[len(orders)] = ("NEW-A", loc, day + pd.Timedelta(days=d, hours=12), 10)
            snapshots.loc[len(snapshots)] = (day + pd.Timedelta(days=d), "NEW-A", loc, 50)
    demand = daily_demand(orders, snapshots, START, START + pd.Timedelta(days=DAYS - 1))
    products = pd.DataFrame({"sku": ["OLD-A", "OLD-B", "NEW-A"], "category": ["big", "small", "big"]})

    prep = prepare(demand, products, START + pd.Timedelta(days=DAYS - 1))
    skus = list(prep.panel.skus)
    new = skus.index("NEW-A")
    assert prep.cold_start[new] and not prep.cold_start[skus.index("OLD-A")]
    # Before its launch NEW-A looks like its category (20 a day), scaled toward its own 20 a
    # day: it sold 20 over its 3 days as well, so the scale is 1.
    np.testing.assert_allclose(prep.sku_y[new, : DAYS - 3], 20.0)
    np.testing.assert_allclose(prep.sku_y[new, DAYS - 3 :], 20.0)

    # Its split over locations leans toward the category's (all in L1) against its own (even).
    shares = location_shares(prep.panel, prep.filled, prep.sku_category)
    new_pairs = prep.panel.pair_sku == new
    by_location = dict(
        zip(prep.panel.locations[prep.panel.pair_location[new_pairs]], shares[new_pairs], strict=True)
    )
    assert by_location["L1"] > 0.55 > by_location["L2"]
    assert abs(sum(by_location.values()) - 1.0) < 1e-12


def test_cold_start_scale_shrinks_a_few_days_toward_the_category() -> None:
    sku_y = np.zeros((3, 30))
    sku_y[0] = 10.0
    sku_y[1] = 10.0
    sku_y[2, 28:] = 40.0  # two days at four times the category
    first = np.array([0, 0, 28])
    out = extend_history(sku_y, first, np.array([0, 0, 0]))
    # Two own days against a week's pseudo-count: (80 + 70) / (20 + 70) times the category.
    np.testing.assert_allclose(out[2, :28], 10.0 * 150.0 / 90.0)
    np.testing.assert_allclose(out[2, 28:], 40.0)


def test_social_features_of_a_day_never_read_a_later_day() -> None:
    days = pd.date_range(START, periods=20, freq="D")
    social = pd.DataFrame(
        {
            "sku": "A",
            "date": days,
            "voices": np.arange(20) + 1,
            "tweets": np.arange(20) + 2,
            "sentiment_avg": np.linspace(-0.5, 0.5, 20),
            "reach": 100.0,
            "bot_share": 0.1,
            "days_since_emergence": [np.nan] * 5 + list(range(15)),
        }
    )
    changed = social.copy()
    later = changed["date"] > days[9]
    changed.loc[later, ["voices", "tweets", "reach"]] = 10_000
    changed.loc[later, "days_since_emergence"] = 0

    before = social_features(social, np.array(["A"]), days)
    after = social_features(changed, np.array(["A"]), days)
    upto = before["date"] <= days[9]
    pd.testing.assert_frame_equal(before[upto], after[upto])
    assert not before[~upto]["voices_log"].equals(after[~upto]["voices_log"])
    # Cut at as_of: nothing after it is read, even when the frame has it.
    cut = social_features(changed, np.array(["A"]), days, as_of=days[9])
    pd.testing.assert_frame_equal(cut[upto], before[upto])
    assert cut.loc[~upto, list(FEATURES)].isna().all().all()


def test_importing_trendwatch_does_not_import_the_forecasting_libraries() -> None:
    code = (
        "import sys, trendwatch, trendwatch.cli, trendwatch.forecasting.demand, trendwatch.forecasting.pipeline;"
        "heavy = [m for m in ('statsforecast', 'mlforecast', 'lightgbm', 'utilsforecast', 'numba') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_day_collected_at_ten_times_the_volume_reads_as_an_ordinary_day() -> None:
    """Counts are shares of voice when the day's collected voices are known: a full stream day
    after a sparse backfilled history is no rise of every product, a product's own rise is."""
    days = pd.date_range("2026-10-01", periods=10, freq="D")
    rows = [
        {
            "sku": sku,
            "date": day,
            "voices": v,
            "tweets": v,
            "sentiment_avg": 0.1,
            "reach": 10 * v,
            "bot_share": 0.0,
            "days_since_emergence": None,
            "all_voices": volume,
        }
        for n, day in enumerate(days)
        for volume in [1000 if n == 9 else 100]
        for sku, v in (("LAMP", (40 if n == 9 else 4) * (3 if n == 9 else 1)), ("VASE", 40 if n == 9 else 4))
    ]
    features = social_features(pd.DataFrame(rows), np.array(["LAMP", "VASE"]), days)
    last = features[features["date"] == days[-1]].set_index("sku")
    usual = features[features["date"] == days[-2]].set_index("sku")
    assert last.loc["VASE", "voices_log"] == pytest.approx(usual.loc["VASE", "voices_log"])
    assert last.loc["LAMP", "voices_log"] == pytest.approx(np.log1p(12.0))
    assert last.loc["VASE", "voices_growth"] == pytest.approx(0.0)
    assert last.loc["LAMP", "voices_growth"] == pytest.approx(np.log(21 / 13))  # 4 + 4 + 12 against 4 x 3


def test_a_surge_of_talk_is_dated_from_the_skus_own_series_and_sized() -> None:
    """Days since a surge's onset come from the talk itself, with no detected topic; a product
    talked about at its usual level has none; a bigger surge has bigger size features."""
    voices = np.full((3, 80), 4.0)
    voices[0, 40:45] = [30, 80, 60, 40, 20]  # a surge on day 40
    voices[1, 40:45] = [60, 160, 120, 80, 40]  # twice as big, the same days
    onsets = surge_onsets(voices)
    assert np.isnan(onsets.days_since[:, :40]).all()
    np.testing.assert_array_equal(onsets.days_since[0, 40:50], np.arange(10))
    assert np.isnan(onsets.days_since[2]).all()
    # Remembered ONSET_MEMORY_DAYS days, then forgotten.
    assert onsets.days_since[0, 40 + ONSET_MEMORY_DAYS] == ONSET_MEMORY_DAYS
    assert np.isnan(onsets.days_since[0, 41 + ONSET_MEMORY_DAYS])
    assert (onsets.peak_lift_log[1, 40:50] > onsets.peak_lift_log[0, 40:50]).all()
    assert (onsets.voices_log[1, 40:50] > onsets.voices_log[0, 40:50]).all()
    # The peak and the voices so far never fall within a surge.
    assert (np.diff(onsets.peak_lift_log[0, 40:50]) >= 0).all()
    assert (np.diff(onsets.voices_log[0, 40:50]) > 0).all()
    # Causal: a later surge changes nothing before it.
    later = voices.copy()
    later[2, 70] = 100.0
    np.testing.assert_array_equal(surge_onsets(later).days_since[:, :70], onsets.days_since[:, :70])


def test_the_same_demand_from_compact_reads_of_the_warehouse() -> None:
    """The supply job reads the order lines and snapshots with days as datetime64 and keys as
    categoricals (to save memory at retail scale): the demand is the same as from Python dates
    and strings, as the warehouse's Arrow rows give them by default."""
    import pyarrow as pa

    orders, snapshots = _retail({("A", "L1"): 5, ("B", "L2"): 3}, {("A", "L1"): range(10, 12)})
    orders = orders.assign(ordered_at=orders["ordered_at"].dt.date)
    snapshots = snapshots.assign(snapshot_date=snapshots["snapshot_date"].dt.date)
    end = START + pd.Timedelta(days=DAYS - 1)
    order_rows, snapshot_rows = (
        pa.Table.from_pandas(frame, preserve_index=False) for frame in (orders, snapshots)
    )
    plain = daily_demand(order_rows.to_pandas(), snapshot_rows.to_pandas(), START, end)
    compact = {"date_as_object": False, "strings_to_categorical": True}
    compact_snapshots = snapshot_rows.to_pandas(**compact)
    assert isinstance(compact_snapshots["sku"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(
        daily_demand(order_rows.to_pandas(**compact), compact_snapshots, START, end), plain
    )
    assert plain["censored"].sum() == 3
