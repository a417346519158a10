"""Drift of the stream against a reference window: pure functions, counts and means in, metrics out.

A window of the stream is summarised as a :class:`WindowProfile`: how many tweets fall in each
bucket of each feature (language, sentiment label per language, product category, binned
sentiment score, text length and hashtag count), the mean of their sentence embeddings, and the
tokens the reference had. :func:`compare` measures each feature's change with the population
stability index (PSI, the usual "significant shift" at 0.2), the embedding centroid with its
cosine distance, and the vocabulary with the share of new tokens that the reference never saw.

Each metric has its own threshold (:data:`DEFAULT_THRESHOLDS`), chosen on stationary generated
streams (ten training seeds, no shift: ``benchmarks/drift.py``, figures in
``docs/evaluation.md``), not on the shifted streams it must catch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Features whose mix is compared with PSI; ``sentiment:<lang>`` features are added per language.
LANGUAGE = "lang"
CATEGORY = "category"
SENTIMENT_SCORE = "sentiment_score"
TEXT_LENGTH = "text_length"
HASHTAGS = "hashtags"
SENTIMENT_PREFIX = "sentiment:"
#: The metric names of the two comparisons that are not a PSI.
EMBEDDING_SHIFT = "embedding_centroid_shift"
NEW_TOKEN_RATE = "new_token_rate"

#: Thresholds per metric (PSI unless named otherwise), chosen by ``benchmarks/drift.py`` on
#: stationary streams of the training seeds 2001-2010 (24 minutes at 1 tweet/s, second half
#: against first), never on shifted ones: twice the largest value each metric took there, and
#: for a PSI at least 0.1, the lower end of the usual "moderate shift" band (0.2 is the textbook
#: "significant"). The stationary maxima were all below 0.08 for a PSI, 0.025 for the centroid
#: and 0.009 for the new-token rate. See docs/evaluation.md for the held-out figures.
DEFAULT_THRESHOLDS: Mapping[str, float] = {
    LANGUAGE: 0.1,
    SENTIMENT_PREFIX: 0.1,
    CATEGORY: 0.1,
    SENTIMENT_SCORE: 0.153,
    TEXT_LENGTH: 0.1,
    HASHTAGS: 0.1,
    EMBEDDING_SHIFT: 0.051,
    NEW_TOKEN_RATE: 0.017,
}

#: A per-language sentiment mix is compared only when both windows hold this many tweets of the
#: language: the PSI of a few dozen tweets is noise.
MIN_LANGUAGE_TWEETS = 100
#: The standard normal's 99.9th percentile: see :func:`psi_noise_floor`.
Z_999 = 3.09
#: Added to every bucket's share so that a bucket empty on one side gives a large, finite PSI.
SMOOTHING = 1e-4


@dataclass(frozen=True)
class WindowProfile:
    """What drift is computed from, for one window of tweets."""

    tweets: int
    #: feature => bucket => tweets (a tweet with several categories counts in each).
    counts: Mapping[str, Mapping[str, int]]
    #: Mean sentence embedding (not normalised); empty when no tweet has one.
    centroid: Sequence[float] = ()
    #: token => occurrences over the window's texts.
    tokens: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DriftMetric:
    """One comparison of the current window with the reference."""

    metric: str
    value: float
    threshold: float
    reference_tweets: int
    current_tweets: int

    @property
    def drifted(self) -> bool:
        return self.value > self.threshold


def psi(reference: Mapping[str, int], current: Mapping[str, int]) -> float:
    """Population stability index of two bucket counts: sum of (c - r) * ln(c / r) over the
    buckets' shares, each share smoothed by :data:`SMOOTHING`. 0 for identical mixes; 0 when
    either side is empty (nothing to compare)."""
    ref_total, cur_total = sum(reference.values()), sum(current.values())
    if ref_total <= 0 or cur_total <= 0:
        return 0.0
    value = 0.0
    for bucket in set(reference) | set(current):
        r = reference.get(bucket, 0) / ref_total + SMOOTHING
        c = current.get(bucket, 0) / cur_total + SMOOTHING
        value += (c - r) * math.log(c / r)
    return value


def cosine_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """1 - cos(a, b); 0 when either vector is empty or zero (no embedding to compare)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 0.0 if norm == 0 else 1.0 - dot / norm


