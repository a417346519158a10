"""The query language parses into the expected tree, with NOT > AND > OR, and points at faults."""

from __future__ import annotations

import msgspec
import pytest

from trendwatch.query import QuerySyntaxError, parse
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
from trendwatch.query.parser import MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, MAX_QUERY_TERMS

a, b, c = Term("a"), Term("b"), Term("c")


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("a b", And((a, b))),
        ("a AND b", And((a, b))),
        ("a b OR c", Or((And((a, b)), c))),
        ("a OR b c", Or((a, And((b, c))))),
        ("a OR b AND c", Or((a, And((b, c))))),
        ("NOT a AND b", And((Not(a), b))),
        ("NOT a OR b", Or((Not(a), b))),
        ("NOT (a OR b) c", And((Not(Or((a, b))), c))),
        ("-a b", And((Not(a), b))),
        ("a -(b OR c)", And((a, Not(Or((b, c)))))),
        ("NOT NOT a", Not(Not(a))),
        ("((a))", a),
        ("NOT a NEAR/2 b", Not(Near(a, b, 2))),
    ],
)
def test_operators_bind_not_tighter_than_and_tighter_than_or(query: str, tree: Node) -> None:
    assert parse(query) == tree


def test_lower_case_operators_and_words_that_start_like_operators_are_plain_terms() -> None:
    assert parse("a and ANDROID ORANGE NOTE") == And(
        (a, Term("and"), Term("ANDROID"), Term("ORANGE"), Term("NOTE"))
    )


def test_phrases_keep_their_words_and_collapse_inner_white_space() -> None:
    assert parse('"robe   rouge" t-shirt') == And((Phrase("robe rouge"), Term("t-shirt")))


def test_near_joins_words_or_phrases_with_its_distance() -> None:
    assert parse('vintage NEAR/3 "denim jacket"') == Near(Term("vintage"), Phrase("denim jacket"), 3)


def test_fields_hashtags_and_mentions_are_normalised_to_lower_case() -> None:
    assert parse("lang:FR #Soldes @Zara from:@Stylist has:images category:Fashion") == And(
        (Lang("fr"), Hashtag("soldes"), Mention("zara"), Author("stylist"), HasImage(), Category("fashion"))
    )


def test_a_tree_round_trips_through_json() -> None:
    tree = parse('("robe rouge" OR #soldes) -lang:en a NEAR/1 b')
    assert msgspec.json.decode(msgspec.json.encode(tree), type=Node) == tree


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("", 0, "empty query"),
        ("a AND", 5, "query ends too early"),
        ("(a OR b", 7, "query ends too early"),
        ("a OR )", 5, "unexpected ')'"),
        ("OR a", 0, "unexpected OR"),
        ("a AND AND b", 6, "unexpected AND"),
        ('robe "rouge', 5, "unterminated quoted phrase"),
        ('a ""', 2, "empty quoted phrase"),
        ("a - b", 2, "'-' must be glued"),
        ("colour:red", 0, "unknown operator colour:"),
        ("a lang:french", 2, "invalid language code"),
        ("has:video", 0, "unknown has:video"),
        ("a NEAR b", 2, "NEAR needs a distance"),
        ("#soldes NEAR/2 b", 8, "NEAR/n joins two words"),
        ("a NEAR/99 b", 2, "NEAR distance must be between 0 and 50"),
        ("#", 0, "a hashtag is #"),
        ("a #soldes!", 2, "a hashtag is #"),
        ("@", 0, "a mention is @"),
    ],
)
def test_invalid_queries_raise_with_the_position_of_the_fault(
    query: str, position: int, message: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert caught.value.message.startswith(message)


def test_the_error_text_shows_a_caret_under_the_fault() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("a OR )")
    assert str(caught.value).splitlines() == [
        "unexpected ')' (missing a term before it?) at column 6",
        "  a OR )",
        "       ^",
    ]


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("x" * (MAX_QUERY_LENGTH + 1), MAX_QUERY_LENGTH, f"query is longer than {MAX_QUERY_LENGTH}"),
        # w0 to w9 take 3 characters with their space, w10 to w99 four: w100 starts at 390.
        (" ".join(f"w{i}" for i in range(MAX_QUERY_TERMS + 1)), 390, "query has more than"),
        ("-" * (MAX_QUERY_DEPTH + 1) + "x", MAX_QUERY_DEPTH, "query nests more than"),
        ("NOT " * (MAX_QUERY_DEPTH + 1) + "x", 4 * MAX_QUERY_DEPTH, "query nests more than"),
        ("(" * (MAX_QUERY_DEPTH + 1) + "x" + ")" * (MAX_QUERY_DEPTH + 1), MAX_QUERY_DEPTH, "query nests"),
        ("(" * 6 + "NOT " * 5 + "x" + ")" * 6, 6 + 4 * 4, "query nests more than"),
    ],
)
def test_queries_beyond_the_limits_are_refused_before_parsing(
    query: str, position: int, message: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert caught.value.message.startswith(message)


def test_queries_at_the_limits_parse() -> None:
    many = " OR ".join(f"w{i}" for i in range(MAX_QUERY_TERMS))
    deep = "(" * (MAX_QUERY_DEPTH // 2) + "NOT " * (MAX_QUERY_DEPTH // 2) + "x" + ")" * (MAX_QUERY_DEPTH // 2)
    siblings = " ".join(["(-a OR -(b))"] * 8)  # nesting is counted per branch, not summed

    assert parse(many) == Or(tuple(Term(f"w{i}") for i in range(MAX_QUERY_TERMS)))
    negated: Node = Term("x")
    for _ in range(MAX_QUERY_DEPTH // 2):
        negated = Not(negated)
    assert parse(deep) == negated
    assert isinstance(parse(siblings), And)
