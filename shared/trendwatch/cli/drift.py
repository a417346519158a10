"""``trendwatch drift``: has the stream moved away from a reference window of itself?"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from trendwatch.cli.common import JSON_OPTION, STATE_OPTION, console, out, print_json, settings_for, table


def _moment(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp; one without a zone is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"not an ISO 8601 timestamp: {value!r}", param_hint="--reference-until"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command()
@STATE_OPTION
@JSON_OPTION
@click.option(
    "--reference-until",
    default=None,
    metavar="TIMESTAMP",
    help="End of the reference window (ISO 8601, UTC unless a zone is given). "
    "Default: the middle of the stored time range.",
)
def drift(state_dir: Path | None, as_json: bool, reference_until: str | None) -> None:
    """Drift of the stored tweets after the reference window against it: PSI of the language,
    sentiment (per language) and category mixes and of binned numeric features, embedding
    centroid shift, new-token rate. A metric past its threshold is a warning on stderr."""
    from trendwatch.adapters.local.embedder import MODEL_NAME
    from trendwatch.adapters.local.sentiment_model import tokens
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse
    from trendwatch.app.drift import measure_drift
    from trendwatch.cli.common import require_warehouse

    settings = settings_for(state_dir)
    require_warehouse(settings)
    warehouse = DuckDBWarehouse(settings.warehouse_path, read_only=True)
    try:
        report = measure_drift(
            warehouse, reference_until=_moment(reference_until), tokenize=tokens, embedding_model=MODEL_NAME
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--reference-until") from None
    finally:
        warehouse.close()
    if report is None:
        raise click.ClickException("no tweets stored: nothing to compare")
    rows = [
        {
            "metric": m.metric,
            "value": round(m.value, 6),
            "threshold": m.threshold,
            "drifted": m.drifted,
            "reference_tweets": m.reference_tweets,
            "current_tweets": m.current_tweets,
            "reference_since": report.since.isoformat(),
            "reference_until": report.reference_until.isoformat(),
        }
        for m in report.metrics
    ]
    for m in report.drifted:
        console.print(
            f"[yellow]warning[/] drift: {m.metric} = {m.value:.4g} is past its threshold {m.threshold:g}"
        )
    if as_json:
        print_json(rows)
        return
    out.print(
        table(
            f"Drift after {report.reference_until:%Y-%m-%d %H:%M} against {report.since:%Y-%m-%d %H:%M} onwards",
            ("metric", "value", "threshold", "drifted"),
            [(r["metric"], f"{r['value']:.4f}", r["threshold"], "yes" if r["drifted"] else "") for r in rows],
        )
    )


COMMANDS = [drift]
