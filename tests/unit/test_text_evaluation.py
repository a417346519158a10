"""``trendwatch eval text``: metrics on the labelled tweets, model_metrics rows, the docs section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.cli import main
from trendwatch.evaluation.text import (
    TWEETEVAL_HELD_OUT,
    LabelledSet,
    Metric,
    TextEvaluation,
    macro_recall,
    model_metric_rows,
    read_held_out,
    read_sets,
    sentiment_cases,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"


def test_macro_recall_averages_the_recall_of_each_class() -> None:
    # negatives 1/2 right, neutral 1/1, positives 0/1
    assert macro_recall([0, 0, 1, 2], [0, 1, 1, 0]) == 0.5
    assert macro_recall([], []) == 0.0


def test_labelled_files_in_the_repository_match_their_recorded_checksums() -> None:
    readme = (DATA / "README.md").read_text("utf-8")
    for name, labelled in read_sets(DATA, limit=1).items():
        assert f"`{LabelledSet.read(DATA / name).sha256}`" in readme, name
        assert labelled.labels[0] in (0, 1, 2)


def test_tweeteval_held_out_part_leaves_out_the_training_tweets() -> None:
    cases = {case.dataset: case for case in sentiment_cases(read_sets(DATA))}
    assert len(cases[TWEETEVAL_HELD_OUT].texts) == 570
    assert len(cases["tweeteval_sentiment_val"].texts) == 2000
    assert not set(cases[TWEETEVAL_HELD_OUT].texts) & set(
        LabelledSet.read(DATA / "umsab_english_train.tsv").texts
    )


def test_a_metric_measured_by_both_profiles_is_stored_once() -> None:
    vader = Metric("vader", "3.3.2", "umsab_french_val", "macro_recall", 0.41)
    evaluations = [
        TextEvaluation("fast", [vader, Metric("m-fast", "2", "umsab_french_val", "macro_recall", 0.6)]),
        TextEvaluation("accurate", [vader, Metric("m-acc", "2", "umsab_french_val", "macro_recall", 0.65)]),
    ]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = model_metric_rows(evaluations, at)
    assert [(r["model"], r["value"], r["evaluated_at"]) for r in rows] == [
        ("vader", 0.41, at),
        ("m-fast", 0.6, at),
        ("m-acc", 0.65, at),
    ]


def test_eval_text_appends_model_metrics_and_writes_the_docs_section(tmp_path: Path) -> None:
    docs = tmp_path / "evaluation.md"
    docs.write_text("# Evaluation\n\n## Images\n\nkept\n", "utf-8")
    args = ["eval", "text", "--profile", "fast", "--data-dir", str(DATA), "--limit", "12"]
    result = CliRunner().invoke(
        main, [*args, "--state", str(tmp_path / "state"), "--json", "--write-docs", str(docs)]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.splitlines()[-1])
    warehouse = DuckDBWarehouse(tmp_path / "state" / "warehouse.duckdb")
    try:
        stored = warehouse.query(
            "SELECT model, dataset, metric FROM model_metrics ORDER BY model, dataset, metric"
        )
    finally:
        warehouse.close()
    assert len(stored) == len(printed) == 13  # 2 language, 4 datasets x 2 models, 1 cv (French), 2 speed
    triples = {(r["model"], r["dataset"], r["metric"]) for r in stored}
    assert ("vader", "umsab_french_val", "macro_recall") in triples
    assert ("trendwatch-sentiment-fr", "umsab_french_val", "macro_recall") in triples
    assert ("trendwatch-sentiment-fr", "umsab_french_train", "cv5_macro_recall") in triples
    assert ("function-words+lingua", "labelled-en-fr", "accuracy") in triples
    assert ("local-fast", "labelled-en-fr", "texts_per_cpu_second") in triples
    written = docs.read_text("utf-8")
    assert written.startswith("# Evaluation\n\n## Images\n\nkept\n\n## Text\n")
    assert "| umsab_french_val | yes |" in written


def test_eval_text_without_saving_leaves_no_warehouse(tmp_path: Path) -> None:
    args = ["eval", "text", "--profile", "fast", "--data-dir", str(DATA), "--limit", "6", "--no-save"]
    result = CliRunner().invoke(main, [*args, "--state", str(tmp_path / "state")])
    assert result.exit_code == 0, result.output
    assert "macro_recall" in result.stdout
    assert not (tmp_path / "state").exists()


def _write_held_out(folder: Path, texts: list[str], labels: list[int]) -> Path:
    """A held-out folder in TweetEval's layout: one file of texts, one of labels."""
    split = folder / "tweeteval_sentiment"
    split.mkdir(parents=True)
    (split / "test_text.txt").write_text("".join(f"{text}\n" for text in texts), "utf-8")
    (split / "test_labels.txt").write_text("".join(f"{label}\n" for label in labels), "utf-8")
    return folder


HELD_OUT_TWEETS = (
    [
        "I love this jacket so much, best buy ever!",
        "The store opens at 9 tomorrow",
        "Worst service, never again",
    ],
    [2, 1, 0],
)


def test_held_out_sets_are_read_from_a_folder_and_absent_ones_skipped(tmp_path: Path) -> None:
    assert read_held_out(tmp_path) == {}
    found = read_held_out(_write_held_out(tmp_path / "heldout", *HELD_OUT_TWEETS), limit=2)
    test = found["tweeteval_sentiment_test"]
    assert (test.texts, test.labels) == (HELD_OUT_TWEETS[0][:2], HELD_OUT_TWEETS[1][:2])
    cases = {case.dataset: case for case in sentiment_cases(read_sets(DATA, limit=5), found)}
    assert cases["tweeteval_sentiment_test"].lang == "en"


def test_a_held_out_set_whose_labels_do_not_match_its_texts_is_refused(tmp_path: Path) -> None:
    folder = _write_held_out(tmp_path, HELD_OUT_TWEETS[0], HELD_OUT_TWEETS[1][:2])
    with pytest.raises(ValueError, match="3 texts but"):
        read_held_out(folder)


def test_eval_text_scores_the_held_out_set_given_and_documents_it(tmp_path: Path) -> None:
    folder = _write_held_out(tmp_path / "heldout", *HELD_OUT_TWEETS)
    docs = tmp_path / "evaluation.md"
    docs.write_text("# Evaluation\n", "utf-8")
    args = ["eval", "text", "--profile", "fast", "--data-dir", str(DATA), "--limit", "6", "--no-save"]
    result = CliRunner().invoke(main, [*args, "--heldout", str(folder), "--json", "--write-docs", str(docs)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout.splitlines()[-1])
    scored = {r["model"]: r["value"] for r in rows if r["dataset"] == "tweeteval_sentiment_test"}
    assert set(scored) == {"trendwatch-sentiment-en", "vader"}
    assert scored["trendwatch-sentiment-en"] == 1.0  # three plain tweets, one of each class
    assert "| tweeteval_sentiment_test | yes" in docs.read_text("utf-8")


def test_eval_text_refuses_a_held_out_folder_without_any_set(tmp_path: Path) -> None:
    args = ["eval", "text", "--profile", "fast", "--data-dir", str(DATA), "--limit", "3", "--no-save"]
    result = CliRunner().invoke(main, [*args, "--heldout", str(tmp_path)])
    assert result.exit_code != 0
    assert "none of the held-out test sets" in result.output
