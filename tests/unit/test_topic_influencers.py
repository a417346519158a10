"""Influence within a topic reads the interactions around every term of the topic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.insights import first_voices, influencers, topic_terms

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _warehouse(tmp_path: Path) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    # "summer dress" founded the topic, "#summerdress" joined it, "linen" joined then was
    # merged into another topic: it is no longer a term of this one.
    warehouse.merge_rows(
        "topic_terms",
        [
            {
                "term": "summer dress",
                "topic_id": "term:summer dress",
                "joined_at": T0,
                "reason": "founder",
                "seq": 0,
            },
            {
                "term": "#summerdress",
                "topic_id": "term:summer dress",
                "joined_at": T0,
                "reason": "spelling",
                "seq": 1,
            },
            {
                "term": "linen",
                "topic_id": "term:summer dress",
                "joined_at": T0,
                "reason": "cooccurrence",
                "seq": 2,
            },
            {"term": "linen", "topic_id": "term:linen shirt", "joined_at": T0, "reason": "merge", "seq": 3},
        ],
    )
    posts = {"t1": ("alice", "#summerdress"), "t2": ("bob", "linen"), "t3": ("carol", "summer dress")}
    warehouse.merge_rows(
        "tweets", [{"tweet_id": t, "author_id": a, "created_at": T0} for t, (a, _) in posts.items()]
    )
    warehouse.merge_rows(
        "tweet_terms",
        [{"tweet_id": t, "term": term, "author_id": a, "created_at": T0} for t, (a, term) in posts.items()],
    )
    fans = [f"fan{n}" for n in range(4)]
    warehouse.merge_rows(
        "interactions",
        [
            {
                "tweet_id": tweet,
                "kind": "mention",
                "source_user_id": author,
                "target_user_id": fan,
                "created_at": T0 + timedelta(minutes=n),
            }
            for n, fan in enumerate(fans)
            for tweet, (author, _) in posts.items()
        ],
    )
    return warehouse


def test_a_topics_terms_are_its_founder_and_the_terms_whose_latest_topic_it_is(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path)
    assert topic_terms(warehouse, "term:summer dress") == ["#summerdress", "summer dress"]
    assert topic_terms(warehouse, "term:linen shirt") == ["linen", "linen shirt"]
    assert topic_terms(warehouse, "term:#nothing") == ["#nothing"]


def test_topic_influence_counts_interactions_around_every_term_of_the_topic(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path)
    ranked = influencers(warehouse, topic_id="term:summer dress", limit=10)
    # the fans were mentioned from the tweets of "#summerdress" and "summer dress", not "linen"
    assert {r.user_id for r in ranked} == {"fan0", "fan1", "fan2", "fan3"}
    assert {r.topic_id for r in ranked} == {"term:summer dress"}
    overall = influencers(warehouse, limit=10)
    assert {r.user_id for r in overall} == {"fan0", "fan1", "fan2", "fan3"}
    assert sum(r.evidence["engagement"] for r in overall) > sum(r.evidence["engagement"] for r in ranked)


def test_first_voices_are_the_earliest_original_authors_on_any_term_of_the_topic(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path)
    warehouse.merge_rows(
        "tweets",
        [
            {"tweet_id": "t0", "author_id": "dave", "created_at": T0 - timedelta(minutes=5)},
            {
                "tweet_id": "t4",
                "author_id": "carol",
                "created_at": T0 - timedelta(minutes=9),
                "retweet_of": "t1",
            },
            {"tweet_id": "t5", "author_id": "alice", "created_at": T0 + timedelta(minutes=9)},
        ],
    )
    warehouse.merge_rows(
        "tweet_terms",
        [
            {"tweet_id": "t0", "term": "#summerdress", "author_id": "dave", "created_at": T0},
            {"tweet_id": "t4", "term": "#summerdress", "author_id": "carol", "created_at": T0},
            {"tweet_id": "t5", "term": "summer dress", "author_id": "alice", "created_at": T0},
        ],
    )
    voices = first_voices(warehouse, "term:summer dress", limit=5)
    # dave posted first; carol's earlier post is a retweet and does not count; bob spoke of linen
    assert [(v.rank, v.user_id, v.tweet_id) for v in voices] == [
        (1, "dave", "t0"),
        (2, "alice", "t1"),
        (3, "carol", "t3"),
    ]
    assert voices[0].first_post_at == T0 - timedelta(minutes=5)
