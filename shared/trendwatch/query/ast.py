"""The syntax tree of a search query: what the parser builds and every back end reads.

Nodes are tagged msgspec Structs, so a parsed query can travel as JSON (``msgspec.json.encode``)
and be compared by value in tests.
"""

from __future__ import annotations

import msgspec


class Term(msgspec.Struct, frozen=True, tag="term"):
    """A word (or any run of characters without spaces), matched as a whole word, any case."""

    text: str


class Phrase(msgspec.Struct, frozen=True, tag="phrase"):
    """A quoted phrase: these characters in this order, any case, any run of spaces between words."""

    text: str


class Near(msgspec.Struct, frozen=True, tag="near"):
    """``left NEAR/n right``: both words or phrases, at most ``distance`` words apart, either order."""

    left: Term | Phrase
    right: Term | Phrase
    distance: int


class Hashtag(msgspec.Struct, frozen=True, tag="hashtag"):
    """``#tag``: the tweet carries the hashtag (stored lower-cased, without ``#``)."""

    tag: str


class Mention(msgspec.Struct, frozen=True, tag="mention"):
    """``@user``: the tweet mentions the user, as X's ``@`` operator does."""

    username: str


class Author(msgspec.Struct, frozen=True, tag="from"):
    """``from:user``: the tweet was posted by the user."""

    username: str


class Lang(msgspec.Struct, frozen=True, tag="lang"):
    """``lang:fr``: the tweet's detected language."""

    code: str


class Category(msgspec.Struct, frozen=True, tag="category"):
    """``category:fashion``: a retail category the enrichment assigned."""

    name: str


class HasImage(msgspec.Struct, frozen=True, tag="has_image"):
    """``has:image``: the tweet carries media."""


class Not(msgspec.Struct, frozen=True, tag="not"):
    operand: Node


class And(msgspec.Struct, frozen=True, tag="and"):
    operands: tuple[Node, ...]


class Or(msgspec.Struct, frozen=True, tag="or"):
    operands: tuple[Node, ...]


Node = Term | Phrase | Near | Hashtag | Mention | Author | Lang | Category | HasImage | Not | And | Or
