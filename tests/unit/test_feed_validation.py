from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from trendwatch.contracts.topology import FEED_KINDS
from trendwatch.domain.feeds import (
    FEEDS,
    DeliveryRow,
    InventoryRow,
    OrderRow,
    ProductRow,
    RejectedRow,
    duplicate_keys,
    missing_columns,
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


def test_duplicate_keys_counts_rows_superseded_within_a_file() -> None:
    good, _ = validate_rows(
        "orders", [(2, ORDER), (3, {**ORDER, "quantity": "4"}), (4, {**ORDER, "line_number": "3"})]
    )
    assert duplicate_keys("orders", good) == 1


def test_every_feed_kind_has_a_schema_matching_its_table() -> None:
    assert set(FEEDS) == set(FEED_KINDS)
    for spec in FEEDS.values():
        fields = {f.name for f in spec.fields}
        assert fields | {"loaded_at"} == set(table(spec.table).column_names), spec.kind
