"""Emerging topics on the adversarial generator, scored strictly (``trendwatch.evaluation.adversarial``).

Usage: ``python benchmarks/eval_adversarial.py [--seeds 1,2,3 | --training] [--minutes 120] [--rate 5]
[--write-docs docs/evaluation.md]``

For each seed a stream is generated, its products feed loaded and the stream replayed through
the real pipeline (``trendwatch feed``, ``trendwatch replay``) into a fresh temporary state;
``trendwatch topics --json`` is then scored by :func:`trendwatch.evaluation.adversarial.scoring.score`.
The default seeds are the held-out ones, which must never be tuned on; ``--training`` scores
the seeds tuning may use.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from trendwatch.evaluation.adversarial import HELD_OUT_SEEDS, TRAINING_SEEDS, generate, read_truth
from trendwatch.evaluation.adversarial.scoring import SeedScore, as_rows, overall, read_topics, score
from trendwatch.reporting import replace_section

HEADING = "## Emerging topics on the adversarial generator"
TOPIC_LIMIT = 1000


def _cli(*args: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-m", "trendwatch.cli", *args], check=True, capture_output=True
    ).stdout


def run_seed(seed: int, minutes: int, rate: float, work: Path) -> tuple[SeedScore, int]:
    """Generate, load, replay and score one seed; returns the score and the stream's tweet count."""
    summary = generate(seed, minutes, rate, work / f"seed-{seed}")
    state = str(work / f"state-{seed}")
    _cli("feed", str(summary.products_path), "--kind", "products", "--state", state)
    _cli("replay", str(summary.tweets_path), "--state", state)
    topics = read_topics(_cli("topics", "--state", state, "--json", "--limit", str(TOPIC_LIMIT)))
    return score(seed, read_truth(summary.truth_path), topics), summary.tweets


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _minutes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def render(scores: list[tuple[SeedScore, int]], minutes: int, rate: float, held_out: bool) -> str:
    """The docs section: the data, the table per seed and overall, and each seed's topics."""
    total = overall([s for s, _ in scores])
    lines = [
        HEADING,
        "",
        f"Streams from `python -m trendwatch.evaluation.adversarial` ({'held-out' if held_out else 'chosen'} seeds "
        f"{', '.join(str(s.seed) for s, _ in scores)}; {minutes} minutes each at an average background rate of "
        f"{rate:g} tweets/s; {sum(n for _, n in scores):,} tweets in all), replayed through the pipeline "
        f"(`trendwatch feed` for the products, `trendwatch replay`) and scored from `trendwatch topics --json` "
        f"by `benchmarks/eval_adversarial.py` on {datetime.now(UTC):%Y-%m-%d}, {platform.machine()} "
        f"with {os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "Each stream plants five small trends (gradual, step, short burst, a bilingual trend joined only by a hashtag, "
        "a trend made of words the background already uses) among decoys that must not be reported: a bot ring "
        "ramping its own hashtag, copy-paste accounts, promotion accounts, a steady popular hashtag, a global "
        "volume surge and a celebrity's retweet cascade. A topic is true only if it names a trend's subject "
        "(filler words do not count) no earlier than two minutes before its onset; later topics for the same "
        "trend are fragments and count false; a topic naming a decoy counts false and is named below.",
        "",
        "| seed | tweets | topics | true | fragments | decoys | precision | recall | median delay (min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s, tweets in scores:
        median = sorted(s.delays.values())[len(s.delays) // 2] if s.delays else None
        lines.append(
            f"| {s.seed} | {tweets:,} | {s.reported} | {s.true_topics} | {s.fragments} | {len(s.decoys)} "
            f"| {_pct(s.precision)} | {_pct(s.recall)} | {_minutes(median)} |"
        )
    lines.append(
        f"| **all** | {sum(n for _, n in scores):,} | {total.reported} | {total.true_topics} | {total.fragments} "
        f"| {total.decoys} | **{_pct(total.precision)}** | **{_pct(total.recall)}** "
        f"| **{_minutes(total.median_delay)}** |"
    )
    lines += [
        "",
        "Targets: precision at least 0.8, recall at least 0.9, no decoy reported, median delay at most 10 minutes.",
        "",
    ]
    for s, _ in scores:
        decoys = ", ".join(sorted(set(s.decoys))) or "none"
        lines += [
            f"Seed {s.seed} (decoys reported: {decoys}):",
            "",
            "| topic | voices | first detected | verdict |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['label']} | {r['voices']:.0f} | {r['first_detected']} | {r['verdict']} {r['names']} |".replace(
                " |", " |"
            )
            for r in as_rows(s)
        ] or ["| (none) | | | |"]
        lines.append("")
    return "\n".join(lines)


def _seeds(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--seeds", type=_seeds, default=None, help="comma-separated seeds (default: the held-out seeds)"
    )
    group.add_argument(
        "--training",
        action="store_true",
        help=f"score the training seeds {TRAINING_SEEDS[0]}-{TRAINING_SEEDS[-1]}",
    )
    parser.add_argument(
        "--minutes", type=int, default=120, help="event-time length of each stream (default: 120)"
    )
    parser.add_argument("--rate", type=float, default=5.0, help="average background tweets/s (default: 5.0)")
    parser.add_argument(
        "--write-docs", type=Path, default=None, help="replace this section of the given Markdown file"
    )
    args = parser.parse_args(argv)
    seeds = TRAINING_SEEDS if args.training else args.seeds or HELD_OUT_SEEDS
    scores = []
    with tempfile.TemporaryDirectory(prefix="adversarial-") as work:
        for seed in seeds:
            scores.append(run_seed(seed, args.minutes, args.rate, Path(work)))
            print(f"seed {seed}: {scores[-1][0].reported} topics", file=sys.stderr, flush=True)
    section = render(scores, args.minutes, args.rate, held_out=set(seeds) <= set(HELD_OUT_SEEDS))
    print(section)
    if args.write_docs:
        replace_section(args.write_docs, section)


if __name__ == "__main__":
    main()
