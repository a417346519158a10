"""Aggregate function: enriched tweets and media into the warehouse tables and rolling windows.

Each target translates one CloudEvent (Eventarc's Pub/Sub push or GCS finalize) into a call to
the service's handler, built once per instance by :func:`trendwatch.bootstrap.entry_point`.
"""

import functions_framework
from cloudevents.http import CloudEvent

from trendwatch.bootstrap import entry_point

_deliver_media_enriched = entry_point("aggregate", "on_media_enriched")
_deliver_tweet_enriched = entry_point("aggregate", "on_tweet_enriched")
_deliver_scheduled_job = entry_point("aggregate", "on_scheduled_job")


@functions_framework.cloud_event
def on_media_enriched(cloud_event: CloudEvent) -> None:
    _deliver_media_enriched(cloud_event)


@functions_framework.cloud_event
def on_tweet_enriched(cloud_event: CloudEvent) -> None:
    _deliver_tweet_enriched(cloud_event)


@functions_framework.cloud_event
def on_scheduled_job(cloud_event: CloudEvent) -> None:
    _deliver_scheduled_job(cloud_event)
