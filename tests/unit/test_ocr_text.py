from __future__ import annotations

from trendwatch.domain.ocr_text import ocr_text, ocr_words


def test_french_words_keep_their_accents() -> None:
    assert ocr_words("Crème brûlée à la FRAISE") == ["Crème", "brûlée", "la", "FRAISE"]


def test_surrounding_punctuation_is_stripped() -> None:
    assert ocr_words('"Summer sale!" (linen) «robe»') == ["Summer", "sale", "linen", "robe"]


def test_junk_tokens_are_dropped() -> None:
    raw = "| ll ~~ wW fr@ise 19,99€ x2 iii brrr bRoWn —— dress"
    assert ocr_words(raw) == ["dress"]


def test_elisions_are_cut_and_curly_apostrophes_handled() -> None:
    assert ocr_words("l’été d'automne qu'elle don't") == ["été", "automne", "elle", "don't"]


def test_words_hyphenated_across_lines_are_joined() -> None:
    assert ocr_words("limi-\n tée and tee-shirt") == ["limitée", "and", "tee-shirt"]


def test_ocr_text_joins_words_with_single_spaces() -> None:
    assert ocr_text("  Coffee\n\n  bio   ,  \x0c") == "Coffee bio"
