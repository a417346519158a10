"""Restock recommendations posted to the chat webhook after they are stored, each once.

The supply job stores the day's recommendations marked as waiting for the webhook (their
``webhook`` column), publishes them, records its run, then posts every recommendation of the
last :data:`RETRY_DAYS` days that waits and records each outcome on its row, as
:mod:`trendwatch.app.webhook_delivery` describes: a failed post is tried again by the next run
(the next day's, or the scheduler's next tick for the same day), a sent one never again. The
webhook is a second channel: nothing it does stops the run or its record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import partial
from typing import Any, Protocol

import msgspec

from trendwatch.app.webhook_delivery import Delivery, attempt
from trendwatch.contracts.events import RestockRecommendation
from trendwatch.ports import Warehouse

#: How far back waiting recommendations are looked for: a failed post waits for the next run,
#: at most a day later while the job runs daily; a week leaves room for days it did not.
RETRY_DAYS = 7
#: The state of a recommendation stored for the webhook and not posted yet.
WAITING = msgspec.json.encode(Delivery(version=1)).decode()

_WAITING_SQL = """
SELECT * FROM restock_recommendations
WHERE as_of >= @since AND as_of <= @day AND webhook IS NOT NULL
ORDER BY as_of, sku, location_id
"""
_STATES_SQL = "SELECT sku, location_id, webhook FROM restock_recommendations WHERE as_of = @day"
_EVENT_FIELDS = tuple(name for name in RestockRecommendation.__struct_fields__ if name != "schema_version")


class RestockSink(Protocol):
    """Somewhere recommendations are also delivered (a chat webhook); raises when it did not take one."""

    def send_restock(self, recommendation: RestockRecommendation) -> None: ...


def delivery_states(warehouse: Warehouse, day: date) -> dict[tuple[str, str], str]:
    """The webhook state of each stored recommendation of ``day`` by (SKU, location): a rerun
    of the day keeps them, so that what was sent is not posted again."""
    rows = warehouse.query(_STATES_SQL, {"day": day})
    return {(r["sku"], r["location_id"]): r["webhook"] for r in rows if r["webhook"] is not None}


def recommendation(row: Mapping[str, Any]) -> RestockRecommendation:
    """The ``restock-recommendations`` event of a stored row (dates may come back as ISO text)."""
    return msgspec.convert({name: row[name] for name in _EVENT_FIELDS}, RestockRecommendation, strict=False)


class RestockWebhookDelivery:
    """Posts the stored recommendations that wait for ``sink`` and records each outcome."""

    def __init__(self, warehouse: Warehouse, sink: RestockSink) -> None:
        self._warehouse = warehouse
        self._sink = sink

    def deliver(self, day: date) -> int:
        """Post what waits among the recommendations of ``day`` and the days before it (up to
        :data:`RETRY_DAYS`); how many were sent."""
        rows = self._warehouse.query(_WAITING_SQL, {"since": day - timedelta(days=RETRY_DAYS), "day": day})
        records, sent = [], 0
        for row in rows:
            delivery = msgspec.json.decode(row["webhook"], type=Delivery)
            if not delivery.due:
                continue
            event = recommendation(row)
            context = {"as_of": event.as_of.isoformat(), "sku": event.sku, "location_id": event.location_id}
            delivery = attempt(delivery, partial(self._sink.send_restock, event), "restock", context)
            sent += delivery.sent
            records.append(dict(row) | {"webhook": msgspec.json.encode(delivery).decode()})
        self._warehouse.merge_rows("restock_recommendations", records)
        return sent
