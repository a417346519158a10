"""Parse the search-query language into a :mod:`trendwatch.query.ast` tree.

The language is the one analysts know from social-listening suites::

    "robe rouge" OR (dress AND NOT cheap) lang:fr #soldes @zara from:zara has:image
    category:fashion  vintage NEAR/3 jacket  -outlet

Operators are upper case (``and`` is a word to search for); precedence, tightest first:
``NEAR/n``, then ``NOT`` (or ``-`` glued to what it excludes), then ``AND`` (also implied
between two terms), then ``OR``. Errors are :class:`QuerySyntaxError` with the 0-based
position of the fault.

A query is bounded before it is parsed: at most :data:`MAX_QUERY_LENGTH` characters,
:data:`MAX_QUERY_TERMS` terms and :data:`MAX_QUERY_DEPTH` levels of parentheses and negations.
Each term becomes a condition of the SQL the query runs as, and each level a level of
recursion in the parser and the compiler, so an unbounded query would cost the server
unbounded time (a thousand words took 21 s) or exhaust the recursion limit (a 500).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import VisitError

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

MAX_QUERY_LENGTH = 2000
#: Words, phrases, hashtags, mentions and fields (``lang:fr``) in one query.
MAX_QUERY_TERMS = 100
#: Parentheses and negations (``NOT``, ``-``) open around any term.
MAX_QUERY_DEPTH = 10
MAX_NEAR_DISTANCE = 50

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: unary (AND? unary)*
?unary: NOT unary -> negation
      | MINUS unary -> negation
      | near
?near: atom (NEAR atom)?
?atom: term | phrase | hashtag | mention | field
     | "(" or_expr ")"
term: TERM
phrase: PHRASE
hashtag: HASHTAG
mention: MENTION
field: FIELD

OR.3: /OR(?![^\s()"])/
AND.3: /AND(?![^\s()"])/
NOT.3: /NOT(?![^\s()"])/
NEAR.3: /NEAR\/[0-9]+(?![^\s()"])/
FIELD.2: /[A-Za-z_]+:[^\s()"]+/
HASHTAG.2: /#[^\s()"]+/
MENTION.2: /@[^\s()"]+/
MINUS.2: /-(?=[^\s)])/
PHRASE: /"[^"]*"/
TERM: /[^\s()"\-#@][^\s()"]*/

%import common.WS
%ignore WS
"""

_WORD = re.compile(r"\w+")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_HAS_VALUES = frozenset({"image", "images"})

_TOKEN_NAMES = {
    "OR": "OR",
    "AND": "AND",
    "NOT": "NOT",
    "NEAR": "NEAR/n",
    "LPAR": "'('",
    "RPAR": "')'",
    "MINUS": "'-'",
}

#: Tokens that are terms of the query (counted against :data:`MAX_QUERY_TERMS`).
_TERM_TOKENS = frozenset({"TERM", "PHRASE", "HASHTAG", "MENTION", "FIELD"})
#: Tokens that open a level of nesting until the next term or ``)``.
_NEGATIONS = frozenset({"NOT", "MINUS"})

#: Why a character the lexer could not place is wrong.
_CHARACTER_ERRORS = {
    '"': "unterminated quoted phrase",
    "-": "'-' must be glued to what it excludes, as in -word",
    "#": "a hashtag is # followed by letters, digits or _",
    "@": "a mention is @ followed by letters, digits or _",
}


class QuerySyntaxError(ValueError):
    """An invalid query; ``position`` is the 0-based offset of the fault in ``query``."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.message = message
        self.query = query
        self.position = position
        super().__init__(f"{message} at column {position + 1}\n  {query}\n  {' ' * position}^")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)


def parse(query: str) -> Node:
    """The syntax tree of ``query``; raises :class:`QuerySyntaxError` for an invalid one."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query is longer than {MAX_QUERY_LENGTH} characters", query, MAX_QUERY_LENGTH)
    if not query.strip():
        raise QuerySyntaxError("empty query", query, 0)
    try:
        _check_size(query)
        tree = _parser().parse(query)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, query) from None
    try:
        node: Node = _ToAst(query).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    return node


