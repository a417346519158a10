"""The one ``SELECT`` of tweets matching a query in a time range, newest first, and the one
that counts them over time.

The CLI's saved searches, the HTTP API and notebooks all run these statements, so a query
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


def _where(query: str | Node | None, since: datetime | None, until: datetime | None) -> CompiledQuery:
    """The ``WHERE`` clause (empty when nothing restricts) of tweets ``query`` matches in range."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
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
    sql = "WHERE " + "\n  AND ".join(conditions) + "\n" if conditions else ""
    return CompiledQuery(sql, params)


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
    where = _where(query, since, until)
    sql = (
        f"SELECT {_SELECT}\nFROM tweets AS t\nLEFT JOIN users AS u ON u.user_id = t.author_id\n"
        f"{where.sql}ORDER BY t.created_at DESC, t.tweet_id DESC\nLIMIT @limit"
    )
    return CompiledQuery(sql, {**where.params, "limit": limit})


def volume_statement(
    query: str | Node | None,
    *,
    bucket_seconds: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> CompiledQuery:
    """Count the tweets ``query`` matches per time bucket of ``bucket_seconds`` and language,
    with their sentiment counts and summed score (the columns of a topic's series)."""
    if bucket_seconds < 1:
        raise ValueError(f"bucket_seconds must be positive, got {bucket_seconds}")
    where = _where(query, since, until)
    sql = (
        "SELECT TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(t.created_at), @bucket_seconds) * @bucket_seconds)"
        " AS bucket,\n       t.lang, COUNT(*) AS tweets,\n"
        "       COUNTIF(t.sentiment_label = 'positive') AS positive,\n"
        "       COUNTIF(t.sentiment_label = 'neutral') AS neutral,\n"
        "       COUNTIF(t.sentiment_label = 'negative') AS negative,\n"
        "       SUM(t.sentiment_score) AS sentiment_sum\n"
        f"FROM tweets AS t\n{where.sql}GROUP BY bucket, t.lang\nORDER BY bucket, t.lang"
    )
    return CompiledQuery(sql, {**where.params, "bucket_seconds": bucket_seconds})
