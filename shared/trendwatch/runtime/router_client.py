"""The local router's HTTP protocol, and the client a service process publishes through.

In ``--processes`` mode each service runs in its own process; it publishes messages and
reports lake writes (storage finalize notifications) to the local router, which stands
in for Pub/Sub and Eventarc. The wire format follows Pub/Sub's REST API: a publish is
``POST /v1/topics/<topic>:publish`` with ``{"messages": [{"data": <base64>, "attributes": {...}}]}``
and answers ``{"messageIds": [...]}``.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping, Sequence
from types import TracebackType

import httpx
import msgspec

from trendwatch.contracts.cloudevents import StorageObject
from trendwatch.ports import Message

PUBLISH_PATH = "/v1/topics/{topic}:publish"
PUBLISH_PATH_PATTERN = re.compile(r"/v1/topics/(?P<topic>[^/:]+):publish")
NOTIFICATIONS_PATH = "/v1/notifications"
STATS_PATH = "/v1/stats"
#: Every request to the router carries the run's token: ``Authorization: Bearer <token>``.
AUTHORIZATION = "authorization"
#: How the router hands its token to the service processes it starts. Not a setting: the
#: router makes a new one each time it starts, and no one else is told.
ROUTER_TOKEN_ENV = "TRENDWATCH_ROUTER_TOKEN"


def router_token() -> str:
    """The token the router gave this service process."""
    token = os.environ.get(ROUTER_TOKEN_ENV)
    if not token:
        raise RuntimeError(
            f"{ROUTER_TOKEN_ENV} is not set: the local router admits only the service processes it "
            "starts (`trendwatch replay --processes` starts them)"
        )
    return token


def bearer(token: str) -> dict[str, str]:
    """The header that lets a request in."""
    return {AUTHORIZATION: f"Bearer {token}"}


def carries_token(authorization: str, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (compared in constant time)."""
    return hmac.compare_digest(authorization.encode(), bearer(token)[AUTHORIZATION].encode())


def admitted(origin: str | None, authorization: str | None, token: str) -> bool:
    """Whether a request with these ``Origin`` and ``Authorization`` headers comes from the run:
    it carries the run's token and no browser ``Origin`` (a web page's request)."""
    return origin is None and carries_token(authorization or "", token)


class OutgoingMessage(msgspec.Struct, frozen=True):
    data: bytes  # base64 in JSON, as in Pub/Sub's REST API
    attributes: dict[str, str] = {}


class PublishRequest(msgspec.Struct, frozen=True):
    messages: list[OutgoingMessage]


class PublishResponse(msgspec.Struct, frozen=True, rename="camel"):
    message_ids: list[str]


class RouterStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counts since the router started (per topic or per route), plus its durable backlog."""

    #: Deliveries waiting, including those waiting for a retry.
    pending: int
    #: Deliveries handed to a service and not yet acknowledged.
    in_flight: int
    published: dict[str, int] = {}
    enqueued: dict[str, int] = {}
    delivered: dict[str, int] = {}
    retried: dict[str, int] = {}
    dead_lettered: dict[str, int] = {}

    @property
    def idle(self) -> bool:
        return self.pending == 0 and self.in_flight == 0


class RouterError(RuntimeError):
    """The router refused a request."""


class RouterUnavailableError(RouterError):
    """The router cannot be reached (not started, stopped, or wrong ``TRENDWATCH_ROUTER_URL``)."""


class RouterClient:
    """A :class:`~trendwatch.ports.Publisher` over HTTP to the local router.

    One pooled ``httpx.Client`` per instance: a service builds one client per process
    and reuses it for every event, like a Pub/Sub publisher client.
    """

    def __init__(self, url: str, *, token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, headers=bearer(token), timeout=httpx.Timeout(timeout, connect=5.0)
        )

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return self.publish_many(topic, [(data, attributes or {})])[0]

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        if not messages:
            return []
        request = PublishRequest([OutgoingMessage(data, dict(attributes)) for data, attributes in messages])
        body = self._request("POST", PUBLISH_PATH.format(topic=topic), msgspec.json.encode(request))
        return msgspec.json.decode(body, type=PublishResponse).message_ids

    def notify_finalized(self, obj: StorageObject) -> None:
        """Report a lake write, as GCS reports ``object.finalize`` to Eventarc."""
        self._request("POST", NOTIFICATIONS_PATH, msgspec.json.encode(obj))

    def stats(self) -> RouterStats:
        return msgspec.json.decode(self._request("GET", STATS_PATH), type=RouterStats)

    def _request(self, method: str, path: str, content: bytes | None = None) -> bytes:
        try:
            response = self._http.request(
                method, path, content=content, headers={"content-type": "application/json"}
            )
        except httpx.TransportError as exc:
            raise RouterUnavailableError(
                f"the local router at {self.url} is unreachable ({type(exc).__name__}: {exc}); "
                "is the --processes runtime running?"
            ) from exc
        if response.is_error:
            raise RouterError(f"router answered {response.status_code} to {method} {path}: {response.text}")
        return response.content

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RouterClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
