"""Demand forecasts and restock recommendations against the generator's truth (issue 17's targets).

Usage: ``python benchmarks/eval_supply.py [--seeds 1,2,3 | --training] [--history-days 120]
[--minutes 30] [--rate 1] [--origin-step 2] [--jobs 1] [--work DIR] [--prepare-only]
[--write-docs docs/evaluation.md]``

For each seed a run is generated with weeks of retail history (``generate(seed, minutes, rate,
out, history_days=N)``: eight past trends with onsets spread over the history, the stream's
planted topics as live trends, the true demand of every day and of the 14 days after the
stream's day; the defaults are the settings the forecasting models are tuned with on the
training seeds: 120 days of history, a 30-minute stream at 1 tweet/s) and loaded through the
real pipeline into a fresh state, as the demo does: the feed files in the order the truth
lists them, the stream day's stock events, then the history's tweets and the stream in one
replay (image OCR off, as in the supply end-to-end test: text read from photos is not what
these figures measure, and it would slow the replay down). Then:

* **Forecast accuracy.** The daily job's own inputs (:meth:`SupplyJob.inputs` for the day
  after the stream's day: the demand history with its censored days, the products' social
  series built from the pipeline's tweets, the catalogue) go into the library's rolling-origin
  backtest (:func:`trendwatch.forecasting.backtest.backtest`, the models the job fits, on SKU
  totals), with origins every ``origin-step`` days from each past trend's onset day to four
  days after it, plus the stream's day (the live trends' onset: the forecast the job makes the
  next morning). Each origin forecasts 14 days, scored against the truth's *true* demand
  (``demand_truth.csv``, not the censored sales). Trending SKUs are the truth's (past and live
  trends); a trending SKU is scored on the 7 days from its onset, by forecasts made on or
  after the onset day (what the social signal can change); other SKUs on every forecast day.
* **Restock.** :meth:`SupplyJob.run` for the day after the stream's day (projection and
  recommendations, end to end) and :func:`trendwatch.evaluation.restock.score_restock` against
  the truth's trend-caused stock-outs of the 14 days after the stream's day and the true
  demand and receipts of those days (a world where nobody acted on the recommendations).

``--work DIR`` keeps the generated runs and loaded states there and reuses them (same seed
and generator arguments); ``--prepare-only`` stops after loading. The default seeds are the
held-out ones, which must never be tuned on; ``--training`` uses the seeds tuning may use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.evaluation.restock import RestockScore, score_restock

HELD_OUT_SEEDS: tuple[int, ...] = (1, 2, 3, 4, 5)
TRAINING_SEEDS: tuple[int, ...] = tuple(range(2001, 2011))
HEADING = "## Demand forecasts and restock"
HORIZON = 14
#: Days from a trend's onset scored as trending (issue 17: "the 7 days after a planted onset").
TREND_DAYS = 7
#: The last origin after a past trend's onset day (its forecasts still reach onset + 6).
LAST_ORIGIN_AFTER_ONSET = 4
#: Days of history an origin needs (a trend earlier in the history is not scored): four weeks,
#: the weekly pattern seen four times (the seasonal baseline cannot fit on a few days).
MIN_ORIGIN_HISTORY = 28
#: The pipeline's settings for these runs: image OCR off.
PIPELINE_ENV = {"TRENDWATCH_IMAGE_OCR": "false"}
PREPARED = "prepared.json"


# -- scoring helpers (pure: unit-tested) ---------------------------------------------------------


@dataclass
class Errors:
    """Sums behind WAPE and coverage for one subset of SKU-days (add them up over seeds)."""

    days: int = 0
    actual: float = 0.0
    error_social: float = 0.0
    error_baseline: float = 0.0
    covered_social: int = 0
    covered_baseline: int = 0

    def __add__(self, other: Errors) -> Errors:
        return Errors(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Errors)))

    @property
    def wape_social(self) -> float | None:
        return self.error_social / self.actual if self.actual > 0 else None

    @property
    def wape_baseline(self) -> float | None:
        return self.error_baseline / self.actual if self.actual > 0 else None

    @property
    def wape_ratio(self) -> float | None:
        """Social WAPE over baseline WAPE (the same SKU-days)."""
        return self.error_social / self.error_baseline if self.error_baseline > 0 and self.days else None

    @property
    def coverage_social(self) -> float | None:
        return self.covered_social / self.days if self.days else None

    @property
    def coverage_baseline(self) -> float | None:
        return self.covered_baseline / self.days if self.days else None


def trend_onsets(trends: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """``sku, onset, kind, topic_id``: one row per trend and SKU of the truth's trend list."""
    rows = [
        {"sku": str(sku), "onset": pd.Timestamp(t["onset_day"]), "kind": t["kind"], "topic_id": t["topic_id"]}
        for t in trends
        for sku in t["skus"]
    ]
    return pd.DataFrame(rows, columns=["sku", "onset", "kind", "topic_id"])


