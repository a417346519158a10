"""What the API answers: one pydantic model per resource, documented in the OpenAPI schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from trendwatch.api.personal import PERSONAL

T = TypeVar("T")
#: A person's user name: personal data, withheld from analysts (see :mod:`trendwatch.api.personal`).
USERNAME = Field(description="The author's user name (withheld from analysts).", json_schema_extra=PERSONAL)


class ErrorBody(BaseModel):
    """A 4xx answer other than a validation error: what was wrong, in one sentence."""

    detail: str


class QueryErrorBody(ErrorBody):
    """A refused query: what is wrong, and where (0-based offset in the query) when it is a
    syntax error."""

    position: int | None = Field(default=None, description="Offset of the fault in `q`.")


class Page(BaseModel, Generic[T]):
    """One page of a longer list: ``total`` items match, ``items`` start at ``offset``."""

    items: list[T]
    total: int
    limit: int
    offset: int


class SeriesPoint(BaseModel):
    """One bucket of a topic's story: tweets, sentiment counts and tweets per language."""

    start: datetime
    tweets: int
    positive: int
    neutral: int
    negative: int
    sentiment_avg: float | None = Field(description="Mean sentiment score (-1..1) of the bucket's tweets.")
    languages: dict[str, int]


class Series(BaseModel):
    bucket_minutes: int
    points: list[SeriesPoint]


class EmergingTopic(BaseModel):
    topic_id: str
    label: str
    terms: list[str]
    score: float = Field(description="Emergence score of the detector (higher: more surprising).")
    volume: int = Field(description="Tweets with the topic in the scored window.")
    observed: float = Field(description="Independent voices in the scored window.")
    expected: float = Field(description="Voices the topic's own baseline predicts.")
    first_detected_at: datetime
    languages: list[str]
    category: str | None = Field(description="Product category most of the topic's tweets are about.")
    series: Series


class TermCount(BaseModel):
    term: str
    kind: str | None
    tweets: int


class LanguageShare(BaseModel):
    lang: str
    tweets: int
    authors: int
    sentiment_avg: float | None


class Tweet(BaseModel):
    tweet_id: str
    created_at: datetime
    author_id: str | None
    username: str | None = USERNAME
    text: str | None
    lang: str | None
    sentiment_label: str | None
    sentiment_score: float | None
    has_media: bool | None
    like_count: int | None
    retweets: int = Field(description="Stored retweets of this tweet.")


class Colour(BaseModel):
    hex: str
    name: str
    fraction: float


class Image(BaseModel):
    media_key: str
    tweet_id: str | None
    created_at: datetime | None
    width: int | None
    height: int | None
    colours: list[Colour]
    ocr_text: str | None
    labels: list[str]
    copies: int = Field(description="Near-duplicate copies of this image among the topic's tweets.")
    url: str = Field(description="Where the API serves the image bytes.")


class Influencer(BaseModel):
    user_id: str
    username: str | None = USERNAME
    score: float
    rank: int
    topic_id: str | None
    followers: int | None
    evidence: dict[str, float]


class ProductStock(BaseModel):
    sku: str
    name: str | None
    category: str | None
    brand: str | None
    price: float | None
    score: float | None = Field(description="Strength of the link between the topic and the product.")
    matched_terms: list[str]
    snapshot_date: date | None = Field(description="Latest stock snapshot of the product.")
    on_hand: int | None
    on_order: int | None
    daily_demand: float | None = Field(description="Units ordered per day over the recent order days.")
    days_of_cover: float | None = Field(description="Days the stock on hand lasts at that demand.")


class TopicDetail(BaseModel):
    topic_id: str
    label: str
    terms: list[str]
    emergence: EmergingTopic | None = Field(description="The topic's latest emergence, if it is emerging.")
    series: Series
    languages: list[LanguageShare]
    related_terms: list[TermCount]
    top_tweets: list[Tweet]
    images: list[Image]
    influencers: list[Influencer]
    products: list[ProductStock]


class StockAlert(BaseModel):
    """A product that emerging topics touch while its projected stock lasts only a few days."""

    sku: str
    name: str | None
    category: str | None
    on_hand: int | None = Field(description="Stock at the end of the day before as_of, all locations.")
    daily_demand: float | None = Field(description="Forecast demand per day over the horizon (p50).")
    days_of_cover: float = Field(
        description="Days until the first location runs out, from the projected stock "
        "(snapshot, stock events, expected deliveries, forecast demand)."
    )
    stockout_date: date | None = Field(description="The first projected stock-out at any location.")
    as_of: date = Field(description="The day of the forecast run the projection comes from.")
    topic_id: str = Field(description="The highest-scoring emerging topic touching the product.")
    topic_ids: list[str]
    score: float = Field(description="Emergence score of that topic.")


