"""Every SQL statement the analysts' API runs: BigQuery dialect, ``@name`` parameters only.

Time bounds are always given (``@since``/``@until``, never NULL) because BigQuery types a
NULL parameter as STRING; optional text filters (``@lang``, ``@category``...) may be NULL.
A topic is a set of terms (``@terms``): a ``term:<term>`` topic has one.
"""

from __future__ import annotations

#: First and last tweet time stored: the span the charts cover.
SPAN = """
SELECT MIN(created_at) AS first_at, MAX(created_at) AS last_at
FROM tweets
"""

#: A topic stored in the topics table (topics built from several terms).
STORED_TOPIC = """
SELECT label, terms
FROM topics
WHERE topic_id = @topic_id
"""

TERMS_EXIST = """
SELECT COUNT(*) > 0 AS found
FROM tweet_terms
WHERE term IN UNNEST(@terms)
"""

#: Per term, the product category most of its tweets are about.
TERM_CATEGORIES = """
SELECT term, category
FROM (
  SELECT tt.term, c AS category, COUNT(*) AS tweets
  FROM tweet_terms AS tt
  JOIN tweets AS t ON t.tweet_id = tt.tweet_id
  CROSS JOIN UNNEST(t.categories) AS c
  WHERE tt.term IN UNNEST(@terms)
  GROUP BY tt.term, c
)
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY term ORDER BY tweets DESC, category) = 1
"""

#: Per-minute windows summed into buckets of ``@bucket_seconds``, per term and language.
SERIES = """
SELECT TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(window_start), @bucket_seconds) * @bucket_seconds) AS bucket,
       term, lang,
       SUM(tweet_count) AS tweets,
       SUM(positive) AS positive, SUM(neutral) AS neutral, SUM(negative) AS negative,
       SUM(sentiment_avg * tweet_count) AS sentiment_sum
FROM term_windows
WHERE window_size = '1m'
  AND term IN UNNEST(@terms)
  AND window_start >= @since AND window_start < @until
  AND (@lang IS NULL OR lang = @lang)
GROUP BY bucket, term, lang
ORDER BY bucket, term, lang
"""

LANGUAGES = """
SELECT COALESCE(lang, 'und') AS lang, COUNT(DISTINCT tweet_id) AS tweets,
       COUNT(DISTINCT author_id) AS authors, AVG(sentiment_score) AS sentiment_avg
FROM tweet_terms
WHERE term IN UNNEST(@terms) AND created_at >= @since AND created_at < @until
GROUP BY lang
ORDER BY tweets DESC, lang
"""

#: Terms that appear in the topic's tweets, by how many of them they share.
RELATED_TERMS = """
SELECT other.term, other.kind, COUNT(DISTINCT other.tweet_id) AS tweets
FROM tweet_terms AS mine
JOIN tweet_terms AS other ON other.tweet_id = mine.tweet_id
WHERE mine.term IN UNNEST(@terms) AND other.term NOT IN UNNEST(@terms)
  AND mine.created_at >= @since AND mine.created_at < @until
  AND (@lang IS NULL OR mine.lang = @lang)
GROUP BY other.term, other.kind
ORDER BY tweets DESC, other.term
LIMIT @limit
"""

_TOPIC_TWEETS_CTE = """
topic_tweets AS (
  SELECT DISTINCT tweet_id
  FROM tweet_terms
  WHERE term IN UNNEST(@terms) AND created_at >= @since AND created_at < @until
    AND (@lang IS NULL OR lang = @lang)
),
-- each tweet of the topic stands for its source: itself, or the tweet it retweets
sources AS (
  SELECT COALESCE(t.retweet_of, t.tweet_id) AS tweet_id, t.retweet_of IS NOT NULL AS is_retweet
  FROM tweets AS t
  JOIN topic_tweets AS tt ON tt.tweet_id = t.tweet_id
)"""

_TWEET_COLUMNS = """t.tweet_id, t.created_at, t.author_id, u.username, t.text, t.lang,
       t.sentiment_label, t.sentiment_score, t.has_media, t.like_count"""

#: The topic's most retweeted original tweets (retweets counted within the topic).
TOP_TWEETS = f"""
WITH {_TOPIC_TWEETS_CTE},
amplified AS (
  SELECT tweet_id, COUNTIF(is_retweet) AS retweets FROM sources GROUP BY tweet_id
)
SELECT {_TWEET_COLUMNS}, a.retweets
FROM amplified AS a
JOIN tweets AS t ON t.tweet_id = a.tweet_id
LEFT JOIN users AS u ON u.user_id = t.author_id
ORDER BY a.retweets DESC, t.like_count DESC, t.created_at, t.tweet_id
LIMIT @limit
"""

