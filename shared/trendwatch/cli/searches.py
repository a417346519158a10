"""``trendwatch searches``: saved searches in the boolean query language.

The query language (``"robe rouge" OR dress``, ``NOT``, ``NEAR/3``, ``lang:fr``, ``#tag``,
``@user``, ``from:user``, ``has:image``, ``category:fashion``) is described in
:mod:`trendwatch.query.parser`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from trendwatch.cli.common import (
    JSON_OPTION,
    MOMENT,
    STATE_OPTION,
    console,
    open_warehouse,
    out,
    print_json,
    settings_for,
    table,
    utc,
)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Invalid queries, names and unknown searches become one-line CLI errors, not tracebacks."""
    from trendwatch.app.saved_searches import SavedSearchNotFound

    try:
        yield
    except SavedSearchNotFound as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except ValueError as exc:  # QuerySyntaxError, StreamRuleError, a bad name or limit
        raise click.ClickException(str(exc)) from None


@click.group()
def searches() -> None:
    """Saved searches: boolean queries (AND, OR, NOT, "phrases", NEAR/n, lang:, #tag, @user, has:image)."""


@searches.command("save")
@click.argument("name")
@click.argument("query")
@STATE_OPTION
def save(name: str, query: str, state_dir: Path | None) -> None:
    """Save QUERY under NAME (replacing a search of that name)."""
    from trendwatch.app.saved_searches import save_search

    with _user_errors():
        saved = save_search(open_warehouse(settings_for(state_dir)), name, query)
    console.print(f"saved [bold]{saved.name}[/]: {saved.query}")


@searches.command("list")
@STATE_OPTION
@JSON_OPTION
def list_(state_dir: Path | None, as_json: bool) -> None:
    """Every saved search, by name."""
    from trendwatch.app.saved_searches import list_searches

    found = list_searches(open_warehouse(settings_for(state_dir)))
    if as_json:
        print_json(found)
        return
    out.print(
        table(
            "Saved searches", ("name", "query", "updated"), [(s.name, s.query, s.updated_at) for s in found]
        )
    )


@searches.command("run")
@click.argument("name")
@STATE_OPTION
@JSON_OPTION
@click.option("--limit", default=50, show_default=True, help="At most this many tweets.")
@click.option("--since", type=MOMENT, default=None, help="Only tweets created at or after (UTC).")
@click.option("--until", type=MOMENT, default=None, help="Only tweets created before (UTC).")
def run(
    name: str,
    state_dir: Path | None,
    as_json: bool,
    limit: int,
    since: datetime | None,
    until: datetime | None,
) -> None:
    """The tweets the saved search NAME matches, newest first."""
    from trendwatch.app.saved_searches import run_search

    with _user_errors():
        found = run_search(
            open_warehouse(settings_for(state_dir)), name, since=utc(since), until=utc(until), limit=limit
        )
    if as_json:
        print_json(found)
        return
    out.print(
        table(
            f"{name}: {len(found)} tweets",
            ("created", "user", "lang", "text"),
            [(t.created_at, t.username or t.author_id, t.lang, t.text) for t in found],
        )
    )


@searches.command("delete")
@click.argument("name")
@STATE_OPTION
def delete(name: str, state_dir: Path | None) -> None:
    """Delete the saved search NAME."""
    from trendwatch.app.saved_searches import delete_search

    with _user_errors():
        delete_search(open_warehouse(settings_for(state_dir)), name)
    console.print(f"deleted [bold]{name}[/]")


@searches.command("rule")
@click.argument("name")
@STATE_OPTION
@click.option(
    "--max-length", default=512, show_default=True, help="X's rule length limit for your access tier."
)
@click.option(
    "--push", is_flag=True, help="Add the rule to the X filtered stream (needs TRENDWATCH_X_BEARER_TOKEN)."
)
@click.option("--dry-run", is_flag=True, help="With --push: have X validate the rule without adding it.")
def rule(name: str, state_dir: Path | None, max_length: int, push: bool, dry_run: bool) -> None:
    """The X filtered-stream rule of the saved search NAME (printed; added to X with --push)."""
    from trendwatch.adapters.x_api import XApiError
    from trendwatch.adapters.x_rules_client import StreamRule, add_stream_rules
    from trendwatch.app.saved_searches import search_rule

    settings = settings_for(state_dir)
    with _user_errors():
        value = search_rule(open_warehouse(settings), name, max_length=max_length)
    out.print(value, markup=False, highlight=False, soft_wrap=True)
    if not push:
        return
    if not settings.x_bearer_token:
        raise click.ClickException("--push needs TRENDWATCH_X_BEARER_TOKEN")
    try:
        [added] = add_stream_rules(
            [StreamRule(value, f"saved-search:{name}")],
            settings.x_bearer_token,
            url=f"{settings.x_stream_url}/rules",
            dry_run=dry_run,
        )
    except XApiError as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"{'validated' if dry_run else 'added'} rule {added.id or ''} tagged {added.tag}")


COMMANDS = [searches]
