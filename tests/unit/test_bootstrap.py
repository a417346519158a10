"""A function instance builds its handlers once, however many requests its cold start receives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from cloudevents.http import CloudEvent

from tests.fakes.concurrency import at_once, slowly
from tests.fakes.publisher import RecordingPublisher
from trendwatch import bootstrap
from trendwatch.runtime.delivery import BatchHandler
from trendwatch.settings import Settings


def test_concurrent_first_events_build_the_container_once_and_are_all_delivered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[bootstrap.Container] = []
    delivered: list[CloudEvent] = []

    def container() -> bootstrap.Container:
        built.append(bootstrap.local_container(Settings(state_dir=tmp_path), publisher=RecordingPublisher()))
        return built[-1]

    def record(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        delivered.extend(events)
        return [None] * len(events)

    def handlers(service: str, container: bootstrap.Container) -> dict[str, BatchHandler]:
        assert (service, container) == ("aggregate", built[0])
        return {"on_tweet_enriched": record}

    monkeypatch.setattr(bootstrap, "container_from_env", slowly(container))
    monkeypatch.setattr(bootstrap, "build_handlers", handlers)
    deliver = bootstrap.entry_point("aggregate", "on_tweet_enriched")

    def event() -> CloudEvent:
        return CloudEvent({"type": "t", "source": "s"}, None)

    at_once(lambda: deliver(event()), threads=8)
    deliver(event())

    assert len(built) == 1
    assert len({e["id"] for e in delivered}) == 9
