"""The local router of ``--processes`` mode: Pub/Sub push and Eventarc over HTTP (DESIGN §5).

Services publish messages and report lake writes to the router over HTTP (see
:mod:`trendwatch.runtime.router_client`). The router then does what Pub/Sub and Eventarc
do for the deployed functions:

* fans each message out to the subscriptions of its topic whose filter matches, and each
  finalized object to the storage triggers whose prefix it starts with (the one topology);
* stores every pending delivery in SQLite *before* answering the publisher, so nothing is
  lost when the router stops; deliveries in flight when it stopped are redelivered;
* pushes each delivery to the service process serving the route's entry point as the
  binary-mode CloudEvent Eventarc would send (``ce-*`` headers, JSON body);
* a 2xx answer acknowledges it; anything else is retried with the route's exponential
  backoff (scaled by ``backoff_scale``), then published to the dead-letter topic with
  the reason; messages to dead-letter topics go to the :class:`DeadLetterSink`.

The semantics are those of :class:`trendwatch.runtime.inprocess.InProcessBus`, over HTTP.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import duckdb
import httpx
import msgspec
from cloudevents.conversion import to_binary

from trendwatch.bootstrap import local_container
from trendwatch.contracts.cloudevents import PubSubMessage, StorageObject
from trendwatch.contracts.topology import TOPOLOGY, Topology
from trendwatch.observability import get_logger
from trendwatch.ports import Message, Warehouse
from trendwatch.runtime import warehouse_http
from trendwatch.runtime.delivery import Delivery, Route, routes
from trendwatch.runtime.router_client import (
    AUTHORIZATION,
    NOTIFICATIONS_PATH,
    PUBLISH_PATH_PATTERN,
    STATS_PATH,
    PublishRequest,
    PublishResponse,
    RouterStats,
    bearer,
    carries_token,
)
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

log = get_logger(__name__)

WAREHOUSE_PREFIX = warehouse_http.WAREHOUSE_PATH.removesuffix("{op}")

#: Longest a worker sleeps without re-checking its route's backlog.
_MAX_WAIT_S = 1.0
#: How often the HTTP server checks whether it is asked to shut down.
_SHUTDOWN_POLL_S = 0.1


#: Told of every message published through the router (from the thread that published it).
PublishListener = Callable[[PubSubMessage], None]


class UnknownTopicError(LookupError):
    """A publish to a topic the topology does not define."""


class DeliveryStore:
    """Pending deliveries in SQLite (WAL): one row per delivery, leased while in flight.

    Thread-safe: one connection behind a lock; each method is one short transaction.
    """

    _SCHEMA = """
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            route TEXT NOT NULL,
            ready_at REAL NOT NULL,
            leased INTEGER NOT NULL DEFAULT 0,
            body BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS deliveries_ready ON deliveries (route, leased, ready_at);
        CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")  # durable across a crash of the process
        self._db.executescript(self._SCHEMA)
        self._encode = msgspec.msgpack.Encoder().encode
        self._decode = msgspec.msgpack.Decoder(Delivery).decode
        with self._lock, self._db:
            # Whatever was in flight when the router last stopped was never acknowledged.
            self._db.execute("UPDATE deliveries SET leased = 0 WHERE leased = 1")

    def next_ids(self, count: int) -> list[str]:
        """``count`` message or event ids, unique across restarts (Pub/Sub ids are decimal strings)."""
        with self._lock, self._db:
            (last,) = self._db.execute(
                "INSERT INTO sequences VALUES ('message', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
                (count,),
            ).fetchone()
        return [str(n) for n in range(last - count + 1, last + 1)]

    def add(self, deliveries: Sequence[Delivery], ready_at: float) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO deliveries (route, ready_at, body) VALUES (?, ?, ?)",
                [(d.route, ready_at, self._encode(d)) for d in deliveries],
            )

    def lease(self, route: str, now: float) -> tuple[int, Delivery] | None:
        """Take the oldest delivery of ``route`` that is due, marking it in flight."""
        with self._lock, self._db:
            row = self._db.execute(
                "UPDATE deliveries SET leased = 1 WHERE id = ("
                "  SELECT id FROM deliveries WHERE route = ? AND leased = 0 AND ready_at <= ?"
                "  ORDER BY ready_at, id LIMIT 1"
                ") RETURNING id, body",
                (route, now),
            ).fetchone()
        return None if row is None else (row[0], self._decode(row[1]))

    def seconds_until_due(self, route: str, now: float) -> float | None:
        """How long until the next delivery of ``route`` is due; ``None`` if there is none."""
        with self._lock:
            (ready_at,) = self._db.execute(
                "SELECT min(ready_at) FROM deliveries WHERE route = ? AND leased = 0", (route,)
            ).fetchone()
        return None if ready_at is None else max(0.0, ready_at - now)

    def ack(self, row_id: int) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM deliveries WHERE id = ?", (row_id,))

    def release(self, row_id: int, delivery: Delivery, ready_at: float) -> None:
        """Put an unacknowledged delivery back, due at ``ready_at``."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE deliveries SET leased = 0, ready_at = ?, body = ? WHERE id = ?",
                (ready_at, self._encode(delivery), row_id),
            )

    def backlog(self) -> tuple[int, int]:
        """``(pending, in_flight)`` in one consistent read."""
        with self._lock:
            pending, in_flight = self._db.execute(
                "SELECT count(*) - coalesce(sum(leased), 0), coalesce(sum(leased), 0) FROM deliveries"
            ).fetchone()
        return int(pending), int(in_flight)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Router:
    """Pub/Sub + Eventarc for service processes; also a :class:`~trendwatch.ports.Publisher`.

    ``endpoints`` maps every route of the topology (subscription or storage trigger name)
    to the URL of the service process that serves its entry point.

        with Router(settings, endpoints) as router:
            ...  # services publish to router.url
            router.wait_until_idle()
    """

    def __init__(
        self,
        settings: Settings,
        endpoints: Mapping[str, str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        backoff_scale: float = 0.001,
        concurrency: int | Mapping[str, int] = 4,
        delivery_timeout_s: float = 300.0,
        topology: Topology = TOPOLOGY,
    ) -> None:
        self._routes = routes(topology)
        missing = sorted(set(self._routes) - set(endpoints))
        if missing:
            raise ValueError(f"no endpoint for the routes {', '.join(missing)}")
        self._endpoints = dict(endpoints)
        self._project = settings.project
        self._topology = topology
        self._backoff_scale = backoff_scale
        self._concurrency = concurrency
        self._address = (host, port)
        self._store = DeliveryStore(settings.state_dir / "router.sqlite")
        #: The run's secret: every request must carry it (:func:`~trendwatch.runtime.router_client.bearer`).
        self.token = secrets.token_urlsafe(32)
        container = local_container(settings, publisher=self)
        #: The one DuckDB connection of the run, served to the service processes; their SQL
        #: reaches no file, extension or setting beyond it.
        self._duckdb = cast("DuckDBWarehouse", container.warehouse)
        self._duckdb.confine()
        self.warehouse: Warehouse = self._duckdb
        self._dead_letter_sink = container.dead_letter_sink
        self._http = httpx.Client(timeout=httpx.Timeout(delivery_timeout_s, connect=5.0))
        self._counts: dict[str, Counter[str]] = {
            kind: Counter() for kind in ("published", "enqueued", "delivered", "retried", "dead_lettered")
        }
        self._counts_lock = threading.Lock()
        self._listeners: list[PublishListener] = []
        self._wakeup = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the router is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, *, deliver: bool = True) -> None:
        """Serve HTTP (publishes, notifications, the warehouse) and, unless ``deliver`` is false,
        push deliveries; :meth:`start_delivering` then starts pushing, once the services serve
        (a backlog stored by an earlier run would otherwise exhaust its retries on them)."""
        self._server = ThreadingHTTPServer(self._address, _handler_for(self))
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(_SHUTDOWN_POLL_S,), name="router-http")
        ]
        self._threads[0].daemon = True  # an interrupted run must not hang on it
        self._threads[0].start()
        log.info("router started", extra={"url": self.url, "routes": len(self._routes)})
        if deliver:
            self.start_delivering()

    def start_delivering(self) -> None:
        """Start the workers that push each route's deliveries."""
        workers = [
            threading.Thread(target=self._work, args=(route,), name=f"router-{route.name}")
            for route in self._routes.values()
            for _ in range(
                self._concurrency if isinstance(self._concurrency, int) else self._concurrency[route.name]
            )
        ]
        for thread in workers:
            thread.daemon = True  # an interrupted run must not hang on them
            thread.start()
        self._threads += workers

    def stop(self) -> None:
        """Finish the deliveries in flight, then stop serving; what is pending stays stored."""
        self._stopping.set()
        with self._wakeup:
            self._wakeup.notify_all()
        if self._server is not None:
            for thread in self._threads[1:]:
                thread.join()
            self._server.shutdown()
            self._server.server_close()
            self._threads[0].join()
        self._http.close()
        self._store.close()
        self._duckdb.close()  # the file is free for the next run (or a reader) in this process

    def __enter__(self) -> Router:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- Pub/Sub and Eventarc ---------------------------------------------------------
    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return self.publish_many(topic, [(data, attributes or {})])[0]

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        """Store the messages' deliveries in one transaction (a publisher's batch is answered
        in one short write however large), then count them."""
        try:
            definition = self._topology.topic(topic)
        except KeyError:
            raise UnknownTopicError(f"unknown topic {topic!r}") from None
        ids = self._store.next_ids(len(messages)) if messages else []
        published = [
            PubSubMessage(message_id, data, dict(attributes), topic=topic)
            for message_id, (data, attributes) in zip(ids, messages, strict=True)
        ]
        if definition.dead_letter:
            for message in published:
                self._dead_letter_sink.record(topic, message)
        else:
            subscriptions = self._topology.subscriptions_of(topic)
            self._enqueue(
                [
                    Delivery(s.name, message=replace(message, subscription=s.name))
                    for message in published
                    for s in subscriptions
                    if s.filter is None or s.filter.matches(message.attributes)
                ]
            )
        with self._counts_lock:
            self._counts["published"][topic] += len(published)
        for listener in list(self._listeners):
            for message in published:
                listener(message)
        return ids

    @contextmanager
    def listening(self, listener: PublishListener) -> Iterator[None]:
        """Tell ``listener`` of every message published while the block runs."""
        self._listeners.append(listener)
        try:
            yield
        finally:
            self._listeners.remove(listener)

    def notify_finalized(self, obj: StorageObject) -> None:
        """A GCS ``object.finalize`` notification: deliver it to every matching storage trigger."""
        triggers = self._topology.triggers_for(obj.name)
        self._enqueue(
            [
                Delivery(t.name, obj=obj, event_id=event_id)
                for t, event_id in zip(triggers, self._store.next_ids(len(triggers)), strict=True)
            ]
        )

    def admits(self, authorization: str) -> bool:
        """Whether a request's ``Authorization`` header carries this run's token."""
        return carries_token(authorization, self.token)

    def stats(self) -> RouterStats:
        pending, in_flight = self._store.backlog()
        with self._counts_lock:
            counts = {kind: dict(counter) for kind, counter in self._counts.items()}
        return RouterStats(pending=pending, in_flight=in_flight, **counts)

    def wait_until_idle(self, timeout_s: float = 600.0, poll_s: float = 0.02) -> RouterStats:
        """Block until nothing is pending or in flight (retries included)."""
        deadline = time.monotonic() + timeout_s
        while not (stats := self.stats()).idle:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the router is still busy after {timeout_s} s: {stats}")
            time.sleep(poll_s)
        return stats

    # -- delivery -------------------------------------------------------------------
    def _count(self, kind: str, key: str) -> None:
        with self._counts_lock:
            self._counts[kind][key] += 1

    def _enqueue(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        self._store.add(deliveries, time.time())
        enqueued = Counter(delivery.route for delivery in deliveries)
        with self._counts_lock:
            self._counts["enqueued"].update(enqueued)
        with self._wakeup:
            self._wakeup.notify_all()

    def _work(self, route: Route) -> None:
        while True:
            with self._wakeup:
                if self._stopping.is_set():
                    return
                leased = self._store.lease(route.name, time.time())
                if leased is None:
                    due = self._store.seconds_until_due(route.name, time.time())
                    self._wakeup.wait(_MAX_WAIT_S if due is None else min(due, _MAX_WAIT_S))
                    continue
            self._attempt(route, *leased)

    def _attempt(self, route: Route, row_id: int, delivery: Delivery) -> None:
        failure = self._push(route, delivery)
        if failure is None:
            self._store.ack(row_id)
            self._count("delivered", route.name)
        elif delivery.attempt >= route.retry.max_delivery_attempts:
            try:
                self._dead_letter(route, delivery, failure)
            except Exception:  # the sink failed: keep the delivery, try again later
                log.exception("could not dead-letter; will retry", extra={"route": route.name})
                self._release(row_id, delivery, route.retry.backoff(delivery.attempt))
                return
            self._store.ack(row_id)
            self._count("dead_lettered", route.name)
        else:
            log.info(
                "delivery failed; will retry",
                extra={"route": route.name, "attempt": delivery.attempt, "reason": failure},
            )
            self._release(
                row_id, replace(delivery, attempt=delivery.attempt + 1), route.retry.backoff(delivery.attempt)
            )
            self._count("retried", route.name)

    def _push(self, route: Route, delivery: Delivery) -> str | None:
        """POST the delivery as a binary-mode CloudEvent; ``None`` if acknowledged, else why not."""
        headers, body = to_binary(delivery.cloudevent(self._project))
        headers.update(bearer(self.token))  # the service processes admit the run's router only
        try:
            response = self._http.post(self._endpoints[route.name], headers=headers, content=body)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.is_success:
            return None
        detail = response.text.strip()[:300]
        return f"HTTP {response.status_code} from {route.service}.{route.entry_point}: {detail}"

    def _release(self, row_id: int, delivery: Delivery, backoff_s: float) -> None:
        """Give an unacknowledged delivery back, due after the (scaled) backoff."""
        self._store.release(row_id, delivery, time.time() + backoff_s * self._backoff_scale)
        with self._wakeup:
            self._wakeup.notify_all()

    def _dead_letter(self, route: Route, delivery: Delivery, reason: str) -> None:
        self.publish(route.dead_letter_topic, *delivery.dead_letter(route, reason))


def _handler_for(router: Router) -> type[BaseHTTPRequestHandler]:
    """The HTTP face of ``router``: publish, storage notifications, stats."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive for the services' pooled clients
        disable_nagle_algorithm = True  # headers and body go out as two writes: don't delay the second

        def do_POST(self) -> None:
            if not self._admitted():
                return
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                if self.path == NOTIFICATIONS_PATH:
                    router.notify_finalized(msgspec.json.decode(body, type=StorageObject))
                    self._reply(200, b"{}")
                elif self.path.startswith(WAREHOUSE_PREFIX):
                    result = warehouse_http.serve(
                        router.warehouse, self.path.removeprefix(WAREHOUSE_PREFIX), body
                    )
                    self._reply(200, result, warehouse_http.CONTENT_TYPE)
                elif match := PUBLISH_PATH_PATTERN.fullmatch(self.path):
                    request = msgspec.json.decode(body, type=PublishRequest)
                    ids = router.publish_many(
                        match["topic"], [(m.data, m.attributes) for m in request.messages]
                    )
                    self._reply(200, msgspec.json.encode(PublishResponse(ids)))
                else:
                    self._error(404, f"no such endpoint: POST {self.path}")
            except UnknownTopicError as exc:
                self._error(404, str(exc))
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._error(400, f"invalid request body: {exc}")
            except duckdb.PermissionException as exc:  # SQL reaching past the warehouse (confine)
                self._error(403, str(exc))
            except Exception as exc:  # answered 500: the publisher retries
                log.exception("router request failed", extra={"path": self.path})
                self._error(500, f"{type(exc).__name__}: {exc}")

        def do_GET(self) -> None:
            if not self._admitted():
                return
            if self.path == STATS_PATH:
                self._reply(200, msgspec.json.encode(router.stats()))
            else:
                self._error(404, f"no such endpoint: GET {self.path}")

        def _admitted(self) -> bool:
            """Refuse (and close the connection, the body unread) a request from a web page
            (browsers send ``Origin``; the services never do) or without the run's token."""
            if self.headers.get("origin") is not None:
                refusal = (403, "requests from web pages are refused")
            elif not router.admits(self.headers.get(AUTHORIZATION, "")):
                refusal = (401, "this run's router token is required (Authorization: Bearer <token>)")
            else:
                return True
            self.close_connection = True
            self._error(*refusal)
            return False

        def _error(self, status: int, message: str) -> None:
            self._reply(status, msgspec.json.encode({"error": {"code": status, "message": message}}))

        def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Silence per-request access lines (the services log what they do)."""

    return Handler
