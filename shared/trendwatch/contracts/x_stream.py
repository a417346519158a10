"""The X API v2 filtered-stream message, as X sends it (one JSON object per line).

Only the fields trendwatch reads are declared; unknown fields are ignored so that any
real stream file replays. A message that does not fit the declared types as X documents
them is read leniently (:mod:`trendwatch.contracts.lenient`): ids given as numbers, as
capture tools write them, are read as strings, and a non-essential value of an odd type
is left out. Only a message without a usable tweet id, text, creation time or author id
fails, with a :class:`msgspec.ValidationError` naming the path of the bad field.

Times: X writes every time in UTC (``2026-11-02T10:00:01.000Z``). A time without an offset
(as some capture tools rewrite them) is read as UTC, and every time is returned in UTC, so
nothing downstream ever compares a naive time with an aware one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from .lenient import decode_leniently
from .values import Count


class _X(msgspec.Struct, frozen=True, omit_defaults=True):
    """Base for X objects: immutable, unknown fields ignored."""


class XHashtag(_X, frozen=True):
    tag: str
    start: Count = 0
    end: Count = 0


class XMention(_X, frozen=True):
    username: str
    id: str | None = None
    start: Count = 0
    end: Count = 0


class XUrl(_X, frozen=True):
    url: str
    expanded_url: str | None = None
    start: Count = 0
    end: Count = 0


class XEntities(_X, frozen=True):
    hashtags: list[XHashtag] = []
    mentions: list[XMention] = []
    urls: list[XUrl] = []


class XReferencedTweet(_X, frozen=True):
    type: Literal["retweeted", "quoted", "replied_to"]
    id: str


class XTweetMetrics(_X, frozen=True):
    retweet_count: Count = 0
    reply_count: Count = 0
    like_count: Count = 0
    quote_count: Count = 0
    impression_count: Count = 0


class XAttachments(_X, frozen=True):
    media_keys: list[str] = []


#: An id: X's ids are never empty (an empty one would merge unrelated tweets under one key).
Id = Annotated[str, msgspec.Meta(min_length=1)]


class XTweet(_X, frozen=True):
    id: Id
    text: str
    created_at: datetime
    author_id: Id
    lang: str | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    entities: XEntities | None = None
    referenced_tweets: list[XReferencedTweet] = []
    public_metrics: XTweetMetrics | None = None
    attachments: XAttachments | None = None
    possibly_sensitive: bool = False
    source: str | None = None


class XUserMetrics(_X, frozen=True):
    followers_count: Count = 0
    following_count: Count = 0
    tweet_count: Count = 0
    listed_count: Count = 0


class XUser(_X, frozen=True):
    id: Id
    username: str
    name: str = ""
    created_at: datetime | None = None
    description: str = ""
    verified: bool = False
    protected: bool = False
    public_metrics: XUserMetrics | None = None


class XMedia(_X, frozen=True):
    media_key: str
    type: Literal["photo", "video", "animated_gif"]
    url: str | None = None
    preview_image_url: str | None = None
    width: Count | None = None
    height: Count | None = None
    alt_text: str | None = None


class XIncludes(_X, frozen=True):
    users: list[XUser] = []
    media: list[XMedia] = []
    tweets: list[XTweet] = []


class XMatchingRule(_X, frozen=True):
    id: str
    tag: str | None = None


class XStreamMessage(_X, frozen=True):
    """One line of the filtered stream: ``{"data": tweet, "includes": ..., "matching_rules": ...}``."""

    data: XTweet
    includes: XIncludes = XIncludes()
    matching_rules: list[XMatchingRule] = []


_decoder = msgspec.json.Decoder(XStreamMessage)

#: What the pipeline cannot do without: a message missing one of these is rejected.
ESSENTIAL_PATHS = frozenset({".data.id", ".data.text", ".data.created_at", ".data.author_id"})


def decode_stream_message(payload: bytes) -> XStreamMessage:
    """Decode one stream line, strictly first (the fast path for X's own lines), leniently
    when that fails, its times in UTC; raises :class:`msgspec.DecodeError` if malformed or
    missing an essential value."""
    try:
        message = _decoder.decode(payload)
    except msgspec.ValidationError:
        message = decode_leniently(payload, XStreamMessage, ESSENTIAL_PATHS)
    return _in_utc(message)


def _utc(moment: datetime) -> datetime | None:
    """``moment`` in UTC (read as UTC without an offset); ``None`` if UTC cannot hold it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def _all_in_utc(message: XStreamMessage) -> bool:
    """Whether every time of ``message`` is already in UTC (X's own lines: the fast path)."""
    if message.data.created_at.tzinfo is not UTC:
        return False
    for tweet in message.includes.tweets:
        if tweet.created_at.tzinfo is not UTC:
            return False
    for user in message.includes.users:
        if user.created_at is not None and user.created_at.tzinfo is not UTC:
            return False
    return True


def _in_utc(message: XStreamMessage) -> XStreamMessage:
    """``message`` with every time in UTC (see the module docstring); itself when they are.

    A time out of UTC's range is a :class:`msgspec.ValidationError` for the tweet itself;
    an included user's is left out, and so is an included tweet with one."""
    if _all_in_utc(message):
        return message
    includes = message.includes
    created_at = _utc(message.data.created_at)
    if created_at is None:
        raise msgspec.ValidationError("Time out of range in UTC - at `$.data.created_at`")
    replace = msgspec.structs.replace
    tweets = [(t, _utc(t.created_at)) for t in includes.tweets]
    return replace(
        message,
        data=replace(message.data, created_at=created_at),
        includes=replace(
            includes,
            tweets=[replace(t, created_at=moment) for t, moment in tweets if moment is not None],
            users=[
                u if u.created_at is None else replace(u, created_at=_utc(u.created_at))
                for u in includes.users
            ],
        ),
    )
