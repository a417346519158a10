"""Words from raw OCR output: English and French words kept (with their accents), junk dropped.

OCR of photos returns, besides the words, fragments of texture and edges read as letters
("|", "ll", "wW~", "fr@ise"). A whitespace-separated token is kept only when, stripped of
surrounding punctuation, it is entirely a plausible word: letters (any script's, so "été"
and "crème" stay whole) joined by at most inner apostrophes or hyphens, at least two letters
with a vowel, no letter three times in a row, and lower, upper or capitalised case. A token
with a digit or a symbol inside is dropped rather than split, as its pieces are not words.
French elisions are cut ("l'été" gives "été"), and words hyphenated across lines are joined.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_EDGE_PUNCTUATION = "\"'«»“”‘’()[]{}<>.,;:!?¡¿…*-–—/\\|"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-\s*\n\s*(?=[^\W\d_])")
_ELISION = re.compile(r"^(?:[lLdDjJmMnNsStTcC]|[qQ][uU])'(?=[^\W\d_])")
_TRIPLE = re.compile(r"(.)\1\1")
_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿœæ")
MAX_WORD_LENGTH = 30


def _plausible(word: str) -> bool:
    letters = word.replace("'", "").replace("-", "")
    if len(letters) < 2 or len(word) > MAX_WORD_LENGTH:
        return False
    if len(set(letters.lower())) == 1 or _TRIPLE.search(letters.lower()):
        return False
    if not _VOWELS.intersection(letters.lower()):
        return False
    return word.islower() or word.isupper() or word[1:].islower()


def ocr_words(raw: str) -> list[str]:
    """The plausible words of ``raw`` OCR output, in reading order, with their case."""
    text = _LINE_BREAK_HYPHEN.sub("", raw.translate(_APOSTROPHES))
    words: list[str] = []
    for token in text.split():
        candidate = _ELISION.sub("", token.strip(_EDGE_PUNCTUATION))
        if _WORD.fullmatch(candidate) and _plausible(candidate):
            words.append(candidate)
    return words


def ocr_text(raw: str) -> str:
    """Cleaned OCR text: the plausible words joined by single spaces."""
    return " ".join(ocr_words(raw))
