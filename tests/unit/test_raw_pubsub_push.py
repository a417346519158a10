"""Terraform's push subscriptions send raw Pub/Sub push bodies, not Eventarc CloudEvents: the
deployed target (a service's ``main.py`` under the functions framework) must process them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from flask.testing import FlaskClient
from functions_framework import create_app

from tests.fakes.publisher import RecordingPublisher
from trendwatch import bootstrap
from trendwatch.contracts.events import StockEvent
from trendwatch.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SUBSCRIPTION = "projects/trendwatch-prod/subscriptions/inventory-sync-stock-events"


def _push_body(data: bytes, message_id: str) -> dict[str, Any]:
    """What a push subscription without payload unwrapping POSTs (with a dead-letter policy,
    Pub/Sub adds ``deliveryAttempt``)."""
    return {
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "attributes": {"source": "pos"},
            "messageId": message_id,
            "publishTime": "2026-01-05T09:00:01Z",
        },
        "subscription": SUBSCRIPTION,
        "deliveryAttempt": 3,
    }


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> bootstrap.Container:
    built = bootstrap.local_container(Settings(state_dir=tmp_path), publisher=RecordingPublisher())
    monkeypatch.setattr(bootstrap, "container_from_env", lambda: built)
    return built


@pytest.fixture
def stock_target(container: bootstrap.Container) -> FlaskClient:
    main = REPO / "services" / "inventory-sync" / "main.py"
    app = create_app("on_stock_event", str(main), "cloudevent")  # type: ignore[no-untyped-call]  # unannotated
    client: FlaskClient = app.test_client()
    return client


def test_a_raw_push_of_a_stock_event_is_stored(
    container: bootstrap.Container, stock_target: FlaskClient
) -> None:
    # inventory-sync takes events for a SKU of the catalogue at a location the feeds named
    loaded_at = datetime(2026, 1, 5, 2, tzinfo=UTC)
    product = {"sku": "SKU-1", "name": "a", "category": "c", "brand": "b", "price": 1.0, "keywords": []}
    container.warehouse.merge_rows("products", [{**product, "loaded_at": loaded_at}])
    snapshot = {"snapshot_date": datetime(2026, 1, 4).date(), "sku": "SKU-1", "location_id": "STORE-PAR-01"}
    container.warehouse.merge_rows("inventory_daily", [{**snapshot, "on_hand": 5, "on_order": 0}])
    moved = StockEvent(
        event_id="E1",
        sku="SKU-1",
        location_id="STORE-PAR-01",
        event_time=datetime(2026, 1, 5, 9, tzinfo=UTC),
        delta=-2,
    )

    response = stock_target.post("/", json=_push_body(msgspec.json.encode(moved), "m-1"))

    assert response.status_code == 200
    assert container.warehouse.query("SELECT event_id, sku, location_id, delta FROM stock_events") == [
        {"event_id": "E1", "sku": "SKU-1", "location_id": "STORE-PAR-01", "delta": -2}
    ]


def test_a_raw_push_that_cannot_be_decoded_is_dead_lettered_not_retried(
    container: bootstrap.Container, stock_target: FlaskClient
) -> None:
    response = stock_target.post("/", json=_push_body(b"not json", "m-2"))

    assert response.status_code == 200  # acknowledged: redelivering it cannot help
    publisher = container.publisher
    assert isinstance(publisher, RecordingPublisher)
    [dead] = publisher.on("inventory-sync-stock-events-dead-letter")
    assert (dead.data, dead.attributes["source"]) == (b"not json", "pos")
