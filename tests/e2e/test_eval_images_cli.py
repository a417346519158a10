"""``trendwatch eval images`` end to end on a few pictures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlflow.entities import Run

from trendwatch.adapters.local.ocr import DEFAULT_PASSES
from trendwatch.cli import main
from trendwatch.domain.near_duplicates import CANDIDATE_BITS
from trendwatch.evaluation.ocr_photos import ENVIRONMENT_VARIABLE
from trendwatch.evaluation.ocr_renders import CONDITIONS
from trendwatch.experiments.store import open_client
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

#: Tesseract's passes and PP-OCR's one.
MAX_RUNS = len(DEFAULT_PASSES) + 1


def _near_duplicate_run(state: Path) -> Run:
    client = open_client(Settings.from_env({}, state_dir=state))
    experiment = client.get_experiment_by_name("near-duplicates")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    return run


def test_eval_images_reports_figures_and_writes_its_docs_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path))
    docs = tmp_path / "evaluation.md"
    docs.write_text("# Evaluation\n\n## Images\n\nold figures\n\n## Influential users\n\nkept\n")
    state = tmp_path / "state"
    args = ["eval", "images", "--pictures", "3", "--photos", "4", "--ocr-samples", "1", "--state", str(state)]
    result = CliRunner().invoke(main, [*args, "--json", "--write-docs", str(docs)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])

    near = figures["near_duplicates"]
    assert (near["pictures"], near["images"]) == (3, 15)  # each picture and its four reposts
    assert near["precision"] >= 0.95 and near["recall"] >= 0.9
    assert 3 <= near["groups_found"] <= 4
    assert set(near["recall_by_transformation"]) == {"resize", "crop 5 %", "jpeg", "overlay"}
    logged = _near_duplicate_run(state)  # the thresholds and their scores, in the state's MLflow store
    assert logged.data.metrics["precision"] == near["precision"]
    assert logged.data.params["candidate_bits"] == str(CANDIDATE_BITS)
    assert all(0.0 <= share <= 1.0 for share in near["recall_by_transformation"].values())
    small, photos = figures["speed"]
    assert (small["count"], photos["count"]) == (15, 4)
    assert "1200x900" in photos["images"] and 100 < photos["mean_kilobytes"] < 250  # a phone photo's size
    for row in (small, photos):
        assert row["images_per_second_1_process"] > 10 and row["images_per_second_2_processes"] > 10
    assert (
        figures["ocr_engine"].startswith("tesseract-") and "+rapidocr-onnxruntime-" in figures["ocr_engine"]
    )
    ocr = figures["ocr"]
    assert [(r["set"], r["condition"], r["images"]) for r in ocr] == [
        ("one-line labels", "en clean", 1),
        ("one-line labels", "en photographed", 1),
        ("one-line labels", "fr clean", 1),
        ("one-line labels", "fr photographed", 1),
        *[("held-out renders", condition, 1) for condition in CONDITIONS],
    ]  # no photographs: the folder named by the environment is empty
    assert figures["ocr_photos"] == f"0 of 59 labelled pictures found in {tmp_path}"
    assert all(0.0 <= r["recall"] <= 1.0 and 0.0 <= r["precision"] <= 1.0 for r in ocr)
    assert all(0.0 < r["seconds_per_image"] < 5.0 and 1 <= r["passes_per_image"] <= MAX_RUNS for r in ocr)
    assert [r["recall"] for r in ocr if r["condition"].endswith("clean")] == [1.0, 1.0]
    assert next(r for r in ocr if r["condition"] == "issue")["recall"] == 1.0  # two words on a white band
    cost = figures["ocr_cost"]
    assert cost["images"] == 3 and 0.0 < cost["seconds_per_image"] < 5.0
    assert 1 <= cost["passes_per_image"] <= MAX_RUNS

    text = docs.read_text()
    assert "old figures" not in text and "## Influential users\n\nkept" in text
    [section] = re.findall(r"## Images\n.*?(?=\n## )", text, re.DOTALL)
    assert f"Measured {figures['measured_on']} on " in section
    assert f"load\naverage {figures['load_average']:.1f} at the start" in section
    assert f"the {cost['images']} originals above" in section
    assert "`trendwatch eval images --seed 1 --pictures 3 --photos 4 --ocr-samples 1`" in section
    assert f"**precision {near['precision']:.3f}**, **recall {near['recall']:.3f}**" in section
    assert f"{near['groups_found']} groups found for\n3 pictures" in section
    for name, share in near["recall_by_transformation"].items():
        assert f"| {name} | {share:.3f} |" in section
    for row in ocr:
        assert (
            f"| {row['set']} | {row['condition']} | {row['images']} | {row['words']} | {row['recall']:.2f} |"
            in section
        )
    for row in (small, photos):
        one, two = row["images_per_second_1_process"], row["images_per_second_2_processes"]
        assert f"| {row['images']} | {row['mean_kilobytes']:.0f} KB | {one:.0f} | {two:.0f} |" in section
