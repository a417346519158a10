"""Generate one adversarial stream: tweets.jsonl, truth.json and the products feed.

Every source posts as a Poisson process whose intensity changes each second: the background
follows the daily cycle times the surge, each planted trend its shape, each bot strategy its
own schedule. Celebrity posts schedule their retweet cascades into the future.
"""

from __future__ import annotations

import csv
import heapq
import io
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import count
from pathlib import Path

import msgspec

from trendwatch.evaluation.adversarial.accounts import build_population
from trendwatch.evaluation.adversarial.bots import Bots
from trendwatch.evaluation.adversarial.people import CELEBRITY_MOMENT_RETWEETS_PER_RATE, Action, People
from trendwatch.evaluation.adversarial.timing import MS_PER_MINUTE, daily_cycle, iso
from trendwatch.evaluation.adversarial.truth import (
    DecoyTruth,
    Plan,
    PlantedTrend,
    Truth,
    draw_plan,
    trend_truth,
)
from trendwatch.evaluation.adversarial.vocabulary import (
    BACKGROUND_GOODS,
    BILINGUAL_TRENDS,
    COMMON_WORD_TRENDS,
    DISTINCT_TRENDS,
)
from trendwatch.evaluation.adversarial.writer import StreamWriter

GENERATOR = "trendwatch.evaluation.adversarial 1"
#: The first stream starts at 06:00 UTC on this day; each seed starts a day and an hour later.
FIRST_START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
#: Bot volumes at their peak, as shares of the stream's average rate.
RING_PEAK_SHARE = 0.05
COPY_PASTE_SHARE = 0.025
PROMO_SHARE = 0.02
#: Ordinary accounts per tweet per second of average rate: 6 tweets/s gives 15,000 people.
PEOPLE_PER_RATE = 2500
PRODUCT_COLUMNS = ("sku", "name", "category", "brand", "price", "keywords")


class Summary(msgspec.Struct, frozen=True):
    tweets: int
    tweets_path: Path
    truth_path: Path
    products_path: Path


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: ``mean`` is at most a few dozen here)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _start_ms(seed: int) -> int:
    start = FIRST_START + timedelta(days=seed % 97, hours=seed % 5)
    return round(start.timestamp() * 1000)


def _intensities(
    plan: Plan, rate: float, cycle_mean: float, people: People, bots: Bots
) -> list[tuple[Callable[[int], float], Action]]:
    """(tweets per second at an instant, what posts one) for every independent source."""
    sources: list[tuple[Callable[[int], float], Action]] = [
        (lambda ms: rate * daily_cycle(ms) / cycle_mean * plan.surge.multiplier(ms), people.background),
        (lambda ms: rate * RING_PEAK_SHARE * plan.ring.level(ms), bots.ring),
        (lambda ms: rate * COPY_PASTE_SHARE * plan.copy.level(ms), bots.copy_paste),
        (lambda ms: rate * PROMO_SHARE * plan.promo.level(ms), bots.promo),
    ]
    for trend in plan.trends:
        sources.append((partial(_trend_rate, rate, trend), partial(people.trend, trend=trend)))
    return sources


def _trend_rate(rate: float, trend: PlantedTrend, ms: int) -> float:
    return rate * trend.share_at(ms)


