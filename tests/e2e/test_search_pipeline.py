"""Embeddings through the real in-process pipeline, then ``trendwatch search`` on what it stored."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.cli import main
from trendwatch.contracts.events import TextEnrichment
from trendwatch.ports import TextItem
from trendwatch.runtime.local import LocalPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

ORIGINAL = "Loving my new linen dress for the heatwave #SummerStyle"
LINES = [
    stream_line("1", ORIGINAL, username="alice", minute=0),
    stream_line(
        "2",
        "Une robe en lin parfaite pour la canicule",
        author_id="200",
        username="chloe",
        lang="fr",
        minute=1,
    ),
    stream_line("3", "Espresso machine on sale, best coffee ever", author_id="300", username="bob", minute=2),
    *(
        stream_line(
            str(10 + n),
            f"RT @alice: {ORIGINAL}",
            author_id=f"4{n}",
            username=f"fan{n}",
            minute=3 + n,
            retweet_of=("1", "100"),
        )
        for n in range(5)
    ),
    stream_line("20", ORIGINAL, author_id="500", username="copycat", minute=9),
]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The state folder after the stream, and every text the analyzer was given."""
    state = tmp_path_factory.mktemp("search") / "state"
    pipeline = LocalPipeline(Settings.from_env({}, state_dir=state))
    analyzer = pipeline.container.text_analyzer
    analyze = analyzer.analyze
    analysed: list[str] = []

    def recording(items: Sequence[TextItem]) -> list[TextEnrichment]:
        analysed.extend(item.text for item in items)
        return analyze(items)

    analyzer.analyze = recording  # type: ignore[method-assign]
    pipeline.stream(iter(LINES), chunk_lines=2)  # the retweets arrive over several batches
    pipeline.container.warehouse.close()  # type: ignore[attr-defined]
    return state, analysed


def test_each_distinct_text_is_analysed_once_however_often_it_is_retweeted(
    replayed: tuple[Path, list[str]],
) -> None:
    _, analysed = replayed
    assert sorted(analysed) == sorted(
        [ORIGINAL, "Une robe en lin parfaite pour la canicule", "Espresso machine on sale, best coffee ever"]
    )


def test_every_tweet_has_a_unit_embedding_in_the_warehouse_retweets_sharing_the_text_hash(
    replayed: tuple[Path, list[str]],
) -> None:
    state, _ = replayed
    warehouse = DuckDBWarehouse(Settings.from_env({}, state_dir=state).warehouse_path)
    rows = warehouse.query("SELECT * FROM tweet_embeddings ORDER BY tweet_id")
    warehouse.close()
    assert [r["tweet_id"] for r in rows] == ["1", "10", "11", "12", "13", "14", "2", "20", "3"]
    assert {(r["model"], r["model_version"]) for r in rows} == {("wordllama-l2-supercat", "0.4.0.post1")}
    by_id = {r["tweet_id"]: r for r in rows}
    assert {by_id[t]["text_hash"] for t in ("1", "10", "14", "20")} == {by_id["1"]["text_hash"]}
    assert by_id["2"]["lang"] == "fr"
    assert by_id["10"]["embedding"] == by_id["1"]["embedding"]
    vector = np.array(by_id["3"]["embedding"])
    assert vector.shape == (256,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def search_json(state: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["search", *args, "--json", "--state", str(state)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_search_json_lists_hits_best_first_a_retweeted_text_once(replayed: tuple[Path, list[str]]) -> None:
    state, _ = replayed
    hits = search_json(state, "linen dress for hot weather", "--limit", "2")
    assert [h["tweet_id"] for h in hits] == ["1", "2"]
    assert hits[0]["author"] == "alice"
    assert hits[0]["keyword_rank"] == 1
    assert hits[0]["semantic_rank"] == 1
    assert set(hits[0]) == {
        "tweet_id",
        "text",
        "author",
        "created_at",
        "lang",
        "score",
        "keyword_rank",
        "semantic_rank",
    }


def test_search_lang_keeps_one_language(replayed: tuple[Path, list[str]]) -> None:
    state, _ = replayed
    hits = search_json(state, "robe en lin", "--lang", "fr")
    assert [(h["tweet_id"], h["lang"]) for h in hits] == [("2", "fr")]


def test_search_since_and_until_keep_the_tweets_created_in_between(replayed: tuple[Path, list[str]]) -> None:
    state, _ = replayed
    query = "linen dress for hot weather"
    assert [h["tweet_id"] for h in search_json(state, query, "--until", "2026-11-02T10:01")] == ["1"]
    # the retweeted text is one hit, its earliest tweet in the range: the retweet of minute 4
    hits = search_json(state, query, "--since", "2026-11-02T10:04", "--until", "2026-11-02T10:09")
    assert [(h["tweet_id"], h["created_at"]) for h in hits] == [("11", "2026-11-02T10:04:00Z")]
    empty = ["--since", "2026-11-02T10:05", "--until", "2026-11-02T10:05"]
    result = CliRunner().invoke(main, ["search", query, *empty, "--state", str(state)])
    assert result.exit_code == 2 and "--since must be before --until" in result.output


def test_search_people_view_is_a_table(replayed: tuple[Path, list[str]]) -> None:
    state, _ = replayed
    result = CliRunner().invoke(main, ["search", "coffee", "--limit", "1", "--state", str(state)])
    assert result.exit_code == 0, result.output
    assert "Espresso" in result.stdout  # the text column wraps at the terminal width
    assert "bob" in result.stdout


def test_search_without_embeddings_says_what_to_do(tmp_path: Path) -> None:
    DuckDBWarehouse(Settings.from_env({}, state_dir=tmp_path).warehouse_path).close()
    result = CliRunner().invoke(main, ["search", "dress", "--state", str(tmp_path)])
    assert result.exit_code == 1
    assert "no tweet embeddings by wordllama-l2-supercat" in result.output
    assert "trendwatch replay" in result.output
