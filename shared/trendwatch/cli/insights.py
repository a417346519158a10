"""Commands analysts use on the warehouse: topics, influencers, query."""

from __future__ import annotations

from pathlib import Path

import click

from trendwatch.cli.common import (
    JSON_OPTION,
    STATE_OPTION,
    open_warehouse,
    out,
    print_json,
    settings_for,
    table,
)
from trendwatch.settings import Settings


@click.command()
@STATE_OPTION
@JSON_OPTION
@click.option("--limit", default=20, show_default=True)
@click.option(
    "--save", is_flag=True, help="Also store every alert in the trend_alerts table, with its explanation."
)
def topics(state_dir: Path | None, as_json: bool, limit: int, save: bool) -> None:
    """Emerging topics, newest first: groups of terms voiced by many more people than their baseline says."""
    from trendwatch.adapters.local.embedder import WordLlamaEmbedder
    from trendwatch.app.insights import emerging_topics

    warehouse = open_warehouse(settings_for(state_dir))
    found = emerging_topics(warehouse, limit=limit, persist=save, embed=WordLlamaEmbedder().embed)
    if as_json:
        print_json(found)
        return
    out.print(
        table(
            "Emerging topics",
            ("topic", "terms", "score", "volume", "voices", "expected", "first detected", "languages"),
            [
                (
                    t.label,
                    ", ".join(t.terms[:4]),
                    t.score,
                    t.volume,
                    t.observed,
                    t.expected,
                    t.first_detected_at,
                    ",".join(t.languages),
                )
                for t in found
            ],
        )
    )


@click.command()
@STATE_OPTION
@JSON_OPTION
@click.option("--topic", "topic_id", default=None, help="Only influence within this topic id.")
@click.option("--limit", default=20, show_default=True)
@click.option("--save", is_flag=True, help="Also store the ranking in the influencers table, with as_of.")
@click.option(
    "--first-voices", is_flag=True, help="With --topic: who spoke first on it (earliest original posts)."
)
def influencers(
    state_dir: Path | None, as_json: bool, topic_id: str | None, limit: int, save: bool, first_voices: bool
) -> None:
    """Influential users, best first (overall or for one topic): trust-weighted PageRank of amplification."""
    from trendwatch.app.insights import influencers as rank_influencers

    if first_voices:
        _print_first_voices(settings_for(state_dir), topic_id, limit, as_json)
        return
    found = rank_influencers(
        open_warehouse(settings_for(state_dir)), topic_id=topic_id, limit=limit, persist=save
    )
    if as_json:
        print_json(found)
        return
    out.print(
        table(
            "Influencers" + (f" of {topic_id}" if topic_id else ""),
            ("rank", "user", "score", "followers", "evidence"),
            [(i.rank, i.username or i.user_id, i.score, i.followers, i.evidence) for i in found],
        )
    )


@click.command()
@click.argument("sql")
@STATE_OPTION
@JSON_OPTION
def query(sql: str, state_dir: Path | None, as_json: bool) -> None:
    """Run BigQuery-dialect SQL against the warehouse (DuckDB locally)."""
    from trendwatch.warehouse.sql import SqlError

    warehouse = open_warehouse(settings_for(state_dir))
    try:
        rows = warehouse.query(sql)
    except SqlError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # the engine's own message is the most useful one here
        raise click.ClickException(f"query failed: {exc}") from None
    if as_json:
        print_json(rows)
        return
    columns = list(rows[0].keys()) if rows else []
    out.print(table(f"{len(rows)} rows", columns, [list(r.values()) for r in rows]))


def _print_first_voices(settings: Settings, topic_id: str | None, limit: int, as_json: bool) -> None:
    from trendwatch.app.insights import first_voices

    if not topic_id:
        raise click.UsageError("--first-voices needs --topic ID")
    found = first_voices(open_warehouse(settings), topic_id, limit=limit)
    if as_json:
        print_json(found)
        return
    out.print(
        table(
            f"First voices of {topic_id}",
            ("rank", "user", "first post", "tweet"),
            [(v.rank, v.username or v.user_id, v.first_post_at, v.tweet_id) for v in found],
        )
    )


COMMANDS = [topics, influencers, query]
