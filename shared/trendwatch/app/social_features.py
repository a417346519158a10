"""The social signal of each product, per day: what the demand forecast's social model reads.

A product's daily series counts the facts of every term that names it (the catalogue matcher
of :mod:`trendwatch.domain.product_links`: keywords in either language, short names, phrases
containing one), not only the terms of a detected topic. Why not only ``topic_windows``: a
topic exists from the minute the detector alerts, while demand answers the talk that precedes
it, and a backfilled history has talk but no minute-by-minute detection. What a topic adds, the
days since the product's first linked topic emerged, comes from ``topic_products`` and
``trend_alerts``.

Columns: ``sku``, ``date``, ``voices`` (unique authors), ``tweets``, ``sentiment_avg``,
``reach`` (the voices' followers), ``bot_share`` (tweets from suspected bots),
``days_since_emergence`` (``None`` before, or without, a linked topic), ``all_voices`` (the
authors of every tweet stored that day: a product's share of voice is robust to how much was
collected, a backfill of a sample or a stream whose rules changed, where its voices are not).
A day without talk about the product has no row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec

from trendwatch.app.product_links import listed_products, term_facts, window_rows
from trendwatch.domain.product_links import ProductIndex
from trendwatch.ports import Warehouse

SOCIAL_COLUMNS = (
    "voices",
    "tweets",
    "sentiment_avg",
    "reach",
    "bot_share",
    "days_since_emergence",
    "all_voices",
)

_TERMS_SQL = "SELECT DISTINCT term FROM tweet_terms WHERE created_at >= @since AND created_at < @until"
_ALL_VOICES_SQL = """
SELECT DATE(created_at) AS day, COUNT(DISTINCT author_id) AS voices
FROM tweets
WHERE created_at >= @since AND created_at < @until
GROUP BY DATE(created_at)
"""
_EMERGED_SQL = """
SELECT tp.sku, MIN(a.first_detected_at) AS emerged_at
FROM topic_products AS tp
JOIN trend_alerts AS a ON a.topic_id = tp.topic_id
GROUP BY tp.sku
"""


class _Emerged(msgspec.Struct, frozen=True):
    sku: str
    emerged_at: datetime


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def emergence_days(warehouse: Warehouse) -> dict[str, date]:
    """SKU -> the day its first linked topic emerged."""
    found = msgspec.convert(warehouse.query(_EMERGED_SQL), list[_Emerged])
    return {e.sku: e.emerged_at.astimezone(UTC).date() for e in found}


def sku_social_daily(warehouse: Warehouse, first: date, last: date) -> list[dict[str, Any]]:
    """The rows described in the module docstring for the days ``first`` to ``last`` (included)."""
    since, until = _midnight(first), _midnight(last + timedelta(days=1))
    index = ProductIndex.of(listed_products(warehouse))
    skus_of_term: dict[str, tuple[str, ...]] = {}
    for row in warehouse.query(_TERMS_SQL, {"since": since, "until": until}):
        named = index.skus_named_by(row["term"])
        if named:
            skus_of_term[row["term"]] = tuple(sorted(named))
    facts = term_facts(warehouse, list(skus_of_term), since, until)
    emerged = emergence_days(warehouse)
    everyone = {
        _day(r["day"]): r["voices"]
        for r in warehouse.query(_ALL_VOICES_SQL, {"since": since, "until": until})
    }
    return sorted(
        (_feature_row(window, emerged, everyone) for window in window_rows(facts, skus_of_term, ["1d"])),
        key=lambda r: (r["sku"], r["date"]),
    )


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _feature_row(
    window: Mapping[str, Any], emerged: Mapping[str, date], everyone: Mapping[date, int]
) -> dict[str, Any]:
    day = window["window_start"].date()
    first = emerged.get(window["key"])
    return {
        "sku": window["key"],
        "date": day,
        "voices": window["unique_authors"],
        "tweets": window["tweet_count"],
        "sentiment_avg": window["sentiment_avg"],
        "reach": window["reach"],
        "bot_share": window["bot_share"],
        "days_since_emergence": (day - first).days if first is not None and first <= day else None,
        "all_voices": everyone.get(day, window["unique_authors"]),
    }
