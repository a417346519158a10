"""The ``--processes`` local runtime: each service entry point in its own functions-framework server.

One ``functions-framework`` process per (service, entry point) of the topology, each on its
own port, exactly as each would run in Cloud Run; the :class:`~trendwatch.runtime.router.Router`
(in a thread of this process) stands in for Pub/Sub and Eventarc between them. The public
API mirrors :class:`~trendwatch.runtime.local.LocalPipeline`::

    with ProcessPipeline(settings) as pipeline:
        report = pipeline.replay(Path("stream/tweets.jsonl"))
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
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
from trendwatch.contracts.cloudevents import PubSubMessage, StorageObject
from trendwatch.contracts.events import FeedLoadReport, ScheduledJob, encode
from trendwatch.contracts.limits import MAX_DECOMPRESSED_BYTES_ENV
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
from trendwatch.runtime.local import (
    Progress,
    ReplayReport,
    feed_load_report,
    feed_object_name,
    waiting_dead_letters,
)
from trendwatch.runtime.replay import Pacer, copy_media, paced, read_chunks
from trendwatch.runtime.router import Router
from trendwatch.runtime.router_client import ROUTER_TOKEN_ENV
from trendwatch.settings import ENV_PREFIX, Settings

log = get_logger(__name__)

SERVICES_DIR_ENV = "TRENDWATCH_SERVICES_DIR"
#: Replayed files are dropped in the lake under this trigger's prefix, as files would be in the bucket.
_INGEST_TRIGGER = next(t for t in TOPOLOGY.storage_triggers if t.service == "ingest")


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


_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def _stop_with_the_spawner() -> None:
    """Run in a new server process before it starts: on Linux, ask for SIGTERM when the thread
    that started it ends, so that a router process that dies (killed, crashed) takes its
    servers with it instead of leaving them serving nobody."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ServiceProcess:
    """One functions-framework server: a service's entry point on its own port."""

    service: str
    entry_point: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    _launch: Callable[[], subprocess.Popen[bytes]] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, source: Path, env: dict[str, str], spawner: Executor) -> None:
        """Start the server from ``spawner``'s thread: it dies with that thread (see
        :func:`_stop_with_the_spawner`), and the thread lives as long as the pipeline."""
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
        log_file = self._log

        def launch() -> subprocess.Popen[bytes]:
            return spawner.submit(
                subprocess.Popen,
                command,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # Its own group: the server is a gunicorn master and its worker, killed together.
                process_group=0,
                preexec_fn=_stop_with_the_spawner,
            ).result()

        self._launch = launch
        self.process = launch()

    def kill(self) -> None:
        """SIGKILL the server's processes: they die at once, requests in flight included (a
        crashed instance)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self, timeout_s: float = 120.0) -> None:
        """Start the server again on its port, as Cloud Run starts a new instance, and wait
        until it serves; deliveries refused meanwhile are retried by the router."""
        if self._launch is None:
            raise RuntimeError(f"{self.service}.{self.entry_point} was never started")
        self.kill()
        self.process = self._launch()
        self.wait_until_serving(time.monotonic() + timeout_s)

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
                self.kill()
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
        #: The one thread that starts (and restarts) the servers; see ServiceProcess.start.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="service-spawner")
        self.lake = LocalBlobStore(
            self.settings.lake_dir, self.settings.lake_bucket, on_finalize=self._on_finalize
        )

    def process(self, service: str, entry_point: str) -> ServiceProcess:
        """The server of one entry point of a service."""
        return next(p for p in self.processes if (p.service, p.entry_point) == (service, entry_point))

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
        self._router.start(deliver=False)
        try:
            self._start_services()
            self._router.start_delivering()
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
        env = service_environment(os.environ)
        env.update(msgspec.structs.replace(self.settings, router_url=self.router.url).to_env())
        env[ROUTER_TOKEN_ENV] = self.router.token
        folder = services_dir()
        for process in self.processes:
            process.start(
                folder / process.service / "main.py", {**env, **local_sizing(process.service)}, self._spawner
            )
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
        self._spawner.shutdown()

    def replay(
        self, path: Path, *, speed: float | None = None, progress: Progress | None = None
    ) -> ReplayReport:
        """Replay a file of X stream lines through all services; returns when everything is processed.

        Each chunk becomes a lake object under ``incoming/tweets/``, which fires the ingest
        function's storage trigger, as a file dropped in the bucket would. The report counts
        what ingest published (each tweet once, however often a retried chunk published it)
        and the messages of the run that wait in dead letters.
        """
        report = ReplayReport(started_at=self.clock.now())
        report.media_copied = copy_media(path.parent / "media", self.lake)
        pacer = Pacer(speed, self.clock) if speed else None
        outcome = IngestOutcome()
        with self.router.listening(outcome.observe):
            for chunk in read_chunks(path):
                for lines, source in paced(chunk, pacer):
                    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
                    name = f"{_INGEST_TRIGGER.prefix}{path.stem}/{digest}.jsonl"
                    self.lake.write(name, b"\n".join(lines) + b"\n", "application/x-ndjson")
                    self.router.wait_until_idle(self._idle_timeout_s)
                    outcome.read(lines)
                    if progress:
                        progress(len(lines))
            for job in AFTER_REPLAY_JOBS:
                self.run_scheduled_job(job)
        report.ingest = outcome.report()
        after = self.router.stats()
        report.stats = BusStats(
            published=Counter(after.published),
            delivered=Counter(after.delivered),
            retried=Counter(after.retried),
            dead_lettered=Counter(after.dead_lettered),
        )
        report.waiting = waiting_dead_letters(self.router.warehouse, report.started_at)
        return report

    def run_scheduled_job(self, job: str) -> None:
        """Tick one scheduled job as Cloud Scheduler does, and wait until it is done."""
        self.router.publish(TOPOLOGY.job_topic(job), encode(ScheduledJob(job)), {"job": job})
        self.router.wait_until_idle(self._idle_timeout_s)

    def drop_object(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write an object to the lake (firing its storage triggers) and wait until what follows is done."""
        self.lake.write(name, data, content_type)
        self.router.wait_until_idle(self._idle_timeout_s)

    def load_feed(self, path: Path, kind: str) -> FeedLoadReport:
        """Drop a feed file under ``feeds/<kind>/dt=<today>/`` and return inventory-sync's load report."""
        name = feed_object_name(path, kind, self.clock)
        self.drop_object(name, path.read_bytes())
        return feed_load_report(self.router.warehouse, name)

    def publish_events(self, topic: str, messages: Iterable[bytes]) -> int:
        """Publish each message on ``topic`` through the router (as the stores' systems publish
        stock events) and wait until what follows is done; how many were published."""
        published = self.router.publish_many(topic, [(data, {}) for data in messages])
        self.router.wait_until_idle(self._idle_timeout_s)
        return len(published)


