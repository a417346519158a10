"""The analysts' JSON API on a warehouse the real local pipeline built from a generated stream.

Expected values come from the warehouse itself (SQL written here) or from the planted truth.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

import trendwatch
from tests.e2e.conftest import analyst_state_copy
from tests.fakes.loopback import free_port, wait_until_healthy
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.embedder import WordLlamaEmbedder
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.app import create_app, open_for_reading
from trendwatch.api.labelling import labeller_for
from trendwatch.api.read import MEDIA_PATH, AnalystReads
from trendwatch.app.insights import influencers
from trendwatch.app.saved_searches import save_search, search_tweets
from trendwatch.app.search import search
from trendwatch.app.search_engines import DuckDBSearchEngine
from trendwatch.app.trends import find_emergences
from trendwatch.bootstrap import supply_job
from trendwatch.cli.pipeline import load_generated_feeds
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.generator import generate
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

#: The stream is short (24 minutes), so the detector warms up for 8 minutes instead of 60.
EMERGENCE = EmergenceParams(warmup=8)
METRICS = [
    ("sentiment", "1", "tweets-fr", "f1", 0.71, "2026-11-01T10:00:00+00:00"),
    ("sentiment", "2", "tweets-fr", "f1", 0.78, "2026-11-02T10:00:00+00:00"),
    ("sentiment", "2", "tweets-fr", "accuracy", 0.81, "2026-11-02T10:00:00+00:00"),
    ("language", "1", "tweets-mixed", "accuracy", 0.93, "2026-11-02T11:00:00+00:00"),
]


def saved_searches(truth: dict[str, Any]) -> dict[str, str]:
    """Searches an analyst saved: the first planted topic's hashtag or phrase, and French images."""
    topic = truth["topics"][0]
    return {
        "planted topic": f'#{topic["hashtags"][0]} OR "{topic["phrases"][0]}"',
        "french images": "lang:fr has:image",
    }


def build_state(root: Path) -> Settings:
    """Generate a stream with four weeks of retail history, load the feeds (the catalogue first,
    then day by day, as at a retailer), replay the stream through the local pipeline, run the
    day's forecasts and restock, store a few model metrics, and close the writer so that
    readers may open the warehouse."""
    generate(3, 24, 1.0, root / "data", history_days=28)
    settings = Settings.from_env({}, state_dir=root / "state")
    pipeline = LocalPipeline(settings)
    load_generated_feeds(pipeline, root / "data")
    pipeline.replay(root / "data" / "tweets.jsonl")
    supply_job(pipeline.container).run()
    writer = pipeline.container.warehouse
    for name, query in saved_searches(json.loads((root / "data" / "truth.json").read_text())).items():
        save_search(writer, name, query)
    writer.merge_rows(
        "model_metrics",
        [
            dict(zip(("model", "version", "dataset", "metric", "value", "evaluated_at"), m, strict=True))
            for m in METRICS
        ],
    )
    assert isinstance(writer, DuckDBWarehouse)
    writer.close()
    return settings


def analyst_app(settings: Settings) -> tuple[FastAPI, DuckDBWarehouse]:
    """The application as ``trendwatch serve`` builds it: reads, and labels left in the lake."""
    warehouse, engine = open_for_reading(settings.warehouse_path)
    lake = LocalBlobStore(settings.lake_dir)
    reads = AnalystReads(
        warehouse, lake, search_engine=engine, embedder=WordLlamaEmbedder(), emergence=EMERGENCE
    )
    return create_app(reads, labeller=labeller_for("local", warehouse, lake)), warehouse


class Served:
    """The API on a copy of the analysts' state (see ``build_state``) in ``root``."""

    def __init__(self, built: Path, root: Path) -> None:
        self.settings = analyst_state_copy(built, root)
        self.truth = json.loads((root / "data" / "truth.json").read_text())
        app, self.warehouse = analyst_app(self.settings)
        self.client = TestClient(app)

    def get(self, url: str, **params: Any) -> Any:
        response = self.client.get(url, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def every(self, url: str, **params: Any) -> list[Any]:
        """Every item of a paged list, page after page."""
        items: list[Any] = []
        while True:
            page = self.get(url, limit=100, offset=len(items), **params)
            items += page["items"]
            if len(items) >= page["total"]:
                return items


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, analyst_state_built: Path) -> Iterator[Served]:
    served = Served(analyst_state_built, tmp_path_factory.mktemp("api"))
    yield served
    served.warehouse.close()


