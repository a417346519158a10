"""``generate``: write a synthetic stream, its media, the retail feeds and the truth about them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trendwatch.generator import truth
from trendwatch.generator.authors import build_population
from trendwatch.generator.catalog import build_catalog
from trendwatch.generator.feeds import write_feeds
from trendwatch.generator.images import MediaLibrary
from trendwatch.generator.stream import StreamEngine
from trendwatch.generator.timeline import MS_PER_MINUTE, event_times, from_ms, to_ms
from trendwatch.generator.topics import plan_topics, topic_count

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
    feed_paths: tuple[Path, ...]


def _rng(seed: int, part: str) -> random.Random:
    """One generator per part, so that changing how one part draws leaves the others unchanged."""
    return random.Random(f"trendwatch/{seed}/{part}")


def generate(
    seed: int,
    minutes: int,
    rate: float,
    out_dir: Path,
    *,
    start: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationSummary:
    """Write ``minutes`` of stream at ``rate`` tweets per second on average into ``out_dir``.

    Writes ``tweets.jsonl`` (X API v2 filtered-stream lines, in time order), ``media/``,
    ``feeds/`` and ``truth.json``. ``progress`` is called with the number of tweets written
    every thousand tweets and at the end.
    """
    if minutes <= 0 or rate <= 0:
        raise ValueError("minutes and rate must be positive")
    start_ms = to_ms(start or DEFAULT_START)
    end_ms = start_ms + minutes * MS_PER_MINUTE
    count = max(1, round(rate * minutes * 60))
    media_dir = out_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)

    catalog = build_catalog(_rng(seed, "catalog"))
    topics = plan_topics(_rng(seed, "topics"), start_ms, end_ms - start_ms, topic_count(minutes))
    people = build_population(_rng(seed, "people"), count, [t.spec.topic_id for t in topics], start_ms)
    media = MediaLibrary(_rng(seed, "media"), media_dir)
    engine = StreamEngine(_rng(seed, "stream"), people, catalog, topics, media)

    tweets_path = out_dir / "tweets.jsonl"
    with tweets_path.open("wb") as out:
        for written, ms in enumerate(
            event_times(_rng(seed, "times"), start_ms, minutes * 60, count), start=1
        ):
            out.write(engine.line(ms) + b"\n")
            if progress is not None and (written % PROGRESS_EVERY == 0 or written == count):
                progress(written)
    feeds = write_feeds(_rng(seed, "feeds"), out_dir, catalog, topics, (start_ms, end_ms))

    stats = engine.stats
    facts = truth.Truth(
        seed=seed,
        start=from_ms(start_ms),
        end=from_ms(end_ms),
        minutes=minutes,
        rate=rate,
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
            truth.topic_truth(t, stats, catalog, people.influencers[t.spec.topic_id]) for t in topics
        ),
        decoy=truth.decoy_truth(),
        influencers=tuple(truth.influencer_truth(topic_id, a) for topic_id, a in people.influencers.items()),
        bots=tuple(truth.BotTruth(bot.user_id, bot.username, bot in people.bot_ring) for bot in people.bots),
        feeds=tuple(feeds),
        image_groups=tuple(media.groups),
    )
    truth_path = out_dir / "truth.json"
    truth_path.write_bytes(truth.encode(facts))
    return GenerationSummary(
        tweets=stats.tweets,
        retweets=stats.retweets,
        media_items=stats.media_items,
        distinct_images=media.distinct_images,
        start=facts.start,
        end=facts.end,
        tweets_path=tweets_path,
        truth_path=truth_path,
        media_dir=media_dir,
        feed_paths=tuple(out_dir / f.path for f in feeds),
    )
