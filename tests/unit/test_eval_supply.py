"""The supply evaluation's scoring helpers (benchmarks/eval_supply.py) on hand-made frames."""

from __future__ import annotations

from datetime import date

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest

from benchmarks.eval_supply import (
    Errors,
    as_scored,
    errors,
    future_actuals,
    origins_for,
    other_rows,
    trend_onsets,
    trending_window,
)

ONSET = pd.Timestamp("2026-03-10")


def _forecasts() -> pd.DataFrame:
    """SKU A trends from ONSET; B never does. Forecasts from two origins: the day before the
    onset and the onset day, each of A's and B's days from the onset - 1 to the onset + 8."""
    rows = []
    for cutoff in (ONSET - pd.Timedelta(days=1), ONSET):
        for sku in ("A", "B"):
            for k in range(-1, 9):
                ds = ONSET + pd.Timedelta(days=k)
                if ds > cutoff:
                    rows.append({"unique_id": sku, "ds": ds, "cutoff": cutoff})
    frame = pd.DataFrame(rows)
    frame["y"] = 10.0
    frame["social"], frame["social-lo-80"], frame["social-hi-80"] = 9.0, 8.0, 12.0
    frame["base"], frame["base-lo-80"], frame["base-hi-80"] = 5.0, 4.0, 6.0
    return frame


def _onsets() -> pd.DataFrame:
    return trend_onsets(
        [
            {"topic_id": "t1", "kind": "past", "onset_day": "2026-03-10", "skus": ["A"]},
            {"topic_id": "t2", "kind": "live", "onset_day": "2026-04-01", "skus": ["C"]},
        ]
    )


def test_the_trending_window_is_the_seven_days_from_onset_forecast_on_or_after_it() -> None:
    fc = _forecasts()
    mask = trending_window(fc, _onsets())
    chosen = fc[mask]
    assert set(chosen["unique_id"]) == {"A"}
    assert (chosen["cutoff"] == ONSET).all()  # the forecast from the day before does not count
    # the onset-day origin forecasts from ONSET + 1: its days ONSET + 1 .. ONSET + 6 are in the window
    assert sorted((chosen["ds"] - ONSET).dt.days) == [1, 2, 3, 4, 5, 6]
    assert not trending_window(fc, _onsets(), kind="live").any()
    assert trending_window(fc, _onsets(), kind="past").sum() == 6


def test_other_rows_are_the_skus_no_trend_names() -> None:
    fc = _forecasts()
    other = other_rows(fc, _onsets())
    assert set(fc.loc[other, "unique_id"]) == {"B"}


def test_wape_ratio_and_coverage_on_the_chosen_days() -> None:
    fc = _forecasts()
    e = errors(fc, trending_window(fc, _onsets()), "social", "base")
    assert e.days == 6 and e.actual == 60.0
    assert e.wape_social == pytest.approx(0.1) and e.wape_baseline == pytest.approx(0.5)
    assert e.wape_ratio == pytest.approx(0.2)
    assert e.coverage_social == 1.0 and e.coverage_baseline == 0.0
    # sums add up over seeds; ratios are of the sums
    doubled = e + Errors(days=2, actual=20.0, error_social=20.0, error_baseline=10.0)
    assert doubled.days == 8 and doubled.wape_ratio == pytest.approx(26.0 / 40.0)
    assert Errors().wape_ratio is None and Errors().coverage_social is None


def test_origins_cover_each_past_onset_after_enough_history() -> None:
    onsets = trend_onsets(
        [
            {"topic_id": "early", "kind": "past", "onset_day": "2026-01-05", "skus": ["E"]},
            {"topic_id": "t1", "kind": "past", "onset_day": "2026-03-10", "skus": ["A", "B"]},
            {"topic_id": "live", "kind": "live", "onset_day": "2026-04-01", "skus": ["C"]},
        ]
    )
    found = origins_for(onsets, date(2026, 1, 1), date(2026, 4, 1), step=2)
    days = [d.strftime("%m-%d") for d in found]
    # the early trend (5 days of history) is left out; the live onset is the stream's day
    assert days == ["03-10", "03-12", "03-14", "04-01"]


def test_future_actuals_read_receipts_from_the_stock() -> None:
    truth = pd.DataFrame(
        {
            "date": ["2026-04-01", "2026-04-02", "2026-04-03"],
            "sku": "A",
            "location_id": "L",
            "demand": [3, 4, 9],
            "sales": [3, 4, 7],
            "on_hand": [10, 18, 11],  # 12 received on the 2nd
        }
    )
    future = future_actuals(truth, date(2026, 4, 1))
    assert list(future["receipts"]) == [12, 0]
    assert list(future["demand"]) == [4, 9]


def test_recommendations_are_scored_as_of_the_day_before_the_job_plans_for() -> None:
    recs = pd.DataFrame({"as_of": [date(2026, 4, 2)], "sku": ["A"]})
    assert as_scored(recs)["as_of"].tolist() == [date(2026, 4, 1)]
    assert recs["as_of"].tolist() == [date(2026, 4, 2)]  # the input is left alone
