"""The web dashboard: one page per question an analyst asks, rendered on the server.

Pages read the same :class:`~trendwatch.api.read.AnalystReads` as the JSON API; charts are
inline SVG from :mod:`trendwatch.api.charts`. Nothing is fetched from elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from trendwatch.api import charts
from trendwatch.api import models_page as models_page_parts
from trendwatch.api.models import ModelMetric, RestockItem, Series
from trendwatch.api.read import AnalystReads, SemanticSearchUnavailable
from trendwatch.api.routes import reads
from trendwatch.query import QuerySyntaxError

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["quote"] = lambda value: quote(str(value), safe="")
templates.env.filters["when"] = lambda value: value.strftime("%Y-%m-%d %H:%M") if value else "—"

router = APIRouter(include_in_schema=False)
Reads = Annotated[AnalystReads, Depends(reads)]
#: Filters of the pages' forms, where "" means "all".
PageLang = Annotated[str | None, Query(pattern=r"^([a-z]{2,3})?$")]


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context)


def _labels(series: Series) -> list[str]:
    return [p.start.strftime("%H:%M") for p in series.points]


def story_charts(series: Series, title: str) -> dict[str, Markup]:
    """Volume stacked by language, sentiment counts stacked, and the mean sentiment line."""
    labels = _labels(series)
    languages = sorted({lang for p in series.points for lang in p.languages})
    by_lang = {lang: [p.languages.get(lang, 0) for p in series.points] for lang in languages}
    sentiment = {name: [getattr(p, name) for p in series.points] for name in charts.SENTIMENT_COLOURS}
    return {
        "volume": charts.stacked_bars(labels, by_lang, title=f"{title}: tweets per language"),
        "sentiment": charts.stacked_bars(
            labels, sentiment, title=f"{title}: tweets per sentiment", colours=charts.SENTIMENT_COLOURS
        ),
        "mood": charts.line_chart(
            labels,
            {"mean sentiment": [p.sentiment_avg for p in series.points]},
            title=f"{title}: mean sentiment",
            low=-1.0,
            high=1.0,
            height=140,
        ),
        "legend": Markup("").join(
            Markup('<span class="key" style="--key:{}">{}</span>').format(charts.colour(i), lang)
            for i, lang in enumerate(languages)
        ),
    }


@router.get("/", response_class=HTMLResponse)
def emerging_view(
    request: Request,
    reader: Reads,
    lang: PageLang = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z_]{0,40}$")] = None,
    sort: Annotated[str, Query(pattern="^(newest|score)$")] = "newest",
) -> HTMLResponse:
    page = reader.emerging_page(
        lang=lang or None, category=category or None, by_score=sort == "score", limit=100
    )
    every = reader.emerging()
    rows = [
        {
            "topic": topic,
            "sparkline": charts.sparkline([p.tweets for p in topic.series.points], label=topic.label),
        }
        for topic in page.items
    ]
    return _page(
        request,
        "emerging.html",
        rows=rows,
        total=page.total,
        lang=lang or "",
        category=category or "",
        sort=sort,
        languages=sorted({lang for t in every for lang in t.languages}),
        categories=sorted({t.category for t in every if t.category}),
    )


@router.get("/topics/{topic_id:path}", response_class=HTMLResponse)
def topic_page(request: Request, reader: Reads, topic_id: str, lang: PageLang = None) -> HTMLResponse:
    detail = reader.topic(topic_id, lang=lang or None)
    if detail is None:
        raise HTTPException(404, f"no topic {topic_id!r}")
    return _page(
        request,
        "topic.html",
        topic=detail,
        lang=lang or "",
        charts=story_charts(detail.series, detail.label),
        people=charts.hbars(
            [(i.username or i.user_id, i.score) for i in detail.influencers], title="Influence score"
        ),
        cover=charts.hbars(
            [(p.name or p.sku, p.days_of_cover) for p in detail.products if p.days_of_cover is not None],
            title="Days of cover",
        ),
        languages=charts.hbars([(s.lang, s.tweets) for s in detail.languages], title="Tweets per language"),
    )


@router.get("/influencers", response_class=HTMLResponse)
def influencers_page(request: Request, reader: Reads) -> HTMLResponse:
    page = reader.influencers(limit=30)
    return _page(
        request,
        "influencers.html",
        influencers=page.items,
        chart=charts.hbars(
            [(i.username or i.user_id, i.score) for i in page.items], title="Influence score", width=640
        ),
    )


@router.get("/stock", response_class=HTMLResponse)
def stock_page(request: Request, reader: Reads) -> HTMLResponse:
    """Forecast-driven: the latest run's restock recommendations, a chart per product most at
    risk (orders, both models' forecasts, voices), trending products with little projected
    stock, and how the two models did in the rolling-origin backtest."""
    recommendations = reader.restock(limit=40).items
    alerts = reader.stock_alerts()
    return _page(
        request,
        "stock.html",
        recommendations=recommendations,
        alerts=alerts,
        products=product_charts(reader, recommendations),
        accuracy=forecast_accuracy(reader.model_metrics(model=None, limit=500).items),
    )


#: Products charted on the stock page: the first few of the recommendations.
CHARTED_PRODUCTS = 6


def product_charts(reader: AnalystReads, recommendations: list[RestockItem]) -> list[tuple[str, Markup]]:
    """One forecast chart per product most at risk: those a topic drives first, then by urgency."""
    ranked = sorted(recommendations, key=lambda r: (r.topic_id is None, URGENCY_ORDER.get(r.urgency, 3)))
    skus = list(dict.fromkeys(r.sku for r in ranked))[:CHARTED_PRODUCTS]
    charted = []
    for sku in skus:
        found = reader.product_forecast(sku)
        if found is None:
            continue
        title = f"{found.name or sku} ({sku}): sold, forecast from {found.as_of} ({found.model} vs {found.baseline_model}), voices"
        points = found.points
        charted.append(
            (
                title,
                charts.forecast_chart(
                    [p.date.strftime("%m-%d") for p in points],
                    history=[p.units for p in points],
                    band=[
                        (p.p10, p.p90) if p.p10 is not None and p.p90 is not None else None for p in points
                    ],
                    social=[p.p50 for p in points],
                    baseline=[p.baseline_p50 for p in points],
                    voices=[p.voices or 0 for p in points],
                    title=title,
                ),
            )
        )
    return charted


URGENCY_ORDER = {"critical": 0, "high": 1, "medium": 2}


def forecast_accuracy(metrics: list[ModelMetric]) -> list[ModelMetric]:
    """The latest backtest figure of each forecasting model and metric."""
    latest: dict[tuple[str, str, str | None], ModelMetric] = {}
    for m in sorted(metrics, key=lambda m: m.evaluated_at):
        if m.model.startswith("forecast"):
            latest[(m.model, m.metric, m.dataset)] = m
    return sorted(latest.values(), key=lambda m: (m.metric, m.dataset or "", m.model))


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, reader: Reads) -> HTMLResponse:
    """Production day by day per model version (drift beside label accuracy), offline
    evaluations over time, and tweets and topics to label."""
    points = reader.model_drift()
    figures, single = models_page_parts.evaluation_charts(reader.model_metrics(limit=1000).items)
    return _page(
        request,
        "models.html",
        alerts=models_page_parts.drift_alerts(points),
        panels=models_page_parts.production_panels(points),
        charts=figures,
        single=single,
        to_label=reader.tweets_to_label(),
        topics=reader.emerging()[:8],
        labelled=request.query_params.get("labelled") == "1",
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    reader: Reads,
    q: Annotated[str, Query(max_length=200)] = "",
    lang: PageLang = None,
    mode: Annotated[str, Query(pattern="^(words|meaning)$")] = "words",
) -> HTMLResponse:
    """Every word (newest first), or by words and meaning (hybrid search, best first)."""
    context: dict[str, Any] = {"q": q, "lang": lang or "", "mode": mode, "page": None, "ranked": None}
    if mode == "meaning" and re.search(r"\w", q):
        try:
            context["ranked"] = reader.hybrid_search(q, lang=lang or None, limit=30).items
        except SemanticSearchUnavailable as exc:
            context["error"] = str(exc)
    elif words := q.split()[:10]:
        context["page"] = reader.search(words, lang=lang or None, limit=50)
    return _page(request, "search.html", **context)


@router.get("/queries", response_class=HTMLResponse)
def queries_page(
    request: Request,
    reader: Reads,
    q: str = "",  # the parser bounds it and says why it refuses one
    saved: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """A boolean query, typed or saved: its volume over time and its newest tweets."""
    context: dict[str, Any] = {"q": q, "saved": saved, "searches": reader.saved_searches(), "answer": None}
    try:
        if saved:
            context["answer"] = reader.saved_search(saved, limit=50)
            if context["answer"] is None:
                raise HTTPException(404, f"no saved search named {saved!r}")
            context["q"] = context["answer"].query
        elif q.strip():
            context["answer"] = reader.boolean_query(q, limit=50)
    except QuerySyntaxError as exc:
        context["fault"] = exc
    if context["answer"] is not None:
        context["charts"] = story_charts(context["answer"].volume, context["answer"].name or "query")
    return _page(request, "queries.html", **context)
