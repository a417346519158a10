"""What a tweet says: texts for originals, replies, quotes and spam, built from the vocabulary."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping

import msgspec

from trendwatch.generator.authors import Account
from trendwatch.generator.catalog import Product
from trendwatch.generator.text import TextBuilder
from trendwatch.generator.vocabulary import (
    ADJECTIVES,
    DECOY_TEMPLATES,
    EMOJIS,
    QUOTES,
    REPLIES,
    SPAM,
    SPAM_DOMAIN,
    SPAM_HASHTAGS,
    TEMPLATES,
    Category,
    Lang,
    TopicSpec,
)

#: Share of topic tweets that name the topic in words (the others only carry its hashtag).
PHRASE_SHARE = 0.75
HASHTAG_SHARE = 0.5
CATEGORY_HASHTAG_SHARE = 0.3
EMOJI_SHARE = 0.3
MENTION_SHARE = 0.12
LOWERCASE_HASHTAG_SHARE = 0.2


class Subject(msgspec.Struct, frozen=True):
    """What a tweet is about: a product, and the planted topic or decoy it belongs to, if any."""

    category: Category
    product: Product
    topic: TopicSpec | None = None
    decoy: bool = False

    def item(self, lang: Lang) -> str:
        return self.product.item.name(lang)

    def topic_hashtag(self, rng: random.Random, lang: Lang) -> str:
        assert self.topic is not None
        tag = rng.choice(self.topic.hashtags(lang))
        return tag.lower() if rng.random() < LOWERCASE_HASHTAG_SHARE else tag


def short_link(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choices(string.ascii_letters + string.digits, k=10))


#: Opinion words by language: what ``{adj}`` of a template is drawn from.
Adjectives = Mapping[Lang, tuple[str, ...]]


def _sentence(rng: random.Random, subject: Subject, lang: Lang, adjectives: Adjectives) -> tuple[str, bool]:
    """The sentence of an original tweet, and whether it names the topic in words."""
    fill = {"brand": subject.product.brand, "adj": rng.choice(adjectives[lang])}
    if subject.decoy:
        return rng.choice(DECOY_TEMPLATES[lang]).format(item=subject.item(lang), **fill), True
    template = rng.choice(TEMPLATES[lang])
    if subject.topic is None or rng.random() < PHRASE_SHARE:
        return template.format(item=subject.item(lang), **fill), subject.topic is not None
    generic = rng.choice(subject.category.items).name(lang)
    return template.format(item=generic, **fill), False


def original(
    rng: random.Random,
    subject: Subject,
    lang: Lang,
    mention: Account | None,
    adjectives: Adjectives = ADJECTIVES,
) -> TextBuilder:
    sentence, named = _sentence(rng, subject, lang, adjectives)
    builder = TextBuilder().text(sentence)
    if rng.random() < EMOJI_SHARE:
        builder.text(" " + rng.choice(EMOJIS))
    if mention is not None:
        builder.text(" cc").mention(mention)
    if subject.topic is not None and (not named or rng.random() < HASHTAG_SHARE):
        builder.hashtag(subject.topic_hashtag(rng, lang))
    if rng.random() < CATEGORY_HASHTAG_SHARE:
        builder.hashtag(rng.choice(subject.category.hashtags))
    return builder


def wordless(rng: random.Random, subject: Subject) -> TextBuilder:
    """Emoji and hashtags only: X labels such a tweet's language ``und``."""
    builder = TextBuilder().text(rng.choice(EMOJIS) * rng.randrange(1, 4))
    lang: Lang = rng.choice(("en", "fr"))
    tag = subject.topic_hashtag(rng, lang) if subject.topic else rng.choice(subject.category.hashtags)
    return builder.hashtag(tag)


def reply(
    rng: random.Random, subject: Subject, lang: Lang, to: Account, adjectives: Adjectives = ADJECTIVES
) -> TextBuilder:
    body = rng.choice(REPLIES[lang]).format(item=subject.item(lang), adj=rng.choice(adjectives[lang]))
    builder = TextBuilder().mention(to).text(" " + body)
    if subject.topic is not None and rng.random() < HASHTAG_SHARE / 2:
        builder.hashtag(subject.topic_hashtag(rng, lang))
    return builder


def quote(rng: random.Random, subject: Subject, lang: Lang, quoted_url: str) -> TextBuilder:
    body = rng.choice(QUOTES[lang]).format(item=subject.item(lang))
    return TextBuilder().text(body).url(short_link(rng), quoted_url)


def spam(rng: random.Random, product: Product, lang: Lang) -> TextBuilder:
    """Bot text: the same sentence each time, with a new discount and a new tracking link."""
    builder = TextBuilder().text(
        SPAM[lang].format(item=product.item.name(lang), pct=rng.randrange(40, 80, 10))
    )
    code = "".join(rng.choices(string.ascii_lowercase + string.digits, k=8))
    builder.url(short_link(rng), f"https://{SPAM_DOMAIN}/p/{code}")
    for tag in SPAM_HASHTAGS[lang]:
        builder.hashtag(tag)
    return builder
