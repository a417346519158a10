from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from trendwatch.contracts.topology import FEED_KINDS
from trendwatch.domain.feeds import (
    FEEDS,
    MAX_DELIVERY_QUANTITY,
    MAX_ORDER_LINE_QUANTITY,
    MAX_STOCK_COUNT,
    DeliveryRow,
    InventoryRow,
    LoadedRow,
    OrderRow,
    ProductRow,
    RejectedRow,
    ValidRow,
    check_rows,
    loaded_row,
    missing_columns,
    refuse_conflicts,
    refuse_duplicates,
    refuse_unknown_skus,
    row_key,
    table_rows,
    validate_rows,
)
from trendwatch.warehouse.schema import table

PRODUCT = {
    "sku": "SHO-0001",
    "name": "Nordline Trail Runner",
    "category": "shoes",
    "brand": "Nordline",
    "price": "89.99",
    "keywords": "trail runner| #trailrun ||nordline",
}
INVENTORY = {
    "snapshot_date": "2026-01-05",
    "sku": "SHO-0001",
    "location_id": "S01",
    "on_hand": "12",
    "on_order": "0",
}
ORDER = {
    "order_id": "O-1",
    "line_number": "2",
    "sku": "SHO-0001",
    "quantity": "3",
    "unit_price": "79.5",
    "ordered_at": "2026-01-05T10:15:00+01:00",
    "channel": "store",
    "location_id": "S01",
}
DELIVERY = {
    "delivery_id": "D-1",
    "sku": "SHO-0001",
    "location_id": "W1",
    "quantity": "40",
    "expected_date": "2026-01-07",
    "delivered_at": "",
    "status": "in_transit",
}


def reasons_of(kind: str, row: Mapping[str, object]) -> tuple[str, ...]:
    good, rejected = validate_rows(kind, [(2, row)])
    assert good == []
    assert len(rejected) == 1
    return rejected[0].reasons


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        (
            "products",
            PRODUCT,
            ProductRow(
                "SHO-0001",
                "Nordline Trail Runner",
                "shoes",
                "Nordline",
                89.99,
                ("trail runner", "#trailrun", "nordline"),
            ),
        ),
        ("inventory", INVENTORY, InventoryRow(date(2026, 1, 5), "SHO-0001", "S01", 12, 0)),
        (
            "orders",
            ORDER,
            OrderRow("O-1", 2, "SHO-0001", 3, 79.5, datetime(2026, 1, 5, 9, 15, tzinfo=UTC), "store", "S01"),
        ),
        (
            "deliveries",
            DELIVERY,
            DeliveryRow("D-1", "SHO-0001", "W1", 40, date(2026, 1, 7), "in_transit", None),
        ),
    ],
)
def test_valid_csv_rows_become_typed_rows(kind: str, row: dict[str, object], expected: object) -> None:
    assert validate_rows(kind, [(2, row)]) == ([expected], [])


def test_jsonl_values_that_are_already_typed_are_accepted() -> None:
    row = {**ORDER, "line_number": 2, "quantity": 3, "unit_price": 80, "location_id": None}
    good, rejected = validate_rows("orders", [(1, row)])
    assert rejected == []
    assert good == [OrderRow("O-1", 2, "SHO-0001", 3, 80.0, datetime(2026, 1, 5, 9, 15, tzinfo=UTC), "store")]


def test_keywords_may_be_a_json_list() -> None:
    good, _ = validate_rows("products", [(1, {**PRODUCT, "keywords": [" a ", "b"]})])
    assert good[0].keywords == ("a", "b")  # type: ignore[union-attr]


def test_timestamp_without_offset_is_taken_as_utc() -> None:
    good, _ = validate_rows("orders", [(2, {**ORDER, "ordered_at": "2026-01-05 10:15:00"})])
    assert good[0].ordered_at == datetime(2026, 1, 5, 10, 15, tzinfo=UTC)  # type: ignore[union-attr]


def test_every_reason_of_a_row_is_reported() -> None:
    row = {**INVENTORY, "sku": " ", "on_hand": "-3", "on_order": "1.5", "snapshot_date": "05/01/2026"}
    assert reasons_of("inventory", row) == (
        "snapshot_date: not a date YYYY-MM-DD: '05/01/2026'",
        "sku: missing",
        "on_hand: must be >= 0, got -3",
        "on_order: not an integer: '1.5'",
    )


