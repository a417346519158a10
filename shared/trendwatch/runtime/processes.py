"""The ``--processes`` local runtime: each service entry point in its own functions-framework server.

One ``functions-framework`` process per (service, entry point) of the topology, each on its
own port, exactly as each would run in Cloud Run; the :class:`~trendwatch.runtime.router.Router`
(in a thread of this process) stands in for Pub/Sub and Eventarc between them. The public
API mirrors :class:`~trendwatch.runtime.local.LocalPipeline`::

    with ProcessPipeline(settings) as pipeline:
        report = pipeline.replay(Path("stream/tweets.jsonl"))
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx
import msgspec

import trendwatch
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.clock import SystemClock
from trendwatch.app.ingest import IngestReport
from trendwatch.contracts.cloudevents import StorageObject
from trendwatch.contracts.events import ScheduledJob, encode
from trendwatch.contracts.topology import (
    AFTER_REPLAY_JOBS,
    INGEST_DEAD_LETTER,
    TOPOLOGY,
    TWEETS_RAW,
)
from trendwatch.deploy.terraform import PROFILES
from trendwatch.observability import get_logger
from trendwatch.ports import Clock
from trendwatch.runtime.delivery import routes
from trendwatch.runtime.inprocess import BusStats
from trendwatch.runtime.local import Progress, ReplayReport
from trendwatch.runtime.replay import Pacer, copy_media, paced, read_chunks
from trendwatch.runtime.router import Router
from trendwatch.runtime.router_client import RouterStats
from trendwatch.settings import ENV_PREFIX, Settings

log = get_logger(__name__)

SERVICES_DIR_ENV = "TRENDWATCH_SERVICES_DIR"
#: Replayed files are dropped in the lake under this trigger's prefix, as files would be in the bucket.
_INGEST_TRIGGER = next(t for t in TOPOLOGY.storage_triggers if t.service == "ingest")
#: The subscription of ``tweets-raw`` whose filter lets through only tweets with media.
_MEDIA_ROUTE = next(s.name for s in TOPOLOGY.subscriptions_of(TWEETS_RAW) if s.filter is not None)


def services_dir() -> Path:
    """The repository's ``services/`` folder (``TRENDWATCH_SERVICES_DIR`` overrides it)."""
    override = os.environ.get(SERVICES_DIR_ENV)
    return Path(override) if override else Path(trendwatch.__file__).resolve().parents[2] / "services"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


#: The deployed sizing (``PROFILES``), scaled to one machine: at most this many requests at
#: once per service, and batch windows no longer than this, so that a replay's chunks do not wait.
LOCAL_MAX_CONCURRENCY = 16
LOCAL_MAX_BATCH_WINDOW_S = 0.1


def local_concurrency(service: str) -> int:
    """How many pushes the router sends a service's route at once."""
    return min(PROFILES[service].concurrency, LOCAL_MAX_CONCURRENCY)


def local_sizing(service: str) -> dict[str, str]:
    """The variables Terraform sets per service, with local values: the functions framework's
    server threads (one per request taken at once) and the batch window."""
    window = min(PROFILES[service].batch_window_s, LOCAL_MAX_BATCH_WINDOW_S)
    return {"THREADS": str(local_concurrency(service)), f"{ENV_PREFIX}BATCH_WINDOW_S": f"{window:g}"}