def _planted_topic(api: Served) -> Any:
    """The emerging topic that holds the first planted topic's first hashtag."""
    hashtag = "#" + api.truth["topics"][0]["hashtags"][0].lower()
    return next(t for t in api.every("/api/v1/topics") if hashtag in t["terms"])


def _topic_url(topic_id: str, root: str = "/api/v1/topics/") -> str:
    return root + quote(topic_id, safe=":")


def test_emerging_topics_are_the_detectors_newest_first_with_each_terms_series(api: Served) -> None:
    expected = find_emergences(api.warehouse, params=EMERGENCE, persist_topics=False)
    newest = sorted((e.summary for e in expected), key=lambda t: (t.first_detected_at, t.score), reverse=True)
    found = api.every("/api/v1/topics")
    assert [(t["topic_id"], t["terms"]) for t in found] == [(t.topic_id, t.terms) for t in newest]
    assert len(found) > 5
    first = found[0]
    [row] = api.warehouse.query(
        "SELECT SUM(tweet_count) AS n FROM term_windows WHERE window_size = '1m' AND term IN UNNEST(@terms)",
        {"terms": first["terms"]},
    )
    assert sum(p["tweets"] for p in first["series"]["points"]) == row["n"]
    assert 20 <= len(first["series"]["points"]) <= 25


def test_pages_of_emerging_topics_tile_the_list(api: Served) -> None:
    whole = api.get("/api/v1/topics", limit=6)["items"]
    pages = [api.get("/api/v1/topics", limit=3, offset=o) for o in (0, 3)]
    assert [t["topic_id"] for p in pages for t in p["items"]] == [t["topic_id"] for t in whole]
    assert {(p["limit"], p["offset"]) for p in pages} == {(3, 0), (3, 3)}


