"""``trendwatch eval influencers`` end to end on a short stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trendwatch.cli import main

pytestmark = pytest.mark.e2e


def test_eval_influencers_reports_figures_and_writes_its_docs_section(tmp_path: Path) -> None:
    docs = tmp_path / "evaluation.md"
    docs.write_text("# Evaluation\n\n## Images\n\nkept\n")
    args = ["eval", "influencers", "--seeds", "5", "--minutes", "20", "--edges", "2000", "--users", "300"]
    result = CliRunner().invoke(main, [*args, "--json", "--write-docs", str(docs)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    [seed] = figures["seeds"]
    assert seed["seed"] == 5 and seed["tweets"] > 1000
    assert seed["bots_in_top20"] == 0 and seed["stealth_in_top20"] == 0
    assert seed["best_stealth_rank"] > 20
    assert 0.0 <= seed["ndcg"] <= 1.0 and figures["edges"] == 2000
    text = docs.read_text()
    assert "## Images\n\nkept" in text
    assert "## Influential users" in text and "| 5 | " in text
