"""Bot strategies, each posting the way that best passes for people.

* The ring ramps its own hashtag by posting it and retweeting and quoting one another; half of
  its accounts are years old with ordinary followings, and each posts only every few minutes.
* Copy-paste accounts each post the very same text (a giveaway, with the same link) once or twice.
* Promotion accounts push one product with a discount code and a link, in varied wording.
"""

from __future__ import annotations

import random

from trendwatch.evaluation.adversarial.accounts import Account, Population
from trendwatch.evaluation.adversarial.text import compose, fill, short_link
from trendwatch.evaluation.adversarial.truth import Plan
from trendwatch.evaluation.adversarial.vocabulary import (
    BACKGROUND_GOODS,
    COPY_DOMAIN,
    PROMO_DOMAIN,
    PROMO_TEXT,
    QUOTES,
    RING_TEXT,
)
from trendwatch.evaluation.adversarial.writer import Post, StreamWriter
from trendwatch.generator.recent import Recent
from trendwatch.generator.text import TextBuilder

#: What a ring bot does: post its hashtag, retweet another ring bot, or quote one.
RING_ACTIONS = ("post", "retweet", "quote")
RING_WEIGHTS = (0.4, 0.4, 0.2)
#: Old ring accounts are picked this much less often than young ones: they look slow.
OLD_RING_WEIGHT = 0.4
PROMO_DISCOUNTS = (25, 30, 40, 50)
PROMO_HASHTAGS = ("flashsale", "discount", "bonplan")


class Bots:
    def __init__(self, rng: random.Random, population: Population, writer: StreamWriter, plan: Plan) -> None:
        self._rng = rng
        self._population = population
        self._writer = writer
        self._plan = plan
        newest = max(a.created_ms for a in population.ring)
        old_cutoff = newest - 365 * 86_400_000
        self._ring_weights = [OLD_RING_WEIGHT if a.created_ms < old_cutoff else 1.0 for a in population.ring]
        self._ring_posts = Recent[Post](60)
        self._copy_next = 0

    def _ring_member(self) -> Account:
        return self._rng.choices(self._population.ring, self._ring_weights)[0]

    def ring(self, ms: int) -> None:
        rng = self._rng
        bot = self._ring_member()
        action = rng.choices(RING_ACTIONS, RING_WEIGHTS)[0]
        target = self._ring_posts.pick(rng)
        if action != "post" and target is not None and target.author.user_id != bot.user_id:
            if action == "retweet":
                self._writer.retweet(ms, bot, target)
                return
            sentence = fill(
                rng,
                rng.choice(QUOTES[bot.lang]),
                bot.lang,
                thing=rng.choice(BACKGROUND_GOODS).name.name(bot.lang),
            )
            content = compose(rng, sentence, (self._plan.ring_hashtag,))
            self._ring_posts.add(self._writer.quote(ms, bot, target, content, bot.lang))
            return
        good = rng.choice(BACKGROUND_GOODS).name.name(bot.lang)
        sentence = fill(rng, rng.choice(RING_TEXT[bot.lang]), bot.lang, thing=good)
        content = compose(rng, sentence, (self._plan.ring_hashtag,))
        self._ring_posts.add(self._writer.original(ms, bot, content, bot.lang, "bot_ring"))

    def copy_paste(self, ms: int) -> None:
        """The same text, word for word and link for link, from the next account of the farm."""
        accounts = self._population.copy_paste
        account = accounts[self._copy_next % len(accounts)]
        self._copy_next += 1
        lang = self._plan.copy_lang
        link = f"https://{COPY_DOMAIN}/claim"
        content = (
            TextBuilder().text(self._plan.copy_text.text.name(lang) + " ").url(short_link(link), link).build()
        )
        self._writer.original(ms, account, content, lang, "copy_paste")

    def promo(self, ms: int) -> None:
        rng = self._rng
        account = rng.choice(self._population.promo)
        lang = account.lang
        sentence = rng.choice(PROMO_TEXT[lang]).format(
            product=self._plan.promo_product, code=self._plan.promo_code, pct=rng.choice(PROMO_DISCOUNTS)
        )
        link = f"https://{PROMO_DOMAIN}/{self._plan.promo_code.lower()}?ref={rng.randrange(10_000)}"
        content = compose(rng, sentence, (rng.choice(PROMO_HASHTAGS),), link)
        self._writer.original(ms, account, content, lang, "promo")
