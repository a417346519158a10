"""Cloud Vision commands: vision-backfill."""

from __future__ import annotations

import sys
from functools import partial

import click
import msgspec

from trendwatch.cli.common import JSON_OPTION, print_json
from trendwatch.settings import Settings


@click.command("vision-backfill")
@click.argument("names", nargs=-1)
@click.option(
    "--prefix",
    default=None,
    show_default="media/sha256/, where enrich-image keeps images",
    help="Without NAMES: annotate every lake object under this prefix.",
)
@click.option(
    "--output-prefix",
    default="vision/backfill/",
    show_default=True,
    help="Folder of the lake bucket the operations write their answers to.",
)
@click.option(
    "--images-per-operation",
    type=click.IntRange(1, 2000),
    default=500,
    show_default=True,
    help="Images per asyncBatchAnnotate operation (the service takes at most 2,000).",
)
@JSON_OPTION
def vision_backfill(
    names: tuple[str, ...], prefix: str | None, output_prefix: str, images_per_operation: int, as_json: bool
) -> None:
    """Annotate images already in the lake bucket with Cloud Vision (labels, logos, text, colours,
    SafeSearch), in long-running operations that read the images from the bucket.

    For images stored while Vision was off. Needs a cloud environment (TRENDWATCH_ENV, or
    TRENDWATCH_BACKEND=gcp with TRENDWATCH_PROJECT) and application default credentials.
    Prints one line per image (--json: name and analysis); nothing is written to the
    warehouse. The images, operations and estimated cost are reported on stderr at the end.
    Images Vision or the local checks refuse are reported on stderr with the reason, and the
    exit code is then 1.
    """
    from google.api_core.exceptions import GoogleAPIError

    from trendwatch.adapters.gcp.storage import GcsBlobStore
    from trendwatch.adapters.gcp.vision import CloudVisionAnalyzer
    from trendwatch.app.enrich_image import CONTENT_PREFIX
    from trendwatch.ports import InvalidImage

    settings = Settings.from_env()
    if settings.backend != "gcp":
        raise click.ClickException(
            "vision-backfill reads the cloud lake: set TRENDWATCH_ENV (dev, staging, prod), "
            "or TRENDWATCH_BACKEND=gcp and TRENDWATCH_PROJECT"
        )
    lake = GcsBlobStore(settings.lake_bucket)
    selected = list(names) or sorted(lake.list(prefix or CONTENT_PREFIX))
    analyzer = CloudVisionAnalyzer()
    backfill = partial(
        analyzer.backfill,
        lake,
        selected,
        bucket=settings.lake_bucket,
        output_prefix=output_prefix,
        images_per_operation=images_per_operation,
    )
    try:
        outcomes = backfill()
    except GoogleAPIError as first:
        # The answers received are cached by the analyzer: a second run sends only the images
        # that failed (a transient error of one image fails the whole call).
        click.echo(f"retrying the images that failed: {first}", err=True)
        try:
            outcomes = backfill()
        except GoogleAPIError as exc:
            raise click.ClickException(f"Cloud Vision failed twice: {exc}") from exc
    refused = False
    for name in selected:
        outcome = outcomes[name]
        if isinstance(outcome, InvalidImage):
            refused = True
            click.echo(f"{name}: {outcome}", err=True)
        elif as_json:
            print_json({"name": name, **msgspec.to_builtins(outcome)})
        else:
            text = f" text={outcome.ocr_text!r}" if outcome.ocr_text else ""
            click.echo(f"{name}: labels={list(outcome.labels)} logos={list(outcome.logos)}{text}")
    usage = analyzer.meter.total
    cost = usage.billing_units * analyzer.meter.usd_per_1000_units / 1000
    click.echo(f"{len(selected)} images, {usage.api_calls} operations, estimated cost ${cost:.2f}", err=True)
    if refused:
        sys.exit(1)


COMMANDS = [vision_backfill]
