from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cloudevents.http import CloudEvent

from tests.fakes.publisher import RecordingPublisher
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.handling import DeadLetters, Received, pubsub_batch_handler, storage_handler
from trendwatch.app.inventory import InventoryService
from trendwatch.contracts.cloudevents import (
    InvalidEvent,
    PubSubMessage,
    StorageObject,
    pubsub_cloudevent,
    storage_cloudevent,
)
from trendwatch.contracts.dead_letters import REASON
from trendwatch.contracts.events import FeedLoadReport, StockEvent
from trendwatch.runtime.delivery import routes

FEED_ROUTE = routes()["inventory-sync-feeds"]
START = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
CREATED = datetime(2026, 1, 6, 1, 30, tzinfo=UTC)

PRODUCTS_CSV = (
    "\ufeffsku,name,category,brand,price,keywords\n"
    "SHO-0001,Nordline Trail Runner,shoes,Nordline,89.99,trail runner|#trailrun\n"
    'BAG-0002,"Aster Tote, large",bags,Aster,45,\n'
)
INVENTORY_CSV = (
    "snapshot_date,sku,location_id,on_hand,on_order\n"
    "2026-01-05,SHO-0001,S01,12,0\n"
    "2026-01-05,BAG-0002,S01,3,10\n"
)
ORDERS_CSV = (
    "order_id,line_number,sku,quantity,unit_price,ordered_at,channel,location_id\n"
    "O-1,1,SHO-0001,1,89.99,2026-01-05T10:15:00Z,store,S01\n"
    "O-2,1,BAG-0002,2,40.5,2026-01-05T18:00:00+01:00,web,\n"
)
DELIVERIES_CSV = (
    "delivery_id,sku,location_id,quantity,expected_date,delivered_at,status\n"
    "D-1,SHO-0001,S01,24,2026-01-07,,in_transit\n"
    "D-0,BAG-0002,S01,10,2026-01-04,2026-01-04T09:00:00Z,delivered\n"
)
TABLES = ("products", "inventory_daily", "orders", "deliveries")


@pytest.fixture
def lake(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "lake")


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    store = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    yield store
    store.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def service(lake: LocalBlobStore, warehouse: DuckDBWarehouse, clock: ManualClock) -> InventoryService:
    return InventoryService(lake, warehouse, clock)


@pytest.fixture
def catalogue(service: InventoryService, lake: LocalBlobStore) -> FeedLoadReport:
    """The products feed, loaded first as at a retailer."""
    return service.load_feed(drop(lake, "feeds/products/dt=2026-01-05/catalogue.csv", PRODUCTS_CSV))


def drop(lake: LocalBlobStore, name: str, body: str | bytes) -> StorageObject:
    data = body.encode() if isinstance(body, str) else body
    generation = lake.write(name, data)
    return StorageObject(lake.bucket, name, generation, len(data), time_created=CREATED)


def contents(warehouse: DuckDBWarehouse, name: str) -> list[dict[str, Any]]:
    return sorted(warehouse.query(f"SELECT * FROM {name}"), key=repr)


def quarantined(lake: LocalBlobStore, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lake.read(name).decode().splitlines()]


def test_good_product_rows_are_loaded_with_exact_values(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse
) -> None:
    report = service.load_feed(drop(lake, "feeds/products/dt=2026-01-05/catalogue.csv", PRODUCTS_CSV))
    assert report == FeedLoadReport(
        kind="products",
        object_name="feeds/products/dt=2026-01-05/catalogue.csv",
        rows_read=2,
        rows_loaded=2,
        rows_quarantined=0,
        feed_date=datetime(2026, 1, 5).date(),
    )
    assert contents(warehouse, "products") == [
        {
            "sku": "BAG-0002",
            "name": "Aster Tote, large",
            "category": "bags",
            "brand": "Aster",
            "price": 45.0,
            "keywords": [],
            "loaded_at": "2026-01-06T02:00:00+00:00",
        },
        {
            "sku": "SHO-0001",
            "name": "Nordline Trail Runner",
            "category": "shoes",
            "brand": "Nordline",
            "price": 89.99,
            "keywords": ["trail runner", "#trailrun"],
            "loaded_at": "2026-01-06T02:00:00+00:00",
        },
    ]
    assert list(lake.list("quarantine/")) == []


