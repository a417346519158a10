"""The filtered-stream client against a fake X API: lines, keep-alives, reconnect rules."""

from __future__ import annotations

import logging
import threading

import pytest

from tests.fakes.x_api_server import DROP, FakeXApi, Pause, Script, Status, Stream
from trendwatch.adapters.x_api import TWEET_QUERY_PARAMS, XApiError
from trendwatch.adapters.x_stream_client import FilteredStreamClient

KEEP_ALIVE = b"\r\n"


def message(n: int) -> bytes:
    return (
        b'{"data":{"id":"%d","text":"tweet %d","created_at":"2024-05-01T12:00:00.000Z","author_id":"7"}}'
        % (n, n)
    )


def line(n: int) -> bytes:
    return message(n) + b"\r\n"


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def run(
    scripts: list[Script], *, max_reconnects: int, stall_timeout_s: float = 5.0
) -> tuple[list[bytes], list[float], FakeXApi]:
    """Read the whole stream the scripts describe; return lines, recorded sleeps and the server."""
    sleep = RecordingSleep()
    with FakeXApi(scripts) as api:
        client = FilteredStreamClient(
            "secret-token",
            api.stream_url,
            sleep=sleep,
            stall_timeout_s=stall_timeout_s,
            max_reconnects=max_reconnects,
        )
        lines = list(client.lines())
        client.close()
    return lines, sleep.delays, api


def test_keep_alive_lines_are_skipped() -> None:
    lines, delays, _ = run(
        [Stream([line(1), KEEP_ALIVE, KEEP_ALIVE, line(2), KEEP_ALIVE], end="close")], max_reconnects=0
    )
    assert lines == [message(1), message(2)]
    assert delays == []


def test_lines_split_across_chunks_are_reassembled() -> None:
    first, second = line(1), line(2)
    chunks = [first[:10], first[10:] + second[:5], second[5:]]
    lines, _, _ = run([Stream(chunks, end="close")], max_reconnects=0)
    assert lines == [message(1), message(2)]


def test_messages_are_yielded_in_order_across_a_disconnect_and_reconnect() -> None:
    cut_off = line(3)[:20]
    lines, delays, api = run(
        [Stream([line(1), line(2), cut_off]), Stream([line(4), line(5)], end="close")], max_reconnects=1
    )
    assert lines == [message(1), message(2), message(4), message(5)]
    assert delays == [0.25]
    assert len(api.requests) == 2


def test_rate_limit_backs_off_60_then_120_seconds() -> None:
    lines, delays, _ = run([Status(429), Status(429), Stream([line(1)])], max_reconnects=2)
    assert lines == [message(1)]
    assert delays == [60.0, 120.0]


def test_server_errors_back_off_5_then_10_seconds() -> None:
    lines, delays, _ = run([Status(503), Status(503), Stream([line(1)])], max_reconnects=2)
    assert lines == [message(1)]
    assert delays == [5.0, 10.0]


def test_network_drops_back_off_250_then_500_ms() -> None:
    lines, delays, _ = run([DROP, DROP, Stream([line(1)])], max_reconnects=2)
    assert lines == [message(1)]
    assert delays == [0.25, 0.5]


def test_a_successful_connection_resets_the_backoff() -> None:
    scripts: list[Script] = [Status(503), Stream([line(1)]), Status(503), Stream([line(2)])]
    lines, delays, _ = run(scripts, max_reconnects=3)
    assert lines == [message(1), message(2)]
    assert delays == [5.0, 0.25, 5.0]


def test_a_stalled_stream_reconnects() -> None:
    lines, delays, api = run(
        [Stream([line(1), Pause(2.0), line(2)]), Stream([line(3)])], max_reconnects=1, stall_timeout_s=0.2
    )
    assert lines == [message(1), message(3)]
    assert delays == [0.25]
    assert len(api.requests) == 2


def test_stops_after_max_reconnects() -> None:
    lines, delays, api = run([DROP, DROP, DROP, DROP], max_reconnects=2)
    assert lines == []
    assert delays == [0.25, 0.5]
    assert len(api.requests) == 3


def test_bearer_token_and_query_parameters_are_sent() -> None:
    _, _, api = run([Stream([line(1)])], max_reconnects=0)
    (request,) = api.requests
    assert request.path == "/2/tweets/search/stream"
    assert request.headers["authorization"] == "Bearer secret-token"
    assert request.params == dict(TWEET_QUERY_PARAMS)
    assert request.params["expansions"] == (
        "author_id,attachments.media_keys,referenced_tweets.id,"
        "referenced_tweets.id.author_id,entities.mentions.username"
    )


@pytest.mark.parametrize(("status", "hint"), [(401, "bearer token"), (403, "no access")])
def test_unauthorized_or_forbidden_raises_a_clear_error_without_retrying(status: int, hint: str) -> None:
    with pytest.raises(XApiError, match=f"HTTP {status} .*{hint}") as raised:
        run([Status(status), Stream([line(1)])], max_reconnects=5)
    assert raised.value.status_code == status


def test_close_during_iteration_stops_without_reconnecting() -> None:
    sleep = RecordingSleep()
    with FakeXApi([Stream([line(1), line(2), line(3)]), Stream([line(4)])]) as api:
        client = FilteredStreamClient("t", api.stream_url, sleep=sleep)
        lines = []
        for received in client.lines():
            lines.append(received)
            client.close()
    assert lines == [message(1)]
    assert sleep.delays == []
    assert len(api.requests) == 1


def test_close_from_another_thread_wakes_a_blocked_reader() -> None:
    received: list[bytes] = []
    first_line = threading.Event()
    with FakeXApi([Stream([line(1), Pause(10.0)])]) as api:
        client = FilteredStreamClient("t", api.stream_url, sleep=RecordingSleep(), stall_timeout_s=10.0)

        def consume() -> None:
            for item in client.lines():
                received.append(item)
                first_line.set()

        reader = threading.Thread(target=consume)
        reader.start()
        assert first_line.wait(2.0)
        client.close()
        reader.join(2.0)
        assert not reader.is_alive()
    assert received == [message(1)]


def test_reconnects_are_logged_with_structured_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="trendwatch.adapters.x_stream_client"):
        run([Status(429), Stream([line(1)])], max_reconnects=1)
    (record,) = [r for r in caplog.records if r.getMessage() == "x stream reconnecting"]
    assert record.__dict__["failure_kind"] == "rate_limit"
    assert record.__dict__["status_code"] == 429
    assert record.__dict__["delay_s"] == 60.0
    assert record.__dict__["reconnect"] == 1
