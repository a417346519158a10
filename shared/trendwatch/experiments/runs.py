"""Logging a training, tuning or evaluation run: what it was given, what it scored, what it made."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from trendwatch.experiments.store import artifact_root, open_client
from trendwatch.settings import Settings

#: Prefix of the parameters that hold the sha256 of each input data set.
DATA_HASH_PREFIX = "data_sha256."
#: MLflow's limit on a parameter's value; longer values (a list of candidates) are cut.
_PARAM_VALUE_LIMIT = 6000
#: What MLflow refuses in a metric's or parameter's name (``crop 5 %``): replaced by ``_``.
_NOT_IN_A_NAME = re.compile(r"[^\w\-. :/]")


def metric_name(name: str) -> str:
    """``name`` as MLflow accepts it: alphanumerics, ``_ - . : /`` and spaces."""
    return _NOT_IN_A_NAME.sub("_", name)


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks (data sets can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_files(paths: Iterable[Path]) -> str:
    """One sha256 for several files: each file's name and hash, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path.name}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def log_run(
    settings: Settings,
    experiment: str,
    *,
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    data: Mapping[str, str],
    artifacts: Iterable[Path] = (),
    tags: Mapping[str, str] | None = None,
) -> str:
    """Log one finished run in ``experiment`` (created on first use) and return its id.

    ``data`` maps each input data set's name to its sha256 (:func:`sha256_file`, or the hash a
    model's card already records), logged as ``data_sha256.<name>`` parameters so that runs on
    different data never compare as equals; ``artifacts`` are files copied into the run."""
    from mlflow.entities import Metric, Param, RunTag

    client = open_client(settings)
    run = client.create_run(_experiment_id(settings, experiment), run_name=run_name, tags=dict(tags or {}))
    run_id: str = run.info.run_id
    now_ms = int(time.time() * 1000)
    logged_params = {key: str(value)[:_PARAM_VALUE_LIMIT] for key, value in params.items()}
    logged_params |= {DATA_HASH_PREFIX + name: digest for name, digest in data.items()}
    client.log_batch(
        run_id,
        metrics=[Metric(metric_name(key), float(value), now_ms, 0) for key, value in metrics.items()],
        params=[Param(metric_name(key), value) for key, value in logged_params.items()],
        tags=[RunTag("trendwatch.data_sets", ",".join(sorted(data)))] if data else [],
    )
    for path in artifacts:
        client.log_artifact(run_id, str(path))
    client.set_terminated(run_id)
    return run_id


def _experiment_id(settings: Settings, name: str) -> str:
    client = open_client(settings)
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = None if settings.tracking_uri else (artifact_root(settings) / name).as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def update_run(
    settings: Settings, run_id: str, metrics: Mapping[str, float], tags: Mapping[str, str]
) -> None:
    """Log ``metrics`` (a metric logged again keeps its history; its latest value is the
    run's) and set ``tags`` on a finished run: a registered model scored again."""
    from mlflow.entities import Metric, RunTag

    now_ms = int(time.time() * 1000)
    open_client(settings).log_batch(
        run_id,
        metrics=[Metric(metric_name(key), float(value), now_ms, 0) for key, value in metrics.items()],
        tags=[RunTag(key, value) for key, value in tags.items()],
    )
