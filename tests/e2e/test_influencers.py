"""Influence ranking end to end: a generated stream replayed in-process, ranked from the warehouse."""

from __future__ import annotations

import msgspec
import pytest

from trendwatch.app.insights import TOPIC_PREFIX, influencers
from trendwatch.evaluation.influencers import STEALTH_RING_SIZE, plant_stealth_ring
from trendwatch.generator import generate
from trendwatch.generator.truth import Truth
from trendwatch.ports import Warehouse
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Truth, Warehouse]:
    root = tmp_path_factory.mktemp("influencers")
    generate(5, 20, 2.0, root / "data")
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=root / "state", image_ocr=False))
    pipeline.replay(root / "data" / "tweets.jsonl")
    truth = msgspec.json.decode((root / "data" / "truth.json").read_bytes(), type=Truth)
    return truth, pipeline.container.warehouse


def test_planted_influencers_rank_first_and_no_bot_is_in_the_top_20(
    replayed: tuple[Truth, Warehouse],
) -> None:
    truth, warehouse = replayed
    ranked = influencers(warehouse, limit=20)
    planted = {i.user_id for i in truth.influencers}
    assert {r.user_id for r in ranked[: len(planted)]} == planted
    assert not {b.user_id for b in truth.bots} & {r.user_id for r in ranked}
    assert [r.rank for r in ranked] == list(range(1, 21))


def test_the_planted_influencer_leads_the_hashtag_of_its_language(
    replayed: tuple[Truth, Warehouse],
) -> None:
    # A topic id is one term, so one language: the influencer pushes the topic in its own.
    truth, warehouse = replayed
    [topic] = truth.topics
    leaders: dict[str, str] = {}
    for hashtag in topic.hashtags:
        topic_id = TOPIC_PREFIX + "#" + hashtag.lower()
        ranked = influencers(warehouse, topic_id=topic_id, limit=5)
        assert {r.topic_id for r in ranked} == {topic_id}
        leaders[hashtag] = ranked[0].user_id
    assert topic.topic_id == "mushroom-lamp"
    assert leaders["LampeChampignon"] == topic.influencer_ids[0]


def test_persisted_rankings_are_stored_with_their_as_of(replayed: tuple[Truth, Warehouse]) -> None:
    _, warehouse = replayed
    ranked = influencers(warehouse, limit=3, persist=True)
    rows = warehouse.query("SELECT user_id, rank, topic_id, as_of FROM influencers ORDER BY rank")
    assert [(r["user_id"], r["rank"], r["topic_id"]) for r in rows] == [
        (r.user_id, r.rank, "") for r in ranked
    ]
    [latest] = warehouse.query("SELECT MAX(created_at) AS t FROM interactions")
    assert {str(r["as_of"]) for r in rows} == {str(latest["t"])}


def test_a_stealth_rotation_ring_added_to_the_data_stays_out_of_the_top_20(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("stealth")
    generate(5, 20, 2.0, root / "data")
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=root / "state", image_ocr=False))
    pipeline.replay(root / "data" / "tweets.jsonl")
    warehouse = pipeline.container.warehouse
    ring = plant_stealth_ring(warehouse, seed=5)
    ranked = influencers(warehouse, limit=1000)
    members = [r for r in ranked if r.user_id in ring]
    assert len(ring) == STEALTH_RING_SIZE
    assert len(members) == STEALTH_RING_SIZE  # ranked, with the evidence against them
    assert not ring & {r.user_id for r in ranked[:20]}
    assert all(r.evidence["ring_share"] == 1.0 and r.evidence["trust"] < 0.05 for r in members)
