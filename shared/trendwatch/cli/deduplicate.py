"""``trendwatch deduplicate``: the scheduled repair of at-least-once appends, run by hand.

The scheduled job looks back ``DEDUPLICATE_LOOKBACK`` (8 days) of event time; after replaying older tweets twice (a
backfill sent again), run it over their span with ``--days``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from trendwatch.cli.common import JSON_OPTION, STATE_OPTION, console, print_json, settings_for, warehouse_for
from trendwatch.contracts.topology import DEDUPLICATE_LOOKBACK


@click.command("deduplicate")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=DEDUPLICATE_LOOKBACK.days,
    show_default=True,
    help="Look back this many days of event time (as the scheduled job).",
)
@STATE_OPTION
@JSON_OPTION
def deduplicate(days: int, state_dir: Path | None, as_json: bool) -> None:
    """Keep one row of every key stored twice in the append-only tables (tweets, embeddings, edges)."""
    from trendwatch.adapters.local.clock import SystemClock
    from trendwatch.app.scheduled import Deduplicate

    repaired = Deduplicate(
        warehouse_for(settings_for(state_dir)), SystemClock(), lookback=timedelta(days=days)
    ).run()
    if as_json:
        print_json(repaired)
    elif repaired:
        for name, keys in repaired.items():
            console.print(f"{name}: {keys} duplicated keys repaired")
    else:
        console.print(f"no duplicated keys in the last {days} days")


COMMANDS = (deduplicate,)
