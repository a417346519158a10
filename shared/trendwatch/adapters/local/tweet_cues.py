"""Tweet-level sentiment cues that a bag of hashed words and character n-grams misses: an
emoticon read as one sign (``:)``, ``:-(``, ``<3``: the tokeniser splits them into punctuation),
elongated words (``soooo``: the tokeniser squeezes the repeat away), words in capitals, and
exclamation and question marks.

Each text gets :data:`CUES` counts, capped and scaled to [0, 1], as a dense feature block of the
sentiment models (:data:`trendwatch.adapters.local.sentiment_model.DENSE_BLOCKS`). The counts
are taken per whitespace-separated word, each word's computed once (words recur a lot), and
summed per text with numpy: a text costs a split and a few lookups, no regular expression.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from trendwatch.domain.text import TokenCache

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
#: Eyes, an optional nose, a mouth (or the mirror image); hearts; ``^^``; ``xD``. Not inside a
#: word or another emoticon, so that ``a:b`` or ``10:30`` is none.
_POSITIVE_EMOTICON = re.compile(
    r"(?<![\w:;=])(?:[:;=][-o*'^]?[)\]dDpP}3>]+|\(+[-o*'^]?[:;=]|\^[_-]?\^|<3+|[xX][dD]+)(?!\w)"
)
_NEGATIVE_EMOTICON = re.compile(
    r"(?<![\w:;=])(?:[:;=]'?[-o*^]?[(\[/\\{|@]+|[)\]]+[-o*'^]?[:;=]|</3)(?![\w/])"
)
#: A letter three times in a row or more: ``soooo``, ``nooo`` (each run counts).
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
#: A word of three capitals or more (``LOVE``, ``ÇA``), but the anonymised placeholders.
_SHOUTED = re.compile(r"(?<!\w)(?!USER\b|HTTP\b|URL\b)[A-ZÀ-ÖØ-Þ]{3,}(?!\w)")
#: Each cue, in column order, and the count that fills its column (more counts no more).
CUES = (
    ("positive_emoticons", 2),
    ("negative_emoticons", 2),
    ("elongated_words", 2),
    ("shouted_words", 3),
    ("exclamation_marks", 3),
    ("question_marks", 3),
)
_CAPS = np.asarray([cap for _, cap in CUES], dtype=np.float64)


def _word_counts(word: str) -> bytes:
    """:data:`CUES` counts of one whitespace-separated word (what a link in it says aside), as C
    ``int``s."""
    if word.isalpha() and word.islower():  # most words: only a repeat can be a cue
        return array("i", [0, 0, len(_ELONGATED.findall(word)), 0, 0, 0]).tobytes()
    if "://" in word or "www." in word.lower():
        word = _URL.sub(" ", word)
    counts = (
        len(_POSITIVE_EMOTICON.findall(word)),
        len(_NEGATIVE_EMOTICON.findall(word)),
        len(_ELONGATED.findall(word)),
        len(_SHOUTED.findall(word)),
        word.count("!"),
        word.count("?"),
    )
    return array("i", counts).tobytes()


_WORD_COUNTS: TokenCache[str, bytes] = TokenCache(_word_counts)


def cue_counts(texts: Sequence[str]) -> npt.NDArray[np.intc]:
    """How many of each of :data:`CUES` each text has (links aside): one row per text."""
    words = list(map(str.split, texts))
    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    per_word = np.frombuffer(
        b"".join(map(_WORD_COUNTS.__getitem__, itertools.chain.from_iterable(words))), dtype=np.intc
    ).reshape(-1, len(CUES))
    # each text's sum: the running sum at its last word less that before its first
    running = np.zeros((len(per_word) + 1, len(CUES)), dtype=np.intc)
    np.cumsum(per_word, axis=0, out=running[1:])
    ends = np.cumsum(lengths)
    return running[ends] - running[ends - lengths]  # type: ignore[no-any-return]


def tweet_cues(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """One row per text: each cue's count over its cap, at most 1."""
    return np.minimum(cue_counts(texts) / _CAPS, 1.0)
