"""``product-links``: keep ``topic_products`` and ``topic_windows`` up to date (aggregate, hourly).

Links: each stored topic's current terms (its latest membership in ``topic_terms``: merges and
splits move terms, so the links follow them) are matched against the catalogue
(:mod:`trendwatch.domain.product_links`); a link keeps the time it was first made, and the
links of a topic that no longer names a product (merged away, or its product terms split off)
are deleted, so that the view ``stock_vs_trends`` shows what is true now. ``last_linked_at`` is
when the link's evidence last changed: a run over the same facts rewrites no row.

Windows: per topic and hour (``1h``) and per day (``1d``), from the facts of its current
terms: tweets, voices (unique authors), sentiment mix, reach (the voices' followers) and the
share of tweets from suspected bots (an inhuman posting rate, or an account that mostly pushes
sales: the detector's own rules). Only the last ``recompute_days`` days (by the latest tweet,
so that a replay of old data is windowed too) are recomputed on each run: older windows change
only through late facts, which the next full run (``recompute_days`` larger) picks up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
import numpy as np

from trendwatch.domain.coordination import promotional_accounts
from trendwatch.domain.emergence import suspected_bots
from trendwatch.domain.product_links import ListedProduct, ProductIndex, link_products
from trendwatch.domain.topics import Embed
from trendwatch.observability import get_logger
from trendwatch.ports import Clock, Warehouse

log = get_logger(__name__)

WINDOW_SIZES: Mapping[str, timedelta] = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}

_PRODUCTS_SQL = "SELECT sku, name, brand, keywords FROM products ORDER BY sku"
_TOPICS_SQL = "SELECT topic_id, label FROM topics"
_MEMBERS_SQL = "SELECT term, topic_id FROM topic_terms ORDER BY joined_at, seq, term"
_LINKED_SQL = "SELECT topic_id, sku, first_linked_at FROM topic_products"
_DELETE_LINKS_SQL = "DELETE FROM topic_products WHERE CONCAT(topic_id, '|', sku) IN UNNEST(@stale)"
_LATEST_SQL = "SELECT MAX(created_at) AS latest FROM tweets"
#: A stored link or window is rewritten only when what it says changed, so that a run over the
#: same facts (a replayed file, a redelivered tick) changes no row, and ``last_linked_at`` and
#: ``updated_at`` say when the evidence or the counts last changed. Arrays compare as JSON text
#: (BigQuery has no equality on arrays).
_LINK_CHANGED = (
    "T.score IS DISTINCT FROM S.score OR T.similarity IS DISTINCT FROM S.similarity"
    " OR TO_JSON_STRING(T.matched_terms) IS DISTINCT FROM TO_JSON_STRING(S.matched_terms)"
    " OR TO_JSON_STRING(T.catalogue_keywords) IS DISTINCT FROM TO_JSON_STRING(S.catalogue_keywords)"
)
_WINDOW_CHANGED = " OR ".join(
    f"T.{c} IS DISTINCT FROM S.{c}"
    for c in (
        "tweet_count",
        "unique_authors",
        "positive",
        "neutral",
        "negative",
        "sentiment_avg",
        "reach",
        "bot_share",
    )
)
_FACTS_SQL = """
SELECT tt.tweet_id, tt.term, tt.author_id, tt.created_at, tt.sentiment_label, tt.sentiment_score,
       u.followers_count, t.text, t.retweet_of
FROM tweet_terms AS tt
LEFT JOIN tweets AS t ON t.tweet_id = tt.tweet_id
LEFT JOIN users AS u ON u.user_id = tt.author_id
WHERE tt.created_at >= @since AND tt.created_at < @until AND tt.term IN UNNEST(@terms)
"""


class TermFact(msgspec.Struct, frozen=True):
    """One term of one tweet, with what the windows count of the tweet and its author."""

    tweet_id: str
    term: str
    author_id: str
    created_at: datetime
    sentiment_label: str | None = None
    sentiment_score: float | None = None
    followers_count: int | None = None
    text: str | None = None
    retweet_of: str | None = None


@dataclass(frozen=True, slots=True)
class LinkReport:
    topics: int
    links: int
    deleted_links: int
    windows: int


def current_members(history: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Topic -> its terms now: each term's latest membership row (rows in decision order)."""
    where: dict[str, str] = {}
    for row in history:
        where[row["term"]] = row["topic_id"]
    members: dict[str, list[str]] = defaultdict(list)
    for term, topic_id in where.items():
        members[topic_id].append(term)
    return dict(members)


