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

Backend = Literal["local", "gcp"]
TextProfile = Literal["fast", "accurate"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Runtime configuration (12-factor): one field per ``TRENDWATCH_<FIELD>`` variable."""

    environment: str = "local"
    backend: Backend = "local"
    state_dir: Path = Path(".trendwatch")
    project: str = "trendwatch-local"
    lake_bucket: str = "trendwatch-lake"
    #: Where feeds and replay files are dropped (storage triggers). In production a separate
    #: bucket, because Eventarc's storage triggers filter by bucket, not by prefix; locally
    #: the lake folder serves as both.
    landing_bucket: str = "trendwatch-landing"
    dataset: str = "trendwatch"
    text_profile: TextProfile = "fast"
    #: When set, services publish over HTTP to this local router (``--processes`` mode).
    router_url: str | None = None
    x_bearer_token: str | None = None
    x_stream_url: str = "https://api.x.com/2/tweets/search/stream"
    #: Hosts enrich-image may fetch media from when the lake has no copy.
    media_allowed_hosts: tuple[str, ...] = ("pbs.twimg.com",)
    log_level: str = "INFO"

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
                if name == "media_allowed_hosts":
                    raw[name] = [h.strip() for h in value.split(",") if h.strip()]
                else:
                    raw[name] = value
        raw.update({k: v for k, v in overrides.items() if v is not None})
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


def _decode_path(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str | Path):
        return Path(obj)
    raise NotImplementedError
