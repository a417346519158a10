"""The batch handlers' rule: whatever one member holds, it never fails its neighbours."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pytest
from cloudevents.http import CloudEvent

from tests.fakes.publisher import RecordingPublisher
from trendwatch.app.failures import is_transient
from trendwatch.app.handling import DeadLetters, Received, pubsub_batch_handler, storage_handler
from trendwatch.contracts.cloudevents import (
    PubSubMessage,
    StorageObject,
    pubsub_cloudevent,
    storage_cloudevent,
)
from trendwatch.runtime.delivery import Route, routes

ROUTE: Route = routes()["aggregate-tweets-enriched"]


def _event(data: bytes) -> CloudEvent:
    message = PubSubMessage(data.decode(errors="replace"), data, {"k": "v"}, topic="tweets-enriched")
    return pubsub_cloudevent(message, "proj")


class FailingPublisher(RecordingPublisher):
    """A publisher whose dead-letter topic is unreachable."""

    def publish(self, topic: str, data: bytes, attributes: object = None) -> str:
        raise ConnectionError("pubsub unreachable")


def _decode(message: PubSubMessage) -> str:
    if message.data == b"deep":
        raise RecursionError("maximum recursion depth exceeded while deserializing an object")
    if message.data == b"slow":
        raise TimeoutError("warehouse slow")
    return message.data.decode()


class Store:
    """Stores a batch in one statement, which fails for the whole batch when one member is poison."""

    def __init__(self, error: Exception | None = None) -> None:
        self.stored: list[str] = []
        self.calls = 0
        self._error = error or ValueError("value out of range for INT64")

    def __call__(self, batch: Sequence[Received[str]]) -> None:
        self.calls += 1
        values = [r.value for r in batch]
        if "poison" in values:
            raise self._error
        self.stored += values


def test_a_decoding_failure_of_any_kind_dead_letters_that_member_alone_with_its_type() -> None:
    publisher, store = RecordingPublisher(), Store()
    handler = pubsub_batch_handler(ROUTE, _decode, store, DeadLetters(publisher))
    outcomes = handler([_event(b"a"), _event(b"deep"), _event(b"b")])
    assert outcomes == [None, None, None]
    assert store.stored == ["a", "b"]
    [dead] = publisher.on(ROUTE.dead_letter_topic)
    assert dead.data == b"deep"
    assert dead.attributes["dead_letter_reason"].startswith("RecursionError: maximum recursion depth")
    assert dead.attributes["k"] == "v"


def test_a_transient_decoding_failure_retries_that_member_alone() -> None:
    publisher, store = RecordingPublisher(), Store()
    handler = pubsub_batch_handler(ROUTE, _decode, store, DeadLetters(publisher))
    outcomes = handler([_event(b"a"), _event(b"slow")])
    assert outcomes[0] is None and isinstance(outcomes[1], TimeoutError)
    assert store.stored == ["a"] and publisher.messages == []


@pytest.mark.parametrize("size", [2, 7, 64])
def test_a_member_that_fails_processing_is_isolated_and_its_neighbours_are_stored(size: int) -> None:
    publisher, store = RecordingPublisher(), Store()
    values = [f"t{i}" for i in range(size)]
    values[size // 3] = "poison"
    handler = pubsub_batch_handler(ROUTE, _decode, store, DeadLetters(publisher))
    outcomes = handler([_event(v.encode()) for v in values])
    assert outcomes == [None] * size
    assert sorted(store.stored) == sorted(v for v in values if v != "poison")
    [dead] = publisher.on(ROUTE.dead_letter_topic)
    assert dead.data == b"poison"
    assert dead.attributes["dead_letter_reason"] == "ValueError: value out of range for INT64"
    # Halving finds the member in a number of calls that grows with the log of the batch size.
    assert store.calls <= 1 + 2 * size.bit_length()


def test_a_transient_processing_failure_retries_the_batch_and_dead_letters_nothing() -> None:
    publisher, store = RecordingPublisher(), Store(ConnectionResetError("warehouse restarting"))
    handler = pubsub_batch_handler(ROUTE, _decode, store, DeadLetters(publisher))
    outcomes = handler([_event(b"a"), _event(b"poison")])
    assert [type(o) for o in outcomes] == [ConnectionResetError, ConnectionResetError]
    assert store.calls == 1 and publisher.messages == []


def test_a_member_that_cannot_be_dead_lettered_is_retried_not_lost() -> None:
    store = Store()
    handler = pubsub_batch_handler(ROUTE, _decode, store, DeadLetters(FailingPublisher()))
    outcomes = handler([_event(b"a"), _event(b"poison")])
    assert outcomes[0] is None and isinstance(outcomes[1], ConnectionError)
    assert store.stored == ["a"]


def test_an_envelope_that_cannot_be_parsed_is_dead_lettered_with_its_reason() -> None:
    publisher = RecordingPublisher()
    handler = pubsub_batch_handler(ROUTE, _decode, Store(), DeadLetters(publisher))
    event = _event(b"a")
    data = event.get_data()
    assert isinstance(data, dict)
    data["deliveryAttempt"] = "often"
    assert handler([event]) == [None]
    [dead] = publisher.on(ROUTE.dead_letter_topic)
    assert (
        dead.attributes["dead_letter_reason"]
        == "invalid envelope: deliveryAttempt is not a whole number: 'often'"
    )


def _object_event(name: str) -> CloudEvent:
    return storage_cloudevent(StorageObject("landing", name, "1"), f"ev-{name}")


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (RecursionError("too deep"), False),
        (OverflowError("int too large"), False),
        (TimeoutError("slow"), True),
    ],
)
def test_a_storage_object_is_dead_lettered_at_once_unless_the_failure_is_transient(
    error: Exception, retried: bool
) -> None:
    publisher = RecordingPublisher()

    def process(obj: StorageObject) -> None:
        raise error

    [outcome] = storage_handler(routes()["inventory-sync-feeds"], process, DeadLetters(publisher))(
        [_object_event("feeds/orders/a.csv")]
    )
    assert (outcome is error) == retried
    dead = publisher.on(routes()["inventory-sync-feeds"].dead_letter_topic)
    assert [d.attributes["dead_letter_reason"] for d in dead] == (
        [] if retried else [f"{type(error).__name__}: {error}"]
    )


def test_errors_raised_from_infrastructure_errors_are_transient() -> None:
    class RouterUnavailable(RuntimeError):
        pass

    try:
        try:
            raise ConnectionRefusedError("connection refused")
        except ConnectionRefusedError as cause:
            raise RouterUnavailable("router down") from cause
    except RouterUnavailable as wrapped:
        assert is_transient(wrapped)
    assert is_transient(duckdb.TransactionException("write-write conflict"))
    assert not is_transient(duckdb.ConversionException("out of range for INT64"))
    assert not is_transient(RuntimeError("a bug"))
    assert not is_transient(RecursionError())
