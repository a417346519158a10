"""The stream itself: who posts what at each instant, encoded as X API v2 filtered-stream lines."""

from __future__ import annotations

import random
from typing import Any, Literal

import msgspec

from trendwatch.generator import compose
from trendwatch.generator.authors import Account, Population
from trendwatch.generator.catalog import Product
from trendwatch.generator.compose import Subject
from trendwatch.generator.images import MediaLibrary
from trendwatch.generator.recent import Recent
from trendwatch.generator.text import Entities, retweet_text
from trendwatch.generator.timeline import Snowflake, x_time
from trendwatch.generator.topics import DECOY_SHARE, PlantedTopic
from trendwatch.generator.vocabulary import (
    ADJECTIVES,
    CATEGORY_BY_NAME,
    DECOY,
    NEGATIVE_ADJECTIVES,
    Lang,
)

Kind = Literal["original", "retweet", "reply", "quote"]
KINDS: tuple[Kind, ...] = ("original", "retweet", "reply", "quote")
#: Shares of the kinds of tweet posted by people (not bots): original, retweet, reply, quote.
KIND_WEIGHTS = (0.55, 0.30, 0.10, 0.05)
SPAM_SHARE = 0.04
#: Chance that a bot of the ring retweets another bot instead of posting.
BOT_RETWEET_SHARE = 0.5
#: Chance that a retweet or quote amplifies a recent influencer post.
INFLUENCER_PICK_SHARE = 0.15
#: Chance that a post about a started topic is by its influencer, and that any post is by the general one.
TOPIC_INFLUENCER_SHARE = 0.15
GENERAL_INFLUENCER_SHARE = 0.005
LANG_SWITCH_SHARE = 0.1
#: After a language shift (:class:`MixShift`), an English author's chance of writing in French.
SHIFTED_FRENCH_SHARE = 0.5
WORDLESS_SHARE = 0.03
MEDIA_SHARE = 0.10
SECOND_PHOTO_SHARE = 0.08
RECENT_POSTS, RECENT_INFLUENCER_POSTS, RECENT_BOT_POSTS = 500, 40, 30
TWEET_WORKER, MEDIA_WORKER = 1, 2


class Posted(msgspec.Struct):
    """An earlier post that later tweets can retweet, reply to or quote."""

    tweet_id: str
    created_at: str
    lang: str
    text: str
    entities: Entities
    conversation_id: str
    subject: Subject
    #: The author first, then the accounts the text mentions.
    users: tuple[Account, ...]
    retweets: int = 0
    replies: int = 0
    quotes: int = 0

    @property
    def author(self) -> Account:
        return self.users[0]

    def x_tweet(self) -> dict[str, Any]:
        """The tweet as X expands it in ``includes.tweets``, with its metrics so far."""
        tweet: dict[str, Any] = {
            "id": self.tweet_id,
            "text": self.text,
            "author_id": self.author.user_id,
            "created_at": self.created_at,
            "conversation_id": self.conversation_id,
            "lang": self.lang,
        }
        if self.entities:
            tweet["entities"] = self.entities
        tweet["public_metrics"] = {
            "retweet_count": self.retweets,
            "reply_count": self.replies,
            "like_count": 3 * self.retweets + self.replies,
            "quote_count": self.quotes,
        }
        return tweet


class StreamStats(msgspec.Struct):
    tweets: int = 0
    originals: int = 0
    retweets: int = 0
    replies: int = 0
    quotes: int = 0
    #: Tweets posted by bots (spam and the ring's retweets).
    bot_tweets: int = 0
    media_items: int = 0
    tweets_with_media: int = 0
    #: Tweets (of any kind) about each planted topic.
    topic_tweets: dict[str, int] = {}


class MixShift(msgspec.Struct, frozen=True):
    """A change of the stream's mix from ``at`` (Unix milliseconds) on, for drift evaluations:
    ``lang``, English authors write in French half of the time; ``sentiment``, every opinion
    word of a tweet is a negative one (``overpriced``, ``décevant``...)."""

    kind: Literal["lang", "sentiment"]
    at: int


class _Draft(msgspec.Struct):
    """A tweet being assembled: its ``data`` object and what goes in ``includes``."""

    post: Posted
    data: dict[str, Any]
    users: tuple[Account, ...]
    media: list[dict[str, Any]] = []
    tweets: list[dict[str, Any]] = []


