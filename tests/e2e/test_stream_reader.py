"""The production stream reader (``trendwatch stream --publish``) against a local fake X API:
what it publishes to ``tweets-raw`` and stores in the lake, across a disconnect."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.tweets import stream_line
from tests.fakes.x_api_server import FakeXApi, Pause, Script, Status, Stream
from trendwatch import bootstrap
from trendwatch.adapters.x_api import XApiError
from trendwatch.adapters.x_stream_client import FilteredStreamClient
from trendwatch.app.ingest import IngestService
from trendwatch.cli import main
from trendwatch.contracts.topology import TWEETS_RAW
from trendwatch.runtime.stream_reader import publish_stream, timed_chunks
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
    assert all("backfill_minutes" not in r.params for r in requests)  # not asked on plans without it

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


def test_where_the_plan_allows_it_the_reader_asks_x_for_the_minutes_it_missed(
    tmp_path: Path, publisher: RecordingPublisher
) -> None:
    before = [stream_line("1", "the #SummerDress") + b"\r\n"]
    # X sends the minute before the reconnect again (tweet 1) with what came since (tweet 2).
    after = [before[0], stream_line("2", "the #SummerDress again") + b"\r\n"]
    with FakeXApi([Stream(before, end="drop"), Stream(after, end="close")]) as api:
        result = CliRunner().invoke(
            main,
            ["stream", "--publish", "--state", str(tmp_path), "--max-reconnects", "1"],
            env={
                "TRENDWATCH_X_BEARER_TOKEN": "secret-token",
                "TRENDWATCH_X_STREAM_URL": api.stream_url,
                "TRENDWATCH_X_BACKFILL_MINUTES": "5",
            },
        )
        requests = api.requests
    assert result.exit_code == 0, result.output
    # Started (after a crash or a restart, for all it knows): as much as the plan allows; then
    # reconnected a moment after its last line: one minute.
    assert [r.params["backfill_minutes"] for r in requests] == ["5", "1"]
    assert sorted({m.attributes["tweet_id"] for m in publisher.on(TWEETS_RAW)}) == ["1", "2"]


def _reader(tmp_path: Path, publisher: RecordingPublisher) -> IngestService:
    return bootstrap.ingest_service(
        bootstrap.local_container(Settings(state_dir=tmp_path), publisher=publisher)
    )


def test_lines_read_before_a_shutdown_are_published_not_dropped(
    tmp_path: Path, publisher: RecordingPublisher
) -> None:
    lines = [stream_line(str(n), f"tweet {n}") + b"\r\n" for n in range(3)]
    with FakeXApi([Stream([*lines, Pause(30)], end="close")]) as api:
        client = FilteredStreamClient("secret-token", api.stream_url)
        # SIGTERM (Cloud Run stopping the instance) closes the client in the middle of a
        # chunk that would otherwise wait a minute for more lines.
        threading.Timer(1.0, client.close).start()
        report = publish_stream(client.lines(), _reader(tmp_path, publisher), max_wait_s=60)
    assert report.tweets == 3
    assert [m.attributes["tweet_id"] for m in publisher.on(TWEETS_RAW)] == ["0", "1", "2"]


class FailingOnce(RecordingPublisher):
    """Pub/Sub failing for the first publish (an outage), then working."""

    failed = False

    def publish_many(self, topic: str, messages: Sequence[tuple[bytes, Mapping[str, str]]]) -> list[str]:
        if not self.failed:
            self.failed = True
            raise ConnectionError("pubsub unavailable")
        return super().publish_many(topic, messages)


def test_a_chunk_that_cannot_be_published_is_tried_again_not_dropped(tmp_path: Path) -> None:
    publisher = FailingOnce()
    waits: list[float] = []
    lines = [stream_line(str(n), f"tweet {n}") for n in range(3)]
    report = publish_stream(iter(lines), _reader(tmp_path, publisher), sleep=waits.append)
    assert report.tweets == 3 and waits == [1.0]
    assert [m.attributes["tweet_id"] for m in publisher.on(TWEETS_RAW)] == ["0", "1", "2"]
