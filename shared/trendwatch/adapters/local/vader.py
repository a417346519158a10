"""VADER's polarity scores, exactly as ``vaderSentiment`` computes them, in half the time.

The sentiment models use VADER's four scores as features, so every English and French tweet
goes through it. ``SentimentIntensityAnalyzer.polarity_scores`` spends most of its time on
bookkeeping rather than on the rules: it rebuilds the text one character at a time to replace
emojis, and lower-cases every word of the text again for each check around each lexicon word.
:func:`polarity_scores` runs the same rules on one lower-cased copy of the words (each word read
once, cached), only around lexicon words, replaces emojis with a regular expression, and reuses
the library's lexicons, constants and the rules that are cheap enough as they are
(``scalar_inc_dec``, ``_least_check``, ``_but_check``); ``score_valence`` is ported too (the same
operations in the same order, without building a dict).
A unit test holds it to the library's output on every labelled tweet.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import string
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    scalar_inc_dec,
)
from vaderSentiment.vaderSentiment import normalize as vader_normalize

from trendwatch.domain.text import Token, TokenCache, readable_part, scan

_NEGATIONS = frozenset(NEGATE)
_EMPHASIS_WORDS = ("so", "this")
#: Where emojis (and other symbols) start to crowd the code points; Latin letters are below.
_FIRST_DENSE = "\u2000"


@cache
def _analyzer() -> Any:
    return SentimentIntensityAnalyzer()


@cache
def _emoji_candidates() -> re.Pattern[str]:
    """A superset of the characters the library replaces, cheap to test.

    The library replaces single characters only (multi-character keys never match). A class
    of all ~1,200 would be scanned linearly for every character of a text, as most are outside
    the Basic Multilingual Plane; :func:`_describe_emojis` looks each candidate up instead.
    """
    low = sorted(key for key in _analyzer().emojis if len(key) == 1 and key < _FIRST_DENSE)
    return re.compile("[" + "".join(map(re.escape, low)) + f"{_FIRST_DENSE}-\U0010ffff]")


def _describe_emojis(text: str) -> str:
    """Emojis replaced by their descriptions, preceded by a space unless one is there."""
    if text.isascii():  # no emoji, nor any of the few other characters the library replaces
        return text
    emojis: dict[str, str] = _analyzer().emojis

    def description(match: re.Match[str]) -> str:
        char = match.group()
        if char not in emojis:
            return char
        start = match.start()
        prefix = " " if start > 0 and text[start - 1] != " " else ""
        return prefix + emojis[char]

    return _emoji_candidates().sub(description, text)


class _Word(NamedTuple):
    """A whitespace-separated token as VADER reads it (cached: words recur a lot)."""

    #: Leading and trailing punctuation stripped, unless that leaves two characters or fewer
    #: (emoticons such as ``:)`` stay whole).
    text: str
    lower: str
    upper: bool
    #: In the lexicon and not a booster: the rules run around it; any other word scores 0.
    scored: bool
    #: A word some rule reads around a lexicon word (see :data:`_RULE_WORDS`).
    rule: bool


def _word(token: str) -> _Word:
    stripped = token.strip(string.punctuation)
    text = token if len(stripped) <= 2 else stripped
    lower = text.lower()
    rule = lower in _RULE_WORDS or lower in BOOSTER_DICT or _negated(lower)
    scored = lower in _analyzer().lexicon and lower not in BOOSTER_DICT
    # tuple.__new__ rather than _Word(): a named tuple's own __new__ is a Python function
    return tuple.__new__(_Word, (text, lower, text.isupper(), scored, rule))


_WORDS: TokenCache[str, _Word] = TokenCache(_word)


def polarity_scores(text: str) -> tuple[float, float, float, float]:
    """``SentimentIntensityAnalyzer().polarity_scores(text)`` as ``(neg, neu, pos, compound)``."""
    text = _describe_emojis(text).strip()
    read = list(map(_WORDS.__getitem__, text.split()))
    sentiments = _sentiments(read)
    if sentiments is None:
        return _UNSCORED if read else _NO_WORDS
    return _score_valence(sentiments, text)


def _token_words(token: Token) -> tuple[str, tuple[_Word, ...]]:
    """The part of :func:`~trendwatch.domain.text.readable_text` that a token makes, its emojis
    described, and its words."""
    described = _describe_emojis(readable_part(token))
    return described, tuple(map(_WORDS.__getitem__, described.split()))


_TOKEN_WORDS: TokenCache[Token, tuple[str, tuple[_Word, ...]]] = TokenCache(_token_words)
_DESCRIBED = operator.itemgetter(0)
_READ = operator.itemgetter(1)


def readable_polarity_scores(text: str) -> tuple[float, float, float, float]:
    """``polarity_scores(readable_text(text))``, from the words of each token of the text's scan
    (cached per token). The readable text joins its tokens' parts with spaces, so that its words
    are theirs, and an emoji that starts a part is not preceded by another space either way."""
    parts = list(map(_TOKEN_WORDS.__getitem__, scan(text)))
    read = list(itertools.chain.from_iterable(map(_READ, parts)))
    sentiments = _sentiments(read)
    if sentiments is None:
        return _UNSCORED if read else _NO_WORDS
    # the text only counts its "!" and "?": no need to strip it
    return _score_valence(sentiments, " ".join(map(_DESCRIBED, parts)))


#: The library's scores of a text without words, and of one whose words all score 0.
_NO_WORDS = (0.0, 0.0, 0.0, 0.0)
_UNSCORED = (0.0, 1.0, 0.0, 0.0)
_TEXT, _LOWER, _UPPER, _SCORED, _RULE = (operator.itemgetter(i) for i in range(5))


def _sentiments(read: list[_Word]) -> list[float] | None:
    """The valence of each word ``read``; ``None`` when none is in the lexicon (or none is read)."""
    scored = list(map(_SCORED, read))
    if not any(scored):
        return None
    words = list(map(_TEXT, read))
    lowered = list(map(_LOWER, read))
    sentiments: list[float] = [0] * len(read)  # the library's integer 0 for unscored words
    upper = list(map(_UPPER, read))
    is_cap_diff = 0 < len(read) - sum(upper) < len(read)
    rules = list(map(_RULE, read))
    lexicon: dict[str, float] = _analyzer().lexicon
    for i in itertools.compress(range(len(read)), scored):
        if not (lowered[i] == "kind" and i < len(read) - 1 and lowered[i + 1] == "of"):
            if (upper[i] and is_cap_diff) or any(rules[max(i - 3, 0) : i + 3]):
                sentiments[i] = _valence(words, lowered, i, is_cap_diff)
            else:  # no rule applies: its lexicon valence (plus 0.0 for each word before it)
                sentiments[i] = lexicon[lowered[i]]
    if "but" in lowered:
        sentiments = SentimentIntensityAnalyzer._but_check(words, sentiments)
    return sentiments


def _score_valence(sentiments: Sequence[float], text: str) -> tuple[float, float, float, float]:
    """``SentimentIntensityAnalyzer.score_valence`` of at least one word, the same operations
    in the same order, as a tuple rather than a dict."""
    sum_s = float(sum(sentiments))
    # _punctuation_emphasis: up to four "!", and two or three "?" (more count as three)
    question_marks = text.count("?")
    punct_emph_amplifier = min(text.count("!"), 4) * 0.292 + (
        0 if question_marks <= 1 else question_marks * 0.18 if question_marks <= 3 else 0.96
    )
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    compound = vader_normalize(sum_s)
    # _sift_sentiment_scores, on the words that score (the others count as neutral)
    pos_sum = 0.0
    neg_sum = 0.0
    scoring = list(itertools.compress(sentiments, sentiments))
    neu_count = len(sentiments) - len(scoring)
    for score in scoring:
        if score > 0:
            pos_sum += float(score) + 1
        elif score < 0:
            neg_sum += float(score) - 1
    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return (
        round(math.fabs(neg_sum / total), 3),
        round(math.fabs(neu_count / total), 3),
        round(math.fabs(pos_sum / total), 3),
        round(compound, 4),
    )


def _valence(words: Sequence[str], lowered: Sequence[str], i: int, is_cap_diff: bool) -> float:
    """``SentimentIntensityAnalyzer.sentiment_valence`` of the lexicon word at ``i``."""
    lexicon: dict[str, float] = _analyzer().lexicon
    lower = lowered[i]
    valence = lexicon[lower]
    if lower == "no" and i != len(words) - 1 and lowered[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lowered[i - 1] == "no")
        or (i > 1 and lowered[i - 2] == "no")
        or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[lower] * N_SCALAR
    if words[i].isupper() and is_cap_diff:
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR
    for start_i in range(3):
        if i > start_i and lowered[i - (start_i + 1)] not in lexicon:
            # scalar_inc_dec is 0.0 but for a booster
            before = i - (start_i + 1)
            s = (
                scalar_inc_dec(words[before], valence, is_cap_diff)
                if lowered[before] in BOOSTER_DICT
                else 0.0
            )
            if start_i == 1 and s != 0:
                s = s * 0.95
            if start_i == 2 and s != 0:
                s = s * 0.9
            valence = valence + s
            valence = _negation_check(valence, lowered, start_i, i)
            if start_i == 2:
                valence = _special_idioms_check(valence, lowered, i)
    if i > 0 and lowered[i - 1] == "least":  # what _least_check looks for
        # Not float(): a special case can set an integer valence, and the library keeps it so.
        least_checked: float = _analyzer()._least_check(valence, words, i)
        return least_checked
    return valence


def _negated(word: str) -> bool:
    """``vaderSentiment.negated`` of a single lower-cased word."""
    return word in _NEGATIONS or "n't" in word


def _negation_check(valence: float, lowered: Sequence[str], start_i: int, i: int) -> float:
    """``SentimentIntensityAnalyzer._negation_check`` on already lower-cased words."""
    if start_i == 0:
        if _negated(lowered[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowered[i - 2] == "never" and lowered[i - 1] in _EMPHASIS_WORDS:
            valence = valence * 1.25
        elif lowered[i - 2] == "without" and lowered[i - 1] == "doubt":
            pass
        elif _negated(lowered[i - 2]):
            valence = valence * N_SCALAR
    else:
        one, two, three = lowered[i - 1], lowered[i - 2], lowered[i - 3]
        if (three == "never" and two in _EMPHASIS_WORDS) or one in _EMPHASIS_WORDS:
            valence = valence * 1.25
        elif three == "without" and "doubt" in (two, one):
            pass
        elif _negated(three):
            valence = valence * N_SCALAR
    return valence


#: The words of the special cases and boosters of several words: the idioms below can only
#: match where the words at ``i`` or ``i - 2`` are among them (every sequence holds one of the two).
_IDIOM_WORDS = frozenset(
    word for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key for word in key.split(" ")
)


#: Words that the rules of :func:`_valence` look for within three words before a lexicon word,
#: the word itself and two after it, besides boosters and negations: "no" (and "or", "nor"
#: after one), "never", "without", "doubt", "so" and "this" of the negation checks, "least",
#: "kind" and "of", and the words of idioms. A lexicon word without any of them around it (nor
#: capitals that stand out) keeps its lexicon valence, as every rule leaves it as it is (the
#: lexicon holds no valence of zero, whose sign adding 0.0 could change).
_RULE_WORDS = _IDIOM_WORDS | {
    "no",
    "or",
    "nor",
    "never",
    "without",
    "doubt",
    "so",
    "this",
    "least",
    "kind",
    "of",
}


def _special_idioms_check(valence: float, lowered: Sequence[str], i: int) -> float:
    """``SentimentIntensityAnalyzer._special_idioms_check`` on already lower-cased words."""
    if lowered[i] not in _IDIOM_WORDS and lowered[i - 2] not in _IDIOM_WORDS:
        return valence
    one_zero = f"{lowered[i - 1]} {lowered[i]}"
    two_one_zero = f"{lowered[i - 2]} {lowered[i - 1]} {lowered[i]}"
    two_one = f"{lowered[i - 2]} {lowered[i - 1]}"
    three_two_one = f"{lowered[i - 3]} {lowered[i - 2]} {lowered[i - 1]}"
    three_two = f"{lowered[i - 3]} {lowered[i - 2]}"
    for sequence in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if sequence in SPECIAL_CASES:
            valence = SPECIAL_CASES[sequence]
            break
    if len(lowered) - 1 > i:
        zero_one = f"{lowered[i]} {lowered[i + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
    if len(lowered) - 1 > i + 1:
        zero_one_two = f"{lowered[i]} {lowered[i + 1]} {lowered[i + 2]}"
        if zero_one_two in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence
