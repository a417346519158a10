"""SQL is written once in BigQuery's dialect; this module renders it for DuckDB."""

from __future__ import annotations

from functools import lru_cache

import sqlglot

from trendwatch.warehouse.schema import Table


class SqlError(ValueError):
    """The SQL could not be parsed or transpiled."""


@lru_cache(maxsize=512)
def to_duckdb(sql: str) -> str:
    """Transpile one BigQuery-dialect statement to DuckDB (``@p`` parameters become ``$p``)."""
    try:
        statements = sqlglot.transpile(sql, read="bigquery", write="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlError(f"cannot parse SQL: {exc}") from exc
    if len(statements) != 1:
        raise SqlError(f"expected one SQL statement, got {len(statements)}")
    return statements[0]


def merge_statement(table: Table, source: str, *, update: bool = True, update_when: str | None = None) -> str:
    """BigQuery ``MERGE`` upserting ``source`` (same columns as ``table``) by primary key.

    ``update_when`` is an extra condition on matched rows (``T`` is the table, ``S`` the
    source), e.g. to keep a row unchanged unless its counts changed.
    """
    on = " AND ".join(f"T.{k} = S.{k}" for k in table.primary_key)
    columns = ", ".join(table.column_names)
    values = ", ".join(f"S.{c}" for c in table.column_names)
    sql = f"MERGE INTO {table.name} AS T USING {source} AS S ON {on}"
    non_key = [c for c in table.column_names if c not in table.primary_key]
    if update and non_key:
        sets = ", ".join(f"{c} = S.{c}" for c in non_key)
        condition = f" AND ({update_when})" if update_when else ""
        sql += f" WHEN MATCHED{condition} THEN UPDATE SET {sets}"
    return sql + f" WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"


def _key(table: Table, alias: str = "") -> str:
    """The primary key as one comparable value (``IN`` takes one column; keys have several)."""
    return f"TO_JSON_STRING(STRUCT({', '.join(alias + k for k in table.primary_key)}))"


def duplicates_statement(table: Table) -> str:
    """How many keys of an append-only table have more than one row, and the span of their
    partition column (``lo``, ``hi``), among rows whose partition column is ``>= @since``.

    Reads only the key and partition columns, so the scheduled check is cheap; the repair
    (:func:`deduplicate_statement`) runs only when this finds something, over that span only.
    """
    keys = ", ".join(table.primary_key)
    at = table.partition_by
    return (
        f"SELECT COUNT(*) AS duplicated_keys, MIN(lo) AS lo, MAX(hi) AS hi FROM ("
        f"SELECT MIN({at}) AS lo, MAX({at}) AS hi FROM {table.name} WHERE {at} >= @since "
        f"GROUP BY {keys} HAVING COUNT(*) > 1)"
    )


def deduplicate_statement(table: Table) -> str:
    """One atomic ``MERGE`` that keeps a single row of every key stored more than once with its
    partition column between ``@lo`` and ``@hi``: every copy is deleted and one is inserted back.

    Copies of a key are the same event fact written twice (an at-least-once append retried),
    so which copy survives does not matter. The span bounds both the scan (partition pruning)
    and the rows the ``MERGE`` may touch.
    """
    keys = ", ".join(table.primary_key)
    at = table.partition_by
    span = f"{at} BETWEEN @lo AND @hi"
    columns = ", ".join(table.column_names)
    values = ", ".join(f"S.{c}" for c in table.column_names)
    return (
        f"MERGE INTO {table.name} AS T USING ("
        f"SELECT * FROM {table.name} WHERE {span} "
        f"QUALIFY COUNT(*) OVER (PARTITION BY {keys}) > 1 AND ROW_NUMBER() OVER (PARTITION BY {keys}) = 1"
        f") AS S ON FALSE "
        f"WHEN NOT MATCHED BY SOURCE AND T.{span} AND {_key(table, 'T.')} IN ("
        f"SELECT {_key(table)} FROM {table.name} WHERE {span} GROUP BY {keys} HAVING COUNT(*) > 1"
        f") THEN DELETE "
        f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
    )
