"""OpenTelemetry spans across every hop, continued through W3C ``traceparent`` message attributes.

Each handled event is a span whose parent is the span that published it (the incoming
``traceparent`` attribute); each publish is a span whose context goes out in the message's
``traceparent`` attribute. A tweet's path is therefore one trace: ingest → publish
``tweets-raw`` → enrich-text → publish ``tweets-enriched`` → aggregate. Usage::

    with trace_scope(attributes.get("traceparent"), "work"):   # a child span (new trace if None)
        log.info("enriched")                   # log lines carry the trace and span ids
        outgoing = inject_traceparent({})      # the next hop continues this span

Spans are always created (ids are needed for propagation and log correlation even when
nothing is exported); where they go is set once per process by
:func:`trendwatch.observability.telemetry.configure_telemetry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_INSTRUMENTATION = "trendwatch"

Attributes = Mapping[str, AttributeValue]


@dataclass(frozen=True)
class TraceContext:
    """The ids of one span, as carried in a ``traceparent`` header."""

    trace_id: str
    span_id: str
    sampled: bool = True

    @classmethod
    def parse(cls, header: str | None) -> TraceContext | None:
        """Parse a ``traceparent`` header; ``None`` when absent or malformed."""
        context = _remote_span_context(header)
        return None if context is None else cls.of(context)

    @classmethod
    def of(cls, context: trace.SpanContext) -> TraceContext:
        return cls(
            trace.format_trace_id(context.trace_id),
            trace.format_span_id(context.span_id),
            context.trace_flags.sampled,
        )

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


def unexported_provider() -> TracerProvider:
    """Spans with ids (for propagation and log lines) that record nothing: nowhere to export them.

    A dropped span costs a few microseconds instead of tens; it goes out as not sampled
    (flags ``00``), so the processes after it, which share the settings, do not record either.
    """
    return TracerProvider(sampler=ALWAYS_OFF)


class _Tracing:
    """The process's tracer provider (owned here, not OpenTelemetry's global, so it can be replaced)."""

    def __init__(self) -> None:
        self.provider = unexported_provider()
        self.tracer = self.provider.get_tracer(_INSTRUMENTATION)

    def replace(self, provider: TracerProvider) -> None:
        previous, self.provider = self.provider, provider
        self.tracer = provider.get_tracer(_INSTRUMENTATION)
        previous.shutdown()


_tracing = _Tracing()


def set_tracer_provider(provider: TracerProvider) -> None:
    """Send spans through ``provider`` from now on (the previous one is flushed and shut down)."""
    _tracing.replace(provider)


def shutdown_tracing() -> None:
    """Export what is still batched; no span is exported afterwards."""
    _tracing.provider.shutdown()


def flush_tracing(timeout_millis: int) -> None:
    """Export what is batched now (waiting at most ``timeout_millis``); spans go on being exported."""
    _tracing.provider.force_flush(timeout_millis)


def _remote_span_context(header: str | None) -> trace.SpanContext | None:
    if not header:
        return None
    extracted = _PROPAGATOR.extract({TRACEPARENT: header.strip()}, context=Context())
    span_context = trace.get_current_span(extracted).get_span_context()
    return span_context if span_context.is_valid else None


def _parent(traceparent: str | None) -> Context:
    """The context a span continuing ``traceparent`` starts in; an empty one (new trace) if none."""
    remote = _remote_span_context(traceparent)
    return Context() if remote is None else trace.set_span_in_context(NonRecordingSpan(remote))


def start_span(
    name: str,
    traceparent: str | None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    links: Sequence[Span] = (),
) -> Span:
    """Start (without activating) a child span of ``traceparent``, or the root of a new trace.

    ``links`` relate the span to others outside its trace (a tweet's trace to the file it came in).
    """
    return _tracing.tracer.start_span(
        name,
        context=_parent(traceparent),
        kind=kind,
        attributes=attributes,
        links=[Link(s.get_span_context()) for s in links if s.get_span_context().is_valid],
    )


def end_span(span: Span, error: BaseException | str | None = None) -> None:
    """End ``span``, marked as failed when ``error`` is given (an exception or a reason)."""
    if isinstance(error, BaseException):
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    elif error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end()


def traceparent_of(span: Span) -> str:
    return TraceContext.of(span.get_span_context()).traceparent


@contextmanager
def activated(span: Span) -> Iterator[TraceContext]:
    """Make ``span`` current for the block (log lines and :func:`inject_traceparent` use it); don't end it."""
    with trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False):
        yield TraceContext.of(span.get_span_context())


@contextmanager
def continue_trace(traceparent: str | None) -> Iterator[TraceContext | None]:
    """Make the span in ``traceparent`` current without starting a new one (no-op when absent).

    For code that works on behalf of an event whose span is already open elsewhere (the
    batch handler's span of each event).
    """
    remote = _remote_span_context(traceparent)
    if remote is None:
        yield None
        return
    with activated(NonRecordingSpan(remote)) as context:
        yield context


@contextmanager
def trace_scope(
    traceparent: str | None = None,
    name: str = "trace scope",
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    links: Sequence[Span] = (),
) -> Iterator[TraceContext]:
    """A span, current for the block, continuing ``traceparent`` (or starting a new trace).

    An exception escaping the block marks the span as failed.
    """
    span = start_span(name, traceparent, kind=kind, attributes=attributes, links=links)
    error: BaseException | None = None
    try:
        with activated(span) as context:
            yield context
    except BaseException as exc:
        error = exc
        raise
    finally:
        end_span(span, error)


def current_span() -> Span:
    return trace.get_current_span()


def current_trace() -> TraceContext | None:
    """The ids of the current span; ``None`` outside any span."""
    context = trace.get_current_span().get_span_context()
    return TraceContext.of(context) if context.is_valid else None


def inject_traceparent(attributes: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current ``traceparent`` to outgoing message attributes (if a span is current)."""
    context = current_trace()
    if context is not None:
        attributes[TRACEPARENT] = context.traceparent
    return attributes
