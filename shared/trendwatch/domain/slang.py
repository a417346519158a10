"""Slang the packaged sentiment models misread: "this jacket is fire 🔥", "ça déchire", "pas ouf".

The English and French models learnt from 1,839 labelled tweets each (UMSAB, see
``data/labelled``) in which "fire" is mostly literal (a missile fired, "fire it up") and "lit" a
candle-lit vigil, while 🔥, "slaps", "goated" or "ouf" never occur; VADER, one of their features,
reads "fire" (and 🔥, which it spells "fire") as negative. So "this jacket is fire 🔥" came out
negative. Retraining cannot fix that without labelled slang, so the slang is matched here, next to
the model, from ``trendwatch/data/slang.json``: a short list of patterns that pin each ambiguous
word to its slang sense ("is fire" ending a clause, not "fire damaged"; "c'est stylé", not "le
style"), with their negation ("not fire", "c'est pas ouf", "ça déchire pas"). :func:`slang_polarity`
sums the matches into one signed count for the caller to weigh.

Pure and cheap (about 1 µs a tweet once its tokens have been seen): the tokens come from
:func:`trendwatch.domain.text.scan`, which the other extractors share, what a token reads as is
cached per token, a text without any pattern's last word is done at once, and a pattern is only
tried at a token that can start it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, NamedTuple

import msgspec

from trendwatch.domain.text import Token, TokenCache, fold, scan, split_hashtag

Group = Literal["positive", "negative", "neutral"]
#: What a match adds to the polarity: (plain, negated). A negated negative ("not trash") says
#: nothing either way, as in the sentiment lexicon.
_POLARITY: dict[Group, tuple[int, int]] = {"positive": (1, -1), "negative": (-1, 0), "neutral": (0, 0)}
#: How many tokens after a negator it still negates (as in the sentiment models' features).
NEGATION_SCOPE = 3
#: ``$`` in a pattern: the clause ends there.
_END = "$"
_REPEATS = re.compile(r"(\w)\1{2,}")

#: A pattern item: a word or emoji, a class of words, or :data:`_END`.
Item = str | frozenset[str]
#: Normalised words and emojis; ``None`` where a clause ends.
Tokens = Sequence[str | None]


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One language's part of ``slang.json`` (see its ``about``)."""

    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    postposed_negators: tuple[str, ...] = ()
    classes: dict[str, tuple[str, ...]] = {}
    tails: tuple[str, ...] = ()


class _SlangFile(msgspec.Struct, frozen=True):
    version: int
    about: str
    #: ``"*"``: patterns of every language (emojis).
    languages: dict[str, _Section]


class Pattern(NamedTuple):
    items: tuple[Item, ...]
    group: Group


class Rules(NamedTuple):
    """One language's slang with the language-neutral one, ready for matching."""

    #: Patterns by each token that can start them, longest first.
    by_first: dict[str, tuple[Pattern, ...]]
    #: The last word or emoji each pattern spells: a text without any has no slang (most texts).
    anchors: frozenset[str]
    negators: frozenset[str]
    #: Elided negators (``n'``): a word that starts with one is a negator.
    negator_prefixes: tuple[str, ...]
    #: Negators that follow what they negate (``ça déchire pas``).
    postposed_negators: frozenset[str]
    #: Words that may follow a clause's last word without ending it (``is fire tbh``).
    tails: frozenset[str]


@lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """How words are matched: :func:`~trendwatch.domain.text.fold`-ed, and a letter repeated three
    times or more counted once (``Fiiire`` -> ``fire``, ``soooo`` -> ``so``)."""
    folded = fold(word)
    return _REPEATS.sub(r"\1", folded) if _REPEATS.search(folded) else folded  # (search is cheaper)


def _read(token: Token) -> tuple[str | None, ...]:
    """What :func:`tokens` makes of one token of a scan."""
    if token.kind == "word":
        return (normalize(token.text),)
    if token.kind == "hashtag":
        return (None, *split_hashtag(token.text[1:]), None)
    if token.kind == "sep":
        out: list[str | None] = []
        for char in token.text:
            category = unicodedata.category(char)
            if category == "So":  # emojis and pictographs, not their skin tones or joiners
                out.append(char)
            elif category.startswith("P"):
                out.append(None)
        return tuple(out)
    return ()


_READ: TokenCache[Token, tuple[str | None, ...]] = TokenCache(_read)


def tokens(text: str) -> list[str | None]:
    """The tweet as :func:`normalize`-d words and emojis, ``None`` where a clause ends (punctuation,
    either side of a hashtag, whose words are read too); URLs and mentions are skipped."""
    return list(itertools.chain.from_iterable(map(_READ.__getitem__, scan(text))))


@cache
def _slang_file() -> _SlangFile:
    raw = resources.files("trendwatch.data").joinpath("slang.json").read_bytes()
    return msgspec.json.decode(raw, type=_SlangFile)


def slang_version() -> int:
    """The version of the packaged slang list (it is part of the sentiment's ``model_versions``)."""
    return _slang_file().version


