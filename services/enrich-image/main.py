"""Enrich-image function: OCR text, labels, colours and perceptual hash of each image of a
``tweets-raw`` message with media, published to ``media-enriched``.

Each target translates one CloudEvent (Eventarc's Pub/Sub push or GCS finalize) into a call to
the service's handler, built once per instance by :func:`trendwatch.bootstrap.entry_point`.
"""

import functions_framework
from cloudevents.http import CloudEvent

from trendwatch.bootstrap import entry_point

_deliver_tweet_with_media = entry_point("enrich-image", "on_tweet_with_media")


@functions_framework.cloud_event
def on_tweet_with_media(cloud_event: CloudEvent) -> None:
    _deliver_tweet_with_media(cloud_event)
