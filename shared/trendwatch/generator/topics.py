"""When the planted topics start and how fast they grow: each one's share of the stream over time."""

from __future__ import annotations

import random
from collections.abc import Sequence

import msgspec

from trendwatch.generator.vocabulary import TOPIC_POOL, TopicSpec

#: Before its onset a topic is not silent: it has this fraction of its peak share.
BACKGROUND_FRACTION = 0.03
#: Onsets fall in this part of the run, so that every topic has a quiet "before".
ONSET_WINDOW = (0.42, 0.7)
#: Steady share of the decoy topic.
DECOY_SHARE = 0.05


class PlantedTopic(msgspec.Struct, frozen=True):
    spec: TopicSpec
    onset_ms: int
    ramp_ms: int
    #: Fraction of new (non-retweet) tweets about this topic once the ramp is over.
    peak_share: float
    #: The onset's size: the fraction of its peak share the topic jumps to at onset, before
    #: ramping to the peak. :data:`BACKGROUND_FRACTION` (the default) is no jump, a gradual rise
    #: from the background; 1.0 is a step (a product that goes viral in a minute).
    onset_fraction: float = BACKGROUND_FRACTION

    def share_at(self, ms: int) -> float:
        if ms < self.onset_ms:
            return self.peak_share * BACKGROUND_FRACTION
        growth = min(1.0, (ms - self.onset_ms) / self.ramp_ms)
        return self.peak_share * (self.onset_fraction + (1 - self.onset_fraction) * growth)


def topic_count(minutes: int) -> int:
    """Three topics for a run of an hour or more, fewer (never none) for shorter runs."""
    return max(1, min(3, minutes // 20))


def plan_topics(
    rng: random.Random,
    start_ms: int,
    duration_ms: int,
    count: int,
    onset_fractions: Sequence[float] = (),
) -> list[PlantedTopic]:
    """Pick ``count`` topics from the pool and give each an onset after 40 % of the run and a ramp.

    ``onset_fractions`` (each between :data:`BACKGROUND_FRACTION` and 1) are the onset sizes to
    plant, dealt to the topics in a shuffled order, in turn; none: every topic rises gradually.
    The topics' other draws are the same either way.
    """
    if any(not BACKGROUND_FRACTION <= f <= 1 for f in onset_fractions):
        raise ValueError(f"onset fractions must lie between {BACKGROUND_FRACTION} and 1")
    low, high = ONSET_WINDOW
    specs = rng.sample(TOPIC_POOL, count)
    onsets = sorted(rng.uniform(low, high) for _ in specs)
    topics = [
        PlantedTopic(
            spec=spec,
            onset_ms=start_ms + round(duration_ms * onset / 1000) * 1000,
            ramp_ms=max(60_000, round(duration_ms * rng.uniform(0.08, 0.2))),
            peak_share=rng.uniform(0.05, 0.09),
        )
        for spec, onset in zip(specs, onsets, strict=True)
    ]
    if not onset_fractions:
        return topics
    sizes = [onset_fractions[i % len(onset_fractions)] for i in range(count)]
    rng.shuffle(sizes)
    return [msgspec.structs.replace(t, onset_fraction=size) for t, size in zip(topics, sizes, strict=True)]
