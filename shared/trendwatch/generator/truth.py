"""``truth.json``: what was planted in a generated stream, for evaluating the detectors against it."""

from __future__ import annotations

from datetime import datetime

import msgspec

from trendwatch.generator.authors import Account
from trendwatch.generator.catalog import Product
from trendwatch.generator.feeds import FeedFile
from trendwatch.generator.images import ImageGroup
from trendwatch.generator.stream import StreamStats
from trendwatch.generator.timeline import from_ms
from trendwatch.generator.topics import DECOY_SHARE, PlantedTopic
from trendwatch.generator.vocabulary import DECOY, TopicSpec


class Counts(msgspec.Struct, frozen=True):
    tweets: int
    originals: int
    retweets: int
    replies: int
    quotes: int
    bot_tweets: int
    media_items: int
    distinct_images: int
    tweets_with_media: int


class TopicTruth(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    category: str
    #: Every variant: hashtags (with ``#``) and phrases, in both languages.
    terms: tuple[str, ...]
    hashtags: tuple[str, ...]
    phrases: tuple[str, ...]
    languages: tuple[str, ...]
    onset: datetime
    ramp_minutes: float
    peak_share: float
    #: The share it jumped to at onset, as a fraction of its peak (0.03: a gradual rise).
    onset_fraction: float
    #: Tweets of any kind about the topic, before and after onset.
    tweets: int
    linked_skus: tuple[str, ...]
    influencer_ids: tuple[str, ...]


class DecoyTruth(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    terms: tuple[str, ...]
    hashtags: tuple[str, ...]
    share: float


class InfluencerTruth(msgspec.Struct, frozen=True):
    user_id: str
    username: str
    followers_count: int
    #: The planted topic this account pushes; ``None`` for the general lifestyle influencer.
    topic_id: str | None


class BotTruth(msgspec.Struct, frozen=True):
    user_id: str
    username: str
    in_retweet_ring: bool


class Truth(msgspec.Struct, frozen=True):
    seed: int
    start: datetime
    end: datetime
    minutes: int
    rate: float
    counts: Counts
    topics: tuple[TopicTruth, ...]
    decoy: DecoyTruth
    influencers: tuple[InfluencerTruth, ...]
    bots: tuple[BotTruth, ...]
    feeds: tuple[FeedFile, ...]
    #: Each picture with the media keys showing it: keys in one group are (near-)duplicates.
    image_groups: tuple[ImageGroup, ...]


def _hashtags(spec: TopicSpec) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*spec.hashtags_en, *spec.hashtags_fr)))


def topic_truth(
    topic: PlantedTopic, stats: StreamStats, catalog: list[Product], influencer: Account
) -> TopicTruth:
    spec = topic.spec
    return TopicTruth(
        topic_id=spec.topic_id,
        label=spec.label,
        category=spec.category,
        terms=tuple(dict.fromkeys(spec.terms)),
        hashtags=_hashtags(spec),
        phrases=(spec.phrases.en, spec.phrases.fr),
        languages=("en", "fr"),
        onset=from_ms(topic.onset_ms),
        ramp_minutes=topic.ramp_ms / 60_000,
        peak_share=round(topic.peak_share, 4),
        onset_fraction=topic.onset_fraction,
        tweets=stats.topic_tweets[spec.topic_id],
        linked_skus=tuple(p.sku for p in catalog if p.topic_id == spec.topic_id),
        influencer_ids=(influencer.user_id,),
    )


def decoy_truth() -> DecoyTruth:
    return DecoyTruth(
        topic_id=DECOY.topic_id,
        label=DECOY.label,
        terms=tuple(dict.fromkeys(DECOY.terms)),
        hashtags=_hashtags(DECOY),
        share=DECOY_SHARE,
    )


def influencer_truth(topic_id: str, account: Account) -> InfluencerTruth:
    return InfluencerTruth(account.user_id, account.username, account.followers, topic_id or None)


def encode(truth: Truth) -> bytes:
    return msgspec.json.format(msgspec.json.encode(truth), indent=2) + b"\n"
