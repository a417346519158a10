"""A cheap first pass of language identification: votes of very frequent function words.

Most tweets contain a few words such as ``the``, ``est`` or ``nicht`` that belong to one of
the watched languages only. Counting them costs a dictionary lookup per word (the words come
from :func:`trendwatch.domain.text.scan`, which the other extractors share), against about
300 µs per text for lingua's full models; a clear vote settles the language and only the
unclear rest goes to the statistical detector. On the 6,326 English and French labelled
tweets (``data/labelled``) a vote with a lead of one word settles 94 % of them with 99.9 %
accuracy (``trendwatch eval text`` measures it).

Only words that belong to a single list count: ``de``, ``la``, ``que`` or ``en`` are frequent
in several of these languages and say nothing.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import NamedTuple

from trendwatch.domain.text import Token, TokenCache, scan

#: Bumped whenever the lists change (it is part of the language model's version).
FUNCTION_WORDS_VERSION = 1
_FUNCTION_WORDS = {
    "en": """the and is are was were this that with you your have has not but what when just they
        their there would could should been will from about don't i'm it's can't didn't my me of
        to for it on at be do we our he she his her him who how why than then them these those
        really get got all very much if by out up can""",
    "fr": """le les des est et une un je tu il elle nous vous ils elles pas pour avec sur dans ce
        cette ces mais qui que du au aux on mon ma mes ton ta tes son sa ses leur très tout bien
        fait être avoir c'est j'ai suis ça quand comme plus aussi même trop vraiment toujours
        rien jamais chez voilà merci oui déjà après""",
    "es": """el los las es y una un yo tú él ella nosotros que por para con del al pero muy esta
        este estos está son como más también porque cuando""",
    "de": """der die das und ist nicht ich du er sie wir ihr ein eine mit auf für den dem des zu
        von auch wie aber noch nur sehr was wenn""",
    "it": """il gli lo della delle degli è e una non che per con sono questo questa anche ma come
        più molto perché quando io tu lui lei noi voi""",
    "pt": """o os as é e uma um não que para com do da dos das ao mas muito está são isso esse
        essa também quando eu você ele ela nós""",
    "nl": """het een is niet ik jij je hij zij wij met op voor van dat dit maar ook wel zijn heb
        heeft naar als wat""",
}


class Vote(NamedTuple):
    """The leading language of a function-word vote, its votes and its lead over the runner-up."""

    lang: str | None
    votes: int
    lead: int


@cache
def _owners() -> dict[str, str]:
    """Each function word that belongs to exactly one language, with that language."""
    lists = {lang: set(text.split()) for lang, text in _FUNCTION_WORDS.items()}
    counts = Counter(word for words in lists.values() for word in words)
    return {word: lang for lang, words in lists.items() for word in words if counts[word] == 1}


def _owner(token: Token) -> str | None:
    """The language ``token`` is a distinctive function word of, if it is one."""
    return _owners().get(token.text.lower().replace("’", "'")) if token.kind == "word" else None


_OWNER: TokenCache[Token, str | None] = TokenCache(_owner)


_NO_VOTE = Vote(None, 0, 0)


def function_word_vote(text: str) -> Vote:
    """Count the distinctive function words of each watched language in ``text``."""
    found = list(filter(None, map(_OWNER.__getitem__, scan(text))))
    if not found:
        return _NO_VOTE
    if found.count(found[0]) == len(found):  # one language only (most texts): no need to rank
        # tuple.__new__ rather than Vote(): a named tuple's own __new__ is a Python function
        return tuple.__new__(Vote, (found[0], len(found), len(found)))
    ranked = Counter(found).most_common(2)
    if not ranked:
        return Vote(None, 0, 0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return Vote(ranked[0][0], ranked[0][1], ranked[0][1] - runner_up)


def watched_languages() -> tuple[str, ...]:
    """The ISO 639-1 codes the vote knows."""
    return tuple(_FUNCTION_WORDS)
