from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest

from trendwatch.domain.restock import (
    RECOMMENDATION_COLUMNS,
    RestockSettings,
    cover_text,
    recommend_restock,
    recommendation_records,
)
from trendwatch.domain.stock_projection import ProjectionSettings, project_stock

AS_OF = date(2026, 12, 2)
Z90 = 1.2815515655446004
Z95 = 1.6448536269514722


def _forecasts(
    sku: str, location: str, p50: float, p90: float, baseline: float | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "sku": sku,
            "location_id": location,
            "date": AS_OF + timedelta(days=d),
            "p10": p50 / 2,
            "p50": p50,
            "p90": p90,
            "baseline_p50": p50 if baseline is None else baseline,
        }
        for d in range(1, 8)
    ]


def _recommend(
    stock: dict[tuple[str, str], int],
    forecasts: list[dict[str, Any]],
    deliveries: list[dict[str, Any]] | None = None,
    drivers: list[dict[str, Any]] | None = None,
    **settings: Any,
) -> pd.DataFrame:
    snapshots = pd.DataFrame(
        [
            {"snapshot_date": AS_OF, "sku": sku, "location_id": loc, "on_hand": on_hand}
            for (sku, loc), on_hand in stock.items()
        ]
    )
    frame = pd.DataFrame(forecasts)
    projection = project_stock(
        snapshots,
        pd.DataFrame(),
        pd.DataFrame(deliveries or []),
        frame,
        AS_OF,
        ProjectionSettings(horizon_days=7),
    )
    return recommend_restock(
        projection, frame, pd.DataFrame(drivers or []), RestockSettings(**settings), AS_OF
    )


def _only(recommendations: pd.DataFrame) -> dict[str, Any]:
    assert len(recommendations) == 1
    return recommendation_records(recommendations)[0]


def test_quantity_is_window_demand_plus_safety_stock_less_the_stock_at_arrival() -> None:
    # Lead time 3, daily review: ordered tonight, on the shelf on day 3; it carries days 1-3.
    # Stock at the opening of day 3: 20 - 8 - 8 = 4. Safety stock with independent days:
    # z(0.95) x sqrt(3 x ((12 - 8) / z(0.90))^2) = 8.892. 8 + 8.892 - 4 = 12.89 -> 13.
    rec = _only(_recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12), error_correlation=0.0))
    assert rec["safety_stock"] == pytest.approx(Z95 * 3**0.5 * 4 / Z90)
    assert rec["safety_stock"] == pytest.approx(8.892, abs=1e-3)
    assert (rec["available_at_arrival"], rec["window_demand_p50"], rec["window_receipts"]) == (4.0, 8.0, 0.0)
    assert rec["recommended_quantity"] == 13
    assert (rec["arrival_date"], rec["window_end"], rec["lead_time_days"]) == ("2026-12-05", "2026-12-05", 3)
    assert rec["urgency"] == "high"  # runs out on day 3, the day the order arrives
    assert (rec["stockout_date"], rec["stockout_date_p90"]) == ("2026-12-05", "2026-12-04")


def test_correlated_days_sum_the_spreads_in_part() -> None:
    # rho = 0.5: sigma^2 = 0.5 x 3 s^2 + 0.5 x (3 s)^2 = 6 s^2 with s = 4 / z(0.90).
    rec = _only(_recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12)))
    assert rec["safety_stock"] == pytest.approx(Z95 * 6**0.5 * 4 / Z90)
    assert rec["recommended_quantity"] == 17  # 8 + 12.58 - 4 = 16.58


def test_pack_size_and_minimum_order_round_up() -> None:
    forecasts = _forecasts("A", "S1", 8, 12)
    assert _only(_recommend({("A", "S1"): 20}, forecasts, pack_size={"A": 6}))["recommended_quantity"] == 18
    rec = _only(_recommend({("A", "S1"): 20}, forecasts, pack_size={"A": 6}, minimum_order=20))
    assert rec["recommended_quantity"] == 24
    assert _only(_recommend({("A", "S1"): 20}, forecasts, minimum_order=20))["recommended_quantity"] == 20


