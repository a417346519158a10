"""Influence on the interaction graph, with resistance to spam and bots.

The graph has an edge ``amplifier -> amplified`` for each retweet, quote, reply or mention,
weighted by its kind and decayed by its age. Influence is a PageRank over that graph (being
amplified by influential accounts counts more), mixed with reach (followers), engagement
received and originality (share of own posts that are not retweets).

Bot and spam resistance comes from a *trust* in [0, 1] per account, the product of:

* ``rate_trust``: accounts posting at an inhuman rate, over their lifetime
  (``tweet_count`` / account age) or in the observed data, are distrusted;
* ``youth_trust``: young accounts with a burst of activity are distrusted;
* ``ring_trust``: accounts whose received amplification comes from their own ring are
  distrusted. A ring is a pair amplifying each other, or a small strongly connected component
  of the amplification graph: a rotation where A boosts B, B boosts C and C boosts A has no
  reciprocal pair at all, but every member is reachable from every other. Components larger
  than ``max_ring_share_of_accounts`` of the accounts (and than ``ring_size_floor``) are the organic core of a busy
  conversation (fans who also get retweeted), not a ring, and are left alone.

Trust scales the weight of an account's outgoing edges (a distrusted amplifier lends little),
the teleport vector of the PageRank (TrustRank: no free mass for bots) and the final score.
Reciprocal edges are also discounted on their own, so two accounts retweeting each other
cannot lift each other whatever their trust.

Accounts are numbered once and everything after that is array arithmetic (numpy) and graph
algorithms (rustworkx): the Python-level work is one pass over the edges and one over the
profiles, which is what lets a million edges rank in a few seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import msgspec
import numpy as np
import numpy.typing as npt
import rustworkx as rx

SECONDS_PER_DAY = 86_400.0


class Edge(msgspec.Struct, frozen=True):
    """``source`` amplified (retweeted, quoted, replied to, mentioned) ``target`` at ``created_at``."""

    source: str
    target: str
    kind: str
    created_at: datetime


class Profile(msgspec.Struct, frozen=True):
    """What is known of an account: its profile and its posts in the observed data."""

    user_id: str
    username: str | None = None
    followers: int = 0
    tweet_count: int = 0
    account_created_at: datetime | None = None
    #: Posts by the account in the data, of which ``originals`` are not retweets.
    posts: int = 0
    originals: int = 0
    first_post_at: datetime | None = None
    last_post_at: datetime | None = None


class InfluenceParams(msgspec.Struct, frozen=True):
    kind_weights: dict[str, float] = msgspec.field(
        default_factory=lambda: {"retweet": 1.0, "quote": 1.5, "reply": 0.5, "mention": 0.3}
    )
    half_life_hours: float = 24.0
    damping: float = 0.85
    #: Weight kept by an edge whose target also amplified its source.
    reciprocal_weight: float = 0.2
    #: Kinds that amplify: reciprocity counts only these (replies back and forth are conversation).
    amplifying_kinds: tuple[str, ...] = ("retweet", "quote")
    #: Lifetime posts per day above which an account is increasingly distrusted (humans rarely exceed it).
    human_daily_posts: float = 100.0
    #: Observed posts per hour above which an account is increasingly distrusted (a live-tweeting
    #: person manages one a minute for a while, not three).
    human_hourly_posts: float = 180.0
    #: Observed posts needed before the observed rate counts (a couple of posts say nothing).
    min_posts_for_rate: int = 10
    #: Accounts younger than this many days are distrusted in proportion to their activity burst.
    new_account_days: float = 30.0
    #: Lifetime posts per day at which a young account counts as half a burst.
    burst_daily_posts: float = 20.0
    #: Share of received amplification from reciprocal partners above which trust falls.
    ring_share_tolerance: float = 0.3
    #: A strongly connected component of amplification with more than this share of the
    #: accounts (and more than ``ring_size_floor`` accounts) is the organic core of the
    #: conversation rather than a ring.
    max_ring_share_of_accounts: float = 0.05
    ring_size_floor: int = 50
    #: Blend of the normalized features into the score (before trust scales it).
    w_pagerank: float = 0.55
    w_reach: float = 0.2
    w_engagement: float = 0.15
    w_originality: float = 0.1


class InfluenceScore(msgspec.Struct, frozen=True):
    user_id: str
    username: str | None
    score: float
    rank: int
    followers: int
    evidence: dict[str, float]


Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


def _rate_trust(ratio: Floats) -> Floats:
    """1 well below the human limit, 0.5 at it, falling fast beyond."""
    return 1.0 / (1.0 + ratio**4)


@dataclass(frozen=True)
class _Pairs:
    """The graph: one row per (amplifier, amplified) pair of account numbers, its decayed
    weight before trust, and whether it lies inside a ring."""

    source: Ints
    target: Ints
    weight: Floats
    in_ring: Flags


def _number_edges(
    edges: Iterable[Edge], as_of: datetime, params: InfluenceParams
) -> tuple[list[str], Ints, Ints, Floats, Flags]:
    """Account names by number, and per edge (self-loops dropped): source, target, decayed weight,
    amplifying. Columns are gathered with comprehensions, the only per-edge Python work."""
    kept = [e for e in edges if e.source != e.target]
    number: dict[str, int] = {}
    sources = [number.setdefault(e.source, len(number)) for e in kept]
    targets = [number.setdefault(e.target, len(number)) for e in kept]
    kinds = [e.kind for e in kept]
    ages = np.asarray([e.created_at.timestamp() for e in kept], dtype=np.float64)
    decay = math.log(2) / (params.half_life_hours * 3600)
    kind_weight = np.asarray([params.kind_weights.get(k, 0.0) for k in kinds], dtype=np.float64)
    weight = kind_weight * np.exp(-decay * np.maximum(as_of.timestamp() - ages, 0.0))
    return (
        list(number),
        np.asarray(sources, dtype=np.int64),
        np.asarray(targets, dtype=np.int64),
        weight,
        np.asarray([k in params.amplifying_kinds for k in kinds], dtype=np.bool_),
    )


def _ring_pairs(keys: Ints, amplified: Flags, accounts: int, params: InfluenceParams) -> Flags:
    """Which pairs (``keys`` = source * accounts + target) lie in a ring."""
    amplified_keys = keys[amplified]
    source, target = np.divmod(keys, accounts)
    reciprocal = amplified & np.isin(target * accounts + source, amplified_keys)
    graph: rx.PyDiGraph[None, None] = rx.PyDiGraph()
    graph.add_nodes_from([None] * accounts)
    graph.add_edges_from_no_data(list(zip(*np.divmod(amplified_keys, accounts), strict=True)))
    largest_ring = max(params.ring_size_floor, int(params.max_ring_share_of_accounts * accounts))
    component = np.full(accounts, -1, dtype=np.int64)
    for number, members in enumerate(rx.strongly_connected_components(graph)):
        if 2 <= len(members) <= largest_ring:
            component[list(members)] = number
    same_ring = (component[source] >= 0) & (component[source] == component[target])
    return np.asarray(reciprocal | (amplified & same_ring), dtype=np.bool_)


def _sums(groups: Ints, values: Floats, size: int) -> Floats:
    """Sum of ``values`` per group number, for groups ``0 .. size - 1``."""
    return np.bincount(groups, weights=values, minlength=size).astype(np.float64)


def _pairs(
    source: Ints, target: Ints, weight: Floats, amplifying: Flags, accounts: int, params: InfluenceParams
) -> _Pairs:
    keys, which = np.unique(source * accounts + target, return_inverse=True)
    pair_weight = _sums(which, weight, len(keys))
    amplified = np.bincount(which, weights=amplifying, minlength=len(keys)) > 0
    in_ring = _ring_pairs(keys, amplified, accounts, params)
    pair_source, pair_target = np.divmod(keys, accounts)
    return _Pairs(pair_source, pair_target, pair_weight, in_ring)


@dataclass(frozen=True)
class _Accounts:
    """Per account number: what the profiles say, as arrays."""

    followers: Floats
    tweet_count: Floats
    #: Account age in days (NaN when unknown), at least an hour.
    age_days: Floats
    posts: Floats
    originals: Floats
    observed_hours: Floats
    has_post_times: Flags


def _accounts(names: list[str], profiles: Mapping[str, Profile], as_of: datetime) -> _Accounts:
    columns: list[list[float]] = [[] for _ in range(7)]
    for name in names:
        p = profiles.get(name) or Profile(name)
        created = p.account_created_at
        first, last = p.first_post_at, p.last_post_at
        for column, value in zip(
            columns,
            (
                p.followers,
                p.tweet_count,
                (as_of - created).total_seconds() / SECONDS_PER_DAY if created else math.nan,
                p.posts,
                p.originals,
                (last - first).total_seconds() / 3600 if first and last else 0.0,
                1.0 if first and last else 0.0,
            ),
            strict=True,
        ):
            column.append(float(value))
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    return _Accounts(
        followers=arrays[0],
        tweet_count=arrays[1],
        age_days=np.maximum(arrays[2], 1.0 / 24),
        posts=arrays[3],
        originals=arrays[4],
        observed_hours=arrays[5],
        has_post_times=arrays[6] > 0,
    )


def _account_trust(accounts: _Accounts, params: InfluenceParams) -> dict[str, Floats]:
    known_age = ~np.isnan(accounts.age_days)
    age = np.where(known_age, accounts.age_days, 1.0)
    daily = np.where(known_age, accounts.tweet_count / np.maximum(age, 1.0), 0.0)
    counted = (accounts.posts >= params.min_posts_for_rate) & accounts.has_post_times
    hourly = np.where(counted, accounts.posts / np.maximum(accounts.observed_hours, 0.25), 0.0)
    rate = np.minimum(
        _rate_trust(daily / params.human_daily_posts), _rate_trust(hourly / params.human_hourly_posts)
    )
    youth = np.where(known_age, np.maximum(0.0, 1.0 - age / params.new_account_days), 0.0)
    burst = daily / (daily + params.burst_daily_posts)
    return {
        "daily_posts": np.round(daily, 2),
        "hourly_posts": np.round(hourly, 2),
        "account_age_days": np.where(known_age, np.round(age, 1), -1.0),
        "rate_trust": rate,
        "youth_trust": 1.0 - youth * burst,
    }


def _pagerank(pairs: _Pairs, weight: Floats, trust: Floats, damping: float) -> Floats:
    graph: rx.PyDiGraph[None, float] = rx.PyDiGraph()
    graph.add_nodes_from([None] * len(trust))
    positive = weight > 0
    graph.add_edges_from(
        list(
            zip(
                pairs.source[positive].tolist(),
                pairs.target[positive].tolist(),
                weight[positive].tolist(),
                strict=True,
            )
        )
    )
    teleport = dict(enumerate(np.maximum(trust, 1e-6).tolist()))
    ranks = rx.pagerank(graph, alpha=damping, weight_fn=float, personalization=teleport, tol=1e-8)
    result = np.zeros(len(trust))
    for node, rank in ranks.items():
        result[node] = rank
    return result


def _log_scaled(values: Floats) -> Floats:
    logged = np.log1p(values)
    top = float(logged.max(initial=0.0))
    return logged / top if top > 0 else np.zeros_like(logged)


def rank_influence(
    edges: Iterable[Edge],
    profiles: Mapping[str, Profile],
    as_of: datetime,
    params: InfluenceParams | None = None,
    *,
    limit: int | None = None,
) -> list[InfluenceScore]:
    """Accounts amplified by someone, most influential first, each with the evidence of its score."""
    params = params or InfluenceParams()
    names, source, target, weight, amplifying = _number_edges(edges, as_of, params)
    if not names:
        return []
    count = len(names)
    pairs = _pairs(source, target, weight, amplifying, count, params)

    received = _sums(pairs.target, pairs.weight, count)
    mutual = _sums(pairs.target, pairs.weight * pairs.in_ring, count)
    ring_share = np.divide(mutual, received, out=np.zeros(count), where=received > 0)
    ring_trust = np.minimum(1.0, (1.0 - ring_share) / (1.0 - params.ring_share_tolerance))
    accounts = _accounts(names, profiles, as_of)
    features = _account_trust(accounts, params)
    trust = features["rate_trust"] * features["youth_trust"] * ring_trust

    trusted_weight = (
        pairs.weight * trust[pairs.source] * np.where(pairs.in_ring, params.reciprocal_weight, 1.0)
    )
    pagerank = _pagerank(pairs, trusted_weight, trust, params.damping)
    pagerank = pagerank / (pagerank.max(initial=0.0) or 1.0)
    engagement = _sums(pairs.target, trusted_weight, count)
    amplified = np.zeros(count, dtype=np.bool_)
    amplified[pairs.target] = True
    reach = np.zeros(count)
    reach[amplified] = _log_scaled(accounts.followers[amplified])
    engaged = np.zeros(count)
    engaged[amplified] = _log_scaled(engagement[amplified])
    originality = (accounts.originals + 1) / (accounts.posts + 2)
    blend = (
        params.w_pagerank * pagerank
        + params.w_reach * reach
        + params.w_engagement * engaged
        + params.w_originality * originality
    )
    score = blend * trust
    ranked = sorted(np.flatnonzero(amplified).tolist(), key=lambda n: (-score[n], names[n]))[:limit]
    evidence_columns = {
        "pagerank": pagerank,
        "reach": reach,
        "engagement": engagement,
        "originality": originality,
        "ring_share": ring_share,
        "trust": trust,
        **features,
    }
    results = []
    for rank, n in enumerate(ranked, start=1):
        profile = profiles.get(names[n]) or Profile(names[n])
        results.append(
            InfluenceScore(
                user_id=names[n],
                username=profile.username,
                score=round(float(score[n]), 6),
                rank=rank,
                followers=profile.followers,
                evidence={key: round(float(column[n]), 4) for key, column in evidence_columns.items()},
            )
        )
    return results
