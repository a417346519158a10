from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.product_links import ProductLinker, current_members
from trendwatch.app.social_features import sku_social_daily
from trendwatch.domain.product_links import SIMILARITY_ALONE, ListedProduct, ProductIndex, link_products

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LAMP = ListedProduct("HOME-0001", "Casa Mushroom Lamp", "Casa", ("mushroom lamp", "lampe champignon", "casa"))
VASE = ListedProduct("HOME-0002", "Casa Ripple Vase", "Casa", ("ripple vase", "vase ondulé", "casa"))
SKIRT = ListedProduct("FASH-0001", "Nord Cargo Skirt", "Nord", ("cargo skirt", "jupe cargo", "nord"))


def test_a_topic_is_linked_to_the_products_its_terms_name_in_either_language() -> None:
    index = ProductIndex.of([LAMP, VASE, SKIRT])

    links = link_products(["#lampechampignon", "mushroom lamp", "cozy"], index)

    assert [(link.sku, link.score) for link in links] == [("HOME-0001", 1.0)]
    assert links[0].matched_terms == ("#lampechampignon", "mushroom lamp")
    assert links[0].catalogue_keywords == ("lampe champignon", "mushroom lamp")


def test_a_brand_alone_links_nothing_and_similarity_links_only_when_high() -> None:
    index = ProductIndex.of([LAMP, VASE, SKIRT])
    assert link_products(["casa", "cozy"], index) == []

    close = {"HOME-0002": SIMILARITY_ALONE, "FASH-0001": SIMILARITY_ALONE - 0.01}
    links = link_products(["cozy"], index, close)
    assert [(link.sku, link.matched_terms, link.similarity) for link in links] == [
        ("HOME-0002", (), SIMILARITY_ALONE)
    ]


def test_keyword_links_rank_by_similarity_when_an_embedder_gives_it() -> None:
    index = ProductIndex.of([LAMP, VASE])
    links = link_products(["mushroom lamp", "ripple vase"], index, {"HOME-0001": 0.9, "HOME-0002": 0.5})
    assert [(link.sku, link.score) for link in links] == [("HOME-0001", 0.975), ("HOME-0002", 0.875)]


def test_current_members_follow_the_latest_decision_of_each_term() -> None:
    history = [
        {"term": "mushroom lamp", "topic_id": "t1"},
        {"term": "lampe champignon", "topic_id": "t2"},
        {"term": "lampe champignon", "topic_id": "t1"},  # merged into t1
    ]
    assert current_members(history) == {"t1": ["mushroom lamp", "lampe champignon"]}


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    store = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    yield store
    store.close()


def _tweet(
    warehouse: DuckDBWarehouse, tweet_id: str, author: str, at: datetime, term: str, label: str, text: str
) -> None:
    warehouse.execute(
        "INSERT INTO tweets (tweet_id, created_at, author_id, text) VALUES (@id, @at, @author, @text)",
        {"id": tweet_id, "at": at, "author": author, "text": text},
    )
    warehouse.execute(
        "INSERT INTO tweet_terms (tweet_id, term, kind, lang, author_id, created_at, sentiment_label, "
        "sentiment_score) VALUES (@id, @term, 'keyphrase', 'en', @author, @at, @label, @score)",
        {"id": tweet_id, "term": term, "author": author, "at": at, "label": label, "score": 0.5},
    )


def _seed(warehouse: DuckDBWarehouse) -> None:
    warehouse.merge_rows(
        "products",
        [
            {"sku": p.sku, "name": p.name, "brand": p.brand, "keywords": list(p.keywords), "category": "home"}
            for p in (LAMP, VASE, SKIRT)
        ],
    )
    warehouse.merge_rows(
        "users",
        [{"user_id": u, "followers_count": n} for u, n in (("a", 100), ("b", 50), ("p", 10))],
    )
    warehouse.merge_rows("topics", [{"topic_id": "t1", "label": "mushroom lamp"}])
    warehouse.merge_rows(
        "topic_terms",
        [
            {"term": "mushroom lamp", "topic_id": "t1", "joined_at": T0, "reason": "founder", "seq": 1},
            {"term": "#lampechampignon", "topic_id": "t1", "joined_at": T0, "reason": "catalogue", "seq": 2},
        ],
    )
    _tweet(warehouse, "1", "a", T0 + timedelta(minutes=5), "mushroom lamp", "positive", "love it")
    _tweet(warehouse, "2", "b", T0 + timedelta(minutes=70), "#lampechampignon", "negative", "bof")
    for n in range(3):  # an account that pushes sales: a suspected bot
        at = T0 + timedelta(minutes=80 + n)
        _tweet(warehouse, f"p{n}", "p", at, "mushroom lamp", "neutral", "flash sale -50% code LAMP")


