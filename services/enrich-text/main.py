"""Enrich-text function: language, sentiment, entities, key phrases and categories of each
``tweets-raw`` message, published to ``tweets-enriched``.

Each target translates one CloudEvent (Eventarc's Pub/Sub push or GCS finalize) into a call to
the service's handler, built once per instance by :func:`trendwatch.bootstrap.entry_point`.
"""

import functions_framework
from cloudevents.http import CloudEvent

from trendwatch.bootstrap import entry_point

_deliver_tweet_raw = entry_point("enrich-text", "on_tweet_raw")


@functions_framework.cloud_event
def on_tweet_raw(cloud_event: CloudEvent) -> None:
    _deliver_tweet_raw(cloud_event)
