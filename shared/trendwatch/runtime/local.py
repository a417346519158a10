"""The embedded default: all five services in one process, wired by the in-process bus."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trendwatch.adapters.local.clock import SystemClock
from trendwatch.app.dead_letters import (
    DeadLetterKey,
    DeadLetterReplayer,
    DeadLetterSelection,
    dead_letter_key,
    find_dead_letters,
)
from trendwatch.app.ingest import IngestReport, IngestService
from trendwatch.bootstrap import Container, build_handlers, local_container
from trendwatch.contracts.events import FeedLoadReport, ScheduledJob, encode
from trendwatch.contracts.topology import AFTER_REPLAY_JOBS, TOPOLOGY
from trendwatch.ports import Clock, Warehouse
from trendwatch.runtime.delivery import routes
from trendwatch.runtime.inprocess import BusStats, FaultInjection, InProcessBus
from trendwatch.runtime.replay import Pacer, chunked, copy_media, paced, read_chunks
from trendwatch.settings import Settings

Progress = Callable[[int], None]


@dataclass
class ReplayReport:
    ingest: IngestReport = field(default_factory=IngestReport)
    media_copied: int = 0
    stats: BusStats | None = None
    #: When the replay started: its dead letters are those dead-lettered since.
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Messages of this replay that a service gave up on and that wait in dead letters, by the
    #: subscription or storage trigger that gave up (lines refused at ingest are not among them:
    #: they are ``ingest.dead_lettered``, and sending them again would not make them valid).
    waiting: dict[str, int] = field(default_factory=dict)


def waiting_dead_letters(warehouse: Warehouse, since: datetime) -> dict[str, int]:
    """Dead letters since ``since``, not replayed yet, left by a subscription or storage trigger,
    counted by it (a producer's refusals of invalid input are left out)."""
    delivered_by = set(routes())
    letters = find_dead_letters(warehouse, DeadLetterSelection(since=since, pending=True))
    return dict(sorted(Counter(d.subscription for d in letters if d.subscription in delivered_by).items()))


class LocalPipeline:
    """Every service's handlers subscribed to one :class:`InProcessBus`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        faults: FaultInjection | None = None,
        max_batch: int = 500,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = InProcessBus(
            self.clock,
            project=settings.project,
            bucket=settings.lake_bucket,
            faults=faults,
            max_batch=max_batch,
        )
        self.container: Container = local_container(
            settings, publisher=self.bus, on_finalize=self.bus.notify_finalized, clock=self.clock
        )
        by_entry = {(r.service, r.entry_point): r.name for r in routes().values()}
        for service in TOPOLOGY.services:
            for entry, handler in build_handlers(service, self.container).items():
                self.bus.subscribe(by_entry[(service, entry)], handler)
        self.bus.on_dead_letter(self.container.dead_letter_sink.record)
        self._ingest = IngestService(self.container.lake, self.bus, self.container.dead_letters)

    def replay(
        self, path: Path, *, speed: float | None = None, progress: Progress | None = None
    ) -> ReplayReport:
        """Replay a file of X stream lines through all services; returns when everything is processed."""
        report = ReplayReport(started_at=self.clock.now())
        report.media_copied = copy_media(path.parent / "media", self.container.lake)
        pacer = Pacer(speed, self.clock) if speed else None
        for chunk in read_chunks(path):
            for lines, source in paced(chunk, pacer):
                report.ingest.add(self._ingest.ingest_lines(lines, source))
                self.bus.run_until_idle()
                if progress:
                    progress(len(lines))
        for job in AFTER_REPLAY_JOBS:
            self.run_scheduled_job(job)
        report.stats = self.bus.stats
        report.waiting = waiting_dead_letters(self.container.warehouse, report.started_at)
        return report

    def stream(
        self, lines: Iterable[bytes], *, chunk_lines: int = 200, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest a live source (the X filtered stream) in small chunks until it ends."""
        report = IngestReport()
        for chunk in chunked(lines, chunk_lines):
            report.add(self._ingest.ingest_lines(chunk.lines, chunk.source))
            self.bus.run_until_idle()
            if progress:
                progress(len(chunk.lines))
        for job in AFTER_REPLAY_JOBS:
            self.run_scheduled_job(job)
        return report

    def run_scheduled_job(self, job: str) -> None:
        """Tick one scheduled job as Cloud Scheduler does in production, on what is stored now."""
        self.bus.publish(TOPOLOGY.job_topic(job), encode(ScheduledJob(job)), {"job": job})
        self.bus.run_until_idle()

    def drop_object(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write an object to the lake (firing its storage triggers) and process what follows."""
        self.container.lake.write(name, data, content_type)
        self.bus.run_until_idle()

    def dead_letter_replayer(self) -> DeadLetterReplayer:
        """A replayer that sends dead letters back through this pipeline's bus; it runs the bus
        until idle after publishing, so it sees which of them were dead-lettered again."""
        again: set[DeadLetterKey] = set()
        self.bus.on_dead_letter(lambda topic, message: again.add(dead_letter_key(topic, message)))

        def settle() -> set[DeadLetterKey]:
            again.clear()  # only what the replayed messages bring back
            self.bus.run_until_idle()
            return set(again)

        return DeadLetterReplayer(self.container.warehouse, self.bus, self.clock, settle=settle)

    def close(self) -> None:
        """Release the warehouse file: DuckDB lets one process write it, and a ``--processes``
        run started after this pipeline needs it."""
        close = getattr(self.container.warehouse, "close", None)
        if callable(close):
            close()

    def load_feed(self, path: Path, kind: str) -> FeedLoadReport:
        """Drop a feed file under ``feeds/<kind>/dt=<today>/`` and return inventory-sync's load report."""
        name = feed_object_name(path, kind, self.clock)
        self.drop_object(name, path.read_bytes())
        return feed_load_report(self.container.warehouse, name)

    def publish_events(self, topic: str, messages: Iterable[bytes]) -> int:
        """Publish each message on ``topic`` (as the stores' systems publish stock events) and
        process what follows; how many were published."""
        published = self.bus.publish_many(topic, [(data, {}) for data in messages])
        self.bus.run_until_idle()
        return len(published)


def feed_object_name(path: Path, kind: str, clock: Clock) -> str:
    """Where a feed file is dropped: ``feeds/<kind>/dt=<today>/<its name>``, as a retailer sends it."""
    return f"feeds/{kind}/dt={clock.now():%Y-%m-%d}/{path.name}"


def feed_load_report(warehouse: Warehouse, name: str) -> FeedLoadReport:
    """Inventory-sync's latest load report of the feed object ``name``."""
    rows = warehouse.query(
        "SELECT * FROM feed_loads WHERE object_name = @name ORDER BY loaded_at DESC LIMIT 1",
        {"name": name},
    )
    if not rows:
        raise RuntimeError(f"inventory-sync left no load report for {name}; see dead_letters")
    row = rows[0]
    return FeedLoadReport(
        kind=row["kind"],
        object_name=name,
        rows_read=row["rows_read"],
        rows_loaded=row["rows_loaded"],
        rows_quarantined=row["rows_quarantined"],
        quarantine_object=row["quarantine_object"],
    )
