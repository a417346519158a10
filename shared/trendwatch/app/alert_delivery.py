"""Trend alerts posted to a chat webhook after they are stored, each version once.

The alert job stores an alert (``trend_alerts``) before anything is posted, marked as waiting
for the webhook at its version; then it posts every alert waiting at its current version and
records the outcome on the stored row, as :mod:`trendwatch.app.webhook_delivery` describes
(sent, or retried once by the next run, then given up).

The record is kept in the row's ``explanation`` JSON, under :data:`DELIVERY_KEY`, so that it
travels with the alert it is about and needs no table of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol

import msgspec

from trendwatch.app.webhook_delivery import Delivery, attempt
from trendwatch.contracts.events import TrendAlert
from trendwatch.ports import Warehouse

DELIVERY_KEY = "webhook"

_STORED_SQL = "SELECT * FROM trend_alerts WHERE alert_id IN UNNEST(@ids)"


class AlertSink(Protocol):
    """Somewhere alerts are also delivered (a chat webhook); raises when it did not take one."""

    def send(self, alert: TrendAlert) -> None: ...


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
            context = {"alert_id": alert.alert_id, "version": str(alert.version)}
            delivery = attempt(delivery, partial(self._sink.send, alert), "alert", context)
            if delivery.sent:
                sent.append(alert)
            explanation[DELIVERY_KEY] = msgspec.to_builtins(delivery)
            records.append(dict(row) | {"explanation": explanation})
        self._warehouse.merge_rows("trend_alerts", records)
        return sent
