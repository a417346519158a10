from __future__ import annotations

from collections.abc import Sequence

from cloudevents.http import CloudEvent

from trendwatch.adapters.local.clock import ManualClock
from trendwatch.contracts.cloudevents import PubSubMessage, StorageObject, parse_pubsub_cloudevent
from trendwatch.runtime.inprocess import FaultInjection, InProcessBus


class Recorder:
    """A batch handler that records what it got and fails the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[CloudEvent]] = []
        self.failures = failures

    def __call__(self, events: Sequence[CloudEvent]) -> list[BaseException | None]:
        self.batches.append(list(events))
        if self.failures:
            self.failures -= 1
            return [RuntimeError("backend unavailable")] * len(events)
        return [None] * len(events)

    @property
    def payloads(self) -> list[bytes]:
        return [parse_pubsub_cloudevent(e).data for batch in self.batches for e in batch]


def _bus(**kwargs: object) -> tuple[InProcessBus, ManualClock, dict[str, Recorder], list[PubSubMessage]]:
    clock = ManualClock()
    bus = InProcessBus(clock, **kwargs)  # type: ignore[arg-type]
    recorders = {name: Recorder() for name in ("enrich-text-tweets-raw", "enrich-image-tweets-raw")}
    for name, recorder in recorders.items():
        bus.subscribe(name, recorder)
    dead: list[PubSubMessage] = []
    bus.on_dead_letter(lambda topic, message: dead.append(message))
    return bus, clock, recorders, dead


def test_has_media_filter_routes_only_media_tweets_to_enrich_image() -> None:
    bus, _, recorders, _ = _bus()
    bus.publish("tweets-raw", b"plain", {"has_media": "false"})
    bus.publish("tweets-raw", b"photo", {"has_media": "true"})
    bus.run_until_idle()
    assert recorders["enrich-text-tweets-raw"].payloads == [b"plain", b"photo"]
    assert recorders["enrich-image-tweets-raw"].payloads == [b"photo"]


def test_failed_delivery_is_retried_with_exponential_backoff_then_succeeds() -> None:
    bus, clock, recorders, dead = _bus(backoff_scale=1.0)
    recorders["enrich-text-tweets-raw"].failures = 2
    bus.publish("tweets-raw", b"t", {"has_media": "false"})
    bus.run_until_idle()
    assert clock.slept == [10.0, 20.0]  # the topology's policy: 10 s, doubling
    assert len(recorders["enrich-text-tweets-raw"].batches) == 3
    attempts = [
        parse_pubsub_cloudevent(b[0]).delivery_attempt for b in recorders["enrich-text-tweets-raw"].batches
    ]
    assert attempts == [1, 2, 3]
    assert dead == []


def test_delivery_that_keeps_failing_is_dead_lettered_with_reason() -> None:
    bus, _, recorders, dead = _bus()
    recorders["enrich-text-tweets-raw"].failures = 99
    bus.publish("tweets-raw", b"doomed", {"has_media": "false", "tweet_id": "9"})
    bus.run_until_idle()
    assert len(recorders["enrich-text-tweets-raw"].batches) == 5
    [message] = dead
    assert message.topic == "enrich-text-tweets-raw-dead-letter"
    assert message.data == b"doomed"
    assert message.attributes["tweet_id"] == "9"
    assert message.attributes["dead_letter_reason"] == "RuntimeError: backend unavailable"
    assert message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"
    assert bus.stats.dead_lettered["enrich-text-tweets-raw"] == 1


def test_batches_are_capped_and_keep_publish_order() -> None:
    bus, _, recorders, _ = _bus(max_batch=3)
    for n in range(7):
        bus.publish("tweets-raw", str(n).encode(), {"has_media": "false"})
    bus.run_until_idle()
    assert [len(b) for b in recorders["enrich-text-tweets-raw"].batches] == [3, 3, 1]
    assert recorders["enrich-text-tweets-raw"].payloads == [str(n).encode() for n in range(7)]


def test_injected_duplicates_redeliver_the_same_message_id() -> None:
    bus, _, recorders, _ = _bus(faults=FaultInjection(duplicate_rate=1.0))
    bus.publish("tweets-raw", b"x", {"has_media": "false"})
    bus.run_until_idle()
    ids = [
        parse_pubsub_cloudevent(e).message_id for b in recorders["enrich-text-tweets-raw"].batches for e in b
    ]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_storage_notification_reaches_only_the_trigger_of_its_prefix() -> None:
    clock = ManualClock()
    bus = InProcessBus(clock)
    feeds, replays = Recorder(), Recorder()
    bus.subscribe("inventory-sync-feeds", feeds)
    bus.subscribe("ingest-replay-files", replays)
    bus.notify_finalized(StorageObject("lake", "feeds/orders/o.jsonl", "1"))
    bus.notify_finalized(StorageObject("lake", "raw/tweets/dt=2026-11-02/hour=10/x.jsonl.gz", "1"))
    bus.run_until_idle()
    assert [e["subject"] for b in feeds.batches for e in b] == ["objects/feeds/orders/o.jsonl"]
    assert replays.batches == []
