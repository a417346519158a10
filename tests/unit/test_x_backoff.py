"""X's reconnect schedule: linear for network errors, exponential for HTTP errors and 429."""

from __future__ import annotations

import httpx
import pytest

from trendwatch.adapters.x_api import FailureKind, ReconnectBackoff, XApiError, classify_status


def _delays(backoff: ReconnectBackoff, kind: FailureKind, count: int) -> list[float]:
    return [backoff.next_delay(kind) for _ in range(count)]


def test_network_errors_back_off_linearly_from_250_ms_up_to_16_s() -> None:
    delays = _delays(ReconnectBackoff(), FailureKind.NETWORK, 66)
    assert delays[:4] == [0.25, 0.5, 0.75, 1.0]
    assert delays[63] == 16.0
    assert delays[64:] == [16.0, 16.0]


def test_http_errors_back_off_exponentially_from_5_s_up_to_320_s() -> None:
    delays = _delays(ReconnectBackoff(), FailureKind.HTTP, 9)
    assert delays == [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 320.0, 320.0]


def test_rate_limits_back_off_exponentially_from_60_s_up_to_one_window() -> None:
    delays = _delays(ReconnectBackoff(), FailureKind.RATE_LIMIT, 6)
    assert delays == [60.0, 120.0, 240.0, 480.0, 900.0, 900.0]


def test_each_failure_kind_keeps_its_own_sequence() -> None:
    backoff = ReconnectBackoff()
    sequence = [
        backoff.next_delay(FailureKind.HTTP),
        backoff.next_delay(FailureKind.NETWORK),
        backoff.next_delay(FailureKind.HTTP),
        backoff.next_delay(FailureKind.RATE_LIMIT),
        backoff.next_delay(FailureKind.NETWORK),
    ]
    assert sequence == [5.0, 0.25, 10.0, 60.0, 0.5]


def test_reset_starts_every_sequence_over() -> None:
    backoff = ReconnectBackoff()
    for kind in FailureKind:
        _delays(backoff, kind, 3)
    backoff.reset()
    assert [backoff.next_delay(kind) for kind in FailureKind] == [0.25, 5.0, 60.0]


def test_caps_are_configurable() -> None:
    backoff = ReconnectBackoff(http_start_s=1.0, http_cap_s=3.0)
    assert _delays(backoff, FailureKind.HTTP, 4) == [1.0, 2.0, 3.0, 3.0]


def _response(status: int) -> httpx.Response:
    request = httpx.Request("GET", "https://api.x.com/2/tweets/search/stream")
    return httpx.Response(status, json={"title": "Unauthorized"}, request=request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(200, None), (429, FailureKind.RATE_LIMIT), (500, FailureKind.HTTP), (503, FailureKind.HTTP)],
)
def test_statuses_map_to_their_reconnect_rule(status: int, kind: FailureKind | None) -> None:
    assert classify_status(_response(status)) is kind


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_statuses_retrying_cannot_fix_raise_with_x_explanation(status: int) -> None:
    with pytest.raises(XApiError, match=f"HTTP {status}.*Unauthorized") as raised:
        classify_status(_response(status))
    assert raised.value.status_code == status
