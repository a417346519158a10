"""The faster VADER gives exactly the library's scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from trendwatch.adapters.local.vader import polarity_scores, readable_polarity_scores
from trendwatch.domain.text import readable_text
from trendwatch.evaluation.text import language_cases, read_sets

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"
#: Texts that exercise each rule: boosters and dampeners (in capitals too), "kind of", "no",
#: negations before a word and "never so", "without doubt", "least", special cases and idioms,
#: "but" (with equal sentiments on both sides, which the library's index lookup mixes up),
#: punctuation emphasis, emoticons, and emojis with and without spaces around them.
RULE_CASES = [
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "The book was only kind of good.",
    "kind of",
    "no good",
    "no, or nor good",
    "no problem no",
    "I don't think it's great",
    "it is not so bad at all",
    "never so good, never this bad",
    "without doubt good; without a doubt bad",
    "at least good, the very least bad, least nice",
    "the shit, the bomb and bad ass, yeah right good, kiss of death, to die for",
    "sort of nice and kinda cool",
    "good but good but bad",
    "great!!!!!! awful?? bad????",
    "good? bad?! ok!!! fine???",
    "nice ok?? ok?",
    "good, great. Good GREAT love it so much, hate this, bad of them",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "😁abc 😁😁 x😁 ❤️",
    "",
    "   ",
    "GOOD",
    "GOOD bad",
]


LIBRARY = SentimentIntensityAnalyzer()


def library_scores(text: str) -> tuple[float, float, float, float]:
    scores = LIBRARY.polarity_scores(text)
    return scores["neg"], scores["neu"], scores["pos"], scores["compound"]


@pytest.mark.parametrize("text", RULE_CASES)
def test_each_rule_scores_as_in_the_library(text: str) -> None:
    assert polarity_scores(text) == library_scores(text)


def test_every_labelled_tweet_scores_as_in_the_library() -> None:
    texts = [text for text, _ in language_cases(read_sets(DATA))]
    for text in [*texts, *map(readable_text, texts)]:
        assert polarity_scores(text) == library_scores(text), text


def test_readable_scores_from_the_tokens_are_those_of_the_readable_text() -> None:
    texts = [text for text, _ in language_cases(read_sets(DATA))]
    extra = ["#LoveIt😍 😍#HateIt x😍y 😍 😍😍!!! @bob 💘https://t.co/x ❤️?? #ok", "RT @a: 😍", "@a http://x"]
    for text in [*texts, *RULE_CASES, *extra]:
        assert readable_polarity_scores(text) == polarity_scores(readable_text(text)), text


def test_no_lexicon_word_has_a_valence_of_zero() -> None:
    """A lexicon word that no rule reads around keeps its valence as it is (see ``_RULE_WORDS``):
    the library adds 0.0 to it, which changes nothing but the sign of a zero."""
    assert all(valence != 0 for valence in LIBRARY.lexicon.values())
