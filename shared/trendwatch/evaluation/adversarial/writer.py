"""The stream writer: posts, retweets, replies and quotes encoded as X API v2 filtered-stream lines."""

from __future__ import annotations

from collections import Counter
from typing import IO, Any

import msgspec

from trendwatch.evaluation.adversarial.accounts import Account
from trendwatch.evaluation.adversarial.text import Content, quoted, shifted
from trendwatch.evaluation.adversarial.vocabulary import Lang
from trendwatch.generator.text import TextBuilder
from trendwatch.generator.timeline import Snowflake, x_time

#: The stream rules a retailer would run: (id, tag).
RULES = (("1702400000000000001", "lifestyle-en"), ("1702400000000000002", "lifestyle-fr"))
RECENT = 300


class Post(msgspec.Struct):
    """A tweet already in the stream, which later tweets can retweet, reply to or quote."""

    tweet_id: str
    created_at: str
    author: Account
    text: str
    entities: dict[str, Any]
    lang: str
    conversation_id: str
    #: What the post is about, for the truth counts: a trend id, a decoy kind, or "background".
    about: str
    retweets: int = 0
    replies: int = 0
    quotes: int = 0

    def x_tweet(self) -> dict[str, Any]:
        """The tweet as X expands it in ``includes.tweets``, with its metrics so far."""
        tweet: dict[str, Any] = {
            "id": self.tweet_id,
            "text": self.text,
            "author_id": self.author.user_id,
            "created_at": self.created_at,
            "conversation_id": self.conversation_id,
            "lang": self.lang,
            "public_metrics": {
                "retweet_count": self.retweets,
                "reply_count": self.replies,
                "like_count": 4 * self.retweets + self.replies,
                "quote_count": self.quotes,
            },
        }
        if self.entities:
            tweet["entities"] = self.entities
        return tweet


def lang_of(post: Post) -> Lang:
    """The language to answer ``post`` in (French or, for anything else, English)."""
    return "fr" if post.lang == "fr" else "en"


class StreamWriter:
    """Writes one message per call to ``out``, counting tweets by what they are about."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._ids = Snowflake(worker=3)
        self._encoder = msgspec.json.Encoder()
        self.counts: Counter[str] = Counter()
        #: Authors of the tweets about each thing, for the truth file.
        self.authors: dict[str, set[str]] = {}

    def _new(
        self, ms: int, author: Account, content: Content, lang: str, about: str
    ) -> tuple[Post, dict[str, Any]]:
        tweet_id = str(self._ids.next_id(ms))
        text, entities = content
        post = Post(tweet_id, x_time(ms), author, text, entities, lang, tweet_id, about)
        data: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "created_at": post.created_at,
            "author_id": author.user_id,
            "lang": lang,
            "conversation_id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        }
        if entities:
            data["entities"] = entities
        return post, data

    def _emit(self, post: Post, data: dict[str, Any], users: list[Account], tweets: list[Post]) -> Post:
        includes: dict[str, Any] = {"users": [u.x_user() for u in {u.user_id: u for u in users}.values()]}
        if tweets:
            includes["tweets"] = [t.x_tweet() for t in tweets]
        rule_id, tag = RULES[post.lang == "fr"]
        message = {"data": data, "includes": includes, "matching_rules": [{"id": rule_id, "tag": tag}]}
        self._out.write(self._encoder.encode(message) + b"\n")
        self.counts[post.about] += 1
        self.authors.setdefault(post.about, set()).add(post.author.user_id)
        return post

    def original(
        self,
        ms: int,
        author: Account,
        content: Content,
        lang: str,
        about: str,
        mentioned: tuple[Account, ...] = (),
    ) -> Post:
        post, data = self._new(ms, author, content, lang, about)
        return self._emit(post, data, [author, *mentioned], [])

    def retweet(self, ms: int, author: Account, target: Post) -> Post:
        """``RT @user: text``: the original's entities shifted behind the RT mention, as X does."""
        content = shifted(
            TextBuilder().text("RT ").mention(target.author).text(": "), (target.text, target.entities)
        )
        post, data = self._new(ms, author, content, target.lang, target.about)
        data["referenced_tweets"] = [{"type": "retweeted", "id": target.tweet_id}]
        target.retweets += 1
        return self._emit(post, data, [author, target.author], [target])

    def reply(self, ms: int, author: Account, target: Post, content: Content, lang: str) -> Post:
        content = shifted(TextBuilder().mention(target.author).text(" "), content)
        post, data = self._new(ms, author, content, lang, target.about)
        post.conversation_id = data["conversation_id"] = target.conversation_id
        data["in_reply_to_user_id"] = target.author.user_id
        data["referenced_tweets"] = [{"type": "replied_to", "id": target.tweet_id}]
        target.replies += 1
        return self._emit(post, data, [author, target.author], [target])

    def quote(self, ms: int, author: Account, target: Post, content: Content, lang: str) -> Post:
        link = f"https://twitter.com/{target.author.username}/status/{target.tweet_id}"
        post, data = self._new(ms, author, quoted(content, link), lang, target.about)
        data["referenced_tweets"] = [{"type": "quoted", "id": target.tweet_id}]
        target.quotes += 1
        return self._emit(post, data, [author, target.author], [target])
