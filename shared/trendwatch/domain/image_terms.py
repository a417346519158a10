"""Terms an image adds to its tweet: words read in it, and labels and logos recognised in it.

They join the tweet's text terms in ``tweet_terms`` so that a topic can emerge from pictures
too (a slogan on a shop window, a brand's logo). OCR words are the cleaned words of
:mod:`trendwatch.domain.ocr_text`, lowercased, without English or French stopwords or words
under three letters; labels and logos are kept whole and lowercased. The language of an
image's text is not determined, so these facts carry ``und``; an image says nothing about the
author's mood, so they count as neutral.
"""

from __future__ import annotations

from trendwatch.contracts.events import MediaEnriched
from trendwatch.domain.ocr_text import ocr_words
from trendwatch.domain.text import stopwords
from trendwatch.domain.windows import TermFact, TermKind

#: BCP 47 "undetermined": the language of the facts an image contributes.
IMAGE_TERM_LANG = "und"
IMAGE_TERM_KINDS: tuple[TermKind, ...] = ("ocr", "label", "logo")
_MIN_WORD_LENGTH = 3


def image_terms(event: MediaEnriched) -> list[TermFact]:
    """Distinct terms of one analysed image of a tweet; a term found several ways keeps the first
    (logo, then label, then OCR word)."""
    analysis = event.analysis
    stop = stopwords(None)
    candidates: list[tuple[str, TermKind]] = [(logo.lower(), "logo") for logo in analysis.logos]
    candidates += [(label.lower(), "label") for label in analysis.labels]
    candidates += [
        (word, "ocr")
        for word in (w.lower() for w in ocr_words(analysis.ocr_text))
        if len(word) >= _MIN_WORD_LENGTH and word not in stop
    ]
    seen: dict[str, TermKind] = {}
    for term, kind in candidates:
        term = term.strip()
        if term and term not in seen:
            seen[term] = kind
    return [
        TermFact(
            event.tweet_id,
            term,
            kind,
            IMAGE_TERM_LANG,
            event.author_id,
            event.created_at,
            "neutral",
            0.0,
        )
        for term, kind in seen.items()
    ]
