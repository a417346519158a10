"""Influence ranking against planted influencers, planted bots and a stealth ring; recompute time.

For each seed a stream is generated and replayed through the in-process pipeline; rankings
come from :func:`trendwatch.app.insights.influencers`, as ``trendwatch influencers`` gets them.

* Overall: the relevant users are every planted influencer (one per topic plus a general
  one); NDCG@10 with binary relevance, precision@10 (at most relevant/10), and the planted
  bots found in the top 20. The generator's bots are young and post at inhuman rates.
* Stealth ring: the harder attack, added to the warehouse after the replay — aged accounts
  with human posting rates and bought followers, each retweeting the next three members in
  turn every few minutes, so that no two members amplify each other and none looks like a bot
  on its own. None of them may reach the top 20 either.
* Per topic: a topic id is one term, so one language; each planted topic is evaluated on its
  hashtag in each language, its influencer being the one relevant user, and the better of the
  two is kept (the influencer posts in one language). Precision@10 is at most 0.1 there.

Recompute time: ``rank_influence`` on synthetic edges (Zipf-skewed target popularity over a
day) with profiles for every account.
"""

from __future__ import annotations

import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from trendwatch.app.insights import TOPIC_PREFIX, influencers
from trendwatch.domain.influence import Edge, InfluenceParams, Profile, rank_influence
from trendwatch.evaluation.ranking import ndcg, precision
from trendwatch.generator import generate
from trendwatch.generator.truth import Truth
from trendwatch.ports import Warehouse
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

K = 10
TOP = 20
SECTION = "## Influential users"
STEALTH_RING_SIZE = 24
STEALTH_RING_STEPS = (1, 2, 3)
STEALTH_RING_EVERY = timedelta(minutes=5)


class SeedResult(msgspec.Struct):
    seed: int
    tweets: int
    ndcg: float
    precision: float
    bots_in_top20: int
    #: Rank of the best-placed planted bot among every ranked account (0: none ranked).
    best_bot_rank: int
    stealth_in_top20: int
    best_stealth_rank: int
    stealth_edges: int
    ranked: int
    topic_ndcg: list[float]
    topic_precision: list[float]
    rank_seconds: float


class Evaluation(msgspec.Struct):
    seeds: list[SeedResult]
    recompute_seconds: float
    edges: int
    users: int


def _ids(warehouse: Warehouse, topic_id: str | None, limit: int) -> list[str]:
    return [r.user_id for r in influencers(warehouse, topic_id=topic_id, limit=limit)]


def plant_stealth_ring(warehouse: Warehouse, seed: int) -> set[str]:
    """Add a rotation ring of credible-looking accounts over the last two hours of the data;
    returns the members' ids."""
    rng = random.Random(seed)
    end = msgspec.convert(
        warehouse.query("SELECT MAX(created_at) AS at FROM interactions")[0], dict[str, datetime]
    )["at"]
    members = [f"stealth{n}" for n in range(STEALTH_RING_SIZE)]
    warehouse.merge_rows(
        "users",
        [
            {
                "user_id": user,
                "username": f"daily_deals_{n}",
                "name": f"Deals {n}",
                "followers_count": rng.randint(40_000, 60_000),
                "following_count": rng.randint(200, 900),
                "tweet_count": rng.randint(4_000, 6_000),
                "verified": False,
                "account_created_at": end - timedelta(days=rng.randint(900, 1500)),
                "last_seen_at": end,
            }
            for n, user in enumerate(members)
        ],
    )
    rounds = int(timedelta(hours=2) / STEALTH_RING_EVERY)
    edges = []
    for round_number in range(rounds):
        at = end - round_number * STEALTH_RING_EVERY
        for i, source in enumerate(members):
            for step in STEALTH_RING_STEPS:
                target = members[(i + step) % STEALTH_RING_SIZE]
                tweet_id = f"ring-{round_number}-{i}-{step}"
                edges.append(
                    {
                        "tweet_id": tweet_id,
                        "kind": "retweet",
                        "source_user_id": source,
                        "target_user_id": target,
                        "created_at": at - timedelta(seconds=rng.randrange(240)),
                    }
                )
    warehouse.merge_rows("interactions", edges)
    return set(members)


def _rank_of_first(ranked: Sequence[str], wanted: set[str]) -> int:
    return next((n for n, user in enumerate(ranked, 1) if user in wanted), 0)