class StreamEngine:
    """Turns instants into stream lines; call :meth:`line` with non-decreasing times."""

    def __init__(
        self,
        rng: random.Random,
        population: Population,
        catalog: list[Product],
        topics: list[PlantedTopic],
        media: MediaLibrary,
        shift: MixShift | None = None,
    ) -> None:
        self._rng = rng
        self._shift = shift
        self._people = population
        self._topics = topics
        self._media = media
        self._baseline = [p for p in catalog if p.topic_id is None]
        self._fashion = [p for p in self._baseline if p.category == DECOY.category]
        self._topic_products = {
            t.spec.topic_id: [p for p in catalog if p.topic_id == t.spec.topic_id] for t in topics
        }
        self._onsets = {t.spec.topic_id: t.onset_ms for t in topics}
        self._ring_ids = {bot.user_id for bot in population.bot_ring}
        self._tweet_ids = Snowflake(TWEET_WORKER)
        self._media_ids = Snowflake(MEDIA_WORKER)
        self._recent = Recent[Posted](RECENT_POSTS)
        self._influencer_posts = Recent[Posted](RECENT_INFLUENCER_POSTS)
        self._ring_posts = Recent[Posted](RECENT_BOT_POSTS)
        self._user_objects: dict[str, dict[str, Any]] = {}
        self._encoder = msgspec.json.Encoder()
        self.stats = StreamStats(topic_tweets={t.spec.topic_id: 0 for t in topics})

    def line(self, ms: int) -> bytes:
        """The stream message of the next tweet, posted at ``ms`` (Unix milliseconds)."""
        self.stats.tweets += 1
        if self._rng.random() < SPAM_SHARE:
            post, draft = self._bot_post(ms)
        else:
            post, draft = self._human_post(ms, self._rng.choices(KINDS, KIND_WEIGHTS)[0])
        if post.subject.topic is not None and not post.subject.decoy:
            self.stats.topic_tweets[post.subject.topic.topic_id] += 1
        return self._encode(draft)

    # -- choosing -------------------------------------------------------------------------------

    def _subject(self, ms: int) -> Subject:
        draw = self._rng.random()
        for topic in self._topics:
            draw -= topic.share_at(ms)
            if draw < 0:
                product = self._rng.choice(self._topic_products[topic.spec.topic_id])
                return Subject(CATEGORY_BY_NAME[topic.spec.category], product, topic.spec)
        if draw < DECOY_SHARE:
            return Subject(
                CATEGORY_BY_NAME[DECOY.category], self._rng.choice(self._fashion), DECOY, decoy=True
            )
        return self._product_subject()

    def _product_subject(self) -> Subject:
        product = self._rng.choice(self._baseline)
        return Subject(CATEGORY_BY_NAME[product.category], product)

    def _author(self, subject: Subject, ms: int) -> Account:
        """A regular user mostly; a topic's influencer pushes it, but only once it has started."""
        topic_id = subject.topic.topic_id if subject.topic else ""
        if ms >= self._onsets.get(topic_id, ms + 1) and self._rng.random() < TOPIC_INFLUENCER_SHARE:
            return self._people.influencers[topic_id]
        if self._rng.random() < GENERAL_INFLUENCER_SHARE:
            return self._people.influencers[""]
        return self._people.pick_regular(self._rng)

    def _other_regular(self, than: Account) -> Account:
        while (account := self._people.pick_regular(self._rng)).user_id == than.user_id:
            pass
        return account

    def _shifted(self, kind: str, ms: int) -> bool:
        return self._shift is not None and self._shift.kind == kind and ms >= self._shift.at

    def _lang(self, author: Account, ms: int) -> Lang:
        # one draw either way: the stream before a shift is the unshifted stream, byte for byte
        draw = self._rng.random()
        if author.lang == "en" and self._shifted("lang", ms):
            return "fr" if draw < SHIFTED_FRENCH_SHARE else "en"
        if draw < LANG_SWITCH_SHARE:
            return "fr" if author.lang == "en" else "en"
        return author.lang

    def _adjectives(self, ms: int) -> dict[Lang, tuple[str, ...]]:
        return NEGATIVE_ADJECTIVES if self._shifted("sentiment", ms) else ADJECTIVES

    def _amplified(self) -> Posted | None:
        if self._rng.random() < INFLUENCER_PICK_SHARE:
            return self._influencer_posts.pick(self._rng) or self._recent.pick(self._rng)
        return self._recent.pick(self._rng)

    # -- assembling -----------------------------------------------------------------------------

    def _post(
        self, ms: int, users: tuple[Account, ...], content: tuple[str, Entities], lang: str, subject: Subject
    ) -> tuple[Posted, dict[str, Any]]:
        """A new tweet by ``users[0]``: its :class:`Posted` record and X's ``data`` object."""
        text, entities = content
        tweet_id = str(self._tweet_ids.next_id(ms))
        post = Posted(tweet_id, x_time(ms), lang, text, entities, tweet_id, subject, users)
        data: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "created_at": post.created_at,
            "author_id": post.author.user_id,
            "lang": lang,
            "conversation_id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        }
        if entities:
            data["entities"] = entities
        return post, data

    def _user_object(self, account: Account) -> dict[str, Any]:
        if account.user_id not in self._user_objects:
            self._user_objects[account.user_id] = account.x_user()
        return self._user_objects[account.user_id]

    def _encode(self, draft: _Draft) -> bytes:
        users = {account.user_id: self._user_object(account) for account in draft.users}
        includes: dict[str, Any] = {"users": list(users.values())}
        if draft.media:
            includes["media"] = draft.media
        if draft.tweets:
            includes["tweets"] = draft.tweets
        rule_id, tag = draft.post.subject.category.rule
        message = {"data": draft.data, "includes": includes, "matching_rules": [{"id": rule_id, "tag": tag}]}
        return self._encoder.encode(message)

    # -- the kinds of tweet ---------------------------------------------------------------------

    def _human_post(self, ms: int, kind: Kind) -> tuple[Posted, _Draft]:
        target = self._recent.pick(self._rng) if kind == "reply" else self._amplified()
        if kind == "original" or target is None:
            return self._original(ms)
        if kind == "retweet":
            return self._retweet(ms, self._other_regular(target.author), target)
        if kind == "reply":
            return self._reply(ms, target)
        return self._quote(ms, target)

    def _attach_photos(self, ms: int, data: dict[str, Any], product: Product) -> list[dict[str, Any]]:
        count = 2 if self._rng.random() < SECOND_PHOTO_SHARE else 1
        media = [self._media.photo(f"3_{self._media_ids.next_id(ms)}", product) for _ in range(count)]
        data["attachments"] = {"media_keys": [m["media_key"] for m in media]}
        self.stats.media_items += count
        self.stats.tweets_with_media += 1
        return media

    def _original(self, ms: int) -> tuple[Posted, _Draft]:
        subject = self._subject(ms)
        author = self._author(subject, ms)
        users: tuple[Account, ...] = (author,)
        if self._rng.random() < WORDLESS_SHARE:
            builder, lang = compose.wordless(self._rng, subject), "und"
        else:
            if self._rng.random() < compose.MENTION_SHARE:
                users = (author, self._other_regular(author))
            lang = self._lang(author, ms)
            mention = users[1] if len(users) > 1 else None
            builder = compose.original(self._rng, subject, lang, mention, self._adjectives(ms))
        post, data = self._post(ms, users, builder.build(), lang, subject)
        media = self._attach_photos(ms, data, subject.product) if self._rng.random() < MEDIA_SHARE else []
        self._recent.add(post)
        if author.role == "influencer":
            self._influencer_posts.add(post)
        self.stats.originals += 1
        return post, _Draft(post, data, users, media)

    def _retweet(self, ms: int, author: Account, target: Posted) -> tuple[Posted, _Draft]:
        content = retweet_text(target.author, target.text, target.entities)
        post, data = self._post(ms, (author, *target.users), content, target.lang, target.subject)
        data["referenced_tweets"] = [{"type": "retweeted", "id": target.tweet_id}]
        target.retweets += 1
        self.stats.retweets += 1
        return post, _Draft(post, data, post.users, tweets=[target.x_tweet()])

    def _reply(self, ms: int, target: Posted) -> tuple[Posted, _Draft]:
        author = self._other_regular(target.author)
        lang = self._lang(author, ms)
        builder = compose.reply(self._rng, target.subject, lang, target.author, self._adjectives(ms))
        post, data = self._post(ms, (author, target.author), builder.build(), lang, target.subject)
        post.conversation_id = data["conversation_id"] = target.conversation_id
        data["in_reply_to_user_id"] = target.author.user_id
        data["referenced_tweets"] = [{"type": "replied_to", "id": target.tweet_id}]
        target.replies += 1
        self.stats.replies += 1
        return post, _Draft(post, data, post.users, tweets=[target.x_tweet()])

    def _quote(self, ms: int, target: Posted) -> tuple[Posted, _Draft]:
        author = self._other_regular(target.author)
        lang = self._lang(author, ms)
        link = f"https://twitter.com/{target.author.username}/status/{target.tweet_id}"
        builder = compose.quote(self._rng, target.subject, lang, link)
        post, data = self._post(ms, (author,), builder.build(), lang, target.subject)
        data["referenced_tweets"] = [{"type": "quoted", "id": target.tweet_id}]
        target.quotes += 1
        self._recent.add(post)
        self.stats.quotes += 1
        return post, _Draft(post, data, (author, target.author), tweets=[target.x_tweet()])

    def _bot_post(self, ms: int) -> tuple[Posted, _Draft]:
        """Spam from a bot, or (for the ring) a retweet of another ring bot's spam."""
        self.stats.bot_tweets += 1
        bot = self._rng.choice(self._people.bots)
        in_ring = bot.user_id in self._ring_ids
        if in_ring and self._rng.random() < BOT_RETWEET_SHARE:
            target = self._ring_posts.pick(self._rng)
            if target is not None and target.author.user_id != bot.user_id:
                return self._retweet(ms, bot, target)
        subject = self._product_subject()
        builder = compose.spam(self._rng, subject.product, bot.lang)
        post, data = self._post(ms, (bot,), builder.build(), bot.lang, subject)
        if in_ring:
            self._ring_posts.add(post)
        self.stats.originals += 1
        return post, _Draft(post, data, (bot,))
