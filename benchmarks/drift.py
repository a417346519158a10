"""Drift detection: thresholds chosen on stationary training seeds, then false alarms and detection
measured on held-out seeds.

Usage: ``python benchmarks/drift.py [--minutes M] [--rate R]``

1. Choose: streams of the training seeds 2001-2010 without any shift; each metric's threshold is
   twice the largest value it took on them, and for a PSI at least 0.1 (the lower end of the
   usual "moderate shift" band; 0.2 is "significant"). Nothing shifted is looked at here.
2. Evaluate on the held-out seeds 1-5: the stationary stream (any metric flagged is a false
   alarm), the stream whose language mix changes halfway and the one whose sentiment mix does
   (flagged when the metric of the mix that changed is, or any metric is).

Each stream is stored as :mod:`trendwatch.evaluation.drift` does (enrich-text and aggregate, no
images) and compared second half against first half, as ``trendwatch drift`` does; a PSI is
flagged above its threshold or, on windows too small for it, above its noise floor
(:func:`trendwatch.domain.drift.psi_noise_floor`). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendwatch.domain.drift import (
    DEFAULT_THRESHOLDS,
    EMBEDDING_SHIFT,
    LANGUAGE,
    NEW_TOKEN_RATE,
    SENTIMENT_PREFIX,
)
from trendwatch.evaluation.drift import Run, Shift, stream_drift

TRAINING_SEEDS = tuple(range(2001, 2011))
HELD_OUT_SEEDS = (1, 2, 3, 4, 5)
#: The PSI floor of a chosen threshold, and the margin over the stationary maximum.
PSI_FLOOR = 0.1
MARGIN = 2.0
#: Which metrics say that the planted shift was seen: the mix that changed.
SHIFT_METRICS: Mapping[Shift, tuple[str, ...]] = {
    "lang": (LANGUAGE,),
    "sentiment": (SENTIMENT_PREFIX,),
}


def _key(metric: str) -> str:
    """The threshold a metric uses: per-language sentiment metrics share one."""
    return SENTIMENT_PREFIX if metric.startswith(SENTIMENT_PREFIX) else metric


def _run(
    seed: int,
    shift: Shift | None,
    minutes: int,
    rate: float,
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        report = stream_drift(
            Path(scratch), seed, minutes=minutes, rate=rate, shift=shift, thresholds=thresholds
        )
    print(f"seed {seed} shift {shift}: {len(report.metrics)} metrics", file=sys.stderr)
    return Run.of(seed, shift, report)


def choose_thresholds(stationary: Sequence[Run]) -> dict[str, float]:
    """Twice each metric's stationary maximum, at least :data:`PSI_FLOOR` for a PSI."""
    maxima: dict[str, float] = {}
    for run in stationary:
        for metric, value in run.values.items():
            maxima[_key(metric)] = max(maxima.get(_key(metric), 0.0), value)
    chosen = {}
    for metric, top in maxima.items():
        floor = 0.0 if metric in (EMBEDDING_SHIFT, NEW_TOKEN_RATE) else PSI_FLOOR
        chosen[metric] = round(max(floor, MARGIN * top), 3)
    return chosen


def _caught(run: Run) -> dict[str, bool]:
    assert run.shift is not None
    return {
        "its_mix": any(f.startswith(m) for f in run.flagged for m in SHIFT_METRICS[run.shift]),
        "any": bool(run.flagged),
    }


def evaluate(runs: Sequence[Run]) -> dict[str, Any]:
    stationary = [r for r in runs if r.shift is None]
    alarms = {r.seed: list(r.flagged) for r in stationary}
    result: dict[str, Any] = {
        "stationary_streams": len(stationary),
        "false_alarm_streams": sum(bool(f) for f in alarms.values()),
        "false_alarm_metrics": {seed: f for seed, f in alarms.items() if f},
        "metric_comparisons": sum(len(r.values) for r in stationary),
    }
    for shift in SHIFT_METRICS:
        shifted = [r for r in runs if r.shift == shift]
        caught = [_caught(r) for r in shifted]
        result[f"{shift}_shift"] = {
            "streams": len(shifted),
            "flagged_by_its_mix": sum(c["its_mix"] for c in caught),
            "flagged_at_all": sum(c["any"] for c in caught),
            "flagged_metrics": {r.seed: list(r.flagged) for r in shifted},
        }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=24)
    parser.add_argument("--rate", type=float, default=1.0)
    args = parser.parse_args(argv)
    training = [_run(seed, None, args.minutes, args.rate) for seed in TRAINING_SEEDS]
    chosen = choose_thresholds(training)
    held_out = [
        _run(seed, shift, args.minutes, args.rate, chosen)
        for seed in HELD_OUT_SEEDS
        for shift in (None, "lang", "sentiment")
    ]
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, Python {platform.python_version()}",
                "stream": {"minutes": args.minutes, "rate": args.rate},
                "training_stationary_values": [{"seed": r.seed, **r.values} for r in training],
                "chosen_thresholds": chosen,
                "chosen_are_the_defaults": all(DEFAULT_THRESHOLDS.get(k) == v for k, v in chosen.items()),
                "held_out": evaluate(held_out),
                "held_out_values": [
                    {"seed": r.seed, "shift": r.shift, **{k: round(v, 4) for k, v in r.values.items()}}
                    for r in held_out
                ],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
