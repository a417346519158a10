"""``trendwatch search``: the tweets most related to a query, by words and by meaning."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from trendwatch.cli.common import (
    JSON_OPTION,
    MOMENT,
    STATE_OPTION,
    open_warehouse,
    out,
    print_json,
    settings_for,
    table,
    utc,
)


@click.command()
@click.argument("query")
@STATE_OPTION
@JSON_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--lang", default=None, help="Only tweets in this language (e.g. en, fr).")
@click.option("--since", type=MOMENT, default=None, help="Only tweets created at or after (UTC).")
@click.option("--until", type=MOMENT, default=None, help="Only tweets created before (UTC).")
def search(
    query: str,
    state_dir: Path | None,
    as_json: bool,
    limit: int,
    lang: str | None,
    since: datetime | None,
    until: datetime | None,
) -> None:
    """Tweets matching QUERY, best first: keyword (BM25) and semantic (embedding) ranks fused.

    A text repeated by many tweets is one hit, shown as its earliest tweet in the time range."""
    from trendwatch.adapters.local.embedder import WordLlamaEmbedder
    from trendwatch.app.search import NoEmbeddings, SearchFilters
    from trendwatch.app.search import search as hybrid_search
    from trendwatch.app.search_engines import DuckDBSearchEngine

    if not query.strip():
        raise click.BadParameter("the query is empty", param_hint="QUERY")
    if since is not None and until is not None and since >= until:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    engine = DuckDBSearchEngine(open_warehouse(settings_for(state_dir)))
    try:
        filters = SearchFilters(lang=lang, since=utc(since), until=utc(until))
        hits = hybrid_search(engine, WordLlamaEmbedder(), query, limit=limit, filters=filters)
    except NoEmbeddings as exc:
        raise click.ClickException(
            f"{exc}: replay tweets (`trendwatch replay FILE` or `trendwatch demo`) to embed them first"
        ) from None
    if as_json:
        print_json(hits)
        return
    out.print(
        table(
            f"Tweets for {query!r}",
            ("score", "keyword", "semantic", "created", "author", "lang", "text"),
            [
                (
                    f"{h.score:.4f}",
                    h.keyword_rank or "",
                    h.semantic_rank or "",
                    f"{h.created_at:%Y-%m-%d %H:%M}",
                    h.author,
                    h.lang or "",
                    h.text,
                )
                for h in hits
            ],
        )
    )


COMMANDS = [search]