def test_a_longer_review_period_orders_for_longer() -> None:
    # Window days 1-4: demand on days 3-4 is 16; safety stock z(0.95) x sqrt(4) x 4 / z(0.90) = 10.27.
    rec = _only(
        _recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12), review_period_days=2, error_correlation=0)
    )
    assert rec["window_end"] == "2026-12-06"
    assert rec["recommended_quantity"] == 23  # 16 + 10.27 - 4 = 22.27
    assert rec["urgency"] == "high"


def test_receipts_within_the_window_reduce_the_order() -> None:
    delivery = {
        "delivery_id": "DLV-1",
        "sku": "A",
        "location_id": "S1",
        "quantity": 10,
        "expected_date": date(2026, 12, 5),
        "delivered_at": None,
        "status": "in_transit",
    }
    rec = _only(_recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12), [delivery]))
    assert rec["window_receipts"] == 10.0
    assert rec["recommended_quantity"] == 7  # 8 + 12.58 - 4 - 10 = 6.58
    assert rec["urgency"] == "medium"  # the delivery carries day 3; it runs out on day 4


def test_urgency_levels_most_urgent_first() -> None:
    stock = {("CRIT", "S1"): 5, ("HIGH", "S1"): 20, ("MED", "S1"): 30, ("OK", "S1"): 100}
    forecasts = [row for sku, _ in stock for row in _forecasts(sku, "S1", 8, 12)]
    recs = _recommend(stock, forecasts)
    assert recs[["sku", "urgency"]].values.tolist() == [
        ["CRIT", "critical"],
        ["HIGH", "high"],
        ["MED", "medium"],
    ]
    by_sku = {r["sku"]: r for r in recommendation_records(recs)}
    assert by_sku["CRIT"]["stockout_date"] == "2026-12-03"  # before the order can arrive
    assert by_sku["CRIT"]["available_at_arrival"] == 0.0
    assert by_sku["MED"]["stockout_date"] == "2026-12-06"  # after the window, below safety stock in it
    assert by_sku["MED"]["recommended_quantity"] == 7  # 8 + 12.58 - 14


def test_no_recommendation_when_stock_suffices() -> None:
    assert _recommend({("A", "S1"): 200}, _forecasts("A", "S1", 8, 12)).empty
    assert _recommend({("A", "S1"): 5}, []).empty  # no demand foreseen


def test_lead_times_by_location_kind_and_by_name() -> None:
    stock = {("A", "WH-EU-01"): 60, ("A", "S1"): 60, ("A", "S2"): 60}
    forecasts = [row for _, loc in stock for row in _forecasts("A", loc, 20, 30)]
    recs = {
        r["location_id"]: r
        for r in recommendation_records(
            _recommend(stock, forecasts, lead_time_days={"S2": 1}, planned_orders="none")
        )
    }
    assert {loc: r["lead_time_days"] for loc, r in recs.items()} == {"WH-EU-01": 5, "S1": 3}
    assert recs["WH-EU-01"]["window_end"] == "2026-12-07"
    assert recs["WH-EU-01"]["urgency"] == "critical"  # 60 lasts 3 days; the order arrives on day 5
    assert {r["order_date"] for r in recs.values()} == {"2026-12-02"}