class RestockItem(BaseModel):
    """What to reorder at one location, how much, by when, and why."""

    as_of: date
    sku: str
    name: str | None
    location_id: str
    recommended_quantity: int
    urgency: str = Field(description="critical, high or medium.")
    order_date: date | None = Field(description="When to order (as_of for an order to place now).")
    stockout_date: date | None = Field(description="Projected stock-out (p50) without this order.")
    days_of_cover: float | None
    topic_id: str | None = Field(description="The trending topic driving it, if any.")
    topic_label: str | None
    uplift: float | None = Field(
        description="Social forecast over the baseline, minus 1, over the lead time."
    )
    reason: str


class ForecastPoint(BaseModel):
    date: date
    units: float | None = Field(description="Units ordered that day (history).")
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None
    baseline_p50: float | None = None
    voices: int | None = Field(default=None, description="People talking about the product that day.")


class ProductForecast(BaseModel):
    """One product's demand on one time axis: history, both models' forecasts, its social voices."""

    sku: str
    name: str | None
    as_of: date
    model: str | None
    baseline_model: str | None
    points: list[ForecastPoint]


class ModelMetric(BaseModel):
    model: str
    version: str | None
    dataset: str | None
    metric: str
    value: float | None
    evaluated_at: datetime


class DriftPoint(BaseModel):
    """One day of one model version in production (the daily model-monitor job)."""

    day: date
    model: str = Field(description="The model component: lang, sentiment, or topics.")
    model_version: str
    kind: str = Field(description="drift (against the days before) or accuracy (on the analysts' labels).")
    metric: str
    value: float
    threshold: float | None = Field(description="Past it, the drift is flagged (drift only).")
    drifted: bool | None
    tweets: int | None = Field(description="Original tweets the version enriched that day.")


class TweetToLabel(BaseModel):
    """A recent tweet no analyst has labelled yet, with the model's sentiment."""

    tweet_id: str
    text: str
    lang: str | None
    sentiment_label: str | None


class LabelRequest(BaseModel):
    """A judgement: a tweet's sentiment (``correct``, and the right ``label`` when it is not) or
    a topic's relevance (``correct`` is "relevant")."""

    kind: Literal["sentiment", "topic"]
    tweet_id: str | None = Field(default=None, max_length=40, pattern=r"^[0-9A-Za-z_-]+$")
    topic_id: str | None = Field(default=None, max_length=200)
    correct: bool
    label: Literal["positive", "neutral", "negative"] | None = None


class StoredLabel(BaseModel):
    label_id: str
    kind: str
    tweet_id: str | None
    topic_id: str | None
    correct: bool
    label: str | None
    predicted: str | None = Field(description="The model's label when the analyst judged it.")
    model_version: str | None
    labelled_at: datetime


class RankedTweet(BaseModel):
    """A tweet hybrid search found: one per distinct text, its earliest tweet shown."""

    tweet_id: str
    text: str
    author: str | None = Field(
        description="The author's user name, else id (withheld from analysts).", json_schema_extra=PERSONAL
    )
    created_at: datetime
    lang: str | None
    score: float = Field(description="Reciprocal rank fusion score: sum of 1 / (60 + rank) over both sides.")
    keyword_rank: int | None = Field(description="Rank by BM25 keyword relevance (none: no keyword match).")
    semantic_rank: int | None = Field(
        description="Rank by embedding similarity (none: not among the nearest)."
    )


class RankedTweets(BaseModel):
    query: str
    items: list[RankedTweet]


class MatchedTweet(BaseModel):
    """A tweet a boolean query matched (originals and retweets alike)."""

    tweet_id: str
    created_at: datetime
    author_id: str | None
    username: str | None = USERNAME
    lang: str | None
    text: str | None
    hashtags: list[str]
    categories: list[str]
    has_media: bool | None
    sentiment_label: str | None
    sentiment_score: float | None
    retweet_count: int | None
    like_count: int | None


class QueryAnswer(BaseModel):
    """What a boolean query matches: how many tweets over time, and the newest of them."""

    query: str
    name: str | None = Field(description="The saved search run, if one was.")
    total: int = Field(description="Tweets matched in the time range.")
    volume: Series
    tweets: list[MatchedTweet] = Field(description="The newest matches, at most `limit`.")


class SavedSearch(BaseModel):
    name: str
    query: str
    created_at: datetime
    updated_at: datetime
