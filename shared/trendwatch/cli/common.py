"""What every ``trendwatch`` command shares: consoles, common options, settings, warehouse, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trendwatch.settings import Settings

#: Progress, logs and messages for people go to stderr; results go to stdout.
console = Console(stderr=True)
out = Console()

STATE_OPTION = click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State folder (lake, warehouse, logs). Default: $TRENDWATCH_STATE_DIR or .trendwatch",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
#: A moment on the command line, read as UTC (see :func:`utc`).
MOMENT = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])


def utc(moment: datetime | None) -> datetime | None:
    """A :data:`MOMENT` option's value as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def settings_for(state_dir: Path | None) -> Settings:
    return Settings.from_env(state_dir=state_dir)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(msgspec.to_builtins(value), ensure_ascii=False, default=str) + "\n")


def require_warehouse(settings: Settings) -> None:
    """A clear error when the local warehouse does not exist: nothing has been replayed yet."""
    if not settings.warehouse_path.exists():
        raise click.ClickException(
            f"no warehouse at {settings.warehouse_path}: run `trendwatch replay FILE` or `trendwatch demo` first"
        )


def open_warehouse(settings: Settings) -> Any:
    """The local warehouse (see :func:`require_warehouse`)."""
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    require_warehouse(settings)
    return DuckDBWarehouse(settings.warehouse_path)


def warehouse_for(settings: Settings) -> Any:
    """The environment's warehouse: BigQuery with ``TRENDWATCH_ENV`` set to a cloud
    environment, else the local one of ``--state`` (which must exist)."""
    if settings.backend == "gcp":
        from trendwatch.adapters.gcp.container import gcp_container

        return gcp_container(settings).warehouse
    return open_warehouse(settings)


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields ``advance(steps)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    result = Table(title=title)
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*(str(cell) for cell in row))
    return result
