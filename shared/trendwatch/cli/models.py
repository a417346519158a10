"""``trendwatch models``: the model registry (list the versions, promote a challenger)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trendwatch.cli.common import JSON_OPTION, STATE_OPTION, console, out, print_json, settings_for, table
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.experiments.shipped import Registered

#: Origins of the demo's backtest of the forecasting models (one week apart): each costs about
#: one forecast of the supply job.
DEMO_BACKTEST_ORIGINS = 2
#: Where ``models --state DIR promote ...`` leaves the group's state folder for the subcommand.
_STATE_KEY = "trendwatch.models.state"


@click.group(invoke_without_command=True)
@STATE_OPTION
@JSON_OPTION
@click.pass_context
def models(ctx: click.Context, state_dir: Path | None, as_json: bool) -> None:
    """The registered models: every version with its aliases (champion, challenger), the version
    output rows name and the metrics it was registered with."""
    ctx.meta[_STATE_KEY] = state_dir
    if ctx.invoked_subcommand is not None:
        return
    from trendwatch.experiments.registry import list_versions
    from trendwatch.experiments.store import store_exists

    settings = settings_for(state_dir)
    # no store yet: nothing registered (opening one would create it, a few seconds of migrations)
    versions = list_versions(settings) if store_exists(settings) else []
    if as_json:
        print_json(versions)
        return
    out.print(
        table(
            "Registered models",
            ("name", "version", "aliases", "model version", "metrics", "created"),
            [
                (
                    v.name,
                    v.version,
                    ", ".join(v.aliases),
                    v.model_version,
                    ", ".join(f"{k} {value:.4g}" for k, value in v.metrics.items()),
                    v.created_at,
                )
                for v in versions
            ],
        )
    )


@models.command()
@STATE_OPTION
@click.argument("name")
@click.option("--version", "version", type=int, required=True, help="The registry's version to promote.")
@click.pass_context
def promote(ctx: click.Context, state_dir: Path | None, name: str, version: int) -> None:
    """Make VERSION the champion of NAME if it beats the champion on the held-out sets (both
    measured on the same held-out data; better on one held-out metric at least, worse on none);
    refuses with exit status 1 otherwise."""
    from mlflow.exceptions import MlflowException

    from trendwatch.experiments.promotion import PromotionRefused
    from trendwatch.experiments.promotion import promote as promote_version

    settings = settings_for(state_dir or ctx.meta.get(_STATE_KEY))
    try:
        won = promote_version(settings, name, version)
    except PromotionRefused as exc:
        raise click.ClickException(f"refused: {exc}") from None
    except MlflowException as exc:
        raise click.ClickException(exc.message) from None
    console.print(
        f"[green]promoted[/] {name} version {version} to champion"
        + ("".join(f"\n  {c.metric}: {c.challenger:.4g} against {c.champion:.4g}" for c in won))
    )


COMMANDS = [models]


def register_demo_models(settings: Settings, text_rows: Sequence[Mapping[str, Any]]) -> None:
    """The demo's last step: log and register the sentiment models with the evaluation just run,
    and the forecasting models with a rolling-origin backtest of :data:`DEMO_BACKTEST_ORIGINS`
    origins on the demo's orders."""
    from trendwatch.app.supply import NoOrdersError
    from trendwatch.bootstrap import supply_job
    from trendwatch.experiments.shipped import register_sentiment_models
    from trendwatch.runtime.local import LocalPipeline

    started = time.perf_counter()
    registered = register_sentiment_models(settings, text_rows)
    pipeline = LocalPipeline(settings)
    try:
        with console.status("backtesting the forecasting models"):
            job = supply_job(pipeline.container)
            backtest = job.backtest(origins=DEMO_BACKTEST_ORIGINS)
        registered += register_backtest(
            settings, pipeline.container.warehouse, backtest, DEMO_BACKTEST_ORIGINS
        )
    except NoOrdersError as exc:
        console.print(f"[yellow]forecasting models not registered[/] {exc}")
    finally:
        pipeline.close()
    console.print(
        f"{len(registered)} models registered in {time.perf_counter() - started:.1f} s "
        f"({sum(r.new for r in registered)} new versions): "
        + ", ".join(f"{r.name} v{r.version}" for r in registered)
        + f"\nList them with `trendwatch models --state {settings.state_dir}`, browse the runs with `make mlflow`"
    )


def register_backtest(
    settings: Settings, warehouse: Any, backtest: Sequence[Mapping[str, Any]], origins: int
) -> list[Registered]:
    """Log and register the forecasting models a supply-job backtest scored; their data hashes
    are those of the feed files the warehouse had loaded (:func:`feed_load_hashes`)."""
    from trendwatch.experiments.shipped import feed_load_hashes, register_forecast_models

    return register_forecast_models(
        settings, backtest, params={"backtest_origins": origins}, data=feed_load_hashes(warehouse)
    )
