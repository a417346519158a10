"""Ingest function: replays X stream files dropped in the lake under ``incoming/tweets/``
(storage trigger): exact payloads to ``raw/tweets/``, one ``tweets-raw`` message per tweet.

Each target translates one CloudEvent (Eventarc's Pub/Sub push or GCS finalize) into a call to
the service's handler, built once per instance by :func:`trendwatch.bootstrap.entry_point`.
"""

import functions_framework
from cloudevents.http import CloudEvent

from trendwatch.bootstrap import entry_point

_deliver_replay_file_finalized = entry_point("ingest", "on_replay_file_finalized")


@functions_framework.cloud_event
def on_replay_file_finalized(cloud_event: CloudEvent) -> None:
    _deliver_replay_file_finalized(cloud_event)