@cache
def language_neutral_cues() -> tuple[str, ...]:
    """The emojis of ``slang.json``'s language-neutral section (🔥, 💯…): slang in any language."""
    section = _slang_file().languages["*"]
    return tuple(cue for group in _POLARITY for cue in getattr(section, group))


def _parse(pattern: str, classes: dict[str, frozenset[str]]) -> tuple[Item, ...]:
    return tuple(
        classes[item[1:-1]] if item.startswith("<") else item if item == _END else normalize(item)
        for item in pattern.split()
    )


def _anchor(pattern: Pattern, text: str) -> str:
    """The last word or emoji ``pattern`` spells (every text it matches contains it)."""
    spelt = [item for item in pattern.items if isinstance(item, str) and item != _END]
    if not spelt:
        raise ValueError(f"slang pattern {text!r} spells no word: it would match too much")
    return spelt[-1]


@cache
def rules(lang: str) -> Rules:
    """The slang of ``lang`` and the language-neutral one (only the latter for other languages)."""
    languages = _slang_file().languages
    section = languages.get(lang, _Section())
    classes = {name: frozenset(map(normalize, words)) for name, words in section.classes.items()}
    by_first: dict[str, list[Pattern]] = {}
    anchors: set[str] = set()
    for source in (languages["*"], section):
        for group in _POLARITY:
            for text in getattr(source, group):
                pattern = Pattern(_parse(text, classes), group)
                anchors.add(_anchor(pattern, text))
                first = pattern.items[0]
                for word in [first] if isinstance(first, str) else first:
                    by_first.setdefault(word, []).append(pattern)
    negators = [normalize(word) for word in section.negators]
    return Rules(
        by_first={
            word: tuple(sorted(found, key=lambda p: -len(p.items))) for word, found in by_first.items()
        },
        anchors=frozenset(anchors),
        negators=frozenset(word for word in negators if not word.endswith("'")),
        negator_prefixes=tuple(word for word in negators if word.endswith("'")),
        postposed_negators=frozenset(map(normalize, section.postposed_negators)),
        tails=frozenset(map(normalize, section.tails)),
    )


@cache
def _anchored(lang: str) -> TokenCache[Token, bool]:
    """Whether a token of a scan reads as (or, a hashtag, contains) the last word of one of the
    patterns of ``lang``: a text without any such token has no slang (most texts)."""
    anchors = rules(lang).anchors
    return TokenCache(lambda token: not anchors.isdisjoint(_READ[token]))


def _is_negator(token: str | None, rules: Rules) -> bool:
    return token is not None and (token in rules.negators or token.startswith(rules.negator_prefixes))


def _clause_ends(toks: Tokens, at: int, rules: Rules) -> bool:
    """Whether nothing but tails comes before the clause's end (punctuation, an emoji, the end)."""
    while at < len(toks) and toks[at] in rules.tails:
        at += 1
    token = toks[at] if at < len(toks) else None
    return token is None or not token[0].isalnum()


def _match(pattern: Pattern, toks: Tokens, start: int, rules: Rules) -> tuple[int, bool] | None:
    """Where a match of ``pattern`` at ``start`` ends, and whether a word one of its classes
    matched is a negator (``not fire``); ``None`` when it does not match there."""
    at, negated = start, False
    for item in pattern.items:
        if item == _END:
            if not _clause_ends(toks, at, rules):
                return None
            continue
        token = toks[at] if at < len(toks) else None
        if token is None or (token != item if isinstance(item, str) else token not in item):
            return None
        negated = negated or (isinstance(item, frozenset) and _is_negator(token, rules))
        at += 1
    return at, negated


def slang_polarity(text: str, lang: str | None) -> int:
    """The slang of ``text`` as a signed count: +1 for each positive expression, -1 for each
    negative one or negated positive one (see :data:`_POLARITY`); 0 without any slang.

    A match is negated by a negator among the :data:`NEGATION_SCOPE` tokens before it in its
    clause, by a negator that one of its classes matched, or by a postposed negator right after it.
    At each token the longest pattern that matches wins, and its words are not read again: the
    ``no`` of ``no cap`` negates nothing.
    """
    if not any(map(_anchored(lang or "").__getitem__, scan(text))):
        return 0
    slang = rules(lang or "")
    toks = tokens(text)
    polarity = scope = 0
    at = 0
    while at < len(toks):
        token = toks[at]
        if token is None:
            scope, at = 0, at + 1
            continue
        for pattern in slang.by_first.get(token, ()):
            found = _match(pattern, toks, at, slang)
            if found:
                end, negated = found
                negated = negated or scope > 0 or (end < len(toks) and toks[end] in slang.postposed_negators)
                polarity += _POLARITY[pattern.group][negated]
                scope, at = max(0, scope - (end - at)), end
                break
        else:
            scope = NEGATION_SCOPE if _is_negator(token, slang) else max(0, scope - 1)
            at += 1
    return polarity