def test_the_job_stores_links_with_evidence_and_hourly_and_daily_windows(warehouse: DuckDBWarehouse) -> None:
    _seed(warehouse)

    report = ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=3))).run()

    assert (report.topics, report.links, report.deleted_links) == (1, 1, 0)
    [link] = warehouse.query("SELECT * FROM topic_products")
    assert (link["topic_id"], link["sku"]) == ("t1", "HOME-0001")
    assert sorted(link["matched_terms"]) == ["#lampechampignon", "mushroom lamp"]
    days = warehouse.query("SELECT * FROM topic_windows WHERE window_size = '1d'")
    assert [(d["tweet_count"], d["unique_authors"], d["reach"]) for d in days] == [(5, 3, 160)]
    assert (days[0]["positive"], days[0]["negative"], days[0]["neutral"]) == (1, 1, 3)
    assert days[0]["bot_share"] == pytest.approx(0.6)
    hours = warehouse.query(
        "SELECT window_start, tweet_count FROM topic_windows WHERE window_size = '1h' ORDER BY window_start"
    )
    assert [h["tweet_count"] for h in hours] == [1, 4]


def test_links_keep_their_first_time_and_go_when_the_topic_stops_naming_the_product(
    warehouse: DuckDBWarehouse,
) -> None:
    _seed(warehouse)
    ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=1))).run()
    before = warehouse.query("SELECT * FROM topic_products ORDER BY sku")
    windows = warehouse.query("SELECT * FROM topic_windows ORDER BY window_size, window_start")
    ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=2))).run()  # the same facts again
    assert warehouse.query("SELECT * FROM topic_products ORDER BY sku") == before
    assert warehouse.query("SELECT * FROM topic_windows ORDER BY window_size, window_start") == windows

    # new evidence (the product's short French name joins the topic): the link is rewritten
    warehouse.merge_rows(
        "topic_terms",
        [{"term": "lampe champignon", "topic_id": "t1", "joined_at": T0, "reason": "catalogue", "seq": 3}],
    )
    ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=2))).run()
    [link] = warehouse.query("SELECT first_linked_at, last_linked_at, matched_terms FROM topic_products")
    assert str(link["first_linked_at"]).startswith("2026-11-02T11:00")
    assert str(link["last_linked_at"]).startswith("2026-11-02T12:00")
    assert "lampe champignon" in link["matched_terms"]

    # both product terms move to another topic (a merge): t1 names no product any more
    warehouse.merge_rows(
        "topic_terms",
        [
            {
                "term": t,
                "topic_id": "t2",
                "joined_at": T0 + timedelta(hours=2),
                "reason": "merge",
                "seq": 3 + i,
            }
            for i, t in enumerate(("mushroom lamp", "#lampechampignon", "lampe champignon"))
        ],
    )
    warehouse.merge_rows("topics", [{"topic_id": "t2", "label": "lamp"}])
    report = ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=3))).run()

    assert report.deleted_links == 1
    assert [(r["topic_id"], r["sku"]) for r in warehouse.query("SELECT * FROM topic_products")] == [
        ("t2", "HOME-0001")
    ]


def test_similarity_from_an_embedder_is_recorded(warehouse: DuckDBWarehouse) -> None:
    _seed(warehouse)

    def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = np.array([[1.0, 0.0] if "lamp" in t else [0.0, 1.0] for t in texts], dtype=np.float32)
        return vectors

    ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=3)), embed=embed).run()

    [link] = warehouse.query("SELECT sku, similarity, score FROM topic_products")
    assert (link["sku"], link["similarity"], link["score"]) == ("HOME-0001", 1.0, 1.0)


def test_each_product_has_a_daily_social_series_from_every_term_naming_it(warehouse: DuckDBWarehouse) -> None:
    _seed(warehouse)
    # talk the day before, in French, before any topic: counted for the product all the same
    _tweet(warehouse, "0", "b", T0 - timedelta(days=1), "lampe champignon", "positive", "trop belle")
    _tweet(warehouse, "9", "z", T0, "cozy", "neutral", "cozy sunday")  # someone talking of anything else
    warehouse.merge_rows(
        "trend_alerts", [{"alert_id": "x", "topic_id": "t1", "first_detected_at": T0 + timedelta(hours=1)}]
    )
    ProductLinker(warehouse, ManualClock(T0 + timedelta(hours=3))).run()

    rows = sku_social_daily(warehouse, (T0 - timedelta(days=2)).date(), T0.date())

    assert [(r["sku"], r["date"].isoformat(), r["voices"], r["tweets"]) for r in rows] == [
        ("HOME-0001", "2026-11-01", 1, 1),
        ("HOME-0001", "2026-11-02", 3, 5),
    ]
    assert [r["days_since_emergence"] for r in rows] == [None, 0]
    assert rows[1]["reach"] == 160 and rows[1]["bot_share"] == pytest.approx(0.6)
    assert [r["all_voices"] for r in rows] == [1, 4]  # every author of the day's tweets
