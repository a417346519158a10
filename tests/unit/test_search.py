from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.embedder import WordLlamaEmbedder
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.handling import Received
from trendwatch.app.search import NoEmbeddings, SearchFilters, SearchHit, fuse, search
from trendwatch.app.search_engines import Candidate, DuckDBSearchEngine
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import Embedding, Sentiment, TextEnrichment, TweetEnriched
from trendwatch.domain.tweets import Author, Tweet

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

# Tweet i is created at minute i. Decoys share the query's words but not its meaning, or
# its meaning but not its words.
CORPUS: tuple[tuple[str, str], ...] = (
    ("Best lightweight sneakers for long distance running", "en"),
    ("These featherweight trainers carried me through the whole marathon", "en"),
    ("Running late again, missed the bus and the meeting", "en"),
    ("Shoes off, feet up, what a long day at the office", "en"),
    ("New espresso machine makes the best coffee", "en"),
    ("The heatwave is killing my garden", "en"),
    ("Floaty linen frock perfect for the hot weather", "en"),
    ("Our quarterly sales meeting ran for three hours", "en"),
    ("Just bought a cast iron pan, steak night tonight", "en"),
    ("This vitamin C serum made my skin glow", "en"),
    ("Gaming laptop deal: 32GB RAM for half price", "en"),
    ("Des baskets légères pour courir le marathon", "fr"),
    ("RT @user0: Best lightweight sneakers for long distance running", "en"),
)


def enriched(index: int, text: str, lang: str, embedding: Embedding) -> Received[TweetEnriched]:
    tweet = Tweet(
        str(index), T0 + timedelta(minutes=index), Author(f"a{index}", username=f"user{index}"), text
    )
    enrichment = TextEnrichment(lang=lang, sentiment=Sentiment("neutral", 0.0))
    return Received(
        PubSubMessage(str(index), b""), TweetEnriched(tweet=tweet, enrichment=enrichment, embedding=embedding)
    )


@pytest.fixture(scope="module")
def embedder() -> WordLlamaEmbedder:
    return WordLlamaEmbedder()


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(tmp_path / "w.duckdb")


def add(
    warehouse: DuckDBWarehouse,
    embedder: WordLlamaEmbedder,
    corpus: tuple[tuple[str, str], ...],
    start: int = 0,
) -> None:
    vectors = embedder.embed([text for text, _ in corpus])
    AggregateService(warehouse, ManualClock(T0)).add_tweets(
        [
            enriched(start + i, text, lang, Embedding.of(embedder.name, embedder.version, vector))
            for i, ((text, lang), vector) in enumerate(zip(corpus, vectors, strict=True))
        ]
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: WordLlamaEmbedder) -> DuckDBSearchEngine:
    """One warehouse holding the corpus, which the tests only read."""
    warehouse = DuckDBWarehouse(tmp_path_factory.mktemp("search") / "w.duckdb")
    add(warehouse, embedder, CORPUS)
    return DuckDBSearchEngine(warehouse)


def ranked(hits: list[SearchHit]) -> list[tuple[str, int | None, int | None]]:
    return [(h.text, h.keyword_rank, h.semantic_rank) for h in hits]


