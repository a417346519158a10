from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.domain.restock import RestockSettings, recommend_restock
from trendwatch.domain.stock_projection import project_stock
from trendwatch.evaluation.restock import caught_stockouts, justified_recommendations, score_restock

RUNS = [date(2026, 12, 1) + timedelta(days=d) for d in range(9)]  # 1-9 December


def _rec(
    sku: str,
    as_of: date,
    urgency: str = "medium",
    stockout: date | None = None,
    stockout_p90: date | None = None,
    window_end: date | None = None,
    arrival: date | None = None,
    on_hand: int = 20,
    safety_stock: float = 5.0,
    location: str = "S1",
) -> dict[str, Any]:
    return {
        "as_of": as_of,
        "sku": sku,
        "location_id": location,
        "urgency": urgency,
        "stockout_date": stockout,
        "stockout_date_p90": stockout_p90,
        "window_end": window_end or as_of + timedelta(days=3),
        "arrival_date": arrival or as_of + timedelta(days=3),
        "on_hand": on_hand,
        "safety_stock": safety_stock,
        "recommended_quantity": 10,
    }


def _truth(*rows: tuple[str, date]) -> pd.DataFrame:
    return pd.DataFrame([{"sku": sku, "location_id": "S1", "stockout_date": day} for sku, day in rows])


def _demand(
    sku: str, start: date, daily: list[float], receipts: list[float] | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "sku": sku,
            "location_id": "S1",
            "date": start + timedelta(days=i),
            "demand": value,
            "receipts": (receipts or [0.0] * len(daily))[i],
        }
        for i, value in enumerate(daily)
    ]


def test_which_stockouts_are_caught() -> None:
    truth = _truth(
        ("EARLY", date(2026, 12, 10)),  # predicted on 9 Dec, on or before the true day
        ("LATE", date(2026, 12, 10)),  # predicted after the true day, medium, its order too late
        ("URGENT", date(2026, 12, 8)),  # high, whatever its date
        ("AFTER", date(2026, 12, 6)),  # recommended only on the day itself
        ("P90", date(2026, 12, 9)),  # no p50 stock-out, the p90 one in time
        ("ELSEWHERE", date(2026, 12, 9)),  # recommended for another location
        ("UNSEEN", date(2026, 12, 30)),  # no run within 14 days before it
        ("IN_TIME", date(2026, 12, 9)),  # predicted later, but its order arrives the day before
    )
    recs = pd.DataFrame(
        [
            _rec("EARLY", date(2026, 12, 5), stockout=date(2026, 12, 9)),
            _rec("LATE", date(2026, 12, 5), stockout=date(2026, 12, 11), arrival=date(2026, 12, 11)),
            _rec("URGENT", date(2026, 12, 6), urgency="high", stockout=date(2026, 12, 12)),
            _rec("AFTER", date(2026, 12, 6), urgency="critical", stockout=date(2026, 12, 6)),
            _rec("P90", date(2026, 12, 2), stockout_p90=date(2026, 12, 7)),
            _rec("ELSEWHERE", date(2026, 12, 2), urgency="critical", location="S2"),
            _rec("IN_TIME", date(2026, 12, 5), stockout=date(2026, 12, 10), arrival=date(2026, 12, 8)),
        ]
    )
    counted, caught = caught_stockouts(recs, truth, RUNS)
    assert counted.tolist() == [True, True, True, True, True, True, False, True]
    assert caught.tolist() == [True, False, True, False, True, False, False, True]


def test_a_recommendation_older_than_the_horizon_does_not_catch() -> None:
    truth = _truth(("A", date(2026, 12, 20)))
    recs = pd.DataFrame([_rec("A", date(2026, 12, 5), urgency="critical")])
    assert caught_stockouts(recs, truth, [*RUNS, date(2026, 12, 19)], horizon_days=14)[1].tolist() == [False]
    assert caught_stockouts(recs, truth, [*RUNS, date(2026, 12, 19)], horizon_days=15)[1].tolist() == [True]


