from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest

from trendwatch.domain.stock_projection import PROJECTION_COLUMNS, ProjectionSettings, project_stock

AS_OF = date(2026, 12, 2)
SNAPSHOT_DAY = date(2026, 12, 1)


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def _snapshots(*rows: tuple[str, str, int], day: date = SNAPSHOT_DAY) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"snapshot_date": day, "sku": sku, "location_id": loc, "on_hand": on_hand}
            for sku, loc, on_hand in rows
        ]
    )


def _event(
    event_id: str, when: datetime, delta: int | None = None, level: int | None = None, sku: str = "A"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "sku": sku,
        "location_id": "S1",
        "event_time": when,
        "delta": delta,
        "level": level,
    }


def _delivery(
    delivery_id: str,
    quantity: int,
    expected: date,
    status: str,
    delivered_at: datetime | None = None,
    sku: str = "A",
) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "sku": sku,
        "location_id": "S1",
        "quantity": quantity,
        "expected_date": expected,
        "delivered_at": delivered_at,
        "status": status,
    }


def _forecasts(
    p50: float, p90: float, days: int = 7, sku: str = "A", location: str | None = "S1"
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "sku": sku,
                "location_id": location,
                "date": AS_OF + timedelta(days=d),
                "p10": p50 / 2,
                "p50": p50,
                "p90": p90,
                "baseline_p50": p50,
            }
            for d in range(1, days + 1)
        ]
    )


def _project(
    snapshots: pd.DataFrame | None = None,
    events: list[dict[str, Any]] | None = None,
    deliveries: list[dict[str, Any]] | None = None,
    forecasts: pd.DataFrame | None = None,
    **settings: Any,
) -> pd.DataFrame:
    return project_stock(
        snapshots if snapshots is not None else _snapshots(("A", "S1", 0)),
        pd.DataFrame(events or []),
        pd.DataFrame(deliveries or []),
        forecasts if forecasts is not None else pd.DataFrame(),
        AS_OF,
        ProjectionSettings(**{"horizon_days": 7, **settings}),
    )


def _row(frame: pd.DataFrame, sku: str = "A") -> dict[str, Any]:
    rows: list[dict[str, Any]] = frame[frame["sku"] == sku].to_dict("records")
    return rows[0]


def _day(value: Any) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def test_events_after_the_snapshot_in_time_order_once_each_from_the_last_level() -> None:
    events = [
        _event("late", _at(2, 15), delta=-3),  # arrives first, happened last
        _event("before", _at(1, 23), delta=-100),  # on the snapshot's day: already in it
        _event("sale", _at(2, 8), delta=-4),  # before the count: the count replaces it
        _event("count", _at(2, 12), level=30, delta=-1),  # a level's delta is not added again
        _event("late", _at(2, 15), delta=-3),  # the same event delivered twice
        _event("tomorrow", _at(3, 8), delta=-50),  # after as_of: not known yet
    ]
    projection = _project(_snapshots(("A", "S1", 20)), events)
    assert _row(projection)["on_hand"] == 27
    assert _row(projection)["opening_p50"] == 27.0


def test_deltas_alone_move_the_snapshot() -> None:
    events = [
        _event("e1", _at(2, 9), delta=-4),
        _event("e2", _at(2, 10), delta=6),
        _event("e1", _at(2, 9), delta=-4),
    ]
    assert _row(_project(_snapshots(("A", "S1", 20)), events))["on_hand"] == 22


def test_events_without_a_snapshot_start_from_zero_and_never_go_below_it() -> None:
    events = [
        _event("r", _at(1, 9), delta=12, sku="NEW"),
        _event("s", _at(2, 9), delta=-2, sku="NEW"),
        _event("x", _at(2, 9), delta=-5, sku="GONE"),
    ]
    projection = _project(_snapshots(("A", "S1", 20)), events)
    assert sorted(projection["sku"].unique()) == ["A", "GONE", "NEW"]
    assert _row(projection, "NEW")["on_hand"] == 10
    assert _row(projection, "GONE")["on_hand"] == 0


def test_the_latest_snapshot_on_or_before_as_of_is_the_start() -> None:
    snapshots = pd.concat(
        [
            _snapshots(("A", "S1", 5), day=date(2026, 11, 30)),
            _snapshots(("A", "S1", 9), day=SNAPSHOT_DAY),
            _snapshots(("A", "S1", 99), day=date(2026, 12, 3)),  # after as_of
        ]
    )
    events = [_event("e", _at(1, 20), delta=-1)]  # in the 1 December snapshot
    assert _row(_project(snapshots, events))["on_hand"] == 9


