"""Supply commands: demand forecasts with and without the social signal, and what to restock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from trendwatch.cli.common import JSON_OPTION, STATE_OPTION, console, out, print_json, settings_for, table

AS_OF_OPTION = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to plan for (its history ends the day before). Default: the day after the latest order day.",
)

_FORECASTS_SQL = """
SELECT sku, NULLIF(location_id, '*') AS location_id, forecast_date AS date, p10, p50, p90,
       baseline_p10, baseline_p50, baseline_p90, model, model_version, baseline_model, run_id
FROM forecasts
WHERE as_of = @as_of AND (@sku = '' OR sku = @sku)
ORDER BY sku, location_id NULLS FIRST, forecast_date
"""
_RECOMMENDATIONS_SQL = """
SELECT r.sku, p.name AS product, r.location_id, r.recommended_quantity, r.stockout_date, r.stockout_date_p90,
       r.days_of_cover, r.urgency, r.topic_id, r.topic_label, r.uplift, r.reason, r.order_date, r.arrival_date,
       r.on_hand, r.safety_stock, r.service_level, r.lead_time_days, r.run_id
FROM restock_recommendations AS r
LEFT JOIN products AS p ON p.sku = r.sku
WHERE r.as_of = @as_of
ORDER BY CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, r.stockout_date, r.sku, r.location_id
"""


@contextmanager
def _supply_run(
    state_dir: Path | None, as_of: datetime | None, horizon: int, rerun: bool, origins: int = 0
) -> Iterator[tuple[Any, Any]]:
    """Run the supply job for the day if it has not run (the local pipeline's bus delivers what
    it publishes), and a backtest from ``origins`` origins if asked, whose models are then
    logged and registered with its scores (``trendwatch models``); yields the warehouse and the
    job's report, and closes the pipeline after."""
    from trendwatch.app.supply import NoOrdersError, SupplySettings
    from trendwatch.bootstrap import supply_job
    from trendwatch.cli.common import require_warehouse
    from trendwatch.cli.models import register_backtest
    from trendwatch.runtime.local import LocalPipeline

    settings = settings_for(state_dir)
    require_warehouse(settings)
    pipeline = LocalPipeline(settings)
    job = supply_job(pipeline.container, SupplySettings(horizon_days=horizon))
    with console.status("forecasting demand, projecting stock"):
        try:
            report = job.run(as_of.date() if as_of else None, rerun=rerun)
        except NoOrdersError as exc:
            raise click.ClickException(str(exc)) from None
    pipeline.bus.run_until_idle()
    if origins:
        with console.status(f"backtesting both models from {origins} origins"):
            scores = job.backtest(report.as_of, origins=origins)
        for score in scores:
            console.print(f"  {score['model']:<40} {score['metric']:<18} {score['value']:.3f}")
        registered = register_backtest(settings, pipeline.container.warehouse, scores, origins)
        console.print("registered " + ", ".join(f"{r.name} v{r.version}" for r in registered))
    if report.ran:
        console.print(
            f"[green]forecast[/] {report.series} SKU-location series for {report.as_of} "
            f"({report.forecast_rows} rows), {report.recommendations} restock recommendations"
        )
    try:
        yield pipeline.container.warehouse, report
    finally:
        pipeline.close()


@click.command()
@STATE_OPTION
@JSON_OPTION
@AS_OF_OPTION
@click.option("--horizon", type=click.IntRange(1, 56), default=14, show_default=True, help="Days forecast.")
@click.option("--sku", default="", help="Only this SKU.")
@click.option("--rerun", is_flag=True, help="Forecast again even if the day has a run.")
@click.option(
    "--backtest",
    "origins",
    type=click.IntRange(0, 52),
    default=0,
    help="Also backtest both models from this many origins a week apart, store the scores "
    "(the dashboard's forecast accuracy) and register both models with them (`trendwatch models`).",
)
def forecast(
    state_dir: Path | None,
    as_json: bool,
    as_of: datetime | None,
    horizon: int,
    sku: str,
    rerun: bool,
    origins: int,
) -> None:
    """Daily demand per SKU (location_id null) and per location, p10/p50/p90 of the social model
    beside the baseline's; runs the forecast job first if the day has no run."""
    with _supply_run(state_dir, as_of, horizon, rerun, origins) as (warehouse, report):
        rows = warehouse.query(_FORECASTS_SQL, {"as_of": report.as_of, "sku": sku})
    if as_json:
        print_json(rows)
        return
    totals = _totals(row for row in rows if row["location_id"] is None)
    out.print(
        table(
            f"Demand forecast from {report.as_of} (next {horizon} days, all locations), biggest social lift first",
            ("SKU", "social p50", "p10-p90", "baseline p50", "lift"),
            [
                (s, f"{t['p50']:.0f}", f"{t['p10']:.0f}-{t['p90']:.0f}", f"{t['baseline_p50']:.0f}", _lift(t))
                for s, t in sorted(totals.items(), key=lambda item: -_ratio(item[1]))[:20]
            ],
        )
    )


@click.command()
@STATE_OPTION
@JSON_OPTION
@AS_OF_OPTION
@click.option("--rerun", is_flag=True, help="Forecast and recommend again even if the day has a run.")
def restock(state_dir: Path | None, as_json: bool, as_of: datetime | None, rerun: bool) -> None:
    """What to reorder where, how much, by when and why, most urgent first (runs the day's
    forecast job first if needed)."""
    with _supply_run(state_dir, as_of, 14, rerun) as (warehouse, report):
        rows = warehouse.query(_RECOMMENDATIONS_SQL, {"as_of": report.as_of})
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"nothing to restock on {report.as_of}: projected stock covers demand and safety stock")
        return
    out.print(
        table(
            f"Restock recommendations for {report.as_of}",
            ("urgency", "SKU", "location", "quantity", "order by", "stock-out", "why"),
            [
                (
                    r["urgency"],
                    r["sku"],
                    r["location_id"],
                    r["recommended_quantity"],
                    r["order_date"] or "-",
                    r["stockout_date"] or "-",
                    r["reason"],
                )
                for r in rows
            ],
        )
    )


def _totals(rows: Any) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for row in rows:
        t = totals.setdefault(row["sku"], {"p10": 0.0, "p50": 0.0, "p90": 0.0, "baseline_p50": 0.0})
        for key in t:
            t[key] += row[key] or 0.0
    return totals


def _ratio(total: dict[str, float]) -> float:
    return (total["p50"] + 1) / (total["baseline_p50"] + 1)


def _lift(total: dict[str, float]) -> str:
    return f"{(_ratio(total) - 1) * 100:+.0f} %"


COMMANDS = [forecast, restock]