def trending_window(
    forecasts: pd.DataFrame, onsets: pd.DataFrame, days: int = TREND_DAYS, kind: str | None = None
) -> npt.NDArray[np.bool_]:
    """Per forecast row (``unique_id, ds, cutoff``): a trending SKU's day in ``onset .. onset +
    days - 1`` forecast on or after the onset day (``cutoff >= onset``), for any of its trends
    (of ``kind`` only, when given)."""
    chosen = onsets if kind is None else onsets[onsets["kind"] == kind]
    mask = np.zeros(len(forecasts), dtype=bool)
    if not len(forecasts) or not len(chosen):
        return mask
    rows = pd.DataFrame(
        {
            "row": np.arange(len(forecasts)),
            "sku": forecasts["unique_id"].astype(str).to_numpy(),
            "ds": pd.to_datetime(forecasts["ds"]).to_numpy(),
            "cutoff": pd.to_datetime(forecasts["cutoff"]).to_numpy(),
        }
    )
    pairs = rows.merge(chosen[["sku", "onset"]].assign(sku=chosen["sku"].astype(str)), on="sku")
    onset = pd.to_datetime(pairs["onset"]).to_numpy()
    inside = (
        (pairs["ds"].to_numpy() >= onset)
        & (pairs["ds"].to_numpy() < onset + np.timedelta64(days, "D"))
        & (pairs["cutoff"].to_numpy() >= onset)
    )
    mask[pairs["row"].to_numpy()[inside]] = True
    return mask


def other_rows(forecasts: pd.DataFrame, onsets: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Rows of SKUs that no trend names, in any of its days."""
    named = forecasts["unique_id"].astype(str).isin(set(onsets["sku"].astype(str)))
    return np.asarray(~named.to_numpy(dtype=bool), dtype=np.bool_)


def errors(forecasts: pd.DataFrame, mask: npt.NDArray[np.bool_], social: str, baseline: str) -> Errors:
    """The sums for the rows in ``mask``; ``social`` and ``baseline`` name the p50 columns, whose
    p10/p90 are ``<name>-lo-80`` and ``<name>-hi-80``."""
    part = forecasts.loc[mask]
    y = part["y"].to_numpy(dtype=np.float64)

    def covered(name: str) -> int:
        lo, hi = part[f"{name}-lo-80"].to_numpy(np.float64), part[f"{name}-hi-80"].to_numpy(np.float64)
        return int(((y >= lo) & (y <= hi)).sum())

    return Errors(
        days=len(part),
        actual=float(y.sum()),
        error_social=float(np.abs(y - part[social].to_numpy(np.float64)).sum()),
        error_baseline=float(np.abs(y - part[baseline].to_numpy(np.float64)).sum()),
        covered_social=covered(social),
        covered_baseline=covered(baseline),
    )


def origins_for(
    onsets: pd.DataFrame, first_day: date, stream_day: date, step: int, min_history: int = MIN_ORIGIN_HISTORY
) -> list[pd.Timestamp]:
    """Every ``step`` days from each past trend's onset day to ``LAST_ORIGIN_AFTER_ONSET`` days
    after it, and the stream's day; none with fewer than ``min_history`` days of history (from
    ``first_day`` to the origin, included) or after the stream's day; sorted, once each."""
    stream, earliest = pd.Timestamp(stream_day), pd.Timestamp(first_day) + pd.Timedelta(days=min_history - 1)
    found = {stream}
    for onset in onsets.loc[onsets["kind"] == "past", "onset"].drop_duplicates():
        for k in range(0, LAST_ORIGIN_AFTER_ONSET + 1, step):
            day = pd.Timestamp(onset) + pd.Timedelta(days=k)
            if earliest <= day <= stream:
                found.add(day)
    return sorted(found)