def _window_start(at: datetime, size: str) -> datetime:
    if size == "1h":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def window_rows(
    facts: Sequence[TermFact], keys_of_term: Mapping[str, Sequence[str]], sizes: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per key (a topic, a product) and window (of :data:`WINDOW_SIZES`) from the facts
    of the keys' terms: ``key``, ``window_size``, ``window_start`` and the counts; a tweet
    carrying several terms of one key counts once."""
    bots = set(suspected_bots((int(f.created_at.timestamp() // 60), f.author_id) for f in facts))
    originals = {f.tweet_id: (f.author_id, f.text or "") for f in facts if f.retweet_of is None}
    bots |= promotional_accounts(originals.values())
    tweets: dict[tuple[str, str, datetime], dict[str, TermFact]] = defaultdict(dict)
    for fact in facts:
        for key in keys_of_term.get(fact.term, ()):
            for size in sizes:
                tweets[(size, key, _window_start(fact.created_at, size))][fact.tweet_id] = fact
    rows = []
    for (size, key, start), by_tweet in tweets.items():
        said = list(by_tweet.values())
        followers = {f.author_id: f.followers_count or 0 for f in said}
        labels = [f.sentiment_label for f in said]
        scores = [f.sentiment_score for f in said if f.sentiment_score is not None]
        rows.append(
            {
                "key": key,
                "window_size": size,
                "window_start": start,
                "tweet_count": len(said),
                "unique_authors": len(followers),
                "positive": labels.count("positive"),
                "neutral": labels.count("neutral"),
                "negative": labels.count("negative"),
                "sentiment_avg": round(math.fsum(scores) / len(scores), 4) if scores else None,
                "reach": sum(followers.values()),
                "bot_share": round(sum(f.author_id in bots for f in said) / len(said), 4),
            }
        )
    return rows


def term_facts(
    warehouse: Warehouse, terms: Sequence[str], since: datetime, until: datetime
) -> list[TermFact]:
    """Every fact of ``terms`` from ``since`` to ``until`` (excluded), with its tweet and author."""
    if not terms:
        return []
    params = {"since": since, "until": until, "terms": sorted(terms)}
    return msgspec.convert(warehouse.query(_FACTS_SQL, params), list[TermFact])


def listed_products(warehouse: Warehouse) -> list[ListedProduct]:
    """The catalogue as the matcher needs it."""
    return [
        ListedProduct(r["sku"], r["name"] or "", r["brand"] or "", tuple(r["keywords"] or ()))
        for r in warehouse.query(_PRODUCTS_SQL)
    ]


class ProductLinker:
    """The ``product-links`` job (see the module docstring)."""

    def __init__(
        self, warehouse: Warehouse, clock: Clock, *, embed: Embed | None = None, recompute_days: int = 2
    ) -> None:
        self._warehouse = warehouse
        self._clock = clock
        self._embed = embed
        self._recompute_days = recompute_days

    def run(self) -> LinkReport:
        now = self._clock.now()
        products = listed_products(self._warehouse)
        members = current_members(self._warehouse.query(_MEMBERS_SQL))
        labels = {r["topic_id"]: r["label"] or r["topic_id"] for r in self._warehouse.query(_TOPICS_SQL)}
        members = {topic_id: members.get(topic_id, []) for topic_id in labels}
        links, deleted = self._store_links(products, members, labels, now)
        windows = self._store_windows(members, now)
        report = LinkReport(len(labels), links, deleted, windows)
        log.info("product links updated", extra=asdict(report))
        return report

    def _similarities(
        self, products: Sequence[ListedProduct], members: Mapping[str, list[str]], labels: Mapping[str, str]
    ) -> dict[str, dict[str, float]]:
        if self._embed is None or not products or not members:
            return {}
        topic_ids = list(members)
        topics = self._embed([" ".join([labels[t], *members[t]]) for t in topic_ids])
        catalogue = self._embed([p.description for p in products])
        cosines = np.asarray(topics @ catalogue.T, dtype=np.float64)
        return {
            topic_id: {p.sku: round(float(cosines[i, j]), 4) for j, p in enumerate(products)}
            for i, topic_id in enumerate(topic_ids)
        }

    def _store_links(
        self,
        products: Sequence[ListedProduct],
        members: Mapping[str, list[str]],
        labels: Mapping[str, str],
        now: datetime,
    ) -> tuple[int, int]:
        index = ProductIndex.of(products)
        similarities = self._similarities(products, members, labels)
        first = {(r["topic_id"], r["sku"]): r["first_linked_at"] for r in self._warehouse.query(_LINKED_SQL)}
        rows = [
            {
                "topic_id": topic_id,
                "sku": link.sku,
                "score": link.score,
                "matched_terms": list(link.matched_terms),
                "catalogue_keywords": list(link.catalogue_keywords),
                "similarity": link.similarity,
                "first_linked_at": first.get((topic_id, link.sku), now),
                "last_linked_at": now,
                "updated_at": now,
            }
            for topic_id, terms in members.items()
            for link in link_products(sorted(terms), index, similarities.get(topic_id))
        ]
        stale = sorted(set(first) - {(r["topic_id"], r["sku"]) for r in rows})
        if stale:
            self._warehouse.execute(_DELETE_LINKS_SQL, {"stale": [f"{t}|{s}" for t, s in stale]})
        self._warehouse.merge_rows("topic_products", rows, update_when=_LINK_CHANGED)
        return len(rows), len(stale)

    def _store_windows(self, members: Mapping[str, list[str]], now: datetime) -> int:
        topic_of_term = {term: topic_id for topic_id, terms in members.items() for term in terms}
        latest = msgspec.convert(self._warehouse.query(_LATEST_SQL)[0], _Latest).latest
        if latest is None or not topic_of_term:
            return 0
        since = _window_start(latest, "1d") - timedelta(days=self._recompute_days - 1)
        facts = term_facts(self._warehouse, list(topic_of_term), since, latest + timedelta(seconds=1))
        topics_of_term = {term: (topic_id,) for term, topic_id in topic_of_term.items()}
        rows = [
            {**{k: v for k, v in row.items() if k != "key"}, "topic_id": row["key"], "updated_at": now}
            for row in window_rows(facts, topics_of_term, list(WINDOW_SIZES))
        ]
        self._warehouse.merge_rows("topic_windows", rows, update_when=_WINDOW_CHANGED)
        return len(rows)


class _Latest(msgspec.Struct, frozen=True):
    latest: datetime | None = None