def test_inventory_and_deliveries_are_loaded_with_exact_values(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    service.load_feed(drop(lake, "feeds/inventory/dt=2026-01-05/stock.csv", INVENTORY_CSV))
    service.load_feed(drop(lake, "feeds/deliveries/dt=2026-01-05/inbound.csv", DELIVERIES_CSV))
    loaded = "2026-01-06T02:00:00+00:00"
    assert contents(warehouse, "inventory_daily") == [
        {
            "snapshot_date": "2026-01-05",
            "sku": "BAG-0002",
            "location_id": "S01",
            "on_hand": 3,
            "on_order": 10,
            "loaded_at": loaded,
            "source_object": "feeds/inventory/dt=2026-01-05/stock.csv",
        },
        {
            "snapshot_date": "2026-01-05",
            "sku": "SHO-0001",
            "location_id": "S01",
            "on_hand": 12,
            "on_order": 0,
            "loaded_at": loaded,
            "source_object": "feeds/inventory/dt=2026-01-05/stock.csv",
        },
    ]
    assert contents(warehouse, "deliveries") == [
        {
            "delivery_id": "D-0",
            "sku": "BAG-0002",
            "location_id": "S01",
            "quantity": 10,
            "expected_date": "2026-01-04",
            "delivered_at": "2026-01-04T09:00:00+00:00",
            "status": "delivered",
            "loaded_at": loaded,
            "source_object": "feeds/deliveries/dt=2026-01-05/inbound.csv",
        },
        {
            "delivery_id": "D-1",
            "sku": "SHO-0001",
            "location_id": "S01",
            "quantity": 24,
            "expected_date": "2026-01-07",
            "delivered_at": None,
            "status": "in_transit",
            "loaded_at": loaded,
            "source_object": "feeds/deliveries/dt=2026-01-05/inbound.csv",
        },
    ]


def test_bad_rows_are_quarantined_with_their_reasons(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    body = (
        "snapshot_date,sku,location_id,on_hand,on_order\n"
        "2026-01-05,SHO-0001,S01,12,0\n"
        "2026-01-05,,S01,-1,2\n"
        "05/01/2026,BAG-0002,S01,many,0\n"
        "2026-01-05,HAT-0003,S02,4,0,surplus\n"
        "2026-01-05,HAT-0003,S02\n"
    )
    report = service.load_feed(drop(lake, "feeds/inventory/dt=2026-01-05/store-s01.csv", body))
    name = "quarantine/inventory/dt=2026-01-05/store-s01.csv.rejected.jsonl"
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 1, 4)
    assert report.quarantine_object == name
    assert quarantined(lake, name) == [
        {
            "line": 3,
            "row": {
                "snapshot_date": "2026-01-05",
                "sku": "",
                "location_id": "S01",
                "on_hand": "-1",
                "on_order": "2",
            },
            "reasons": ["sku: missing", "on_hand: must be >= 0, got -1"],
        },
        {
            "line": 4,
            "row": {
                "snapshot_date": "05/01/2026",
                "sku": "BAG-0002",
                "location_id": "S01",
                "on_hand": "many",
                "on_order": "0",
            },
            "reasons": [
                "snapshot_date: not a date YYYY-MM-DD: '05/01/2026'",
                "on_hand: not an integer: 'many'",
            ],
        },
        {
            "line": 5,
            "row": {
                "snapshot_date": "2026-01-05",
                "sku": "HAT-0003",
                "location_id": "S02",
                "on_hand": "4",
                "on_order": "0",
                "_extra_values": ["surplus"],
            },
            "reasons": ["1 more value(s) than the header's 5 columns"],
        },
        {
            "line": 6,
            "row": {
                "snapshot_date": "2026-01-05",
                "sku": "HAT-0003",
                "location_id": "S02",
                "on_hand": None,
                "on_order": None,
            },
            "reasons": ["on_hand: missing", "on_order: missing"],
        },
    ]
    assert [r["sku"] for r in contents(warehouse, "inventory_daily")] == ["SHO-0001"]


def test_feed_without_dt_folder_is_quarantined_under_the_day_it_was_created(
    service: InventoryService, lake: LocalBlobStore
) -> None:
    body = DELIVERIES_CSV.splitlines()[0] + "\nD-9,SHO-0001,S01,1,2026-01-09,,lost\n"
    report = service.load_feed(drop(lake, "feeds/deliveries/inbound.csv", body))
    assert report.feed_date is None
    assert report.quarantine_object == "quarantine/deliveries/dt=2026-01-06/inbound.csv.rejected.jsonl"
    assert quarantined(lake, report.quarantine_object)[0]["reasons"] == [
        "status: must be one of cancelled, delayed, delivered, in_transit, planned; got 'lost'"
    ]


def test_reloading_the_same_files_changes_no_table(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, clock: ManualClock
) -> None:
    bad_order = "O-3,1,SHO-0001,-5,89.99,2026-01-05T11:00:00Z,store,S01\n"
    feeds = [
        drop(lake, "feeds/products/dt=2026-01-05/catalogue.csv", PRODUCTS_CSV),
        drop(lake, "feeds/inventory/dt=2026-01-05/stock.csv", INVENTORY_CSV),
        drop(lake, "feeds/orders/dt=2026-01-05/orders.csv", ORDERS_CSV + bad_order),
        drop(lake, "feeds/deliveries/dt=2026-01-05/inbound.csv", DELIVERIES_CSV),
    ]
    first_reports = [service.load_feed(obj) for obj in feeds]
    before = {name: contents(warehouse, name) for name in TABLES}
    quarantine_before = lake.read("quarantine/orders/dt=2026-01-05/orders.csv.rejected.jsonl")

    clock.sleep(3600)
    assert [service.load_feed(obj) for obj in feeds] == first_reports
    assert {name: contents(warehouse, name) for name in TABLES} == before
    assert lake.read("quarantine/orders/dt=2026-01-05/orders.csv.rejected.jsonl") == quarantine_before
    assert [len(before[name]) for name in TABLES] == [2, 2, 2, 2]


def test_changed_row_is_updated_and_stamped_with_its_new_load_time(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, clock: ManualClock
) -> None:
    service.load_feed(drop(lake, "feeds/products/dt=2026-01-05/catalogue.csv", PRODUCTS_CSV))
    clock.sleep(86400)
    changed = PRODUCTS_CSV.replace("trail runner|#trailrun", "trail runner")
    service.load_feed(drop(lake, "feeds/products/dt=2026-01-06/catalogue.csv", changed))
    rows = {r["sku"]: r for r in contents(warehouse, "products")}
    assert (rows["SHO-0001"]["keywords"], rows["SHO-0001"]["loaded_at"]) == (
        ["trail runner"],
        "2026-01-07T02:00:00+00:00",
    )
    assert rows["BAG-0002"]["loaded_at"] == "2026-01-06T02:00:00+00:00"


def test_the_first_row_of_a_key_in_a_file_is_loaded_and_the_others_quarantined(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    body = INVENTORY_CSV + "2026-01-05,SHO-0001,S01,7,5\n2026-01-05,BAG-0002,S01,3,10\n"
    report = service.load_feed(drop(lake, "feeds/inventory/dt=2026-01-05/stock.csv", body))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 2, 2)
    rows = {r["sku"]: (r["on_hand"], r["on_order"]) for r in contents(warehouse, "inventory_daily")}
    assert rows == {"SHO-0001": (12, 0), "BAG-0002": (3, 10)}
    assert [(r["line"], r["reasons"]) for r in quarantined(lake, str(report.quarantine_object))] == [
        (
            4,
            [
                "snapshot 2026-01-05 SHO-0001@S01 is also at line 2 with on_hand 12 and on_order 0;"
                " this line says on_hand 7 and on_order 5: the first one is loaded"
            ],
        ),
        (5, ["snapshot 2026-01-05 BAG-0002@S01 repeats line 3 exactly: loaded once"]),
    ]


def test_header_missing_a_column_is_rejected_whole(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse
) -> None:
    body = "snapshot_date,sku,location_id,on_hand\n2026-01-05,SHO-0001,S01,12\n"
    with pytest.raises(InvalidEvent, match="lacks required inventory column\\(s\\) on_order"):
        service.load_feed(drop(lake, "feeds/inventory/dt=2026-01-05/stock.csv", body))
    assert contents(warehouse, "inventory_daily") == []
    assert list(lake.list("quarantine/")) == []


def test_storage_handler_dead_letters_a_file_with_an_incomplete_header(
    service: InventoryService, lake: LocalBlobStore, publisher: RecordingPublisher
) -> None:
    obj = drop(lake, "feeds/products/p.csv", "sku,name,price\nA,a,1\n")
    handler = storage_handler(FEED_ROUTE, service.load_feed, DeadLetters(publisher))
    assert handler([storage_cloudevent(obj, "event-1")]) == [None]
    [message] = publisher.messages
    assert message.topic == "inventory-sync-feeds-dead-letter"
    assert message.attributes[REASON] == (
        "feeds/products/p.csv: CSV header lacks required products column(s) category, brand"
        " (header: sku,name,price)"
    )


@pytest.mark.parametrize("name", ["feeds/orders/dt=2026-01-05/orders.jsonl", "feeds/orders/orders.json.gz"])
def test_jsonl_orders_are_loaded(
    service: InventoryService,
    lake: LocalBlobStore,
    warehouse: DuckDBWarehouse,
    catalogue: FeedLoadReport,
    name: str,
) -> None:
    lines = [
        {
            "order_id": "O-7",
            "line_number": 1,
            "sku": "SHO-0001",
            "quantity": 2,
            "unit_price": 80,
            "ordered_at": "2026-01-05T08:00:00Z",
            "channel": "web",
            "location_id": None,
        },
        {
            "order_id": "O-7",
            "line_number": 2,
            "sku": "BAG-0002",
            "quantity": "1",
            "unit_price": "45.5",
            "ordered_at": "2026-01-05T08:00:00Z",
            "channel": "web",
        },
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode() + b"\n"
    report = service.load_feed(drop(lake, name, gzip.compress(body) if name.endswith(".gz") else body))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 2, 0)
    loaded = "2026-01-06T02:00:00+00:00"
    assert contents(warehouse, "orders") == [
        {
            "order_id": "O-7",
            "line_number": 1,
            "sku": "SHO-0001",
            "quantity": 2,
            "unit_price": 80.0,
            "ordered_at": "2026-01-05T08:00:00+00:00",
            "channel": "web",
            "location_id": None,
            "loaded_at": loaded,
            "source_object": name,
        },
        {
            "order_id": "O-7",
            "line_number": 2,
            "sku": "BAG-0002",
            "quantity": 1,
            "unit_price": 45.5,
            "ordered_at": "2026-01-05T08:00:00+00:00",
            "channel": "web",
            "location_id": None,
            "loaded_at": loaded,
            "source_object": name,
        },
    ]


def test_jsonl_lines_that_are_not_objects_are_quarantined(
    service: InventoryService, lake: LocalBlobStore
) -> None:
    body = '[1, 2]\n{"order_id": \n\n'
    report = service.load_feed(drop(lake, "feeds/orders/dt=2026-01-05/o.jsonl", body))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 0, 2)
    rejected = quarantined(lake, "quarantine/orders/dt=2026-01-05/o.jsonl.rejected.jsonl")
    assert [(r["line"], r["row"], r["reasons"][0][:14]) for r in rejected] == [
        (1, "[1, 2]", "not a JSON obj"),
        (2, '{"order_id": ', "not valid JSON"),
    ]


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("feeds/returns/r.csv", b"a\n", "feeds/returns/r.csv: not a feed"),
        ("feeds/orders.csv", b"a\n", "feeds/orders.csv: not a feed"),
        ("feeds/orders/o.xlsx", b"a\n", "unsupported feed format 'xlsx'"),
        ("feeds/orders/o.csv", b"order_id\n\xff\xfe\n", "not UTF-8 text \\(byte 9"),
        ("feeds/orders/o.csv.gz", b"plain", "not a gzip file"),
        ("feeds/orders/o.csv", b"", "empty file, expected a CSV header"),
        ("feeds/orders/o.csv", b'order_id,"line\n', "not readable as CSV at line 1"),
        ("feeds/orders/o.csv", ORDERS_CSV.encode() + b'O-3,"1"x,\n', "not readable as CSV at line 4"),
    ],
)
def test_unreadable_feed_object_is_an_invalid_event(
    service: InventoryService, lake: LocalBlobStore, name: str, body: bytes, reason: str
) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        service.load_feed(drop(lake, name, body))


