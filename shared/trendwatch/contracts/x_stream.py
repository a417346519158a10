"""The X API v2 filtered-stream message, as X sends it (one JSON object per line).

Only the fields trendwatch reads are declared; unknown fields are ignored so that any
real stream file replays. A message that does not fit the declared types as X documents
them is read leniently (:mod:`trendwatch.contracts.lenient`): ids given as numbers, as
capture tools write them, are read as strings, and a non-essential value of an odd type
is left out. Only a message without a usable tweet id, text, creation time or author id
fails, with a :class:`msgspec.ValidationError` naming the path of the bad field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from .lenient import decode_leniently


class _X(msgspec.Struct, frozen=True, omit_defaults=True):
    """Base for X objects: immutable, unknown fields ignored."""


class XHashtag(_X, frozen=True):
    tag: str
    start: int = 0
    end: int = 0


class XMention(_X, frozen=True):
    username: str
    id: str | None = None
    start: int = 0
    end: int = 0


class XUrl(_X, frozen=True):
    url: str
    expanded_url: str | None = None
    start: int = 0
    end: int = 0


class XEntities(_X, frozen=True):
    hashtags: list[XHashtag] = []
    mentions: list[XMention] = []
    urls: list[XUrl] = []


class XReferencedTweet(_X, frozen=True):
    type: Literal["retweeted", "quoted", "replied_to"]
    id: str


class XTweetMetrics(_X, frozen=True):
    retweet_count: int = 0
    reply_count: int = 0
    like_count: int = 0
    quote_count: int = 0
    impression_count: int = 0


class XAttachments(_X, frozen=True):
    media_keys: list[str] = []


class XTweet(_X, frozen=True):
    id: str
    text: str
    created_at: datetime
    author_id: str
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
    followers_count: int = 0
    following_count: int = 0
    tweet_count: int = 0
    listed_count: int = 0


class XUser(_X, frozen=True):
    id: str
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
    width: int | None = None
    height: int | None = None
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
    when that fails; raises :class:`msgspec.DecodeError` if malformed or missing an essential value."""
    try:
        return _decoder.decode(payload)
    except msgspec.ValidationError:
        return decode_leniently(payload, XStreamMessage, ESSENTIAL_PATHS)
