"""Compile a query's syntax tree into a BigQuery-dialect ``WHERE`` condition over ``tweets``.

Nothing the user typed enters the SQL text: each value becomes a ``@name`` parameter (words,
phrases and proximity as escaped RE2 patterns for ``REGEXP_CONTAINS``). Every leaf is
``COALESCE(..., FALSE)``, so a tweet with no language or text counts as *not matching*
rather than as unknown, and ``NOT`` then selects it as a reader expects.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from trendwatch.query import patterns
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

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CompiledQuery(msgspec.Struct, frozen=True):
    """A SQL fragment with ``@name`` parameters and their values."""

    sql: str
    params: dict[str, Any]


class _Compiler:
    def __init__(self, alias: str, prefix: str) -> None:
        for name in (alias, prefix):
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"not a SQL identifier: {name!r}")
        self.alias = alias
        self.prefix = prefix
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"@{name}"

    def leaf(self, condition: str) -> str:
        return f"COALESCE({condition}, FALSE)"

    def text_matches(self, pattern: str) -> str:
        return self.leaf(f"REGEXP_CONTAINS({self.alias}.text, {self.param(pattern)})")

    def compile(self, node: Node) -> str:
        t = self.alias
        match node:
            case Term(text) | Phrase(text):
                return self.text_matches(patterns.contains(text))
            case Near(left, right, distance):
                forward, backward = patterns.near(left.text, right.text, distance)
                return f"({self.text_matches(forward)} OR {self.text_matches(backward)})"
            case Mention(username):
                return self.text_matches(patterns.mentions(username))
            case Hashtag(tag):
                return self.leaf(f"{self.param(tag)} IN UNNEST({t}.hashtags)")
            case Category(name):
                return self.leaf(f"{self.param(name)} IN UNNEST({t}.categories)")
            case Lang(code):
                return self.leaf(f"{t}.lang = {self.param(code)}")
            case Author(username):
                users = f"SELECT u.user_id FROM users AS u WHERE LOWER(u.username) = {self.param(username)}"
                return self.leaf(f"{t}.author_id IN ({users})")
            case HasImage():
                return self.leaf(f"{t}.has_media")
            case Not(operand):
                return f"NOT ({self.compile(operand)})"
            case And(operands):
                return "(" + " AND ".join(self.compile(o) for o in operands) + ")"
            case Or(operands):
                return "(" + " OR ".join(self.compile(o) for o in operands) + ")"
        raise TypeError(f"unknown query node {node!r}")


def compile_where(node: Node, *, alias: str = "t", prefix: str = "q") -> CompiledQuery:
    """The condition selecting the rows of ``tweets AS <alias>`` that ``node`` matches.

    Parameters are named ``<prefix>0``, ``<prefix>1``...; pick another ``prefix`` to combine
    two compiled queries in one statement.
    """
    compiler = _Compiler(alias, prefix)
    return CompiledQuery(compiler.compile(node), compiler.params)
