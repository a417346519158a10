"""Tune the emergence detector on training streams, never on the evaluated ones.

Usage: ``python -m benchmarks.tune_trends [--seeds 101,...,110] [--rates 1,3,10] [--cache DIR]
[--set threshold=7,shift=5 ...]``

Each training stream is generated, read and grouped into topics once, exactly as
``eval_trends.py`` does (same minutes, bot decoys, volume floor and embeddings), and each
topic's voices per membership segment are pickled under ``--cache``; grouping does not depend on
the detector, so a sweep then only re-runs the detector. Every ``--set`` (comma-separated
``EmergenceParams`` fields; none: the defaults) prints precision, recall and median delay over
all streams and by rate, scored as ``eval_trends.py`` scores ``trendwatch topics``.

The default seeds are training seeds: ``eval_trends.py`` evaluates seeds 1, 2 and 3, which must
never be used to choose parameters.

Each ``--set`` is logged in the MLflow store of ``--state`` (experiment ``trend-detector``: the
parameters, the streams' arguments, each cached stream's hash, the scores).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from benchmarks.eval_trends import START, Stream, load_stream, score
from trendwatch.adapters.local.embedder import WordLlamaEmbedder
from trendwatch.domain.emergence import Alert, EmergenceParams, TermSeries, detect_segments, voices
from trendwatch.domain.topics import epochs

DEFAULT_SEEDS = "101,102,103,104,105,106,107,108,109,110"


@dataclass(frozen=True)
class Grouped:
    """One training stream with each topic's voices per membership segment."""

    rate: float
    stream: Stream
    topics: dict[str, list[tuple[int, TermSeries]]]


def grouped(seed: int, rate: float, minutes: int, min_rate: float, cache: Path) -> Grouped:
    path = cache / f"stream-{seed}-{rate:g}-{minutes}-{min_rate:g}.pkl"
    if path.exists():
        with path.open("rb") as stored:
            found: Grouped = pickle.load(stored)
            return found
    with tempfile.TemporaryDirectory() as scratch:
        stream = load_stream(seed, rate, minutes, min_rate, Path(scratch), WordLlamaEmbedder().embed)
    topics = {
        topic: [
            (first, voices([m for t in members for m in stream.mentions.get(t, ())], minutes, stream.bots))
            for first, members in segments
        ]
        for topic, segments in epochs(stream.history).items()
    }
    # scoring needs the truth and the membership history only
    slim = Stream(stream.truth, {}, stream.exposure, stream.history, {}, stream.bots)
    result = Grouped(rate, slim, topics)
    cache.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        pickle.dump(result, out)
    return result


def alerts(g: Grouped, params: EmergenceParams) -> list[Alert]:
    return [
        a
        for topic, segments in g.topics.items()
        for a in detect_segments(topic, segments, g.stream.exposure, START, params)
    ]


def scores(streams: Sequence[Grouped], params: EmergenceParams) -> dict[str, dict[str, float]]:
    """Precision, recall, median delay (minutes) and alert counts over all streams (``all``)
    and by rate (``3/s``...)."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    delays: dict[str, list[float]] = defaultdict(list)
    for g in streams:
        result = score(g.stream, alerts(g, params))
        for key in ("all", f"{g.rate:g}/s"):
            tallies[key][0] += result.alerts
            tallies[key][1] += result.true_alerts
            tallies[key][2] += result.planted
            delays[key] += result.delays
    return {
        key: {
            "precision": true / n if n else 0.0,
            "recall": len(delays[key]) / planted if planted else 0.0,
            "median_delay": statistics.median(delays[key]) if delays[key] else float("nan"),
            "alerts": float(n),
            "true_alerts": float(true),
        }
        for key, (n, true, planted) in tallies.items()
    }


def summary(found: dict[str, dict[str, float]]) -> str:
    return " | ".join(
        f"{key} P {m['precision']:.2f} R {m['recall']:.2f} D {m['median_delay']:.1f} "
        f"({m['true_alerts']:.0f}/{m['alerts']:.0f})"
        for key, m in found.items()
    )


def log_tuning(
    state: Path, args: argparse.Namespace, params: EmergenceParams, found: dict[str, dict[str, float]]
) -> str:
    """Log one parameter set as a run of the ``trend-detector`` experiment: every
    ``EmergenceParams`` field, the streams' arguments, the hash of each cached training stream
    and the scores (``<all or rate>/<metric>``)."""
    from trendwatch.experiments.runs import log_run, sha256_file
    from trendwatch.settings import Settings

    return log_run(
        Settings.from_env(state_dir=state),
        "trend-detector",
        run_name=",".join(args.set) if args.set else "defaults",
        params=msgspec.structs.asdict(params)
        | {"seeds": args.seeds, "rates": args.rates, "minutes": args.minutes, "min_rate": args.min_rate},
        metrics={
            f"{key.replace('/s', '_per_s')}/{name}": value
            for key, values in found.items()
            for name, value in values.items()
        },
        data={path.name: sha256_file(path) for path in sorted(args.cache.glob("stream-*.pkl"))},
    )


def parse_params(text: str) -> EmergenceParams:
    fields = dict(pair.split("=", 1) for pair in text.split(",") if pair)
    return msgspec.convert(fields, EmergenceParams, strict=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", default=DEFAULT_SEEDS)
    parser.add_argument("--rates", default="1,3,10", help="stream rates in tweets/s")
    parser.add_argument("--minutes", type=int, default=480)
    parser.add_argument("--min-rate", type=float, default=5.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "trendwatch-tune")
    parser.add_argument("--set", action="append", default=[], help="EmergenceParams fields, e.g. threshold=7")
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(".trendwatch"),
        help="state folder whose MLflow store logs each --set",
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    if {1, 2, 3} & set(seeds):
        parser.error("seeds 1, 2 and 3 are the evaluated ones: tune on others")
    started = time.perf_counter()
    streams = [
        grouped(seed, float(rate), args.minutes, args.min_rate, args.cache)
        for seed in seeds
        for rate in args.rates.split(",")
    ]
    print(f"{len(streams)} streams ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    for text in args.set or [""]:
        params = parse_params(text)
        found = scores(streams, params)
        print(f"{text or 'defaults'}: {summary(found)}", flush=True)
        print(f"logged as run {log_tuning(args.state, args, params, found)} in {args.state}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