def evaluate_seed(seed: int, minutes: int, rate: float) -> SeedResult:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(seed, minutes, rate, root / "data")
        pipeline = LocalPipeline(Settings.from_env({}, state_dir=root / "state"))
        pipeline.replay(root / "data" / "tweets.jsonl")
        truth = msgspec.json.decode((root / "data" / "truth.json").read_bytes(), type=Truth)
        warehouse = pipeline.container.warehouse
        stealth = plant_stealth_ring(warehouse, seed)
        started = time.perf_counter()
        everyone = _ids(warehouse, None, 1_000_000_000)
        seconds = time.perf_counter() - started
        top = everyone[:TOP]
        bots = {b.user_id for b in truth.bots}
        planted = {i.user_id for i in truth.influencers}
        topic_ndcg, topic_precision = [], []
        for topic in truth.topics:
            relevant = set(topic.influencer_ids)
            rankings = [_ids(warehouse, TOPIC_PREFIX + "#" + tag.lower(), K) for tag in topic.hashtags]
            best = max(rankings, key=lambda ranked: ndcg(ranked, relevant, K))
            topic_ndcg.append(ndcg(best, relevant, K))
            topic_precision.append(precision(best, relevant, K))
        return SeedResult(
            seed=seed,
            tweets=truth.counts.tweets,
            ndcg=ndcg(top, planted, K),
            precision=precision(top, planted, K),
            bots_in_top20=len(bots & set(top)),
            best_bot_rank=_rank_of_first(everyone, bots),
            stealth_in_top20=len(stealth & set(top)),
            best_stealth_rank=_rank_of_first(everyone, stealth),
            stealth_edges=int(2 * 60 / 5) * STEALTH_RING_SIZE * len(STEALTH_RING_STEPS),
            ranked=len(everyone),
            topic_ndcg=topic_ndcg,
            topic_precision=topic_precision,
            rank_seconds=seconds,
        )


def synthetic_edges(count: int, users: int, seed: int = 1) -> tuple[list[Edge], dict[str, Profile]]:
    rng = random.Random(seed)
    now = datetime(2026, 11, 2, tzinfo=UTC)
    weights = [(rank + 1) ** -1.1 for rank in range(users)]
    targets = rng.choices(range(users), weights, k=count)
    kinds = rng.choices(("retweet", "quote", "reply", "mention"), (0.6, 0.1, 0.2, 0.1), k=count)
    edges = [
        Edge(f"u{rng.randrange(users)}", f"u{t}", kind, now - timedelta(seconds=rng.randrange(86_400)))
        for t, kind in zip(targets, kinds, strict=True)
    ]
    profiles = {
        f"u{n}": Profile(
            f"u{n}",
            f"user{n}",
            followers=int(rng.lognormvariate(5, 1.4)),
            tweet_count=int(rng.lognormvariate(7, 1.2)),
            account_created_at=now - timedelta(days=rng.randrange(3, 5000)),
        )
        for n in range(users)
    }
    return edges, profiles


def time_recompute(count: int, users: int) -> float:
    """Seconds for the whole ranking, from edge records to ranked scores."""
    edges, profiles = synthetic_edges(count, users)
    as_of = max(e.created_at for e in edges)
    started = time.perf_counter()
    rank_influence(edges, profiles, as_of, limit=TOP)
    return time.perf_counter() - started


def evaluate(
    seeds: Sequence[int],
    minutes: int,
    rate: float,
    *,
    edges: int,
    users: int,
    progress: Callable[[str], Any] = lambda step: None,
) -> Evaluation:
    results = []
    for seed in seeds:
        progress(f"seed {seed}")
        results.append(evaluate_seed(seed, minutes, rate))
    progress(f"recompute on {edges:,} edges")
    return Evaluation(results, time_recompute(edges, users) if edges else 0.0, edges, users)


