"""Verifying the identity Identity-Aware Proxy vouches for (``x-goog-iap-jwt-assertion``).

In production the API and the dashboard sit behind IAP on the load balancer; Cloud Run's
ingress admits only the load balancer, but the application still checks every request's
signed header itself, so that a misrouted request (another load balancer, a proxy, a
changed ingress) is refused rather than trusted. A token is accepted only if it is signed
with ES256 by one of Google's IAP keys, is meant for this backend service (the audience),
was issued by IAP and has not expired.

The keys come from a :data:`KeySource`: :class:`GoogleIapKeys` fetches and caches Google's
published keys in production; tests pass keys of their own.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from google.auth import exceptions as auth_exceptions
from google.auth import jwt

#: Where Google publishes IAP's public keys, as ``{key id: PEM}``.
IAP_PUBLIC_KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"
IAP_ISSUER = "https://cloud.google.com/iap"
IAP_HEADER = "x-goog-iap-jwt-assertion"
#: The only signature algorithm IAP uses; a token naming another is refused before any key is tried.
IAP_ALGORITHM = "ES256"
#: Clocks of Google and of the instance may differ by this much.
CLOCK_SKEW_S = 30

#: The PEM public key of a key id, or ``None`` for an unknown id.
KeySource = Callable[[str], str | None]


class InvalidIapToken(ValueError):
    """The request carries no IAP token this service may trust; the message says why."""


class KeysUnavailable(RuntimeError):
    """IAP's keys could not be had, so no token can be checked now (the request may be fine)."""


class IapIdentity(msgspec.Struct, frozen=True):
    """Whom IAP authenticated: their e-mail address (lower case) and stable subject id."""

    email: str
    subject: str


class IapVerifier:
    """Checks IAP's signed header for one backend service.

    ``audience`` is ``/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID``.
    """

    def __init__(self, audience: str, keys: KeySource) -> None:
        if not audience.startswith("/projects/"):
            raise ValueError(
                f"an IAP audience is /projects/NUMBER/global/backendServices/ID, not {audience!r}"
            )
        self._audience = audience
        self._keys = keys

    def verify(self, token: str | None) -> IapIdentity:
        """The identity ``token`` carries; raises :class:`InvalidIapToken` for anything else."""
        if not token:
            raise InvalidIapToken(f"no {IAP_HEADER} header: requests must come through IAP")
        header = _header(token)
        if header.get("alg") != IAP_ALGORITHM:
            raise InvalidIapToken(f"token is not signed with {IAP_ALGORITHM}")
        key_id = header.get("kid")
        try:
            key = self._keys(key_id) if isinstance(key_id, str) else None
        except (OSError, ValueError) as exc:  # Google's key set could not be fetched or read
            raise KeysUnavailable(f"IAP's public keys are unavailable ({type(exc).__name__})") from exc
        if key is None:
            raise InvalidIapToken("token is signed with an unknown key")
        try:
            claims = jwt.decode(  # type: ignore[no-untyped-call]
                token, certs=key, audience=self._audience, clock_skew_in_seconds=CLOCK_SKEW_S
            )
        except (auth_exceptions.GoogleAuthError, ValueError) as exc:
            raise InvalidIapToken(f"token refused: {exc}") from None
        if claims.get("iss") != IAP_ISSUER:
            raise InvalidIapToken("token was not issued by IAP")
        email, subject = claims.get("email"), claims.get("sub")
        if not isinstance(email, str) or not email or not isinstance(subject, str):
            raise InvalidIapToken("token names no user")
        return IapIdentity(email=email.lower(), subject=subject)


def _header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWT, unverified (it only says which key and algorithm to try)."""
    encoded = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except ValueError:
        raise InvalidIapToken("token is not a JWT") from None
    if not isinstance(header, dict):
        raise InvalidIapToken("token is not a JWT")
    return header


def _fetch_published_keys(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        keys = json.load(answer)
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ValueError(f"unexpected key set at {url}")
    return keys


class GoogleIapKeys:
    """Google's published IAP keys, fetched on first use and kept for ``max_age_s``.

    Google rotates the keys: a key id not in the cached set refetches the set, at most once
    every ``refetch_after_s`` so that tokens naming made-up key ids cannot make every request
    call Google.
    """

    def __init__(
        self,
        url: str = IAP_PUBLIC_KEYS_URL,
        *,
        max_age_s: float = 3600.0,
        refetch_after_s: float = 60.0,
        fetch: Callable[[str], Mapping[str, str]] = _fetch_published_keys,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._max_age = max_age_s
        self._refetch_after = refetch_after_s
        self._fetch = fetch
        self._clock = clock
        self._keys: Mapping[str, str] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def __call__(self, key_id: str) -> str | None:
        with self._lock:
            age = None if self._fetched_at is None else self._clock() - self._fetched_at
            stale = age is None or age >= self._max_age
            if stale or (key_id not in self._keys and age is not None and age >= self._refetch_after):
                self._keys = dict(self._fetch(self._url))
                self._fetched_at = self._clock()
            return self._keys.get(key_id)