def _check_size(query: str) -> None:
    """Refuse a query with too many terms or too deep a nesting, from its tokens alone (one
    linear pass of the lexer, before the parser or anything recursive sees it)."""
    terms = parentheses = negations = 0
    for token in _parser().lex(query):
        if token.type in _TERM_TOKENS:
            terms += 1
            negations = 0
            if terms > MAX_QUERY_TERMS:
                raise QuerySyntaxError(
                    f"query has more than {MAX_QUERY_TERMS} terms", query, token.start_pos or 0
                )
        elif token.type in _NEGATIONS:
            negations += 1
        elif token.type == "LPAR":
            parentheses += 1
        elif token.type == "RPAR":
            parentheses, negations = max(parentheses - 1, 0), 0
        if parentheses + negations > MAX_QUERY_DEPTH:
            raise QuerySyntaxError(
                f"query nests more than {MAX_QUERY_DEPTH} levels of parentheses and negations",
                query,
                token.start_pos or 0,
            )


def _syntax_error(exc: UnexpectedInput, query: str) -> QuerySyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = query[position]
        message = _CHARACTER_ERRORS.get(char, f"unexpected character {char!r}")
        return QuerySyntaxError(message, query, position)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        what = _TOKEN_NAMES.get(token.type, repr(str(token)))
        hint = " (missing a term before it?)" if token.type in {"OR", "AND", "RPAR", "NEAR"} else ""
        return QuerySyntaxError(f"unexpected {what}{hint}", query, token.start_pos or 0)
    return QuerySyntaxError("query ends too early (missing a term or a ')'?)", query, len(query.rstrip()))


class _ToAst(Transformer[Token, Node]):
    """Parse tree to AST; checks what the grammar cannot (field names, values, NEAR operands)."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self._query = query

    def _error(self, message: str, token: Token) -> QuerySyntaxError:
        return QuerySyntaxError(message, self._query, token.start_pos or 0)

    def term(self, children: Sequence[Token]) -> Node:
        [token] = children
        if token.upper() == "NEAR" or token.upper().startswith("NEAR/"):
            raise self._error("NEAR needs a distance in words, as in NEAR/3", token)
        return Term(str(token))

    def phrase(self, children: Sequence[Token]) -> Node:
        [token] = children
        text = " ".join(token[1:-1].split())
        if not text:
            raise self._error("empty quoted phrase", token)
        return Phrase(text)

    def hashtag(self, children: Sequence[Token]) -> Node:
        [token] = children
        if not _WORD.fullmatch(token[1:]):
            raise self._error(_CHARACTER_ERRORS["#"], token)
        return Hashtag(token[1:].lower())

    def mention(self, children: Sequence[Token]) -> Node:
        [token] = children
        if not _WORD.fullmatch(token[1:]):
            raise self._error(_CHARACTER_ERRORS["@"], token)
        return Mention(token[1:].lower())

    def field(self, children: Sequence[Token]) -> Node:
        [token] = children
        name, _, value = str(token).partition(":")
        match name.lower():
            case "lang" if _LANG.fullmatch(value.lower()):
                return Lang(value.lower())
            case "lang":
                raise self._error(f"invalid language code {value!r} (expected e.g. lang:fr)", token)
            case "category":
                return Category(value.lower())
            case "from" if _WORD.fullmatch(value.removeprefix("@")):
                return Author(value.removeprefix("@").lower())
            case "from":
                raise self._error(f"invalid username {value!r}", token)
            case "has" if value.lower() in _HAS_VALUES:
                return HasImage()
            case "has":
                raise self._error(f"unknown has:{value} (supported: has:image)", token)
        raise self._error(f"unknown operator {name}: (supported: lang:, category:, from:, has:)", token)

    def negation(self, children: Sequence[Token | Node]) -> Node:
        return Not(_node(children[-1]))

    def and_expr(self, children: Sequence[Token | Node]) -> Node:
        return And(tuple(_node(c) for c in children if not isinstance(c, Token)))

    def or_expr(self, children: Sequence[Token | Node]) -> Node:
        return Or(tuple(_node(c) for c in children if not isinstance(c, Token)))

    def near(self, children: Sequence[Token | Node]) -> Node:
        left, operator, right = children
        assert isinstance(operator, Token)
        if not isinstance(left, Term | Phrase) or not isinstance(right, Term | Phrase):
            raise self._error("NEAR/n joins two words or quoted phrases", operator)
        distance = int(operator.split("/")[1])
        if not 0 <= distance <= MAX_NEAR_DISTANCE:
            raise self._error(f"NEAR distance must be between 0 and {MAX_NEAR_DISTANCE}", operator)
        return Near(left, right, distance)


def _node(child: Token | Node) -> Node:
    if isinstance(child, Token):  # every terminal that can stand alone is transformed above
        raise TypeError(f"untransformed token {child.type}")
    return child
