"""Hybrid search over tweets: keyword matches and semantic neighbours, fused by rank.

Keywords find the exact product name or hashtag an embedding blurs; embeddings find the
paraphrase that shares no word with the query ("linen dress for the heat" for "summer
dress"). Neither score is comparable with the other (BM25 is unbounded, cosine is not a
probability), so the two lists are fused by rank with reciprocal rank fusion
(Cormack, Clarke & Büttcher, 2009): a tweet scores ``sum(1 / (k + rank))`` over the lists
that rank it. ``k`` flattens the head of each list: with ``k = 60`` the first and the
tenth place differ by 15%, so a tweet both lists rank well beats one only a single list
ranks first; 60 is the paper's value, and it proved robust across collections.

A text repeated by many tweets (a retweet storm) is one hit, shown as its earliest tweet,
so it cannot fill the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from trendwatch.app.search_engines import Candidate, SearchEngine, SearchFilters
from trendwatch.domain.text_identity import text_key
from trendwatch.ports import TextEmbedder

__all__ = ["RRF_K", "NoEmbeddings", "SearchFilters", "SearchHit", "fuse", "search"]

RRF_K = 60
#: Candidates fetched per side, per hit asked for: fusion needs more than the page.
_POOL_FACTOR = 4
_MIN_POOL = 50


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    tweet_id: str
    text: str
    author: str
    created_at: datetime
    lang: str | None
    #: The fused score: ``sum(1 / (RRF_K + rank))`` over the sides that found the tweet.
    score: float
    #: 1-based rank on each side; ``None`` when that side did not find the tweet.
    keyword_rank: int | None = None
    semantic_rank: int | None = None


class NoEmbeddings(LookupError):
    """The warehouse holds no embedding by the search's model: enrich some tweets first."""


class _Fused:
    def __init__(self, shown: Candidate) -> None:
        self.shown = shown
        self.ranks: list[int | None] = [None, None]


def fuse(
    keyword: Sequence[Candidate], semantic: Sequence[Candidate], limit: int, k: int = RRF_K
) -> list[SearchHit]:
    """Reciprocal rank fusion of two ranked lists, one hit per distinct text, best first."""
    fused: dict[str, _Fused] = {}
    for side, candidates in enumerate((keyword, semantic)):
        rank = 0
        for candidate in candidates:
            key = text_key(candidate.text).hash
            entry = fused.setdefault(key, _Fused(candidate))
            if (candidate.created_at, candidate.tweet_id) < (entry.shown.created_at, entry.shown.tweet_id):
                entry.shown = candidate
            if entry.ranks[side] is None:  # a repeat of a text ranks where the text first did
                rank += 1
                entry.ranks[side] = rank
    hits = [
        SearchHit(
            tweet_id=e.shown.tweet_id,
            text=e.shown.text,
            author=e.shown.author,
            created_at=e.shown.created_at,
            lang=e.shown.lang,
            score=sum(1 / (k + r) for r in e.ranks if r is not None),
            keyword_rank=e.ranks[0],
            semantic_rank=e.ranks[1],
        )
        for e in fused.values()
    ]
    hits.sort(key=lambda h: (-h.score, h.created_at, h.tweet_id))
    return hits[:limit]


def search(
    engine: SearchEngine,
    embedder: TextEmbedder,
    query: str,
    *,
    limit: int = 10,
    filters: SearchFilters | None = None,
) -> list[SearchHit]:
    """The ``limit`` tweets best matching ``query``, by words and by meaning.

    Raises :class:`NoEmbeddings` when no tweet was embedded by ``embedder``'s model.
    """
    if not engine.has_embeddings(embedder.name):
        raise NoEmbeddings(f"no tweet embeddings by {embedder.name} in the warehouse")
    filters = filters or SearchFilters()
    pool = max(limit * _POOL_FACTOR, _MIN_POOL)
    keyword = engine.keyword(query, filters, pool)
    vector = embedder.embed([query])[0]
    # A query of unknown words embeds to zeros, nearest to nothing in particular.
    semantic = engine.semantic(vector.tolist(), embedder.name, filters, pool) if vector.any() else []
    return fuse(keyword, semantic, limit)
