"""One contract for every :class:`~trendwatch.ports.Publisher`: the in-process bus of the local
runtime, the router of ``--processes`` mode (over HTTP, as the service processes reach it) and
Pub/Sub (the real client library over gRPC to a local fake Publisher service).

Each implementation comes with a way to read what reached a topic: a subscription's handler
for the bus and the router, the fake service's requests for Pub/Sub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cloudevents.http import CloudEvent

from tests.fakes.pubsub_server import FakePublisherService
from tests.fakes.push_endpoints import FakeServices
from trendwatch.adapters.gcp.pubsub import PubSubPublisher
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.contracts.cloudevents import parse_pubsub_cloudevent
from trendwatch.contracts.topology import TREND_ALERTS, TWEETS_RAW
from trendwatch.ports import Publisher
from trendwatch.runtime.delivery import routes
from trendwatch.runtime.inprocess import InProcessBus
from trendwatch.runtime.router import Router
from trendwatch.runtime.router_client import RouterClient
from trendwatch.settings import Settings

Received = list[tuple[bytes, dict[str, str]]]
#: A subscription of ``tweets-raw`` without a filter: it receives every message of the topic.
ROUTE = "enrich-text-tweets-raw"


@dataclass
class Subject:
    publisher: Publisher
    #: What reached ``tweets-raw`` so far.
    received: Callable[[], Received]


def _bus() -> Subject:
    bus = InProcessBus(ManualClock(datetime(2026, 11, 2, tzinfo=UTC)))
    received: Received = []

    def handler(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        for event in events:
            message = parse_pubsub_cloudevent(event)
            received.append((message.data, dict(message.attributes)))
        return [None] * len(events)

    for route in routes():  # every route must have a handler; only ROUTE records
        bus.subscribe(route, handler if route == ROUTE else lambda events: [None] * len(events))

    def delivered() -> Received:
        bus.run_until_idle()
        return received

    return Subject(bus, delivered)


@pytest.fixture(params=["in-process", "router", "pubsub"])
def subject(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Subject]:
    if request.param == "in-process":
        yield _bus()
        return
    if request.param == "router":
        services = FakeServices()
        settings = Settings(state_dir=tmp_path, project="trendwatch-test")
        with (
            Router(settings, services.endpoints) as router,
            RouterClient(router.url, token=router.token) as client,
        ):

            def pushed() -> Received:
                router.wait_until_idle(5)
                return services.messages(ROUTE)

            yield Subject(client, pushed)
        services.close()
        return
    with FakePublisherService() as service:
        monkeypatch.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{service.port}")
        yield Subject(
            PubSubPublisher("trendwatch-test", max_latency=0.01, timeout=5.0),
            lambda: service.received(TWEETS_RAW),
        )


def test_a_message_reaches_its_topic_with_its_bytes_and_attributes_unchanged(subject: Subject) -> None:
    data = bytes(range(256))  # not UTF-8: payloads are bytes
    attributes = {
        "tweet_id": "1",
        "has_media": "true",
        "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    }

    message_id = subject.publisher.publish(TWEETS_RAW, data, attributes)

    assert message_id
    assert subject.received() == [(data, attributes)]


def test_a_batch_gets_one_distinct_id_per_message_and_every_message_arrives(subject: Subject) -> None:
    batch = [(f"tweet-{n:02}".encode(), {"n": str(n)}) for n in range(25)]

    ids = subject.publisher.publish_many(TWEETS_RAW, batch)

    assert len(ids) == len(set(ids)) == 25
    # Delivery order is not part of the contract: Pub/Sub keeps it only with ordering keys,
    # and the router pushes a route's messages several at a time.
    assert sorted(subject.received()) == batch


def test_ids_are_not_reused_across_calls(subject: Subject) -> None:
    first = subject.publisher.publish(TWEETS_RAW, b"a")
    rest = subject.publisher.publish_many(TWEETS_RAW, [(b"b", {}), (b"c", {})])

    assert len({first, *rest}) == 3


def test_an_empty_batch_sends_nothing(subject: Subject) -> None:
    assert subject.publisher.publish_many(TWEETS_RAW, []) == []
    assert subject.received() == []


def test_a_topic_the_topology_does_not_define_is_refused_and_nothing_is_sent(subject: Subject) -> None:
    with pytest.raises(Exception, match="tweets-typo"):
        subject.publisher.publish("tweets-typo", b"{}")

    assert subject.received() == []


def test_other_topics_messages_do_not_reach_this_one(subject: Subject) -> None:
    subject.publisher.publish(TREND_ALERTS, b'{"topic_id": "t1"}')

    assert subject.received() == []