@dataclass
class ServiceProcess:
    """One functions-framework server: a service's entry point on its own port."""

    service: str
    entry_point: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, source: Path, env: dict[str, str]) -> None:
        command = [
            sys.executable,
            "-m",
            "functions_framework",
            f"--source={source}",
            f"--target={self.entry_point}",
            "--signature-type=cloudevent",
            "--host=127.0.0.1",
            f"--port={self.port}",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_until_serving(self, deadline: float) -> None:
        """Return once the server answers HTTP (any status); raise if it exits or never does."""
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.service}.{self.entry_point} exited with status {self.process.returncode}; "
                    f"see {self.log_path}:\n{self._log_tail()}"
                )
            try:
                httpx.get(self.url, timeout=1.0)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    name = f"{self.service}.{self.entry_point}"
                    raise TimeoutError(f"{name} is not serving; see {self.log_path}") from None
                time.sleep(0.1)

    def terminate(self) -> None:
        """Ask the server to shut down (SIGTERM, as Cloud Run does)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate, wait for the exit (kill after ``timeout_s``), close the log."""
        self.terminate()
        if self.process is not None:
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def _log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class ProcessPipeline:
    """The router plus one functions-framework process per service entry point."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_scale: float = 0.001,
        clock: Clock | None = None,
        startup_timeout_s: float = 120.0,
        idle_timeout_s: float = 600.0,
    ) -> None:
        # Absolute, so that every process resolves the same state folder.
        self.settings = msgspec.structs.replace(settings, state_dir=settings.state_dir.resolve())
        self.clock = clock or SystemClock()
        self._backoff_scale = backoff_scale
        self._startup_timeout_s = startup_timeout_s
        self._idle_timeout_s = idle_timeout_s
        logs = self.settings.state_dir / "logs"
        entry_points = sorted({(r.service, r.entry_point) for r in routes().values()})
        self.processes = [
            ServiceProcess(service, entry, _free_port(), logs / f"{service}-{entry}.log")
            for service, entry in entry_points
        ]
        self._router: Router | None = None
        self.lake = LocalBlobStore(
            self.settings.lake_dir, self.settings.lake_bucket, on_finalize=self._on_finalize
        )

    @property
    def router(self) -> Router:
        if self._router is None:
            raise RuntimeError("the pipeline is not started: use it as a context manager")
        return self._router

    def __enter__(self) -> ProcessPipeline:
        by_entry = {(p.service, p.entry_point): p for p in self.processes}
        endpoints = {r.name: by_entry[(r.service, r.entry_point)].url for r in routes().values()}
        concurrency = {r.name: local_concurrency(r.service) for r in routes().values()}
        self._router = Router(
            self.settings, endpoints, backoff_scale=self._backoff_scale, concurrency=concurrency
        )
        self._router.start()
        try:
            self._start_services()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def _on_finalize(self, obj: StorageObject) -> None:
        self.router.notify_finalized(obj)

    def _start_services(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        env.update(msgspec.structs.replace(self.settings, router_url=self.router.url).to_env())
        folder = services_dir()
        for process in self.processes:
            process.start(folder / process.service / "main.py", {**env, **local_sizing(process.service)})
        deadline = time.monotonic() + self._startup_timeout_s
        for process in self.processes:
            process.wait_until_serving(deadline)
        log.info("services started", extra={"processes": len(self.processes), "router": self.router.url})

    def _stop(self) -> None:
        # The router first: it finishes the deliveries in flight while the services still run.
        if self._router is not None:
            self._router.stop()
            self._router = None
        for process in self.processes:
            process.terminate()  # all at once: each takes a moment to exit
        for process in self.processes:
            process.stop()

    def replay(
        self, path: Path, *, speed: float | None = None, progress: Progress | None = None
    ) -> ReplayReport:
        """Replay a file of X stream lines through all services; returns when everything is processed.

        Each chunk becomes a lake object under ``incoming/tweets/<stem>/``, which fires the
        ingest function's storage trigger, as a file dropped in the bucket would.
        """
        report = ReplayReport(media_copied=copy_media(path.parent / "media", self.lake))
        pacer = Pacer(speed, self.clock) if speed else None
        before = self.router.stats()
        for chunk in read_chunks(path):
            for lines, source in paced(chunk, pacer):
                digest = hashlib.sha256(source.encode()).hexdigest()[:24]
                name = f"{_INGEST_TRIGGER.prefix}{path.stem}/{digest}.jsonl"
                self.lake.write(name, b"\n".join(lines) + b"\n", "application/x-ndjson")
                self.router.wait_until_idle(self._idle_timeout_s)
                report.ingest.lines += len(lines)
                if progress:
                    progress(len(lines))
        for job in AFTER_REPLAY_JOBS:
            self.run_scheduled_job(job)
        after = self.router.stats()
        report.ingest = _ingest_report(report.ingest.lines, before, after)
        report.stats = BusStats(
            published=Counter(after.published),
            delivered=Counter(after.delivered),
            retried=Counter(after.retried),
            dead_lettered=Counter(after.dead_lettered),
        )
        return report

    def run_scheduled_job(self, job: str) -> None:
        """Tick one scheduled job as Cloud Scheduler does, and wait until it is done."""
        self.router.publish(TOPOLOGY.job_topic(job), encode(ScheduledJob(job)), {"job": job})
        self.router.wait_until_idle(self._idle_timeout_s)

    def drop_object(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write an object to the lake (firing its storage triggers) and wait until what follows is done."""
        self.lake.write(name, data, content_type)
        self.router.wait_until_idle(self._idle_timeout_s)


def _ingest_report(lines: int, before: RouterStats, after: RouterStats) -> IngestReport:
    """What ingest did, read from the router's counts (the ingest process reports to no one else).

    Every line ends as exactly one of: a ``tweets-raw`` message, a message to
    ``ingest-dead-letter`` (not a valid stream message), or a keep-alive. The names of the
    raw lake objects are chosen inside the ingest process and are not reported (they are
    in the lake under ``raw/tweets/``).
    """

    published = Counter(after.published) - Counter(before.published)
    tweets = published[TWEETS_RAW]
    dead_lettered = published[INGEST_DEAD_LETTER]
    return IngestReport(
        lines=lines,
        keep_alives=lines - tweets - dead_lettered,
        tweets=tweets,
        with_media=(Counter(after.enqueued) - Counter(before.enqueued))[_MEDIA_ROUTE],
        dead_lettered=dead_lettered,
    )
