"""Saved searches: analysts' named queries in the query language, kept in the warehouse.

A search is checked when saved (an invalid query is refused with the fault's position), so
running it later can only fail for reasons of the warehouse. Tweets come back newest first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import msgspec

from trendwatch.ports import Warehouse
from trendwatch.query import DEFAULT_MAX_RULE_LENGTH, parse, to_stream_rule, tweets_statement

_NAME = re.compile(r"\w[\w .:-]{0,99}")


class SavedSearch(msgspec.Struct, frozen=True):
    name: str
    query: str
    created_at: datetime
    updated_at: datetime


class TweetMatch(msgspec.Struct, frozen=True):
    """A tweet a query matched (the columns of :data:`trendwatch.query.TWEET_COLUMNS`)."""

    tweet_id: str
    created_at: datetime
    author_id: str | None
    username: str | None
    lang: str | None
    text: str | None
    hashtags: list[str] | None
    categories: list[str] | None
    has_media: bool | None
    sentiment_label: str | None
    sentiment_score: float | None
    retweet_count: int | None
    like_count: int | None


class SavedSearchNotFound(LookupError):
    """No saved search has this name."""


def _checked_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"invalid search name {name!r}: 1 to 100 letters, digits, spaces or _ . : -, starting with a letter or digit"
        )
    return name


def save_search(warehouse: Warehouse, name: str, query: str, *, now: datetime | None = None) -> SavedSearch:
    """Create or replace the search ``name`` (keeping when it was first created).

    Raises :class:`~trendwatch.query.QuerySyntaxError` for an invalid query, ``ValueError``
    for an invalid name.
    """
    name = _checked_name(name)
    parse(query)
    now = now or datetime.now(UTC)
    try:
        created_at = get_search(warehouse, name).created_at
    except SavedSearchNotFound:
        created_at = now
    saved = SavedSearch(name, query.strip(), created_at, now)
    warehouse.merge_rows("saved_searches", [msgspec.structs.asdict(saved)])
    return saved


def list_searches(warehouse: Warehouse) -> list[SavedSearch]:
    """Every saved search, by name."""
    rows = warehouse.query("SELECT name, query, created_at, updated_at FROM saved_searches ORDER BY name")
    return msgspec.convert(rows, list[SavedSearch])


def get_search(warehouse: Warehouse, name: str) -> SavedSearch:
    rows = warehouse.query(
        "SELECT name, query, created_at, updated_at FROM saved_searches WHERE name = @name",
        {"name": name.strip()},
    )
    if not rows:
        raise SavedSearchNotFound(f"no saved search named {name!r}")
    return msgspec.convert(rows[0], SavedSearch)


def delete_search(warehouse: Warehouse, name: str) -> None:
    """Delete the search ``name``; raises :class:`SavedSearchNotFound` when there is none."""
    get_search(warehouse, name)
    warehouse.execute("DELETE FROM saved_searches WHERE name = @name", {"name": name.strip()})


def search_tweets(
    warehouse: Warehouse,
    query: str | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[TweetMatch]:
    """Tweets ``query`` matches (all for ``None``), created in ``[since, until)``, newest first."""
    statement = tweets_statement(query, since=since, until=until, limit=limit)
    return msgspec.convert(warehouse.query(statement.sql, statement.params), list[TweetMatch])


def run_search(
    warehouse: Warehouse,
    name: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[TweetMatch]:
    """The tweets the saved search ``name`` matches, newest first."""
    return search_tweets(warehouse, get_search(warehouse, name).query, since=since, until=until, limit=limit)


def search_rule(warehouse: Warehouse, name: str, *, max_length: int = DEFAULT_MAX_RULE_LENGTH) -> str:
    """The X filtered-stream rule of the saved search ``name`` (see :func:`trendwatch.query.to_stream_rule`)."""
    return to_stream_rule(get_search(warehouse, name).query, max_length=max_length)
