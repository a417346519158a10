"""Registered models: versions, the ``champion`` / ``challenger`` aliases, and the listing.

A registered version points at the run that logged the model's metrics, and carries the
project's own version (``trendwatch.model_version``: what output rows name, e.g.
``trendwatch-sentiment-en-5+dc98976e``), so that registering the same model again is a no-op.
The registered model records which of those metrics are measured on held-out sets and in which
direction they improve (``trendwatch.heldout_metrics``): :mod:`.promotion` compares those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import msgspec

from trendwatch.experiments.store import open_client
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion

CHAMPION = "champion"
CHALLENGER = "challenger"
MODEL_VERSION_TAG = "trendwatch.model_version"
HELDOUT_TAG = "trendwatch.heldout_metrics"
#: The run tag naming what its held-out metrics were last measured on (see ``heldout_data``).
HELDOUT_DATA_TAG = "trendwatch.heldout_data"

#: Whether a held-out metric improves upwards (recall) or downwards (an error).
Direction = Literal["max", "min"]


class RegisteredVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One registered version, as ``trendwatch models --json`` prints it."""

    name: str
    version: int
    #: The version output rows name (``model_versions``, ``forecasts.model_version``).
    model_version: str
    aliases: list[str]
    #: The metrics of the run the version was registered from.
    metrics: dict[str, float]
    created_at: str
    run_id: str
    #: What the held-out metrics were last measured on (the run's :data:`HELDOUT_DATA_TAG`),
    #: when that changes between runs (a backtest's data and origins): promotion compares only
    #: versions measured on the same.
    heldout_data: str = ""


def register(
    settings: Settings,
    name: str,
    run_id: str,
    *,
    model_version: str,
    heldout: Mapping[str, Direction],
    description: str = "",
) -> tuple[int, bool]:
    """Register the model ``run_id`` logged as a version of ``name``; returns the registry's
    version number and whether it is new. A version with the same ``model_version`` is
    returned as it is. The first version of a model becomes its champion, later ones its
    challenger (promotion is :func:`trendwatch.experiments.promotion.promote`'s decision)."""
    from mlflow.exceptions import MlflowException

    client = open_client(settings)
    try:
        client.create_registered_model(name, description=description or None)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    client.set_registered_model_tag(name, HELDOUT_TAG, json.dumps(dict(heldout), sort_keys=True))
    known = find_version(settings, name, model_version)
    if known is not None:
        return known.version, False
    created = client.create_model_version(
        name, source=f"runs:/{run_id}/model", run_id=run_id, tags={MODEL_VERSION_TAG: model_version}
    )
    version = int(created.version)
    has_champion = CHAMPION in client.get_registered_model(name).aliases
    client.set_registered_model_alias(name, CHALLENGER if has_champion else CHAMPION, str(version))
    return version, True


def find_version(settings: Settings, name: str, model_version: str) -> RegisteredVersion | None:
    """The version of ``name`` registered for ``model_version``, if any."""
    client = open_client(settings)
    for version in client.search_model_versions(f"name = '{name}'"):
        if version.tags.get(MODEL_VERSION_TAG) == model_version:
            return _described(settings, version, client.get_registered_model(name).aliases)
    return None


def heldout_metrics(settings: Settings, name: str) -> dict[str, Direction]:
    """The held-out metrics of ``name`` and their directions."""
    tags = open_client(settings).get_registered_model(name).tags
    found: dict[str, Direction] = json.loads(tags.get(HELDOUT_TAG, "{}"))
    return found


def get_version(settings: Settings, name: str, version: int) -> RegisteredVersion:
    """One version of ``name`` (MLflow's error when there is none)."""
    client = open_client(settings)
    aliases = client.get_registered_model(name).aliases
    return _described(settings, client.get_model_version(name, str(version)), aliases)


def alias_version(settings: Settings, name: str, alias: str) -> int | None:
    """The version ``alias`` points at, if any."""
    aliases = open_client(settings).get_registered_model(name).aliases
    return int(aliases[alias]) if alias in aliases else None


def set_alias(settings: Settings, name: str, alias: str, version: int) -> None:
    open_client(settings).set_registered_model_alias(name, alias, str(version))


def delete_alias(settings: Settings, name: str, alias: str) -> None:
    open_client(settings).delete_registered_model_alias(name, alias)


def list_versions(settings: Settings) -> list[RegisteredVersion]:
    """Every version of every registered model, by name then version."""
    client = open_client(settings)
    versions = [
        _described(settings, version, model.aliases)
        for model in client.search_registered_models()
        for version in client.search_model_versions(f"name = '{model.name}'")
    ]
    return sorted(versions, key=lambda v: (v.name, v.version))


def _described(settings: Settings, version: ModelVersion, aliases: Mapping[str, str]) -> RegisteredVersion:
    """``version`` with its run's metrics and the ``aliases`` (alias: version) of its model that
    point at it (versions listed by a search do not carry their aliases)."""
    run = open_client(settings).get_run(version.run_id).data if version.run_id else None
    metrics = run.metrics if run else {}
    created = datetime.fromtimestamp(version.creation_timestamp / 1000, UTC)
    return RegisteredVersion(
        name=version.name,
        version=int(version.version),
        model_version=version.tags.get(MODEL_VERSION_TAG, ""),
        aliases=sorted(alias for alias, target in aliases.items() if target == version.version),
        metrics=dict(sorted(metrics.items())),
        created_at=created.isoformat(timespec="seconds"),
        run_id=version.run_id or "",
        heldout_data=run.tags.get(HELDOUT_DATA_TAG, "") if run else "",
    )
