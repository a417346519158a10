"""Translate a query into an X API v2 filtered-stream rule, where X has the same operators.

X's rule language shares most of ours: keywords, quoted phrases, ``OR``, juxtaposition for
AND (binding tighter than ``OR``; groups are parenthesised anyway, as X advises), ``-`` for
negation (also of a group), ``#``, ``@``, ``from:``, ``lang:`` and ``has:images``. ``NEAR/n`` and ``category:`` (an enrichment of
ours) have no equivalent. X also refuses rules whose every alternative lacks a *standalone*
operator (``lang:`` and ``has:`` only narrow), and rules longer than the access tier allows.
"""

from __future__ import annotations

import re

from trendwatch.query.ast import (
    And,
    Author,
    Category,
    Hashtag,
    HasImage,
    Lang,
    Mention,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from trendwatch.query.parser import parse

#: X's rule length limit for most access tiers (Pro and Enterprise allow 1024 and 2048).
DEFAULT_MAX_RULE_LENGTH = 512

_PLAIN_KEYWORD = re.compile(r"\w+")


class StreamRuleError(ValueError):
    """The query cannot become an X filtered-stream rule."""


def _standalone(node: Node) -> bool:
    """Whether ``node`` matches tweets by itself on X (not only narrows other operators)."""
    match node:
        case Term() | Phrase() | Hashtag() | Mention() | Author():
            return True
        case And(operands):
            return any(_standalone(o) for o in operands)
        case Or(operands):
            return all(_standalone(o) for o in operands)
    return False


def _rule(node: Node, *, grouped: bool = False) -> str:
    match node:
        case Term(text) if _PLAIN_KEYWORD.fullmatch(text):
            return text
        case Term(text) | Phrase(text):
            return f'"{text}"'
        case Hashtag(tag):
            return f"#{tag}"
        case Mention(username):
            return f"@{username}"
        case Author(username):
            return f"from:{username}"
        case Lang(code):
            return f"lang:{code}"
        case HasImage():
            return "has:images"
        case Not(operand):
            return "-" + _rule(operand, grouped=True)
        case And(operands):
            text = " ".join(_rule(o, grouped=True) for o in operands)
            return f"({text})" if grouped else text
        case Or(operands):
            text = " OR ".join(_rule(o, grouped=True) for o in operands)
            return f"({text})" if grouped else text
        case Near():
            raise StreamRuleError("NEAR/n has no X filtered-stream equivalent; use a quoted phrase or AND")
        case Category():
            raise StreamRuleError("category: is trendwatch's own enrichment; X cannot filter on it")
    raise TypeError(f"unknown query node {node!r}")


def to_stream_rule(query: str | Node, *, max_length: int = DEFAULT_MAX_RULE_LENGTH) -> str:
    """The X filtered-stream rule for ``query``; raises :class:`StreamRuleError` when X cannot
    express it (and :class:`~trendwatch.query.parser.QuerySyntaxError` for an invalid text)."""
    node = parse(query) if isinstance(query, str) else query
    rule = _rule(node)
    if not _standalone(node):
        raise StreamRuleError(
            "X needs a word, phrase, #hashtag, @mention or from: in every alternative; "
            "lang:, has: and negations only narrow them"
        )
    if len(rule) > max_length:
        raise StreamRuleError(f"the rule is {len(rule)} characters long; X accepts at most {max_length}")
    return rule
