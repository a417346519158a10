"""Strict scoring of reported topics against an adversarial stream's truth.

A reported topic is true only if its label or terms name a planted trend's subject (one of its
names or hashtags, or a word of its names that occurs nowhere else; filler and sentiment words
never count) and it was first detected no earlier than the onset minus ``TOLERANCE_MINUTES``.
Each trend counts true once: later topics naming it are fragments and count false. A topic
naming a decoy (the bot ring's hashtag, the copy-paste text, the promoted product, the steady
hashtag) is false and named as such, even if it also names a trend; a topic naming nothing
that starts during the volume surge or a celebrity's retweet cascade is blamed on it.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from trendwatch.evaluation.adversarial.truth import DecoyTruth, TrendTruth, Truth

TOLERANCE_MINUTES = 2
#: A topic starting this long after the surge or a cascade ends is no longer blamed on it.
AFTERMATH_MINUTES = 10
#: Shorter words of a decoy's name do not name it alone ("air", "kit").
MIN_DECOY_WORD = 4
Verdict = Literal["true", "fragment", "early", "decoy", "false"]


class ReportedTopic(msgspec.Struct, frozen=True):
    """What the scorer reads of a topic from ``trendwatch topics --json``."""

    label: str
    terms: list[str]
    first_detected_at: datetime
    observed: float = 0.0


class Judged(msgspec.Struct, frozen=True):
    topic: ReportedTopic
    verdict: Verdict
    #: The trend id it names, or the decoy it names ("bot_ring #GlowDropz"), or "".
    names: str


class SeedScore(msgspec.Struct, frozen=True):
    seed: int
    trends: int
    judged: list[Judged]
    #: Minutes from onset to first detection, per detected trend id.
    delays: dict[str, float]

    @property
    def reported(self) -> int:
        return len(self.judged)

    @property
    def true_topics(self) -> int:
        return sum(j.verdict == "true" for j in self.judged)

    @property
    def fragments(self) -> int:
        return sum(j.verdict == "fragment" for j in self.judged)

    @property
    def decoys(self) -> list[str]:
        return [j.names for j in self.judged if j.verdict == "decoy"]

    @property
    def precision(self) -> float | None:
        return self.true_topics / self.reported if self.reported else None

    @property
    def recall(self) -> float:
        return len(self.delays) / self.trends if self.trends else 1.0


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return folded.replace("'", " ")


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _fold(text))


def _words(text: str) -> set[str]:
    """Folded words, with a crude singular, so "sandal" meets "sandals"."""
    return {w.rstrip("sx") or w for w in re.findall(r"[a-z0-9]+", _fold(text))}


def _topic_texts(topic: ReportedTopic) -> list[str]:
    return [topic.label, *topic.terms]


def names_trend(topic: ReportedTopic, trend: TrendTruth) -> bool:
    """Whether a topic's label or a term names the trend's subject (never its filler words)."""
    keys = [_compact(k) for k in (*trend.phrases, *trend.hashtags)]
    distinctive = _words(" ".join(trend.distinctive))
    for text in _topic_texts(topic):
        compact = _compact(text)
        if any(key and key in compact for key in keys) or distinctive & _words(text):
            return True
    return False


def names_decoy(topic: ReportedTopic, decoy: DecoyTruth) -> bool:
    """Whether a topic's label or a term names the decoy (its hashtag, product, code or marks)."""
    keys = [_compact(t) for t in decoy.terms]
    words = {w for w in _words(" ".join(decoy.terms)) if len(w) >= MIN_DECOY_WORD}
    return any(
        any(key and key in _compact(text) for key in keys) or words & _words(text)
        for text in _topic_texts(topic)
    )


def _during(decoy: DecoyTruth, at: datetime) -> bool:
    start = datetime.fromisoformat(decoy.start)
    end = datetime.fromisoformat(decoy.end) if decoy.end else start
    return start - timedelta(minutes=TOLERANCE_MINUTES) <= at <= end + timedelta(minutes=AFTERMATH_MINUTES)


def _decoy_named(topic: ReportedTopic, decoys: Sequence[DecoyTruth]) -> DecoyTruth | None:
    return next((d for d in decoys if d.terms and names_decoy(topic, d)), None)


def score(seed: int, truth: Truth, topics: Iterable[ReportedTopic]) -> SeedScore:
    """Judge every reported topic, earliest first detection first, against ``truth``."""
    onsets = {t.id: datetime.fromisoformat(t.onset) for t in truth.trends}
    tolerance = timedelta(minutes=TOLERANCE_MINUTES)
    judged: list[Judged] = []
    delays: dict[str, float] = {}
    for topic in sorted(topics, key=lambda t: t.first_detected_at):
        named = _decoy_named(topic, truth.decoys)
        trend = next((t for t in truth.trends if names_trend(topic, t)), None)
        if named is not None:
            judged.append(Judged(topic, "decoy", f"{named.kind} {named.name}"))
        elif trend is not None and topic.first_detected_at < onsets[trend.id] - tolerance:
            judged.append(Judged(topic, "early", trend.id))
        elif trend is not None and trend.id in delays:
            judged.append(Judged(topic, "fragment", trend.id))
        elif trend is not None:
            delays[trend.id] = (topic.first_detected_at - onsets[trend.id]).total_seconds() / 60
            judged.append(Judged(topic, "true", trend.id))
        else:
            window = next(
                (d for d in truth.decoys if not d.terms and _during(d, topic.first_detected_at)), None
            )
            judged.append(
                Judged(topic, "decoy", f"{window.kind} {window.name}")
                if window
                else Judged(topic, "false", "")
            )
    return SeedScore(seed, len(truth.trends), judged, delays)


class Overall(msgspec.Struct, frozen=True):
    trends: int
    detected: int
    reported: int
    true_topics: int
    fragments: int
    decoys: int
    precision: float | None
    recall: float
    median_delay: float | None


def overall(scores: Sequence[SeedScore]) -> Overall:
    """Pooled over seeds: every reported topic and every planted trend counts once."""
    reported = sum(s.reported for s in scores)
    true_topics = sum(s.true_topics for s in scores)
    trends = sum(s.trends for s in scores)
    delays = [d for s in scores for d in s.delays.values()]
    return Overall(
        trends=trends,
        detected=len(delays),
        reported=reported,
        true_topics=true_topics,
        fragments=sum(s.fragments for s in scores),
        decoys=sum(len(s.decoys) for s in scores),
        precision=true_topics / reported if reported else None,
        recall=len(delays) / trends if trends else 1.0,
        median_delay=statistics.median(delays) if delays else None,
    )


def read_topics(payload: bytes | str) -> list[ReportedTopic]:
    """The topics of ``trendwatch topics --json`` output."""
    return msgspec.json.decode(payload, type=list[ReportedTopic])


def as_rows(score_: SeedScore) -> list[dict[str, Any]]:
    """One row per judged topic, for tables."""
    return [
        {
            "label": j.topic.label,
            "voices": j.topic.observed,
            "first_detected": j.topic.first_detected_at.strftime("%H:%M"),
            "verdict": j.verdict,
            "names": j.names,
        }
        for j in score_.judged
    ]
