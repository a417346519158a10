"""Throughput, latency and memory of the whole local pipeline, in both runtime modes.

Usage: ``python benchmarks/pipeline.py [--minutes M] [--rate R] [--modes in-process,processes]``

For each mode: a generated stream is replayed at full speed through all five services
into a fresh state folder. Throughput is tweets per wall-clock second end to end (ingest
to warehouse); latency is the time from a chunk's ingest until every service has
finished with it (each tweet waits at most its chunk's time; the first chunk, which also
loads the models, is left out); memory is peak RSS. Runtime start-up is not timed.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendwatch.generator import generate
from trendwatch.settings import Settings


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _replay(mode: str, settings: Settings, path: Path, on_chunk: Callable[[int], None]) -> tuple[Any, float]:
    """The replay report and the seconds the replay took (start-up of the runtime excluded)."""
    if mode == "processes":
        from trendwatch.runtime.processes import ProcessPipeline

        with ProcessPipeline(settings) as pipeline:
            started = time.perf_counter()
            return pipeline.replay(path, progress=on_chunk), time.perf_counter() - started
    from trendwatch.runtime.local import LocalPipeline

    local = LocalPipeline(settings)
    started = time.perf_counter()
    return local.replay(path, progress=on_chunk), time.perf_counter() - started


def bench(mode: str, minutes: int, rate: float, seed: int, *, ocr: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        summary = generate(seed, minutes, rate, folder / "stream")
        settings = Settings.from_env({}, state_dir=folder / "state", image_ocr=ocr)
        chunk_times: list[float] = []
        last: float | None = None

        def on_chunk(_: int) -> None:
            nonlocal last
            now = time.perf_counter()
            if last is not None:
                chunk_times.append(now - last)
            last = now

        report, elapsed = _replay(mode, settings, summary.tweets_path, on_chunk)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "mode": mode,
        "ocr": ocr,
        "tweets": report.ingest.tweets,
        "media": summary.media_items,
        "seconds": round(elapsed, 2),
        "tweets_per_s": round(report.ingest.tweets / elapsed, 1),
        "chunk_latency_p50_s": round(statistics.median(chunk_times), 3) if chunk_times else None,
        "chunk_latency_p95_s": round(_percentile(chunk_times, 0.95), 3) if chunk_times else None,
        "peak_rss_mib": round(self_rss, 1),
        "peak_child_rss_mib": round(children_rss, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--processes-minutes", type=int, default=10)
    parser.add_argument("--processes-rate", type=float, default=4.0)
    parser.add_argument("--modes", default="in-process,processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-ocr", action="store_true", help="Replay with OCR off in enrich-image.")
    args = parser.parse_args(argv)
    results = []
    for mode in args.modes.split(","):
        minutes, rate = (
            (args.processes_minutes, args.processes_rate)
            if mode == "processes"
            else (args.minutes, args.rate)
        )
        print(f"running {mode}: {minutes} min at {rate}/s ...", file=sys.stderr)
        results.append(bench(mode, minutes, rate, args.seed, ocr=not args.no_ocr))
    machine = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
    print(
        json.dumps(
            {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine, "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
