"""SIGTERM (how Cloud Run, and the local router, stop a process) flushes batched telemetry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from trendwatch.observability.metrics import TWEETS_INGESTED
from trendwatch.observability.telemetry import span_files
from trendwatch.settings import Settings

# A process with file telemetry, a span ended but still in its batch and a counted metric;
# optionally a SIGTERM handler of its own installed first.
_PROCESS = """
import signal, sys, time
from pathlib import Path

from trendwatch.observability import metrics, trace_scope
from trendwatch.observability.telemetry import configure_telemetry
from trendwatch.settings import Settings

if sys.argv[2] == "with-handler":
    def stop(signum, frame):
        print("own handler ran", flush=True)
        sys.exit(3)

    signal.signal(signal.SIGTERM, stop)
configure_telemetry(Settings(state_dir=Path(sys.argv[1]), telemetry="file"), "worker")
with trace_scope(None, "work before SIGTERM"):
    metrics.tweets_ingested(3)
print("ready", flush=True)
time.sleep(120)
"""


def _run_until_sigterm(state_dir: Path, mode: str) -> tuple[int, str, Settings]:
    # The batch would otherwise go out on its own after 5 s, and the test prove nothing.
    env = {**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "600000"}
    process = subprocess.Popen(
        [sys.executable, "-c", _PROCESS, str(state_dir), mode], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "ready\n"
        settings = Settings(state_dir=state_dir, telemetry="file")
        assert [p.read_text() for p in span_files(settings)] == [""]  # nothing exported yet
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    return process.returncode, output, settings


def _exported(settings: Settings) -> tuple[list[str], set[str]]:
    [spans] = span_files(settings)
    names = [json.loads(line)["name"] for line in spans.read_text().splitlines()]
    [metrics_file] = settings.state_dir.glob("telemetry/metrics-*.jsonl")
    metric_names = {
        metric["name"]
        for line in metrics_file.read_text().splitlines()
        for resource in json.loads(line)["resource_metrics"]
        for scope in resource["scope_metrics"]
        for metric in scope["metrics"]
    }
    return names, metric_names


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_flushes_the_batched_span_and_metrics_then_dies_of_sigterm(tmp_path: Path) -> None:
    status, _, settings = _run_until_sigterm(tmp_path, "default")
    assert status == -signal.SIGTERM  # the default action is kept
    spans, metric_names = _exported(settings)
    assert spans == ["work before SIGTERM"]
    assert TWEETS_INGESTED in metric_names


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_flushes_then_chains_to_the_handler_that_was_there(tmp_path: Path) -> None:
    status, output, settings = _run_until_sigterm(tmp_path, "with-handler")
    assert (status, output) == (3, "own handler ran\n")
    spans, _ = _exported(settings)
    assert spans == ["work before SIGTERM"]