def true_sku_demand(demand_truth: pd.DataFrame) -> pd.DataFrame:
    """``unique_id, ds, y``: each SKU's true demand per day over its locations."""
    totals = demand_truth.groupby(["sku", "date"], as_index=False)["demand"].sum()
    return pd.DataFrame(
        {
            "unique_id": totals["sku"].astype(str),
            "ds": pd.to_datetime(totals["date"]),
            "y": totals["demand"].astype(np.float64),
        }
    )


def future_actuals(demand_truth: pd.DataFrame, stream_day: date) -> pd.DataFrame:
    """``sku, location_id, date, demand, receipts`` for the days after the stream's day (no new
    order placed): receipts are what the stock gained beyond the sales, ``on_hand(d) -
    on_hand(d - 1) + sales(d)``."""
    frame = demand_truth.assign(date=pd.to_datetime(demand_truth["date"]))
    frame = frame[frame["date"] >= pd.Timestamp(stream_day)].sort_values(["sku", "location_id", "date"])
    before = frame.groupby(["sku", "location_id"])["on_hand"].shift(1)
    frame = frame.assign(receipts=frame["on_hand"] - before + frame["sales"])
    future = frame[frame["date"] > pd.Timestamp(stream_day)]
    return future[["sku", "location_id", "date", "demand", "receipts"]].reset_index(drop=True)


def job_difference(
    forecasts: pd.DataFrame, stored: pd.DataFrame, stream_day: date, social: str, baseline: str
) -> float | None:
    """The largest absolute difference between the job's stored SKU totals (``sku,
    forecast_date, p50, baseline_p50``) and the backtest's forecasts from the stream's day, both
    models: zero when the backtest runs the job's models on the job's inputs."""
    ours = forecasts[pd.to_datetime(forecasts["cutoff"]) == pd.Timestamp(stream_day)]
    theirs = stored.assign(unique_id=stored["sku"].astype(str), ds=pd.to_datetime(stored["forecast_date"]))
    both = ours.merge(theirs, on=["unique_id", "ds"], how="inner")
    if both.empty:
        return None
    return float(
        max(
            np.abs(both[social].to_numpy(np.float64) - both["p50"].to_numpy(np.float64)).max(),
            np.abs(both[baseline].to_numpy(np.float64) - both["baseline_p50"].to_numpy(np.float64)).max(),
        )
    )


def as_scored(recommendations: pd.DataFrame) -> pd.DataFrame:
    """The job's stored recommendations with ``as_of`` the day they were computed as of.

    The job's ``as_of`` is the day it plans for; :func:`recommend_restock` ran as of the end of
    the day before (its stock, order and arrival days count from there), which is the
    ``as_of`` :func:`score_restock` replays from.
    """
    days = pd.to_datetime(recommendations["as_of"]) - pd.Timedelta(days=1)
    return recommendations.assign(as_of=days.dt.date)


# -- one seed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    minutes: int
    rate: float
    history_days: int


DEFAULT_GENERATION = Generation(minutes=30, rate=1.0, history_days=120)


@dataclass
class SeedResult:
    seed: int
    stream_day: date
    past_trends: int
    live_trends: int
    origins: int
    tweets: int
    subsets: dict[str, Errors] = field(default_factory=dict)
    restock: RestockScore | None = None
    restock_runs: int = 0
    library: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: The largest difference between the job's SKU-total p50 and the backtest's from the same day.
    job_difference: float | None = None


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "shared/trendwatch/forecasting", "shared/trendwatch/app"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out + (" (with uncommitted changes in forecasting/ or app/)" if dirty else "")


