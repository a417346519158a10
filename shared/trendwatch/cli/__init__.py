"""The ``trendwatch`` command (DESIGN §6): one CLI for the demo, replays, analysts and evaluations.

Outputs with ``--json`` are machine-readable JSON on stdout; progress and tables for people go
to stderr/stdout. Each module of this package holds one family of commands and lists them in
``COMMANDS``; they are gathered here, so adding a command never means editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from trendwatch.observability import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", default="WARNING", show_default=True, help="Level of the JSON logs on stderr.")
@click.version_option(package_name="trendwatch")
def main(log_level: str) -> None:
    """trendwatch: spot product and lifestyle trends on social media early.

    Start with `trendwatch demo`, then explore with `topics`, `influencers` and `query`.
    """
    configure_logging(log_level)


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register_commands()
