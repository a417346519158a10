"""The analysts' web application: the JSON API (``/api/v1``, OpenAPI at ``/openapi.json`` and
``/docs``) and the dashboard (``/``), both read-only over the warehouse."""

from __future__ import annotations

import math

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from trendwatch.api import dashboard, routes
from trendwatch.api.read import AnalystReads
from trendwatch.ports import BlobStore, Warehouse
from trendwatch.settings import Settings


def create_app(reads: AnalystReads) -> FastAPI:
    app = FastAPI(
        title="trendwatch",
        summary="Emerging retail trends on social media: topics, people, products and stock.",
        version="1",
    )
    app.state.reads = reads
    app.include_router(routes.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=dashboard.STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def read_only_stores(settings: Settings) -> tuple[Warehouse, BlobStore]:
    """The warehouse and lake to read: BigQuery and Cloud Storage, or the local DuckDB file
    (opened read-only, so it must exist) and lake folder."""
    if settings.backend == "gcp":
        from trendwatch.adapters.gcp.container import gcp_container

        container = gcp_container(settings)
        return container.warehouse, container.lake
    from trendwatch.adapters.local.blobstore import LocalBlobStore
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}")
    return DuckDBWarehouse(settings.warehouse_path, read_only=True), LocalBlobStore(settings.lake_dir)


def app_from_settings(settings: Settings) -> FastAPI:
    """The application over the stores ``settings`` name, grouping topics as ``trendwatch topics`` does.

    A local warehouse cannot change while it is open read-only, so its slow answers (emerging
    topics, influence) are kept for good; BigQuery's are recomputed every few minutes.
    """
    from trendwatch.adapters.local.embedder import WordLlamaEmbedder

    warehouse, lake = read_only_stores(settings)
    cache_seconds = math.inf if settings.backend == "local" else 300.0
    return create_app(
        AnalystReads(warehouse, lake, cache_seconds=cache_seconds, embed=WordLlamaEmbedder().embed)
    )


def app_from_env() -> FastAPI:
    """The deployed service's application, from ``TRENDWATCH_*`` (``uvicorn --factory``)."""
    return app_from_settings(Settings.from_env())
