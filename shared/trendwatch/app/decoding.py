"""Decoders from Pub/Sub messages to typed events; every failure is an :class:`InvalidEvent`."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from trendwatch.app.ingest import parse_line
from trendwatch.contracts.cloudevents import InvalidEvent, PubSubMessage
from trendwatch.contracts.events import MediaEnriched, ScheduledJob, StockEvent, TweetEnriched
from trendwatch.contracts.topology import TOPOLOGY
from trendwatch.domain.tweets import Tweet, normalize

E = TypeVar("E", bound=msgspec.Struct)


def raw_tweet(message: PubSubMessage) -> Tweet:
    """``tweets-raw``: the exact X stream line."""
    return normalize(parse_line(message.data))


def _event(message: PubSubMessage, type_: type[E]) -> E:
    try:
        return msgspec.json.decode(message.data, type=type_)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"invalid {type_.__name__}: {exc}") from exc


def tweet_enriched(message: PubSubMessage) -> TweetEnriched:
    return _event(message, TweetEnriched)


def media_enriched(message: PubSubMessage) -> MediaEnriched:
    return _event(message, MediaEnriched)


def stock_event(message: PubSubMessage) -> StockEvent:
    """``inventory-events``: a movement (``delta``) or a count (``level``), never neither.

    Whether its SKU and location are known needs the warehouse:
    :meth:`trendwatch.app.inventory.InventoryService.decode_stock_event` checks that too."""
    event = _event(message, StockEvent)
    if event.delta is None and event.level is None:
        raise InvalidEvent(
            f"stock event {event.event_id}: neither delta nor level; an event moves stock (delta) or counts it (level)"
        )
    return event


def scheduled_job(message: PubSubMessage) -> ScheduledJob:
    """``scheduled-jobs`` or ``supply-jobs``: a tick naming one of the jobs scheduled on the
    message's topic (any topic's when the delivery does not say which)."""
    tick = _event(message, ScheduledJob)
    known = {s.job for s in TOPOLOGY.schedules if s.topic == message.topic or not message.topic}
    if tick.job not in known:
        raise InvalidEvent(f"unknown scheduled job {tick.job!r}; known: {sorted(known)}")
    return tick
