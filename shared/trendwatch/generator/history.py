"""Retail history before the stream, and the true future after it: a daily stock-flow simulation.

Every SKU x location (the catalogue, plus a handful of products launched during the history)
has a true daily demand::

    mean = base (per product, by category; the web warehouse sells more than a store)
           x weekly pattern (stores peak on Saturday, the web on Sunday and Monday)
           x promotion (3-7 days, a price cut the order lines show; only in the history)
           x (1 + trend uplift)
    demand = base part + trend part, each negative binomial (Poisson-gamma) around its mean

The trend uplift of a trend's linked SKUs (every location) starts ``lag_days`` (1-3) days
after its social onset (the bigger the trend, the sooner: :func:`lag_days`), reaches
``peak_uplift`` (``UPLIFT_PER_SIZE`` x size, +-10 %) the next day and halves every
``UPLIFT_HALF_LIFE_DAYS`` days; it ends ``UPLIFT_DAYS`` days after it started. A trend's size
shows in its social volume: a past trend's tweets a day are proportional to it (see
:mod:`~trendwatch.generator.history_tweets`), a live trend's size is its planted topic's peak
share of the stream, rescaled (:func:`live_size`). Past trends (in the history, on pool topics the live stream does not use or on regular
catalogue products) end before the stream's day; the stream's planted topics (live trends) have
their onset in the stream and their uplift in the days after it, the forecast horizon.

Stock: each morning the day's receipts arrive, ``sales = min(demand, stock)`` (a stock-out
censors the sales), and at the end of each history day a reorder-point policy orders up to a
level when stock plus open orders falls to the reorder point. An order is expected after the
location's lead time; most arrive then, some late (``delayed``), some never (``cancelled``).
The future is simulated with no new order, twice: with the live trends' uplift (the truth) and
without it, and a stock-out of a trend SKU that comes earlier with the uplift than without it
is a trend-caused stock-out.

Everything is drawn from the seed: the same seed gives the same history. Training seeds for
anyone tuning a model on this generator are 2001-2010; seeds 1-5 are held out for evaluation.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import msgspec
import numpy as np
import numpy.typing as npt

from trendwatch.generator.catalog import Product
from trendwatch.generator.timeline import from_ms, to_ms
from trendwatch.generator.topics import PlantedTopic
from trendwatch.generator.vocabulary import CATEGORIES, LOCATIONS, TOPIC_POOL, TopicSpec

TrendKind = Literal["past", "live"]
Outcome = Literal["on_time", "delayed", "cancelled"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Days after the stream's day whose true demand the truth gives (the forecast horizon).
HORIZON_DAYS = 14
#: Web and app orders are served from the warehouse, the last location.
WEB_LOCATION = LOCATIONS[-1]
#: Mean units a day of an average product in an average store, by category.
CATEGORY_BASE = {"fashion": 1.0, "home": 0.8, "beauty": 1.3, "food_drink": 2.0, "lifestyle": 0.9}
#: The products of the pool's topics are popular lines: they sell this much more than others.
TOPIC_PRODUCT_FACTOR = 3.0
#: How much each location sells relative to an average store (the web warehouse most).
LOCATION_FACTOR = (1.2, 0.9, 1.0, 3.0)
#: Day-of-week factors, Monday first: stores peak on Saturday, the web on Sunday and Monday.
WEEKLY_STORE = (0.80, 0.85, 0.90, 0.95, 1.15, 1.45, 0.90)
WEEKLY_WEB = (1.15, 1.00, 0.95, 0.90, 0.85, 0.95, 1.20)
#: Gamma shape of the demand noise (negative binomial: variance = mean + mean**2 / shape).
DISPERSION = 12.0
#: Peak trend uplift per unit of size (a size-1 trend multiplies demand by about 1 + 6).
UPLIFT_PER_SIZE = 6.0
UPLIFT_HALF_LIFE_DAYS = 4.0
#: Days the uplift lasts once started.
UPLIFT_DAYS = 14
LAG_DAYS = (1, 2, 3)
#: Sizes from which the lag is 1 and 2 days (:func:`lag_days`).
LAG_SIZES = (0.8, 0.55)
#: A past trend's social curve: its share of the onset day (scaled by the hours left), then
#: full on the next day, then decaying; silent after ``SOCIAL_DAYS`` days.
SOCIAL_DECAY = 0.6
SOCIAL_DAYS = 8
#: No past trend is talked about in the last days before the stream's day.
QUIET_DAYS_BEFORE_STREAM = 3
PROMO_DISCOUNTS = (0.15, 0.2, 0.25, 0.3)
#: Demand multiplier of a promotion per unit of discount (a 20 % cut: x1.5).
PROMO_UPLIFT_PER_DISCOUNT = 2.5
LEAD_DAYS_STORE, LEAD_DAYS_WAREHOUSE = 3, 5
DELIVERY_OUTCOMES: tuple[Outcome, ...] = ("on_time", "delayed", "cancelled")
DELIVERY_OUTCOME_WEIGHTS = (0.82, 0.12, 0.06)
NEW_PRODUCT_VARIANTS = ("Edition", "Plus", "Mini", "Duo", "Studio", "Signature")


class TrendTruth(msgspec.Struct, frozen=True):
    """A planted product trend: its social onset, size, and the demand uplift that follows."""

    topic_id: str
    kind: TrendKind
    label: str
    skus: tuple[str, ...]
    #: Terms the trend's tweets use (hashtags with ``#``, phrases in both languages).
    terms: tuple[str, ...]
    #: When the social signal starts (for a live trend: the planted topic's onset in the stream).
    onset: datetime
    onset_day: date
    #: 0-1. A live trend's size is ``0.5 + (peak_share - 0.05) / 0.08`` of its planted topic.
    size: float
    lag_days: int
    #: The first day with uplift: ``onset_day + lag_days``.
    uplift_start_day: date
    #: Demand multiplier at the peak (the day after ``uplift_start_day``) is ``1 + peak_uplift``.
    peak_uplift: float
    half_life_days: float
    uplift_days: int


class PromotionTruth(msgspec.Struct, frozen=True):
    sku: str
    start_day: date
    #: Inclusive.
    end_day: date
    discount: float
    #: Demand multiplier while it runs.
    uplift: float


class NewProductTruth(msgspec.Struct, frozen=True):
    sku: str
    name: str
    category: str
    launch_day: date


@dataclass
class Delivery:
    """A replenishment order: placed at the end of ``placed``, expected on ``expected``."""

    delivery_id: str
    series: int
    quantity: int
    placed: int
    expected: int
    outcome: Outcome
    #: Day index it arrives (morning), ``None`` if cancelled.
    arrival: int | None
    #: For a delayed one: the revised expected day reported on the original expected day.
    revised: int | None = None


@dataclass
class Trend:
    """A planted trend as simulated (:class:`TrendTruth` is what the truth file says of it)."""

    spec: TopicSpec
    kind: TrendKind
    products: list[Product]
    onset_ms: int
    onset_index: int
    size: float
    lag: int
    peak: float


@dataclass
class History:
    """The simulated days: index 0 is ``first_day``; ``stream_index`` is the stream's day;
    indices after it are the horizon. Arrays are (series, day), series = product x location."""

    first_day: date
    stream_index: int
    products: list[Product]
    #: First day index each product is sold (0 for catalogue products).
    launch: list[int]
    trends: list[Trend]
    promotions: list[PromotionTruth]
    new_products: list[NewProductTruth]
    mean: FloatArray
    demand: IntArray
    #: The demand without the live trends' part (it differs only on their SKUs, in the horizon).
    demand_without_live: IntArray
    sales: IntArray
    on_hand: IntArray
    on_order: IntArray
    censored: BoolArray
    promo_uplift: FloatArray
    #: Multiplier of the trend uplift on the mean (1: none).
    trend_uplift: FloatArray
    #: Price cut of each product on each day (0: none).
    discount: FloatArray
    deliveries: list[Delivery]
    #: Per series, the first horizon day index of a stock-out with and without the live uplift.
    first_stockout_with: list[int | None] = field(default_factory=list)
    first_stockout_without: list[int | None] = field(default_factory=list)

    @property
    def days(self) -> int:
        return int(self.mean.shape[1])

    def day(self, index: int) -> date:
        return self.first_day + timedelta(days=index)

    def series(self, product: int, location: int) -> int:
        return product * len(LOCATIONS) + location


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def cancellation_known(delivery: Delivery) -> int:
    """The day a cancelled order is reported cancelled: the day before it was expected."""
    return max(delivery.placed + 1, delivery.expected - 1)


def numpy_rng(seed: int, part: str) -> np.random.Generator:
    digest = hashlib.sha256(f"trendwatch/{seed}/{part}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def live_size(topic: PlantedTopic) -> float:
    return round(min(1.0, max(0.0, 0.5 + (topic.peak_share - 0.05) / 0.08)), 3)


def lag_days(size: float) -> int:
    """Days from a trend's social onset to its first day of demand uplift: the bigger the buzz,
    the sooner people buy (1 day from size 0.8, 2 from 0.55, else 3)."""
    return 1 if size >= LAG_SIZES[0] else 2 if size >= LAG_SIZES[1] else 3


def uplift_curve(days_since_start: IntArray, peak: float) -> FloatArray:
    """Uplift (multiplier minus one) ``k`` days after it starts: half the peak on day 0, the
    peak on day 1, then halving every half-life; zero before and from ``UPLIFT_DAYS`` on."""
    k = days_since_start.astype(np.float64)
    curve = np.where(k <= 0, 0.5, 0.5 ** ((k - 1).clip(min=0) / UPLIFT_HALF_LIFE_DAYS))
    return np.where((days_since_start < 0) | (days_since_start >= UPLIFT_DAYS), 0.0, peak * curve)


def social_curve(days_since_onset: int, onset_hour: float) -> float:
    """A past trend's daily share of its peak social volume."""
    if days_since_onset < 0 or days_since_onset > SOCIAL_DAYS:
        return 0.0
    if days_since_onset == 0:
        return 0.5 * (24 - onset_hour) / 24
    return float(SOCIAL_DECAY ** (days_since_onset - 1))