def test_a_near_paraphrase_comes_first_above_decoys_sharing_its_words(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    hits = search(engine, embedder, "lightweight running shoes", limit=4)
    assert ranked(hits) == [
        ("Best lightweight sneakers for long distance running", 1, 1),
        ("Shoes off, feet up, what a long day at the office", 2, 2),
        ("Running late again, missed the bus and the meeting", 3, 4),
        ("These featherweight trainers carried me through the whole marathon", None, 3),
    ]
    assert hits[0].author == "user0"
    assert hits[0].score == pytest.approx(2 / 61)


def test_the_semantic_side_finds_a_paraphrase_sharing_no_word(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    """No word of "trainers carried me through the whole marathon" is in the query."""
    hits = search(engine, embedder, "lightweight running shoes", limit=6)
    texts = [h.text for h in hits]
    assert texts.index("These featherweight trainers carried me through the whole marathon") == 3
    assert texts.index("Floaty linen frock perfect for the hot weather") == 4


def test_the_keyword_side_lifts_a_tweet_above_one_the_embedding_prefers(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    hits = search(engine, embedder, "long day", limit=3)
    assert ranked(hits) == [
        ("Shoes off, feet up, what a long day at the office", 1, 1),
        ("Best lightweight sneakers for long distance running", 2, 3),
        ("Our quarterly sales meeting ran for three hours", None, 2),
    ]


def test_a_retweeted_text_is_one_hit_shown_as_its_original(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    hits = search(engine, embedder, "lightweight sneakers", limit=20)
    matching = [h for h in hits if "lightweight sneakers" in h.text]
    assert [(h.tweet_id, h.text) for h in matching] == [
        ("0", "Best lightweight sneakers for long distance running")
    ]


def test_the_language_filter_applies_to_both_sides(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    hits = search(engine, embedder, "marathon", filters=SearchFilters(lang="fr"))
    assert ranked(hits) == [("Des baskets légères pour courir le marathon", 1, 1)]


def test_the_time_filter_keeps_tweets_from_since_until_before_until(
    engine: DuckDBSearchEngine, embedder: WordLlamaEmbedder
) -> None:
    window = SearchFilters(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=5))
    hits = search(engine, embedder, "meeting", filters=window)
    assert sorted(h.tweet_id for h in hits) == ["2", "3", "4"]
    assert ranked(hits)[0] == ("Running late again, missed the bus and the meeting", 1, 1)


def test_tweets_stored_after_a_search_are_found_by_keyword(
    warehouse: DuckDBWarehouse, embedder: WordLlamaEmbedder
) -> None:
    add(warehouse, embedder, CORPUS)
    engine = DuckDBSearchEngine(warehouse)
    assert search(engine, embedder, "zorvex")[0].keyword_rank is None
    add(warehouse, embedder, (("The Zorvex X2 blender arrived today", "en"),), start=len(CORPUS))
    assert ranked(search(engine, embedder, "zorvex", limit=1)) == [
        ("The Zorvex X2 blender arrived today", 1, 1)
    ]


def test_a_warehouse_without_embeddings_says_so(
    warehouse: DuckDBWarehouse, embedder: WordLlamaEmbedder
) -> None:
    with pytest.raises(NoEmbeddings, match="wordllama-l2-supercat"):
        search(DuckDBSearchEngine(warehouse), embedder, "dress")


def candidate(tweet_id: str, text: str, minute: int = 0) -> Candidate:
    return Candidate(
        tweet_id=tweet_id, text=text, author="a", created_at=T0 + timedelta(minutes=minute), lang="en"
    )


def test_fusion_adds_reciprocal_ranks_so_agreement_beats_one_first_place() -> None:
    keyword = [candidate("k", "only keywords"), candidate("b", "both")]
    semantic = [candidate("s", "only meaning"), candidate("b", "both")]
    hits = fuse(keyword, semantic, limit=3, k=60)
    assert [(h.tweet_id, h.keyword_rank, h.semantic_rank) for h in hits] == [
        ("b", 2, 2),
        ("k", 1, None),  # ties on score break by time, then id
        ("s", None, 1),
    ]
    assert [h.score for h in hits] == pytest.approx([2 / 62, 1 / 61, 1 / 61])


def test_fusion_ranks_repeats_of_a_text_once_and_shows_the_earliest_tweet() -> None:
    keyword = [
        candidate("9", "RT @x: same words", 9),
        candidate("3", "same words", 3),
        candidate("5", "other"),
    ]
    hits = fuse(keyword, [], limit=5)
    assert [(h.tweet_id, h.keyword_rank) for h in hits] == [("3", 1), ("5", 2)]
