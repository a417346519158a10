"""The JSON API under ``/api/v1``: thin handlers that validate input and call the read layer."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from trendwatch.api.access import viewer
from trendwatch.api.models import (
    EmergingTopic,
    ErrorBody,
    Influencer,
    ModelMetric,
    Page,
    ProductForecast,
    QueryAnswer,
    QueryErrorBody,
    RankedTweets,
    RestockItem,
    SavedSearch,
    StockAlert,
    TopicDetail,
    Tweet,
)
from trendwatch.api.personal import PersonalDataWithheld
from trendwatch.api.read import (
    MAX_DAYS_OF_COVER,
    MAX_POINTS,
    AnalystReads,
    SemanticSearchUnavailable,
    TimeRange,
)
from trendwatch.query import QuerySyntaxError

MAX_LIMIT = 100
MAX_OFFSET = 10_000
#: A language code as the pipeline stores it (ISO 639-1, or ``und``).
LANG_PATTERN = r"^[a-z]{2,3}$"
NAME_PATTERN = r"^[A-Za-z0-9_.:\-]{1,80}$"
MEDIA_KEY = re.compile(r"[A-Za-z0-9_]{1,100}")

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such resource"}}
BAD_RANGE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Parameters that contradict each other or a limit"}
}


BAD_QUERY: dict[int | str, dict[str, Any]] = {
    400: {"model": QueryErrorBody, "description": "An invalid query (with the fault's position) or range"}
}
NO_EMBEDDINGS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "No tweet in the warehouse has an embedding yet"}
}


def query_syntax_error(request: Request, exc: Exception) -> JSONResponse:
    """A :class:`QuerySyntaxError` as a 400 saying what is wrong and where."""
    assert isinstance(exc, QuerySyntaxError)
    body = QueryErrorBody(detail=f"{exc.message} at column {exc.position + 1}", position=exc.position)
    return JSONResponse(body.model_dump(), status_code=400)


def reads(request: Request) -> AnalystReads:
    """The read layer as the request's viewer may see it: without personal fields for a role
    that may not see them (the same object otherwise)."""
    reader: AnalystReads = request.app.state.reads
    if viewer(request).role.sees_personal_data:
        return reader
    # Every method of the reader, its answers filtered: the routes use it as the reader itself.
    return cast(AnalystReads, PersonalDataWithheld(reader))


def time_range(
    since: Annotated[datetime | None, Query(description="Only from this time on (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Only before this time (ISO 8601).")] = None,
) -> TimeRange:
    for moment, name in ((since, "since"), (until, "until")):
        if moment is not None and moment.tzinfo is None:
            raise HTTPException(400, f"`{name}` needs a time zone, e.g. {moment.isoformat()}Z")
    if since is not None and until is not None and since >= until:
        raise HTTPException(400, "`since` must be before `until`")
    return TimeRange(since, until)


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


Reads = Annotated[AnalystReads, Depends(reads)]
Window = Annotated[TimeRange, Depends(time_range)]
Paged = Annotated[Paging, Depends()]
Lang = Annotated[str | None, Query(pattern=LANG_PATTERN, description="Language code, e.g. `fr`.")]
TweetLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Newest matching tweets to list.")]
BooleanQuery = Annotated[
    str,
    Query(
        min_length=1,
        description='A boolean query: AND, OR, NOT/-, "phrases", NEAR/n, lang:, category:, #tag, '
        "@user, from:user, has:image. Too long a query (characters or terms) or one nested too "
        "deep is a 400.",
    ),
]
Category = Annotated[
    str | None, Query(pattern=r"^[a-z_]{1,40}$", description="Product category, e.g. `home`.")
]

router = APIRouter(prefix="/api/v1")


@router.get("/topics", response_model=Page[EmergingTopic], responses=BAD_RANGE, tags=["topics"])
def list_emerging_topics(
    reader: Reads,
    window: Window,
    paging: Paged,
    lang: Lang = None,
    category: Category = None,
    sort: Annotated[Literal["newest", "score"], Query(description="Order of the list.")] = "newest",
) -> Page[EmergingTopic]:
    """Emerging topics with their tweet series; ``since``/``until`` filter on first detection."""
    return reader.emerging_page(
        window=window,
        lang=lang,
        category=category,
        by_score=sort == "score",
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/topics/{topic_id:path}",
    response_model=TopicDetail,
    responses={**NOT_FOUND, **BAD_RANGE},
    tags=["topics"],
)
def topic_detail(
    reader: Reads,
    topic_id: str,
    window: Window,
    lang: Lang = None,
    bucket_minutes: Annotated[
        int | None,
        Query(ge=1, le=1440, description=f"Series bucket (default: about 60 points; at most {MAX_POINTS})."),
    ] = None,
    top: Annotated[int, Query(ge=1, le=50, description="Items in each list of the detail.")] = 10,
) -> TopicDetail:
    """A topic's story: series (volume, sentiment, languages), terms, tweets, images, influencers, products."""
    if not 1 <= len(topic_id) <= 200:
        raise HTTPException(404, "no such topic")
    found = reader.topic(topic_id, window=window, lang=lang, bucket_minutes=bucket_minutes, top=top)
    if found is None:
        raise HTTPException(404, f"no topic {topic_id!r}")
    return found


