"""``trendwatch eval``: measure the models and detectors on labelled or planted data.

Each ``eval_*`` module of this package adds one subcommand to :data:`eval_group`.
"""

from __future__ import annotations

import click


@click.group("eval")
def eval_group() -> None:
    """Evaluate the models and detectors; figures go to docs/evaluation.md and model_metrics."""


COMMANDS = [eval_group]