def _write_products(path: Path) -> None:
    """The retailer's catalogue: every background product and every trend product, named in both languages."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PRODUCT_COLUMNS)
    for good in BACKGROUND_GOODS:
        writer.writerow(
            (
                good.sku,
                good.name.en.title(),
                good.category,
                good.brand,
                f"{good.price:.2f}",
                f"{good.name.en}|{good.name.fr}",
            )
        )
    for subject in (*DISTINCT_TRENDS, *BILINGUAL_TRENDS, *COMMON_WORD_TRENDS):
        writer.writerow(
            (
                subject.sku,
                subject.label,
                subject.category,
                subject.brand,
                f"{subject.price:.2f}",
                f"{subject.name.en}|{subject.name.fr}",
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), "utf-8")


def _decoys(plan: Plan, writer: StreamWriter, population_ids: dict[str, tuple[str, ...]]) -> list[DecoyTruth]:
    n = writer.counts
    return [
        DecoyTruth("bot_ring", f"#{plan.ring_hashtag}", (f"#{plan.ring_hashtag}",), iso(plan.ring.start_ms), None, population_ids["ring"], n["bot_ring"]),
        DecoyTruth("copy_paste", plan.copy_text.text.name(plan.copy_lang), plan.copy_text.marks, iso(plan.copy.start_ms), iso(plan.copy.end_ms or plan.end_ms), population_ids["copy_paste"], n["copy_paste"]),
        DecoyTruth("promo", plan.promo_product, (*plan.promo_product.split(), plan.promo_code), iso(plan.promo.start_ms), iso(plan.promo.end_ms or plan.end_ms), population_ids["promo"], n["promo"]),
        DecoyTruth("steady", f"#{plan.steady_hashtag}", (f"#{plan.steady_hashtag}",), iso(plan.start_ms), None, (), n["steady"]),
        DecoyTruth("surge", f"volume x{plan.surge.factor:.1f}", (), iso(plan.surge.start_ms), iso(plan.surge.end_ms)),
        DecoyTruth("celebrity", "retweet cascade", (), iso(plan.celebrity_ms), iso(plan.celebrity_ms + 12 * MS_PER_MINUTE), population_ids["celebrities"], n["celebrity"]),
    ]  # fmt: skip


def generate(seed: int, minutes: int, rate: float, out_dir: Path) -> Summary:
    """Write ``out_dir``/tweets.jsonl, truth.json and feeds/products/products.csv; same seed, same files."""
    rng = random.Random(seed)
    start_ms = _start_ms(seed)
    plan = draw_plan(rng, start_ms, minutes)
    population = build_population(rng, start_ms, max(200, round(PEOPLE_PER_RATE * rate)))
    seconds = minutes * 60
    cycle_mean = sum(daily_cycle(start_ms + s * 1000) for s in range(0, seconds, 60)) / len(
        range(0, seconds, 60)
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    tweets_path = out_dir / "tweets.jsonl"
    with tweets_path.open("wb") as out:
        writer = StreamWriter(out)
        people = People(rng, population, writer, plan)
        bots = Bots(rng, population, writer, plan)
        sources = _intensities(plan, rate, cycle_mean, people, bots)
        order = count()
        pending: list[tuple[int, int, Action]] = []
        heapq.heappush(
            pending,
            (
                plan.celebrity_ms,
                next(order),
                lambda ms: people.celebrity_post(
                    ms, round(CELEBRITY_MOMENT_RETWEETS_PER_RATE * rate), "celebrity"
                ),
            ),
        )
        for second in range(seconds):
            ms0 = start_ms + second * 1000
            for intensity, post in sources:
                for _ in range(_poisson(rng, intensity(ms0))):
                    heapq.heappush(pending, (ms0 + rng.randrange(1000), next(order), post))
            while pending and pending[0][0] < ms0 + 1000:
                ms, _, post = heapq.heappop(pending)
                for later_ms, later in post(ms) or ():
                    heapq.heappush(pending, (later_ms, next(order), later))
    ids = {
        "ring": population.ring,
        "copy_paste": population.copy_paste,
        "promo": population.promo,
        "celebrities": population.celebrities,
    }
    truth = Truth(
        generator=GENERATOR,
        seed=seed,
        minutes=minutes,
        rate=rate,
        start=iso(start_ms),
        end=iso(plan.end_ms),
        tweets=sum(writer.counts.values()),
        trends=[trend_truth(t, writer.counts[t.subject.trend_id]) for t in plan.trends],
        decoys=_decoys(plan, writer, {k: tuple(a.user_id for a in v) for k, v in ids.items()}),
    )
    truth_path = out_dir / "truth.json"
    truth.write(truth_path)
    products_path = out_dir / "feeds" / "products" / "products.csv"
    _write_products(products_path)
    return Summary(truth.tweets, tweets_path, truth_path, products_path)
