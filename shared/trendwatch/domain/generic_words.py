"""Words that say how people talk, not what they talk about.

A trend's tweets are full of them ("obsessed", "everywhere", "incroyable", "bof"), and they rise
with it: counted as terms of their own, they found topics named after a filler word next to the
subject, each alerting on its own. A term made only of generic words (stopwords of either
language, the sentiment lexicon's cues, and the fillers of ``generic_words.json``) is no subject:
it never founds, joins or names a topic. The list is of general English and French chatter, not
of any stream's vocabulary.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

from trendwatch.domain.text import STOPWORDS, fold, strip_elision

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@cache
def generic_words() -> frozenset[str]:
    """Every generic word, folded (lower-case, no accents, no elided article)."""
    data = resources.files("trendwatch.data")
    fillers = json.loads(data.joinpath("generic_words.json").read_text("utf-8"))
    lexicon = json.loads(data.joinpath("sentiment_lexicon.json").read_text("utf-8"))
    found = {w for lang in ("en", "fr") for w in fillers[lang]}
    found |= {w for lang in ("en", "fr") for cues in lexicon[lang].values() for w in cues}
    found |= {w for words in STOPWORDS.values() for w in words}
    return frozenset(fold(strip_elision(w)) for w in found)


@lru_cache(maxsize=65_536)
def is_generic(term: str) -> bool:
    """Whether every word of ``term`` is generic (a hashtag's glued body counts as one word).

    ``"obsession everywhere"``, ``"#mood"`` and ``"trop bien"`` are; ``"linen shirt obsession"``
    and ``"#linenshirt"`` are not. A term with no word at all (digits, emojis) is generic too.
    """
    words = [fold(strip_elision(w)) for w in _WORD.findall(term)]
    common = generic_words()
    return all(w in common for w in words)