def test_an_order_needed_later_in_the_horizon_is_planned() -> None:
    # Lead time 1: an order placed on day t arrives on day t + 1 and carries that day. Safety stock
    # over one day: z(0.95) x 10 / z(0.90) = 12.84. The opening of day a is 80 - 20a, so the first
    # arrival with 20 + 12.84 > 80 - 20a is day 3: order on day 2, 20 + 12.84 - 20 -> 13 units.
    stock = {("A", "S2"): 60}
    forecasts = _forecasts("A", "S2", 20, 30)
    rec = _only(_recommend(stock, forecasts, lead_time_days={"S2": 1}, planned_orders="all"))
    assert (rec["order_date"], rec["arrival_date"], rec["window_end"]) == (
        "2026-12-04",
        "2026-12-05",
        "2026-12-05",
    )
    assert rec["safety_stock"] == pytest.approx(Z95 * 10 / Z90)
    assert (rec["available_at_arrival"], rec["recommended_quantity"], rec["urgency"]) == (20.0, 13, "medium")
    assert rec["reason"] == "3 days of cover at the usual demand; order by 2026-12-04"
    # Without a rise over the baseline the usual run recommends it on 4 December, not before.
    assert _recommend(stock, forecasts, lead_time_days={"S2": 1}).empty
    assert _recommend(stock, forecasts, lead_time_days={"S2": 1}, planned_orders="none").empty


def test_a_later_order_is_listed_early_when_the_forecast_rises() -> None:
    drivers = [{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}]
    stock = {("LAMP", "S2"): 60, ("PLAIN", "S2"): 60}
    forecasts = _forecasts("LAMP", "S2", 20, 30, baseline=10) + _forecasts("PLAIN", "S2", 20, 30)
    recs = recommendation_records(
        _recommend(stock, forecasts, drivers=drivers, lead_time_days={"S2": 1}, trend_quantile="p50")
    )
    assert [(r["sku"], r["order_date"]) for r in recs] == [("LAMP", "2026-12-04")]
    assert recs[0]["reason"] == (
        "mushroom lamp topic: +100 % expected demand in the next 3 days, 3 days of cover; order by 2026-12-04"
    )


def test_a_sku_the_talk_drives_is_ordered_for_its_p90_demand() -> None:
    # The p50 projection (20 a day) lasts 60 units to the end of day 3, the p90 one (30 a day) to
    # the end of day 2: ordered a day earlier, for the p90 demand of its window.
    drivers = [{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}]
    stock = {("LAMP", "S2"): 60}
    forecasts = _forecasts("LAMP", "S2", 20, 30, baseline=10)
    rec = _only(_recommend(stock, forecasts, drivers=drivers, lead_time_days={"S2": 1}))
    assert (rec["order_date"], rec["window_demand_p50"]) == ("2026-12-03", 30.0)
    # Twice the baseline is the talk driving it, with no topic detected: the same order.
    talk = _only(_recommend(stock, forecasts, lead_time_days={"S2": 1}))
    assert (talk["order_date"], talk["window_demand_p50"], talk["topic_id"]) == ("2026-12-03", 30.0, None)
    # At its baseline, the same forecast is ordered by its p50, on the day it is due.
    usual = _forecasts("LAMP", "S2", 20, 30)
    plain = _only(_recommend(stock, usual, drivers=drivers, lead_time_days={"S2": 1}, planned_orders="all"))
    assert (plain["order_date"], plain["window_demand_p50"]) == ("2026-12-04", 20.0)


def test_reason_with_a_topic() -> None:
    # 42 units against 15 usual over the 3-day window: +180 %; 30 units last 2 days and 2/14 of a third.
    drivers = [{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}]
    rec = _only(
        _recommend({("LAMP", "S1"): 30}, _forecasts("LAMP", "S1", 14, 20, baseline=5), drivers=drivers)
    )
    assert rec["reason"] == "mushroom lamp topic: +180 % expected demand in the next 3 days, 2 days of cover"
    assert (rec["topic_id"], rec["topic_label"]) == ("t-7", "mushroom lamp")
    assert rec["uplift"] == pytest.approx(1.8)


def test_reason_without_a_topic_names_a_delayed_delivery() -> None:
    delivery = {
        "delivery_id": "DLV-7",
        "sku": "A",
        "location_id": "S1",
        "quantity": 10,
        "expected_date": date(2026, 12, 6),
        "delivered_at": None,
        "status": "delayed",
    }
    rec = _only(_recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12), [delivery]))
    assert rec["reason"] == "2 days of cover at the usual demand; delivery DLV-7 delayed"
    assert rec["topic_id"] is None and rec["topic_label"] is None


