"""The one ``SELECT`` of tweets matching a query in a time range, newest first.

The CLI's saved searches, the HTTP API and notebooks all run this statement, so a query
selects the same tweets wherever it is typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trendwatch.query.ast import Node
from trendwatch.query.parser import parse
from trendwatch.query.sql import CompiledQuery, compile_where

#: The columns of each matching tweet, in order.
TWEET_COLUMNS = (
    "tweet_id",
    "created_at",
    "author_id",
    "username",
    "lang",
    "text",
    "hashtags",
    "categories",
    "has_media",
    "sentiment_label",
    "sentiment_score",
    "retweet_count",
    "like_count",
)

_SELECT = ", ".join("u.username" if c == "username" else f"t.{c}" for c in TWEET_COLUMNS)

MAX_LIMIT = 10_000


def tweets_statement(
    query: str | Node | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> CompiledQuery:
    """``SELECT`` the tweets ``query`` matches (all tweets for ``None``) created in
    ``[since, until)``, newest first, at most ``limit``; a text query is parsed first and
    raises :class:`~trendwatch.query.parser.QuerySyntaxError` when invalid."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if query is not None:
        where = compile_where(parse(query) if isinstance(query, str) else query, alias="t")
        conditions.append(where.sql)
        params |= where.params
    if since is not None:
        conditions.append("t.created_at >= @since")
        params["since"] = since
    if until is not None:
        conditions.append("t.created_at < @until")
        params["until"] = until
    sql = f"SELECT {_SELECT}\nFROM tweets AS t\nLEFT JOIN users AS u ON u.user_id = t.author_id\n"
    if conditions:
        sql += "WHERE " + "\n  AND ".join(conditions) + "\n"
    sql += "ORDER BY t.created_at DESC, t.tweet_id DESC\nLIMIT @limit"
    return CompiledQuery(sql, params)
