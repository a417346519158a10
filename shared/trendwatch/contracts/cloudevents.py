"""CloudEvents exactly as Eventarc delivers them, and their parsing back into messages.

A Pub/Sub push through Eventarc is a ``google.cloud.pubsub.topic.v1.messagePublished``
CloudEvent whose data is ``{"message": {...}, "subscription": ...}`` with the payload
base64-encoded; a GCS trigger is a ``google.cloud.storage.object.v1.finalized`` CloudEvent
whose data is the object resource.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.http import CloudEvent

from trendwatch.contracts.topology import PUBSUB_MESSAGE_PUBLISHED, STORAGE_OBJECT_FINALIZED


class InvalidEvent(ValueError):
    """The event can never be processed (bad envelope or payload): dead-letter it, don't retry."""


@dataclass(frozen=True)
class PubSubMessage:
    message_id: str
    data: bytes
    attributes: Mapping[str, str] = field(default_factory=dict)
    publish_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    topic: str = ""
    subscription: str = ""
    delivery_attempt: int = 1


@dataclass(frozen=True)
class StorageObject:
    bucket: str
    name: str
    generation: str
    size: int = 0
    content_type: str = "application/octet-stream"
    time_created: datetime = field(default_factory=lambda: datetime.now(UTC))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def pubsub_cloudevent(message: PubSubMessage, project: str) -> CloudEvent:
    """Wrap a Pub/Sub message in the CloudEvent Eventarc pushes to a Cloud Run function."""
    published = _rfc3339(message.publish_time)
    payload: dict[str, Any] = {
        "attributes": dict(message.attributes),
        "data": base64.b64encode(message.data).decode("ascii"),
        "messageId": message.message_id,
        "message_id": message.message_id,
        "publishTime": published,
        "publish_time": published,
    }
    data: dict[str, Any] = {
        "message": payload,
        "subscription": f"projects/{project}/subscriptions/{message.subscription}",
    }
    if message.delivery_attempt > 1:
        data["deliveryAttempt"] = message.delivery_attempt
    attributes = {
        "id": message.message_id,
        "source": f"//pubsub.googleapis.com/projects/{project}/topics/{message.topic}",
        "type": PUBSUB_MESSAGE_PUBLISHED,
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": published,
    }
    return CloudEvent(attributes, data)


def storage_cloudevent(obj: StorageObject, event_id: str) -> CloudEvent:
    """Wrap a finalized object in the CloudEvent Eventarc sends for a GCS trigger."""
    created = _rfc3339(obj.time_created)
    data = {
        "kind": "storage#object",
        "id": f"{obj.bucket}/{obj.name}/{obj.generation}",
        "name": obj.name,
        "bucket": obj.bucket,
        "generation": obj.generation,
        "metageneration": "1",
        "contentType": obj.content_type,
        "size": str(obj.size),
        "timeCreated": created,
        "updated": created,
        "storageClass": "STANDARD",
    }
    attributes = {
        "id": event_id,
        "source": f"//storage.googleapis.com/projects/_/buckets/{obj.bucket}",
        "type": STORAGE_OBJECT_FINALIZED,
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "subject": f"objects/{obj.name}",
        "time": created,
    }
    return CloudEvent(attributes, data)


def _parse_time(value: Any) -> datetime:
    """An RFC 3339 time (one without an offset read as UTC); now when absent or unreadable."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _count(value: Any, name: str, default: int) -> int:
    """A non-negative whole number given as a JSON number or decimal text (GCS sends ``size`` as
    text); :class:`InvalidEvent` otherwise."""
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 20:
        number = int(value)
    else:
        raise InvalidEvent(f"{name} is not a whole number: {str(value)[:40]!r}")
    if number < 0:
        raise InvalidEvent(f"{name} is negative: {number}")
    return number


def parse_pubsub_cloudevent(event: CloudEvent) -> PubSubMessage:
    """Extract the Pub/Sub message from an Eventarc CloudEvent; :class:`InvalidEvent` if malformed."""
    if event["type"] != PUBSUB_MESSAGE_PUBLISHED:
        raise InvalidEvent(f"expected {PUBSUB_MESSAGE_PUBLISHED}, got {event['type']}")
    data = event.get_data()
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        raise InvalidEvent("CloudEvent data has no Pub/Sub 'message' object")
    message = data["message"]
    encoded = message.get("data")
    if not isinstance(encoded, str) or not encoded:
        raise InvalidEvent("Pub/Sub message has no 'data'")
    try:
        payload = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidEvent(f"Pub/Sub message data is not base64: {exc}") from exc
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise InvalidEvent("Pub/Sub message attributes are not an object")
    source = str(event["source"])
    subscription = str(data.get("subscription", ""))
    return PubSubMessage(
        message_id=str(message.get("messageId") or message.get("message_id") or event["id"]),
        data=payload,
        attributes={str(k): str(v) for k, v in attributes.items()},
        publish_time=_parse_time(message.get("publishTime") or message.get("publish_time")),
        topic=source.rsplit("/topics/", 1)[-1] if "/topics/" in source else "",
        subscription=subscription.rsplit("/", 1)[-1],
        delivery_attempt=_count(data.get("deliveryAttempt"), "deliveryAttempt", 1),
    )


def parse_storage_cloudevent(event: CloudEvent) -> StorageObject:
    """Extract the object resource from a GCS finalize CloudEvent."""
    if event["type"] != STORAGE_OBJECT_FINALIZED:
        raise InvalidEvent(f"expected {STORAGE_OBJECT_FINALIZED}, got {event['type']}")
    data = event.get_data()
    if not isinstance(data, dict) or not data.get("name") or not data.get("bucket"):
        raise InvalidEvent("storage CloudEvent has no object 'bucket'/'name'")
    return StorageObject(
        bucket=str(data["bucket"]),
        name=str(data["name"]),
        generation=str(data.get("generation", "0")),
        size=_count(data.get("size"), "size", 0),
        content_type=str(data.get("contentType") or "application/octet-stream"),
        time_created=_parse_time(data.get("timeCreated")),
    )
