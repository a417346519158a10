"""The dead-letter sink: every dead-lettered message lands in the lake and the warehouse.

In production the dead-letter topics feed a Cloud Storage subscription and a BigQuery
subscription; locally the runtime calls :meth:`DeadLetterSink.record` for each message
published to a dead-letter topic. Records are keyed by a content hash, so the same bad
input rejected twice is stored once; the warehouse row is written first (an idempotent
upsert), so a crash between the two writes is repaired by the retry.
"""

from __future__ import annotations

import base64
import contextlib
import json

from trendwatch.contracts import dead_letters as dl
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.ports import BlobExists, BlobStore, Clock, Warehouse


class DeadLetterSink:
    def __init__(self, lake: BlobStore, warehouse: Warehouse, clock: Clock) -> None:
        self._lake = lake
        self._warehouse = warehouse
        self._clock = clock

    def record(self, topic: str, message: PubSubMessage) -> None:
        attributes = dict(message.attributes)
        source = attributes.get(dl.SOURCE, topic.removesuffix("-dead-letter"))
        message_id = dl.dead_letter_id(source, message.data, attributes)
        now = self._clock.now()
        try:
            payload_text = message.data.decode("utf-8")
        except UnicodeDecodeError:
            payload_text = "base64:" + base64.b64encode(message.data).decode()
        reason = attributes.get(dl.REASON, "delivery attempts exhausted")
        lake_object = f"deadletter/{source}/dt={now:%Y-%m-%d}/{message_id}.json"
        document = {
            "message_id": message_id,
            "topic": topic,
            "subscription": source,
            "reason": reason,
            "attributes": attributes,
            "payload": payload_text,
            "dead_lettered_at": now.isoformat(),
        }
        self._warehouse.merge_rows(
            "dead_letters",
            [
                {
                    "subscription": source,
                    "message_id": message_id,
                    "topic": topic,
                    "reason": reason,
                    "delivery_attempts": int(attributes.get(dl.DELIVERY_COUNT, "1")),
                    "attributes": attributes,
                    "payload": payload_text,
                    "lake_object": lake_object,
                    "dead_lettered_at": now,
                }
            ],
            update=False,
        )
        with contextlib.suppress(BlobExists):  # already recorded: same bad input again
            self._lake.write(
                lake_object,
                json.dumps(document, ensure_ascii=False).encode(),
                "application/json",
                if_absent=True,
            )
