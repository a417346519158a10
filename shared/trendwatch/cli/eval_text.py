"""``trendwatch eval text``: language id, sentiment and speed of the text models on labelled tweets."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

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


@eval_group.command("text")
@click.option(
    "--profile",
    type=click.Choice(["fast", "accurate", "both"]),
    default="both",
    show_default=True,
    help="Which analyzer profile(s) to evaluate.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("data/labelled"),
    show_default=True,
    help="Folder with the labelled .tsv files.",
)
@click.option("--limit", type=int, default=None, help="Read only the first N lines of each file.")
@click.option("--no-save", is_flag=True, help="Do not append the results to the model_metrics table.")
@write_docs_option("Text")
@STATE_OPTION
@JSON_OPTION
def eval_text(
    profile: str,
    data_dir: Path,
    limit: int | None,
    no_save: bool,
    docs: Path | None,
    state_dir: Path | None,
    as_json: bool,
) -> None:
    """Language-id accuracy, sentiment macro recall per dataset (ours and VADER side by side),
    throughput; results go to model_metrics (model, version, dataset, metric, value, evaluated_at)."""
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse
    from trendwatch.evaluation.text import STEPS, evaluate, model_metric_rows, read_sets, render

    try:
        sets = read_sets(data_dir, limit)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    profiles = ["fast", "accurate"] if profile == "both" else [profile]
    evaluated_at = datetime.now(UTC)
    with progress("evaluating text models", STEPS * len(profiles)) as advance:
        evaluations = [evaluate(p, sets, advance) for p in profiles]  # type: ignore[arg-type]
    rows = model_metric_rows(evaluations, evaluated_at)
    if not no_save:
        warehouse = DuckDBWarehouse(settings_for(state_dir).warehouse_path)
        try:
            warehouse.merge_rows("model_metrics", rows)
        finally:
            warehouse.close()
        console.print(f"[green]saved[/] {len(rows)} rows to model_metrics")
    if as_json:
        print_json(rows)
    else:
        columns = ["model", "version", "dataset", "metric", "value"]
        out.print(table("Text models", columns, [[row[c] for c in columns] for row in rows]))
    if docs:
        command = f"trendwatch eval text --profile {profile}" + (f" --limit {limit}" if limit else "")
        measured_on = (
            f"{evaluated_at:%Y-%m-%d} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()},"
        )
        replace_section(docs, render(evaluations, command, measured_on))
        console.print(f"[green]wrote[/] {docs}")
