"""``trendwatch eval text``: metrics on the labelled tweets, model_metrics rows, the docs section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

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
    assert len(stored) == len(printed) == 14  # 2 language, 4 datasets x 2 models, 2 cv, 2 speed
    triples = {(r["model"], r["dataset"], r["metric"]) for r in stored}
    assert ("vader", "umsab_french_val", "macro_recall") in triples
    assert ("trendwatch-sentiment-fr", "umsab_french_val", "macro_recall") in triples
    assert ("trendwatch-sentiment-en", "umsab_english_train", "cv5_macro_recall") in triples
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
