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
