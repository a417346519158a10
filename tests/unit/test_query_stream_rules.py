"""Queries become X filtered-stream rules where X can express them, and are pushed to X's rules endpoint."""

from __future__ import annotations

import pytest

from tests.fakes.x_api_server import FakeXApi, JsonBody, Status
from trendwatch.adapters.x_api import XApiError
from trendwatch.adapters.x_rules_client import StreamRule, add_stream_rules
from trendwatch.query import StreamRuleError, to_stream_rule


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ('"robe rouge" OR dress', '"robe rouge" OR dress'),
        ("a b OR c", "(a b) OR c"),
        ("(a OR b) c", "(a OR b) c"),
        ("robe NOT (cheap OR outlet)", "robe -(cheap OR outlet)"),
        ("robe NOT (cheap sale)", "robe -(cheap sale)"),
        ("#Soldes @Zara from:stylist lang:fr has:image", "#soldes @zara from:stylist lang:fr has:images"),
        ("t-shirt", '"t-shirt"'),
        ("(robe lang:fr) OR (dress lang:en)", "(robe lang:fr) OR (dress lang:en)"),
    ],
)
def test_queries_translate_to_x_rule_syntax(query: str, rule: str) -> None:
    assert to_stream_rule(query) == rule


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("robe NEAR/2 rouge", "NEAR/n has no X filtered-stream equivalent"),
        ("robe category:fashion", "category: is trendwatch's own enrichment"),
        ("lang:fr has:image", "X needs a word, phrase"),
        ("robe OR lang:fr", "X needs a word, phrase"),
        ("NOT robe", "X needs a word, phrase"),
    ],
)
def test_queries_x_cannot_express_are_refused_with_the_reason(query: str, message: str) -> None:
    with pytest.raises(StreamRuleError, match=message):
        to_stream_rule(query)


def test_a_rule_longer_than_the_tier_allows_is_refused_with_its_length() -> None:
    query = " OR ".join(f"word{i:03d}" for i in range(60))  # 60 * 7 + 59 * 4 = 656 characters

    with pytest.raises(StreamRuleError, match="the rule is 656 characters long; X accepts at most 512"):
        to_stream_rule(query)
    assert len(to_stream_rule(query, max_length=1024)) == 656


def test_rules_are_posted_with_the_bearer_token_and_come_back_with_x_ids() -> None:
    answer = {
        "data": [{"id": "1001", "value": '"robe rouge" lang:fr', "tag": "saved-search:robes"}],
        "meta": {"summary": {"created": 1, "not_created": 0, "valid": 1, "invalid": 0}},
    }
    with FakeXApi([JsonBody(answer, code=201)]) as api:
        added = add_stream_rules(
            [StreamRule('"robe rouge" lang:fr', "saved-search:robes")], "secret", url=api.rules_url
        )

    assert added == [StreamRule('"robe rouge" lang:fr', "saved-search:robes", "1001")]
    [request] = api.requests
    assert (request.method, request.path, request.params) == ("POST", "/2/tweets/search/stream/rules", {})
    assert request.headers["authorization"] == "Bearer secret"
    assert request.body == {"add": [{"value": '"robe rouge" lang:fr', "tag": "saved-search:robes"}]}


def test_a_dry_run_asks_x_only_to_validate() -> None:
    with FakeXApi([JsonBody({"data": [{"id": "1", "value": "robe"}]}, code=201)]) as api:
        add_stream_rules([StreamRule("robe")], "secret", url=api.rules_url, dry_run=True)

    assert api.requests[0].params == {"dry_run": "true"}


def test_a_rule_x_already_has_is_returned_with_its_existing_id() -> None:
    answer = {"errors": [{"value": "robe", "id": "77", "title": "DuplicateRule", "type": "x"}]}
    with FakeXApi([JsonBody(answer, code=201)]) as api:
        added = add_stream_rules([StreamRule("robe", "mine")], "secret", url=api.rules_url)

    assert added == [StreamRule("robe", "mine", "77")]


def test_a_rule_x_refuses_raises_with_x_reason() -> None:
    answer = {
        "errors": [
            {"value": "lang:fr", "title": "UnprocessableEntity", "detail": "needs a standalone operator"}
        ]
    }
    with FakeXApi([JsonBody(answer, code=201)]) as api, pytest.raises(XApiError, match="needs a standalone"):
        add_stream_rules([StreamRule("lang:fr")], "secret", url=api.rules_url)


@pytest.mark.parametrize(("status", "message"), [(401, "bearer token"), (503, "HTTP 503")])
def test_a_refused_request_raises(status: int, message: str) -> None:
    with FakeXApi([Status(status)]) as api, pytest.raises(XApiError, match=message) as caught:
        add_stream_rules([StreamRule("robe")], "secret", url=api.rules_url)

    assert caught.value.status_code == status
