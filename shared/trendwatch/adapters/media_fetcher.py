"""Fetch tweet media over HTTP without becoming a server-side request forgery tool.

Media URLs arrive inside tweets, so they are attacker-controlled. A fetch is allowed
only to an allow-listed host, over HTTPS (plain HTTP only for hosts allow-listed as
IP literals, i.e. local test servers), never following redirects, never to a name
that resolves to a private, loopback or link-local address, with a byte cap and a
total deadline. Refusals raise :class:`~trendwatch.ports.InvalidImage` (do not retry);
transient failures raise :class:`MediaUnavailableError` (retry later).

The address check runs before the request; the connection itself resolves the name
again, so the allow-list (hosts whose DNS we trust) remains the primary defence.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Sequence

import httpx

from trendwatch.ports import InvalidImage, TransientFailure

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
_RETRYABLE_STATUS = frozenset({408, 425, 429})


class MediaUnavailableError(TransientFailure):
    """The media could not be fetched now (timeout, network error, 5xx, 429); worth retrying."""


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


class MediaFetcher:
    """Download one media object from an allow-listed host, refusing anything unsafe."""

    def __init__(
        self,
        allowed_hosts: Sequence[str],
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout_s: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.allowed_hosts = frozenset(_normalise_host(h) for h in allowed_hosts)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        # trust_env=False: no proxy from the environment may reroute what we checked.
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False)
        self._owns_client = client is None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def fetch(self, url: str) -> bytes:
        """Return the body of ``url``; raise :class:`InvalidImage` or :class:`MediaUnavailableError`."""
        self._check_url(url)
        deadline = time.monotonic() + self.timeout_s
        try:
            with self._client.stream(
                "GET",
                url,
                follow_redirects=False,
                timeout=self.timeout_s,
                headers={"Accept": "image/*", "Accept-Encoding": "identity"},
            ) as response:
                self._check_response(url, response)
                return self._read_capped(url, response, deadline)
        except httpx.TransportError as exc:  # timeouts, refused connections, broken streams
            raise MediaUnavailableError(f"{url}: {type(exc).__name__}: {exc}") from exc

    def _check_url(self, url: str) -> None:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise InvalidImage(f"malformed URL {url!r}: {exc}") from exc
        host = _normalise_host(parsed.host)
        if host not in self.allowed_hosts:
            raise InvalidImage(f"host {host!r} is not allowed")
        if parsed.userinfo:
            raise InvalidImage(f"{url}: credentials in URLs are refused")
        literal = _ip_literal(host)
        if parsed.scheme != "https" and not (parsed.scheme == "http" and literal is not None):
            raise InvalidImage(f"{url}: scheme {parsed.scheme!r} refused (https only)")
        if literal is None:  # an allow-listed IP literal is trusted as written
            self._check_resolves_public(host, parsed.port or 443)

    def _check_resolves_public(self, host: str, port: int) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise MediaUnavailableError(f"cannot resolve {host!r}: {exc}") from exc
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not address.is_global or address.is_multicast:
                raise InvalidImage(f"host {host!r} resolves to non-public address {address}")

    def _check_response(self, url: str, response: httpx.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            raise InvalidImage(f"{url}: redirect ({status}) to {location!r} refused")
        if status >= 500 or status in _RETRYABLE_STATUS:
            raise MediaUnavailableError(f"{url}: HTTP {status}")
        if status != 200:
            raise InvalidImage(f"{url}: HTTP {status}")
        content_type = response.headers.get("content-type", "")
        if not content_type.lower().startswith("image/"):
            raise InvalidImage(f"{url}: content type {content_type!r} is not an image")
        encoding = response.headers.get("content-encoding", "identity").lower()
        if encoding != "identity":
            raise InvalidImage(f"{url}: content encoding {encoding!r} refused")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise InvalidImage(f"{url}: {declared} bytes exceeds the limit of {self.max_bytes}")

    def _read_capped(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > self.max_bytes:
                raise InvalidImage(f"{url}: body exceeds the limit of {self.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise MediaUnavailableError(f"{url}: download exceeded {self.timeout_s} s")
        return bytes(body)
