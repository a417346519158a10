"""How a dead-lettered message says where it came from and why it failed.

Pub/Sub itself adds ``CloudPubSubDeadLetterSource*`` attributes when it gives up on a
message after its retries; trendwatch adds the same two for messages it rejects at
once (validation errors), plus ``dead_letter_reason``, so one sink handles both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from .limits import PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES, fit_utf8

#: Every attribute Pub/Sub adds to a dead letter starts so (subscription, its project, delivery
#: count, the source topic's publish time...).
PUBSUB_PREFIX = "CloudPubSubDeadLetterSource"
SOURCE = f"{PUBSUB_PREFIX}Subscription"
DELIVERY_COUNT = f"{PUBSUB_PREFIX}DeliveryCount"
REASON = "dead_letter_reason"


def dead_letter_attributes(
    original: Mapping[str, str], *, source: str, reason: str, attempts: int = 1
) -> dict[str, str]:
    """``original`` with where the message came from and why it failed, every value cut to
    Pub/Sub's limit on an attribute value (1,024 bytes of UTF-8), whatever language it is in:
    a dead letter is never refused for its attributes (a long reason, a long object name)."""
    attributes = {**original, SOURCE: source, DELIVERY_COUNT: str(attempts), REASON: reason}
    return {key: fit_utf8(value, PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES) for key, value in attributes.items()}


def original_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """The attributes a dead letter had before it was dead-lettered (``traceparent`` included)."""
    return {k: v for k, v in attributes.items() if k != REASON and not k.startswith(PUBSUB_PREFIX)}


def dead_letter_id(source: str, data: bytes, attributes: Mapping[str, str]) -> str:
    """A stable id: the same bad message rejected again is recorded once."""
    digest = hashlib.sha256(source.encode())
    digest.update(b"\0")
    digest.update(data)
    digest.update(b"\0" + attributes.get("media_key", "").encode())
    return digest.hexdigest()[:32]
