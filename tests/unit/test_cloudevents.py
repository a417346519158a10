from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cloudevents.http import CloudEvent

from trendwatch.contracts.cloudevents import (
    InvalidEvent,
    PubSubMessage,
    StorageObject,
    parse_pubsub_cloudevent,
    parse_storage_cloudevent,
    pubsub_cloudevent,
    storage_cloudevent,
)

PUBLISHED = datetime(2026, 11, 2, 10, 0, 1, 250000, tzinfo=UTC)


def test_pubsub_cloudevent_has_the_shape_eventarc_pushes() -> None:
    message = PubSubMessage("42", b'{"a": 1}', {"has_media": "true"}, PUBLISHED, "tweets-raw", "sub-a")
    event = pubsub_cloudevent(message, "proj")
    assert event["type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert event["source"] == "//pubsub.googleapis.com/projects/proj/topics/tweets-raw"
    assert event["id"] == "42"
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["subscription"] == "projects/proj/subscriptions/sub-a"
    assert data["message"]["messageId"] == data["message"]["message_id"] == "42"
    assert data["message"]["publishTime"] == "2026-11-02T10:00:01.250000Z"
    assert base64.b64decode(data["message"]["data"]) == b'{"a": 1}'
    assert data["message"]["attributes"] == {"has_media": "true"}


def test_pubsub_cloudevent_round_trips_through_the_parser() -> None:
    message = PubSubMessage("7", b"payload", {"k": "v"}, PUBLISHED, "tweets-raw", "sub-a", delivery_attempt=3)
    parsed = parse_pubsub_cloudevent(pubsub_cloudevent(message, "proj"))
    assert parsed == message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"message": {"attributes": {}}}, "no 'data'"),
        ({"message": {"data": "***not base64***"}}, "not base64"),
        ({"subscription": "x"}, "no Pub/Sub 'message'"),
    ],
)
def test_malformed_pubsub_envelopes_are_invalid_events(data: dict[str, object], reason: str) -> None:
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//x"}, data)
    with pytest.raises(InvalidEvent, match=reason):
        parse_pubsub_cloudevent(event)


def test_storage_cloudevent_names_the_object_like_a_gcs_trigger() -> None:
    obj = StorageObject("lake", "feeds/inventory/a.csv", "1700", 12, "text/csv", PUBLISHED)
    event = storage_cloudevent(obj, "ev-1")
    assert event["type"] == "google.cloud.storage.object.v1.finalized"
    assert event["source"] == "//storage.googleapis.com/projects/_/buckets/lake"
    assert event["subject"] == "objects/feeds/inventory/a.csv"
    data = event.get_data()
    assert isinstance(data, dict) and data["size"] == "12"
    assert parse_storage_cloudevent(event) == obj
