"""Add filtered-stream rules with ``POST /2/tweets/search/stream/rules`` (X API v2).

X answers 201 with the rules it created and, per rule it did not create, an entry in
``errors``. A rule that already exists comes back as a ``DuplicateRule`` error carrying the
existing rule's id: pushing a saved search twice is no failure, so such rules are returned
like created ones. Any other refused rule raises, with X's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import msgspec

from trendwatch.adapters.x_api import XApiError, auth_headers, classify_status

RULES_URL = "https://api.x.com/2/tweets/search/stream/rules"


class StreamRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """One filtered-stream rule; ``id`` is X's, known once X has accepted it."""

    value: str
    tag: str | None = None
    id: str | None = None


class _RuleError(msgspec.Struct, frozen=True):
    title: str = ""
    detail: str = ""
    value: str | None = None
    id: str | None = None


class _RulesResponse(msgspec.Struct, frozen=True):
    data: list[StreamRule] = []
    errors: list[_RuleError] = []


def add_stream_rules(
    rules: Sequence[StreamRule],
    bearer_token: str,
    *,
    url: str = RULES_URL,
    dry_run: bool = False,
    client: httpx.Client | None = None,
) -> list[StreamRule]:
    """Add ``rules``; returns them with X's ids. ``dry_run`` asks X only to validate them.

    Raises :class:`~trendwatch.adapters.x_api.XApiError` when X refuses the request or a rule.
    """
    body: dict[str, Any] = {"add": [msgspec.to_builtins(StreamRule(r.value, r.tag)) for r in rules]}
    params = {"dry_run": "true"} if dry_run else {}
    http = client if client is not None else httpx.Client(timeout=30.0)
    try:
        response = http.post(url, json=body, params=params, headers=auth_headers(bearer_token))
        if classify_status(response) is not None:
            raise XApiError(
                f"X API answered HTTP {response.status_code} to adding rules: {response.text[:500]}",
                status_code=response.status_code,
            )
        answer = msgspec.json.decode(response.content, type=_RulesResponse)
    finally:
        if client is None:
            http.close()
    tags = {r.value: r.tag for r in rules}
    accepted = list(answer.data)
    for error in answer.errors:
        if error.title != "DuplicateRule" or error.value is None:
            raise XApiError(f"X refused rule {error.value!r}: {error.title} {error.detail}".rstrip())
        accepted.append(StreamRule(error.value, tags.get(error.value), error.id))
    return accepted
