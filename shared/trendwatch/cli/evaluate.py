"""``trendwatch eval``: measure the models and detectors on labelled or planted data.

Each ``eval_*`` module of this package adds one subcommand to :data:`eval_group`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

DOCS = Path("docs/evaluation.md")


def write_docs_option(section: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--write-docs [FILE]``: replace the evaluation's section of FILE (alone: docs/evaluation.md)."""
    return click.option(
        "--write-docs",
        "docs",
        is_flag=False,
        flag_value=str(DOCS),
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Replace the '{section}' section of this markdown file (alone: {DOCS}).",
    )


@click.group("eval")
def eval_group() -> None:
    """Evaluate the models and detectors; figures go to docs/evaluation.md and model_metrics."""


COMMANDS = [eval_group]
