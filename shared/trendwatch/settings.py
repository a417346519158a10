"""One typed settings object, read from ``TRENDWATCH_*`` environment variables.

Every value has a local default, so a local run needs no configuration at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

ENV_PREFIX = "TRENDWATCH_"

Environment = Literal["local", "dev", "staging", "prod"]
Backend = Literal["local", "gcp"]
TextProfile = Literal["fast", "accurate"]
#: Where spans and metrics go (see ``trendwatch.observability.telemetry``).
TelemetryMode = Literal["off", "file", "console", "gcp"]
#: Settings that are credentials: kept out of the settings' ``repr`` (and so out of logs).
SECRET_SETTINGS = frozenset({"x_bearer_token", "alert_webhook_url", "api_token"})
#: ``TRENDWATCH_ENV`` is the short name of ``TRENDWATCH_ENVIRONMENT``.
_ALIASES = {"env": "environment"}
#: The region every environment deploys to (``region`` in ``deploy/terraform/envs/*``), where
#: Terraform creates the BigQuery dataset; deployed services get the dataset's actual location
#: from Terraform as ``TRENDWATCH_BQ_LOCATION``.
DEFAULT_BQ_LOCATION = "europe-west1"
#: ``maximum_bytes_billed`` of BigQuery query jobs that read (the API, jobs' SELECTs) and of
#: those that write (MERGE, DML, DDL: a MERGE scans its whole target table).
DEFAULT_BQ_MAX_BYTES_READ = 50 * 2**30
DEFAULT_BQ_MAX_BYTES_WRITE = 200 * 2**30


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Runtime configuration (12-factor): one field per ``TRENDWATCH_<FIELD>`` variable."""

    #: ``local`` or a cloud environment; a cloud one implies the ``gcp`` backend and names its
    #: project and buckets (see :meth:`from_env`) unless they are set.
    environment: Environment = "local"
    backend: Backend = "local"
    state_dir: Path = Path(".trendwatch")
    project: str = "trendwatch-local"
    lake_bucket: str = "trendwatch-lake"
    #: Where feeds and replay files are dropped (storage triggers). In production a separate
    #: bucket, because Eventarc's storage triggers filter by bucket, not by prefix; locally
    #: the lake folder serves as both.
    landing_bucket: str = "trendwatch-landing"
    dataset: str = "trendwatch"
    #: Where BigQuery runs query jobs: the dataset's location, or jobs do not find the dataset.
    bq_location: str = DEFAULT_BQ_LOCATION
    #: Byte caps of BigQuery query jobs (see :class:`trendwatch.adapters.gcp.bigquery.ByteCaps`).
    bq_max_bytes_read: int = DEFAULT_BQ_MAX_BYTES_READ
    bq_max_bytes_write: int = DEFAULT_BQ_MAX_BYTES_WRITE
    text_profile: TextProfile = "fast"
    #: When set, services publish over HTTP to this local router (``--processes`` mode).
    router_url: str | None = None
    x_bearer_token: str | None = None
    x_stream_url: str = "https://api.x.com/2/tweets/search/stream"
    #: Hosts enrich-image may fetch media from when the lake has no copy.
    media_allowed_hosts: tuple[str, ...] = ("pbs.twimg.com",)
    #: Local image analysis reads text in images (Tesseract then PP-OCR, about a second per distinct
    #: image) so that words in pictures become terms; off with ``TRENDWATCH_IMAGE_OCR=false``.
    image_ocr: bool = True
    log_level: str = "INFO"
    #: Optional Slack-compatible webhook that trend alerts are also posted to.
    alert_webhook_url: str | None = None
    #: The API's IAP audience, ``/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID``:
    #: when set, every request must carry IAP's signed header for it (required outside local).
    iap_audience: str | None = None
    #: JSON map of e-mail addresses or ``@domain`` to the API role (``analyst``,
    #: ``data_scientist``, ``administrator``); anyone IAP admits without a role is refused.
    api_roles: str | None = None
    #: Local API only: when set, requests need ``Authorization: Bearer <token>``.
    api_token: str | None = None
    #: ``None`` = ``gcp`` with the gcp backend, else ``off``.
    telemetry: TelemetryMode | None = None
    #: Deployed functions: how long the first of the events that reach an instance together
    #: waits for others, to be handled with them as one batch (one set of warehouse writes);
    #: 0 handles each request alone. See :mod:`trendwatch.runtime.coalesce`.
    batch_window_s: float = 0.0
    #: The workbench's experiment tracking and model registry (MLflow): ``None`` = the state
    #: folder's SQLite file (see :mod:`trendwatch.experiments.store`). Services never read it.
    tracking_uri: str | None = None
    #: JSON map of registered model name to the version output rows name
    #: (``{"trendwatch-sentiment-en": "trendwatch-sentiment-en-5+dc98976e", ...}``), pinned per
    #: environment by Terraform: a service refuses to run another version of a model it names
    #: (see :mod:`trendwatch.experiments.pins`). ``None`` pins nothing (local runs).
    model_versions: str | None = None

    def __repr__(self) -> str:
        """Every setting but the credentials (a token, the webhook URL), which show as ``'***'``."""
        shown = ", ".join(
            f"{name}={'***' if name in SECRET_SETTINGS and getattr(self, name) else repr(getattr(self, name))}"
            for name in self.__struct_fields__
        )
        return f"Settings({shown})"

    @property
    def lake_dir(self) -> Path:
        return self.state_dir / "lake"

    @property
    def warehouse_path(self) -> Path:
        return self.state_dir / "warehouse.duckdb"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from the environment; ``overrides`` win over the environment."""
        environ = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for key, value in environ.items():
            if key.startswith(ENV_PREFIX):
                name = key[len(ENV_PREFIX) :].lower()
                name = _ALIASES.get(name, name)
                if name == "media_allowed_hosts":
                    raw[name] = [h.strip() for h in value.split(",") if h.strip()]
                else:
                    raw[name] = value
        raw.update({k: v for k, v in overrides.items() if v is not None})
        _environment_defaults(raw)
        try:
            return msgspec.convert(raw, cls, strict=False, dec_hook=_decode_path)
        except msgspec.ValidationError as exc:
            raise ValueError(f"invalid TRENDWATCH_* setting: {exc}") from exc

    def to_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings in a child process."""
        env: dict[str, str] = {}
        for field in self.__struct_fields__:
            value = getattr(self, field)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = ",".join(value)
            env[ENV_PREFIX + field.upper()] = str(value)
        return env


def _environment_defaults(raw: dict[str, object]) -> None:
    """Fill what a cloud environment implies: the gcp backend, ``trendwatch-<env>`` as project and
    the buckets Terraform names after the project (``<project>-lake``, ``<project>-landing``)."""
    environment = raw.get("environment", "local")
    if environment == "local":
        return
    raw.setdefault("backend", "gcp")
    project = raw.setdefault("project", f"trendwatch-{environment}")
    raw.setdefault("lake_bucket", f"{project}-lake")
    raw.setdefault("landing_bucket", f"{project}-landing")


def _decode_path(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str | Path):
        return Path(obj)
    raise NotImplementedError
