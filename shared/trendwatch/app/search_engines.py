"""The engine-specific half of hybrid search: keyword and nearest-neighbour candidates.

Each engine answers two questions, each with a ranked list of candidate tweets: which
tweets contain the query's words (keyword side), and which tweets' embeddings are nearest
the query's (semantic side). :func:`trendwatch.app.search.search` fuses the two lists.

- :class:`DuckDBSearchEngine` (local): BM25 from DuckDB's ``fts`` extension, loaded from the
  ``duckdb-ext-fts`` package (DuckDB would otherwise download it), and a brute-force dot
  product over the stored unit vectors (milliseconds for tens of thousands of tweets).
- :class:`BigQuerySearchEngine` (production): ``SEARCH()`` on the ``tweets`` search index and
  ``VECTOR_SEARCH`` on the ``tweet_embeddings`` vector index
  (:data:`trendwatch.warehouse.schema.INDEXES`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

import msgspec

from trendwatch.ports import Warehouse


class SearchFilters(msgspec.Struct, frozen=True, kw_only=True):
    """Restrict both sides of a search; ``since`` is inclusive, ``until`` exclusive."""

    lang: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict[str, Any]:
        # Unset bounds become far-away instants rather than NULLs: BigQuery types a NULL
        # parameter as a STRING, which cannot be compared with a TIMESTAMP.
        return {
            "lang": self.lang,
            "since": self.since or datetime(1970, 1, 1, tzinfo=UTC),
            "until": self.until or datetime(9999, 12, 31, tzinfo=UTC),
        }


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A tweet one side of the search matched, with what a hit shows."""

    tweet_id: str
    text: str
    author: str
    created_at: datetime
    lang: str | None


class SearchEngine(Protocol):
    def has_embeddings(self, model: str) -> bool:
        """Whether any tweet has an embedding by ``model`` (else semantic search cannot work)."""
        ...

    def keyword(self, query: str, filters: SearchFilters, limit: int) -> list[Candidate]:
        """Tweets containing the query's words, most relevant first."""
        ...

    def semantic(
        self, vector: Sequence[float], model: str, filters: SearchFilters, limit: int
    ) -> list[Candidate]:
        """Tweets whose ``model`` embedding is nearest ``vector`` (unit length), nearest first."""
        ...


# Portable (BigQuery dialect, transpiled for DuckDB). ``model`` clusters the table, so cheap.
_HAS_EMBEDDINGS_SQL = (
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM tweet_embeddings WHERE model = @model LIMIT 1)"
)


#: What a hit shows, from ``tweets AS t LEFT JOIN users AS u`` (the same in both dialects).
_HIT_COLUMNS = "t.tweet_id, t.text, COALESCE(u.username, t.author_id) AS author, t.created_at, t.lang"


def _candidates(rows: Sequence[Mapping[str, Any]]) -> list[Candidate]:
    return [
        Candidate(
            tweet_id=row["tweet_id"],
            text=row["text"],
            author=row["author"],
            created_at=datetime.fromisoformat(row["created_at"]),
            lang=row["lang"],
        )
        for row in rows
    ]


