"""The Terraform of the workbench: every service is told its environment's pinned model
versions, and the MLflow tracking server is private, least-privilege and the data scientists'."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hcl2.api import load as load_hcl

TERRAFORM = Path(__file__).resolve().parents[2] / "deploy" / "terraform"
WORKBENCH = TERRAFORM / "modules" / "workbench" / "main.tf"


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return dict(load_hcl(handle))


def _resources(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The resources of ``kind`` by name (python-hcl2 keeps the labels' quotes)."""
    return {
        name.strip('"'): attrs
        for entry in doc["resource"]
        for key, body in entry.items()
        if key.strip('"') == kind
        for name, attrs in body.items()
    }


def _value(raw: Any) -> Any:
    """An attribute's value without the quotes python-hcl2 keeps."""
    return raw.strip('"') if isinstance(raw, str) else raw


def _module(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(body[f'"{name}"'] for body in doc["module"] if f'"{name}"' in body)


def test_every_service_gets_its_environments_model_versions() -> None:
    service = (TERRAFORM / "modules" / "service" / "main.tf").read_text(encoding="utf-8")
    assert re.search(r"TRENDWATCH_MODEL_VERSIONS\s*=\s*jsonencode\(var\.model_versions\)", service)
    platform = _load(TERRAFORM / "modules" / "platform" / "main.tf")
    assert _module(platform, "services")["model_versions"] == "${var.model_versions}"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_each_environment_pins_its_model_versions_in_its_tfvars(env: str) -> None:
    root = _load(TERRAFORM / "envs" / env / "main.tf")
    assert _module(root, "platform")["model_versions"] == "${var.model_versions}"
    tfvars = _load(TERRAFORM / "envs" / env / "terraform.tfvars")
    assert isinstance(tfvars["model_versions"], dict)


def test_only_the_data_scientists_may_call_the_tracking_server() -> None:
    doc = _load(WORKBENCH)
    invokers = _resources(doc, "google_cloud_run_v2_service_iam_member")
    assert list(invokers) == ["invokers"]
    assert _value(invokers["invokers"]["role"]) == "roles/run.invoker"
    assert _value(invokers["invokers"]["member"]) == "${each.key}"
    assert "google_cloud_run_v2_service_iam_binding" not in WORKBENCH.read_text(encoding="utf-8")
    assert "allUsers" not in WORKBENCH.read_text(encoding="utf-8")
    platform = _load(TERRAFORM / "modules" / "platform" / "main.tf")
    assert _module(platform, "workbench")["invokers"] == "${var.data_scientist_members}"


def test_the_tracking_servers_account_may_use_its_database_secret_and_bucket_alone() -> None:
    doc = _load(WORKBENCH)
    project_roles = _resources(doc, "google_project_iam_member")
    assert [_value(r["role"]) for r in project_roles.values()] == ["roles/cloudsql.client"]
    (connects,) = project_roles.values()
    assert "instances/${google_sql_database_instance.tracking.name}" in connects["condition"][0]["expression"]
    bucket_roles = _resources(doc, "google_storage_bucket_iam_member")["tracking_artifacts"]
    assert re.findall(r"roles/[\w.]+", bucket_roles["for_each"]) == [
        "roles/storage.objectViewer",
        "roles/storage.objectCreator",
    ]
    secret = _resources(doc, "google_secret_manager_secret_iam_member")["tracking_reads_store_uri"]
    assert _value(secret["role"]) == "roles/secretmanager.secretAccessor"
    assert "google_secret_manager_secret_version" not in WORKBENCH.read_text(
        encoding="utf-8"
    )  # no password in state
    instance = _resources(doc, "google_sql_database_instance")["tracking"]
    assert not instance["settings"][0]["ip_configuration"][0].get("authorized_networks")
