from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trendwatch.domain.influence import Edge, Profile, rank_influence

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
OLD_ACCOUNT = NOW - timedelta(days=2000)


def _human(user_id: str, followers: int = 100) -> Profile:
    return Profile(user_id, user_id, followers, tweet_count=4000, account_created_at=OLD_ACCOUNT)


def _retweet(source: str, target: str, minutes_ago: float = 5.0) -> Edge:
    return Edge(source, target, "retweet", NOW - timedelta(minutes=minutes_ago))


def _profiles(*profiles: Profile) -> dict[str, Profile]:
    return {p.user_id: p for p in profiles}


def test_the_centre_of_a_star_ranks_first() -> None:
    leaves = [f"leaf{n}" for n in range(5)]
    edges = [_retweet(leaf, "hub") for leaf in leaves] + [_retweet("leaf0", "leaf1")]
    ranked = rank_influence(edges, _profiles(*map(_human, ["hub", *leaves])), NOW)
    assert [r.user_id for r in ranked] == ["hub", "leaf1"]
    assert ranked[0].rank == 1 and ranked[0].evidence["pagerank"] == 1.0


def test_amplification_flows_down_a_chain_to_its_end() -> None:
    # a amplifies b, b amplifies c, c amplifies d: d is amplified by the most amplified.
    edges = [_retweet("a", "b"), _retweet("b", "c"), _retweet("c", "d")]
    ranked = rank_influence(edges, _profiles(*map(_human, "abcd")), NOW)
    assert [r.user_id for r in ranked] == ["d", "c", "b"]
    assert (
        ranked[0].evidence["pagerank"]
        == 1.0
        > ranked[1].evidence["pagerank"]
        > ranked[2].evidence["pagerank"]
    )


def test_a_reciprocal_retweet_ring_of_young_bots_ranks_below_a_genuine_account() -> None:
    bots = [f"bot{n}" for n in range(6)]
    ring = [_retweet(s, t, minutes) for minutes in range(10) for s in bots for t in bots if s != t]
    fans = [f"fan{n}" for n in range(3)]
    edges = ring + [_retweet(fan, "genuine") for fan in fans]
    young = [Profile(b, b, 20, tweet_count=30_000, account_created_at=NOW - timedelta(days=10)) for b in bots]
    ranked = rank_influence(edges, _profiles(*young, *map(_human, ["genuine", *fans])), NOW)
    assert ranked[0].user_id == "genuine"
    for bot in ranked[1:]:
        assert bot.evidence["ring_share"] == 1.0
        assert bot.evidence["trust"] < 0.01
        assert bot.score < ranked[0].score / 100


def test_an_account_posting_at_an_inhuman_rate_is_distrusted() -> None:
    edges = [_retweet(f"fan{n}", target) for n in range(4) for target in ("steady", "spammer")]
    spammer = Profile(
        "spammer", "spammer", 100, tweet_count=50_000, account_created_at=NOW - timedelta(days=100)
    )
    fans = [_human(f"fan{n}") for n in range(4)]
    ranked = rank_influence(edges, _profiles(_human("steady"), spammer, *fans), NOW)
    assert [r.user_id for r in ranked] == ["steady", "spammer"]
    assert ranked[1].evidence["daily_posts"] == 500.0
    assert ranked[1].evidence["rate_trust"] < 0.01
    assert ranked[0].evidence["rate_trust"] == 1.0  # two tweets a day


def test_an_observed_burst_of_posts_is_distrusted() -> None:
    edges = [_retweet(f"fan{n}", target) for n in range(4) for target in ("steady", "burst")]
    burst = Profile(
        "burst",
        "burst",
        100,
        tweet_count=4000,
        account_created_at=OLD_ACCOUNT,
        posts=1000,
        originals=1000,
        first_post_at=NOW - timedelta(hours=1),
        last_post_at=NOW,
    )
    ranked = rank_influence(edges, _profiles(_human("steady"), burst), NOW)
    assert [r.user_id for r in ranked] == ["steady", "burst"]
    assert ranked[1].evidence["hourly_posts"] == 1000.0
    assert ranked[1].evidence["rate_trust"] < 0.01


def test_a_new_account_with_a_burst_of_activity_is_distrusted() -> None:
    edges = [_retweet(f"fan{n}", target) for n in range(4) for target in ("veteran", "newcomer")]
    newcomer = Profile(
        "newcomer", "newcomer", 100, tweet_count=300, account_created_at=NOW - timedelta(days=3)
    )
    ranked = rank_influence(edges, _profiles(_human("veteran"), newcomer), NOW)
    assert [r.user_id for r in ranked] == ["veteran", "newcomer"]
    assert ranked[1].evidence["account_age_days"] == 3.0
    assert 0.1 < ranked[1].evidence["youth_trust"] < 0.3


def test_old_amplification_counts_less_than_recent() -> None:
    edges = [_retweet(f"fan{n}", "recent", 10) for n in range(3)]
    edges += [_retweet(f"fan{n}", "faded", 3 * 24 * 60) for n in range(3)]
    ranked = rank_influence(edges, _profiles(*map(_human, ["recent", "faded"])), NOW)
    assert [r.user_id for r in ranked] == ["recent", "faded"]
    assert ranked[1].evidence["engagement"] == round(3 * 0.5**3, 4)


def test_replies_back_and_forth_are_not_a_ring() -> None:
    edges = [Edge("a", "b", "reply", NOW), Edge("b", "a", "reply", NOW)]
    ranked = rank_influence(edges, _profiles(*map(_human, "ab")), NOW)
    assert {r.user_id: r.evidence["ring_share"] for r in ranked} == {"a": 0.0, "b": 0.0}


def test_a_rotation_ring_without_reciprocal_pairs_ranks_below_a_genuine_account() -> None:
    # Aged accounts with human posting rates and bought followers, each retweeting the next
    # three in turn: no pair amplifies each other, but every member reaches every other.
    ring = [f"ring{n}" for n in range(12)]
    rotation = [
        _retweet(ring[i], ring[(i + step) % 12], minutes)
        for minutes in range(20)
        for i in range(12)
        for step in (1, 2, 3)
    ]
    fans = [f"fan{n}" for n in range(8)]
    edges = rotation + [_retweet(fan, "genuine") for fan in fans]
    ranked = rank_influence(
        edges, _profiles(*(_human(r, followers=50_000) for r in ring), *map(_human, ["genuine", *fans])), NOW
    )
    assert ranked[0].user_id == "genuine"
    members = [r for r in ranked if r.user_id in ring]
    assert len(members) == 12
    assert all(r.evidence["ring_share"] == 1.0 and r.score < ranked[0].score / 100 for r in members)


def test_the_large_organic_core_of_a_busy_conversation_is_not_a_ring() -> None:
    # 120 accounts retweeting one another around a cycle with chords: one strongly connected
    # component holding most of the conversation, as a lively topic makes. Its members keep their trust.
    people = [f"p{n}" for n in range(120)]
    edges = [_retweet(people[i], people[(i + step) % 120]) for i in range(120) for step in (1, 7)]
    ranked = rank_influence(edges, _profiles(*map(_human, people)), NOW)
    assert len(ranked) == 120
    assert all(r.evidence["ring_share"] == 0.0 and r.evidence["trust"] == 1.0 for r in ranked)
