"""The analysts' web application: the JSON API (``/api/v1``, OpenAPI at ``/openapi.json`` and
``/docs``) and the dashboard (``/``), both read-only over the warehouse but for the analysts'
labels (:mod:`trendwatch.api.labelling`), both behind one gate (:mod:`trendwatch.api.access`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from trendwatch.api import access, dashboard, labelling, routes
from trendwatch.api.iap import GoogleIapKeys, IapVerifier, KeySource
from trendwatch.api.read import AnalystReads
from trendwatch.app.search_engines import DuckDBSearchEngine, SearchEngine
from trendwatch.ports import BlobStore, Warehouse
from trendwatch.query import QuerySyntaxError
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse


def create_app(
    reads: AnalystReads, gate: access.Gate | None = None, labeller: labelling.Labeller | None = None
) -> FastAPI:
    """The application over ``reads``; every request passes ``gate`` (default: a
    :class:`~trendwatch.api.access.LocalGate` without a token, for loopback only); analysts'
    labels go through ``labeller`` (none: labelling is answered 503)."""
    app = FastAPI(
        title="trendwatch",
        summary="Emerging retail trends on social media: topics, people, products and stock.",
        version="1",
    )
    app.state.reads = reads
    app.state.labeller = labeller
    access.install(app, gate or access.LocalGate())
    app.add_exception_handler(QuerySyntaxError, routes.query_syntax_error)
    app.include_router(routes.router)
    app.include_router(labelling.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=dashboard.STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def open_for_reading(path: Path) -> tuple[DuckDBWarehouse, DuckDBSearchEngine]:
    """The local warehouse at ``path``, read-only and confined, with its search engine.

    DuckDB keeps the ``fts`` index inside the file and a read-only connection cannot build it,
    so a short-lived writable one does first. It cannot open while another process reads the
    file: that process is another server, which brought the index up to date when it opened
    (a process writing the file would keep this one from reading it at all).

    The reading connection loads ``fts``, then is confined
    (:meth:`~trendwatch.adapters.local.warehouse.DuckDBWarehouse.confine`): no SQL it runs
    reads or writes a file, attaches a database, or loads an extension, whatever a query
    builder might one day let through.
    """
    import duckdb

    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}")
    try:
        writer = DuckDBWarehouse(path)
    except duckdb.IOException:
        pass
    else:
        try:
            DuckDBSearchEngine(writer).refresh_index()
        finally:
            writer.close()
    reader = DuckDBWarehouse(path, read_only=True)
    engine = DuckDBSearchEngine(reader)
    engine.load_extension()
    reader.confine()
    return reader, engine


def read_only_stores(settings: Settings) -> tuple[Warehouse, BlobStore, SearchEngine]:
    """The warehouse and lake to read, and the search engine over them: BigQuery and Cloud
    Storage, or the local DuckDB file (opened read-only and confined, so it must exist) and
    lake folder."""
    if settings.backend == "gcp":
        from trendwatch.adapters.gcp.container import gcp_container
        from trendwatch.app.search_engines import BigQuerySearchEngine

        container = gcp_container(settings)
        return container.warehouse, container.lake, BigQuerySearchEngine(container.warehouse)
    from trendwatch.adapters.local.blobstore import LocalBlobStore

    warehouse, engine = open_for_reading(settings.warehouse_path)
    return warehouse, LocalBlobStore(settings.lake_dir), engine


def gate_from_settings(settings: Settings, iap_keys: KeySource | None = None) -> access.Gate:
    """IAP's signed header and the role map when ``TRENDWATCH_IAP_AUDIENCE`` is set, else (on a
    developer's machine only) the optional ``TRENDWATCH_API_TOKEN``. ``iap_keys`` defaults to
    Google's published keys."""
    roles = access.RoleMap.from_json(settings.api_roles)  # a bad map stops the start, in any mode
    if settings.iap_audience:
        verifier = IapVerifier(settings.iap_audience, iap_keys or GoogleIapKeys())
        return access.IapGate(verifier, roles)
    if settings.environment != "local":
        raise ValueError(
            f"the {settings.environment} API must sit behind IAP: set TRENDWATCH_IAP_AUDIENCE to "
            "/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID"
        )
    return access.LocalGate(settings.api_token)


def app_from_settings(settings: Settings, *, iap_keys: KeySource | None = None) -> FastAPI:
    """The application over the stores ``settings`` name, grouping topics as ``trendwatch topics`` does.

    A local warehouse cannot change while it is open read-only, so its slow answers (emerging
    topics, influence) are kept for good; BigQuery's are recomputed every few minutes.
    """
    from trendwatch.adapters.local.embedder import WordLlamaEmbedder

    gate = gate_from_settings(settings, iap_keys)
    warehouse, lake, engine = read_only_stores(settings)
    cache_seconds = math.inf if settings.backend == "local" else 300.0
    embedder = WordLlamaEmbedder()
    return create_app(
        AnalystReads(
            warehouse,
            lake,
            search_engine=engine,
            embedder=embedder,
            cache_seconds=cache_seconds,
            embed=embedder.embed,
        ),
        gate,
        labelling.labeller_for(settings.backend, warehouse, lake),
    )


def app_from_env() -> FastAPI:
    """The deployed service's application, from ``TRENDWATCH_*`` (``uvicorn --factory``)."""
    return app_from_settings(Settings.from_env())