def _camel(words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words.replace("'", " ").split())


def _product_spec(product: Product) -> TopicSpec:
    """A trend on a regular catalogue product: its item names it, hashtags are the item glued."""
    slug = product.name.lower().replace(" ", "-")
    return TopicSpec(
        f"product-{slug}",
        product.name,
        product.category,
        product.brand,
        product.item,
        (_camel(product.item.en),),
        (_camel(product.item.fr),),
        (product.name,),
    )


def _new_products(rng: random.Random, catalog: list[Product], count: int) -> list[Product]:
    numbers: dict[str, int] = {}
    for p in catalog:
        code, number = p.sku.split("-")
        numbers[code] = max(numbers.get(code, 0), int(number))
    made: list[Product] = []
    names = {p.name for p in catalog}
    while len(made) < count:
        category = rng.choice(CATEGORIES)
        brand, item = rng.choice(category.brands), rng.choice(category.items)
        name = f"{brand} {item.en.title()} {rng.choice(NEW_PRODUCT_VARIANTS)}"
        if name in names:
            continue
        names.add(name)
        numbers[category.code] += 1
        made.append(
            Product(
                sku=f"{category.code}-{numbers[category.code]:04d}",
                name=name,
                category=category.name,
                brand=brand,
                price=round(rng.uniform(6, 120), 0) - 0.01,
                item=item,
                keywords=(item.en, item.fr, brand.lower()),
            )
        )
    return made


