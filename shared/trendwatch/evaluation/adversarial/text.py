"""Tweet texts with their entities (hashtags, mentions, links) at the offsets X gives them."""

from __future__ import annotations

import random
import zlib

from trendwatch.evaluation.adversarial.accounts import Account
from trendwatch.evaluation.adversarial.vocabulary import EMOJIS, FILLER, SENTIMENT, Lang
from trendwatch.generator.text import Entities, TextBuilder

Content = tuple[str, Entities]
EMOJI_SHARE = 0.3


def short_link(link: str) -> str:
    """The ``t.co`` form X shows for a link (deterministic, as the rest of a stream)."""
    return f"https://t.co/{zlib.crc32(link.encode()):010d}"


def fill(rng: random.Random, template: str, lang: Lang, **names: str) -> str:
    """``template`` with ``{filler}`` and ``{feel}`` drawn afresh and the given ``names`` put in."""
    return template.format(filler=rng.choice(FILLER[lang]), feel=rng.choice(SENTIMENT[lang]), **names)


def compose(
    rng: random.Random,
    sentence: str,
    hashtags: tuple[str, ...] = (),
    link: str | None = None,
    mentions: tuple[Account, ...] = (),
) -> Content:
    """A sentence, perhaps an emoji, then mentions, hashtags and a link as people end their posts."""
    builder = TextBuilder().text(sentence)
    for account in mentions:
        builder.text(" ").mention(account)
    if rng.random() < EMOJI_SHARE:
        builder.text(" " + rng.choice(EMOJIS))
    for tag in hashtags:
        builder.text(" ").hashtag(tag)
    if link:
        builder.text(" ").url(short_link(link), link)
    return builder.build()


def shifted(prefix: TextBuilder, content: Content) -> Content:
    """``prefix`` followed by ``content``, whose entities move along (``RT @user: ...``, ``@user ...``)."""
    shift = len(prefix.build()[0])
    text, entities = prefix.text(content[0]).build()
    for kind, items in content[1].items():
        entities.setdefault(kind, []).extend(
            {**e, "start": e["start"] + shift, "end": e["end"] + shift} for e in items
        )
    return text, entities


def quoted(content: Content, link: str) -> Content:
    """``content`` followed by the link to the quoted tweet, as X writes a quote."""
    text, entities = content
    start = len(text) + 1
    urls = [
        *entities.get("urls", []),
        {"start": start, "end": start + len(link), "url": link, "expanded_url": link},
    ]
    return f"{text} {link}", {**entities, "urls": urls}
