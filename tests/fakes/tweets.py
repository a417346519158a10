"""Builders of X API v2 filtered-stream lines for tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def stream_line(
    tweet_id: str,
    text: str,
    *,
    author_id: str = "100",
    username: str = "alice",
    followers: int = 10,
    minute: float = 0.0,
    lang: str = "en",
    hashtags: tuple[str, ...] = (),
    mentions: tuple[tuple[str, str], ...] = (),
    media_keys: tuple[str, ...] = (),
    retweet_of: tuple[str, str] | None = None,
    reply_to: tuple[str, str] | None = None,
) -> bytes:
    """One stream message; ``retweet_of``/``reply_to`` are ``(tweet_id, author_id)``."""
    created = (BASE_TIME + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    data: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "created_at": created,
        "author_id": author_id,
        "lang": lang,
        "entities": {
            "hashtags": [{"tag": tag, "start": 0, "end": 0} for tag in hashtags],
            "mentions": [{"username": name, "id": uid, "start": 0, "end": 0} for name, uid in mentions],
        },
    }
    includes: dict[str, Any] = {
        "users": [{"id": author_id, "username": username, "public_metrics": {"followers_count": followers}}]
    }
    referenced = []
    if retweet_of:
        referenced.append({"type": "retweeted", "id": retweet_of[0]})
    if reply_to:
        referenced.append({"type": "replied_to", "id": reply_to[0]})
        data["in_reply_to_user_id"] = reply_to[1]
    if referenced:
        data["referenced_tweets"] = referenced
        includes["tweets"] = [
            {"id": tid, "text": "original", "created_at": created, "author_id": aid}
            for tid, aid in (r for r in (retweet_of, reply_to) if r)
        ]
    if media_keys:
        data["attachments"] = {"media_keys": list(media_keys)}
        includes["media"] = [
            {"media_key": key, "type": "photo", "url": f"https://pbs.twimg.com/media/{key}.png"}
            for key in media_keys
        ]
    return json.dumps(
        {"data": data, "includes": includes, "matching_rules": [{"id": "1", "tag": "retail"}]}
    ).encode()


MALFORMED_LINES: dict[str, bytes] = {
    "truncated JSON": b'{"data": {"id": "1", "text": "cut',
    "wrong field type": json.dumps(
        {"data": {"id": "5", "text": 5, "created_at": "2026-11-02T10:00:00.000Z", "author_id": "1"}}
    ).encode(),
    "invalid UTF-8": b'{"data": {"id": "2", "text": "\xff\xfe", "created_at": "2026-11-02T10:00:00.000Z", "author_id": "1"}}',
    "message without data": b'{"errors": [{"title": "operational-disconnect"}]}',
}
