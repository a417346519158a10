"""What people post: background chatter, the steady hashtag, celebrities' posts and planted trends."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial

from trendwatch.evaluation.adversarial.accounts import Account, Population
from trendwatch.evaluation.adversarial.text import compose, fill
from trendwatch.evaluation.adversarial.truth import Plan, PlantedTrend
from trendwatch.evaluation.adversarial.vocabulary import (
    BACKGROUND_GOODS,
    BACKGROUND_HASHTAGS,
    ORIGINALS,
    QUOTES,
    REPLIES,
    STEADY_TEXT,
    Lang,
)
from trendwatch.evaluation.adversarial.writer import RECENT, Post, StreamWriter, lang_of
from trendwatch.generator.recent import Recent

#: Shares of originals, retweets, replies and quotes among people's posts.
KIND_WEIGHTS = (0.58, 0.27, 0.10, 0.05)
KINDS = ("original", "retweet", "reply", "quote")
STEADY_SHARE = 0.04
HASHTAG_SHARE = 0.3
MENTION_SHARE = 0.08
LANG_SWITCH_SHARE = 0.1
#: Chance that a background post is by a celebrity, and how many retweets such a post draws.
CELEBRITY_SHARE = 0.002
CELEBRITY_RETWEETS = (20, 80)
#: The planned celebrity moment: a post about an ordinary product retweeted by hundreds.
CELEBRITY_MOMENT_RETWEETS_PER_RATE = 45
CELEBRITY_CASCADE_MINUTES = 12
#: Chance that a trend post carries the trend's hashtag (a bilingual trend's joins its languages).
TREND_HASHTAG_SHARE = 0.45

#: Something that posts at an instant, and may schedule more posts for later (a retweet cascade).
Action = Callable[[int], "list[Later] | None"]
Later = tuple[int, Action]


class People:
    """Ordinary accounts posting, and retweet cascades after celebrity posts."""

    def __init__(self, rng: random.Random, population: Population, writer: StreamWriter, plan: Plan) -> None:
        self._rng = rng
        self._people = population
        self._writer = writer
        self._plan = plan
        self._background = Recent[Post](RECENT)
        self._trend_posts = {t.subject.trend_id: Recent[Post](RECENT) for t in plan.trends}

    def _lang(self, author: Account) -> Lang:
        if self._rng.random() < LANG_SWITCH_SHARE:
            return "fr" if author.lang == "en" else "en"
        return author.lang

    def _respond(self, ms: int, target: Post, kind: str, thing: str) -> None:
        """A retweet, reply or quote of ``target`` by someone else."""
        rng = self._rng
        while (author := self._people.pick_person(rng)).user_id == target.author.user_id:
            pass
        lang = self._lang(author)
        if kind == "retweet":
            self._writer.retweet(ms, author, target)
        elif kind == "reply":
            self._writer.reply(
                ms, author, target, compose(rng, fill(rng, rng.choice(REPLIES[lang]), lang)), lang
            )
        else:
            sentence = fill(rng, rng.choice(QUOTES[lang]), lang, thing=thing)
            self._writer.quote(ms, author, target, compose(rng, sentence), lang)

    def background(self, ms: int) -> list[Later]:
        rng = self._rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        target = self._background.pick(rng)
        good = rng.choice(BACKGROUND_GOODS)
        if kind != "original" and target is not None:
            self._respond(ms, target, kind, good.name.name(lang_of(target)))
            return []
        if rng.random() < CELEBRITY_SHARE:
            return self.celebrity_post(ms, rng.randint(*CELEBRITY_RETWEETS), "background")
        author = self._people.pick_person(rng)
        lang = self._lang(author)
        if rng.random() < STEADY_SHARE:
            sentence = fill(rng, rng.choice(STEADY_TEXT[lang]), lang)
            post = self._writer.original(
                ms, author, compose(rng, sentence, (self._plan.steady_hashtag,)), lang, "steady"
            )
        else:
            sentence = fill(rng, rng.choice(ORIGINALS[lang]), lang, thing=good.name.name(lang))
            tags = (rng.choice(BACKGROUND_HASHTAGS[lang]),) if rng.random() < HASHTAG_SHARE else ()
            mentioned = (self._people.pick_person(rng),) if rng.random() < MENTION_SHARE else ()
            content = compose(rng, sentence, tags, mentions=mentioned)
            post = self._writer.original(ms, author, content, lang, "background", mentioned)
        self._background.add(post)
        return []

    def celebrity_post(self, ms: int, retweets: int, about: str) -> list[Later]:
        """A celebrity's post about an ordinary product and the retweets it draws over the next minutes."""
        rng = self._rng
        author = rng.choice(self._people.celebrities)
        lang = author.lang
        good = rng.choice(BACKGROUND_GOODS)
        sentence = fill(rng, rng.choice(ORIGINALS[lang]), lang, thing=good.name.name(lang))
        post = self._writer.original(ms, author, compose(rng, sentence), lang, about)
        self._background.add(post)
        span = CELEBRITY_CASCADE_MINUTES * 60_000
        # Most retweets come in the first minutes: an exponential delay, cut at the cascade's span.
        delays = sorted(min(span, int(rng.expovariate(1 / (span / 4)))) + 1 for _ in range(retweets))
        return [(ms + d, partial(self._retweet, post=post)) for d in delays]

    def _retweet(self, ms: int, post: Post) -> None:
        while (author := self._people.pick_person(self._rng)).user_id == post.author.user_id:
            pass
        self._writer.retweet(ms, author, post)

    def trend(self, ms: int, trend: PlantedTrend) -> None:
        """A post about a planted trend, mostly by people who had not spoken of it yet."""
        rng = self._rng
        recent = self._trend_posts[trend.subject.trend_id]
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        target = recent.pick(rng)
        if kind != "original" and target is not None:
            self._respond(ms, target, kind, trend.subject.name.name(lang_of(target)))
            return
        author = rng.choice(self._people.people)
        lang = author.lang if author.lang in trend.languages else trend.languages[0]
        sentence = fill(rng, rng.choice(ORIGINALS[lang]), lang, thing=trend.subject.name.name(lang))
        tags = trend.subject.hashtags(lang)[:1] if rng.random() < TREND_HASHTAG_SHARE else ()
        if rng.random() < HASHTAG_SHARE:
            tags = (*tags, rng.choice(BACKGROUND_HASHTAGS[lang]))
        recent.add(
            self._writer.original(ms, author, compose(rng, sentence, tags), lang, trend.subject.trend_id)
        )
