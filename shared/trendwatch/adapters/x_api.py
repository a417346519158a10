"""What the X API v2 clients share: the fields trendwatch asks for, X's reconnect rules, errors.

The filtered stream (:mod:`trendwatch.adapters.x_stream_client`) and recent search
(:mod:`trendwatch.adapters.x_search_client`) request the same tweet fields and
expansions, so that a backfilled tweet looks exactly like a streamed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import httpx

STREAM_URL: Final = "https://api.x.com/2/tweets/search/stream"
RECENT_SEARCH_URL: Final = "https://api.x.com/2/tweets/search/recent"

#: Fields and expansions behind every field of :class:`trendwatch.contracts.x_stream.XStreamMessage`.
TWEET_QUERY_PARAMS: Final[Mapping[str, str]] = {
    "tweet.fields": (
        "created_at,author_id,lang,entities,referenced_tweets,public_metrics,"
        "attachments,conversation_id,in_reply_to_user_id"
    ),
    "expansions": (
        "author_id,attachments.media_keys,referenced_tweets.id,"
        "referenced_tweets.id.author_id,entities.mentions.username"
    ),
    "user.fields": "username,name,created_at,public_metrics,verified",
    "media.fields": "url,preview_image_url,width,height,type",
}

#: Statuses that retrying cannot fix: a malformed request, a bad token, no access, a wrong URL.
FATAL_STATUSES: Final = frozenset({400, 401, 403, 404})

_FATAL_HINTS: Final[Mapping[int, str]] = {
    400: "the request is malformed",
    401: "the bearer token is missing, invalid or revoked",
    403: "the app has no access to this endpoint at its access tier",
    404: "the URL is not an X API endpoint",
}


class XApiError(RuntimeError):
    """The X API refused a request in a way that retrying cannot fix, or kept failing."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class FailureKind(StrEnum):
    """The three failure families X gives different reconnect rules."""

    NETWORK = "network"
    HTTP = "http"
    RATE_LIMIT = "rate_limit"


@dataclass(frozen=True)
class Failure:
    """Why a request or connection failed, and which reconnect rule applies."""

    kind: FailureKind
    reason: str
    status_code: int | None = None


class ReconnectBackoff:
    """X's reconnect schedule, one sequence per :class:`FailureKind`; a success resets all of them.

    * network/TCP errors: linear, 0.25 s, 0.5 s, 0.75 s, … up to 16 s;
    * HTTP errors: exponential, 5 s, 10 s, 20 s, … up to 320 s;
    * HTTP 429: exponential, 60 s, 120 s, 240 s, … up to ``rate_limit_cap_s``. X names no
      ceiling; the default of 15 minutes is one rate-limit window, beyond which waiting
      longer cannot help.
    """

    def __init__(
        self,
        *,
        network_step_s: float = 0.25,
        network_cap_s: float = 16.0,
        http_start_s: float = 5.0,
        http_cap_s: float = 320.0,
        rate_limit_start_s: float = 60.0,
        rate_limit_cap_s: float = 900.0,
    ) -> None:
        self._network_step_s = network_step_s
        self._network_cap_s = network_cap_s
        self._http_start_s = http_start_s
        self._http_cap_s = http_cap_s
        self._rate_limit_start_s = rate_limit_start_s
        self._rate_limit_cap_s = rate_limit_cap_s
        self._failures = dict.fromkeys(FailureKind, 0)

    def next_delay(self, kind: FailureKind) -> float:
        """Seconds to wait before the next attempt after a failure of ``kind``."""
        self._failures[kind] += 1
        n = self._failures[kind]
        if kind is FailureKind.NETWORK:
            return min(self._network_step_s * n, self._network_cap_s)
        if kind is FailureKind.HTTP:
            return min(self._http_start_s * 2.0 ** (n - 1), self._http_cap_s)
        return min(self._rate_limit_start_s * 2.0 ** (n - 1), self._rate_limit_cap_s)

    def reset(self) -> None:
        """Start every sequence over (after a successful connection)."""
        self._failures = dict.fromkeys(FailureKind, 0)


def auth_headers(bearer_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer_token}"}


def classify_status(response: httpx.Response) -> FailureKind | None:
    """``None`` for a 2xx response, else the failure kind; raise :class:`XApiError` when fatal.

    Reads the body of a failed response, so that the error carries X's own explanation.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    if status == 429:
        return FailureKind.RATE_LIMIT
    if status in FATAL_STATUSES:
        response.read()
        detail = response.text[:500]
        raise XApiError(
            f"X API refused {response.request.url.path} with HTTP {status} "
            f"({_FATAL_HINTS[status]}); retrying cannot fix this. Response: {detail}",
            status_code=status,
        )
    return FailureKind.HTTP