class NativeDuckDB(Warehouse, Protocol):
    """The local warehouse, which can also run DuckDB's own SQL."""

    def query_duckdb(
        self, statement: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...


#: DuckDB's full-text index over tweet text. Porter stemming and English stopwords: most
#: tweets are English, and on French words the stemmer mostly strips plurals.
_DUCKDB_INDEX_SQL = (
    "PRAGMA create_fts_index('tweets', 'tweet_id', 'text', stemmer = 'porter', "
    "stopwords = 'english', overwrite = 1)"
)
_DUCKDB_INDEX_STATE_SQL = """
SELECT (SELECT COUNT(*) FROM tweets) AS tweets,
       (SELECT COUNT(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_tweets' AND table_name = 'docs') AS built
"""
_DUCKDB_FILTERS = "t.created_at >= $since AND t.created_at < $until AND ($lang IS NULL OR t.lang = $lang)"
_DUCKDB_KEYWORD_SQL = f"""
SELECT * EXCLUDE (score) FROM (
  SELECT {_HIT_COLUMNS}, fts_main_tweets.match_bm25(t.tweet_id, $query) AS score
  FROM tweets AS t LEFT JOIN users AS u ON u.user_id = t.author_id
  WHERE {_DUCKDB_FILTERS}
)
WHERE score IS NOT NULL
ORDER BY score DESC, created_at, tweet_id
LIMIT $limit
"""
# The nearest rows are picked from the embeddings alone, then joined: joining first would
# carry every row's text through the sort (ten times slower at 20,000 tweets).
_DUCKDB_SEMANTIC_SQL = f"""
WITH nearest AS (
  SELECT tweet_id, list_inner_product(embedding, $vector::DOUBLE[]) AS similarity
  FROM tweet_embeddings
  WHERE model = $model AND created_at >= $since AND created_at < $until AND ($lang IS NULL OR lang = $lang)
  ORDER BY similarity DESC, created_at, tweet_id
  LIMIT $limit
)
SELECT {_HIT_COLUMNS}
FROM nearest AS n
JOIN tweets AS t ON t.tweet_id = n.tweet_id
LEFT JOIN users AS u ON u.user_id = t.author_id
ORDER BY n.similarity DESC, t.created_at, t.tweet_id
"""


#: Whether the connection has ``fts`` loaded (its ``stem`` function), asked without the
#: extension directory, which a confined connection may not read.
_FTS_LOADED_SQL = "SELECT COUNT(*) AS n FROM duckdb_functions() WHERE function_name = 'stem'"


class DuckDBSearchEngine:
    """Local search. The ``fts`` index is rebuilt when stale: tweets are only ever inserted,
    so it is current exactly when it holds as many documents as there are tweets."""

    def __init__(self, warehouse: NativeDuckDB) -> None:
        self._warehouse = warehouse
        self._loaded = False

    def has_embeddings(self, model: str) -> bool:
        return bool(self._warehouse.query(_HAS_EMBEDDINGS_SQL, {"model": model})[0]["n"])

    def load_extension(self) -> None:
        """Load ``fts`` into the connection unless it is there already (another engine over the
        same connection loaded it): before the connection is confined, which forbids loading
        (and the settings that point DuckDB at the packaged copy)."""
        if self._loaded:
            return
        if not self._warehouse.query_duckdb(_FTS_LOADED_SQL)[0]["n"]:
            extensions = resources.files("duckdb_ext") / "extensions"
            self._warehouse.query_duckdb("SET autoinstall_known_extensions = false")
            self._warehouse.query_duckdb("SET extension_directory = $path", {"path": str(extensions)})
            self._warehouse.query_duckdb("LOAD fts")
        self._loaded = True

    def refresh_index(self) -> None:
        """Build the ``fts`` index if it is missing or stale (needs a writable warehouse then)."""
        self.load_extension()
        state = self._warehouse.query_duckdb(_DUCKDB_INDEX_STATE_SQL)[0]
        if state["built"]:
            indexed = self._warehouse.query_duckdb("SELECT COUNT(*) AS n FROM fts_main_tweets.docs")[0]["n"]
            if indexed == state["tweets"]:
                return
        self._warehouse.query_duckdb(_DUCKDB_INDEX_SQL)

    def keyword(self, query: str, filters: SearchFilters, limit: int) -> list[Candidate]:
        self.refresh_index()
        rows = self._warehouse.query_duckdb(
            _DUCKDB_KEYWORD_SQL, {"query": query, "limit": limit, **filters.params()}
        )
        return _candidates(rows)

    def semantic(
        self, vector: Sequence[float], model: str, filters: SearchFilters, limit: int
    ) -> list[Candidate]:
        rows = self._warehouse.query_duckdb(
            _DUCKDB_SEMANTIC_SQL, {"vector": list(vector), "model": model, "limit": limit, **filters.params()}
        )
        return _candidates(rows)


_BIGQUERY_FILTERS = "t.created_at >= @since AND t.created_at < @until AND (@lang IS NULL OR t.lang = @lang)"
# SEARCH() is a filter, without a relevance score: matches are ranked by how many of the
# query's words they contain, then the newest first. (Fusion uses only the ranks.)
BIGQUERY_KEYWORD_SQL = f"""
SELECT * EXCEPT (matched) FROM (
  SELECT {_HIT_COLUMNS},
         (SELECT COUNTIF(SEARCH(t.text, term)) FROM UNNEST(@terms) AS term) AS matched
  FROM tweets AS t LEFT JOIN users AS u ON u.user_id = t.author_id
  WHERE {_BIGQUERY_FILTERS}
)
WHERE matched > 0
ORDER BY matched DESC, created_at DESC, tweet_id
LIMIT @limit
"""
BIGQUERY_SEMANTIC_SQL = f"""
SELECT {_HIT_COLUMNS}
FROM VECTOR_SEARCH(
  (SELECT tweet_id, embedding FROM tweet_embeddings
   WHERE model = @model AND created_at >= @since AND created_at < @until AND (@lang IS NULL OR lang = @lang)),
  'embedding',
  (SELECT @vector AS embedding),
  top_k => @limit,
  distance_type => 'COSINE'
) AS v
JOIN tweets AS t ON t.tweet_id = v.base.tweet_id
LEFT JOIN users AS u ON u.user_id = t.author_id
WHERE {_BIGQUERY_FILTERS}
ORDER BY v.distance, t.created_at, t.tweet_id
"""


def search_terms(query: str) -> list[str]:
    """The distinct words of a query, lower-cased: one ``SEARCH()`` each."""
    return list(dict.fromkeys(re.findall(r"\w+", query.lower())))


class BigQuerySearchEngine:
    """Production search, through the :class:`~trendwatch.ports.Warehouse` port."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def has_embeddings(self, model: str) -> bool:
        return bool(self._warehouse.query(_HAS_EMBEDDINGS_SQL, {"model": model})[0]["n"])

    def keyword(self, query: str, filters: SearchFilters, limit: int) -> list[Candidate]:
        terms = search_terms(query)
        if not terms:
            return []
        rows = self._warehouse.query(
            BIGQUERY_KEYWORD_SQL, {"terms": terms, "limit": limit, **filters.params()}
        )
        return _candidates(rows)

    def semantic(
        self, vector: Sequence[float], model: str, filters: SearchFilters, limit: int
    ) -> list[Candidate]:
        rows = self._warehouse.query(
            BIGQUERY_SEMANTIC_SQL,
            {"vector": list(vector), "model": model, "limit": limit, **filters.params()},
        )
        return _candidates(rows)
