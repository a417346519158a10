"""``python -m trendwatch.evaluation.adversarial --seed S --minutes M --rate R --out DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path

from trendwatch.evaluation.adversarial import HELD_OUT_SEEDS, TRAINING_SEEDS, generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m trendwatch.evaluation.adversarial",
        description=(
            "Write an adversarial X API v2 filtered stream (DIR/tweets.jsonl), its truth (DIR/truth.json: "
            "planted trends with onsets and subjects, decoys that must not be reported) and a products "
            "feed (DIR/feeds/products/products.csv, to load with `trendwatch feed` before replaying). "
            f"Training seeds (tuning allowed): {TRAINING_SEEDS[0]}-{TRAINING_SEEDS[-1]}; held-out seeds "
            f"(reported, never tuned on): {', '.join(map(str, HELD_OUT_SEEDS))}."
        ),
    )
    parser.add_argument("--seed", type=int, required=True, help="random seed: same seed, same files")
    parser.add_argument(
        "--minutes", type=int, default=120, help="event-time length of the stream (default: 120)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=6.0,
        help="average background tweets per second (default: 6.0; bots and trends add to it)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory to write into (created if missing)"
    )
    args = parser.parse_args(argv)
    summary = generate(args.seed, args.minutes, args.rate, args.out)
    print(f"wrote {summary.tweets} tweets to {summary.tweets_path}, truth to {summary.truth_path}")


if __name__ == "__main__":
    main()
