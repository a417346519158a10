"""Rolling-origin backtest of the forecasting candidates on the generator's retail history.

Usage: ``python benchmarks/backtest_forecast.py DIR [DIR ...] [--origins N] [--step D]``

Each DIR is the output of ``trendwatch generate --history-days N`` (training seeds
2001-2010 only: seeds 1-5 are held out). Read from it:

- demand: ``feeds/orders/*.jsonl`` and ``feeds/inventory/*.csv`` (a resent snapshot replaces
  the first; rows that do not parse are left out) through ``daily_demand``;
- products and categories: ``feeds/products/products.csv``;
- social, **a stand-in** for the pipeline's topic features: per product and day, the
  distinct authors (``voices``), tweets and followers (``reach``) of the history's and the
  stream's tweets whose text contains one of the product's keywords, its brand name alone
  left out (a brand is not a product); no sentiment, bot share or emergence;
- trends (``truth.json``'s history: past and live trends, their SKUs and onset day) and the
  true demand (``demand_truth.csv``, censored days and the 14 days after the stream included)
  as the actuals.

Origins: every ``step`` days back from the stream's day (the last one sees the live trends'
onset and is scored on the true demand of the 14 days after it).

The run is logged in the MLflow store of ``--state`` (experiment ``forecast-backtest``: the
arguments, each seed folder's hash and the candidates' metrics over the seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.domain.feeds import MAX_ORDER_LINE_QUANTITY, MAX_STOCK_COUNT
from trendwatch.forecasting.backtest import backtest
from trendwatch.forecasting.demand import daily_demand
from trendwatch.forecasting.models import DEFAULT_SOCIAL


def _orders(folder: Path, skus: set[str]) -> pd.DataFrame:
    """Order lines as the loader keeps them: known SKU, whole quantity in bounds, a parseable
    time, the first of repeated (order, line) keys."""
    rows = []
    for path in sorted((folder / "feeds" / "orders").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                rows.append(
                    (
                        str(row["order_id"]),
                        int(row["line_number"]),
                        str(row["sku"]),
                        str(row["location_id"]),
                        str(row["ordered_at"]),
                        float(row["quantity"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue
    frame = pd.DataFrame(
        rows, columns=["order_id", "line_number", "sku", "location_id", "ordered_at", "quantity"]
    )
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True, errors="coerce")
    keep = (
        frame["ordered_at"].notna()
        & frame["sku"].isin(skus)
        & (frame["quantity"] >= 0)
        & (frame["quantity"] <= MAX_ORDER_LINE_QUANTITY)
    )
    return frame[keep].drop_duplicates(["order_id", "line_number"], keep="first")


def _snapshots(folder: Path, skus: set[str]) -> pd.DataFrame:
    """Snapshots as the loader keeps them; a re-sent snapshot never replaces the first."""
    paths = sorted(
        (folder / "feeds" / "inventory").glob("*.csv"), key=lambda p: (p.stem.endswith("_resent"), p.name)
    )
    frame = pd.concat([pd.read_csv(p, dtype=str) for p in paths], ignore_index=True)
    frame["on_hand"] = pd.to_numeric(frame["on_hand"], errors="coerce")
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"], format="%Y-%m-%d", errors="coerce")
    frame = frame.dropna(subset=["on_hand", "snapshot_date", "sku", "location_id"])
    frame = frame[frame["sku"].isin(skus) & (frame["on_hand"] >= 0) & (frame["on_hand"] <= MAX_STOCK_COUNT)]
    return frame.drop_duplicates(["snapshot_date", "sku", "location_id"], keep="first")


def _social(folder: Path, products: pd.DataFrame) -> pd.DataFrame:
    keywords: dict[str, list[str]] = {}
    for sku, brand, words in zip(products["sku"], products["brand"], products["keywords"], strict=True):
        for word in str(words).split("|"):
            if word and word.lower() != str(brand).lower():
                keywords.setdefault(word.lower(), []).append(sku)
    rows = []
    for name in ("history/tweets.jsonl", "tweets.jsonl"):
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            post = json.loads(line)
            data = post["data"]
            text = data["text"].lower()
            users = {u["id"]: u for u in post.get("includes", {}).get("users", [])}
            followers = users.get(data["author_id"], {}).get("public_metrics", {}).get("followers_count", 0)
            skus = {sku for word, found in keywords.items() if word in text for sku in found}
            for sku in skus:
                rows.append((sku, data["created_at"][:10], data["author_id"], followers))
    tweets = pd.DataFrame(rows, columns=["sku", "date", "author", "followers"])
    per_author = tweets.groupby(["sku", "date", "author"]).agg(
        tweets=("followers", "size"), followers=("followers", "max")
    )
    daily = per_author.groupby(["sku", "date"]).agg(
        voices=("tweets", "size"), tweets=("tweets", "sum"), reach=("followers", "sum")
    )
    daily = daily.reset_index()
    daily["date"] = pd.to_datetime(daily["date"])
    daily["sentiment_avg"] = float("nan")
    daily["bot_share"] = 0.0
    daily["days_since_emergence"] = float("nan")
    return daily


def run(
    folder: Path, origins: int, step: int, baselines: list[str], social_models: list[str]
) -> pd.DataFrame:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))["history"]
    first, stream_day = pd.Timestamp(truth["first_day"]), pd.Timestamp(truth["stream_day"])
    products = pd.read_csv(folder / "feeds" / "products" / "products.csv", dtype=str)
    skus = set(products["sku"])
    demand = daily_demand(_orders(folder, skus), _snapshots(folder, skus), first, stream_day)
    social = _social(folder, products)
    trending = pd.DataFrame(
        [(sku, t["onset_day"]) for t in truth["trends"] for sku in t["skus"]], columns=["sku", "onset"]
    )
    true = pd.read_csv(folder / "demand_truth.csv", usecols=["date", "sku", "demand"])
    actuals = true.groupby(["sku", "date"], as_index=False)["demand"].sum()
    actuals = actuals.rename(columns={"sku": "unique_id", "date": "ds", "demand": "y"})
    cut = [stream_day - pd.Timedelta(days=step * k) for k in reversed(range(origins))]
    result = backtest(
        demand,
        social,
        products,
        cut,
        trending=trending,
        actuals=actuals,
        baselines=baselines,
        social_models=social_models,
    )
    return result.metrics.assign(seed=folder.name)


def log_backtest(state: Path, args: argparse.Namespace, pooled: pd.DataFrame) -> str:
    """Log the backtest as a run of the ``forecast-backtest`` experiment: its arguments, the
    hashes of each seed's files and every candidate's metrics averaged over the seeds
    (``<kind>/<model>/<metric>``)."""
    from trendwatch.experiments.runs import log_run, sha256_files
    from trendwatch.settings import Settings

    metrics = {
        f"{kind}/{model}/{metric}": float(value)
        for (kind, model), row in pooled.iterrows()
        for metric, value in row.items()
        if pd.notna(value)
    }
    return log_run(
        Settings.from_env(state_dir=state),
        "forecast-backtest",
        run_name=",".join(folder.name for folder in args.dirs),
        params={
            "origins": args.origins,
            "step": args.step,
            "baselines": args.baselines,
            "social": args.social,
        },
        metrics=metrics,
        data={
            folder.name: sha256_files(sorted(p for p in folder.rglob("*") if p.is_file()))
            for folder in args.dirs
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument(
        "--state", type=Path, default=Path(".trendwatch"), help="state folder whose MLflow store logs the run"
    )
    parser.add_argument("--origins", type=int, default=24)
    parser.add_argument("--step", type=int, default=2)
    parser.add_argument("--baselines", default="AutoETS-additive,SeasonalNaive,CrostonOptimized")
    parser.add_argument(
        "--social", default=f"{DEFAULT_SOCIAL},{DEFAULT_SOCIAL}-nosocial,lgbm-baseline-residual,lgbm-log"
    )
    args = parser.parse_args(argv)
    frames = []
    for folder in args.dirs:
        t0 = time.perf_counter()
        frames.append(run(folder, args.origins, args.step, args.baselines.split(","), args.social.split(",")))
        seed = frames[-1].pivot_table(index=["kind", "model"], columns="metric", values="value")
        print(f"{folder.name} ({time.perf_counter() - t0:.0f} s):\n{seed.round(3).to_string()}\n", flush=True)
    metrics = pd.concat(frames, ignore_index=True)
    pooled = metrics.pivot_table(index=["kind", "model"], columns="metric", values="value", aggfunc="mean")
    pd.set_option("display.width", 200)
    print("Mean over seeds:")
    print(pooled.round(3).to_string())
    print(f"logged as run {log_backtest(args.state, args, pooled)} in {args.state}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