def test_a_topic_without_uplift_does_not_drive_the_recommendation() -> None:
    drivers = [{"sku": "A", "topic_id": "t-1", "topic_label": "sardine tray"}]
    rec = _only(_recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12, baseline=7.5), drivers=drivers))
    assert rec["uplift"] == pytest.approx(8 / 7.5 - 1)  # +6.7 %: under the 10 % threshold
    assert rec["topic_id"] is None
    assert rec["reason"] == "2 days of cover at the usual demand"


def test_a_topic_with_demand_where_none_is_usual() -> None:
    drivers = [{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}]
    rec = _only(
        _recommend({("LAMP", "S1"): 30}, _forecasts("LAMP", "S1", 14, 20, baseline=0), drivers=drivers)
    )
    assert rec["uplift"] is None
    assert (
        rec["reason"]
        == "mushroom lamp topic: 42 units expected in the next 3 days where none are usual, 2 days of cover"
    )


def test_below_safety_stock_without_a_stockout() -> None:
    # 57 units last the 7 days at 8 a day, but the p90 (40) makes the safety stock ~101.
    rec = _only(_recommend({("A", "S1"): 57}, _forecasts("A", "S1", 8, 40)))
    assert rec["urgency"] == "medium"
    assert rec["stockout_date"] is None and rec["stockout_date_p90"] == "2026-12-04"
    assert rec["reason"] == "more than 7 days of cover at the usual demand"
    json.dumps(recommendation_records(_recommend({("A", "S1"): 57}, _forecasts("A", "S1", 8, 40))))


def test_cover_in_words() -> None:
    assert cover_text(0.4, 14) == "less than 1 day of cover"
    assert cover_text(1.9, 14) == "1 day of cover"
    assert cover_text(2.99, 14) == "2 days of cover"
    assert cover_text(14.0, 14) == "more than 14 days of cover"


def test_columns_and_the_cli_fields() -> None:
    recs = _recommend({("A", "S1"): 20}, _forecasts("A", "S1", 8, 12))
    assert tuple(recs.columns) == RECOMMENDATION_COLUMNS
    record = recommendation_records(recs)[0]
    for name in (
        "sku",
        "location_id",
        "recommended_quantity",
        "stockout_date",
        "days_of_cover",
        "topic_id",
        "reason",
    ):
        assert name in record
    assert isinstance(record["recommended_quantity"], int) and record["days_of_cover"] == 2.5
    assert (record["service_level"], record["as_of"]) == (0.95, "2026-12-02")


def test_an_empty_projection_recommends_nothing() -> None:
    recs = recommend_restock(pd.DataFrame(), pd.DataFrame(), None, RestockSettings(), AS_OF)
    assert recs.empty and tuple(recs.columns) == RECOMMENDATION_COLUMNS


