"""Warehouse schema (one definition for BigQuery and DuckDB) and SQL dialect helpers."""
