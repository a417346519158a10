"""Property-based tests of the query language: whatever an analyst (or anyone) types, parsing
gives a tree or a :class:`QuerySyntaxError` pointing inside the query, never another exception,
and every tree compiles to SQL and to a stream rule or the rule's own refusal."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trendwatch.query import QuerySyntaxError, StreamRuleError, compile_where, parse, to_stream_rule
from trendwatch.query.parser import MAX_QUERY_LENGTH

QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Pieces of the language and of what breaks it: operators, fields, quotes, brackets, dashes.
PIECES = st.sampled_from(
    [
        "OR", "AND", "NOT", "NEAR/3", "NEAR/99", "NEAR", "(", ")", "-", '"', '"robe rouge"', '""',
        "#soldes", "#", "@zara", "@", "from:zara", "from:", "lang:fr", "lang:french", "has:image",
        "has:video", "category:home", "colour:red", "lampe", "champignon", "and", "é", "🍄", "\\",
    ]
)  # fmt: skip
SPACES = st.sampled_from(["", " ", "  ", "\t", "\n"])
QUERIES = st.lists(st.tuples(PIECES, SPACES), max_size=40).map(lambda parts: "".join(p + s for p, s in parts))


def _parsed_or_refused(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError as refused:
        assert 0 <= refused.position <= max(len(query), MAX_QUERY_LENGTH)
        assert refused.message
        return
    assert compile_where(node).sql
    with contextlib.suppress(StreamRuleError):  # the rule's own refusal (too long for X)
        assert to_stream_rule(node)


@QUICK
@given(QUERIES)
def test_queries_built_from_the_languages_pieces_parse_or_are_refused_with_a_position(query: str) -> None:
    _parsed_or_refused(query)


@QUICK
@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_with_a_position(query: str) -> None:
    _parsed_or_refused(query)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=3000), st.sampled_from(["(", "-", "NOT ", "-(", "(NOT "]))
def test_any_depth_of_nesting_parses_or_is_refused_without_a_crash(depth: int, opener: str) -> None:
    closer = ")" * opener.count("(")
    _parsed_or_refused(opener * depth + "x" + closer * depth)