def new_token_rate(reference: Mapping[str, int], current: Mapping[str, int]) -> float:
    """Share of the current window's token occurrences whose token the reference never had: the
    out-of-vocabulary rate against the reference's vocabulary (the fast sentiment model hashes
    its features, so it has no vocabulary of its own to measure against)."""
    total = sum(current.values())
    if total == 0:
        return 0.0
    return sum(n for token, n in current.items() if token not in reference) / total


def psi_noise_floor(reference: Mapping[str, int], current: Mapping[str, int]) -> float:
    """The PSI two samples of one unchanged mix exceed once in a thousand: with ``k`` buckets and
    ``n``, ``m`` tweets, ``PSI / (1/n + 1/m)`` is about chi-squared with ``k - 1`` degrees of
    freedom (Wilson-Hilferty's approximation of its 99.9th percentile). A day of a few hundred
    tweets split over ten categories differs by 0.1 or more by chance alone; a day of
    production traffic, by nothing the thresholds would notice."""
    n, m = sum(reference.values()), sum(current.values())
    buckets = len(set(reference) | set(current))
    if n <= 0 or m <= 0 or buckets < 2:
        return 0.0
    df = buckets - 1
    quantile = df * (1 - 2 / (9 * df) + Z_999 * math.sqrt(2 / (9 * df))) ** 3
    return quantile * (1 / n + 1 / m)


def threshold_of(metric: str, thresholds: Mapping[str, float]) -> float:
    """The threshold of ``metric``; ``sentiment:<lang>`` metrics share ``sentiment:``'s."""
    if metric.startswith(SENTIMENT_PREFIX):
        return thresholds.get(metric, thresholds[SENTIMENT_PREFIX])
    return thresholds[metric]


def compare(
    reference: WindowProfile,
    current: WindowProfile,
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
    *,
    min_language_tweets: int = MIN_LANGUAGE_TWEETS,
) -> list[DriftMetric]:
    """Every drift metric of ``current`` against ``reference``, in a stable order: the mixes
    (language, sentiment per language with enough tweets on both sides, category), the binned
    numeric features, the embedding centroid shift and the new-token rate. A PSI's threshold is
    its configured one or, on windows too small for it, :func:`psi_noise_floor`."""
    languages = reference.counts.get(LANGUAGE, {})
    sentiment = [
        f"{SENTIMENT_PREFIX}{lang}"
        for lang in sorted(languages)
        if languages[lang] >= min_language_tweets
        and current.counts.get(LANGUAGE, {}).get(lang, 0) >= min_language_tweets
    ]
    features = [LANGUAGE, *sentiment, CATEGORY, SENTIMENT_SCORE, TEXT_LENGTH, HASHTAGS]
    metrics = []
    for name in features:
        if name not in reference.counts and name not in current.counts:
            continue
        ref, cur = reference.counts.get(name, {}), current.counts.get(name, {})
        threshold = max(threshold_of(name, thresholds), psi_noise_floor(ref, cur))
        metrics.append(DriftMetric(name, psi(ref, cur), threshold, reference.tweets, current.tweets))
    others = {}
    if reference.centroid and current.centroid:
        others[EMBEDDING_SHIFT] = cosine_distance(reference.centroid, current.centroid)
    if reference.tokens and current.tokens:
        others[NEW_TOKEN_RATE] = new_token_rate(reference.tokens, current.tokens)
    metrics += [
        DriftMetric(name, value, threshold_of(name, thresholds), reference.tweets, current.tweets)
        for name, value in others.items()
    ]
    return metrics