@pytest.mark.parametrize(
    ("kind", "change", "reason"),
    [
        ("products", {"price": "-1"}, "price: must be >= 0, got -1"),
        ("products", {"price": "free"}, "price: not a number: 'free'"),
        ("products", {"price": "inf"}, "price: not a finite number: 'inf'"),
        ("products", {"name": None}, "name: missing"),
        ("inventory", {"snapshot_date": "2026-02-30"}, "snapshot_date: not a date YYYY-MM-DD: '2026-02-30'"),
        ("inventory", {"snapshot_date": "20260105"}, "snapshot_date: not a date YYYY-MM-DD: '20260105'"),
        ("orders", {"quantity": "-2"}, "quantity: must be >= 0, got -2"),
        ("orders", {"quantity": True}, "quantity: not an integer: True"),
        ("orders", {"line_number": "one"}, "line_number: not an integer: 'one'"),
        ("orders", {"ordered_at": "yesterday"}, "ordered_at: not an ISO 8601 timestamp: 'yesterday'"),
        ("orders", {"channel": 7}, "channel: expected text, got 7"),
        ("orders", {"quantity": "12000"}, "quantity: must be <= 1,000, got 12,000"),
        ("orders", {"quantity": 5000}, "quantity: must be <= 1,000, got 5,000"),
        ("orders", {"quantity": 1e400}, "quantity: not an integer: inf"),
        ("orders", {"quantity": float("nan")}, "quantity: not an integer: nan"),
        ("orders", {"quantity": "NaN"}, "quantity: not an integer: 'NaN'"),
        (
            "orders",
            {"line_number": "9223372036854775808"},
            "line_number: out of range of a 64-bit integer: 9223372036854775808",
        ),
        ("orders", {"line_number": 2**70}, f"line_number: out of range of a 64-bit integer: {2**70}"),
        (
            "orders",
            {"line_number": "1" * 400},
            "line_number: out of range of a 64-bit integer: 11111111111111111111... (400 digits)",
        ),
        ("orders", {"unit_price": "-inf"}, "unit_price: not a finite number: '-inf'"),
        (
            "orders",
            {"ordered_at": "9999-12-31T23:59:59-05:00"},
            "ordered_at: out of range of a timestamp: '9999-12-31T23:59:59-05:00'",
        ),
        ("inventory", {"on_hand": "250000"}, "on_hand: must be <= 100,000, got 250,000"),
        ("inventory", {"on_order": "1e6"}, "on_order: not an integer: '1e6'"),
        ("deliveries", {"quantity": "48000"}, "quantity: must be <= 2,000, got 48,000"),
        (
            "deliveries",
            {"status": "lost"},
            "status: must be one of cancelled, delayed, delivered, in_transit, planned; got 'lost'",
        ),
        ("deliveries", {"status": "delivered"}, "delivered_at: required when status is delivered"),
        ("deliveries", {"delivered_at": "soon"}, "delivered_at: not an ISO 8601 timestamp: 'soon'"),
    ],
)
def test_bad_value_is_rejected_with_its_reason(kind: str, change: dict[str, object], reason: str) -> None:
    base = {"products": PRODUCT, "inventory": INVENTORY, "orders": ORDER, "deliveries": DELIVERY}[kind]
    assert reasons_of(kind, {**base, **change}) == (reason,)


def test_rejected_row_keeps_its_line_and_original_fields() -> None:
    bad = {**INVENTORY, "on_hand": "x"}
    good, rejected = validate_rows("inventory", [(2, INVENTORY), (3, bad)])
    assert len(good) == 1
    assert rejected == [RejectedRow(3, bad, ("on_hand: not an integer: 'x'",))]


def test_missing_columns_lists_required_columns_only() -> None:
    header = ["delivery_id", "sku", "quantity", "expected_date"]
    assert missing_columns("deliveries", header) == ("location_id", "status")
    assert missing_columns("deliveries", [c for c in DELIVERY if c != "delivered_at"]) == ()


def test_table_rows_are_the_warehouse_columns_with_loaded_at() -> None:
    loaded_at = datetime(2026, 1, 6, tzinfo=UTC)
    good, _ = validate_rows("inventory", [(2, INVENTORY)])
    assert table_rows(good, loaded_at) == [
        {
            "snapshot_date": date(2026, 1, 5),
            "sku": "SHO-0001",
            "location_id": "S01",
            "on_hand": 12,
            "on_order": 0,
            "loaded_at": loaded_at,
        }
    ]
    products, _ = validate_rows("products", [(2, PRODUCT)])
    source = "feeds/inventory/stock.csv"
    assert table_rows(good, loaded_at, source=source)[0]["source_object"] == source
    assert "source_object" not in table_rows(products, loaded_at, source=source)[0]  # no such column


def test_quantities_up_to_their_bound_are_accepted() -> None:
    assert validate_rows("orders", [(2, {**ORDER, "quantity": str(MAX_ORDER_LINE_QUANTITY)})])[1] == []
    assert validate_rows("deliveries", [(2, {**DELIVERY, "quantity": MAX_DELIVERY_QUANTITY})])[1] == []
    stock = {**INVENTORY, "on_hand": MAX_STOCK_COUNT, "on_order": MAX_STOCK_COUNT}
    assert validate_rows("inventory", [(2, stock)])[1] == []


def valid(kind: str, *rows: tuple[int, Mapping[str, object]]) -> list[ValidRow]:
    good, rejected = check_rows(kind, rows)
    assert rejected == []
    return good


