from __future__ import annotations

from pathlib import Path

from trendwatch.reporting import replace_section


def test_a_section_is_added_then_replaced_and_the_others_are_kept(tmp_path: Path) -> None:
    report = tmp_path / "evaluation.md"
    replace_section(report, "## Images\n\nold images\n")
    replace_section(report, "## Topics\n\ntopics table\n")
    replace_section(report, "## Images\n\nnew images\n")
    assert report.read_text() == "# Evaluation\n\n## Images\n\nnew images\n\n## Topics\n\ntopics table\n"
