"""Emerging topics from the warehouse: term facts grouped into topics, scored, explained.

The stored facts (``tweet_terms`` joined with ``tweets``) of the last ``lookback`` (24 hours by
default: the baseline, with its two-hour half-life, has long forgotten anything older, and a
cool-down is shorter) are read in event order, so one run costs the same on the first day and
the hundredth; terms are
grouped online into topics (:mod:`trendwatch.domain.topics`), starting from the membership
stored in ``topic_terms`` so that a restart or a replay keeps every topic id; each topic is
scored with the members it had at each minute (:func:`~trendwatch.domain.topics.detect_topics`):
unique authors of all its terms, suspected bots left out, against its own baseline share of all
active authors. Minute 0 is the minute of the first stored tweet.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from trendwatch.domain.coordination import copy_sources, promotional_accounts
from trendwatch.domain.emergence import Alert, EmergenceParams, Mention, suspected_bots
from trendwatch.domain.topics import (
    TOPIC_PREFIX,
    Catalogue,
    Embed,
    Membership,
    TopicGrouper,
    TopicParams,
    detect_topics,
    epochs,
    members_at,
)
from trendwatch.ports import Warehouse

__all__ = [
    "DEFAULT_LOOKBACK",
    "TOPIC_PREFIX",
    "Emergence",
    "TopicSummary",
    "alert_row",
    "emerging_topics",
    "find_emergences",
    "known_alerts",
    "newest_first",
]

#: How far back a run reads (see the module's docstring).
DEFAULT_LOOKBACK = timedelta(hours=24)

_LATEST_SQL = "SELECT MAX(created_at) AS latest FROM tweets"

_FACTS_SQL = """
SELECT tt.tweet_id, tt.term, tt.lang, tt.author_id, tt.created_at, tt.sentiment_score,
       COALESCE(t.retweet_of, tt.tweet_id) AS source
FROM tweet_terms AS tt
LEFT JOIN tweets AS t ON t.tweet_id = tt.tweet_id
WHERE tt.created_at >= @since
ORDER BY tt.created_at, tt.tweet_id, tt.term
"""

_POSTS_SQL = """
SELECT tweet_id, created_at, author_id, text, retweet_of FROM tweets
WHERE created_at >= @since
ORDER BY created_at, tweet_id
"""

#: Quotes of the look-back and the account each one quotes (retweets carry their source in ``tweets``).
_QUOTES_SQL = """
SELECT tweet_id, target_user_id FROM interactions
WHERE kind = 'quote' AND created_at >= @since
"""

#: The catalogue's keywords: each product's names in every language it is sold in.
_CATALOGUE_SQL = "SELECT brand, keywords FROM products"

_ALERTS_OF_SQL = """
SELECT alert_id, topic_id, first_detected_at, version FROM trend_alerts
WHERE topic_id IN UNNEST(@topics)
"""

_MEMBERS_SQL = "SELECT term, topic_id, joined_at, reason FROM topic_terms ORDER BY joined_at, seq, term"

_TEXTS_SQL = "SELECT tweet_id, text FROM tweets WHERE tweet_id IN UNNEST(@ids)"


class TopicSummary(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    terms: list[str]
    score: float
    #: Tweets about the topic in the scored window.
    volume: int
    #: Independent voices (authors capped by new sources, bots left out) in the scored window,
    #: and the number the topic's baseline expected.
    observed: float
    expected: float
    first_detected_at: str
    languages: list[str]
    alert_id: str
    #: Grows by one each time the emergence doubles its voices after the first alert.
    version: int


class Emergence(msgspec.Struct, frozen=True):
    """One emergence of one topic with everything its alert says."""

    summary: TopicSummary
    first_detected_at: datetime
    window_start: datetime
    window_end: datetime
    updated_at: datetime
    sample_tweets: list[str]
    explanation: dict[str, Any]


class _Fact(msgspec.Struct, frozen=True):
    tweet_id: str
    term: str
    lang: str | None
    author_id: str
    created_at: datetime
    sentiment_score: float | None
    source: str


class _Post(msgspec.Struct, frozen=True):
    tweet_id: str
    created_at: datetime
    author_id: str
    text: str | None
    retweet_of: str | None


class _Stored(msgspec.Struct, frozen=True):
    term: str
    topic_id: str
    joined_at: datetime
    reason: str


def alert_id(topic_id: str, at: datetime) -> str:
    """Stable id of one emergence: a replay of the same facts finds the same id."""
    return f"{topic_id}@{at:%Y-%m-%dT%H:%MZ}"


def alert_version(alert: Alert) -> int:
    """1 at the first alert, one more each time the window's voices have doubled since."""
    if alert.observed <= 0 or alert.peak <= alert.observed:
        return 1
    return 1 + int(math.log2(alert.peak / alert.observed))


