"""Words that say how people talk are no subject."""

from __future__ import annotations

import pytest

from trendwatch.domain.generic_words import is_generic


@pytest.mark.parametrize(
    "term",
    [
        "obsession",
        "everywhere",
        "incroyable",
        "préférée bof",
        "trop bien",
        "#mood",
        "honestly",
        "c'est ouf",
        "2024",
    ],
)
def test_fillers_sentiment_words_and_stopwords_alone_are_generic(term: str) -> None:
    assert is_generic(term)


@pytest.mark.parametrize(
    "term",
    ["linen shirt obsession", "lin préférée bof", "#linenshirt", "matcha", "lampe champignon", "latte"],
)
def test_a_term_with_one_word_of_a_subject_is_not_generic(term: str) -> None:
    assert not is_generic(term)
