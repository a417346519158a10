"""Views for analysts and Looker Studio, defined once beside the tables.

Each view is one BigQuery-dialect ``SELECT`` over the schema's unqualified table names: the
same text runs locally (DuckDB, through the warehouse adapter) and, qualified with the
dataset by :meth:`View.bigquery_sql`, becomes a BigQuery view (generated into Terraform by
:mod:`trendwatch.deploy.terraform`). Arrays are flattened to text, because Looker Studio
charts scalar fields only.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from trendwatch.warehouse.schema import TABLES_BY_NAME


@dataclass(frozen=True)
class View:
    name: str
    description: str
    sql: str

    def tables(self) -> frozenset[str]:
        """The warehouse tables the view reads."""
        tree = sqlglot.parse_one(self.sql, read="bigquery")
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        return frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)

    def bigquery_sql(self, project: str, dataset: str) -> str:
        """The view's ``SELECT`` with every table qualified as ``project.dataset.table``, as
        BigQuery requires of a view."""
        tree = sqlglot.parse_one(self.sql, read="bigquery")
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name in TABLES_BY_NAME and table.name not in ctes:
                table.set("db", exp.to_identifier(dataset))
                table.set("catalog", exp.to_identifier(project))
        return tree.sql(dialect="bigquery", pretty=True)


VIEWS: tuple[View, ...] = (
    View(
        "daily_term_volumes",
        "Per day, term and language: tweets, authors and sentiment mix. Which terms grow, where?",
        """
SELECT DATE(created_at) AS day, term, kind, lang,
       COUNT(DISTINCT tweet_id) AS tweets,
       COUNT(DISTINCT author_id) AS authors,
       COUNTIF(sentiment_label = 'positive') AS positive,
       COUNTIF(sentiment_label = 'neutral') AS neutral,
       COUNTIF(sentiment_label = 'negative') AS negative,
       AVG(sentiment_score) AS sentiment_avg
FROM tweet_terms
GROUP BY day, term, kind, lang
""",
    ),
    View(
        "daily_tweet_volumes",
        "Per day and language: tweets, authors, share with media and sentiment. How big is the stream?",
        """
SELECT DATE(created_at) AS day, lang,
       COUNT(*) AS tweets,
       COUNT(DISTINCT author_id) AS authors,
       COUNTIF(retweet_of IS NOT NULL) AS retweets,
       COUNTIF(has_media) AS with_media,
       AVG(sentiment_score) AS sentiment_avg
FROM tweets
GROUP BY day, lang
""",
    ),
    View(
        "emerging_topics",
        "Every emergence alert with its topic: what is emerging now, since when, how strongly?",
        """
SELECT a.alert_id, a.topic_id, COALESCE(a.label, tp.label) AS label,
       ARRAY_TO_STRING(a.terms, ', ') AS terms,
       ARRAY_TO_STRING(tp.languages, ', ') AS languages,
       a.score, a.volume, a.window_start, a.first_detected_at,
       DATE(a.first_detected_at) AS detected_day,
       ROW_NUMBER() OVER (PARTITION BY a.topic_id ORDER BY a.first_detected_at DESC) = 1 AS latest_of_topic
FROM trend_alerts AS a
LEFT JOIN topics AS tp ON tp.topic_id = a.topic_id
""",
    ),
    View(
        "influencers_latest",
        "The latest influence ranking, overall (topic_id '') and per topic: who drives a topic?",
        """
WITH latest AS (
  SELECT topic_id, MAX(as_of) AS as_of FROM influencers GROUP BY topic_id
)
SELECT i.topic_id, i.as_of, i.rank, i.user_id, COALESCE(i.username, u.username) AS username,
       i.score, COALESCE(i.followers, u.followers_count) AS followers, u.verified
FROM influencers AS i
JOIN latest AS l ON l.topic_id = i.topic_id AND l.as_of = i.as_of
LEFT JOIN users AS u ON u.user_id = i.user_id
""",
    ),
    View(
        "stock_vs_trends",
        "Products a trending topic touches, with the topic's latest alert, the latest stock and the "
        "latest forecast run (projected days of cover, the next 7 days' demand with and without the "
        "social signal): what may sell out?",
        """
WITH stock AS (
  SELECT sku, snapshot_date, SUM(on_hand) AS on_hand, SUM(on_order) AS on_order,
         COUNT(DISTINCT location_id) AS locations
  FROM inventory_daily
  WHERE snapshot_date = (SELECT MAX(snapshot_date) FROM inventory_daily)
  GROUP BY sku, snapshot_date
),
alerts AS (
  SELECT topic_id, MAX(score) AS alert_score, MAX(volume) AS alert_volume,
         MAX(first_detected_at) AS last_alert_at
  FROM trend_alerts
  GROUP BY topic_id
),
cover AS (
  SELECT sku, MIN(days_of_cover) AS projected_days_of_cover, MIN(stockout_date) AS projected_stockout_date
  FROM stock_cover
  WHERE as_of = (SELECT MAX(as_of) FROM stock_cover)
  GROUP BY sku
),
demand AS (
  SELECT sku, SUM(p50) AS forecast_7d, SUM(baseline_p50) AS baseline_7d
  FROM forecasts
  WHERE as_of = (SELECT MAX(as_of) FROM forecasts) AND location_id = '*' AND horizon_days <= 7
  GROUP BY sku
)
SELECT tp.topic_id, COALESCE(t.label, tp.topic_id) AS topic, tp.sku, p.name AS product, p.category, p.brand,
       tp.score AS match_score, ARRAY_TO_STRING(tp.matched_terms, ', ') AS matched_terms,
       a.alert_score, a.alert_volume, a.last_alert_at,
       s.snapshot_date, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.on_order, 0) AS on_order, s.locations,
       c.projected_days_of_cover, c.projected_stockout_date, d.forecast_7d, d.baseline_7d
FROM topic_products AS tp
LEFT JOIN topics AS t ON t.topic_id = tp.topic_id
LEFT JOIN products AS p ON p.sku = tp.sku
LEFT JOIN alerts AS a ON a.topic_id = tp.topic_id
LEFT JOIN stock AS s ON s.sku = tp.sku
LEFT JOIN cover AS c ON c.sku = tp.sku
LEFT JOIN demand AS d ON d.sku = tp.sku
""",
    ),
    View(
        "model_metrics_latest",
        "The latest value of each metric of each model on each dataset: how are the models doing?",
        """
WITH latest AS (
  SELECT model, dataset, metric, MAX(evaluated_at) AS evaluated_at
  FROM model_metrics
  GROUP BY model, dataset, metric
)
SELECT m.model, m.version, m.dataset, m.metric, m.value, m.evaluated_at
FROM model_metrics AS m
JOIN latest AS l
  ON l.model = m.model AND l.dataset = m.dataset AND l.metric = m.metric AND l.evaluated_at = m.evaluated_at
""",
    ),
    View(
        "model_drift_daily",
        "Production day by day per model version: drift against the days before (past its "
        "threshold or not) and accuracy on the analysts' labels, one row per day, model version "
        "and metric: what the Models page charts",
        """
SELECT day, model, model_version, kind, metric, value, threshold, drifted, tweets, computed_at
FROM model_drift
WHERE kind IN ('drift', 'accuracy')
""",
    ),
)

VIEWS_BY_NAME = {v.name: v for v in VIEWS}


def view(name: str) -> View:
    try:
        return VIEWS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown warehouse view {name!r} (known: {', '.join(VIEWS_BY_NAME)})") from None
