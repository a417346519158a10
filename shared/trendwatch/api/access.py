"""Who may use the API and the dashboard, and in which role.

Every request passes one :class:`Gate` before any route runs (:func:`install`):

* :class:`IapGate` in the cloud: the request must carry IAP's signed header
  (:mod:`trendwatch.api.iap`), and the e-mail address it vouches for must have a role in the
  role map (``TRENDWATCH_API_ROLES``). No valid token is a 401; a valid token without a role
  is a 403.
* :class:`LocalGate` on a developer's machine (``trendwatch serve`` on loopback): everyone who
  can reach the port is the administrator, or, when ``TRENDWATCH_API_TOKEN`` is set, only
  requests with ``Authorization: Bearer <token>``.

The role decides what the answers hold (:mod:`trendwatch.api.personal`).
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Protocol

import msgspec
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from trendwatch.api.iap import IAP_HEADER, IapVerifier, InvalidIapToken, KeysUnavailable

#: Paths answered without a gate: the liveness probe, which says nothing about the data.
OPEN_PATHS = frozenset({"/healthz"})


class Role(StrEnum):
    ANALYST = "analyst"
    DATA_SCIENTIST = "data_scientist"
    ADMINISTRATOR = "administrator"

    @property
    def sees_personal_data(self) -> bool:
        """Whether answers keep people's names, profile text and location (analysts see topics,
        volumes and tweets, not who the people are)."""
        return self is not Role.ANALYST


class Viewer(msgspec.Struct, frozen=True):
    """The person a request is answered for."""

    email: str
    role: Role


class Refused(Exception):
    """A request the gate turns away: ``status`` 401 (not authenticated), 403 (no role) or
    503 (identities cannot be checked now)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Gate(Protocol):
    #: The ``WWW-Authenticate`` header of a 401.
    challenge: str

    def admit(self, headers: Mapping[str, str]) -> Viewer:
        """The viewer of a request with these headers; raises :class:`Refused`."""
        ...


class RoleMap:
    """E-mail addresses to roles, from JSON such as
    ``{"ana@shop.example": "data_scientist", "@shop.example": "analyst"}``: a whole address
    wins over its domain (``@domain``); anyone else has no role."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = {who.lower(): role for who, role in roles.items()}

    @classmethod
    def from_json(cls, text: str | None) -> RoleMap:
        try:
            raw = json.loads(text) if text else {}
            return cls(msgspec.convert(raw, dict[str, Role]))
        except (ValueError, msgspec.ValidationError) as exc:
            roles = ", ".join(r.value for r in Role)
            raise ValueError(
                f"TRENDWATCH_API_ROLES must map e-mail addresses or @domains to one of {roles}: {exc}"
            ) from None

    def role_of(self, email: str) -> Role | None:
        email = email.lower()
        return self._roles.get(email) or self._roles.get("@" + email.rpartition("@")[2])


class IapGate:
    """Production: IAP's signed header, then the role map."""

    challenge = 'Bearer realm="trendwatch"'

    def __init__(self, verifier: IapVerifier, roles: RoleMap) -> None:
        self._verifier = verifier
        self._roles = roles

    def admit(self, headers: Mapping[str, str]) -> Viewer:
        try:
            identity = self._verifier.verify(headers.get(IAP_HEADER))
        except InvalidIapToken as exc:
            raise Refused(401, str(exc)) from None
        except KeysUnavailable as exc:
            raise Refused(503, str(exc)) from None
        role = self._roles.role_of(identity.email)
        if role is None:
            raise Refused(403, f"{identity.email} has no role in trendwatch")
        return Viewer(identity.email, role)


LOCAL_VIEWER = Viewer("local", Role.ADMINISTRATOR)


class LocalGate:
    """A developer's machine: the administrator, behind a token when one is set.

    The token is sent as ``Authorization: Bearer <token>`` by programs, or as the password of
    HTTP basic authentication (any user name) by a browser, which asks for it on the 401.
    """

    challenge = 'Basic realm="trendwatch", charset="UTF-8"'

    def __init__(self, token: str | None = None) -> None:
        self._token = token.encode() if token else None

    def admit(self, headers: Mapping[str, str]) -> Viewer:
        if self._token is not None and not hmac.compare_digest(_sent_token(headers), self._token):
            raise Refused(401, "this server needs its TRENDWATCH_API_TOKEN (Authorization: Bearer <token>)")
        return LOCAL_VIEWER


def _sent_token(headers: Mapping[str, str]) -> bytes:
    """The bearer token, or the basic password, of the ``Authorization`` header (else empty)."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.encode()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials, validate=True).partition(b":")[2]
        except ValueError:
            return b""
    return b""


def install(app: FastAPI, gate: Gate) -> None:
    """Pass every request (API, dashboard, static files, OpenAPI) through ``gate``; the admitted
    viewer is ``request.state.viewer``."""

    @app.middleware("http")
    async def admit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        try:
            # In a thread: the first request of the hour fetches IAP's keys from Google.
            request.state.viewer = await run_in_threadpool(gate.admit, request.headers)
        except Refused as exc:
            headers = {"WWW-Authenticate": gate.challenge} if exc.status == 401 else None
            return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)
        return await call_next(request)


def viewer(request: Request) -> Viewer:
    """The viewer :func:`install` admitted."""
    admitted: Viewer = request.state.viewer
    return admitted
