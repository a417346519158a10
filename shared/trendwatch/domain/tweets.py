"""The tweet as trendwatch reasons about it, normalised from an X API v2 stream message."""

from __future__ import annotations

from typing import Literal

import msgspec

from trendwatch.contracts.values import AwareDatetime, Count
from trendwatch.contracts.x_stream import XStreamMessage, XUser

InteractionKind = Literal["retweet", "reply", "quote", "mention"]


class Author(msgspec.Struct, frozen=True, omit_defaults=True):
    user_id: str
    username: str = ""
    name: str = ""
    followers_count: Count = 0
    following_count: Count = 0
    tweet_count: Count = 0
    created_at: AwareDatetime | None = None
    verified: bool = False


class MediaRef(msgspec.Struct, frozen=True, omit_defaults=True):
    media_key: str
    type: str
    url: str | None = None
    width: Count | None = None
    height: Count | None = None


class Interaction(msgspec.Struct, frozen=True):
    """A directed edge: ``source_user_id`` amplified, answered, quoted or named ``target_user_id``."""

    kind: InteractionKind
    source_user_id: str
    target_user_id: str
    tweet_id: str
    created_at: AwareDatetime


class Tweet(msgspec.Struct, frozen=True, omit_defaults=True):
    tweet_id: str
    created_at: AwareDatetime
    author: Author
    text: str
    lang_hint: str | None = None
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    media: tuple[MediaRef, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    retweet_of: str | None = None
    retweet_count: Count = 0
    like_count: Count = 0

    @property
    def is_retweet(self) -> bool:
        return self.retweet_of is not None


def _author(user: XUser | None, author_id: str) -> Author:
    if user is None:
        return Author(user_id=author_id)
    metrics = user.public_metrics
    return Author(
        user_id=user.id,
        username=user.username,
        name=user.name,
        followers_count=metrics.followers_count if metrics else 0,
        following_count=metrics.following_count if metrics else 0,
        tweet_count=metrics.tweet_count if metrics else 0,
        created_at=user.created_at,
        verified=user.verified,
    )


def normalize(message: XStreamMessage) -> Tweet:
    """Flatten a stream message into a :class:`Tweet` with its interaction edges."""
    data = message.data
    users = {u.id: u for u in message.includes.users}
    users_by_name = {u.username.lower(): u.id for u in message.includes.users}
    ref_tweets = {t.id: t for t in message.includes.tweets}
    media_by_key = {m.media_key: m for m in message.includes.media}
    entities = data.entities

    edges: list[Interaction] = []

    def edge(kind: InteractionKind, target: str | None) -> None:
        if target and target != data.author_id:
            edges.append(Interaction(kind, data.author_id, target, data.id, data.created_at))

    retweet_of = None
    for ref in data.referenced_tweets:
        target_tweet = ref_tweets.get(ref.id)
        target_author = target_tweet.author_id if target_tweet else None
        if ref.type == "retweeted":
            retweet_of = ref.id
            edge("retweet", target_author)
        elif ref.type == "quoted":
            edge("quote", target_author)
        elif ref.type == "replied_to":
            edge("reply", data.in_reply_to_user_id or target_author)

    mentions: list[str] = []
    for mention in entities.mentions if entities else ():
        mentions.append(mention.username.lower())
        if retweet_of is None:  # "RT @x:" mentions restate the retweet edge
            edge("mention", mention.id or users_by_name.get(mention.username.lower()))

    media = tuple(
        MediaRef(
            media_key=key,
            type=media_by_key[key].type if key in media_by_key else "photo",
            url=(media_by_key[key].url or media_by_key[key].preview_image_url)
            if key in media_by_key
            else None,
            width=media_by_key[key].width if key in media_by_key else None,
            height=media_by_key[key].height if key in media_by_key else None,
        )
        for key in (data.attachments.media_keys if data.attachments else ())
    )
    metrics = data.public_metrics
    return Tweet(
        tweet_id=data.id,
        created_at=data.created_at,
        author=_author(users.get(data.author_id), data.author_id),
        text=data.text,
        lang_hint=data.lang,
        hashtags=tuple(h.tag.lower() for h in entities.hashtags) if entities else (),
        mentions=tuple(mentions),
        media=media,
        interactions=tuple(edges),
        retweet_of=retweet_of,
        retweet_count=metrics.retweet_count if metrics else 0,
        like_count=metrics.like_count if metrics else 0,
    )
