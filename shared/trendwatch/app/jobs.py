"""Ticks of scheduled jobs to the jobs they name: the dispatcher every job-running service uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from trendwatch.app.handling import Received
from trendwatch.contracts.events import ScheduledJob
from trendwatch.observability import get_logger

log = get_logger(__name__)


class ScheduledJobs:
    """Runs each job named in a batch of ticks once."""

    def __init__(self, jobs: Mapping[str, Callable[[], object]]) -> None:
        self._jobs = jobs

    def run(self, batch: Sequence[Received[ScheduledJob]]) -> None:
        for name in dict.fromkeys(r.value.job for r in batch):
            self._jobs[name]()
            log.info("scheduled job done", extra={"job": name})
