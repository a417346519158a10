"""The Terraform under deploy/terraform matches the one topology and stays least-privilege."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hcl2.api import load as load_hcl

from trendwatch.contracts.topology import TOPOLOGY
from trendwatch.deploy.terraform import PROFILES, TABLES_FILE, TOPOLOGY_FILE, render
from trendwatch.warehouse.schema import TABLES

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "deploy" / "terraform"
ENVS = ("dev", "staging", "prod")
PRIMITIVE = re.compile(r"roles/(owner|editor|viewer)\b")


def _unquoted(node: Any) -> Any:
    """python-hcl2 keeps the quotes of block labels and adds ``__comments__``: drop both."""
    if isinstance(node, dict):
        return {k.strip('"'): _unquoted(v) for k, v in node.items() if k != "__comments__"}
    if isinstance(node, list):
        return [_unquoted(v) for v in node]
    return node


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return dict(_unquoted(load_hcl(handle)))


def _value(raw: Any) -> Any:
    """python-hcl2 wraps attribute values in lists and may keep string quotes."""
    while isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    return raw.strip('"') if isinstance(raw, str) else raw


def _blocks(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in doc.get(kind, []):
        for key, body in entry.items():
            if kind == "resource":
                for name, attrs in body.items():
                    found[f"{key}.{name}"] = attrs
            else:
                found[key] = body
    return found


def _generated(path: Path) -> dict[str, Any]:
    return dict(json.loads((TERRAFORM / path).read_text(encoding="utf-8"))["locals"])


def test_committed_generated_files_match_the_topology_and_schema() -> None:
    for path, text in render().items():
        assert (TERRAFORM / path).read_text(encoding="utf-8") == text, f"regenerate {path}"


def test_generated_routes_carry_filters_retries_and_dead_letters() -> None:
    locals_ = _generated(TOPOLOGY_FILE)
    image = locals_["subscriptions"]["enrich-image-tweets-raw"]
    assert image["filter"] == 'attributes.has_media = "true"'
    assert image["ack_deadline_seconds"] == 120
    assert image["dead_letter_topic"] == "enrich-image-tweets-raw-dead-letter"
    assert (image["minimum_backoff"], image["maximum_backoff"], image["max_delivery_attempts"]) == (
        "10s",
        "600s",
        5,
    )
    assert locals_["storage_triggers"]["inventory-sync-feeds"]["prefix"] == "feeds/"
    assert locals_["dead_letter_topics"] == list(TOPOLOGY.dead_letter_topics())
    assert locals_["services"]["aggregate"]["functions"] == {
        "aggregate-media-enriched": {"entry_point": "on_media_enriched"},
        "aggregate-tweet-enriched": {"entry_point": "on_tweet_enriched"},
    }


def test_every_topology_service_has_a_deploy_profile_and_functions() -> None:
    services = _generated(TOPOLOGY_FILE)["services"]
    assert sorted(services) == sorted(TOPOLOGY.services) == sorted(PROFILES)
    entry_points = {(s.service, s.entry_point) for s in TOPOLOGY.subscriptions} | {
        (t.service, t.entry_point) for t in TOPOLOGY.storage_triggers
    }
    deployed = {(name, f["entry_point"]) for name, s in services.items() for f in s["functions"].values()}
    assert deployed == entry_points


def test_generated_tables_keep_partitioning_and_clustering() -> None:
    tables = _generated(TABLES_FILE)["tables"]
    assert sorted(tables) == sorted(t.name for t in TABLES)
    tweets = tables["tweets"]
    assert (tweets["partition_field"], tweets["clustering"]) == ("created_at", ["lang", "author_id"])
    schema = {f["name"]: f for f in json.loads(tweets["schema"])}
    assert schema["tweet_id"]["mode"] == "REQUIRED"
    assert (schema["hashtags"]["type"], schema["hashtags"]["mode"]) == ("STRING", "REPEATED")
    assert tables["users"]["partition_field"] is None
    assert tables["dead_letters"]["analyst_view"] is False


def test_no_primitive_role_appears_in_any_terraform_file() -> None:
    files = sorted(TERRAFORM.rglob("*.tf"))
    assert len(files) >= 15  # every module and env root is read
    for path in files:
        doc = _load(path)
        for name, attrs in _blocks(doc, "resource").items():
            roles = [_value(attrs.get("role", "")), *map(str, attrs.get("for_each", []))]
            assert not any(PRIMITIVE.search(str(r)) for r in roles), f"{path}: {name}"
        assert not PRIMITIVE.search(path.read_text(encoding="utf-8")), path


def _root(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for path in folder.glob("*.tf"):
        for kind, entries in _load(path).items():
            doc.setdefault(kind, []).extend(entries)
    return doc


def test_the_platform_deploys_every_topology_service_with_its_own_accounts() -> None:
    modules = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    services = modules["services"]
    assert _value(services["source"]) == "../service"
    assert _value(services["for_each"]) == "${module.topology.services}"
    assert _value(modules["topology"]["source"]) == "../topology"


@pytest.mark.parametrize("env", ENVS)
def test_each_env_root_is_the_platform_in_its_own_project_and_state(env: str) -> None:
    root = TERRAFORM / "envs" / env
    doc = _root(root)
    platform = _blocks(doc, "module")["platform"]
    assert _value(platform["source"]) == "../../modules/platform"
    assert _value(platform["environment"]) == env
    backend = _value(_value(doc["terraform"])["backend"])
    assert _value(backend["gcs"]["bucket"]) == f"trendwatch-{env}-tfstate"
    tfvars = (root / "terraform.tfvars").read_text(encoding="utf-8")
    assert f'project_id     = "trendwatch-{env}"' in tfvars

    service_module = _blocks(_load(TERRAFORM / "modules/service/main.tf"), "resource")
    assert {"google_service_account.runtime", "google_service_account.delivery"} <= set(service_module)
    function = service_module["google_cloudfunctions2_function.this"]
    assert _value(_value(function["build_config"])["runtime"]) == "python311"


def test_checkov_finds_no_failing_check() -> None:
    # checkov pins an old `packaging`, so it lives in its own tools virtualenv (see the Makefile).
    checkov = shutil.which("checkov", path=str(REPO / ".venv-tools" / "bin"))
    assert checkov is not None, "checkov is installed into .venv-tools by `make test`"
    result = subprocess.run(
        [checkov, "-d", str(TERRAFORM), "--quiet", "--compact", "--framework", "terraform"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Failed checks: 0" in result.stdout
