"""What a stream holds: the plan drawn from its seed, and the truth file a scorer reads.

The plan places five planted trends (one of each hostile kind) and every decoy at random
instants, so that no fixed schedule can be learnt from the training seeds.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Literal

import msgspec

from trendwatch.evaluation.adversarial.shapes import SHAPES, Ramp, Shape, Surge, level
from trendwatch.evaluation.adversarial.timing import MS_PER_MINUTE, iso
from trendwatch.evaluation.adversarial.vocabulary import (
    BILINGUAL_TRENDS,
    COMMON_WORD_TRENDS,
    COPY_PASTE,
    DISTINCT_TRENDS,
    PROMO_PRODUCTS,
    RING_HASHTAGS,
    STEADY_HASHTAGS,
    Lang,
    Repeated,
    TrendSubject,
)

DecoyKind = Literal["bot_ring", "copy_paste", "promo", "steady", "surge", "celebrity"]
#: Peak volume of a planted trend as a share of the stream's average rate: small trends.
TREND_PEAK_SHARE = (0.012, 0.025)
#: A burst is short, so it peaks higher.
BURST_PEAK_FACTOR = 2.0


class PlantedTrend(msgspec.Struct, frozen=True):
    subject: TrendSubject
    #: gradual, step or burst; ``kind`` says which hostile case it is.
    shape: Shape
    kind: Literal["distinct", "bilingual", "common_words"]
    onset_ms: int
    peak_share: float
    languages: tuple[Lang, ...]

    def share_at(self, ms: int) -> float:
        return self.peak_share * level(self.shape, (ms - self.onset_ms) / MS_PER_MINUTE)


class Plan(msgspec.Struct, frozen=True):
    start_ms: int
    end_ms: int
    trends: list[PlantedTrend]
    steady_hashtag: str
    surge: Surge
    ring_hashtag: str
    ring: Ramp
    copy_text: Repeated
    copy_lang: Lang
    copy: Ramp
    promo_product: str
    promo_code: str
    promo: Ramp
    #: When a celebrity's post about a background product is retweeted by hundreds.
    celebrity_ms: int


def _minute(rng: random.Random, start_ms: int, minutes: int, low: float, high: float) -> int:
    return start_ms + round(rng.uniform(low, high) * minutes) * MS_PER_MINUTE


def _trends(rng: random.Random, start_ms: int, minutes: int) -> list[PlantedTrend]:
    distinct = rng.sample(DISTINCT_TRENDS, 3)
    shapes = list(SHAPES)
    rng.shuffle(shapes)
    cases: list[tuple[TrendSubject, Shape, Literal["distinct", "bilingual", "common_words"]]] = [
        *((subject, shape, "distinct") for subject, shape in zip(distinct, shapes, strict=True)),
        (rng.choice(BILINGUAL_TRENDS), rng.choice(("gradual", "step")), "bilingual"),
        (rng.choice(COMMON_WORD_TRENDS), rng.choice(("gradual", "step")), "common_words"),
    ]
    trends = []
    for subject, shape, kind in cases:
        peak = rng.uniform(*TREND_PEAK_SHARE) * (BURST_PEAK_FACTOR if shape == "burst" else 1.0)
        languages: tuple[Lang, ...] = (
            ("en", "fr") if kind != "distinct" else rng.choice((("en",), ("fr",), ("en", "fr")))
        )
        onset = _minute(rng, start_ms, minutes, 0.3, 0.75)
        trends.append(PlantedTrend(subject, shape, kind, onset, peak, languages))
    return trends


def draw_plan(rng: random.Random, start_ms: int, minutes: int) -> Plan:
    """Where everything happens in a stream of ``minutes`` from ``start_ms``."""
    end_ms = start_ms + minutes * MS_PER_MINUTE
    surge_start = _minute(rng, start_ms, minutes, 0.35, 0.65)
    copy_start = _minute(rng, start_ms, minutes, 0.3, 0.8)
    promo_start = _minute(rng, start_ms, minutes, 0.25, 0.6)
    product, code = rng.choice(PROMO_PRODUCTS)
    return Plan(
        start_ms=start_ms,
        end_ms=end_ms,
        trends=_trends(rng, start_ms, minutes),
        steady_hashtag=rng.choice(STEADY_HASHTAGS),
        surge=Surge(surge_start, surge_start + rng.randrange(12, 21) * MS_PER_MINUTE, rng.uniform(1.8, 2.4)),
        ring_hashtag=rng.choice(RING_HASHTAGS),
        ring=Ramp(_minute(rng, start_ms, minutes, 0.25, 0.55), rise_minutes=30.0),
        copy_text=rng.choice(COPY_PASTE),
        copy_lang=rng.choice(("en", "fr")),
        copy=Ramp(copy_start, rise_minutes=0.0, end_ms=copy_start + 12 * MS_PER_MINUTE),
        promo_product=product,
        promo_code=code,
        promo=Ramp(promo_start, rise_minutes=2.0, end_ms=promo_start + 45 * MS_PER_MINUTE),
        celebrity_ms=_minute(rng, start_ms, minutes, 0.3, 0.85),
    )


class TrendTruth(msgspec.Struct, frozen=True):
    id: str
    label: str
    kind: str
    shape: str
    onset: str
    languages: tuple[str, ...]
    #: The words that name the trend: its names in each language, its hashtags, and the words
    #: of those names that occur nowhere else (a topic naming one of these names the trend).
    phrases: tuple[str, ...]
    hashtags: tuple[str, ...]
    distinctive: tuple[str, ...]
    tweets: int


class DecoyTruth(msgspec.Struct, frozen=True):
    """Something that must not be reported as an emerging topic."""

    kind: DecoyKind
    name: str
    #: Words naming it: a reported topic with one of these names the decoy.
    terms: tuple[str, ...]
    start: str
    end: str | None
    accounts: tuple[str, ...] = ()
    tweets: int = 0


class Truth(msgspec.Struct, frozen=True):
    generator: str
    seed: int
    minutes: int
    rate: float
    start: str
    end: str
    tweets: int
    trends: list[TrendTruth]
    decoys: list[DecoyTruth]

    def write(self, path: Path) -> None:
        path.write_bytes(msgspec.json.format(msgspec.json.encode(self), indent=2))


def read_truth(path: Path) -> Truth:
    return msgspec.json.decode(path.read_bytes(), type=Truth)


def trend_truth(trend: PlantedTrend, tweets: int) -> TrendTruth:
    subject = trend.subject
    phrases = tuple(subject.name.name(lang) for lang in trend.languages)
    return TrendTruth(
        id=subject.trend_id,
        label=subject.label,
        kind=trend.kind,
        shape=trend.shape,
        onset=iso(trend.onset_ms),
        languages=trend.languages,
        phrases=phrases,
        hashtags=tuple(
            dict.fromkeys(f"#{tag}" for lang in trend.languages for tag in subject.hashtags(lang))
        ),
        distinctive=tuple(w for w in subject.distinctive if w in " ".join(phrases)),
        tweets=tweets,
    )