@router.get("/influencers", response_model=Page[Influencer], tags=["people"])
def list_influencers(
    reader: Reads,
    paging: Paged,
    topic_id: Annotated[
        str | None, Query(min_length=1, max_length=200, description="A topic id, e.g. `term:#mushroomlamp`.")
    ] = None,
) -> Page[Influencer]:
    """Most influential users, overall or on one topic (trust-weighted PageRank of amplification)."""
    return reader.influencers(topic_id=topic_id, limit=paging.limit, offset=paging.offset)


@router.get("/tweets/search", response_model=Page[Tweet], responses=BAD_RANGE, tags=["tweets"])
def search_tweets(
    reader: Reads,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"\S",
            description="Words that must all occur in the tweet (case-insensitive).",
        ),
    ],
    window: Window,
    paging: Paged,
    lang: Lang = None,
    category: Category = None,
) -> Page[Tweet]:
    """Keyword search over original tweets, newest first."""
    words = q.split()
    if len(words) > 10:
        raise HTTPException(400, "at most 10 words")
    return reader.search(
        words, window=window, lang=lang, category=category, limit=paging.limit, offset=paging.offset
    )


@router.get(
    "/tweets/hybrid-search",
    response_model=RankedTweets,
    responses={**BAD_RANGE, **NO_EMBEDDINGS},
    tags=["tweets"],
)
def hybrid_search(
    reader: Reads,
    q: Annotated[
        str,
        Query(min_length=1, max_length=200, pattern=r"\w", description="What to look for, in any words."),
    ],
    window: Window,
    lang: Lang = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits to return.")] = 20,
) -> RankedTweets:
    """Tweets by words and by meaning: BM25 keyword ranks and embedding-similarity ranks fused
    (reciprocal rank fusion); a text repeated by many tweets is one hit, its earliest tweet."""
    try:
        return reader.hybrid_search(q, window=window, lang=lang, limit=limit)
    except SemanticSearchUnavailable as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/tweets/query", response_model=QueryAnswer, responses=BAD_QUERY, tags=["tweets"])
def boolean_query(reader: Reads, q: BooleanQuery, window: Window, limit: TweetLimit = 20) -> QueryAnswer:
    """Tweets (originals and retweets) a boolean query matches: volume over time, newest first.

    An invalid query is a 400 whose ``position`` is the 0-based offset of the fault."""
    return reader.boolean_query(q, window=window, limit=limit)


