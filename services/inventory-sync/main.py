"""Inventory-sync function: daily feeds dropped under ``feeds/`` (storage trigger) and real-time
``inventory-events`` into the inventory tables; the daily supply job (``supply-jobs`` ticks from
Cloud Scheduler): demand forecasts, then restock recommendations.

Each target translates one CloudEvent (Eventarc's Pub/Sub push or GCS finalize) into a call to
the service's handler, built once per instance by :func:`trendwatch.bootstrap.entry_point`.
"""

import functions_framework
from cloudevents.http import CloudEvent

from trendwatch.bootstrap import entry_point

_deliver_feed_finalized = entry_point("inventory-sync", "on_feed_finalized")
_deliver_stock_event = entry_point("inventory-sync", "on_stock_event")
_deliver_supply_job = entry_point("inventory-sync", "on_supply_job")


@functions_framework.cloud_event
def on_feed_finalized(cloud_event: CloudEvent) -> None:
    _deliver_feed_finalized(cloud_event)


@functions_framework.cloud_event
def on_stock_event(cloud_event: CloudEvent) -> None:
    _deliver_stock_event(cloud_event)


@functions_framework.cloud_event
def on_supply_job(cloud_event: CloudEvent) -> None:
    _deliver_supply_job(cloud_event)
