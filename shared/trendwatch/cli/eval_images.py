"""``trendwatch eval images``: near-duplicate groups, OCR word recall and analysis speed."""

from __future__ import annotations

from pathlib import Path

import click

from trendwatch.cli.common import JSON_OPTION, STATE_OPTION, console, print_json, progress, settings_for
from trendwatch.cli.evaluate import eval_group, write_docs_option
from trendwatch.reporting import replace_section


@eval_group.command("images")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated pictures and texts.")
@click.option(
    "--pictures", default=150, show_default=True, help="Distinct pictures (each reposted four times)."
)
@click.option(
    "--photos", default=100, show_default=True, help="1200x900 JPEG photos analysed for the second speed row."
)
@click.option("--ocr-samples", default=25, show_default=True, help="OCR images per language and style.")
@write_docs_option("Images")
@JSON_OPTION
@STATE_OPTION
def eval_images(
    seed: int,
    pictures: int,
    photos: int,
    ocr_samples: int,
    docs: Path | None,
    as_json: bool,
    state_dir: Path | None,
) -> None:
    """Near-duplicate precision and recall under resize, crop, JPEG and overlay; OCR word recall
    in English and French, clean and photographed; images analysed per second, small and photo-sized.
    The near-duplicate thresholds and their scores are logged in the state folder's MLflow store
    (experiment near-duplicates)."""
    from trendwatch.evaluation.images import evaluate, render_section, total_steps
    from trendwatch.experiments.near_duplicates import log_near_duplicates

    with progress("evaluating images", total_steps(pictures, photos, ocr_samples)) as advance:
        result = evaluate(seed, pictures, photos, ocr_samples, advance)
    run_id = log_near_duplicates(settings_for(state_dir), seed, result.near_duplicates)
    console.print(f"near-duplicate thresholds logged as run {run_id}")
    command = (
        f"trendwatch eval images --seed {seed} --pictures {pictures} --photos {photos}"
        f" --ocr-samples {ocr_samples}"
    )
    section = render_section(result, command)
    if as_json:
        print_json(result)
    else:
        click.echo(section)
    if docs:
        replace_section(docs, section)
        console.print(f"[green]wrote[/] {docs}")