def test_deliveries_by_status() -> None:
    deliveries = [
        _delivery("D1", 10, date(2026, 12, 4), "in_transit"),
        _delivery("D2", 7, date(2026, 11, 28), "in_transit"),  # overdue: due at once
        _delivery("D3", 5, date(2026, 12, 4), "delayed"),  # on its revised date
        _delivery("D4", 6, date(2026, 11, 30), "Delayed"),  # overdue and delayed: 3 days after as_of
        _delivery("D5", 40, date(2026, 12, 4), "cancelled"),
        _delivery("D6", 100, date(2026, 12, 1), "delivered", _at(1, 10)),  # in the snapshot
        _delivery("D7", 8, date(2026, 12, 2), "delivered", _at(2, 10)),  # in the stock events
        _delivery("D8", 3, date(2026, 12, 4), "delivered", _at(5, 10)),  # not yet received on as_of
        _delivery("D9", 50, date(2026, 12, 20), "planned"),  # after the horizon
        _delivery("D10", 70, date(2026, 12, 4), "lost"),  # unknown status
    ]
    projection = _project(deliveries=deliveries)
    receipts = dict(zip(projection["date"].map(_day), projection["receipts"], strict=True))
    assert receipts == {
        date(2026, 12, 3): 7.0,
        date(2026, 12, 4): 18.0,
        date(2026, 12, 5): 6.0,
        date(2026, 12, 6): 0.0,
        date(2026, 12, 7): 0.0,
        date(2026, 12, 8): 0.0,
        date(2026, 12, 9): 0.0,
    }
    assert _row(projection)["on_hand"] == 0
    assert _row(projection)["delayed_deliveries"] == "D3, D4"
    assert _row(projection)["cancelled_deliveries"] == "D5"
    assert projection["closing_p50"].iloc[-1] == 31.0


def test_delayed_deliveries_wait_the_configured_delays() -> None:
    deliveries = [
        _delivery("AHEAD", 5, date(2026, 12, 4), "delayed"),
        _delivery("OVERDUE", 7, date(2026, 12, 2), "delayed"),  # expected on as_of, not received
    ]
    projection = _project(deliveries=deliveries, delayed_extra_days=2, overdue_delay_days=1)
    arrivals = projection.loc[projection["receipts"] > 0, ["date", "receipts"]]
    assert list(zip(arrivals["date"].map(_day), arrivals["receipts"], strict=True)) == [
        (date(2026, 12, 3), 7.0),
        (date(2026, 12, 6), 5.0),
    ]


