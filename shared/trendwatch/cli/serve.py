"""``trendwatch serve``: the analysts' HTTP API and dashboard."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from trendwatch.cli.common import STATE_OPTION, console, settings_for


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@STATE_OPTION
def serve(host: str, port: int, state_dir: Path | None) -> None:
    """Serve the dashboard (/) and the read-only JSON API (/api/v1, OpenAPI at /docs)."""
    import uvicorn

    from trendwatch.api.app import app_from_settings

    settings = settings_for(state_dir)
    if not (_loopback(host) or settings.iap_audience or settings.api_token):
        raise click.ClickException(
            f"{host} is reachable from other machines: set TRENDWATCH_API_TOKEN (or, behind IAP, "
            "TRENDWATCH_IAP_AUDIENCE) first, or serve on 127.0.0.1"
        )
    try:
        app = app_from_settings(settings)
    except FileNotFoundError as exc:
        raise click.ClickException(
            f"{exc}: run `trendwatch demo` or `trendwatch replay FILE` first"
        ) from None
    except ValueError as exc:  # an environment without IAP, a malformed role map
        raise click.ClickException(str(exc)) from None
    with console.status("ranking emerging topics"):
        app.state.reads.emerging()  # the slowest answer, ready before the first visit
    console.print(f"[green]dashboard[/] http://{host}:{port}/   [green]API[/] http://{host}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


COMMANDS = [serve]
