"""Where the workbench's runs and registered models are stored.

Locally a SQLite file, ``<state>/mlflow.db``, with artefacts under ``<state>/mlruns``: nothing
to start, and ``make mlflow`` opens the UI on it. A deployed workbench sets
``TRENDWATCH_TRACKING_URI`` to the tracking server (see ``docs/architecture.md``).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from trendwatch.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

DATABASE_NAME = "mlflow.db"
ARTIFACTS_NAME = "mlruns"


def tracking_uri(settings: Settings) -> str:
    """The tracking (and registry) store of ``settings``: the configured server, else the
    state folder's SQLite file."""
    if settings.tracking_uri:
        return settings.tracking_uri
    return f"sqlite:///{(settings.state_dir / DATABASE_NAME).resolve()}"


def artifact_root(settings: Settings) -> Path:
    """Where a local store keeps run artefacts (a server keeps its own)."""
    return (settings.state_dir / ARTIFACTS_NAME).resolve()


def store_exists(settings: Settings) -> bool:
    """Whether there is anything to read: a tracking server, or the local store's file."""
    return bool(settings.tracking_uri) or (settings.state_dir / DATABASE_NAME).exists()


def open_client(settings: Settings) -> MlflowClient:
    """A client of ``settings``' store; a local store's folder is created on first use."""
    if not settings.tracking_uri:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return _client(tracking_uri(settings))


@cache
def _client(uri: str) -> MlflowClient:
    """One client per store: MLflow creates (migrates) a SQLite store's tables on first
    connection, a few seconds it should pay once per process."""
    from mlflow import MlflowClient

    _quiet_mlflow()
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _quiet_mlflow() -> None:
    """MLflow and Alembic log each schema migration at INFO on stderr; keep warnings only
    (after MLflow's import, which sets its logger's level)."""
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
