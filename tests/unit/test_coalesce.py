"""Events that reach an instance together are handled as one batch, each with its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cloudevents.http import CloudEvent

from trendwatch import bootstrap
from trendwatch.runtime.coalesce import Coalescer
from trendwatch.runtime.processes import local_concurrency, local_sizing


def _event(n: int) -> CloudEvent:
    return CloudEvent({"type": "test", "source": "test", "id": str(n)}, {"n": n})


class RecordingHandler:
    """Records each batch; fails the events whose number is in ``failing``."""

    def __init__(self, failing: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.failing = failing
        self._lock = threading.Lock()

    def __call__(self, events: Sequence[CloudEvent]) -> list[BaseException | None]:
        numbers = [event.data["n"] for event in events]
        with self._lock:
            self.batches.append(numbers)
        return [ValueError(f"event {n}") if n in self.failing else None for n in numbers]


def _deliver_together(
    deliver: Callable[[CloudEvent], BaseException | None], count: int
) -> list[BaseException | None]:
    """``count`` concurrent requests, released at once, as a push burst reaches an instance."""
    start = threading.Barrier(count)

    def one(n: int) -> BaseException | None:
        start.wait()
        return deliver(_event(n))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_events_are_handled_in_one_batch_with_each_its_own_outcome() -> None:
    handler = RecordingHandler(failing=frozenset({3}))
    coalescer = Coalescer(handler, max_wait_s=0.5)

    outcomes = _deliver_together(coalescer.deliver, 8)

    assert len(handler.batches) == 1
    assert sorted(handler.batches[0]) == list(range(8))
    assert [str(o) if o else None for o in outcomes] == [None, None, None, "event 3", None, None, None, None]


def test_a_full_batch_goes_at_once_and_the_rest_makes_another() -> None:
    handler = RecordingHandler()
    coalescer = Coalescer(handler, max_wait_s=1.0, max_batch=4)

    outcomes = _deliver_together(coalescer.deliver, 6)

    assert outcomes == [None] * 6
    assert sorted(len(b) for b in handler.batches) == [2, 4]  # 4 without waiting, 2 after the wait


def test_events_that_arrive_apart_are_handled_apart() -> None:
    handler = RecordingHandler()
    coalescer = Coalescer(handler, max_wait_s=0.0)

    assert [coalescer.deliver(_event(n)) for n in range(3)] == [None, None, None]
    assert handler.batches == [[0], [1], [2]]


def test_a_handler_that_raises_fails_every_request_of_its_batch() -> None:
    def broken(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        raise ConnectionError("warehouse unreachable")

    outcomes = _deliver_together(Coalescer(broken, max_wait_s=0.5).deliver, 3)

    assert [type(o) for o in outcomes] == [ConnectionError] * 3


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="max_wait_s"):
        Coalescer(RecordingHandler(), max_wait_s=-1)


def test_the_function_entry_point_batches_when_the_environment_sets_a_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    handler = RecordingHandler(failing=frozenset({1}))
    monkeypatch.setenv("TRENDWATCH_BATCH_WINDOW_S", "0.5")
    monkeypatch.setenv("TRENDWATCH_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TRENDWATCH_ROUTER_URL", "http://127.0.0.1:9")  # never called: handlers are stubbed
    monkeypatch.setenv("TRENDWATCH_ROUTER_TOKEN", "unused")
    monkeypatch.setattr(bootstrap, "build_handlers", lambda service, container: {"on_x": handler})
    deliver = bootstrap.entry_point("aggregate", "on_x")

    def request(event: CloudEvent) -> BaseException | None:
        try:
            deliver(event)  # the functions-framework target: raises for a failed event (5xx)
        except ValueError as exc:
            return exc
        return None

    outcomes = _deliver_together(request, 4)

    assert len(handler.batches) == 1
    assert [o is not None for o in outcomes] == [False, True, False, False]


def test_processes_mode_sizes_each_service_like_its_deployment_scaled_to_one_machine() -> None:
    aggregate, enrich_image = local_sizing("aggregate"), local_sizing("enrich-image")

    assert aggregate == {"THREADS": "16", "TRENDWATCH_BATCH_WINDOW_S": "0.1"}  # 80 and 2 s deployed
    assert enrich_image == {"THREADS": "4", "TRENDWATCH_BATCH_WINDOW_S": "0"}
    assert local_concurrency("enrich-text") == 16
