"""X API v2 response pages (recent search, tweet lookup) as filtered-stream lines.

A page holds many tweets (``{"data": [...], "includes": {...}, "meta": {...}}``); the
pipeline reads one tweet per line, as the filtered stream sends them. Capture tools save
pages one per line, so a file of them is split here before ingest, and recent-search
backfills go through the same split. Each line keeps every field of its tweet and of the
included objects it needs, and the page's extra top-level fields (a capture tool's
metadata, such as twarc's ``__twarc``); ``meta`` and ``errors`` describe the page, not a
tweet, and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import msgspec

JsonObject = dict[str, Any]

#: Top-level fields of a page that describe the page as a whole.
_PAGE_FIELDS = frozenset({"data", "includes", "meta", "errors"})


class _Shape(msgspec.Struct):
    """Just enough of a line to tell a page (``data`` is a list) from a stream line."""

    data: msgspec.Raw = msgspec.Raw(b"null")


_shape = msgspec.json.Decoder(_Shape)


def as_stream_lines(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a capture file, each page split into one line per tweet.

    Every other line (stream lines, keep-alives, malformed lines, and pages that cannot be
    split, however broken) is passed on byte for byte, so that ingest stores it exactly or
    dead-letters it with its reason.
    """
    for line in lines:
        yield from _split(line) if _is_page(line) else (line,)


def _split(page: bytes) -> list[bytes]:
    try:
        return page_to_stream_lines(msgspec.json.decode(page))
    except Exception:  # a page of odd shape: ingest refuses it as a line, with the reason
        return [page]


def _is_page(line: bytes) -> bool:
    try:
        data = _shape.decode(line).data
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return False
    return bytes(data).startswith(b"[")


def page_to_stream_lines(page: JsonObject) -> list[bytes]:
    """Split a page into ``{"data": tweet, "includes": {...}}`` lines, one per tweet.

    ``includes`` keeps only what the tweet needs: its author, the user it replies to, the
    users it mentions, its media, the tweets it references and their authors and media.
    Ids are compared as text, so that pages written with numeric ids split alike.
    """
    includes = page.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    users = _objects(includes.get("users"))
    media = _objects(includes.get("media"))
    tweets_by_id = {str(t.get("id")): t for t in _objects(includes.get("tweets"))}
    extra = {key: value for key, value in page.items() if key not in _PAGE_FIELDS}
    lines = []
    for tweet in page.get("data", []):
        if not isinstance(tweet, dict):  # left for ingest to dead-letter with its reason
            lines.append(msgspec.json.encode({"data": tweet, **extra}))
            continue
        referenced = [
            tweets_by_id[str(ref.get("id"))]
            for ref in tweet.get("referenced_tweets", [])
            if str(ref.get("id")) in tweets_by_id
        ]
        related = [tweet, *referenced]
        user_ids = {str(t["author_id"]) for t in related if "author_id" in t}
        if "in_reply_to_user_id" in tweet:
            user_ids.add(str(tweet["in_reply_to_user_id"]))
        mentioned = {
            str(m.get("username")).casefold() for m in (tweet.get("entities") or {}).get("mentions", [])
        }
        media_keys = {str(key) for t in related for key in (t.get("attachments") or {}).get("media_keys", [])}
        needed = {
            "users": [
                u
                for u in users
                if str(u.get("id")) in user_ids or str(u.get("username")).casefold() in mentioned
            ],
            "media": [m for m in media if str(m.get("media_key")) in media_keys],
            "tweets": referenced,
        }
        lines.append(msgspec.json.encode({"data": tweet, "includes": _non_empty(needed), **extra}))
    return lines


def _objects(value: Any) -> list[JsonObject]:
    """The objects of a JSON list; nothing for anything else."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _non_empty(lists: Mapping[str, Sequence[JsonObject]]) -> dict[str, Sequence[JsonObject]]:
    """Drop empty lists, as X does in its own ``includes``."""
    return {key: value for key, value in lists.items() if value}