#: Variables of the runtime that every service process is given as the parent has them (the
#: others of the ``TRENDWATCH_`` family are the pipeline's settings, and come from it alone).
INHERITED_VARIABLES = (MAX_DECOMPRESSED_BYTES_ENV,)


def service_environment(parent: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without its ``TRENDWATCH_`` variables, but for
    :data:`INHERITED_VARIABLES`: a service process gets the pipeline's settings alone (a
    setting left unset in them must not come from the shell)."""
    return {k: v for k, v in parent.items() if not k.startswith(ENV_PREFIX) or k in INHERITED_VARIABLES}


class IngestOutcome:
    """What ingest made of a replay's lines, told by what it published through the router.

    A storage trigger is delivered at least once: a chunk whose ingest failed half-way (a
    timeout, a killed process) is ingested again and publishes its tweets again. Router
    counts would count them twice; this counts distinct messages: a tweet, and a refused line,
    by its payload (as its dead letter is recorded: once, however often it is refused).
    Keep-alives are the blank lines read (ingest publishes nothing for them). Lines of a chunk
    that ingest never finished are in none of the counts; they wait in dead letters under the
    ingest trigger.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines = 0
        self._keep_alives = 0
        self._tweets: set[bytes] = set()
        self._with_media: set[bytes] = set()
        self._refused: set[bytes] = set()

    def read(self, lines: list[bytes]) -> None:
        """Count lines handed to ingest."""
        with self._lock:
            self._lines += len(lines)
            self._keep_alives += sum(not line.strip() for line in lines)

    def observe(self, message: PubSubMessage) -> None:
        """A message published through the router (a :data:`~trendwatch.runtime.router.PublishListener`)."""
        if message.topic == TWEETS_RAW:
            key = _digest(message.data)
            with self._lock:
                self._tweets.add(key)
                if message.attributes.get("has_media") == "true":
                    self._with_media.add(key)
        elif message.topic == INGEST_DEAD_LETTER:
            key = _digest(message.data)
            with self._lock:
                self._refused.add(key)

    def report(self) -> IngestReport:
        with self._lock:
            return IngestReport(
                lines=self._lines,
                keep_alives=self._keep_alives,
                tweets=len(self._tweets),
                with_media=len(self._with_media),
                dead_lettered=len(self._refused),
            )


def _digest(*parts: bytes) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()