def received(event: StockEvent, message_id: str) -> Received[StockEvent]:
    data = msgspec.json.encode(event)
    return Received(PubSubMessage(message_id, data, {"payload": base64.b64encode(data).decode()}), event)


def test_stock_events_are_stored_once_under_redelivery(
    service: InventoryService, warehouse: DuckDBWarehouse, clock: ManualClock
) -> None:
    moved = StockEvent(
        event_id="E-1",
        sku="SHO-0001",
        location_id="S01",
        event_time=datetime(2026, 1, 6, 1, 59, tzinfo=UTC),
        delta=-2,
    )
    counted = StockEvent(
        event_id="E-2",
        sku="SHO-0001",
        location_id="S01",
        event_time=datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        level=9,
    )
    service.record_stock_events([received(moved, "m1"), received(counted, "m2")])
    clock.sleep(timedelta(minutes=5).total_seconds())
    service.record_stock_events([received(counted, "m2"), received(moved, "m1"), received(moved, "m1")])
    assert contents(warehouse, "stock_events") == [
        {
            "event_id": "E-1",
            "sku": "SHO-0001",
            "location_id": "S01",
            "event_time": "2026-01-06T01:59:00+00:00",
            "delta": -2,
            "level": None,
            "received_at": "2026-01-06T02:00:00+00:00",
        },
        {
            "event_id": "E-2",
            "sku": "SHO-0001",
            "location_id": "S01",
            "event_time": "2026-01-06T02:00:00+00:00",
            "delta": None,
            "level": 9,
            "received_at": "2026-01-06T02:00:00+00:00",
        },
    ]


