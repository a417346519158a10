"""``history/tweets.jsonl``: the social signal of the history's days, sparse.

Each day, originals by distinct ordinary authors (modest followings, no mention, no retweet,
reply, quote or media, so nobody gains influence from them): light background chatter about
the catalogue's regular products, plus, for each past trend, tweets naming its products (their
item in words, brand, the trend's hashtags, in English and French) whose daily volume follows
the trend's social curve (:func:`~trendwatch.generator.history.social_curve`, ``size`` x
``TREND_PEAK_TWEETS`` on its peak day), which precedes its demand uplift. The live topics are
never mentioned: the stream has them.

The file stops 24 hours before the stream starts: the topic detector looks back 24 hours from
the latest tweet, so it sees the stream alone, as without a history. Lines are X API v2
filtered-stream messages encoded by the stream's own engine, in time order.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from pathlib import Path

from trendwatch.generator import compose
from trendwatch.generator.authors import Account, Population, build_quiet_regulars
from trendwatch.generator.catalog import Product
from trendwatch.generator.compose import Subject
from trendwatch.generator.history import History, Trend, midnight, social_curve
from trendwatch.generator.images import MediaLibrary
from trendwatch.generator.stream import StreamEngine, _Draft
from trendwatch.generator.timeline import MS_PER_MINUTE, activity, from_ms, to_ms
from trendwatch.generator.truth import HistoryTweets
from trendwatch.generator.vocabulary import CATEGORY_BY_NAME

PATH = "history/tweets.jsonl"
#: Background tweets a day (before the weekly factor).
BACKGROUND_PER_DAY = 180
WEEKEND_FACTOR = 1.2
#: A size-1 trend's tweets on its peak day.
TREND_PEAK_TWEETS = 160
AUTHORS = 4000
#: The history's tweets end this long before the stream starts (the detector's look-back).
GAP_BEFORE_STREAM_MS = 24 * 60 * MS_PER_MINUTE


class HistoryEngine(StreamEngine):
    """The stream's engine posting chosen originals: the same encoding, none of the cascades."""

    def __init__(
        self, rng: random.Random, population: Population, catalog: list[Product], media_dir: Path
    ) -> None:
        # no photo is ever attached, so the library writes nothing
        super().__init__(rng, population, catalog, [], MediaLibrary(rng, media_dir))

    def original(self, ms: int, subject: Subject, author: Account) -> bytes:
        lang = self._lang(author, ms)
        builder = compose.original(self._rng, subject, lang, None)
        post, data = self._post(ms, (author,), builder.build(), lang, subject)
        self.stats.tweets += 1
        self.stats.originals += 1
        return self._encode(_Draft(post, data, (author,)))


class _Clock:
    """Instants within a day, denser where the daily activity is high."""

    def __init__(self) -> None:
        self._cum: list[float] = []
        total = 0.0
        for second in range(86_400):
            total += activity(second / 3600)
            self._cum.append(total)

    def fraction(self, last: int) -> float:
        """The share of a day's activity in its first ``last`` seconds."""
        return self._cum[last - 1] / self._cum[-1]

    def times(
        self, rng: random.Random, day_ms: int, count: int, first: int = 0, last: int = 86_400
    ) -> list[int]:
        """``count`` instants (ms) in seconds ``[first, last)`` of the day starting at ``day_ms``."""
        low = self._cum[first - 1] if first > 0 else 0.0
        high = self._cum[last - 1]
        return [
            day_ms + bisect.bisect_left(self._cum, rng.uniform(low, high)) * 1000 + rng.randrange(1000)
            for _ in range(count)
        ]


def write_history_tweets(
    rng: random.Random, out_dir: Path, history: History, people: Population, stream_start_ms: int
) -> HistoryTweets:
    """Write ``history/tweets.jsonl`` (see the module docstring) and say what it holds."""
    end_ms = stream_start_ms - GAP_BEFORE_STREAM_MS
    authors = build_quiet_regulars(rng, AUTHORS, stream_start_ms, people)
    clock = _Clock()
    # pool topics' products are talked about only when they trend
    regular = [(n, p) for n, p in enumerate(history.products) if p.topic_id is None]
    past = [t for t in history.trends if t.kind == "past"]
    by_trend: Counter[str] = Counter()
    days: list[list[tuple[int, Subject]]] = []
    for t in range(history.stream_index + 1):
        day = history.day(t)
        day_ms = to_ms(midnight(day))
        if day_ms >= end_ms:
            break
        last = min(86_400, (end_ms - day_ms) // 1000)
        weekly = WEEKEND_FACTOR if day.weekday() >= 5 else 1.0
        count = round(BACKGROUND_PER_DAY * weekly * clock.fraction(last) * rng.uniform(0.85, 1.15))
        sold = [p for n, p in regular if history.launch[n] <= t]
        posts = [
            (ms, Subject(CATEGORY_BY_NAME[p.category], p))
            for ms, p in zip(
                clock.times(rng, day_ms, count, 0, last), rng.choices(sold, k=count), strict=True
            )
        ]
        for trend in past:
            made = _trend_posts(rng, clock, trend, t, day_ms, last)
            by_trend[trend.spec.topic_id] += len(made)
            posts.extend(made)
        posts.sort(key=lambda post: post[0])
        days.append(posts)
    engine = HistoryEngine(rng, people, history.products, out_dir / "media")
    path = out_dir / PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    with path.open("wb") as out:
        for posts in days:
            # distinct authors within a day
            for (ms, subject), author in zip(posts, rng.sample(authors, len(posts)), strict=True):
                used.add(author.user_id)
                out.write(engine.original(ms, subject, author) + b"\n")
    return HistoryTweets(
        path=PATH,
        tweets=engine.stats.tweets,
        authors=len(used),
        background=engine.stats.tweets - sum(by_trend.values()),
        by_trend=dict(sorted(by_trend.items())),
    )


def _trend_posts(
    rng: random.Random, clock: _Clock, trend: Trend, t: int, day_ms: int, last: int
) -> list[tuple[int, Subject]]:
    """A past trend's tweets on day ``t``: after its onset, within the day's first ``last`` seconds."""
    onset_second = (trend.onset_ms - to_ms(midnight(from_ms(trend.onset_ms).date()))) // 1000
    since = t - trend.onset_index
    count = round(TREND_PEAK_TWEETS * trend.size * social_curve(since, onset_second / 3600))
    first = onset_second if since == 0 else 0
    if count <= 0 or first >= last:
        return []
    category = CATEGORY_BY_NAME[trend.spec.category]
    return [
        (ms, Subject(category, rng.choice(trend.products), trend.spec))
        for ms in clock.times(rng, day_ms, count, first, last)
    ]
