"""The local router: Pub/Sub push and Eventarc semantics over HTTP, against fake service endpoints."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from tests.fakes.push_endpoints import FakeServices
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.contracts.cloudevents import PubSubMessage, StorageObject
from trendwatch.runtime.delivery import Delivery, routes
from trendwatch.runtime.router import DeliveryStore, Router
from trendwatch.runtime.router_client import RouterClient, RouterError, RouterUnavailableError
from trendwatch.runtime.warehouse_http import WarehouseClient, WarehouseServiceError
from trendwatch.settings import Settings
from trendwatch.warehouse.schema import table

PROJECT = "test-project"
_EDGE = {
    "tweet_id": "1",
    "kind": "mention",
    "source_user_id": "7",
    "target_user_id": "9",
    "created_at": "2026-11-02T10:00:00+00:00",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, project=PROJECT)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    fake = FakeServices()
    yield fake
    fake.close()


def test_published_message_is_pushed_as_the_binary_cloudevent_eventarc_sends(
    settings: Settings, services: FakeServices
) -> None:
    with (
        Router(settings, services.endpoints) as router,
        RouterClient(router.url, token=router.token) as client,
    ):
        message_id = client.publish(
            "tweets-raw", b'{"data": {"id": "1"}}', {"tweet_id": "1", "has_media": "false"}
        )
        router.wait_until_idle(5)

    [push] = services.to("enrich-text-tweets-raw")
    assert push.headers["ce-type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert push.headers["ce-source"] == f"//pubsub.googleapis.com/projects/{PROJECT}/topics/tweets-raw"
    assert push.headers["ce-specversion"] == "1.0"
    assert push.headers["ce-id"] == message_id
    assert push.headers["content-type"] == "application/json"
    body = push.json
    assert body["subscription"] == f"projects/{PROJECT}/subscriptions/enrich-text-tweets-raw"
    message = body["message"]
    assert isinstance(message, dict)
    assert base64.b64decode(message["data"]) == b'{"data": {"id": "1"}}'
    assert message["attributes"] == {"tweet_id": "1", "has_media": "false"}
    assert message["messageId"] == message_id


def test_only_tweets_with_media_reach_the_has_media_subscription(
    settings: Settings, services: FakeServices
) -> None:
    with (
        Router(settings, services.endpoints) as router,
        RouterClient(router.url, token=router.token) as client,
    ):
        client.publish("tweets-raw", b"text only", {"has_media": "false"})
        client.publish("tweets-raw", b"with a photo", {"has_media": "true"})
        stats = router.wait_until_idle(5)

    def payloads(route: str) -> list[bytes]:
        return sorted(base64.b64decode(r.json["message"]["data"]) for r in services.to(route))  # type: ignore[index]

    assert payloads("enrich-text-tweets-raw") == [b"text only", b"with a photo"]
    assert payloads("enrich-image-tweets-raw") == [b"with a photo"]
    assert stats.published == {"tweets-raw": 2}
    assert stats.delivered == {"enrich-text-tweets-raw": 2, "enrich-image-tweets-raw": 1}


def test_finalized_object_triggers_only_the_trigger_of_its_prefix(
    settings: Settings, services: FakeServices
) -> None:
    feed = StorageObject(bucket="trendwatch-lake", name="feeds/inventory/dt=2026-01-01/a.csv", generation="7")
    with (
        Router(settings, services.endpoints) as router,
        RouterClient(router.url, token=router.token) as client,
    ):
        client.notify_finalized(feed)
        client.notify_finalized(
            StorageObject(bucket="trendwatch-lake", name="raw/media/x.png", generation="1")
        )
        router.wait_until_idle(5)

    assert [r.path for r in services.received] == ["/inventory-sync-feeds"]
    [push] = services.received
    assert push.headers["ce-type"] == "google.cloud.storage.object.v1.finalized"
    assert push.headers["ce-subject"] == "objects/feeds/inventory/dt=2026-01-01/a.csv"
    assert push.json["name"] == "feeds/inventory/dt=2026-01-01/a.csv"
    assert push.json["generation"] == "7"


def test_failing_delivery_is_retried_then_dead_lettered_with_its_reason(settings: Settings) -> None:
    services = FakeServices({"aggregate-tweets-enriched": 500})
    try:
        with (
            Router(settings, services.endpoints) as router,
            RouterClient(router.url, token=router.token) as client,
        ):
            client.publish("tweets-enriched", b'{"id": "42"}', {"tweet_id": "42"})
            stats = router.wait_until_idle(5)
    finally:
        services.close()

    attempts = [r.json.get("deliveryAttempt", 1) for r in services.to("aggregate-tweets-enriched")]
    assert attempts == [1, 2, 3, 4, 5]
    assert stats.retried == {"aggregate-tweets-enriched": 4}
    assert stats.dead_lettered == {"aggregate-tweets-enriched": 1}
    rows = DuckDBWarehouse(settings.warehouse_path).query(
        "SELECT subscription, topic, reason, delivery_attempts, payload, lake_object FROM dead_letters"
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["subscription"] == "aggregate-tweets-enriched"
    assert row["topic"] == "aggregate-tweets-enriched-dead-letter"
    assert row["reason"].startswith("HTTP 500 from aggregate.on_tweet_enriched")
    assert row["delivery_attempts"] == 5
    assert row["payload"] == '{"id": "42"}'
    document = json.loads((settings.lake_dir / row["lake_object"]).read_text())
    assert row["lake_object"].startswith("deadletter/aggregate-tweets-enriched/")
    assert document["reason"] == row["reason"]


def test_pending_delivery_survives_a_router_restart(settings: Settings, services: FakeServices) -> None:
    unreachable = dict.fromkeys(routes(), "http://127.0.0.1:9/down")  # discard port: refused
    # A 10 s minimum backoff scaled to 0.3 s: the retry is still pending when the router stops.
    with (
        Router(settings, unreachable, backoff_scale=0.03) as first,
        RouterClient(first.url, token=first.token) as client,
    ):
        client.publish("inventory-events", b'{"sku": "A1"}', {"schema_version": "1"})
        while first.stats().retried.get("inventory-sync-stock-events", 0) == 0:
            time.sleep(0.005)
    second = Router(settings, services.endpoints, backoff_scale=0.03)
    assert second.stats().pending == 1
    with second:
        second.wait_until_idle(5)

    [push] = services.to("inventory-sync-stock-events")
    assert base64.b64decode(push.json["message"]["data"]) == b'{"sku": "A1"}'  # type: ignore[index]
    assert push.json["deliveryAttempt"] == 2


def test_delivery_in_flight_when_the_router_died_is_redelivered(
    settings: Settings, services: FakeServices
) -> None:
    crashed = DeliveryStore(settings.state_dir / "router.sqlite")
    route = "inventory-sync-stock-events"
    message = PubSubMessage("7", b"stock", topic="inventory-events", subscription=route)
    crashed.add([Delivery(route, message=message)], ready_at=0.0)
    assert crashed.lease(route, now=1.0) is not None
    crashed.close()  # never acknowledged

    with Router(settings, services.endpoints) as router:
        router.wait_until_idle(5)

    [push] = services.to(route)
    assert push.headers["ce-id"] == "7"
    assert base64.b64decode(push.json["message"]["data"]) == b"stock"  # type: ignore[index]


def test_publishing_to_an_unknown_topic_is_refused(settings: Settings, services: FakeServices) -> None:
    with (
        Router(settings, services.endpoints) as router,
        RouterClient(router.url, token=router.token) as client,
    ):
        with pytest.raises(RouterError, match=r"404.*unknown topic 'no-such-topic'"):
            client.publish("no-such-topic", b"x")
        assert router.stats().published == {}


def test_client_says_clearly_when_the_router_is_unreachable() -> None:
    with (
        RouterClient("http://127.0.0.1:9", token="unused") as client,
        pytest.raises(RouterUnavailableError, match=r"router at http://127\.0\.0\.1:9 is unreachable"),
    ):
        client.publish("tweets-raw", b"x")


def test_service_processes_reach_the_one_warehouse_through_the_router(
    settings: Settings, services: FakeServices
) -> None:
    with Router(settings, services.endpoints) as router:
        client = WarehouseClient(router.url, token=router.token)
        try:
            client.append_rows("interactions", [_EDGE])
            client.append_rows("interactions", [_EDGE])  # a retry
            rows = client.query("SELECT tweet_id, target_user_id FROM interactions")
            pending = client.ensure_indexes()
            with pytest.raises(WarehouseServiceError, match="not an append-only table"):
                client.append_rows("users", [{"user_id": "7"}])
        finally:
            client.close()

    assert rows == [{"tweet_id": "1", "target_user_id": "9"}]
    assert pending == []


def test_service_processes_read_columns_and_replace_a_day_through_the_router(
    settings: Settings, services: FakeServices
) -> None:
    day = date(2026, 11, 3)
    names = table("restock_recommendations").column_names
    rows = pa.Table.from_pylist(
        [{n: {"as_of": day, "sku": sku, "location_id": "WH-EU-01"}.get(n) for n in names} for sku in "AB"]
    )
    with Router(settings, services.endpoints) as router:
        client = WarehouseClient(router.url, token=router.token)
        try:
            client.replace_partition("restock_recommendations", day, rows)
            result = client.query_arrow("SELECT sku, as_of FROM restock_recommendations ORDER BY sku")
            # Date parameters stay dates on the way (MessagePack alone would make them strings).
            on_the_day = client.query(
                "SELECT COUNT(*) AS n FROM restock_recommendations WHERE as_of IN UNNEST(@days) AND as_of = @day",
                {"days": [day], "day": day},
            )
        finally:
            client.close()

    assert result.column("sku").to_pylist() == ["A", "B"]
    assert result.column("as_of").to_pylist() == [day, day]
    assert on_the_day == [{"n": 2}]


def test_a_request_without_the_runs_token_is_refused(settings: Settings, services: FakeServices) -> None:
    with Router(settings, services.endpoints) as router:
        for token in (None, "not-the-token", router.token[:-1]):
            headers = {} if token is None else {"authorization": f"Bearer {token}"}
            publish = httpx.post(
                f"{router.url}/v1/topics/tweets-raw:publish",
                json={"messages": [{"data": "eA==", "attributes": {}}]},
                headers=headers,
            )
            sql = httpx.post(f"{router.url}/v1/warehouse:query", content=b"", headers=headers)
            stats = httpx.get(f"{router.url}/v1/stats", headers=headers)
            assert (publish.status_code, sql.status_code, stats.status_code) == (401, 401, 401)
        with (
            RouterClient(router.url, token="not-the-token") as stranger,
            pytest.raises(RouterError, match="401"),
        ):
            stranger.publish("tweets-raw", b"x")
        assert router.stats().published == {}


def test_a_request_from_a_web_page_is_refused_even_with_the_token(
    settings: Settings, services: FakeServices
) -> None:
    with Router(settings, services.endpoints) as router:
        response = httpx.post(
            f"{router.url}/v1/topics/tweets-raw:publish",
            json={"messages": [{"data": "eA==", "attributes": {}}]},
            headers={"authorization": f"Bearer {router.token}", "origin": "http://evil.example"},
        )
        assert response.status_code == 403
        assert router.stats().published == {}


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("SELECT * FROM read_text('/etc/passwd')", r"\(403\).*file system operations are disabled"),
        ("SELECT * FROM read_csv('/etc/passwd')", r"\(403\).*file system operations are disabled"),
        ("COPY (SELECT 1) TO 'exfiltrated.csv'", r"\(403\).*file system operations are disabled"),
        ("SELECT content FROM read_blob('/etc/hostname')", r"\(403\).*file system operations are disabled"),
        ("SET enable_external_access = true", r"\(500\).*the configuration has been locked"),
    ],
)
def test_sql_through_the_router_reaches_no_file_beyond_the_warehouse(
    settings: Settings, services: FakeServices, sql: str, refusal: str
) -> None:
    with Router(settings, services.endpoints) as router:
        client = WarehouseClient(router.url, token=router.token)
        try:
            with pytest.raises(WarehouseServiceError, match=refusal):
                client.execute(sql)
            client.append_rows("interactions", [_EDGE])  # its own writes still work
            assert client.query("SELECT tweet_id FROM interactions") == [{"tweet_id": "1"}]
        finally:
            client.close()
    assert not (Path.cwd() / "exfiltrated.csv").exists()
