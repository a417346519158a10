"""``generate``: write a synthetic stream, its media, the retail feeds and the truth about them.

With ``history_days`` N > 0 it also writes the N days of retail history before the stream's
day (see :mod:`trendwatch.generator.history` and :mod:`trendwatch.generator.history_feeds`)
and the true demand of the 14 days after it. Training seeds for anyone tuning a model on this
generator are 2001-2010; seeds 1-5 are held out for evaluation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import msgspec

from trendwatch.generator import truth
from trendwatch.generator.authors import Population, build_population
from trendwatch.generator.catalog import Product, build_catalog
from trendwatch.generator.feeds import FeedFile, write_feeds
from trendwatch.generator.history import History, simulate
from trendwatch.generator.history_feeds import DEMAND_TRUTH, STOCK_EVENTS, write_history_feeds
from trendwatch.generator.history_tweets import PATH as HISTORY_TWEETS
from trendwatch.generator.history_tweets import write_history_tweets
from trendwatch.generator.images import MediaLibrary
from trendwatch.generator.stream import MixShift, StreamEngine, StreamStats
from trendwatch.generator.timeline import MS_PER_MINUTE, event_times, from_ms, to_ms
from trendwatch.generator.topics import PlantedTopic, plan_topics, topic_count

#: A fixed default start keeps output reproducible: the same arguments give the same bytes.
DEFAULT_START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class GenerationSummary:
    tweets: int
    retweets: int
    media_items: int
    distinct_images: int
    start: datetime
    end: datetime
    tweets_path: Path
    truth_path: Path
    media_dir: Path
    #: In load order: the catalogue first, then day by day.
    feed_paths: tuple[Path, ...]
    history_days: int = 0
    #: With a history: ``demand_truth.csv``, ``stock_events.jsonl`` and ``history/tweets.jsonl``.
    demand_truth_path: Path | None = None
    stock_events_path: Path | None = None
    history_tweets_path: Path | None = None


def _rng(seed: int, part: str) -> random.Random:
    """One generator per part, so that changing how one part draws leaves the others unchanged."""
    return random.Random(f"trendwatch/{seed}/{part}")


class _Plan(msgspec.Struct, frozen=True):
    """What a run is asked for and what it plants before writing a line."""

    seed: int
    minutes: int
    rate: float
    start_ms: int
    end_ms: int
    catalog: list[Product]
    topics: list[PlantedTopic]
    people: Population


def _plan(
    seed: int, minutes: int, rate: float, start: datetime, tweets: int, onset_fractions: Sequence[float]
) -> _Plan:
    start_ms = to_ms(start if start.tzinfo else start.replace(tzinfo=UTC))
    end_ms = start_ms + minutes * MS_PER_MINUTE
    topics = plan_topics(
        _rng(seed, "topics"), start_ms, end_ms - start_ms, topic_count(minutes), onset_fractions
    )
    return _Plan(
        seed=seed,
        minutes=minutes,
        rate=rate,
        start_ms=start_ms,
        end_ms=end_ms,
        catalog=build_catalog(_rng(seed, "catalog")),
        topics=topics,
        people=build_population(_rng(seed, "people"), tweets, [t.spec.topic_id for t in topics], start_ms),
    )


def _truth(
    plan: _Plan,
    stats: StreamStats,
    media: MediaLibrary,
    feeds: list[FeedFile],
    history: truth.HistoryTruth | None = None,
) -> truth.Truth:
    people = plan.people
    return truth.Truth(
        seed=plan.seed,
        start=from_ms(plan.start_ms),
        end=from_ms(plan.end_ms),
        minutes=plan.minutes,
        rate=plan.rate,
        counts=truth.Counts(
            tweets=stats.tweets,
            originals=stats.originals,
            retweets=stats.retweets,
            replies=stats.replies,
            quotes=stats.quotes,
            bot_tweets=stats.bot_tweets,
            media_items=stats.media_items,
            distinct_images=media.distinct_images,
            tweets_with_media=stats.tweets_with_media,
        ),
        topics=tuple(
            truth.topic_truth(t, stats, plan.catalog, people.influencers[t.spec.topic_id])
            for t in plan.topics
        ),
        decoy=truth.decoy_truth(),
        influencers=tuple(truth.influencer_truth(topic_id, a) for topic_id, a in people.influencers.items()),
        bots=tuple(truth.BotTruth(bot.user_id, bot.username, bot in people.bot_ring) for bot in people.bots),
        feeds=tuple(feeds),
        image_groups=tuple(media.groups),
        history=history,
    )


def simulate_history(
    seed: int, minutes: int, rate: float, history_days: int, *, start: datetime | None = None
) -> History:
    """The retail history ``generate`` writes for the same arguments, in memory (arrays by
    series and day; see :class:`~trendwatch.generator.history.History`)."""
    count = max(1, round(rate * minutes * 60))
    plan = _plan(seed, minutes, rate, start or DEFAULT_START, count, ())
    return simulate(seed, plan.catalog, plan.topics, plan.start_ms, history_days)


def generate(
    seed: int,
    minutes: int,
    rate: float,
    out_dir: Path,
    *,
    start: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    onset_fractions: Sequence[float] = (),
    history_days: int = 0,
    shift: Literal["lang", "sentiment"] | None = None,
    shift_at: float = 0.5,
) -> GenerationSummary:
    """Write ``minutes`` of stream at ``rate`` tweets per second on average into ``out_dir``.

    Writes ``tweets.jsonl`` (X API v2 filtered-stream lines, in time order), ``media/``,
    ``feeds/`` and ``truth.json``. ``progress`` is called with the number of tweets written
    every thousand tweets and at the end. ``onset_fractions``: the planted topics' onset sizes
    (see :func:`~trendwatch.generator.topics.plan_topics`); by default each rises gradually.

    ``history_days`` > 0 replaces the stream day's feeds by a simulated retail history of that
    many days before it plus the stream's day, and adds ``demand_truth.csv``,
    ``stock_events.jsonl``, ``history/tweets.jsonl`` and the ``history`` section of the truth;
    0 (the default) writes exactly what it always did.

    ``shift`` changes the stream's mix from ``shift_at`` (a fraction of its length) on, to test
    drift detection: ``lang`` moves English authors to French half of the time, ``sentiment``
    makes every opinion word negative (see :class:`~trendwatch.generator.stream.MixShift`).
    The stream before that point is the unshifted one.
    """
    if minutes <= 0 or rate <= 0:
        raise ValueError("minutes and rate must be positive")
    if history_days < 0:
        raise ValueError("history_days must not be negative")
    if not 0 <= shift_at <= 1:
        raise ValueError("shift_at is a fraction of the stream's length, 0..1")
    count = max(1, round(rate * minutes * 60))
    plan = _plan(seed, minutes, rate, start or DEFAULT_START, count, onset_fractions)
    media_dir = out_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    media = MediaLibrary(_rng(seed, "media"), media_dir)
    mix_shift = None
    if shift is not None:
        mix_shift = MixShift(shift, plan.start_ms + round(shift_at * (plan.end_ms - plan.start_ms)))
    engine = StreamEngine(_rng(seed, "stream"), plan.people, plan.catalog, plan.topics, media, mix_shift)

    tweets_path = out_dir / "tweets.jsonl"
    times = event_times(_rng(seed, "times"), plan.start_ms, minutes * 60, count)
    with tweets_path.open("wb") as out:
        for written, ms in enumerate(times, start=1):
            out.write(engine.line(ms) + b"\n")
            if progress is not None and (written % PROGRESS_EVERY == 0 or written == count):
                progress(written)
    history: truth.HistoryTruth | None = None
    if history_days:
        simulated = simulate(seed, plan.catalog, plan.topics, plan.start_ms, history_days)
        retail = write_history_feeds(_rng(seed, "history-feeds"), out_dir, simulated)
        feeds = retail.files
        said = write_history_tweets(
            _rng(seed, "history-tweets"), out_dir, simulated, plan.people, plan.start_ms
        )
        history = truth.history_truth(simulated, retail, said)
    else:
        feeds = write_feeds(
            _rng(seed, "feeds"), out_dir, plan.catalog, plan.topics, (plan.start_ms, plan.end_ms)
        )

    facts = _truth(plan, engine.stats, media, feeds, history)
    truth_path = out_dir / "truth.json"
    truth_path.write_bytes(truth.encode(facts))
    return GenerationSummary(
        tweets=facts.counts.tweets,
        retweets=facts.counts.retweets,
        media_items=facts.counts.media_items,
        distinct_images=facts.counts.distinct_images,
        start=facts.start,
        end=facts.end,
        tweets_path=tweets_path,
        truth_path=truth_path,
        media_dir=media_dir,
        feed_paths=tuple(out_dir / f.path for f in feeds),
        history_days=history_days,
        demand_truth_path=out_dir / DEMAND_TRUTH if history_days else None,
        stock_events_path=out_dir / STOCK_EVENTS if history_days else None,
        history_tweets_path=out_dir / HISTORY_TWEETS if history_days else None,
    )