#: The topic's images, one per near-duplicate group, the most shared groups first.
TOPIC_MEDIA = f"""
WITH {_TOPIC_TWEETS_CTE},
shown AS (
  SELECT m.media_key, m.tweet_id, m.created_at, m.width, m.height, m.colours, m.ocr_text, m.labels,
         COALESCE(m.near_duplicate_group, m.media_key) AS image_group,
         COUNT(*) OVER (PARTITION BY COALESCE(m.near_duplicate_group, m.media_key)) AS copies
  FROM media AS m
  WHERE m.tweet_id IN (SELECT tweet_id FROM sources)
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY COALESCE(m.near_duplicate_group, m.media_key) ORDER BY m.created_at, m.media_key
  ) = 1
)
SELECT media_key, tweet_id, created_at, width, height, colours, ocr_text, labels, image_group, copies
FROM shown
ORDER BY copies DESC, created_at, media_key
LIMIT @limit
"""

#: Original tweets whose text holds every one of ``@words`` (lower case), newest first.
SEARCH_TWEETS = f"""
WITH hits AS (
  SELECT t.*
  FROM tweets AS t
  WHERE t.retweet_of IS NULL
    AND NOT EXISTS (SELECT 1 FROM UNNEST(@words) AS w WHERE STRPOS(LOWER(t.text), w) = 0)
    AND t.created_at >= @since AND t.created_at < @until
    AND (@lang IS NULL OR t.lang = @lang)
    AND (@category IS NULL OR @category IN UNNEST(t.categories))
),
amplified AS (
  SELECT r.retweet_of AS tweet_id, COUNT(*) AS retweets
  FROM tweets AS r
  WHERE r.retweet_of IN (SELECT tweet_id FROM hits)
  GROUP BY r.retweet_of
)
SELECT {_TWEET_COLUMNS}, COALESCE(a.retweets, 0) AS retweets, COUNT(*) OVER () AS total
FROM hits AS t
LEFT JOIN amplified AS a ON a.tweet_id = t.tweet_id
LEFT JOIN users AS u ON u.user_id = t.author_id
ORDER BY t.created_at DESC, t.tweet_id
LIMIT @limit OFFSET @offset
"""

#: Keyword links of ``@terms``: the products one of whose keywords occurs in a term (ignoring
#: case, ``#`` and spaces, keywords of at least 5 letters), scored by the share of the term
#: the keyword covers.
_KEYWORD_LINKS = """
normalised AS (
  SELECT p.sku, term, REPLACE(REPLACE(LOWER(term), '#', ''), ' ', '') AS bare_term,
         REPLACE(REPLACE(LOWER(k), '#', ''), ' ', '') AS bare_keyword
  FROM products AS p
  CROSS JOIN UNNEST(p.keywords) AS k
  CROSS JOIN UNNEST(@terms) AS term
),
keyword_links AS (
  SELECT sku, term, LENGTH(bare_keyword) / LENGTH(bare_term) AS score
  FROM normalised
  WHERE LENGTH(bare_keyword) >= 5 AND STRPOS(bare_term, bare_keyword) > 0
)"""

#: Stock and demand of the SKUs in ``linked``: the latest snapshot summed over locations, and
#: from the latest forecast run (``stock_cover`` and ``forecasts``): the mean daily demand its
#: social model forecasts over the horizon and the days until the first location runs out of
#: projected stock (snapshot, stock events, expected deliveries, forecast demand).
_STOCK_AND_DEMAND = """
stock AS (
  SELECT sku, snapshot_date, SUM(on_hand) AS on_hand, SUM(on_order) AS on_order
  FROM inventory_daily
  WHERE sku IN (SELECT sku FROM linked)
  GROUP BY sku, snapshot_date
  QUALIFY snapshot_date = MAX(snapshot_date) OVER (PARTITION BY sku)
),
latest_run AS (SELECT MAX(as_of) AS as_of FROM stock_cover),
cover AS (
  SELECT c.sku, c.as_of, SUM(c.on_hand) AS projected_on_hand, MIN(c.days_of_cover) AS days_of_cover,
         MIN(c.stockout_date) AS stockout_date
  FROM stock_cover AS c
  JOIN latest_run AS r ON c.as_of = r.as_of
  WHERE c.sku IN (SELECT sku FROM linked)
  GROUP BY c.sku, c.as_of
),
demand AS (
  SELECT f.sku, AVG(f.p50) AS daily_demand
  FROM forecasts AS f
  JOIN latest_run AS r ON f.as_of = r.as_of
  WHERE f.location_id = '*' AND f.sku IN (SELECT sku FROM linked)
  GROUP BY f.sku
)"""

