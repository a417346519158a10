"""X API v2 recent search (last 7 days), for backfills, producing filtered-stream lines.

Every post a search returns counts against the app's monthly post cap, so each search
has a budget (``max_tweets``) and asks X for no more than the budget left. Each page is
split into one stream-format line per tweet, carrying only the expansions that tweet
needs, so that the rest of the pipeline handles backfilled and streamed tweets alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from trendwatch.adapters.x_api import (
    RECENT_SEARCH_URL,
    TWEET_QUERY_PARAMS,
    Failure,
    FailureKind,
    ReconnectBackoff,
    XApiError,
    auth_headers,
    classify_status,
)
from trendwatch.contracts.x_pages import page_to_stream_lines

logger = logging.getLogger(__name__)

#: X's bounds for ``max_results`` on recent search.
_PAGE_MIN, _PAGE_MAX = 10, 100
#: Margin added to ``x-rate-limit-reset`` for clock skew between X and this host.
_RESET_MARGIN_S = 1.0

JsonObject = dict[str, Any]


class RecentSearchClient:
    """Page through ``GET /2/tweets/search/recent`` within a post budget.

    Failed requests are retried per X's rules (429 waits until ``x-rate-limit-reset`` when
    X sends it); after ``max_retries`` consecutive failures :class:`XApiError` is raised.
    """

    def __init__(
        self,
        bearer_token: str,
        url: str = RECENT_SEARCH_URL,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_retries: int = 10,
    ) -> None:
        self._url = url
        self._headers = auth_headers(bearer_token)
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=30.0)
        self._sleep = sleep
        self._clock = clock
        self._max_retries = max_retries
        self._backoff = ReconnectBackoff()

    def search(self, query: str, *, start_time: datetime | None = None, max_tweets: int) -> Iterator[bytes]:
        """Yield up to ``max_tweets`` matching tweets, newest first, as filtered-stream lines."""
        params: dict[str, str] = {"query": query, **TWEET_QUERY_PARAMS}
        if start_time is not None:
            params["start_time"] = _rfc3339(start_time)
        return self._pages(params, max_tweets)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _pages(self, params: dict[str, str], max_tweets: int) -> Iterator[bytes]:
        remaining = max_tweets
        while remaining > 0:
            params["max_results"] = str(min(_PAGE_MAX, max(_PAGE_MIN, remaining)))
            page = self._get(params)
            for line in page_to_stream_lines(page)[:remaining]:
                yield line
                remaining -= 1
            next_token = page.get("meta", {}).get("next_token")
            if not next_token:
                return
            params["next_token"] = next_token

    def _get(self, params: Mapping[str, str]) -> JsonObject:
        """One page, retried on network errors, 5xx and 429."""
        failures = 0
        while True:
            try:
                response = self._client.get(self._url, params=params, headers=self._headers)
            except httpx.TransportError as exc:
                failure = Failure(FailureKind.NETWORK, f"{type(exc).__name__}: {exc}")
                delay = self._backoff.next_delay(failure.kind)
            else:
                kind = classify_status(response)
                if kind is None:
                    self._backoff.reset()
                    page: JsonObject = msgspec.json.decode(response.content)
                    return page
                failure = Failure(kind, f"HTTP {response.status_code}", response.status_code)
                reset_wait = self._reset_wait(response)
                delay = reset_wait if reset_wait is not None else self._backoff.next_delay(kind)
            failures += 1
            if failures > self._max_retries:
                raise XApiError(
                    f"X recent search failed {failures} times in a row; last: {failure.reason}",
                    failure.status_code,
                )
            logger.warning(
                "x search retrying",
                extra={
                    "reason": failure.reason,
                    "failure_kind": failure.kind.value,
                    "status_code": failure.status_code,
                    "delay_s": delay,
                    "attempt": failures,
                },
            )
            self._sleep(delay)

    def _reset_wait(self, response: httpx.Response) -> float | None:
        """Seconds until a 429's rate-limit window resets, from X's header; ``None`` otherwise."""
        reset = response.headers.get("x-rate-limit-reset")
        if response.status_code != 429 or reset is None or not reset.isdigit():
            return None
        return max(int(reset) - self._clock(), 0.0) + _RESET_MARGIN_S


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("start_time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
