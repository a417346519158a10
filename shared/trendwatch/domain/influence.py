"""Influence on the interaction graph, with resistance to spam and bots.

The graph has an edge ``amplifier -> amplified`` for each retweet, quote, reply or mention,
weighted by its kind and decayed by its age. Influence is a PageRank over that graph (being
amplified by influential accounts counts more), mixed with reach (followers), engagement
received and originality (share of own posts that are not retweets).

Bot and spam resistance comes from a *trust* in [0, 1] per account, the product of:

* ``rate_trust``: accounts posting at an inhuman rate, over their lifetime
  (``tweet_count`` / account age) or in the observed data, are distrusted;
* ``youth_trust``: young accounts with a burst of activity are distrusted;
* ``ring_trust``: accounts whose received amplification comes from accounts they amplify back
  (reciprocal retweet rings) are distrusted.

Trust scales the weight of an account's outgoing edges (a distrusted amplifier lends little),
the teleport vector of the PageRank (TrustRank: no free mass for bots) and the final score.
Reciprocal edges are also discounted on their own, so two accounts retweeting each other
cannot lift each other whatever their trust.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

import msgspec
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


def _rate_trust(ratio: float) -> float:
    """1 well below the human limit, 0.5 at it, falling fast beyond."""
    return 1.0 / (1.0 + ratio**4)


def _age_days(profile: Profile, as_of: datetime) -> float | None:
    if profile.account_created_at is None:
        return None
    return max((as_of - profile.account_created_at).total_seconds() / SECONDS_PER_DAY, 1.0 / 24)


def _lifetime_daily_posts(profile: Profile, as_of: datetime) -> float:
    age = _age_days(profile, as_of)
    return profile.tweet_count / max(age, 1.0) if age is not None else 0.0


def _observed_hourly_posts(profile: Profile, params: InfluenceParams) -> float:
    if profile.posts < params.min_posts_for_rate or not (profile.first_post_at and profile.last_post_at):
        return 0.0
    hours = max((profile.last_post_at - profile.first_post_at).total_seconds() / 3600, 0.25)
    return profile.posts / hours


def _account_trust(profile: Profile, as_of: datetime, params: InfluenceParams) -> dict[str, float]:
    daily = _lifetime_daily_posts(profile, as_of)
    hourly = _observed_hourly_posts(profile, params)
    rate = min(_rate_trust(daily / params.human_daily_posts), _rate_trust(hourly / params.human_hourly_posts))
    age = _age_days(profile, as_of)
    youth = max(0.0, 1.0 - age / params.new_account_days) if age is not None else 0.0
    burst = daily / (daily + params.burst_daily_posts)
    return {
        "daily_posts": round(daily, 2),
        "hourly_posts": round(hourly, 2),
        "account_age_days": round(age, 1) if age is not None else -1.0,
        "rate_trust": rate,
        "youth_trust": 1.0 - youth * burst,
    }


class _Graph(msgspec.Struct):
    """Decayed edge weights by (source, target), before trust is applied."""

    weights: dict[tuple[str, str], float]
    reciprocal: set[tuple[str, str]]


def _decayed_graph(edges: Iterable[Edge], as_of: datetime, params: InfluenceParams) -> _Graph:
    decay = math.log(2) / (params.half_life_hours * 3600)
    weights: dict[tuple[str, str], float] = defaultdict(float)
    amplified: set[tuple[str, str]] = set()
    for e in edges:
        if e.source == e.target:
            continue
        age = max((as_of - e.created_at).total_seconds(), 0.0)
        weights[(e.source, e.target)] += params.kind_weights.get(e.kind, 0.0) * math.exp(-decay * age)
        if e.kind in params.amplifying_kinds:
            amplified.add((e.source, e.target))
    reciprocal = {(s, t) for s, t in amplified if (t, s) in amplified}
    return _Graph(dict(weights), reciprocal)


def _ring_trust(graph: _Graph, params: InfluenceParams) -> tuple[dict[str, float], dict[str, float]]:
    """Per account: the share of received weight from reciprocal partners, and the trust it leaves."""
    received: dict[str, float] = defaultdict(float)
    mutual: dict[str, float] = defaultdict(float)
    for (source, target), weight in graph.weights.items():
        received[target] += weight
        if (source, target) in graph.reciprocal:
            mutual[target] += weight
    share = {user: mutual[user] / total for user, total in received.items() if total > 0}
    tolerance = params.ring_share_tolerance
    trust = {user: min(1.0, (1.0 - s) / (1.0 - tolerance)) for user, s in share.items()}
    return share, trust


def _pagerank(
    weights: Mapping[tuple[str, str], float], trust: Mapping[str, float], damping: float
) -> dict[str, float]:
    graph: rx.PyDiGraph[str, float] = rx.PyDiGraph()
    nodes = sorted({u for pair in weights for u in pair})
    index = dict(zip(nodes, graph.add_nodes_from(nodes), strict=True))
    graph.add_edges_from([(index[s], index[t], w) for (s, t), w in weights.items() if w > 0])
    teleport = {index[u]: max(trust.get(u, 1.0), 1e-6) for u in nodes}
    ranks = rx.pagerank(graph, alpha=damping, weight_fn=float, personalization=teleport, tol=1e-8)
    return {nodes[i]: float(ranks[i]) for i in ranks}


def _log_scaled(values: Mapping[str, float]) -> dict[str, float]:
    top = max((math.log1p(v) for v in values.values()), default=0.0)
    return {k: math.log1p(v) / top if top > 0 else 0.0 for k, v in values.items()}


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
    graph = _decayed_graph(edges, as_of, params)
    users = {u for pair in graph.weights for u in pair}
    ring_share, ring_trust = _ring_trust(graph, params)
    features = {u: _account_trust(profiles.get(u) or Profile(u), as_of, params) for u in users}
    trust = {u: f["rate_trust"] * f["youth_trust"] * ring_trust.get(u, 1.0) for u, f in features.items()}
    weights = {
        (s, t): w * trust[s] * (params.reciprocal_weight if (s, t) in graph.reciprocal else 1.0)
        for (s, t), w in graph.weights.items()
    }
    pagerank = _pagerank(weights, trust, params.damping)
    engagement: dict[str, float] = defaultdict(float)
    for (_, target), weight in weights.items():
        engagement[target] += weight
    top_rank = max(pagerank.values(), default=0.0) or 1.0
    reach = _log_scaled({u: float((profiles.get(u) or Profile(u)).followers) for u in engagement})
    engaged = _log_scaled(engagement)

    scored: list[tuple[float, str, dict[str, float]]] = []
    for user in engagement:
        profile = profiles.get(user) or Profile(user)
        originality = (profile.originals + 1) / (profile.posts + 2)
        blend = (
            params.w_pagerank * pagerank[user] / top_rank
            + params.w_reach * reach[user]
            + params.w_engagement * engaged[user]
            + params.w_originality * originality
        )
        evidence = {
            "pagerank": pagerank[user] / top_rank,
            "reach": reach[user],
            "engagement": engagement[user],
            "originality": originality,
            "ring_share": ring_share.get(user, 0.0),
            "trust": trust[user],
            **features[user],
        }
        scored.append((blend * trust[user], user, {k: round(v, 4) for k, v in evidence.items()}))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        InfluenceScore(
            user_id=user,
            username=(profiles.get(user) or Profile(user)).username,
            score=round(score, 6),
            rank=rank,
            followers=(profiles.get(user) or Profile(user)).followers,
            evidence=evidence,
        )
        for rank, (score, user, evidence) in enumerate(scored[:limit], start=1)
    ]