def test_justified_when_the_stock_would_have_fallen_below_safety_stock_in_the_window() -> None:
    start = date(2026, 12, 3)
    recs = pd.DataFrame(
        [
            _rec("BELOW", date(2026, 12, 2)),  # 20 -> 14, 8, 2: below 5
            _rec("FINE", date(2026, 12, 2)),  # 20 -> 17, 14, 11
            _rec("OUT", date(2026, 12, 2)),  # 20 -> 12, 12 + 2 - 8 = 6, -2: ran out
            _rec("LATER", date(2026, 12, 2)),  # the big day is after the window
            _rec("IDLE", date(2026, 12, 2), on_hand=3),  # no sales, but under its safety stock
        ]
    )
    actual = pd.DataFrame(
        _demand("BELOW", start, [6, 6, 6])
        + _demand("FINE", start, [3, 3, 3, 50])
        + _demand("OUT", start, [8, 8, 8], receipts=[0, 2, 0])
        + _demand("LATER", start, [1, 1, 1, 100])
        + _demand("OTHER", start, [100])
    )
    justified, prevented = justified_recommendations(recs, actual)
    assert justified.tolist() == [True, False, True, False, True]
    assert prevented.tolist() == [False, False, True, False, False]


def test_score_adds_up_and_splits_the_trending_skus() -> None:
    start = date(2026, 12, 3)
    recs = pd.DataFrame(
        [
            _rec("LAMP", date(2026, 12, 2), urgency="high", stockout=date(2026, 12, 5)),
            _rec("TRAY", date(2026, 12, 2)),
            _rec("SOCK", date(2026, 12, 2)),
        ]
    )
    actual = pd.DataFrame(_demand("LAMP", start, [10, 10, 10]) + _demand("TRAY", start, [1, 1, 1]))
    truth = _truth(("LAMP", date(2026, 12, 5)), ("VASE", date(2026, 12, 7)))
    score = score_restock(recs, truth, actual, RUNS, trending_skus=["LAMP", "TRAY", "VASE"])
    assert (score.stockouts, score.caught, score.catch_rate) == (2, 1, 0.5)
    assert (score.recommendations, score.justified, score.prevented_stockouts) == (3, 1, 1)
    assert score.justified_share == 1 / 3
    assert (score.trending_recommendations, score.trending_justified, score.trending_justified_share) == (
        2,
        1,
        0.5,
    )


def test_nothing_to_score() -> None:
    score = score_restock(pd.DataFrame(), _truth(), pd.DataFrame(), RUNS)
    assert (
        score.catch_rate is None and score.justified_share is None and score.trending_justified_share is None
    )


def test_scores_what_recommend_restock_returns() -> None:
    as_of = date(2026, 12, 2)
    forecasts = pd.DataFrame(
        [
            {
                "sku": sku,
                "location_id": "S1",
                "date": as_of + timedelta(days=d),
                "p10": 1.0,
                "p50": p50,
                "p90": p50 * 1.5,
                "baseline_p50": 5.0,
            }
            for d in range(1, 15)
            for sku, p50 in (("LAMP", 14.0), ("TRAY", 5.0))
        ]
    )
    snapshots = pd.DataFrame(
        [{"snapshot_date": as_of, "sku": sku, "location_id": "S1", "on_hand": 30} for sku in ("LAMP", "TRAY")]
    )
    projection = project_stock(snapshots, None, None, forecasts, as_of)
    drivers = pd.DataFrame([{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}])
    recs = recommend_restock(projection, None, drivers, RestockSettings(planned_orders="all"), as_of)
    # TRAY's 30 units at 5 a day fall below demand plus safety stock (7.9) for an order arriving
    # on day 5: an order planned for 4 December.
    # LAMP, which its topic drives, is as urgent as its p90 projection says: 30 units at 21 a day
    # run out on day 2, before tonight's order arrives on day 3.
    assert recs[["sku", "urgency", "order_date"]].values.tolist() == [
        ["LAMP", "critical", pd.Timestamp("2026-12-02")],
        ["TRAY", "medium", pd.Timestamp("2026-12-04")],
    ]
    start = as_of + timedelta(days=1)
    actual = pd.DataFrame(_demand("LAMP", start, [14, 14, 14]) + _demand("TRAY", start, [5, 5, 5, 5, 5]))
    score = score_restock(recs, _truth(("LAMP", date(2026, 12, 5))), actual, [as_of], trending_skus=["LAMP"])
    assert (score.catch_rate, score.justified_share, score.prevented_share) == (1.0, 1.0, 0.5)
    assert (score.trending_recommendations, score.trending_justified) == (1, 1)
