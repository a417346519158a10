"""The pipeline's custom metrics, as OpenTelemetry instruments (Cloud Monitoring in production).

One function per measurement, so the application code says what happened and this module
decides how it is recorded::

    tweets_ingested(len(outgoing))
    event_handled(route, seconds_since_publish)    # enrichment latency on the enrich-* routes

Until :func:`trendwatch.observability.telemetry.configure_telemetry` installs a meter
provider with a reader, measurements go nowhere (a no-op provider, nearly free).
"""

from __future__ import annotations

from opentelemetry.metrics import Counter, Histogram, MeterProvider, NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider as SdkMeterProvider

TWEETS_INGESTED = "trendwatch.tweets.ingested"
EVENT_LATENCY = "trendwatch.event.latency"
WINDOW_LAG = "trendwatch.window.lag"
INGEST_LAG = "trendwatch.ingest.lag"
DEAD_LETTERS = "trendwatch.dead_letters"


class _Instruments:
    def __init__(self, provider: MeterProvider) -> None:
        self.provider = provider
        meter = provider.get_meter("trendwatch")
        self.tweets_ingested: Counter = meter.create_counter(
            TWEETS_INGESTED, unit="{tweet}", description="Tweets published to tweets-raw (rate = tweets/s)."
        )
        self.event_latency: Histogram = meter.create_histogram(
            EVENT_LATENCY,
            unit="s",
            description="From publish to handled, per route: the enrich-* routes give enrichment latency.",
        )
        self.window_lag: Histogram = meter.create_histogram(
            WINDOW_LAG,
            unit="s",
            description="How far behind the clock the newest tweet of a window recompute is.",
        )
        self.ingest_lag: Histogram = meter.create_histogram(
            INGEST_LAG,
            unit="s",
            description="How far behind the clock the newest tweet of each live-stream chunk published is.",
        )
        self.dead_letters: Counter = meter.create_counter(
            DEAD_LETTERS, unit="{message}", description="Messages rejected to a dead-letter topic."
        )


_instruments = _Instruments(NoOpMeterProvider())


def set_meter_provider(provider: MeterProvider) -> None:
    """Record into ``provider`` from now on; the previous one exports what it holds and stops."""
    global _instruments
    previous, _instruments = _instruments.provider, _Instruments(provider)
    if isinstance(previous, SdkMeterProvider):
        previous.shutdown()


def shutdown_metrics() -> None:
    """Export the last interval's measurements; nothing is exported afterwards."""
    if isinstance(_instruments.provider, SdkMeterProvider):
        _instruments.provider.shutdown()


def flush_metrics(timeout_millis: int) -> None:
    """Export the measurements of the interval so far (waiting at most ``timeout_millis``);
    recording goes on."""
    if isinstance(_instruments.provider, SdkMeterProvider):
        _instruments.provider.force_flush(timeout_millis)


def tweets_ingested(count: int) -> None:
    if count:
        _instruments.tweets_ingested.add(count)


def event_handled(service: str, route: str, latency_s: float) -> None:
    """One event of ``route`` handled ``latency_s`` after it was published."""
    _instruments.event_latency.record(max(latency_s, 0.0), {"service": service, "route": route})


def window_lag(window_size: str, lag_s: float) -> None:
    _instruments.window_lag.record(max(lag_s, 0.0), {"window_size": window_size})


def ingest_lag(lag_s: float) -> None:
    """The live stream reader published a chunk whose newest tweet is ``lag_s`` old."""
    _instruments.ingest_lag.record(max(lag_s, 0.0))


def dead_lettered(source: str) -> None:
    _instruments.dead_letters.add(1, {"source": source})