def test_emerging_topics_filter_by_language_category_and_detection_time(api: Served) -> None:
    every = api.every("/api/v1/topics")
    french = api.every("/api/v1/topics", lang="fr")
    assert [t["topic_id"] for t in french] == [t["topic_id"] for t in every if "fr" in t["languages"]]
    assert 0 < len(french) < len(every)
    category = every[0]["category"]
    same = api.every("/api/v1/topics", category=category)
    assert [t["topic_id"] for t in same] == [t["topic_id"] for t in every if t["category"] == category]
    times = sorted({t["first_detected_at"] for t in every})
    cut = times[len(times) // 2]
    later = api.every("/api/v1/topics", since=cut)
    assert [t["topic_id"] for t in later] == [t["topic_id"] for t in every if t["first_detected_at"] >= cut]
    by_score = api.every("/api/v1/topics", sort="score")
    assert [t["score"] for t in by_score] == sorted((t["score"] for t in every), reverse=True)


def test_topic_detail_tells_the_story_of_a_planted_topic(api: Served) -> None:
    topic_id = _planted_topic(api)["topic_id"]
    detail = api.get(_topic_url(topic_id))
    terms = detail["terms"]
    [facts] = api.warehouse.query(
        "SELECT COUNT(*) AS facts, COUNT(DISTINCT tweet_id) AS tweets FROM tweet_terms WHERE term IN UNNEST(@terms)",
        {"terms": terms},
    )
    assert detail["emergence"]["topic_id"] == topic_id
    # the series sums each term's windows; the languages count each tweet once
    assert sum(p["tweets"] for p in detail["series"]["points"]) == facts["facts"]
    assert sum(sum(p["languages"].values()) for p in detail["series"]["points"]) == facts["facts"]
    assert sum(s["tweets"] for s in detail["languages"]) == facts["tweets"]
    retweets = [t["retweets"] for t in detail["top_tweets"]]
    assert retweets == sorted(retweets, reverse=True) and retweets[0] > 0
    ranked = influencers(api.warehouse, topic_id=topic_id, limit=10)
    assert [i["user_id"] for i in detail["influencers"]] == [r.user_id for r in ranked]
    assert set(api.truth["topics"][0]["linked_skus"]) <= {p["sku"] for p in detail["products"]}
    projected = {
        r["sku"]: r["cover"]
        for r in api.warehouse.query(
            "SELECT sku, MIN(days_of_cover) AS cover FROM stock_cover "
            "WHERE as_of = (SELECT MAX(as_of) FROM stock_cover) GROUP BY sku"
        )
    }
    assert all(p["days_of_cover"] == pytest.approx(projected[p["sku"]]) for p in detail["products"])
    assert detail["related_terms"] and not set(terms) & {t["term"] for t in detail["related_terms"]}


def test_topic_images_are_served_from_the_lake(api: Served) -> None:
    [pictured] = api.warehouse.query(
        "SELECT tt.term, COUNT(DISTINCT m.near_duplicate_group) AS groups FROM tweet_terms AS tt "
        "JOIN media AS m ON m.tweet_id = tt.tweet_id GROUP BY tt.term ORDER BY groups DESC, tt.term LIMIT 1"
    )
    images = api.get(_topic_url("term:" + pictured["term"]), top=3)["images"]
    assert len(images) == min(3, pictured["groups"])
    response = api.client.get(images[0]["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_topic_detail_filters_by_language_and_buckets(api: Served) -> None:
    topic_id = _planted_topic(api)["topic_id"]
    lang = api.truth["topics"][0]["languages"][0]
    detail = api.get(_topic_url(topic_id), lang=lang, bucket_minutes=5)
    assert {code for p in detail["series"]["points"] for code in p["languages"]} == {lang}
    assert detail["series"]["bucket_minutes"] == 5
    assert {t["lang"] for t in detail["top_tweets"]} == {lang}


def test_influencers_overall_and_per_topic_come_in_pages(api: Served) -> None:
    overall = api.get("/api/v1/influencers", limit=5, offset=5)
    assert [i["rank"] for i in overall["items"]] == [6, 7, 8, 9, 10]
    assert overall["items"][0]["user_id"] == influencers(api.warehouse, limit=6)[5].user_id
    topic_id = _planted_topic(api)["topic_id"]
    on_topic = api.get("/api/v1/influencers", topic_id=topic_id, limit=3)
    assert {i["topic_id"] for i in on_topic["items"]} == {topic_id}


def test_search_finds_original_tweets_holding_every_word_newest_first(api: Served) -> None:
    words = api.truth["topics"][0]["phrases"][0].split()
    rows = api.warehouse.query("SELECT tweet_id, text, lang FROM tweets WHERE retweet_of IS NULL")
    holding = [r for r in rows if all(w in r["text"].lower() for w in words)]
    page = api.get("/api/v1/tweets/search", q=" ".join(w.upper() for w in words), limit=100)
    assert page["total"] == len(holding) > 0
    assert {t["tweet_id"] for t in page["items"]} <= {r["tweet_id"] for r in holding}
    times = [t["created_at"] for t in page["items"]]
    assert times == sorted(times, reverse=True)
    english = api.get("/api/v1/tweets/search", q=" ".join(words), lang="en", limit=2, offset=1)
    assert english["total"] == sum(r["lang"] == "en" for r in holding)
    assert len(english["items"]) == 2 and {t["lang"] for t in english["items"]} == {"en"}


def test_hybrid_search_fuses_keyword_and_semantic_ranks_of_the_warehouse(api: Served) -> None:
    phrase = api.truth["topics"][0]["phrases"][0]
    found = api.get("/api/v1/tweets/hybrid-search", q=phrase, limit=10)
    expected = search(DuckDBSearchEngine(api.warehouse), WordLlamaEmbedder(), phrase, limit=10)
    assert [h["tweet_id"] for h in found["items"]] == [h.tweet_id for h in expected]
    assert found["query"] == phrase and len(found["items"]) == 10
    top = found["items"][0]
    assert top["keyword_rank"] and top["semantic_rank"] and phrase in top["text"].lower()
    scores = [h["score"] for h in found["items"]]
    assert scores == sorted(scores, reverse=True)
    french = api.get("/api/v1/tweets/hybrid-search", q=phrase, lang="fr", limit=5)["items"]
    assert french and {h["lang"] for h in french} == {"fr"}


def test_hybrid_search_on_a_warehouse_without_embeddings_is_a_409(tmp_path: Path) -> None:
    empty = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    reads = AnalystReads(empty, search_engine=DuckDBSearchEngine(empty), embedder=WordLlamaEmbedder())
    response = TestClient(create_app(reads)).get("/api/v1/tweets/hybrid-search", params={"q": "lamp"})
    assert response.status_code == 409
    assert "no tweet embeddings" in response.json()["detail"]
    page = TestClient(create_app(reads)).get("/search", params={"q": "lamp", "mode": "meaning"})
    assert page.status_code == 200 and "no tweet embeddings" in page.text
    empty.close()


def test_a_boolean_query_answers_its_volume_over_time_and_newest_tweets(api: Served) -> None:
    query = "lang:fr has:image"
    matches = search_tweets(api.warehouse, query, limit=10_000)
    answer = api.get("/api/v1/tweets/query", q=query, limit=5)
    assert answer["total"] == len(matches) > 5
    assert [t["tweet_id"] for t in answer["tweets"]] == [m.tweet_id for m in matches[:5]]
    assert all(t["lang"] == "fr" and t["has_media"] for t in answer["tweets"])
    points = answer["volume"]["points"]
    assert sum(p["tweets"] for p in points) == len(matches)
    assert {lang for p in points for lang in p["languages"]} == {"fr"}
    assert 20 <= len(points) <= 61
    since = points[len(points) // 2]["start"]
    later = api.get("/api/v1/tweets/query", q=query, since=since)
    assert later["total"] == sum(m.created_at.isoformat().replace("+00:00", "Z") >= since for m in matches)


def test_an_invalid_boolean_query_is_a_400_saying_where(api: Served) -> None:
    response = api.client.get("/api/v1/tweets/query", params={"q": '"robe rouge" AND OR lamp'})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "unexpected OR (missing a term before it?) at column 18",
        "position": 17,
    }


def test_saved_searches_are_listed_by_name_and_run_like_their_query(api: Served) -> None:
    saved = saved_searches(api.truth)
    listed = api.get("/api/v1/saved-searches")
    assert [(s["name"], s["query"]) for s in listed["items"]] == sorted(saved.items())
    answer = api.get(f"/api/v1/saved-searches/{quote('planted topic')}", limit=3)
    adhoc = api.get("/api/v1/tweets/query", q=saved["planted topic"], limit=3)
    assert answer == {**adhoc, "name": "planted topic"}
    assert answer["total"] > 0 and len(answer["tweets"]) == 3


def test_stock_alerts_are_products_of_emerging_topics_with_little_projected_stock(api: Served) -> None:
    emerging = {t["topic_id"] for t in api.every("/api/v1/topics")}
    alerts = api.get("/api/v1/stock-alerts", max_days_of_cover=7)["items"]
    assert alerts
    assert all(a["days_of_cover"] <= 7 and set(a["topic_ids"]) <= emerging for a in alerts)
    assert [a["days_of_cover"] for a in alerts] == sorted(a["days_of_cover"] for a in alerts)
    projected = {
        r["sku"]: r["cover"]
        for r in api.warehouse.query(
            "SELECT sku, MIN(days_of_cover) AS cover FROM stock_cover "
            "WHERE as_of = (SELECT MAX(as_of) FROM stock_cover) GROUP BY sku"
        )
    }
    assert all(a["days_of_cover"] == round(projected[a["sku"]], 2) for a in alerts)
    out_now = api.get("/api/v1/stock-alerts", max_days_of_cover=0.01)["items"]
    assert [a["sku"] for a in out_now] == [a["sku"] for a in alerts if a["days_of_cover"] <= 0.01]


def test_stock_alerts_credit_each_product_to_every_topic_whose_products_list_it(api: Served) -> None:
    reads: AnalystReads = api.client.app.state.reads  # type: ignore[attr-defined]
    expected: dict[str, list[str]] = {}
    seen: set[str] = set()
    for topic in api.every("/api/v1/topics"):
        if topic["topic_id"] in seen:
            continue  # a topic that emerged twice counts once
        seen.add(topic["topic_id"])
        for product in reads.topic_products(topic["topic_id"], topic["terms"], limit=200):
            if product.days_of_cover is not None and product.days_of_cover <= 7:
                expected.setdefault(product.sku, []).append(topic["topic_id"])
    alerts = api.get("/api/v1/stock-alerts", max_days_of_cover=7, limit=100)["items"]
    assert {a["sku"]: a["topic_ids"] for a in alerts} == expected


def test_model_metrics_filter_by_model_metric_and_time(api: Served) -> None:
    every = api.get("/api/v1/model-metrics")
    assert every["total"] == len(METRICS)
    f1 = api.get("/api/v1/model-metrics", model="sentiment", metric="f1")["items"]
    assert [(m["version"], m["value"]) for m in f1] == [("1", 0.71), ("2", 0.78)]
    recent = api.get("/api/v1/model-metrics", since="2026-11-02T10:30:00Z")["items"]
    assert [m["model"] for m in recent] == ["language"]


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/api/v1/topics?limit=0", 422, "greater than or equal to 1"),
        ("/api/v1/topics?limit=101", 422, "less than or equal to 100"),
        ("/api/v1/topics?offset=-1", 422, "greater than or equal to 0"),
        ("/api/v1/topics?lang=French", 422, "should match pattern"),
        ("/api/v1/topics?sort=random", 422, "'newest' or 'score'"),
        ("/api/v1/topics?since=yesterday", 422, "valid datetime"),
        ("/api/v1/topics?since=2026-11-02T10:00:00Z&until=2026-11-02T09:00:00Z", 400, "before `until`"),
        ("/api/v1/topics?since=2026-11-02T10:00:00", 400, "time zone"),
        ("/api/v1/topics/term:no-such-term", 404, "no topic"),
        ("/api/v1/topics/nonsense", 404, "no topic"),
        ("/api/v1/tweets/search", 422, "Field required"),
        ("/api/v1/tweets/search?q=%20%20", 422, "should match pattern"),
        ("/api/v1/tweets/search?q=" + "+w" * 11, 400, "at most 10 words"),
        ("/api/v1/tweets/hybrid-search?q=%21%3F", 422, "should match pattern"),
        ("/api/v1/tweets/hybrid-search?q=lamp&limit=101", 422, "less than or equal to 100"),
        ("/api/v1/tweets/query?q=lang%3AFrench", 400, "invalid language code"),
        ("/api/v1/tweets/query?q=lamp&until=2026-11-02T10:00:00", 400, "time zone"),
        ("/api/v1/saved-searches/no%20such%20search", 404, "no saved search named"),
        ("/api/v1/stock-alerts?max_days_of_cover=0", 422, "greater than 0"),
        ("/api/v1/model-metrics?model=a%20b", 422, "should match pattern"),
        ("/api/v1/media/a.png", 404, "no such image"),
        ("/api/v1/media/3_0", 404, "no image"),
    ],
)
def test_bad_input_gets_a_4xx_json_answer_saying_what_is_wrong(
    api: Served, url: str, status: int, says: str
) -> None:
    response = api.client.get(url)
    assert response.status_code == status
    assert says in json.dumps(response.json()["detail"])


def test_openapi_documents_every_endpoint_and_its_errors(api: Served) -> None:
    spec = api.get("/openapi.json")
    assert set(spec["paths"]) == {
        "/api/v1/topics",
        "/api/v1/topics/{topic_id}",
        "/api/v1/influencers",
        "/api/v1/tweets/search",
        "/api/v1/tweets/hybrid-search",
        "/api/v1/tweets/query",
        "/api/v1/saved-searches",
        "/api/v1/saved-searches/{name}",
        "/api/v1/stock-alerts",
        "/api/v1/restock",
        "/api/v1/products/{sku}/forecast",
        "/api/v1/model-metrics",
        "/api/v1/media/{media_key}",
        "/api/v1/labels",
    }
    assert set(spec["paths"]["/api/v1/topics/{topic_id}"]["get"]["responses"]) == {"200", "400", "404", "422"}
    query_errors = spec["paths"]["/api/v1/tweets/query"]["get"]["responses"]["400"]
    assert query_errors["content"]["application/json"]["schema"]["$ref"].endswith("/QueryErrorBody")
    assert api.client.get("/docs").status_code == 200


def test_the_warehouse_is_only_read(api: Served) -> None:
    before = api.warehouse.query("SELECT COUNT(*) AS n FROM influencers")
    api.get("/api/v1/influencers")
    assert api.warehouse.query("SELECT COUNT(*) AS n FROM influencers") == before
    with pytest.raises(Exception, match="read-only"):
        api.warehouse.execute("DELETE FROM tweets")


def test_notebook_topics_on_the_read_only_warehouse_are_the_apis_newest_first(api: Served) -> None:
    """``open_warehouse`` opens the file read-only: ranking topics there must store nothing."""
    with trendwatch.open_warehouse(api.settings.state_dir) as notebook:
        frame = notebook.topics(limit=5, params=EMERGENCE)

    shown = api.get("/api/v1/topics", limit=5)["items"]
    assert len(frame) == len(shown) == 5
    assert list(frame["topic_id"]) == [t["topic_id"] for t in shown]
    assert [list(terms) for terms in frame["terms"]] == [t["terms"] for t in shown]
    assert frame["first_detected_at"].is_monotonic_decreasing


def test_serve_answers_from_the_production_app_factory_in_its_own_process(
    api: Served, tmp_path: Path
) -> None:
    """`trendwatch serve`, the API image's command, builds its app with ``app_from_settings``
    (read-only warehouse, lake folder, full-text and semantic search): the same answers as the
    app built here. This process holds the file read-only meanwhile, so the server cannot take
    its short writable connection and reads the file as it is."""
    port, state_dir = free_port(), str(api.settings.state_dir)
    base_url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "trendwatch.cli", "serve", "--port", str(port), "--state", state_dir],
            stdout=log,
            stderr=log,
        )
        try:
            wait_until_healthy(base_url, server, timeout=120)
            with httpx.Client(base_url=base_url, timeout=60) as served:
                for url, params in [
                    ("/api/v1/model-metrics", {}),
                    ("/api/v1/influencers", {}),
                    ("/api/v1/saved-searches", {}),
                    ("/api/v1/tweets/search", {"q": "lamp"}),
                    ("/api/v1/tweets/hybrid-search", {"q": "mushroom lamp"}),
                ]:
                    answer = served.get(url, params=params).json()
                    assert answer == api.get(url, **params), url
                [media] = api.warehouse.query("SELECT media_key FROM media ORDER BY media_key LIMIT 1")
                image_url = MEDIA_PATH + quote(media["media_key"], safe="")
                image = served.get(image_url)
                assert image.status_code == 200 and image.content == api.client.get(image_url).content
                assert "sentiment · f1" in served.get("/models").text
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_dashboard_pages_render_on_the_same_data(api: Served) -> None:
    topic = api.get("/api/v1/topics", limit=1)["items"][0]
    home = api.client.get("/").text
    total = api.get("/api/v1/topics")["total"]
    assert topic["label"] in home and home.count('class="sparkline"') == min(total, 100)
    story = api.client.get(_topic_url(topic["topic_id"], "/topics/")).text
    assert "tweets per language" in story and "<svg" in story
    for page, text in [
        ("/influencers", "Who drives"),
        ("/stock", "little projected stock"),
        ("/models", "sentiment · f1"),
    ]:
        assert text in api.client.get(page).text
    assert "hold every word" in api.client.get("/search", params={"q": "lamp"}).text
    assert api.client.get("/topics/term:no-such-term").status_code == 404


def test_every_operation_keeps_to_its_openapi_contract(api: Served) -> None:
    """Schemathesis generates requests from the published schema; every answer must match it.

    A request the schema allows may still be refused with a documented 400 (``since`` after
    ``until``, too many words), which the schema cannot express: that check is left out."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) == 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
