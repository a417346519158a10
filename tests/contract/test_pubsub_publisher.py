"""What only the Pub/Sub publisher does (batching across threads, one client, errors), through
the real client library over gRPC to a local fake Publisher service; what every publisher does
is in ``test_publisher_contract.py``."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc  # type: ignore[import-untyped]
import pytest
from google.api_core import exceptions

from tests.fakes.pubsub_server import FakePublisherService
from trendwatch.adapters.gcp.pubsub import PubSubPublisher
from trendwatch.ports import Publisher


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePublisherService]:
    with FakePublisherService() as fake:
        monkeypatch.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{fake.port}")
        yield fake


def test_publish_sends_data_and_string_attributes_to_the_project_topic(service: FakePublisherService) -> None:
    publisher: Publisher = PubSubPublisher("trendwatch-prod", max_latency=0.01)

    message_id = publisher.publish(
        "tweets-raw", b'{"data":{"id":"1"}}', {"tweet_id": "1", "has_media": "false"}
    )

    assert message_id == "m0"
    [request] = service.requests
    assert request.topic == "projects/trendwatch-prod/topics/tweets-raw"
    [message] = request.messages
    assert message.data == b'{"data":{"id":"1"}}'
    assert dict(message.attributes) == {"tweet_id": "1", "has_media": "false"}


def test_concurrent_publishes_share_one_batch_and_each_gets_the_id_of_its_own_message(
    service: FakePublisherService,
) -> None:
    # Messages published within max_latency of the first one travel in one request.
    publisher = PubSubPublisher("trendwatch-prod", max_latency=0.3)
    returned: dict[bytes, str] = {}
    start = threading.Barrier(5)

    def publish(n: int) -> None:
        start.wait()
        returned[f"tweet-{n}".encode()] = publisher.publish(
            "tweets-raw", f"tweet-{n}".encode(), {"n": str(n)}
        )

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    [request] = service.requests
    sent = [(m.data, dict(m.attributes)) for m in request.messages]
    assert sorted(sent) == [(f"tweet-{n}".encode(), {"n": str(n)}) for n in range(5)]
    assert returned == {data: f"m{position}" for position, (data, _) in enumerate(sent)}


def test_publish_to_a_missing_topic_raises_not_found(service: FakePublisherService) -> None:
    service.fail_with = grpc.StatusCode.NOT_FOUND
    publisher = PubSubPublisher("trendwatch-prod", max_latency=0.01, timeout=5.0)

    with pytest.raises(exceptions.NotFound, match="tweets-raw"):
        publisher.publish("tweets-raw", b"{}")


def test_the_client_is_created_once_and_reused_for_every_message(service: FakePublisherService) -> None:
    publisher = PubSubPublisher("trendwatch-prod", max_latency=0.01)

    ids = [publisher.publish("tweets-raw", b"a"), publisher.publish("trend-alerts", b"b")]
    client = publisher.client

    assert ids == ["m0", "m1"]
    assert publisher.client is client
    assert [r.topic for r in service.requests] == [
        "projects/trendwatch-prod/topics/tweets-raw",
        "projects/trendwatch-prod/topics/trend-alerts",
    ]


def test_a_published_batch_travels_in_one_request_and_keeps_its_order(service: FakePublisherService) -> None:
    publisher = PubSubPublisher("trendwatch-prod", max_latency=0.3)
    batch = [(f"tweet-{n}".encode(), {"n": str(n)}) for n in range(20)]

    ids = publisher.publish_many("tweets-raw", batch)

    [request] = service.requests
    assert [(m.data, dict(m.attributes)) for m in request.messages] == batch
    assert ids == [f"m{n}" for n in range(20)]
