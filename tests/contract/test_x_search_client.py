"""The recent-search client against a fake X API: paging, budget, rate limits, stream lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.fakes.x_api_server import FakeXApi, JsonBody, Script, Status
from trendwatch.adapters.x_api import TWEET_QUERY_PARAMS, XApiError
from trendwatch.adapters.x_search_client import RecentSearchClient
from trendwatch.contracts.x_stream import decode_stream_message


def tweet(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(n),
        "text": f"tweet {n}",
        "created_at": "2024-05-01T12:00:00.000Z",
        "author_id": "u1",
    } | fields


def page(
    tweets: list[dict[str, Any]], next_token: str | None = None, *, includes: dict[str, Any] | None = None
) -> JsonBody:
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if next_token is not None:
        meta["next_token"] = next_token
    body: dict[str, Any] = {"meta": meta}
    if tweets:
        body["data"] = tweets
    if includes:
        body["includes"] = includes
    return JsonBody(body)


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def search(
    scripts: list[Script], *, max_tweets: int, start_time: datetime | None = None, max_retries: int = 10
) -> tuple[list[bytes], list[float], FakeXApi]:
    sleep = RecordingSleep()
    with FakeXApi(scripts) as api:
        client = RecentSearchClient(
            "secret-token", api.search_url, sleep=sleep, clock=lambda: 1_000.0, max_retries=max_retries
        )
        lines = list(client.search("#sneakers lang:en", start_time=start_time, max_tweets=max_tweets))
        client.close()
    return lines, sleep.delays, api


def ids(lines: list[bytes]) -> list[str]:
    return [decode_stream_message(line).data.id for line in lines]


def test_pages_are_followed_with_next_token() -> None:
    lines, _, api = search([page([tweet(1), tweet(2)], "token-2"), page([tweet(3)])], max_tweets=1_000)
    assert ids(lines) == ["1", "2", "3"]
    first, second = api.requests
    assert "next_token" not in first.params
    assert second.params["next_token"] == "token-2"
    assert first.params["max_results"] == second.params["max_results"] == "100"


def test_query_fields_and_bearer_token_are_sent() -> None:
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    _, _, api = search([page([tweet(1)])], max_tweets=10, start_time=start)
    (request,) = api.requests
    assert request.path == "/2/tweets/search/recent"
    assert request.headers["authorization"] == "Bearer secret-token"
    assert request.params == {
        "query": "#sneakers lang:en",
        "start_time": "2024-05-01T10:00:00Z",
        "max_results": "10",
        **TWEET_QUERY_PARAMS,
    }


def test_budget_stops_paging_and_asks_only_for_what_is_left() -> None:
    first = page([tweet(n) for n in range(100)], "token-2")
    second = page([tweet(n) for n in range(100, 160)], "token-3")
    lines, _, api = search([first, second, page([tweet(999)])], max_tweets=150)
    assert len(lines) == 150
    assert ids(lines)[-1] == "149"
    assert [r.params["max_results"] for r in api.requests] == ["100", "50"]


def test_a_budget_below_the_page_minimum_asks_for_ten() -> None:
    lines, _, api = search([page([tweet(n) for n in range(10)], "more")], max_tweets=3)
    assert ids(lines) == ["0", "1", "2"]
    assert [r.params["max_results"] for r in api.requests] == ["10"]


def test_an_empty_result_yields_nothing() -> None:
    lines, _, api = search([page([])], max_tweets=100)
    assert lines == []
    assert len(api.requests) == 1


def test_each_line_decodes_with_only_the_includes_its_tweet_needs() -> None:
    users = [
        {"id": "u1", "username": "alice"},
        {"id": "u2", "username": "Bob"},
        {"id": "u3", "username": "carol"},
    ]
    media = [{"media_key": "m1", "type": "photo"}, {"media_key": "m2", "type": "photo"}]
    quoted = tweet(90, author_id="u3", attachments={"media_keys": ["m2"]})
    quoting = tweet(1, attachments={"media_keys": ["m1"]}, referenced_tweets=[{"type": "quoted", "id": "90"}])
    mentioning = tweet(2, author_id="u2", entities={"mentions": [{"username": "ALICE"}]})
    lines, _, _ = search(
        [page([quoting, mentioning], includes={"users": users, "media": media, "tweets": [quoted]})],
        max_tweets=10,
    )

    first, second = (decode_stream_message(line) for line in lines)
    assert first.data.referenced_tweets[0].id == "90"
    assert [u.id for u in first.includes.users] == ["u1", "u3"]
    assert [m.media_key for m in first.includes.media] == ["m1", "m2"]
    assert [t.id for t in first.includes.tweets] == ["90"]
    assert [u.id for u in second.includes.users] == ["u1", "u2"]
    assert second.includes.media == []
    assert second.includes.tweets == []


def test_rate_limit_waits_until_the_reset_header() -> None:
    reset_in_30_s = Status(429, headers={"x-rate-limit-reset": "1030"})
    lines, delays, _ = search([reset_in_30_s, page([tweet(1)])], max_tweets=10)
    assert ids(lines) == ["1"]
    assert delays == [31.0]


def test_rate_limit_without_reset_header_backs_off_60_then_120_seconds() -> None:
    lines, delays, _ = search([Status(429), Status(429), page([tweet(1)])], max_tweets=10)
    assert ids(lines) == ["1"]
    assert delays == [60.0, 120.0]


def test_gives_up_after_max_retries() -> None:
    with pytest.raises(XApiError, match="3 times in a row; last: HTTP 503") as raised:
        search([Status(503), Status(503), Status(503), page([tweet(1)])], max_tweets=10, max_retries=2)
    assert raised.value.status_code == 503


def test_unauthorized_raises_a_clear_error() -> None:
    with pytest.raises(XApiError, match=r"HTTP 401 .*bearer token"):
        search([Status(401)], max_tweets=10)


def test_a_naive_start_time_is_rejected() -> None:
    client = RecentSearchClient("t", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="timezone-aware"):
        client.search("q", start_time=datetime(2024, 5, 1), max_tweets=10)
    client.close()


def test_start_time_in_utc_is_sent_unchanged() -> None:
    _, _, api = search([page([])], max_tweets=10, start_time=datetime(2024, 5, 1, 8, 30, tzinfo=UTC))
    assert api.requests[0].params["start_time"] == "2024-05-01T08:30:00Z"