@pytest.mark.parametrize(
    "settings",
    [
        {"service_level": 1.0},
        {"error_correlation": 1.5},
        {"review_period_days": 0},
        {"pack_size": {"A": 0}},
        {"planned_orders": "some"},
        {"trend_quantile": "p75"},
        {"medium_safety_share": 1.5},
    ],
)
def test_settings_are_checked(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RestockSettings(**settings)


def test_the_uplift_from_the_forecasts_when_the_projection_has_no_baseline() -> None:
    forecasts = pd.DataFrame(_forecasts("LAMP", "S1", 14, 20, baseline=5))
    drivers = pd.DataFrame([{"sku": "LAMP", "topic_id": "t-7", "topic_label": "mushroom lamp"}])
    snapshots = pd.DataFrame([{"snapshot_date": AS_OF, "sku": "LAMP", "location_id": "S1", "on_hand": 30}])
    projection = project_stock(snapshots, None, None, forecasts, AS_OF, ProjectionSettings(horizon_days=7))
    settings = RestockSettings()
    direct = recommend_restock(projection, None, drivers, settings, AS_OF)
    fallback = recommend_restock(projection.drop(columns="baseline_p50"), forecasts, drivers, settings, AS_OF)
    assert direct["uplift"].tolist() == fallback["uplift"].tolist() == [pytest.approx(1.8)]
    assert direct["reason"].tolist() == fallback["reason"].tolist()


def test_a_projection_in_another_order_gives_the_same_recommendations() -> None:
    stock = {("CRIT", "S1"): 5, ("HIGH", "S1"): 20, ("MED", "S2"): 30}
    forecasts = pd.DataFrame([row for (sku, loc) in stock for row in _forecasts(sku, loc, 8, 12)])
    snapshots = pd.DataFrame(
        [
            {"snapshot_date": AS_OF, "sku": s, "location_id": loc, "on_hand": q}
            for (s, loc), q in stock.items()
        ]
    )
    projection = project_stock(snapshots, None, None, forecasts, AS_OF, ProjectionSettings(horizon_days=7))
    shuffled = projection.sample(frac=1.0, random_state=3).astype({"sku": str, "location_id": str})
    expected = recommend_restock(projection, None, None, RestockSettings(), AS_OF)
    assert len(expected) == 3
    pd.testing.assert_frame_equal(recommend_restock(shuffled, None, None, RestockSettings(), AS_OF), expected)


def test_a_routine_order_just_under_its_safety_stock_waits_when_asked_to() -> None:
    # Lead time 3: days 1-3 take 24 units at 8 a day; the safety stock is 8.892. 30 units end the
    # window at 6 (under 8.892: an order) but above half the safety stock (4.446); 27 end it at 3.
    def recommended(on_hand: int, **settings: Any) -> bool:
        forecasts = _forecasts("A", "S1", 8, 12, baseline=8 if not settings.get("drivers") else 4)
        found = _recommend({("A", "S1"): on_hand}, forecasts, error_correlation=0.0, **settings)
        return not found.empty

    assert recommended(30, medium_safety_share=1.0) and recommended(27, medium_safety_share=1.0)
    assert not recommended(30, medium_safety_share=0.5) and recommended(27, medium_safety_share=0.5)
    # A SKU its topic drives is not held to the routine bar.
    drivers = [{"sku": "A", "topic_id": "t-1", "topic_label": "a"}]
    assert recommended(30, medium_safety_share=0.5, drivers=drivers)


def test_a_later_order_is_critical_when_the_shelf_empties_before_tonights_order_could_arrive() -> None:
    # 15 units at 10 a day run out on day 2; a delivery of 40 lands on day 3 (when tonight's order
    # would) and holds the safety stock through day 4, so the order needed is a later one, placed on
    # day 2 for day 5. The shelf empty before the delivery comes first: critical, not a routine medium.
    delivery = {
        "delivery_id": "DLV-1",
        "sku": "A",
        "location_id": "S1",
        "quantity": 40,
        "expected_date": date(2026, 12, 5),
        "delivered_at": None,
        "status": "in_transit",
    }
    rec = _only(
        _recommend({("A", "S1"): 15}, _forecasts("A", "S1", 10, 15), [delivery], planned_orders="all")
    )
    assert (rec["stockout_date"], rec["order_date"], rec["arrival_date"]) == (
        "2026-12-04",
        "2026-12-04",
        "2026-12-07",
    )
    assert rec["urgency"] == "critical"
    # With the stock lasting until the delivery, the same later order is medium.
    rec = _only(
        _recommend({("A", "S1"): 25}, _forecasts("A", "S1", 10, 15), [delivery], planned_orders="all")
    )
    assert (rec["order_date"] > "2026-12-02", rec["urgency"]) == (True, "medium")
