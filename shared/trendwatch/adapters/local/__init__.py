"""Local adapters: lake folder, DuckDB, in-process bus, offline models."""