def prepare(seed: int, gen: Generation, work: Path) -> tuple[Path, Path]:
    """Generate the seed's run and load it through the pipeline (reused when already done with
    the same arguments); returns the run's folder and the state folder."""
    from trendwatch.cli.pipeline import demo_replay_file, load_generated_feeds, publish_stock_events
    from trendwatch.generator import generate
    from trendwatch.runtime.local import LocalPipeline
    from trendwatch.settings import Settings

    data, state = work / f"seed-{seed}" / "data", work / f"seed-{seed}" / "state"
    marker = work / f"seed-{seed}" / PREPARED
    wanted = {"seed": seed, **vars(gen), "pipeline_env": PIPELINE_ENV}
    if marker.exists() and json.loads(marker.read_text())["arguments"] == wanted:
        return data, state
    for folder in (data, state):
        if folder.exists():
            raise SystemExit(f"{folder} exists without a matching {PREPARED}: remove it first")
    started = time.perf_counter()
    summary = generate(seed, gen.minutes, gen.rate, data, history_days=gen.history_days)
    pipeline = LocalPipeline(Settings.from_env(PIPELINE_ENV, state_dir=state))
    try:
        load_generated_feeds(pipeline, data)
        if summary.stock_events_path is not None:
            publish_stock_events(pipeline, summary.stock_events_path)
        pipeline.replay(demo_replay_file(data))
    finally:
        pipeline.close()
    marker.write_text(
        json.dumps(
            {
                "arguments": wanted,
                "commit": _commit(),
                "prepared_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )
    return data, state


class _Discard:
    """A publisher for the job's restock messages that keeps nothing (nobody consumes them here)."""

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return "0"

    def publish_many(self, topic: str, messages: Sequence[tuple[bytes, Mapping[str, str]]]) -> list[str]:
        return ["0"] * len(messages)


def score_seed(seed: int, data: Path, state: Path, origin_step: int) -> SeedResult:
    from trendwatch.adapters.local.clock import SystemClock
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse
    from trendwatch.app.supply import SupplyJob
    from trendwatch.forecasting.backtest import backtest
    from trendwatch.forecasting.models import DEFAULT_BASELINE, DEFAULT_SOCIAL

    truth = json.loads((data / "truth.json").read_text())
    history = truth["history"]
    stream_day = date.fromisoformat(history["stream_day"])
    onsets = trend_onsets(history["trends"])
    demand_truth = pd.read_csv(data / history["demand_truth"])
    kinds = [t["kind"] for t in history["trends"]]
    origins = origins_for(onsets, date.fromisoformat(history["first_day"]), stream_day, origin_step)
    result = SeedResult(
        seed,
        stream_day,
        kinds.count("past"),
        kinds.count("live"),
        len(origins),
        int(truth["counts"]["tweets"]) + int((history.get("tweets") or {}).get("tweets", 0)),
    )

    warehouse = DuckDBWarehouse(state / "warehouse.duckdb")
    try:
        job = SupplyJob(warehouse, _Discard(), SystemClock())
        clock = time.perf_counter()
        demand, social, products = job.inputs(stream_day + timedelta(days=1))
        run = backtest(
            demand,
            social,
            products,
            origins,
            HORIZON,
            trending=onsets[["sku", "onset"]],
            actuals=true_sku_demand(demand_truth),
            trend_days=TREND_DAYS,
        )
        result.seconds["backtest"] = time.perf_counter() - clock
        fc = run.forecasts
        social_col, baseline_col = f"social:{DEFAULT_SOCIAL}", f"baseline:{DEFAULT_BASELINE}"
        masks = {
            "trending": trending_window(fc, onsets),
            "trending_past": trending_window(fc, onsets, kind="past"),
            "trending_live": trending_window(fc, onsets, kind="live"),
            "other": other_rows(fc, onsets),
            "all": np.ones(len(fc), dtype=bool),
        }
        result.subsets = {name: errors(fc, mask, social_col, baseline_col) for name, mask in masks.items()}
        result.library = {
            f"{m['kind']}:{m['metric']}": float(m["value"]) for m in run.metrics.to_dict("records")
        }

        clock = time.perf_counter()
        as_of = stream_day + timedelta(days=1)
        job.run(as_of, rerun=True)
        result.seconds["job"] = time.perf_counter() - clock
        recommendations = warehouse.query_arrow(
            "SELECT * FROM restock_recommendations WHERE as_of = @as_of", {"as_of": as_of}
        ).to_pandas()
        stored = warehouse.query_arrow(
            "SELECT sku, forecast_date, p50, baseline_p50 FROM forecasts WHERE as_of = @as_of AND location_id = '*'",
            {"as_of": as_of},
        ).to_pandas()
    finally:
        warehouse.close()
    result.job_difference = job_difference(fc, stored, stream_day, social_col, baseline_col)
    stockouts = pd.DataFrame(
        [
            {"sku": s["sku"], "location_id": s["location_id"], "stockout_date": s["day"]}
            for s in history["trend_stockouts"]
        ],
        columns=["sku", "location_id", "stockout_date"],
    )
    live_skus = onsets.loc[onsets["kind"] == "live", "sku"]
    result.restock = score_restock(
        as_scored(recommendations),
        stockouts,
        future_actuals(demand_truth, stream_day),
        [stream_day],
        trending_skus=live_skus,
        horizon_days=HORIZON,
    )
    result.restock_runs = 1
    return result


# -- report --------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _restock_total(results: Sequence[SeedResult]) -> RestockScore:
    scores = [r.restock for r in results if r.restock is not None]
    return RestockScore(*(sum(getattr(s, f.name) for s in scores) for f in fields(RestockScore)))


def _same_as_job(results: Sequence[SeedResult]) -> str:
    found = [r.job_difference for r in results if r.job_difference is not None]
    if not found:
        return ""
    return (
        "The job's own SKU-total forecasts for the day after the stream's day (`SupplyJob.run`) match the "
        f"backtest's from the stream's day: largest p50 difference {max(found):.2g} units, both models, every seed."
    )


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(results: Sequence[SeedResult], gen: Generation, origin_step: int, held_out: bool) -> str:
    from trendwatch.domain.restock import RestockSettings
    from trendwatch.forecasting.pipeline import model_infos

    social_info, baseline_info = model_infos()
    tuned = f"the settings the forecasting models are tuned with on training seeds {TRAINING_SEEDS[0]}-{TRAINING_SEEDS[-1]}; "
    total = {name: sum((r.subsets[name] for r in results), Errors()) for name in results[0].subsets}
    restock = _restock_total(results)
    seeds = ", ".join(str(r.seed) for r in results)
    trending, other, everything = total["trending"], total["other"], total["all"]
    other_ratio = other.wape_ratio
    coverage = everything.coverage_social
    lines = [
        HEADING,
        "",
        f"{'Held-out' if held_out else 'Chosen'} generator seeds {seeds}, each `trendwatch generate --seed S "
        f"--minutes {gen.minutes} --rate {gen.rate:g} --history-days {gen.history_days}` "
        f"({tuned if gen == DEFAULT_GENERATION else ''}{sum(r.tweets for r in results):,} tweets in all, history "
        "included), loaded through the local pipeline "
        "as the demo does (the feed files in the truth's order, the stream day's stock events, the history's "
        "tweets and the stream in one replay; image OCR off), then scored by `benchmarks/eval_supply.py` "
        f"(`make eval-supply`) on {datetime.now(UTC):%Y-%m-%d} at commit {_commit()}, {platform.machine()} "
        f"with {os.cpu_count()} CPUs, Python {platform.python_version()}. Models: social `{social_info.name}` "
        f"{social_info.version}, baseline `{baseline_info.name}` {baseline_info.version}.",
        "",
        "**Forecasts.** The daily job's own inputs for the day after the stream's day (the demand history "
        "with its censored days, each product's social series from the pipeline's tweets, the catalogue) go "
        "through the library's rolling-origin backtest, the models the job fits on SKU totals, from origins "
        f"every {origin_step} days from each past trend's onset day to {LAST_ORIGIN_AFTER_ONSET} days after it, "
        "plus the stream's day (the live trends' onset, the job's next-morning forecast), each with at least "
        f"{MIN_ORIGIN_HISTORY} days of history (a trend in the first weeks is scored from its later origins, or "
        "not at all); each origin forecasts "
        f"{HORIZON} days, scored against the truth's *true* demand (not the censored sales), per SKU total. "
        f"Trending SKUs are the truth's; one is scored on the {TREND_DAYS} days from its onset, by forecasts made "
        "on or after the onset day; other SKUs (never trending) on every forecast day. WAPE = sum |error| / "
        "sum demand over the SKU-days; coverage: share of SKU-days whose true demand lies in p10-p90. "
        f"{_same_as_job(results)}",
        "",
        "| target | figure | verdict |",
        "|---|---|---|",
        f"| trending SKUs, 7 days after onset: social WAPE <= 0.6 x baseline's | {_f(trending.wape_social)} vs "
        f"{_f(trending.wape_baseline)}: ratio **{_f(trending.wape_ratio, 2)}** ({trending.days:,} SKU-days) "
        f"| {_verdict(None if trending.wape_ratio is None else trending.wape_ratio <= 0.6)} |",
        f"| other SKUs: social WAPE no worse than baseline's by more than 5 % | {_f(other.wape_social)} vs "
        f"{_f(other.wape_baseline)}: ratio **{_f(other_ratio, 3)}** ({other.days:,} SKU-days) "
        f"| {_verdict(None if other_ratio is None else other_ratio <= 1.05)} |",
        f"| p10-p90 coverage 75-90 % (social model, all SKU-days) | **{_pct(coverage)}** ({everything.days:,} "
        f"SKU-days); trending days {_pct(trending.coverage_social)}; baseline {_pct(everything.coverage_baseline)} "
        f"| {_verdict(None if coverage is None else 0.75 <= coverage <= 0.90)} |",
        f"| restock: catch >= 90 % of trend-caused stock-outs | **{_pct(restock.catch_rate)}** "
        f"({restock.caught} of {restock.stockouts}) | "
        f"{_verdict(None if restock.catch_rate is None else restock.catch_rate >= 0.9)} |",
        f"| restock: >= 80 % of recommendations justified | **{_pct(restock.justified_share)}** "
        f"({restock.justified} of {restock.recommendations}); trending SKUs' "
        f"{_pct(restock.trending_justified_share)} ({restock.trending_justified} of "
        f"{restock.trending_recommendations}) | "
        f"{_verdict(None if restock.justified_share is None else restock.justified_share >= 0.8)} |",
        "",
        "Per seed (WAPE social / baseline; trending: the 7 days after onset, forecasts from the onset day on):",
        "",
        "| seed | trends past + live | origins | trending past | trending live | other | coverage all / trending "
        "| stock-outs caught | recommendations justified |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def pair(e: Errors) -> str:
        return f"{_f(e.wape_social, 2)} / {_f(e.wape_baseline, 2)} ({e.days})"

    for r in [*results, None]:
        s = r.subsets if r is not None else total
        score = (r.restock if r is not None else restock) or restock
        name = str(r.seed) if r is not None else "**all**"
        trends = (
            f"{r.past_trends} + {r.live_trends}"
            if r is not None
            else (f"{sum(x.past_trends for x in results)} + {sum(x.live_trends for x in results)}")
        )
        origins = str(r.origins) if r is not None else str(sum(x.origins for x in results))
        lines.append(
            f"| {name} | {trends} | {origins} | {pair(s['trending_past'])} | {pair(s['trending_live'])} "
            f"| {pair(s['other'])} | {_pct(s['all'].coverage_social)} / {_pct(s['trending'].coverage_social)} "
            f"| {score.caught} / {score.stockouts} | {score.justified} / {score.recommendations} |"
        )
    lines += [
        "",
        "**Restock.** The daily job (`SupplyJob.run`: reads, forecasts, stock projection, recommendations, "
        "writes) for the day after the stream's day, scored by `trendwatch.evaluation.restock.score_restock` "
        "against the truth's trend-caused stock-outs of the 14 days after the stream's day (with no new order "
        "placed, the SKU runs out at the location earlier with the live trend's uplift than without it) and the "
        "true demand and receipts of those days; a recommendation is replayed from the end of the stream's day "
        f"(the stock it was computed from). {restock.prevented_stockouts} of the {restock.recommendations} "
        "recommendations would have prevented a stock-out (the stock went below zero in their window).",
        "",
        "What these figures exercise: the real loading path (feed files, stock events, tweets through every "
        "service), the job's own inputs and models, the job's projection and recommendations, against a truth "
        "the models never saw. What they do not: forecasts per location (scored on SKU totals, the level the "
        "models fit; locations take shares of it); no trend is detected as a topic here (the replay raises no "
        "trend alert), so the social series carry talk but no days since emergence (the social model dates and "
        "sizes each SKU's surges of talk from the series itself) and no topic drives a recommendation (the talk "
        f"does: a social forecast at least {100 * RestockSettings().trend_uplift:.0f} % over the baseline's); "
        "restock is scored on one run per seed, the "
        "stream's next morning, because the "
        "history has no no-action truth (its stock-outs happened under the simulated reorder policy); the "
        "demand, its trend uplift (multiplicative, 1-3 days after the social onset, halving every 4 days) and "
        "the talk are the generator's, on a catalogue of under a hundred SKUs at four locations; and none of it "
        "is timed (the daily job at retail scale is in `docs/benchmarks.md`).",
        "",
    ]
    return "\n".join(lines)


def _print_seed(result: SeedResult) -> None:
    s = result.subsets
    restock = result.restock
    print(
        f"seed {result.seed}: origins {result.origins}, "
        + ", ".join(
            f"{name} WAPE {_f(e.wape_social)} vs {_f(e.wape_baseline)} (ratio {_f(e.wape_ratio)}, {e.days} days)"
            for name, e in s.items()
        )
        + f"; coverage {_pct(s['all'].coverage_social)}; restock "
        + (
            "n/a"
            if restock is None
            else f"caught {restock.caught}/{restock.stockouts}, "
            f"justified {restock.justified}/{restock.recommendations}"
        )
        + f"; library {json.dumps({k: round(v, 4) for k, v in result.library.items()})}"
        + f"; job vs backtest p50 max |diff| {_f(result.job_difference, 6)}"
        + f"; seconds {json.dumps({k: round(v, 1) for k, v in result.seconds.items()})}",
        file=sys.stderr,
        flush=True,
    )


def _seeds(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--seeds", type=_seeds, default=None, help="comma-separated seeds (default: held-out 1-5)"
    )
    group.add_argument(
        "--training", action="store_true", help=f"the training seeds {TRAINING_SEEDS[0]}-{TRAINING_SEEDS[-1]}"
    )
    parser.add_argument("--history-days", type=int, default=120, help="days of retail history (default: 120)")
    parser.add_argument(
        "--minutes", type=int, default=30, help="event-time length of the stream (default: 30)"
    )
    parser.add_argument(
        "--rate", type=float, default=1.0, help="average tweets/s of the stream (default: 1.0)"
    )
    parser.add_argument(
        "--origin-step", type=int, default=2, help="days between backtest origins (default: 2)"
    )
    parser.add_argument(
        "--work", type=Path, default=None, help="keep (and reuse) generated runs and states here"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="seeds prepared and scored at once, one process each (default: 1)"
    )
    parser.add_argument("--prepare-only", action="store_true", help="generate and load, score nothing")
    parser.add_argument(
        "--write-docs", type=Path, default=None, help="replace this section of the given file"
    )
    args = parser.parse_args(argv)
    seeds = TRAINING_SEEDS if args.training else args.seeds or HELD_OUT_SEEDS
    gen = Generation(args.minutes, args.rate, args.history_days)
    with tempfile.TemporaryDirectory(prefix="eval-supply-") as temporary:
        work = args.work or Path(temporary)
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            ready = [pool.submit(prepare, seed, gen, work) for seed in seeds]
            prepared = [(seed, *future.result()) for seed, future in zip(seeds, ready, strict=True)]
            print(f"seeds {', '.join(map(str, seeds))} ready", file=sys.stderr, flush=True)
            if args.prepare_only:
                return
            scored = [
                pool.submit(score_seed, seed, data, state, args.origin_step) for seed, data, state in prepared
            ]
            results = [future.result() for future in scored]
        for result in results:
            _print_seed(result)
    section = render(results, gen, args.origin_step, held_out=set(seeds) <= set(HELD_OUT_SEEDS))
    print(section)
    if args.write_docs:
        from trendwatch.reporting import replace_section

        replace_section(args.write_docs, section)


if __name__ == "__main__":
    main()