def render(evaluation: Evaluation, command: str) -> str:
    params = InfluenceParams()
    results = evaluation.seeds
    topic_ndcg = [v for r in results for v in r.topic_ndcg]
    topic_precision = [v for r in results for v in r.topic_precision]
    rows = "\n".join(
        f"| {r.seed} | {r.tweets} | {r.ndcg:.3f} | {r.precision:.2f} | {r.bots_in_top20} | "
        f"{r.best_bot_rank} | {r.stealth_in_top20} | {r.best_stealth_rank} | {r.ranked} | "
        f"{' / '.join(f'{v:.2f}' for v in r.topic_ndcg)} | {r.rank_seconds:.2f} |"
        for r in results
    )
    recompute = (
        f"Recompute time on {evaluation.edges:,} synthetic edges between {evaluation.users:,} accounts "
        f"(Zipf-skewed targets, one day of timestamps), whole ranking from edge records to ranked scores "
        f"(graph with rustworkx, which ran the same PageRank about 4x faster than networkx here): "
        f"**{evaluation.recompute_seconds:.2f} s**."
        if evaluation.edges
        else ""
    )
    return f"""{SECTION}

Measured {datetime.now(UTC):%Y-%m-%d} on {platform.system()} {platform.machine()}, Python {platform.python_version()} with
`{command}`.
Each stream is generated and replayed through the in-process pipeline; rankings come from
`trendwatch.app.insights.influencers` (as `trendwatch influencers --json`). Relevant users overall: every
planted influencer (one per planted topic and a general one); per topic: the topic's influencer, on the
better of the topic's two hashtags (`term:#<hashtag>`, one per language). Precision@10 cannot exceed
relevant/10 (0.4 overall with three topics, 0.1 per topic).

Two kinds of attackers are planted. The generator's bots are young accounts posting at inhuman
rates, part of them retweeting one another. The **stealth ring** is added to the warehouse after
the replay: {STEALTH_RING_SIZE} accounts three to four years old, with human posting rates and
40-60k bought followers, each retweeting the next {len(STEALTH_RING_STEPS)} members in turn every
{int(STEALTH_RING_EVERY.total_seconds() // 60)} minutes for two hours ({results[0].stealth_edges if results else 0} retweets, more amplification than any planted
influencer gets), so that no two members amplify each other and none looks like a bot alone.

| seed | tweets | NDCG@10 | precision@10 | bots in top 20 | best bot rank | stealth ring in top 20 | best stealth rank | ranked | NDCG@10 per topic | seconds to rank |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

Mean NDCG@10 overall {statistics.mean(r.ndcg for r in results):.3f}, per topic
{statistics.mean(topic_ndcg):.3f} (precision@10 per topic {statistics.mean(topic_precision):.2f});
planted bots in any top 20: {sum(r.bots_in_top20 for r in results)}; stealth-ring accounts in any top 20:
{sum(r.stealth_in_top20 for r in results)}.
Targets: NDCG@10 >= 0.9 overall, no planted bot in the top 20.

{recompute}

Features (`trendwatch.domain.influence`, defaults of `InfluenceParams`):

* graph: an edge amplifier -> amplified per interaction, weighted by kind ({params.kind_weights}) and
  decayed with a half-life of {params.half_life_hours:g} h from the latest interaction;
* PageRank (damping {params.damping}) on that graph, each edge scaled by its source's trust, with
  teleport proportional to trust (TrustRank), so distrusted accounts neither lend nor receive free mass;
* score = trust x ({params.w_pagerank} PageRank/max + {params.w_reach} log-followers/max +
  {params.w_engagement} log-engagement received/max + {params.w_originality} originality), originality
  being the smoothed share of own posts that are not retweets;
* trust = rate trust x youth trust x ring trust:
  rate trust falls past {params.human_daily_posts:g} posts a day over the account's life or
  {params.human_hourly_posts:g} an hour in the data (from {params.min_posts_for_rate} posts);
  youth trust falls for accounts younger than {params.new_account_days:g} days in proportion to their
  posting burst (half at {params.burst_daily_posts:g} posts a day);
  ring trust falls once more than {params.ring_share_tolerance:.0%} of the amplification an account
  receives comes from its ring, and ring edges keep only {params.reciprocal_weight:.0%} of their weight.
  A ring is a pair amplifying each other (retweets and quotes; replies back and forth are conversation)
  or a strongly connected component of amplification of at most
  max({params.ring_size_floor}, {params.max_ring_share_of_accounts:.0%} of the accounts): a rotation ring
  has no reciprocal pair but every member reaches every other, while a larger component is the organic
  core of a busy conversation.

Every ranked user's `evidence` carries these features.
"""