# -- bad input: each kind quarantined with its reason, the rest of the file loaded ---------------

ORDER_HEADER = ORDERS_CSV.splitlines()[0] + "\n"


def test_a_file_mixing_good_and_bad_order_lines_loads_the_good_and_quarantines_each_bad_one(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    service.load_feed(drop(lake, "feeds/orders/dt=2026-01-05/orders.csv", ORDERS_CSV))
    body = ORDER_HEADER + (
        "O-3,1,SHO-0001,2,89.99,2026-01-06T10:00:00Z,store,S01\n"  # good
        "O-3,2,XYZ-9999,1,10,2026-01-06T10:00:00Z,store,S01\n"  # unknown SKU
        "O-4,1,BAG-0002,-3,45,2026-01-06T11:00:00Z,web,\n"  # negative
        "O-5,1,BAG-0002,12000,45,2026-01-06T11:00:00Z,web,\n"  # absurd
        "O-6,1,BAG-0002,99999999999999999999,45,2026-01-06T11:00:00Z,web,\n"  # beyond INT64
        "O-7,1,BAG-0002,1,nan,2026-01-06T11:00:00Z,web,\n"  # not a finite price
        "O-3,1,SHO-0001,2,89.99,2026-01-06T10:00:00Z,store,S01\n"  # the first line again
        "O-3,1,SHO-0001,5,89.99,2026-01-06T10:00:00Z,store,S01\n"  # the first line, other quantity
        "O-1,1,SHO-0001,4,89.99,2026-01-05T10:15:00Z,store,S01\n"  # loaded yesterday with 1
        "O-2,1,BAG-0002,2,40.5,2026-01-05T17:00:00Z,web,\n"  # loaded yesterday, the same: no-op
        "O-8,1,BAG-0002,1,45,2026-01-06T12:00:00Z,app,\n"  # good
    )
    report = service.load_feed(drop(lake, "feeds/orders/dt=2026-01-06/orders.csv", body))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (11, 3, 8)
    reasons = [(r["line"], r["reasons"]) for r in quarantined(lake, str(report.quarantine_object))]
    assert reasons == [
        (3, ["sku XYZ-9999 is not in the product catalogue"]),
        (4, ["quantity: must be >= 0, got -3"]),
        (5, ["quantity: must be <= 1,000, got 12,000"]),
        (6, ["quantity: out of range of a 64-bit integer: 99999999999999999999"]),
        (7, ["unit_price: not a finite number: 'nan'"]),
        (8, ["order line O-3 #1 repeats line 2 exactly: loaded once"]),
        (
            9,
            [
                "order line O-3 #1 is also at line 2 with quantity 2; this line says 5: the first one is loaded"
            ],
        ),
        (
            10,
            [
                "order line O-1 #1 already loaded from feeds/orders/dt=2026-01-05/orders.csv"
                " with quantity 1; this file says 4"
            ],
        ),
    ]
    stored = {
        (r["order_id"], r["line_number"]): (r["quantity"], r["source_object"])
        for r in contents(warehouse, "orders")
    }
    first, second = "feeds/orders/dt=2026-01-05/orders.csv", "feeds/orders/dt=2026-01-06/orders.csv"
    assert stored == {
        ("O-1", 1): (1, first),
        ("O-2", 1): (2, first),
        ("O-3", 1): (2, second),
        ("O-8", 1): (1, second),
    }


def test_orders_before_the_catalogue_wait_in_quarantine_and_load_once_it_is_there(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, clock: ManualClock
) -> None:
    name = "feeds/orders/dt=2026-01-05/orders.csv"
    early = service.load_feed(drop(lake, name, ORDERS_CSV))
    assert (early.rows_loaded, early.rows_quarantined) == (0, 2)
    assert quarantined(lake, str(early.quarantine_object))[0]["reasons"] == [
        "sku SHO-0001 is not in the product catalogue"
        " (the catalogue is empty: load the products feed, then this file again)"
    ]
    assert contents(warehouse, "orders") == []

    service.load_feed(drop(lake, "feeds/products/dt=2026-01-05/catalogue.csv", PRODUCTS_CSV))
    clock.sleep(60)
    again = service.load_feed(drop(lake, name, ORDERS_CSV))
    assert (again.rows_loaded, again.rows_quarantined, again.quarantine_object) == (2, 0, None)
    assert [r["order_id"] for r in contents(warehouse, "orders")] == ["O-1", "O-2"]
    assert lake.read(str(early.quarantine_object)) == b""  # rewritten: nothing is refused any more


def test_a_snapshot_resent_with_other_numbers_is_quarantined_and_the_first_kept(
    service: InventoryService,
    lake: LocalBlobStore,
    warehouse: DuckDBWarehouse,
    clock: ManualClock,
    catalogue: FeedLoadReport,
) -> None:
    first_name = "feeds/inventory/dt=2026-01-05/inventory_2026-01-05.csv"
    first = drop(lake, first_name, INVENTORY_CSV)
    service.load_feed(first)
    before = contents(warehouse, "inventory_daily")
    resent = INVENTORY_CSV.replace("SHO-0001,S01,12,0", "SHO-0001,S01,30,0")
    clock.sleep(86400)
    report = service.load_feed(
        drop(lake, "feeds/inventory/dt=2026-01-06/inventory_2026-01-05_resent.csv", resent)
    )
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)  # BAG-0002's row says the same
    assert quarantined(lake, str(report.quarantine_object)) == [
        {
            "line": 2,
            "row": {
                "snapshot_date": "2026-01-05",
                "sku": "SHO-0001",
                "location_id": "S01",
                "on_hand": "30",
                "on_order": "0",
            },
            "reasons": [
                f"snapshot 2026-01-05 SHO-0001@S01 already loaded from {first_name} with on_hand 12;"
                " this file says 30"
            ],
        }
    ]
    assert contents(warehouse, "inventory_daily") == before
    # the first file delivered again: nothing refused, nothing changed
    again = service.load_feed(first)
    assert (again.rows_loaded, again.rows_quarantined) == (2, 0)
    assert contents(warehouse, "inventory_daily") == before