@pytest.mark.parametrize(
    "settings", [{"horizon_days": 0}, {"delayed_extra_days": -1}, {"overdue_delay_days": 0}]
)
def test_settings_are_checked(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ProjectionSettings(**settings)


def test_received_deliveries_count_once_when_the_events_do_not_record_receipts() -> None:
    deliveries = [
        _delivery("D6", 100, date(2026, 12, 1), "delivered", _at(1, 10)),  # in the snapshot
        _delivery("D7", 8, date(2026, 12, 2), "delivered", _at(2, 10)),
        _delivery("D8", 4, date(2026, 12, 2), "delivered", _at(2, 7), sku="B"),  # a later count has it
    ]
    events = [_event("count", _at(2, 9), level=12, sku="B")]
    snapshots = _snapshots(("A", "S1", 20), ("B", "S1", 3))
    recorded = _project(snapshots, events, deliveries)
    assert (_row(recorded)["on_hand"], _row(recorded, "B")["on_hand"]) == (20, 12)
    added = _project(snapshots, events, deliveries, receipts_in_events=False)
    assert (_row(added)["on_hand"], _row(added, "B")["on_hand"]) == (28, 12)


def test_days_of_cover_and_stockout_dates_p90_earlier_than_p50() -> None:
    projection = _project(_snapshots(("A", "S1", 10)), forecasts=_forecasts(4, 6))
    assert projection["closing_p50"].tolist()[:4] == [6.0, 2.0, 0.0, 0.0]
    assert projection["lost_p50"].tolist()[:4] == [0.0, 0.0, 2.0, 4.0]
    assert projection["closing_p90"].tolist()[:3] == [4.0, 0.0, 0.0]
    row = _row(projection)
    assert row["days_of_cover"] == pytest.approx(2.5)  # two days and 2 of the third day's 4
    assert row["days_of_cover_p90"] == pytest.approx(1 + 4 / 6)
    assert _day(row["stockout_date"]) == date(2026, 12, 5)
    assert _day(row["stockout_date_p90"]) == date(2026, 12, 4)


def test_a_shortfall_is_lost_and_a_later_delivery_refills_in_full() -> None:
    deliveries = [_delivery("D", 20, date(2026, 12, 7), "in_transit")]
    projection = _project(_snapshots(("A", "S1", 10)), deliveries=deliveries, forecasts=_forecasts(4, 4))
    assert projection["opening_p50"].tolist() == [10.0, 6.0, 2.0, 0.0, 0.0, 16.0, 12.0]
    assert projection["closing_p50"].tolist() == [6.0, 2.0, 0.0, 0.0, 16.0, 12.0, 8.0]
    assert projection["lost_p50"].sum() == 6.0


def test_stock_that_lasts_the_horizon_has_no_stockout_date() -> None:
    row = _row(_project(_snapshots(("A", "S1", 100)), forecasts=_forecasts(4, 6)))
    assert row["days_of_cover"] == 7.0 and row["days_of_cover_p90"] == 7.0
    assert pd.isna(row["stockout_date"]) and pd.isna(row["stockout_date_p90"])


def test_no_stock_and_demand_means_no_cover() -> None:
    row = _row(_project(forecasts=_forecasts(4, 6)))
    assert row["days_of_cover"] == 0.0
    assert _day(row["stockout_date"]) == date(2026, 12, 3)


def test_forecasts_use_location_rows_and_read_a_missing_p90_as_the_p50() -> None:
    forecasts = pd.concat(
        [
            _forecasts(4, 6),
            _forecasts(100, 200, location=None),  # the SKU's total
            _forecasts(9, 9, sku="ELSEWHERE"),  # no stock known: not stocked there
            _forecasts(1, 1, days=9).iloc[[0, 8]].assign(sku="A", date=[AS_OF, AS_OF + timedelta(days=9)]),
        ]
    )
    forecasts.loc[forecasts["date"] == AS_OF + timedelta(days=2), "p90"] = np.nan
    projection = _project(_snapshots(("A", "S1", 50)), forecasts=forecasts)
    assert projection["sku"].unique().tolist() == ["A"]
    assert projection["demand_p50"].tolist() == [4.0] * 7
    assert projection["demand_p90"].tolist() == [6.0, 4.0, 6.0, 6.0, 6.0, 6.0, 6.0]


def test_columns_dates_and_order() -> None:
    snapshots = _snapshots(("B", "S2", 1), ("A", "S2", 1), ("A", "S1", 1))
    projection = _project(snapshots, forecasts=_forecasts(1, 2))
    assert tuple(projection.columns) == PROJECTION_COLUMNS
    assert len(projection) == 3 * 7
    assert projection[["sku", "location_id"]].drop_duplicates().values.tolist() == [
        ["A", "S1"],
        ["A", "S2"],
        ["B", "S2"],
    ]
    assert projection["date"].map(_day).tolist()[:7] == [AS_OF + timedelta(days=d) for d in range(1, 8)]


def test_nothing_known_projects_nothing() -> None:
    projection = project_stock(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), AS_OF)
    assert projection.empty and tuple(projection.columns) == PROJECTION_COLUMNS


def test_forecasts_dated_as_in_the_warehouse_table() -> None:
    forecasts = _forecasts(4, 6).rename(columns={"date": "forecast_date"})
    assert _row(_project(_snapshots(("A", "S1", 10)), forecasts=forecasts))["days_of_cover"] == 2.5


def test_deliveries_alone_make_a_key_known_only_when_they_bring_stock() -> None:
    deliveries = [
        _delivery("COMING", 12, date(2026, 12, 5), "in_transit", sku="NEW"),
        _delivery("GONE", 12, date(2026, 12, 5), "cancelled", sku="NEVER"),
        _delivery("PAST", 12, date(2026, 12, 2), "delivered", _at(2, 8), sku="OLD"),
    ]
    projection = _project(
        _snapshots(("A", "S1", 1)), deliveries=deliveries, forecasts=_forecasts(1, 2, sku="OLD")
    )
    assert sorted(projection["sku"].unique()) == ["A", "NEW"]
    assert _row(projection, "NEW")["on_hand"] == 0 and projection["receipts"].sum() == 12.0
    added = _project(_snapshots(("A", "S1", 1)), deliveries=deliveries, receipts_in_events=False)
    assert sorted(added["sku"].unique()) == ["A", "NEW", "OLD"] and _row(added, "OLD")["on_hand"] == 12