@router.get("/saved-searches", response_model=Page[SavedSearch], tags=["saved searches"])
def saved_searches(reader: Reads, paging: Paged) -> Page[SavedSearch]:
    """Saved searches, by name. They are saved with ``trendwatch searches save``: the API only reads."""
    found = reader.saved_searches()
    return Page[SavedSearch](
        items=found[paging.offset : paging.offset + paging.limit],
        total=len(found),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/saved-searches/{name}",
    response_model=QueryAnswer,
    responses={**NOT_FOUND, **BAD_QUERY},
    tags=["saved searches"],
)
def run_saved_search(reader: Reads, name: str, window: Window, limit: TweetLimit = 20) -> QueryAnswer:
    """What the saved search ``name`` matches, as ``/tweets/query`` answers for its query."""
    found = reader.saved_search(name, window=window, limit=limit) if len(name) <= 100 else None
    if found is None:
        raise HTTPException(404, f"no saved search named {name!r}")
    return found


@router.get("/stock-alerts", response_model=Page[StockAlert], tags=["products"])
def stock_alerts(
    reader: Reads,
    paging: Paged,
    max_days_of_cover: Annotated[
        float, Query(gt=0, le=MAX_DAYS_OF_COVER, description="Alert at or below this projected cover.")
    ] = 7.0,
) -> Page[StockAlert]:
    """Products that emerging topics touch while their projected stock (latest forecast run:
    snapshot, stock events, expected deliveries, forecast demand) lasts only a few days."""
    alerts = reader.stock_alerts(max_days_of_cover=max_days_of_cover)
    return Page[StockAlert](
        items=alerts[paging.offset : paging.offset + paging.limit],
        total=len(alerts),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/restock", response_model=Page[RestockItem], tags=["products"])
def restock(
    reader: Reads,
    paging: Paged,
    as_of: Annotated[date | None, Query(description="The run's day; default: the latest run.")] = None,
    urgency: Annotated[Literal["critical", "high", "medium"] | None, Query()] = None,
) -> Page[RestockItem]:
    """What to reorder where, how much, by when and why, most urgent first (``trendwatch
    restock`` and the daily supply job write them)."""
    return reader.restock(as_of=as_of, urgency=urgency, limit=paging.limit, offset=paging.offset)


@router.get(
    "/products/{sku}/forecast",
    response_model=ProductForecast,
    responses={404: {"model": ErrorBody}},
    tags=["products"],
)
def product_forecast(
    reader: Reads,
    sku: Annotated[str, Path(pattern=NAME_PATTERN)],
    history_days: Annotated[int, Query(ge=1, le=365, description="Days of orders before the forecast.")] = 28,
) -> ProductForecast:
    """One product's orders, both models' forecasts (social p10/p50/p90 and the baseline's
    p50) and the people talking about it, day by day on one axis."""
    found = reader.product_forecast(sku, history_days=history_days)
    if found is None:
        raise HTTPException(
            404, f"no forecast for {sku!r}: run `trendwatch forecast` (or wait for the daily job)"
        )
    return found


@router.get("/model-metrics", response_model=Page[ModelMetric], responses=BAD_RANGE, tags=["models"])
def model_metrics(
    reader: Reads,
    window: Window,
    paging: Paged,
    model: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    metric: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
) -> Page[ModelMetric]:
    """Model evaluation results over time (``since``/``until`` filter on evaluation time)."""
    return reader.model_metrics(
        model=model, metric=metric, window=window, limit=paging.limit, offset=paging.offset
    )


@router.get(
    "/media/{media_key}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, **NOT_FOUND},
    tags=["tweets"],
)
def media(reader: Reads, media_key: str) -> Response:
    """The bytes of a stored image."""
    if not MEDIA_KEY.fullmatch(media_key):
        raise HTTPException(404, "no such image")
    found = reader.image(media_key)
    if found is None:
        raise HTTPException(404, f"no image {media_key!r}")
    data, content_type = found
    # private: only the signed-in browser may keep it, never a shared cache in front of IAP.
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})
