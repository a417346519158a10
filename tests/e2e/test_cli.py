"""The CLI contract (DESIGN §6): verbs, flags and the fields of their JSON outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trendwatch.cli import main

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 150-minute generated stream (the emergence detector warms up for 60), replayed once for
    every test of the module. OCR is off: pictures' words are checked in test_image_terms, and
    reading 1,000 images would triple the replay's time."""
    root = tmp_path_factory.mktemp("cli")
    data, state_dir = root / "data", root / "state"
    runner = CliRunner(env={"TRENDWATCH_IMAGE_OCR": "false"})
    generated = runner.invoke(
        main, ["generate", "--seed", "3", "--minutes", "150", "--rate", "2", "--out", str(data)]
    )
    assert generated.exit_code == 0, generated.output
    replayed = runner.invoke(main, ["replay", str(data / "tweets.jsonl"), "--state", str(state_dir)])
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 18000 tweets" in replayed.output
    return data, state_dir


def _json(args: list[str], stdin: str | None = None) -> Any:
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_topics_json_has_the_contract_fields_newest_first(state: tuple[Path, Path]) -> None:
    topics = _json(["topics", "--state", str(state[1]), "--json"])
    assert isinstance(topics, list) and topics
    for topic in topics:
        assert {
            "topic_id",
            "label",
            "terms",
            "score",
            "volume",
            "first_detected_at",
            "languages",
        } <= topic.keys()
    detected = [t["first_detected_at"] for t in topics]
    assert detected == sorted(detected, reverse=True)


def test_planted_topic_terms_are_among_the_emerging_topics(state: tuple[Path, Path]) -> None:
    truth = json.loads((state[0] / "truth.json").read_text())
    planted = {term.lower().lstrip("#") for topic in truth["topics"] for term in topic["terms"]}
    found = {t["label"].lstrip("#") for t in _json(["topics", "--state", str(state[1]), "--json"])}
    assert planted & found


def test_influencers_json_is_ranked_best_first(state: tuple[Path, Path]) -> None:
    ranked = _json(["influencers", "--state", str(state[1]), "--json", "--limit", "5"])
    assert isinstance(ranked, list) and len(ranked) == 5
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4, 5]
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    assert {"user_id", "username", "score", "rank", "topic_id"} <= ranked[0].keys()


def test_influencers_save_stores_the_ranking_with_as_of(state: tuple[Path, Path]) -> None:
    ranked = _json(["influencers", "--state", str(state[1]), "--json", "--limit", "3", "--save"])
    stored = _json(
        [
            "query",
            "SELECT user_id, rank FROM influencers WHERE topic_id = '' ORDER BY rank",
            "--state",
            str(state[1]),
            "--json",
        ]
    )
    assert stored == [{"user_id": r["user_id"], "rank": r["rank"]} for r in ranked]


def test_query_runs_bigquery_dialect_sql_and_reports_errors(state: tuple[Path, Path]) -> None:
    rows = _json(
        [
            "query",
            "SELECT COUNTIF(lang = 'fr') > 0 AS has_fr, COUNT(*) AS n FROM tweets",
            "--state",
            str(state[1]),
            "--json",
        ]
    )
    assert rows == [{"has_fr": True, "n": 18000}]
    bad = CliRunner().invoke(main, ["query", "SELEC 1", "--state", str(state[1])])
    assert bad.exit_code == 1 and "cannot parse SQL" in bad.output and "SELEC 1" in bad.output


def test_analyze_text_reads_jsonl_and_writes_one_result_per_line() -> None:
    stdin = '{"id": "a", "text": "I love this summer dress!"}\n\n{"id": "b", "text": "Cette lampe est nulle, je déteste"}\n'
    result = CliRunner().invoke(main, ["analyze-text", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["lang"], r["sentiment"]["label"]) for r in lines] == [
        ("a", "en", "positive"),
        ("b", "fr", "negative"),
    ]
    assert {"entities", "keyphrases", "categories", "model_versions"} <= lines[0].keys()


def test_analyze_text_rejects_a_line_without_text() -> None:
    result = CliRunner().invoke(main, ["analyze-text", "--json"], input='{"id": "a"}\n')
    assert result.exit_code == 1 and "line 1" in result.output


def test_analyze_image_json_and_a_refused_file(state: tuple[Path, Path], tmp_path: Path) -> None:
    image = sorted((state[0] / "media").iterdir())[0]
    not_image = tmp_path / "page.png"
    not_image.write_text("<html>not an image</html>")
    result = CliRunner().invoke(main, ["analyze-image", str(image), str(not_image), "--json"])
    assert result.exit_code == 1
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["path"] == str(image) and len(record["phash"]) == 16 and record["width"] == 320
    assert str(not_image) in result.stderr


def test_feed_prints_its_load_report(state: tuple[Path, Path]) -> None:
    orders = next((state[0] / "feeds" / "orders").iterdir())
    report = _json(["feed", str(orders), "--state", str(state[1]), "--json"])
    assert isinstance(report, dict) and report["kind"] == "orders"
    assert (
        report["rows_read"] == report["rows_loaded"] + report["rows_quarantined"]
        and report["rows_quarantined"] > 0
    )


def test_serve_without_a_warehouse_says_how_to_make_one(tmp_path: Path) -> None:
    state_dir = tmp_path / "never-replayed"
    result = CliRunner().invoke(main, ["serve", "--state", str(state_dir), "--port", "0"])
    assert result.exit_code == 1
    assert f"no warehouse at {state_dir / 'warehouse.duckdb'}" in result.output
    assert "run `trendwatch demo` or `trendwatch replay FILE` first" in result.output
    assert not state_dir.exists()  # nothing created: a read-only server needs a warehouse to read
