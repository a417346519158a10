"""Slang and emojis read in their slang sense, with their negation, before and after the models."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from trendwatch.adapters.local.sentiment_model import vader_scores
from trendwatch.adapters.local.text_analyzer import SLANG_ODDS, SLANG_VALENCE, LocalTextAnalyzer, with_slang
from trendwatch.domain.slang import normalize, slang_polarity, tokens
from trendwatch.domain.text import scan, split_hashtag
from trendwatch.evaluation.text import language_cases, read_sets
from trendwatch.ports import TextItem

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"


@pytest.fixture(scope="module")
def analyzer() -> LocalTextAnalyzer:
    return LocalTextAnalyzer("fast")


def label(analyzer: LocalTextAnalyzer, text: str, lang_hint: str) -> str:
    [result] = analyzer.analyze([TextItem("1", text, lang_hint)])
    assert result.lang == lang_hint
    return result.sentiment.label


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("this jacket is fire 🔥", "en"),
        ("these sneakers are lit", "en"),
        ("ngl that new hoodie slaps", "en"),
        ("this fit is goated", "en"),
        ("no cap these boots are fire", "en"),
        ("cette veste est de ouf", "fr"),
        ("ce sac est trop stylé", "fr"),
        ("la collab ça déchire", "fr"),
        ("cette robe c'est une dinguerie", "fr"),
    ],
)
def test_positive_slang_reads_positive(analyzer: LocalTextAnalyzer, text: str, lang: str) -> None:
    assert label(analyzer, text, lang) == "positive"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("this jacket is not fire tbh", "en"),
        ("these shoes aren't lit", "en"),
        ("c'est pas ouf cette veste", "fr"),
        ("ce sac ça déchire pas", "fr"),
        ("cette robe n'est pas stylée", "fr"),
    ],
)
def test_negated_slang_reads_negative(analyzer: LocalTextAnalyzer, text: str, lang: str) -> None:
    assert label(analyzer, text, lang) == "negative"


def test_slang_patterns_keep_ambiguous_words_to_their_slang_sense() -> None:
    assert slang_polarity("this jacket is fire", "en") == 1
    assert slang_polarity("this jacket is fiiiire tbh!!", "en") == 1
    assert slang_polarity("the warehouse is fire damaged", "en") == 0
    assert slang_polarity("the shop window is lit by candles", "en") == 0
    assert slang_polarity("this track slaps 🔥💯", "en") == 3
    assert slang_polarity("Trump slaps tariffs on steel", "en") == 0
    assert slang_polarity("le style de cette robe", "fr") == 0
    assert slang_polarity("mon sac se déchire déjà", "fr") == 0
    assert slang_polarity("l'explosion de la bombe", "fr") == 0
    assert slang_polarity("c'est de la bombe", "fr") == 1


def test_negation_flips_positive_slang_and_silences_negative_slang() -> None:
    assert slang_polarity("not fire tbh", "en") == -1
    assert slang_polarity("this is trash", "en") == -1
    assert slang_polarity("this is not trash", "en") == 0
    assert slang_polarity("c'est pas de ouf", "fr") == -1  # a negator a few words before
    assert slang_polarity("elle n'est pas stylée", "fr") == -1  # an elided negator
    assert slang_polarity("ça déchire pas", "fr") == -1  # a negator after


def test_a_negator_that_slang_spells_negates_nothing() -> None:
    assert slang_polarity("no cap it's fire", "en") == 1
    assert slang_polarity("no cap", "en") == 0


def test_punctuation_ends_a_negation() -> None:
    assert slang_polarity("not gonna buy it. The other one is fire", "en") == 1


def test_emojis_count_in_every_language_and_words_only_in_theirs() -> None:
    assert slang_polarity("🔥🔥", "es") == 2
    assert slang_polarity("ce sac est fire", "fr") == 0
    assert slang_polarity("this bag is de ouf", "en") == 0


def test_hashtags_are_read_as_words_of_their_own_clause() -> None:
    assert tokens("so fire #NoCap 😍!") == ["so", "fire", None, "no", "cap", None, "😍", None]
    assert slang_polarity("#Goated", "en") == 1


def test_slang_moves_the_odds_by_a_fixed_factor_per_cue() -> None:
    probabilities = np.asarray([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    assert with_slang(probabilities, [0, 0]) is probabilities
    moved = with_slang(probabilities, [1, -2])
    assert moved.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert moved[0, 2] / moved[0, 1] == pytest.approx(SLANG_ODDS * 0.1 / 0.3)
    assert moved[0, 1] / moved[0, 0] == pytest.approx(SLANG_ODDS * 0.3 / 0.6)
    assert moved[1, 0] / moved[1, 2] == pytest.approx(SLANG_ODDS**4 * 0.2 / 0.3)


def reference_tokens(text: str) -> list[str | None]:
    """:func:`tokens` as first written, token by token with nothing cached."""
    out: list[str | None] = []
    for token in scan(text):
        if token.kind == "word":
            out.append(normalize(token.text))
        elif token.kind == "hashtag":
            out.extend([None, *split_hashtag(token.text[1:]), None])
        elif token.kind == "sep":
            for char in token.text:
                category = unicodedata.category(char)
                if category == "So":
                    out.append(char)
                elif category.startswith("P"):
                    out.append(None)
    return out


def test_tokens_of_the_labelled_tweets_are_those_of_the_plain_computation() -> None:
    extra = ["this jacket is FIIIRE 🔥🔥, not fire!", "#NoCap c'est pas ouf… @bob https://x.fr"]
    for text in [text for text, _ in language_cases(read_sets(DATA))] + extra:
        assert tokens(text) == reference_tokens(text), text


@pytest.mark.parametrize(
    ("text", "hint"), [("esta chaqueta es 🔥🔥 de verdad", "es"), ("diese Jacke ist 🔥", "de")]
)
def test_languages_without_a_model_of_ours_read_emoji_slang_as_slang(
    analyzer: LocalTextAnalyzer, text: str, hint: str
) -> None:
    [result] = analyzer.analyze([TextItem("1", text, hint)])

    assert result.lang == hint
    assert result.sentiment.label == "positive"  # VADER alone spells 🔥 "fire": negative
    assert result.model_versions["sentiment"].startswith("vader-")
    assert result.model_versions["sentiment_slang"].startswith("trendwatch-slang-")


def test_for_vader_each_cue_adds_the_valence_of_good_to_the_text_read_without_it(
    analyzer: LocalTextAnalyzer,
) -> None:
    with_cue, without = "esta chaqueta es terrible 💯", "esta chaqueta es terrible"
    [plain] = analyzer.analyze([TextItem("1", without, "es")])
    [slang] = analyzer.analyze([TextItem("2", with_cue, "es")])

    compound = float(vader_scores([without])[0][-1])
    valence = compound * math.sqrt(15 / (1 - compound**2)) + SLANG_VALENCE
    assert plain.sentiment.score == round(compound, 4) < 0  # no cue: VADER's own score
    assert slang.sentiment.score == round(valence / math.sqrt(valence**2 + 15), 4)
    assert plain.sentiment.score < slang.sentiment.score