def past_trend_count(days: int) -> int:
    """Past trends that fit in ``days`` of history: about one a week, at most eight."""
    room = days - UPLIFT_DAYS - max(LAG_DAYS) - 1
    return max(0, min(8, room // 6))


def _weekly(first_day: date, days: int) -> FloatArray:
    """(location, day) day-of-week factors, each pattern normalised to a mean of one."""
    store = np.array(WEEKLY_STORE) / np.mean(WEEKLY_STORE)
    web = np.array(WEEKLY_WEB) / np.mean(WEEKLY_WEB)
    dow = np.array([(first_day + timedelta(days=t)).weekday() for t in range(days)])
    return np.array([web[dow] if loc == WEB_LOCATION else store[dow] for loc in LOCATIONS])


def _neg_binomial(rng: np.random.Generator, mean: FloatArray) -> IntArray:
    rate = rng.gamma(DISPERSION, 1.0 / DISPERSION, size=mean.shape) * mean
    return rng.poisson(rate).astype(np.int64)


class _Planner:
    def __init__(
        self,
        seed: int,
        catalog: list[Product],
        live: list[PlantedTopic],
        stream_start_ms: int,
        history_days: int,
    ) -> None:
        self.rng = random.Random(f"trendwatch/{seed}/history")
        self.np = numpy_rng(seed, "history")
        self.n = history_days
        self.stream_day = from_ms(stream_start_ms).date()
        self.first_day = self.stream_day - timedelta(days=history_days)
        self.days = history_days + 1 + HORIZON_DAYS
        self.live = live
        self.catalog = catalog
        count = min(5, history_days // 10)
        self.new = _new_products(self.rng, catalog, count)
        self.products = [*catalog, *self.new]
        low, high = history_days // 3, max(history_days // 3, history_days - 7)
        launches = sorted(self.rng.randint(low, high) for _ in self.new)
        self.launch = [0] * len(catalog) + launches

    def trends(self) -> list[Trend]:
        live_ids = {t.spec.topic_id for t in self.live}
        trends: list[Trend] = []
        for topic in self.live:
            size = live_size(topic)
            trends.append(
                Trend(
                    topic.spec,
                    "live",
                    [p for p in self.catalog if p.topic_id == topic.spec.topic_id],
                    topic.onset_ms,
                    self.n,
                    size,
                    lag_days(size),
                    round(UPLIFT_PER_SIZE * size * self.rng.uniform(0.9, 1.1), 3),
                )
            )
        count = past_trend_count(self.n)
        if count == 0:
            return trends
        pool = [spec for spec in TOPIC_POOL if spec.topic_id not in live_ids]
        self.rng.shuffle(pool)
        regulars = [p for p in self.catalog if p.topic_id is None]
        picked = self.rng.sample(regulars, max(0, count - len(pool)))
        subjects: list[tuple[TopicSpec, list[Product]]] = [
            (spec, [p for p in self.catalog if p.topic_id == spec.topic_id]) for spec in pool[:count]
        ] + [(_product_spec(p), [p]) for p in picked]
        self.rng.shuffle(subjects)
        # onsets spread over the history, each in its own slot, all over before the stream's day
        last = self.n - UPLIFT_DAYS - max(LAG_DAYS) - 1
        slot = (last - 2) / count
        for n, (spec, products) in enumerate(subjects):
            onset = 2 + math.floor(n * slot + self.rng.uniform(0, slot))
            hour = self.rng.uniform(7, 20)
            onset_ms = to_ms(midnight(self.first_day + timedelta(days=onset))) + round(hour * 3600) * 1000
            size = round(self.rng.uniform(0.3, 1.0), 3)
            trends.append(
                Trend(
                    spec,
                    "past",
                    products,
                    onset_ms,
                    onset,
                    size,
                    lag_days(size),
                    round(UPLIFT_PER_SIZE * size * self.rng.uniform(0.9, 1.1), 3),
                )
            )
        return sorted(trends, key=lambda t: t.onset_ms)

    def promotions(self, trends: list[Trend]) -> tuple[list[PromotionTruth], FloatArray]:
        """A few promotions per product over the history, off its trends' windows."""
        discount = np.zeros((len(self.products), self.days))
        busy: dict[str, set[int]] = {}
        for trend in trends:
            window = range(trend.onset_index - 2, trend.onset_index + max(LAG_DAYS) + UPLIFT_DAYS + 1)
            for p in trend.products:
                busy.setdefault(p.sku, set()).update(window)
        found: list[PromotionTruth] = []
        for index, product in enumerate(self.products):
            start_from = self.launch[index] + 3
            wanted = sum(self.rng.random() < self.n / 56 for _ in range(2))
            taken = busy.get(product.sku, set())
            for _ in range(wanted):
                length = self.rng.randint(3, 7)
                if self.n - length <= start_from:
                    break
                start = self.rng.randint(start_from, self.n - length)  # ends before the stream's day
                days = set(range(start - 1, start + length + 1))
                if days & taken:
                    continue
                taken = taken | days
                cut = self.rng.choice(PROMO_DISCOUNTS)
                discount[index, start : start + length] = cut
                found.append(
                    PromotionTruth(
                        product.sku,
                        self.first_day + timedelta(days=start),
                        self.first_day + timedelta(days=start + length - 1),
                        cut,
                        round(1 + PROMO_UPLIFT_PER_DISCOUNT * cut, 3),
                    )
                )
        return sorted(found, key=lambda p: (p.start_day, p.sku)), discount


def _base_means(planner: _Planner) -> FloatArray:
    """(product, location) mean units a day before weekly pattern, promotions and trends."""
    factor = planner.np.lognormal(0.0, 0.45, size=len(planner.products))
    hot = np.array([TOPIC_PRODUCT_FACTOR if p.topic_id is not None else 1.0 for p in planner.products])
    base = np.array([CATEGORY_BASE[p.category] for p in planner.products]) * factor * hot
    return np.outer(base, np.array(LOCATION_FACTOR))


class _Stock:
    """The replenishment policy and the deliveries it places."""

    def __init__(self, planner: _Planner, level: FloatArray, launch_series: IntArray) -> None:
        series = level.shape[0]
        self.rng = planner.rng
        self.first_day = planner.first_day
        self.level = level
        self.lead = np.array(
            [LEAD_DAYS_WAREHOUSE if loc == WEB_LOCATION else LEAD_DAYS_STORE for loc in LOCATIONS]
        )
        self.lead = np.tile(self.lead, series // len(LOCATIONS))
        safety = planner.np.uniform(0.3, 3.0, size=series)
        self.reorder = level * (self.lead + safety)
        self.up_to = self.reorder + level * planner.np.uniform(6.0, 12.0, size=series)
        self.pack = np.where(level * 7 < 30, 6, 12)
        self.launch = launch_series
        days = planner.days + 16
        self.arrivals = np.zeros((series, days), dtype=np.int64)
        self.known_gone = np.zeros((series, days), dtype=np.int64)
        self.deliveries: list[Delivery] = []

    def place(self, series: int, day: int, quantity: int, outcome: Outcome | None = None) -> None:
        chosen: Outcome = outcome or self.rng.choices(DELIVERY_OUTCOMES, DELIVERY_OUTCOME_WEIGHTS)[0]
        expected = day + int(self.lead[series])
        arrival: int | None = None if chosen == "cancelled" else expected
        revised = None
        if chosen == "delayed":
            arrival = revised = expected + self.rng.randint(1, 4)
        placed_on = self.first_day + timedelta(days=day)
        delivery = Delivery(
            f"DLV-{placed_on:%Y%m%d}-{len(self.deliveries) + 1:05d}",
            series,
            quantity,
            day,
            expected,
            chosen,
            arrival,
            revised,
        )
        if arrival is None:
            self.known_gone[series, cancellation_known(delivery)] += quantity
        else:
            self.arrivals[series, arrival] += quantity
        self.deliveries.append(delivery)

    def order(self, day: int, on_hand: IntArray, pending: IntArray) -> IntArray:
        """Orders placed at the end of ``day``; returns the quantities added to open orders."""
        added = np.zeros_like(pending)
        position = on_hand + pending
        active = self.launch <= day
        for series in np.nonzero(active & (position <= self.reorder))[0]:
            pack = int(self.pack[series])
            quantity = math.ceil((self.up_to[series] - position[series]) / pack) * pack
            self.place(int(series), day, quantity)
            added[series] += quantity
        # a new product's first stock is ordered to arrive on its launch day
        for series in np.nonzero(self.launch == day + self.lead)[0]:
            pack = int(self.pack[series])
            quantity = math.ceil(self.up_to[series] / pack) * pack
            self.place(int(series), day, quantity, "on_time")
            added[series] += quantity
        return added


def _run_days(
    stock: _Stock,
    demand: IntArray,
    days: range,
    on_hand: IntArray,
    pending: IntArray,
    *,
    reorder: bool,
) -> tuple[IntArray, IntArray, IntArray, BoolArray, IntArray, IntArray]:
    """Simulate ``days``: sales, end-of-day stock and open orders, stock-outs."""
    count = len(days)
    sales = np.zeros((demand.shape[0], count), dtype=np.int64)
    stock_end = np.zeros_like(sales)
    open_orders = np.zeros_like(sales)
    out = np.zeros(sales.shape, dtype=np.bool_)
    on_hand, pending = on_hand.copy(), pending.copy()
    for i, day in enumerate(days):
        receipts = stock.arrivals[:, day]
        pending -= receipts + stock.known_gone[:, day]
        available = on_hand + receipts
        sales[:, i] = np.minimum(demand[:, day], available)
        out[:, i] = demand[:, day] > available
        on_hand = available - sales[:, i]
        if reorder:
            pending += stock.order(day, on_hand, pending)
        stock_end[:, i], open_orders[:, i] = on_hand, pending
    return sales, stock_end, open_orders, out, on_hand, pending


def _first_true(rows: BoolArray) -> list[int | None]:
    firsts = np.where(rows.any(axis=1), rows.argmax(axis=1), -1)
    return [None if f < 0 else int(f) for f in firsts]


def simulate(
    seed: int, catalog: list[Product], live: list[PlantedTopic], stream_start_ms: int, history_days: int
) -> History:
    """The history's days, the stream's day and the horizon (see the module docstring)."""
    if history_days <= 0:
        raise ValueError("history_days must be positive")
    planner = _Planner(seed, catalog, live, stream_start_ms, history_days)
    trends = planner.trends()
    promotions, discount = planner.promotions(trends)
    products, locations, days = planner.products, len(LOCATIONS), planner.days
    index = {p.sku: n for n, p in enumerate(products)}

    base = _base_means(planner)
    weekly = _weekly(planner.first_day, days)
    launch = np.array(planner.launch)
    day_numbers = np.arange(days)
    age = day_numbers[None, :] - launch[:, None]
    # a new product starts at half its level and reaches it over ten days
    ramp = np.where(age < 0, 0.0, np.minimum(1.0, 0.5 + 0.05 * age))
    ramp = np.where(launch[:, None] == 0, 1.0, ramp)
    promo = 1 + PROMO_UPLIFT_PER_DISCOUNT * discount
    base_mean = base[:, :, None] * weekly[None, :, :] * (ramp * promo)[:, None, :]

    uplift_past = np.zeros((len(products), days))
    uplift_live = np.zeros((len(products), days))
    for trend in trends:
        start = trend.onset_index + trend.lag
        curve = uplift_curve(day_numbers - start, trend.peak)
        target = uplift_live if trend.kind == "live" else uplift_past
        for p in trend.products:
            target[index[p.sku]] += curve
    shape = (len(products) * locations, days)
    base_mean = base_mean.reshape(shape)
    mean_past = (base_mean.reshape(len(products), locations, days) * uplift_past[:, None, :]).reshape(shape)
    mean_live = (base_mean.reshape(len(products), locations, days) * uplift_live[:, None, :]).reshape(shape)
    demand_base = _neg_binomial(planner.np, base_mean)
    demand_past = _neg_binomial(planner.np, mean_past)
    demand_live = _neg_binomial(planner.np, mean_live)
    without = demand_base + demand_past
    demand = without + demand_live

    level = base.reshape(-1)
    launch_series = np.repeat(launch, locations)
    stock = _Stock(planner, level, launch_series)
    initial = np.where(launch_series == 0, np.round(level * planner.np.uniform(5, 14, size=level.shape)), 0)
    on_hand0 = initial.astype(np.int64)
    pending0 = np.zeros_like(on_hand0)
    stream = planner.n
    past = range(0, stream + 1)
    h_sales, h_stock, h_orders, h_out, on_hand, pending = _run_days(
        stock, demand, past, on_hand0, pending0, reorder=True
    )
    future = range(stream + 1, days)
    f_sales, f_stock, f_orders, f_out, _, _ = _run_days(
        stock, demand, future, on_hand, pending, reorder=False
    )
    _, _, _, w_out, _, _ = _run_days(stock, without, future, on_hand, pending, reorder=False)

    return History(
        first_day=planner.first_day,
        stream_index=stream,
        products=products,
        launch=planner.launch,
        trends=trends,
        promotions=promotions,
        new_products=[
            NewProductTruth(
                p.sku, p.name, p.category, planner.first_day + timedelta(days=planner.launch[index[p.sku]])
            )
            for p in planner.new
        ],
        mean=base_mean + mean_past + mean_live,
        demand=demand,
        demand_without_live=without,
        sales=np.concatenate([h_sales, f_sales], axis=1),
        on_hand=np.concatenate([h_stock, f_stock], axis=1),
        on_order=np.concatenate([h_orders, f_orders], axis=1),
        censored=np.concatenate([h_out, f_out], axis=1),
        promo_uplift=np.repeat(promo, locations, axis=0),
        trend_uplift=np.repeat(1 + uplift_past + uplift_live, locations, axis=0),
        discount=discount,
        deliveries=stock.deliveries,
        first_stockout_with=[None if f is None else stream + 1 + f for f in _first_true(f_out)],
        first_stockout_without=[None if f is None else stream + 1 + f for f in _first_true(w_out)],
    )
