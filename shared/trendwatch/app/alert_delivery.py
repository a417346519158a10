"""Trend alerts posted to a chat webhook after they are stored, each version once.

The alert job stores an alert (``trend_alerts``) before anything is posted, marked as waiting
for the webhook; then it posts every alert waiting at its current version and records the
outcome on the stored row: sent, or one more failure. A failed post is tried again by the next
run of the job, up to :data:`WEBHOOK_ATTEMPTS` times in all, then given up with an error in the
log (the alert itself is stored and published whatever the webhook does). A sent version is
never posted again; only a crash between the post and its record can post it twice.

The record is kept in the row's ``explanation`` JSON, under :data:`DELIVERY_KEY`, so that it
travels with the alert it is about and needs no table of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from trendwatch.contracts.events import TrendAlert
from trendwatch.observability import get_logger
from trendwatch.ports import Warehouse

log = get_logger(__name__)

#: Posts of one alert version before it is given up: the first and one retry at the next run.
WEBHOOK_ATTEMPTS = 2
DELIVERY_KEY = "webhook"

_STORED_SQL = "SELECT * FROM trend_alerts WHERE alert_id IN UNNEST(@ids)"


class AlertSink(Protocol):
    """Somewhere alerts are also delivered (a chat webhook); raises when it did not take one."""

    def send(self, alert: TrendAlert) -> None: ...


class Delivery(msgspec.Struct, frozen=True):
    """Where the webhook stands with one version of an alert."""

    version: int
    sent: bool = False
    failures: int = 0

    @property
    def due(self) -> bool:
        return not self.sent and self.failures < WEBHOOK_ATTEMPTS


def waiting(row: Mapping[str, Any], version: int) -> dict[str, Any]:
    """A ``trend_alerts`` row marked as waiting for the webhook at ``version``."""
    explanation = dict(row["explanation"]) | {DELIVERY_KEY: msgspec.to_builtins(Delivery(version))}
    return dict(row) | {"explanation": explanation}


def _explanation(row: Mapping[str, Any]) -> dict[str, Any]:
    """JSON comes back as text from local stores, as a mapping from BigQuery."""
    value = row["explanation"]
    found = json.loads(value) if isinstance(value, str) else value
    return dict(found or {})


class WebhookDelivery:
    """Posts the stored alerts that wait for ``sink`` and records each outcome."""

    def __init__(self, warehouse: Warehouse, sink: AlertSink) -> None:
        self._warehouse = warehouse
        self._sink = sink

    def deliver(self, alerts: Sequence[TrendAlert]) -> list[TrendAlert]:
        """Post those of ``alerts`` (the current state of each emerging alert) whose stored
        version waits for the webhook; returns those sent."""
        by_id = {a.alert_id: a for a in alerts}
        stored = self._warehouse.query(_STORED_SQL, {"ids": sorted(by_id)}) if by_id else []
        sent, records = [], []
        for row in stored:
            explanation = _explanation(row)
            delivery = msgspec.convert(
                explanation.get(DELIVERY_KEY) or {"version": 0, "sent": True}, Delivery
            )
            alert = by_id[row["alert_id"]]
            if delivery.version != row["version"] or alert.version != delivery.version or not delivery.due:
                continue
            try:
                self._sink.send(alert)
            except Exception as exc:  # whatever the sink raised: recorded, then retried
                delivery = msgspec.structs.replace(delivery, failures=delivery.failures + 1)
                given_up = not delivery.due
                (log.error if given_up else log.warning)(
                    "alert webhook failed" + (", given up" if given_up else ", retried at the next run"),
                    extra={"alert_id": alert.alert_id, "version": alert.version, "error": str(exc)},
                )
            else:
                delivery = msgspec.structs.replace(delivery, sent=True)
                sent.append(alert)
            explanation[DELIVERY_KEY] = msgspec.to_builtins(delivery)
            records.append(dict(row) | {"explanation": explanation})
        self._warehouse.merge_rows("trend_alerts", records)
        return sent