def test_rows_for_skus_outside_the_catalogue_are_refused() -> None:
    rows = valid("orders", (2, ORDER), (3, {**ORDER, "line_number": "3", "sku": "XYZ-9999"}))
    kept, refused = refuse_unknown_skus("orders", rows, {"SHO-0001"}, catalogue_loaded=True)
    assert [v.line for v in kept] == [2]
    assert refused == [RejectedRow(3, rows[1].fields, ("sku XYZ-9999 is not in the product catalogue",))]


def test_an_empty_catalogue_refuses_every_row_saying_to_load_it_first() -> None:
    rows = valid("inventory", (2, INVENTORY))
    kept, refused = refuse_unknown_skus("inventory", rows, set(), catalogue_loaded=False)
    assert kept == []
    assert refused[0].reasons == (
        "sku SHO-0001 is not in the product catalogue"
        " (the catalogue is empty: load the products feed, then this file again)",
    )


def test_the_catalogue_itself_is_not_checked_against_the_catalogue() -> None:
    rows = valid("products", (2, PRODUCT))
    assert refuse_unknown_skus("products", rows, set(), catalogue_loaded=False) == (rows, [])


def test_the_first_row_of_a_key_is_kept_and_later_ones_refused_with_what_they_repeat() -> None:
    rows = valid(
        "orders",
        (2, ORDER),
        (3, {**ORDER, "quantity": 3, "unit_price": 79.50}),  # the same values, typed otherwise
        (4, {**ORDER, "quantity": "4"}),
        (5, {**ORDER, "line_number": "3"}),
        (6, {**ORDER, "quantity": "5", "channel": "web"}),
    )
    kept, refused = refuse_duplicates(rows)
    assert [v.line for v in kept] == [2, 5]
    assert [(r.line, r.reasons) for r in refused] == [
        (3, ("order line O-1 #2 repeats line 2 exactly: loaded once",)),
        (
            4,
            (
                "order line O-1 #2 is also at line 2 with quantity 3; this line says 4: the first one is loaded",
            ),
        ),
        (
            6,
            (
                "order line O-1 #2 is also at line 2 with quantity 3 and channel store;"
                " this line says quantity 5 and channel web: the first one is loaded",
            ),
        ),
    ]


def loaded(kind: str, record: dict[str, object]) -> dict[tuple[object, ...], LoadedRow]:
    stored = loaded_row(kind, record)
    assert stored is not None
    return {row_key(stored.row): stored}


def test_a_snapshot_loaded_from_another_file_with_other_numbers_is_kept() -> None:
    first = "feeds/inventory/inventory_2026-01-05.csv"
    # as a warehouse returns it: typed values, or ISO text for dates
    stored = loaded(
        "inventory",
        {
            **INVENTORY,
            "snapshot_date": date(2026, 1, 5),
            "on_hand": 12,
            "on_order": 0,
            "source_object": first,
        },
    )
    same, other = valid("inventory", (2, INVENTORY), (3, {**INVENTORY, "location_id": "S02"}))
    resent = valid("inventory", (2, {**INVENTORY, "on_hand": "30"}))
    assert refuse_conflicts("inventory", [same, other], stored, "feeds/inventory/resent.csv") == (
        [same, other],
        [],
    )
    kept, refused = refuse_conflicts("inventory", resent, stored, "feeds/inventory/resent.csv")
    assert kept == []
    assert refused[0].reasons == (
        f"snapshot 2026-01-05 SHO-0001@S01 already loaded from {first} with on_hand 12; this file says 30",
    )
    # the same file loaded again (replaced under its name) may correct its own rows
    assert refuse_conflicts("inventory", resent, stored, first) == (resent, [])


def test_an_order_line_loaded_without_a_recorded_file_still_conflicts() -> None:
    stored = loaded(
        "orders", {**ORDER, "line_number": 2, "ordered_at": datetime(2026, 1, 5, 9, 15, tzinfo=UTC)}
    )
    changed = valid("orders", (7, {**ORDER, "unit_price": "70"}))
    _, refused = refuse_conflicts("orders", changed, stored, "feeds/orders/o.jsonl")
    assert refused[0].reasons == (
        "order line O-1 #2 already loaded from an earlier load (its file was not recorded)"
        " with unit_price 79.5; this file says 70.0",
    )


def test_deliveries_and_products_may_change_from_file_to_file() -> None:
    stored = loaded("deliveries", {**DELIVERY, "source_object": "feeds/deliveries/a.csv"})
    delayed = valid("deliveries", (2, {**DELIVERY, "status": "delayed", "expected_date": "2026-01-09"}))
    assert refuse_conflicts("deliveries", delayed, stored, "feeds/deliveries/b.csv") == (delayed, [])


def test_every_feed_kind_has_a_schema_matching_its_table() -> None:
    assert set(FEEDS) == set(FEED_KINDS)
    for spec in FEEDS.values():
        fields = {f.name for f in spec.fields}
        recorded = {"loaded_at", "source_object"} if spec.kind != "products" else {"loaded_at"}
        assert fields | recorded == set(table(spec.table).column_names), spec.kind