#: Products a topic touches, with their stock and forecast demand: the ``topic_products`` rows
#: of the topic and, for products not linked there, its keyword links.
TOPIC_PRODUCTS = f"""
WITH stored AS (
  SELECT sku, score, matched_terms FROM topic_products WHERE topic_id = @topic_id
),
{_KEYWORD_LINKS},
matched AS (
  SELECT sku, MAX(score) AS score, ARRAY_AGG(DISTINCT term ORDER BY term) AS matched_terms
  FROM keyword_links
  WHERE sku NOT IN (SELECT sku FROM stored)
  GROUP BY sku
),
linked AS (
  SELECT * FROM stored
  UNION ALL
  SELECT * FROM matched
),
{_STOCK_AND_DEMAND}
SELECT p.sku, p.name, p.category, p.brand, p.price, l.score, l.matched_terms,
       s.snapshot_date, s.on_hand, s.on_order, d.daily_demand, c.days_of_cover
FROM linked AS l
JOIN products AS p ON p.sku = l.sku
LEFT JOIN stock AS s ON s.sku = l.sku
LEFT JOIN cover AS c ON c.sku = l.sku
LEFT JOIN demand AS d ON d.sku = l.sku
ORDER BY l.score DESC, p.sku
LIMIT @limit
"""

#: The products of many topics at once whose projected stock lasts ``@max_days_of_cover`` days or less,
#: the shortest cover first: each with the topics (of ``@topic_ids``) that store a link to it
#: and the terms (of ``@terms``, every term of those topics) that link to it by keyword.
STOCK_ALERTS = f"""
WITH {_KEYWORD_LINKS},
links AS (
  SELECT sku, topic_id, CAST(NULL AS STRING) AS term
  FROM topic_products
  WHERE topic_id IN UNNEST(@topic_ids)
  UNION ALL
  SELECT sku, CAST(NULL AS STRING) AS topic_id, term FROM keyword_links
),
linked AS (
  SELECT sku, ARRAY_AGG(DISTINCT topic_id IGNORE NULLS) AS topic_ids,
         ARRAY_AGG(DISTINCT term IGNORE NULLS) AS matched_terms
  FROM links
  GROUP BY sku
),
{_STOCK_AND_DEMAND}
SELECT p.sku, p.name, p.category, c.projected_on_hand AS on_hand, d.daily_demand, c.days_of_cover,
       c.stockout_date, c.as_of, l.topic_ids, l.matched_terms
FROM linked AS l
JOIN products AS p ON p.sku = l.sku
JOIN cover AS c ON c.sku = l.sku
LEFT JOIN demand AS d ON d.sku = l.sku
WHERE c.days_of_cover <= @max_days_of_cover
ORDER BY c.days_of_cover, p.sku
"""

LATEST_RESTOCK_DAY = "SELECT MAX(as_of) AS as_of FROM restock_recommendations"

#: The restock recommendations of the run of ``@as_of``, most urgent first.
RESTOCK = """
SELECT r.as_of, r.sku, p.name, r.location_id, r.recommended_quantity, r.urgency, r.order_date,
       r.stockout_date, r.days_of_cover, r.topic_id, r.topic_label, r.uplift, r.reason,
       COUNT(*) OVER () AS total
FROM restock_recommendations AS r
LEFT JOIN products AS p ON p.sku = r.sku
WHERE r.as_of = @as_of AND (@urgency IS NULL OR r.urgency = @urgency)
ORDER BY CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,
         r.order_date, r.stockout_date, r.sku, r.location_id
LIMIT @limit OFFSET @offset
"""

#: One product's latest forecast run: its SKU-total forecasts, with the run's models.
PRODUCT_FORECAST = """
SELECT forecast_date AS date, p10, p50, p90, baseline_p50, model, baseline_model, as_of
FROM forecasts
WHERE sku = @sku AND location_id = '*' AND as_of = (SELECT MAX(as_of) FROM forecasts WHERE sku = @sku)
ORDER BY forecast_date
"""

#: One product's units per day over ``[@since, @until)``.
PRODUCT_HISTORY = """
SELECT DATE(ordered_at) AS date, SUM(quantity) AS units
FROM orders
WHERE sku = @sku AND ordered_at >= @since AND ordered_at < @until
GROUP BY DATE(ordered_at)
ORDER BY date
"""

MODEL_METRICS = """
SELECT model, version, dataset, metric, value, evaluated_at, COUNT(*) OVER () AS total
FROM model_metrics
WHERE (@model IS NULL OR model = @model)
  AND (@metric IS NULL OR metric = @metric)
  AND evaluated_at >= @since AND evaluated_at < @until
ORDER BY model, metric, dataset, evaluated_at, version
LIMIT @limit OFFSET @offset
"""

PRODUCT_NAME = "SELECT name FROM products WHERE sku = @sku"
