"""The production stream reader (``trendwatch stream --publish``) against a local fake X API:
what it publishes to ``tweets-raw`` and stores in the lake, across a disconnect."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.tweets import stream_line
from tests.fakes.x_api_server import FakeXApi, Script, Status, Stream
from trendwatch import bootstrap
from trendwatch.adapters.x_api import XApiError
from trendwatch.cli import main
from trendwatch.contracts.topology import TWEETS_RAW
from trendwatch.runtime.stream_reader import timed_chunks
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]")


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> RecordingPublisher:
    """The deployed reader's container, with local adapters and a publisher that records."""
    recorder = RecordingPublisher()

    def container_from_env(settings: Settings | None = None) -> bootstrap.Container:
        assert settings is not None
        return bootstrap.local_container(settings, publisher=recorder)

    monkeypatch.setattr(bootstrap, "container_from_env", container_from_env)
    return recorder


def test_the_reader_publishes_each_tweet_as_ingest_does_and_reconnects_after_a_disconnect(
    tmp_path: Path, publisher: RecordingPublisher
) -> None:
    first = [
        stream_line("1", "loving the #SummerDress", media_keys=("3_1",)) + b"\r\n",
        stream_line("2", "the #SummerDress again") + b"\r\n",
    ]
    second = [stream_line("3", "robe d'été #SummerDress", lang="fr") + b"\r\n"]
    scripts = [
        Stream([first[0], b"\r\n", first[1], b'{"data": {"id": "trunc'], end="drop"),
        Stream([b"\r\n", *second, b"\r\n"], end="close"),
    ]
    with FakeXApi(scripts) as api:
        result = CliRunner().invoke(
            main,
            ["stream", "--publish", "--state", str(tmp_path), "--max-reconnects", "1"],
            env={"TRENDWATCH_X_BEARER_TOKEN": "secret-token", "TRENDWATCH_X_STREAM_URL": api.stream_url},
        )
        requests = api.requests
    assert result.exit_code == 0, result.output
    assert len(requests) == 2  # the dropped connection was opened again
    assert {r.headers["authorization"] for r in requests} == {"Bearer secret-token"}

    # Keep-alives and the message cut off by the disconnect are not published; nothing is dead-lettered.
    assert [m.topic for m in publisher.messages] == [TWEETS_RAW] * 3
    assert [m.data for m in publisher.messages] == [line.removesuffix(b"\r\n") for line in first + second]
    for message, (tweet_id, has_media) in zip(
        publisher.messages, [("1", "true"), ("2", "false"), ("3", "false")], strict=True
    ):
        assert message.attributes.keys() == {"schema_version", "tweet_id", "has_media", "traceparent"}
        assert message.attributes["schema_version"] == "1"
        assert message.attributes["tweet_id"] == tweet_id
        assert message.attributes["has_media"] == has_media
        assert TRACEPARENT.fullmatch(message.attributes["traceparent"])
    assert len({m.attributes["traceparent"] for m in publisher.messages}) == 3  # a trace per tweet

    # The exact payloads are archived in the lake, as ingest archives replay files.
    raw = sorted((tmp_path / "lake").rglob("raw/tweets/**/*.jsonl.gz"))
    stored = [line for path in raw for line in gzip.decompress(path.read_bytes()).splitlines()]
    assert sorted(stored) == sorted(m.data for m in publisher.messages)
    assert "ingested 3 tweets, 0 rejected" in result.output


def test_the_reader_stops_on_a_fatal_x_error_after_publishing_what_it_read(
    tmp_path: Path, publisher: RecordingPublisher
) -> None:
    scripts: list[Script] = [Stream([stream_line("1", "hello") + b"\r\n"], end="close"), Status(401)]
    with FakeXApi(scripts) as api:
        result = CliRunner().invoke(
            main,
            ["stream", "--publish", "--state", str(tmp_path)],
            env={"TRENDWATCH_X_BEARER_TOKEN": "revoked", "TRENDWATCH_X_STREAM_URL": api.stream_url},
        )
    assert isinstance(result.exception, XApiError), result.output
    assert [m.attributes["tweet_id"] for m in publisher.on(TWEETS_RAW)] == ["1"]


def test_a_chunk_goes_out_when_the_stream_goes_quiet_not_when_the_next_line_comes() -> None:
    release = threading.Event()

    def lines() -> Iterator[bytes]:
        yield b"a"
        yield b"b"
        release.wait(10)
        yield b"c"

    chunks = timed_chunks(lines(), max_lines=10, max_wait_s=0.05)
    assert next(chunks).lines == [b"a", b"b"]
    assert not release.is_set()
    release.set()
    assert [chunk.lines for chunk in chunks] == [[b"c"]]


def test_a_full_chunk_goes_out_at_once() -> None:
    chunks = timed_chunks(iter([b"a", b"b", b"c"]), max_lines=2, max_wait_s=60)
    assert [chunk.lines for chunk in chunks] == [[b"a", b"b"], [b"c"]]
