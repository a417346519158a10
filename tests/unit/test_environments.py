"""``TRENDWATCH_ENV`` selects the backend and every resource name; Terraform names them the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trendwatch.bootstrap import container_from_env
from trendwatch.observability.telemetry import telemetry_mode
from trendwatch.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_a_cloud_environment_selects_gcp_and_its_own_project_and_buckets(env: str) -> None:
    settings = Settings.from_env({"TRENDWATCH_ENV": env})
    assert (settings.environment, settings.backend, settings.project) == (env, "gcp", f"trendwatch-{env}")
    assert (settings.lake_bucket, settings.landing_bucket) == (
        f"trendwatch-{env}-lake",
        f"trendwatch-{env}-landing",
    )
    assert telemetry_mode(settings) == "gcp"


def test_explicit_names_win_and_the_buckets_follow_the_project() -> None:
    settings = Settings.from_env({"TRENDWATCH_ENVIRONMENT": "prod", "TRENDWATCH_PROJECT": "acme-tw-prod"})
    assert (settings.lake_bucket, settings.landing_bucket) == ("acme-tw-prod-lake", "acme-tw-prod-landing")
    bucket = Settings.from_env({"TRENDWATCH_ENV": "dev", "TRENDWATCH_LAKE_BUCKET": "shared-lake"})
    assert (bucket.lake_bucket, bucket.landing_bucket) == ("shared-lake", "trendwatch-dev-landing")


def test_local_keeps_the_local_backend_and_names() -> None:
    settings = Settings.from_env({"TRENDWATCH_ENV": "local"})
    assert (settings.backend, settings.project, settings.lake_bucket) == (
        "local",
        "trendwatch-local",
        "trendwatch-lake",
    )
    assert telemetry_mode(settings) == "off"


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="TRENDWATCH_"):
        Settings.from_env({"TRENDWATCH_ENV": "qa"})


def test_a_cloud_environment_wires_the_google_cloud_adapters_on_its_buckets() -> None:
    container = container_from_env(Settings.from_env({"TRENDWATCH_ENV": "staging"}))
    assert type(container.publisher).__name__ == "PubSubPublisher"
    assert (container.lake.bucket, container.landing.bucket) == (
        "trendwatch-staging-lake",
        "trendwatch-staging-landing",
    )


def test_terraform_names_buckets_and_sets_the_environment_as_settings_derive_them() -> None:
    storage = (REPO / "deploy/terraform/modules/storage/main.tf").read_text(encoding="utf-8")
    assert re.search(r'lake\s*=\s*\{ name = "\$\{var\.project_id\}-lake"', storage)
    assert re.search(r'landing\s*=\s*\{ name = "\$\{var\.project_id\}-landing"', storage)
    service = (REPO / "deploy/terraform/modules/service/main.tf").read_text(encoding="utf-8")
    for variable in ("TRENDWATCH_ENVIRONMENT", "TRENDWATCH_PROJECT", "TRENDWATCH_LAKE_BUCKET"):
        assert re.search(rf"{variable}\s*=\s*var\.", service), variable


def test_settings_survive_the_trip_to_a_child_process_environment() -> None:
    settings = Settings.from_env({"TRENDWATCH_ENV": "dev", "TRENDWATCH_TELEMETRY": "file"})
    assert Settings.from_env(settings.to_env()) == settings