class _Stream(msgspec.Struct):
    start: datetime
    minutes: int
    facts: list[_Fact]
    exposure: list[int]
    bots: dict[str, int]
    grouper: TopicGrouper
    mentions: dict[str, list[Mention]]
    #: Tweet id -> the account it retweets or quotes (amplifier rings are one voice).
    amplified: dict[str, str]
    #: When each restored membership began (the first entries of the grouper's history): it
    #: may lie before the look-back, where minutes are not counted.
    restored_at: list[datetime]

    def minute(self, at: datetime) -> int:
        return int((at - self.start).total_seconds() // 60)

    def at(self, minute: int) -> datetime:
        return self.start + timedelta(minutes=minute)

    def history_times(self) -> list[datetime]:
        """When each membership of the grouper's history began."""
        fresh = self.grouper.history[len(self.restored_at) :]
        return [*self.restored_at, *(self.at(m.since) for m in fresh)]


#: The last minute a previous run read (every stored topic row carries it).
_DECIDED_SQL = "SELECT MAX(updated_at) AS until FROM topics"


class _Decided(msgspec.Struct):
    until: datetime | None


class _Latest(msgspec.Struct):
    latest: datetime | None


def _load(
    warehouse: Warehouse, embed: Embed | None, params: TopicParams | None, lookback: timedelta
) -> _Stream | None:
    # convert: timestamps come back as datetimes from BigQuery, as ISO strings from local stores.
    latest = msgspec.convert(warehouse.query(_LATEST_SQL)[0], _Latest).latest
    if latest is None:
        return None
    bounds = {"since": latest - lookback}
    posts = msgspec.convert(warehouse.query(_POSTS_SQL, bounds), list[_Post])
    first = min(p.created_at for p in posts)
    start = first.replace(second=0, microsecond=0)
    minutes = int((max(p.created_at for p in posts) - start).total_seconds() // 60) + 1
    active: list[set[str]] = [set() for _ in range(minutes)]
    timed = [(int((p.created_at - start).total_seconds() // 60), p.author_id) for p in posts]
    for minute, author in timed:
        active[minute].add(author)
    catalogue = ((r["brand"] or "", r["keywords"] or ()) for r in warehouse.query(_CATALOGUE_SQL))
    grouper = TopicGrouper(params, embed, Catalogue.of(catalogue))

    def since(at: datetime) -> int:
        return max(0, int((at - start).total_seconds() // 60))

    # in the order restore keeps (stable by minute), so that history and times stay aligned
    stored = sorted(
        msgspec.convert(warehouse.query(_MEMBERS_SQL), list[_Stored]), key=lambda s: since(s.joined_at)
    )
    decided = msgspec.convert(warehouse.query(_DECIDED_SQL)[0], _Decided).until
    grouper.restore(
        (Membership(s.term, s.topic_id, since(s.joined_at), s.reason) for s in stored),
        decided_until=int((decided - start).total_seconds() // 60) if decided else -1,
    )
    originals = [p for p in posts if p.retweet_of is None]
    copies = copy_sources((p.tweet_id, p.author_id, p.text or "") for p in originals)
    stream = _Stream(
        start,
        minutes,
        [
            msgspec.structs.replace(f, source=copies[f.tweet_id]) if f.tweet_id in copies else f
            for f in msgspec.convert(warehouse.query(_FACTS_SQL, bounds), list[_Fact])
        ],
        [len(a) for a in active],
        _bots(timed, originals),
        grouper,
        defaultdict(list),
        _amplified(warehouse, posts, bounds),
        [s.joined_at for s in stored],
    )
    tweet: list[str] = []
    for i, fact in enumerate(stream.facts):
        minute = stream.minute(fact.created_at)
        stream.mentions[fact.term].append(Mention(minute, fact.author_id, fact.tweet_id, fact.source))
        tweet.append(fact.term)
        if i + 1 == len(stream.facts) or stream.facts[i + 1].tweet_id != fact.tweet_id:
            grouper.observe(minute, tweet)
            tweet = []
    return stream


def _bots(timed: Sequence[tuple[int, str]], originals: Sequence[_Post]) -> dict[str, int]:
    """Accounts whose voices count for nothing, from the minute they do: those posting at an
    inhuman rate, and promotion accounts from the start."""
    bots = suspected_bots(timed)
    for account in promotional_accounts((p.author_id, p.text or "") for p in originals):
        bots[account] = 0
    return bots


def _amplified(warehouse: Warehouse, posts: Sequence[_Post], bounds: Mapping[str, Any]) -> dict[str, str]:
    """Tweet id -> the account it retweets (source in the look-back) or quotes."""
    author = {p.tweet_id: p.author_id for p in posts}
    amplified = {
        p.tweet_id: author[p.retweet_of] for p in posts if p.retweet_of is not None and p.retweet_of in author
    }
    amplified.update((r["tweet_id"], r["target_user_id"]) for r in warehouse.query(_QUOTES_SQL, bounds))
    return amplified


def _emergence(alert: Alert, stream: _Stream, texts: Mapping[str, str], params: EmergenceParams) -> Emergence:
    topic = alert.term
    members = set(members_at(epochs(stream.grouper.history)[topic], alert.peak_minute))
    first = max(0, alert.peak_minute - params.window + 1)
    window = [
        f
        for f in stream.facts
        if f.term in members and first <= stream.minute(f.created_at) <= alert.peak_minute
    ]
    tweets = {f.tweet_id: f for f in window}
    top_terms = [t for t, _ in Counter(f.term for f in window).most_common()]
    languages = sorted({f.lang for f in window if f.lang})
    originals = [t for t in tweets.values() if t.source == t.tweet_id]
    samples = [t.tweet_id for t in originals if t.tweet_id in texts][:3]
    scores = [t.sentiment_score for t in tweets.values() if t.sentiment_score is not None]
    bots = [
        t
        for t in tweets.values()
        if stream.minute(t.created_at) >= stream.bots.get(t.author_id, stream.minutes)
    ]
    active = sum(stream.exposure[first : alert.peak_minute + 1])
    window_start, window_end = stream.at(first), stream.at(alert.peak_minute)
    summary = TopicSummary(
        topic_id=topic,
        label=_subject(top_terms, stream.grouper.members().get(topic), topic),
        terms=top_terms[:10],
        score=alert.score,
        volume=len(tweets),
        observed=alert.peak,
        expected=alert.expected,
        first_detected_at=alert.at.isoformat(),
        languages=languages,
        alert_id=alert_id(topic, alert.at),
        version=alert_version(alert),
    )
    explanation = {
        "method": "Poisson CUSUM of a topic's independent voices against its baseline share",
        "cusum": alert.score,
        "cusum_threshold": params.threshold,
        "shift": params.shift,
        "observed": alert.peak,
        "expected_at_first_alert": alert.expected,
        "observed_at_first_alert": alert.observed,
        "ratio": round(alert.observed / alert.expected, 3) if alert.expected else None,
        "tweets": len(tweets),
        "window": {
            "minutes": params.window,
            "start": window_start.isoformat(),
            "end": window_end.isoformat(),
            "active_authors": active,
        },
        "baseline": {
            "kind": "exponentially weighted share of all active authors, learnt before the window",
            "half_life_minutes": params.baseline_half_life,
        },
        "top_terms": top_terms[:10],
        "sample_tweets": [texts[i] for i in samples],
        "sentiment": round(statistics.fmean(scores), 3) if scores else None,
        "languages": languages,
        "retweet_share": round(1 - len(originals) / len(tweets), 3) if tweets else 0.0,
        "suspected_bot_share": round(len(bots) / len(tweets), 3) if tweets else 0.0,
    }
    return Emergence(
        summary, alert.at, window_start, window_end, stream.at(stream.minutes - 1), samples, explanation
    )


def _subject(top_terms: Sequence[str], members: Sequence[str] | None, topic: str) -> str:
    """What a topic is called: the term said most in its window, or its founding term."""
    if top_terms:
        return top_terms[0]
    return members[0] if members else topic_label(topic)


def topic_label(topic_id: str) -> str:
    return topic_id.removeprefix(TOPIC_PREFIX)


def _membership_rows(stream: _Stream) -> list[dict[str, Any]]:
    """The memberships decided in this run (the restored ones are stored already)."""
    history = stream.grouper.history
    return [
        {
            "term": m.term,
            "topic_id": m.topic_id,
            "joined_at": stream.at(m.since),
            "reason": m.reason,
            "seq": seq,
        }
        for seq, m in enumerate(history)
        if seq >= len(stream.restored_at)
    ]


def _topic_rows(
    stream: _Stream, found: Sequence[Emergence], parents: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """One row per topic worth keeping. Terms are the founding term, then the others by the
    minute they joined and by name: a restart rebuilds the same membership in another order."""
    languages: dict[str, set[str]] = defaultdict(set)
    for e in found:
        languages[e.summary.topic_id].update(e.summary.languages)
    joined = {m.term: at for m, at in zip(stream.grouper.history, stream.history_times(), strict=True)}
    updated = stream.at(stream.minutes - 1)
    rows = []
    for topic, terms in stream.grouper.members().items():
        if len(terms) == 1 and topic not in languages and topic not in parents:
            continue
        ordered = [terms[0], *sorted(terms[1:], key=lambda t: (joined[t], t))]
        rows.append(
            {
                "topic_id": topic,
                "label": terms[0],
                "terms": ordered,
                "languages": sorted(languages[topic]),
                "first_seen_at": min(joined[t] for t in terms),
                "updated_at": updated,
                "parent_topic_ids": list(parents.get(topic, ())),
            }
        )
    return rows


#: A topic's parents: the topics merged into it and the one it split from.
_PARENTS_SQL = "SELECT topic_id, parent_topic_id FROM topic_lineage ORDER BY at, parent_topic_id"


def _persist(warehouse: Warehouse, stream: _Stream, found: Sequence[Emergence]) -> None:
    """Store membership, lineage and topics. Parents come from the stored lineage, since a
    restarted grouper does not decide again the merges and splits it restored."""
    warehouse.merge_rows("topic_terms", _membership_rows(stream))
    grouper = stream.grouper
    lineage = [(m.into, m.merged, "merge", m.minute) for m in grouper.merges]
    lineage += [(s.into, s.parent, "split", s.minute) for s in grouper.splits]
    warehouse.merge_rows(
        "topic_lineage",
        [
            {"topic_id": topic, "parent_topic_id": parent, "kind": kind, "at": stream.at(minute)}
            for topic, parent, kind, minute in lineage
        ],
    )
    parents: dict[str, list[str]] = defaultdict(list)
    for row in warehouse.query(_PARENTS_SQL):
        parents[row["topic_id"]].append(row["parent_topic_id"])
    warehouse.merge_rows("topics", _topic_rows(stream, found, parents))


def alert_row(emergence: Emergence) -> dict[str, Any]:
    """The ``trend_alerts`` row of one emergence (one row per alert id; updates raise ``version``)."""
    s = emergence.summary
    return {
        "alert_id": s.alert_id,
        "topic_id": s.topic_id,
        "label": s.label,
        "terms": s.terms,
        "score": s.score,
        "volume": s.volume,
        "window_start": emergence.window_start,
        "first_detected_at": emergence.first_detected_at,
        "updated_at": emergence.updated_at,
        "explanation": emergence.explanation,
        "version": s.version,
    }


def find_emergences(
    warehouse: Warehouse,
    *,
    params: EmergenceParams | None = None,
    topic_params: TopicParams | None = None,
    embed: Embed | None = None,
    persist_topics: bool = True,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> list[Emergence]:
    """Every emergence over the last ``lookback`` of the stored stream, oldest first; stores
    topic membership and lineage."""
    chosen = params or EmergenceParams()
    stream = _load(warehouse, embed, topic_params, lookback)
    if stream is None:
        return []
    alerts = detect_topics(
        stream.grouper.history,
        stream.mentions,
        stream.exposure,
        stream.start,
        stream.bots,
        chosen,
        stream.amplified,
    )
    ids = sorted({f.tweet_id for f in stream.facts if f.source == f.tweet_id})
    texts = {r["tweet_id"]: r["text"] for r in warehouse.query(_TEXTS_SQL, {"ids": ids})} if alerts else {}
    found = [_emergence(a, stream, texts, chosen) for a in alerts]
    if persist_topics:
        _persist(warehouse, stream, found)
    return found


class _StoredAlert(msgspec.Struct, frozen=True):
    alert_id: str
    topic_id: str
    first_detected_at: datetime
    version: int | None


def known_alerts(
    warehouse: Warehouse, found: Sequence[Emergence], cooldown: int
) -> tuple[list[Emergence], dict[str, int]]:
    """``found`` under the ids their emergences were first stored with, and each stored version.

    The minute an emergence is first detected can move between runs: late tweets change the
    minutes they belong to, and each run reads a sliding look-back. A stored alert of the same
    topic first detected less than ``cooldown`` minutes away is the same emergence (the detector
    never raises two within a cool-down), so the emergence keeps that alert's id and first
    detection instead of becoming a second alert.
    """
    topics = sorted({e.summary.topic_id for e in found})
    rows = warehouse.query(_ALERTS_OF_SQL, {"topics": topics}) if topics else []
    stored: dict[str, list[_StoredAlert]] = defaultdict(list)
    for alert in msgspec.convert(rows, list[_StoredAlert]):
        stored[alert.topic_id].append(alert)
    window = timedelta(minutes=cooldown)
    known: list[Emergence] = []
    for e in found:
        near = [
            a for a in stored[e.summary.topic_id] if abs(a.first_detected_at - e.first_detected_at) < window
        ]
        if not near:
            known.append(e)
            continue
        same = min(near, key=lambda a: abs(a.first_detected_at - e.first_detected_at))
        summary = msgspec.structs.replace(
            e.summary, alert_id=same.alert_id, first_detected_at=same.first_detected_at.isoformat()
        )
        known.append(msgspec.structs.replace(e, summary=summary, first_detected_at=same.first_detected_at))
    versions = {a.alert_id: a.version or 1 for alerts in stored.values() for a in alerts}
    return known, versions


def emerging_topics(
    warehouse: Warehouse,
    *,
    limit: int = 20,
    persist: bool = False,
    params: EmergenceParams | None = None,
    embed: Embed | None = None,
) -> list[TopicSummary]:
    """The newest ``limit`` emerging topics, newest first.

    ``persist`` also upserts every emergence into ``trend_alerts`` (keyed by :func:`alert_id`).
    Topic membership is stored either way, so that the next call keeps the same topic ids.
    """
    chosen = params or EmergenceParams()
    found = find_emergences(warehouse, params=chosen, embed=embed)
    if persist:
        found = known_alerts(warehouse, found, chosen.cooldown)[0]
        warehouse.merge_rows("trend_alerts", [alert_row(e) for e in found])
    return newest_first(found)[:limit]


def newest_first(found: Sequence[Emergence]) -> list[TopicSummary]:
    """The summaries of ``found``, newest first detection first, the best score first within a minute."""
    return sorted((e.summary for e in found), key=lambda t: (t.first_detected_at, t.score), reverse=True)