def test_deliveries_take_the_latest_files_status(
    service: InventoryService, lake: LocalBlobStore, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    service.load_feed(drop(lake, "feeds/deliveries/dt=2026-01-05/inbound.csv", DELIVERIES_CSV))
    delayed = DELIVERIES_CSV.replace(
        "D-1,SHO-0001,S01,24,2026-01-07,,in_transit", "D-1,SHO-0001,S01,24,2026-01-09,,delayed"
    )
    report = service.load_feed(drop(lake, "feeds/deliveries/dt=2026-01-07/inbound.csv", delayed))
    assert report.rows_quarantined == 0
    rows = {r["delivery_id"]: (r["status"], r["source_object"]) for r in contents(warehouse, "deliveries")}
    assert rows == {
        "D-1": ("delayed", "feeds/deliveries/dt=2026-01-07/inbound.csv"),
        "D-0": ("delivered", "feeds/deliveries/dt=2026-01-05/inbound.csv"),
    }


STOCK_ROUTE = routes()["inventory-sync-stock-events"]


def stock_message(event: StockEvent | dict[str, object], message_id: str) -> CloudEvent:
    data = msgspec.json.encode(event)
    return pubsub_cloudevent(PubSubMessage(message_id, data, {}, publish_time=START), "trendwatch-test")


def event(
    event_id: str, minute: int, *, sku: str = "SHO-0001", location: str = "S01", delta: int | None = -1
) -> StockEvent:
    return StockEvent(
        event_id=event_id,
        sku=sku,
        location_id=location,
        event_time=datetime(2026, 1, 6, 9, minute, tzinfo=UTC),
        delta=delta,
    )


def test_stock_events_for_unknown_skus_or_locations_are_dead_lettered_one_by_one(
    service: InventoryService,
    lake: LocalBlobStore,
    warehouse: DuckDBWarehouse,
    publisher: RecordingPublisher,
    catalogue: FeedLoadReport,
) -> None:
    service.load_feed(drop(lake, "feeds/inventory/dt=2026-01-05/stock.csv", INVENTORY_CSV))
    handler = pubsub_batch_handler(
        STOCK_ROUTE, service.decode_stock_event, service.record_stock_events, DeadLetters(publisher)
    )
    batch: list[StockEvent | dict[str, object]] = [
        event("E-3", 30),
        event("E-1", 10),  # out of order: taken as it is
        event("E-9", 12, location="STORE-NCE-01"),
        event("E-8", 13, sku="XYZ-9999"),
        {"event_id": "E-7", "sku": "SHO-0001", "location_id": "S01", "event_time": "2026-01-06T09:14:00Z"},
        StockEvent(
            event_id="E-2",
            sku="BAG-0002",
            location_id="S01",
            event_time=datetime(2026, 1, 6, 9, 20, tzinfo=UTC),
            level=4,
        ),
    ]
    assert handler([stock_message(e, f"m{n}") for n, e in enumerate(batch)]) == [None] * 6
    assert [
        r["event_id"] for r in warehouse.query("SELECT event_id FROM stock_events ORDER BY event_time")
    ] == [
        "E-1",
        "E-2",
        "E-3",
    ]
    assert [m.attributes[REASON] for m in publisher.messages] == [
        "stock event E-9: location STORE-NCE-01 is unknown: no stock snapshot, order or delivery names it",
        "stock event E-8: sku XYZ-9999 is not in the product catalogue",
        "stock event E-7: neither delta nor level; an event moves stock (delta) or counts it (level)",
    ]
    assert {m.topic for m in publisher.messages} == {STOCK_ROUTE.dead_letter_topic}


def test_a_location_becomes_known_when_a_feed_names_it(
    service: InventoryService, lake: LocalBlobStore, catalogue: FeedLoadReport
) -> None:
    data = msgspec.json.encode(event("E-1", 0, location="S02"))
    message = PubSubMessage("m1", data, {})
    with pytest.raises(InvalidEvent, match="location S02 is unknown"):
        service.decode_stock_event(message)
    service.load_feed(
        drop(lake, "feeds/deliveries/dt=2026-01-05/s02.csv", DELIVERIES_CSV.replace(",S01,", ",S02,"))
    )
    assert service.decode_stock_event(message).location_id == "S02"


def test_stock_events_before_any_catalogue_say_so(service: InventoryService) -> None:
    message = PubSubMessage("m1", msgspec.json.encode(event("E-1", 0)), {})
    with pytest.raises(
        InvalidEvent, match=r"sku SHO-0001 is not in the product catalogue \(no products feed loaded yet\)"
    ):
        service.decode_stock_event(message)


def test_an_out_of_order_batch_is_stored_whole(
    service: InventoryService, warehouse: DuckDBWarehouse, catalogue: FeedLoadReport
) -> None:
    late_first = [event(f"E-{minute}", minute, delta=-minute) for minute in (50, 10, 40, 0, 30, 20)]
    service.record_stock_events([received(e, e.event_id) for e in late_first])
    stored = warehouse.query("SELECT event_id, delta FROM stock_events ORDER BY event_time")
    assert [(r["event_id"], r["delta"]) for r in stored] == [(f"E-{m}", -m) for m in (0, 10, 20, 30, 40, 50)]
