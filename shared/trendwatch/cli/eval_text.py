"""``trendwatch eval text``: language id, sentiment and speed of the text models on labelled tweets."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trendwatch.cli.common import (
    JSON_OPTION,
    STATE_OPTION,
    console,
    out,
    print_json,
    progress,
    settings_for,
    table,
)
from trendwatch.cli.evaluate import eval_group, write_docs_option
from trendwatch.reporting import replace_section
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.adapters.local.text_analyzer import Profile
    from trendwatch.evaluation.text import LabelledSet, TextEvaluation

#: Where the labelled tweets are, relative to the repository root (see its README).
LABELLED_DIR = Path("data/labelled")
#: ``--profile`` choices and the analyzer profiles each evaluates.
PROFILES: Mapping[str, Sequence[Profile]] = {
    "fast": ["fast"],
    "accurate": ["accurate"],
    "both": ["fast", "accurate"],
}


def evaluate_profiles(
    profiles: Sequence[Profile],
    sets: dict[str, LabelledSet],
    evaluated_at: datetime,
    held_out: Mapping[str, LabelledSet] | None = None,
) -> tuple[list[TextEvaluation], list[dict[str, Any]]]:
    """Each profile's evaluation on the labelled sets and the ``held_out`` test sets (with a
    progress bar), and their ``model_metrics`` rows stamped ``evaluated_at``."""
    from trendwatch.evaluation.text import STEPS, evaluate, model_metric_rows

    with progress("evaluating text models", STEPS * len(profiles)) as advance:
        evaluations = [evaluate(p, sets, advance, held_out) for p in profiles]
    return evaluations, model_metric_rows(evaluations, evaluated_at)


def save_metrics(warehouse_path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append ``rows`` to the local warehouse's ``model_metrics`` (the dashboard's Models page)."""
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    warehouse = DuckDBWarehouse(warehouse_path)
    try:
        warehouse.merge_rows("model_metrics", rows)
    finally:
        warehouse.close()
    console.print(f"[green]saved[/] {len(rows)} rows to model_metrics")


def _register(settings: Settings, rows: Sequence[Mapping[str, Any]]) -> None:
    """Log the evaluated sentiment models in the state's registry (``trendwatch models``): a new
    version for a new model, else its figures refreshed, the held-out test set's included."""
    from trendwatch.experiments.shipped import register_sentiment_models

    registered = register_sentiment_models(settings, rows)
    console.print("registered " + ", ".join(f"{r.name} v{r.version}" for r in registered))


@eval_group.command("text")
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default="both",
    show_default=True,
    help="Which analyzer profile(s) to evaluate.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=LABELLED_DIR,
    show_default=True,
    help="Folder with the labelled .tsv files.",
)
@click.option(
    "--heldout",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with the held-out test sets, which are not committed (docs/evaluation.md "
    "says how to get them), e.g. .trendwatch/heldout.",
)
@click.option("--limit", type=int, default=None, help="Read only the first N lines of each file.")
@click.option("--no-save", is_flag=True, help="Do not append the results to the model_metrics table.")
@write_docs_option("Text")
@STATE_OPTION
@JSON_OPTION
def eval_text(
    profile: str,
    data_dir: Path,
    heldout: Path | None,
    limit: int | None,
    no_save: bool,
    docs: Path | None,
    state_dir: Path | None,
    as_json: bool,
) -> None:
    """Language-id accuracy, sentiment macro recall per dataset (ours and VADER side by side),
    throughput; results go to model_metrics (model, version, dataset, metric, value, evaluated_at)
    and, unless --limit cuts the sets, to the registered sentiment models (`trendwatch models`)."""
    from trendwatch.evaluation.text import read_held_out, read_sets, render

    try:
        sets = read_sets(data_dir, limit)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    held_out = read_held_out(heldout, limit) if heldout else {}
    if heldout and not held_out:
        raise click.ClickException(f"{heldout} holds none of the held-out test sets (see docs/evaluation.md)")
    evaluated_at = datetime.now(UTC)
    evaluations, rows = evaluate_profiles(PROFILES[profile], sets, evaluated_at, held_out)
    if not no_save:
        save_metrics(settings_for(state_dir).warehouse_path, rows)
    if not no_save and limit is None:
        _register(settings_for(state_dir), rows)
    if as_json:
        print_json(rows)
    else:
        columns = ["model", "version", "dataset", "metric", "value"]
        out.print(table("Text models", columns, [[row[c] for c in columns] for row in rows]))
    if docs:
        command = (
            f"trendwatch eval text --profile {profile}"
            + (f" --heldout {heldout}" if heldout else "")
            + (f" --limit {limit}" if limit else "")
        )
        measured_on = (
            f"{evaluated_at:%Y-%m-%d} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()},"
        )
        replace_section(docs, render(evaluations, command, measured_on))
        console.print(f"[green]wrote[/] {docs}")
