"""The Terraform under deploy/terraform matches the one topology and stays least-privilege."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with schemathesis; no stubs installed
from functions_framework import create_app
from hcl2.api import load as load_hcl

from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.dead_letters import DeadLetterSink
from trendwatch.app.monitor import DRIFT_WARNING
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.dead_letters import dead_letter_attributes
from trendwatch.contracts.topology import INGEST_DEAD_LETTER, TOPOLOGY, TWEETS_RAW, StorageTrigger
from trendwatch.deploy.terraform import PROFILES, TABLES_FILE, TOPOLOGY_FILE, VIEWS_FILE, render
from trendwatch.deploy.warehouse_access import personal_columns, reads_personal
from trendwatch.domain.feeds import FEEDS
from trendwatch.observability import metrics
from trendwatch.settings import Settings
from trendwatch.warehouse.schema import TABLES, table
from trendwatch.warehouse.views import View

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
        "aggregate-scheduled-job": {"entry_point": "on_scheduled_job"},
        "aggregate-tweet-enriched": {"entry_point": "on_tweet_enriched"},
    }


def test_every_schedule_ticks_the_topic_of_the_service_that_runs_its_job() -> None:
    locals_ = _generated(TOPOLOGY_FILE)
    supply = {"forecast", "forecast-backtest"}
    assert locals_["schedules"] == {
        s.name: {
            "job": s.job,
            "cron": s.cron,
            "description": s.description,
            "topic": "supply-jobs" if s.job in supply else "scheduled-jobs",
        }
        for s in TOPOLOGY.schedules
    }
    assert {s.job for s in TOPOLOGY.schedules} == {
        "trend-alerts",
        "influence",
        "deduplicate",
        "warehouse-indexes",
        "product-links",
        "model-monitor",
        "forecast",
        "forecast-backtest",
    }
    assert locals_["subscriptions"]["aggregate-scheduled-jobs"]["topic"] == "scheduled-jobs"
    assert locals_["subscriptions"]["inventory-sync-supply-jobs"]["topic"] == "supply-jobs"
    assert locals_["subscriptions"]["inventory-sync-supply-jobs"]["service"] == "inventory-sync"
    assert "trend-alerts" in locals_["services"]["aggregate"]["publishes"]
    assert "restock-recommendations" in locals_["services"]["inventory-sync"]["publishes"]


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
    assert tables["dead_letter_replays"]["analyst_view"] is False


def test_dead_letters_and_their_replays_expire_with_the_lakes_copies_and_facts_never_do() -> None:
    tables = _generated(TABLES_FILE)["tables"]
    expiring = {
        name: t["partition_expiration_ms"] for name, t in tables.items() if t["partition_expiration_ms"]
    }
    ninety_days_ms = 90 * 24 * 3600 * 1000
    assert expiring == {"dead_letters": ninety_days_ms, "dead_letter_replays": ninety_days_ms}
    storage = _blocks(_root(TERRAFORM / "modules" / "storage"), "variable")
    assert _value(storage["transient_expiry_days"]["default"]) == 90
    warehouse = _blocks(_root(TERRAFORM / "modules" / "warehouse"), "resource")
    [partitioning] = [
        d["time_partitioning"]
        for d in warehouse["google_bigquery_table.this"]["dynamic"]
        if "time_partitioning" in d
    ]
    assert _value(partitioning["content"])["expiration_ms"] == "${each.value.partition_expiration_ms}"


#: Module => (the member given the key, the resources encrypted with it).
CMEK_AGENTS = {
    "storage": (
        "${data.google_storage_project_service_account.agent.member}",
        ["google_storage_bucket.this"],
    ),
    "messaging": (
        "${local.pubsub_agent}",
        ["google_pubsub_topic.business", "google_pubsub_topic.dead_letter"],
    ),
    "warehouse": (
        "serviceAccount:${data.google_bigquery_default_service_account.agent[0].email}",
        ["google_bigquery_dataset.main", "google_bigquery_table.this"],
    ),
}


@pytest.mark.parametrize("module", sorted(CMEK_AGENTS))
def test_with_a_customer_managed_key_the_service_agent_may_use_that_key_alone_before_encrypting(
    module: str,
) -> None:
    doc = _root(TERRAFORM / "modules" / module)
    resources = _blocks(doc, "resource")
    member, encrypted = CMEK_AGENTS[module]
    [grant] = [attrs for name, attrs in resources.items() if name.startswith("google_kms_crypto_key_iam")]
    assert _value(grant["count"]) == "${var.kms_key_name == null ? 0 : 1}"
    assert _value(grant["crypto_key_id"]) == "${var.kms_key_name}"
    assert _value(grant["role"]) == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert _value(grant["member"]) == member
    for name in encrypted:
        assert (
            _value(resources[name]["depends_on"]) == "${google_kms_crypto_key_iam_member.agent_uses_key}"
        ), name
    if module == "messaging":
        assert _value(doc["locals"][0]["pubsub_agent"]) == (
            "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
        )


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
    # the analysts' view readers reach the warehouse module through the platform
    assert _value(platform["analyst_members"]) == "${var.analyst_members}"
    variables = _blocks(_load(root / "variables.tf"), "variable")
    assert _value(_value(variables["analyst_members"])["default"]) == []
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


# -- CI/CD and the analysts' API -----------------------------------------------------------------

CLOUDBUILD = REPO / "deploy" / "cloudbuild"


def test_each_service_trigger_fires_only_for_its_folder_and_the_library() -> None:
    cicd = _blocks(_load(TERRAFORM / "modules/cicd/main.tf"), "resource")
    trigger = cicd["google_cloudbuild_trigger.service"]
    assert _value(trigger["for_each"]) == "${var.services}"
    assert [_value(f) for f in trigger["included_files"]] == [
        "services/${each.key}/**",
        "shared/**",
        "constraints.txt",
    ]
    assert _value(trigger["service_account"]) == "${google_service_account.deployer.id}"
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["cicd"]
    assert "module.services" in _value(platform["services"])


def test_the_deployer_acts_only_as_the_runtime_accounts_and_holds_no_admin_role() -> None:
    cicd = _blocks(_load(TERRAFORM / "modules/cicd/main.tf"), "resource")
    project_roles = _value(cicd["google_project_iam_member.deployer"]["for_each"])
    assert "roles/cloudfunctions.developer" in project_roles
    assert not re.search(r"admin|serviceAccountUser", project_roles)
    acts_as = cicd["google_service_account_iam_member.deployer_acts_as_runtime"]
    assert (_value(acts_as["role"]), _value(acts_as["for_each"])) == (
        "roles/iam.serviceAccountUser",
        "${var.services}",
    )


@pytest.mark.parametrize(
    ("env", "previous", "approval"),
    [("dev", None, None), ("staging", "dev", None), ("prod", "staging", True)],
)
def test_environments_promote_dev_to_staging_to_prod_with_approval_for_prod(
    env: str, previous: str | None, approval: bool | None
) -> None:
    root = TERRAFORM / "envs" / env
    platform = _blocks(_root(root), "module")["platform"]
    assert ("promote_from_project" in platform) == (previous is not None)
    assert platform.get("approval_required") == approval
    if previous:
        tfvars = (root / "terraform.tfvars").read_text(encoding="utf-8")
        assert f'promote_from_project = "trendwatch-{previous}"' in tfvars


def test_cloud_build_configs_build_the_service_context_and_deploy_what_was_tested() -> None:
    build = yaml.safe_load((CLOUDBUILD / "build.yaml").read_text(encoding="utf-8"))
    steps = [s["id"] for s in build["steps"]]
    assert steps == ["test", "audit", "assemble", "upload", "deploy"]
    assemble = build["steps"][2]["args"]
    assert assemble[:3] == ["-m", "trendwatch.deploy.build_context", "${_SERVICE}"]
    promote = yaml.safe_load((CLOUDBUILD / "promote.yaml").read_text(encoding="utf-8"))
    assert [s["id"] for s in promote["steps"]] == ["wait-for-previous-environment", "copy-artefact", "deploy"]
    for config in (build, promote):
        assert config["steps"][-1]["args"][0] == "deploy/cloudbuild/deploy-functions.sh"
    assert (CLOUDBUILD / "deploy-functions.sh").stat().st_mode & 0o111


def test_the_api_reads_the_warehouse_and_the_lake_only_and_is_not_public() -> None:
    api = _blocks(_load(TERRAFORM / "modules/api/main.tf"), "resource")
    service = api["google_cloud_run_v2_service.api"]
    assert _value(service["ingress"]) == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    # its tables are granted one by one by the warehouse module (see the warehouse access tests)
    assert not [name for name in api if name.startswith("google_bigquery")]
    project_roles = _value(api["google_project_iam_member.api"]["for_each"])
    assert "roles/bigquery.jobUser" in project_roles
    assert not re.search(r"dataEditor|dataOwner|admin|storage", project_roles)
    # the images it serves: objects of the lake bucket, read on that bucket alone
    [lake] = [attrs for name, attrs in api.items() if name.startswith("google_storage_bucket_iam")]
    assert (_value(lake["bucket"]), _value(lake["role"])) == (
        "${var.lake_bucket}",
        "roles/storage.objectViewer",
    )
    env = {
        _value(e["name"]): _value(e["value"])
        for e in _value(_value(service["template"])["containers"])["env"]
    }
    assert env["TRENDWATCH_LAKE_BUCKET"] == "${var.lake_bucket}"
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["api"]
    assert _value(platform["lake_bucket"]) == "${module.storage.lake_bucket}"
    assert _value(api["google_cloud_run_v2_service_iam_member.invokers"]["role"]) == "roles/run.invoker"
    for path in TERRAFORM.rglob("*.tf"):
        assert not re.search(r"allUsers|allAuthenticatedUsers", path.read_text(encoding="utf-8")), path


def test_every_function_and_the_api_run_bigquery_jobs_where_terraform_creates_the_dataset() -> None:
    warehouse = _root(TERRAFORM / "modules" / "warehouse")
    dataset = _blocks(warehouse, "resource")["google_bigquery_dataset.main"]
    assert _value(dataset["location"]) == "${var.region}"
    output = _blocks(warehouse, "output")["dataset_location"]
    assert _value(output["value"]) == "${google_bigquery_dataset.main.location}"
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    assert _value(platform["warehouse"]["region"]) == "${var.region}"
    for consumer in ("services", "api"):
        assert _value(platform[consumer]["dataset_location"]) == "${module.warehouse.dataset_location}"
    [functions_env] = [local["environment"] for local in _root(TERRAFORM / "modules" / "service")["locals"]]
    assert functions_env["TRENDWATCH_BQ_LOCATION"] == "${var.dataset_location}"
    api = _blocks(_load(TERRAFORM / "modules/api/main.tf"), "resource")["google_cloud_run_v2_service.api"]
    api_env = {
        _value(e["name"]): _value(e["value"]) for e in _value(_value(api["template"])["containers"])["env"]
    }
    assert api_env["TRENDWATCH_BQ_LOCATION"] == "${var.dataset_location}"
    # the settings' default (notebooks, the CLI) is the region every environment deploys to
    for env in ENVS:
        tfvars = _load(TERRAFORM / "envs" / env / "terraform.tfvars")
        assert _value(tfvars["region"]) == Settings().bq_location, env


# -- The X stream reader -------------------------------------------------------------------------

STREAM_READER = TERRAFORM / "modules" / "stream_reader" / "main.tf"


def test_the_stream_reader_runs_in_exactly_one_always_on_internal_instance() -> None:
    reader = _blocks(_load(STREAM_READER), "resource")
    service = reader["google_cloud_run_v2_service.reader"]
    assert _value(service["ingress"]) == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    template = _value(service["template"])
    assert _value(template["service_account"]) == "${google_service_account.reader.email}"
    scaling = _value(template["scaling"])
    assert (_value(scaling["min_instance_count"]), _value(scaling["max_instance_count"])) == (1, 1)
    container = _value(template["containers"])
    assert [_value(arg) for arg in container["args"]] == ["stream", "--publish"]
    assert _value(_value(container["resources"])["cpu_idle"]) is False
    env = {_value(e["name"]): _value(e) for e in container["env"]}
    assert _value(env["TRENDWATCH_ENV"]["value"]) == "${var.environment}"
    token = _value(_value(env["TRENDWATCH_X_BEARER_TOKEN"]["value_source"])["secret_key_ref"])
    assert _value(token["secret"]) == "${var.x_bearer_token_secret_id}"
    # nobody may invoke it: no binding on the service but CI's deployer's, none public
    bindings = [attrs for name, attrs in reader.items() if "run_v2_service_iam" in name]
    assert [(_value(b["role"]), _value(b["member"])) for b in bindings] == [
        ("roles/run.developer", "${var.deployer}")
    ]
    assert not re.search(r"allUsers|allAuthenticatedUsers", STREAM_READER.read_text(encoding="utf-8"))


def test_the_stream_reader_may_only_read_the_token_publish_ingests_topics_and_write_raw_tweets() -> None:
    reader = _blocks(_load(STREAM_READER), "resource")
    # what the reader's own account may do (the deployer's rights on it: the images' tests)
    iam = {name: attrs for name, attrs in reader.items() if "_iam_" in name and ".deployer" not in name}
    assert set(iam) == {
        "google_secret_manager_secret_iam_member.reader_reads_token",
        "google_pubsub_topic_iam_member.reader_publishes",
        "google_storage_bucket_iam_member.reader_writes_raw_tweets",
        "google_project_iam_member.reader_telemetry",
    }
    for attrs in iam.values():
        assert _value(attrs["member"]) == "${google_service_account.reader.member}"
    token = iam["google_secret_manager_secret_iam_member.reader_reads_token"]
    assert (_value(token["secret_id"]), _value(token["role"])) == (
        "${var.x_bearer_token_secret_id}",
        "roles/secretmanager.secretAccessor",
    )
    publishes = iam["google_pubsub_topic_iam_member.reader_publishes"]
    assert _value(publishes["role"]) == "roles/pubsub.publisher"
    assert _value(publishes["topic"]) == "${var.topic_ids[each.key]}"
    [locals_] = _load(STREAM_READER)["locals"]
    assert sorted(map(_value, locals_["publishes"])) == sorted([TWEETS_RAW, INGEST_DEAD_LETTER])
    lake = iam["google_storage_bucket_iam_member.reader_writes_raw_tweets"]
    assert _value(lake["role"]) == "roles/storage.objectCreator"
    assert "/objects/raw/tweets/" in _value(_value(lake["condition"])["expression"])
    assert set(_value(iam["google_project_iam_member.reader_telemetry"]["for_each"]).split('"')[1::2]) == {
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
        "roles/cloudtrace.agent",
    }


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_deploys_the_stream_reader_once_its_image_is_set(env: str) -> None:
    platform = _blocks(_root(TERRAFORM / "envs" / env), "module")["platform"]
    assert _value(platform["stream_reader_image"]) == "${var.stream_reader_image}"
    modules = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    reader = modules["stream_reader"]
    assert _value(reader["source"]) == "../stream_reader"
    assert _value(reader["image"]) == "${var.stream_reader_image}"
    assert _value(reader["x_bearer_token_secret_id"]) == "${module.secrets.x_bearer_token_secret_id}"
    # no function holds X's token: ingest replays files and never talks to X (the functions'
    # only secret is the alert webhook's URL, see the webhook test)
    assert "x_bearer_token" not in json.dumps(modules["services"])
    assert "x-bearer-token" not in (TERRAFORM / "modules" / "topology" / "topology.auto.tf.json").read_text()
    assert "x_bearer_token" not in (TERRAFORM / "modules" / "service" / "main.tf").read_text(encoding="utf-8")


# -- Dead letters into the warehouse ----------------------------------------------------------------

MESSAGING = TERRAFORM / "modules" / "messaging"


def test_every_dead_letter_topic_fills_the_dead_letters_table_through_a_bigquery_subscription() -> None:
    messaging = _blocks(_load(MESSAGING / "main.tf"), "resource")
    assert (
        _value(messaging["google_pubsub_topic.dead_letter"]["for_each"]) == "${toset(var.dead_letter_topics)}"
    )
    sink = messaging["google_pubsub_subscription.dead_letter_table"]
    assert _value(sink["for_each"]) == "${google_pubsub_topic.dead_letter}"
    assert _value(sink["name"]) == "${each.key}-bigquery"
    config = _value(sink["bigquery_config"])
    assert _value(config["use_table_schema"]) is True
    assert _value(config["table"]).endswith(
        "${var.dead_letter_table.dataset_id}.${var.dead_letter_table.table_id}"
    )
    udf = _value(_value(_value(sink["message_transforms"])["javascript_udf"]))
    assert _value(udf["function_name"]) == "deadLetterRow"
    assert "dead_letter_row.js" in _value(udf["code"])
    assert "google_bigquery_table_iam_member.agent_writes_dead_letters" in _value(sink["depends_on"])
    # the topics are the topology's, the table the warehouse module's dead_letters
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    assert _value(platform["messaging"]["dead_letter_topics"]) == "${module.topology.dead_letter_topics}"
    assert _value(platform["messaging"]["dead_letter_table"]) == "${module.warehouse.dead_letters_table}"
    outputs = _blocks(_load(TERRAFORM / "modules/warehouse/main.tf"), "output")
    table_id = _value(_value(outputs["dead_letters_table"])["value"])["table_id"]
    assert table_id == '${google_bigquery_table.this["dead_letters"].table_id}'
    # a sink that stops writing (schema, transform) is a backlog like any route's
    subscriptions = _value(platform["monitoring"]["subscriptions"])
    assert "module.messaging.dead_letter_table_subscriptions" in subscriptions


def test_the_pubsub_agent_may_only_read_the_schema_of_the_dead_letters_table_and_append_to_it() -> None:
    messaging = _blocks(_load(MESSAGING / "main.tf"), "resource")
    role = messaging["google_project_iam_custom_role.dead_letter_writer"]
    assert [_value(p) for p in role["permissions"]] == ["bigquery.tables.get", "bigquery.tables.updateData"]
    grant = messaging["google_bigquery_table_iam_member.agent_writes_dead_letters"]
    assert _value(grant["role"]) == "${google_project_iam_custom_role.dead_letter_writer.id}"
    assert _value(grant["member"]) == "${local.pubsub_agent}"
    assert _value(grant["table_id"]) == "${var.dead_letter_table.table_id}"
    # No other BigQuery grant reaches the agent, in any module.
    for path in TERRAFORM.rglob("*.tf"):
        for name, attrs in _blocks(_load(path), "resource").items():
            member = str(_value(attrs.get("member", "")))
            if ("pubsub_agent" in member or "gcp-sa-pubsub" in member) and "bigquery" in name:
                assert name == "google_bigquery_table_iam_member.agent_writes_dead_letters", f"{path}: {name}"


def _transform(topic: str, message: dict[str, Any], metadata: dict[str, str]) -> dict[str, Any]:
    """Run the subscription's transform, as Terraform assembles its code, on one message."""
    code = f"var TOPIC = {json.dumps(topic)};\n" + (MESSAGING / "dead_letter_row.js").read_text(
        encoding="utf-8"
    )
    driver = 'var input = JSON.parse(require("fs").readFileSync(0, "utf8"));\n'
    driver += "process.stdout.write(JSON.stringify(deadLetterRow(input.message, input.metadata)));\n"
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "-e", code + driver],
        input=json.dumps({"message": message, "metadata": metadata}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    transformed = json.loads(result.stdout)
    assert transformed["attributes"] == message["attributes"]
    return dict(json.loads(transformed["data"]))


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the JavaScript transform with Node.js")
@pytest.mark.parametrize(
    ("topic", "attributes"),
    [
        # rejected by a service at once, with the reason (trendwatch.app.handling.DeadLetters)
        (
            "enrich-image-tweets-raw-dead-letter",
            dead_letter_attributes(
                {"tweet_id": "7", "media_key": "3_1"},
                source="enrich-image-tweets-raw",
                reason="media 3_1: not an image",
            ),
        ),
        # forwarded by Pub/Sub after the route's attempts, without a reason
        (
            "aggregate-tweets-enriched-dead-letter",
            {
                "tweet_id": "7",
                "CloudPubSubDeadLetterSourceSubscription": "aggregate-tweets-enriched",
                "CloudPubSubDeadLetterSourceSubscriptionProject": "trendwatch-prod",
                "CloudPubSubDeadLetterSourceDeliveryCount": "5",
            },
        ),
        # a producer's rejects (ingest) carry no source subscription of Pub/Sub's
        ("ingest-dead-letter", {"source": "incoming/tweets/a.jsonl"}),
    ],
)
def test_the_transform_writes_the_row_the_local_sink_writes(
    topic: str, attributes: dict[str, str], tmp_path: Path
) -> None:
    data = '{"data": {"id": "7", "text": "robe rouge"}}'
    published = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    sink = DeadLetterSink(LocalBlobStore(tmp_path / "lake", "lake"), warehouse, ManualClock(published))
    sink.record(topic, PubSubMessage("1", data.encode(), attributes, published, topic))
    [local] = warehouse.query("SELECT * FROM dead_letters")

    row = _transform(
        topic,
        {"data": data, "attributes": attributes},
        {"message_id": "11962386521", "publish_time": "2026-03-01T09:30:00Z"},
    )

    assert set(row) == set(table("dead_letters").column_names)
    assert (row["message_id"], row["lake_object"]) == ("11962386521", None)  # see dead_letter_row.js
    assert datetime.fromisoformat(row["dead_lettered_at"]) == published
    assert datetime.fromisoformat(local["dead_lettered_at"]) == published
    same = ("subscription", "topic", "reason", "delivery_attempts", "payload")
    assert {k: row[k] for k in same} == {k: local[k] for k in same}
    assert row["attributes"] == json.loads(local["attributes"]) == attributes


# -- Alert notifications -----------------------------------------------------------------------------


def test_every_alert_policy_notifies_the_environments_channels_and_alert_emails() -> None:
    monitoring = _load(TERRAFORM / "modules/monitoring/main.tf")
    resources = _blocks(monitoring, "resource")
    policies = [name for name in resources if name.startswith("google_monitoring_alert_policy.")]
    assert sorted(p.split(".")[1] for p in policies) == [
        "backlog",
        "dead_letters",
        "errors",
        "ingest_lag",
        "ingest_silence",
        "model_drift",
        "window_lag",
    ]
    for name in policies:
        assert _value(resources[name]["notification_channels"]) == "${local.notification_channels}", name
    email = resources["google_monitoring_notification_channel.email"]
    assert (_value(email["type"]), _value(email["for_each"])) == ("email", "${toset(var.alert_emails)}")
    assert _value(email["labels"]) == {"email_address": "${each.key}"}
    [channels] = [
        entry["notification_channels"] for entry in monitoring["locals"] if "notification_channels" in entry
    ]
    assert (
        "var.notification_channels" in channels and "google_monitoring_notification_channel.email" in channels
    )
    variables = _blocks(monitoring, "variable")
    assert _value(_value(variables["alert_emails"])["default"]) == []
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["monitoring"]
    assert _value(platform["alert_emails"]) == "${var.alert_emails}"


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_names_its_alert_emails_and_sends_none_by_default(env: str) -> None:
    root = TERRAFORM / "envs" / env
    platform = _blocks(_root(root), "module")["platform"]
    assert _value(platform["alert_emails"]) == "${var.alert_emails}"
    variables = _blocks(_load(root / "variables.tf"), "variable")
    assert _value(_value(variables["alert_emails"])["default"]) == []
    assert "\nalert_emails = []\n" in (root / "terraform.tfvars").read_text(encoding="utf-8")


# -- Remote state ------------------------------------------------------------------------------------


def test_the_bootstrap_root_creates_each_environments_state_bucket_versioned_and_private() -> None:
    doc = _root(TERRAFORM / "bootstrap")
    assert "backend" not in json.dumps(doc.get("terraform", []))  # local state: it comes first
    default = _value(_value(_blocks(doc, "variable")["projects"])["default"])
    projects = {env: _value(project) for env, project in default.items()}
    assert projects == {env: f"trendwatch-{env}" for env in ENVS}  # as in envs/<env>/terraform.tfvars
    bucket = _blocks(doc, "resource")["google_storage_bucket.state"]
    assert _value(bucket["for_each"]) == "${var.projects}"
    assert _value(bucket["project"]) == "${each.value}"
    names = {env: _value(bucket["name"]).replace("${each.key}", env) for env in projects}
    for env, name in names.items():
        backend = _value(_value(_root(TERRAFORM / "envs" / env)["terraform"])["backend"])
        assert _value(backend["gcs"]["bucket"]) == name
    assert _value(_value(bucket["versioning"])["enabled"]) is True
    assert _value(bucket["uniform_bucket_level_access"]) is True
    assert _value(bucket["public_access_prevention"]) == "enforced"
    assert _value(bucket["force_destroy"]) is False
    assert _value(_value(bucket["lifecycle"])["prevent_destroy"]) is True
    # old versions of the state are kept, up to a bound, to recover from a bad apply
    condition = _value(_value(bucket["lifecycle_rule"])["condition"])
    assert (_value(condition["with_state"]), _value(condition["num_newer_versions"])) == (
        "ARCHIVED",
        "${var.noncurrent_versions_kept}",
    )


# -- Container images: the analysts' API and the X stream reader ----------------------------------

IMAGES = ("api", "stream-reader")


def test_each_image_has_a_trigger_for_its_folder_and_the_library_pushing_to_the_environments_registry() -> (
    None
):
    cicd = _load(TERRAFORM / "modules/cicd/main.tf")
    resources = _blocks(cicd, "resource")
    trigger = resources["google_cloudbuild_trigger.image"]
    assert _value(trigger["for_each"]) == "${var.cloud_run_services}"
    assert [_value(f) for f in trigger["included_files"]] == [
        "deploy/${each.key}/**",
        "shared/**",
        "constraints.txt",
    ]
    assert _value(trigger["service_account"]) == "${google_service_account.deployer.id}"
    filename = _value(trigger["filename"])
    assert (
        "deploy/cloudbuild/image-build.yaml" in filename
        and "deploy/cloudbuild/image-promote.yaml" in filename
    )
    assert _value(_value(trigger["approval_config"])["approval_required"]) == "${var.approval_required}"
    substitutions = _value(trigger["substitutions"])
    assert "_IMAGE = each.key" in substitutions
    assert "_REPOSITORY = local.repository" in substitutions
    assert "_PROMOTE_FROM_REPOSITORY = local.promote_from_repository" in substitutions
    # the image's service once the environment has one, else images are only pushed
    assert '_CLOUD_RUN_SERVICE = each.value == null ? "" : each.value' in substitutions
    cicd_module = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["cicd"]
    assert _value(cicd_module["cloud_run_services"]) == {
        "api": "${one(module.api[*].service_name)}",
        "stream-reader": "${one(module.stream_reader[*].service_name)}",
    }
    # one image per deploy/<image>/Dockerfile, and the API's trigger keeps its state
    assert sorted(p.parent.name for p in (TERRAFORM.parent).glob("*/Dockerfile")) == sorted(IMAGES)
    [moved] = [_value(m) for m in cicd["moved"]]
    assert (moved["from"], moved["to"]) == (
        "${google_cloudbuild_trigger.api}",
        '${google_cloudbuild_trigger.image["api"]}',
    )
    repository = resources["google_artifact_registry_repository.images"]
    assert _value(repository["format"]) == "DOCKER"
    assert _value(_value(repository["docker_config"])["immutable_tags"]) is True
    # the deployer writes to this repository and reads the previous environment's, nothing more
    push = resources["google_artifact_registry_repository_iam_member.deployer_pushes"]
    assert (_value(push["role"]), _value(push["repository"])) == (
        "roles/artifactregistry.writer",
        "${google_artifact_registry_repository.images.name}",
    )
    pull = resources["google_artifact_registry_repository_iam_member.deployer_pulls_previous"]
    assert (_value(pull["role"]), _value(pull["project"])) == (
        "roles/artifactregistry.reader",
        "${var.promote_from_project}",
    )
    assert not re.search(
        r"artifactregistry|roles/run", _value(resources["google_project_iam_member.deployer"]["for_each"])
    )


@pytest.mark.parametrize(
    ("module", "service", "account"),
    [
        ("api", "google_cloud_run_v2_service.api", "google_service_account.api"),
        ("stream_reader", "google_cloud_run_v2_service.reader", "google_service_account.reader"),
    ],
)
def test_the_deployer_rolls_out_images_on_that_service_alone_and_terraform_leaves_the_image_to_it(
    module: str, service: str, account: str
) -> None:
    resources = _blocks(_load(TERRAFORM / f"modules/{module}/main.tf"), "resource")
    deploys = resources["google_cloud_run_v2_service_iam_member.deployer"]
    assert (_value(deploys["role"]), _value(deploys["name"]), _value(deploys["member"])) == (
        "roles/run.developer",
        f"${{{service}.name}}",
        "${var.deployer}",
    )
    [acts_as] = [
        v for k, v in resources.items() if k.startswith("google_service_account_iam_member.deployer_acts")
    ]
    assert (_value(acts_as["role"]), _value(acts_as["service_account_id"])) == (
        "roles/iam.serviceAccountUser",
        f"${{{account}.name}}",
    )
    ignored = _value(_value(resources[service]["lifecycle"])["ignore_changes"])
    assert "${template[0].containers[0].image}" in ignored
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")[module]
    assert _value(platform["deployer"]) == "${module.cicd.deployer_member}"


def test_image_build_configs_push_the_tested_image_and_promote_that_same_image() -> None:
    image = "${_REPOSITORY}/${_IMAGE}:${COMMIT_SHA}"
    build = yaml.safe_load((CLOUDBUILD / "image-build.yaml").read_text(encoding="utf-8"))
    steps = {s["id"]: s for s in build["steps"]}
    assert list(steps) == ["test", "audit", "build", "push", "deploy"]
    assert steps["test"]["args"] == ["test"]
    assert steps["build"]["args"] == ["build", "--file=deploy/${_IMAGE}/Dockerfile", f"--tag={image}", "."]
    assert steps["push"]["args"] == ["push", image]
    marker = "gs://${_SOURCES_BUCKET}/${_IMAGE}/${COMMIT_SHA}.deployed"
    assert steps["deploy"]["args"] == [
        "deploy/cloudbuild/deploy-image.sh",
        "${_CLOUD_RUN_SERVICE}",
        "${PROJECT_ID}",
        "${_REGION}",
        image,
        marker,
    ]
    promote = yaml.safe_load((CLOUDBUILD / "image-promote.yaml").read_text(encoding="utf-8"))
    steps = {s["id"]: s for s in promote["steps"]}
    assert list(steps) == ["wait-for-previous-environment", "copy-image", "deploy"]
    assert steps["wait-for-previous-environment"]["args"][:2] == [
        "deploy/cloudbuild/wait-for-marker.sh",
        "gs://${_PROMOTE_FROM}/${_IMAGE}/${COMMIT_SHA}.deployed",
    ]
    copy = steps["copy-image"]["args"][-1]
    assert 'docker pull "${_PROMOTE_FROM_REPOSITORY}/${_IMAGE}:${COMMIT_SHA}"' in copy
    assert f'docker push "{image}"' in copy
    assert steps["deploy"]["args"] == steps["deploy"]["args"][:1] + build["steps"][-1]["args"][1:]
    for config in (build, promote):  # every substitution the trigger sets is declared
        assert {"_IMAGE", "_CLOUD_RUN_SERVICE", "_REPOSITORY", "_SOURCES_BUCKET"} <= set(
            config["substitutions"]
        )
    for script in ("deploy-image.sh", "wait-for-marker.sh"):
        assert (CLOUDBUILD / script).stat().st_mode & 0o111, script


_FAKE_GCLOUD = """#!/usr/bin/env bash
echo "$*" >> "$GCLOUD_LOG"
case "$1 $2 $3" in
  "run services describe") echo "$REVISIONS" ;;
  "storage cp -") cat > "$MARKER_COPY" ;;
esac
"""
REGISTRY = "europe-west1-docker.pkg.dev/p/trendwatch"


def _deploy_image(
    tmp_path: Path, service: str, image: str, revisions: str = ""
) -> tuple[int, str, list[str], str | None]:
    """Run deploy-image.sh against a stand-in gcloud: exit status, stderr, gcloud calls, marker text."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gcloud").write_text(_FAKE_GCLOUD)
    (bin_dir / "gcloud").chmod(0o755)
    log, marker = tmp_path / "gcloud.log", tmp_path / "marker"
    log.touch()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "GCLOUD_LOG": str(log),
        "MARKER_COPY": str(marker),
        "REVISIONS": revisions,
    }
    name = image.rsplit("/", 1)[-1].split(":")[0]
    result = subprocess.run(
        [
            "bash",
            str(CLOUDBUILD / "deploy-image.sh"),
            service,
            "p",
            "europe-west1",
            image,
            f"gs://b/{name}/abc.deployed",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    calls = log.read_text().splitlines()
    return result.returncode, result.stderr, calls, marker.read_text() if marker.exists() else None


@pytest.mark.parametrize("name", IMAGES)
def test_deploy_image_rolls_out_the_image_checks_the_revision_serves_then_leaves_the_marker(
    tmp_path: Path, name: str
) -> None:
    image, service = f"{REGISTRY}/{name}:abc", f"trendwatch-{name}"
    status, _, calls, marker = _deploy_image(tmp_path, service, image, f"{service}-00002 {service}-00002")
    assert status == 0
    assert (
        calls[0] == f"run services update {service} --image={image} --project=p --region=europe-west1 --quiet"
    )
    assert calls[-1] == f"storage cp - gs://b/{name}/abc.deployed"
    assert marker == image + "\n"


def test_deploy_image_fails_without_a_marker_when_the_new_revision_does_not_serve(tmp_path: Path) -> None:
    status, stderr, _, marker = _deploy_image(
        tmp_path, "trendwatch-api", f"{REGISTRY}/api:abc", "trendwatch-api-00003 trendwatch-api-00002"
    )
    assert (status, marker) == (1, None)
    assert "trendwatch-api-00003 is not ready" in stderr


@pytest.mark.parametrize(
    ("name", "variable"), [("api", "api_image"), ("stream-reader", "stream_reader_image")]
)
def test_deploy_image_without_its_service_only_marks_the_pushed_image(
    tmp_path: Path, name: str, variable: str
) -> None:
    image = f"{REGISTRY}/{name}:abc"
    status, stderr, calls, marker = _deploy_image(tmp_path, "", image)
    assert (status, calls, marker) == (0, [f"storage cp - gs://b/{name}/abc.deployed"], image + "\n")
    assert f"set {variable} = " in stderr
    assert variable in (TERRAFORM / "modules/platform/variables.tf").read_text()


def test_the_model_drift_alert_counts_the_warning_the_monitor_job_logs() -> None:
    """The log-based metric matches the job's message and fields, and the policy watches it."""
    resources = _blocks(_load(TERRAFORM / "modules/monitoring/main.tf"), "resource")
    metric = resources["google_logging_metric.model_drift"]
    assert "jsonPayload.message" in _value(metric["filter"]) and DRIFT_WARNING in _value(metric["filter"])
    assert set(_value(metric["label_extractors"])) == {"model", "metric"}
    condition = _value(
        _value(resources["google_monitoring_alert_policy.model_drift"]["conditions"])["condition_threshold"]
    )
    assert "google_logging_metric.model_drift.name" in _value(condition["filter"])


def test_the_custom_metrics_monitored_are_those_the_services_record() -> None:
    """A renamed instrument would leave its chart empty and its alert silent: names must agree."""
    text = (TERRAFORM / "modules/monitoring/main.tf").read_text()
    referenced = set(re.findall(r"\$\{local\.custom\}\.([a-z_.]+)", text))
    recorded = {
        getattr(metrics, name).removeprefix("trendwatch.")
        for name in ("TWEETS_INGESTED", "EVENT_LATENCY", "WINDOW_LAG", "INGEST_LAG", "DEAD_LETTERS")
    }
    assert referenced == recorded
    assert 'custom = "workload.googleapis.com/trendwatch"' in text


def test_functions_read_their_batch_window_and_only_the_warehouse_writer_batches() -> None:
    """Aggregate's pushes are batched (BigQuery's DML queue per table is short); the others,
    whose work is per event, handle each push alone."""
    services = _generated(TOPOLOGY_FILE)["services"]
    assert {name: s["batch_window_s"] for name, s in services.items()} == {
        name: (2.0 if name == "aggregate" else 0.0) for name in PROFILES
    }
    assert services["aggregate"]["concurrency"] >= 50 and services["aggregate"]["max_instances"] <= 3
    service = _load(TERRAFORM / "modules/service/main.tf")
    [environment] = [entry["environment"] for entry in service["locals"] if "environment" in entry]
    assert environment["TRENDWATCH_BATCH_WINDOW_S"] == "${tostring(var.config.batch_window_s)}"
    # the functions framework's server runs as many threads as the instance takes requests
    assert environment["THREADS"] == "${tostring(var.config.concurrency)}"
    function = _blocks(service, "resource")["google_cloudfunctions2_function.this"]
    config = _value(function["service_config"])
    assert config["max_instance_request_concurrency"] == "${var.config.concurrency}"
    assert "batch_window_s" in Settings.__struct_fields__


# -- Storage triggers: Cloud Storage notifications pushed with a dead-letter policy ----------------

SERVICE_MODULE = TERRAFORM / "modules" / "service" / "main.tf"


def test_every_storage_trigger_is_a_notification_topic_and_a_push_route_that_dead_letters() -> None:
    locals_ = _generated(TOPOLOGY_FILE)
    assert TOPOLOGY.storage_triggers  # feeds and incoming tweet files
    for trigger in TOPOLOGY.storage_triggers:
        generated = locals_["storage_triggers"][trigger.name]
        # the messaging module creates the notification topic, and the dead-letter topic with its
        # lake archive and the BigQuery subscription writing the dead_letters table
        assert generated["topic"] in locals_["topics"], trigger.name
        assert generated["dead_letter_topic"] == trigger.dead_letter_topic
        assert trigger.dead_letter_topic in locals_["dead_letter_topics"]
        assert generated["max_delivery_attempts"] == trigger.retry.max_delivery_attempts
        timeout = locals_["services"][trigger.service]["timeout_seconds"]
        assert generated["ack_deadline_seconds"] == min(600, timeout)
    service = _load(SERVICE_MODULE)
    resources = _blocks(service, "resource")
    notification = resources["google_storage_notification.trigger"]
    assert _value(notification["for_each"]) == "${local.triggers}"
    assert (_value(notification["object_name_prefix"]), _value(notification["event_types"])) == (
        "${each.value.prefix}",
        "OBJECT_FINALIZE",
    )
    assert _value(notification["payload_format"]) == "JSON_API_V1"
    # one subscription resource for routes and triggers alike: the triggers are among its routes
    [routes] = [entry["routes"] for entry in service["locals"] if "routes" in entry]
    assert "for k, t in local.triggers" in routes and "unwrapped = true" in routes
    route = resources["google_pubsub_subscription.route"]
    assert _value(route["for_each"]) == "${local.routes}"
    policy = _value(route["dead_letter_policy"])
    assert _value(policy["dead_letter_topic"]) == "${var.topic_ids[each.value.dead_letter_topic]}"
    assert _value(
        resources["google_pubsub_subscription_iam_member.agent_forwards_dead_letters"]["for_each"]
    ) == ("${google_pubsub_subscription.route}")
    # no Eventarc trigger left, whose managed subscription could not dead-letter
    function = resources["google_cloudfunctions2_function.this"]
    assert "event_trigger" not in json.dumps(function)
    assert not [name for name, attrs in resources.items() if "eventarc" in (name + json.dumps(attrs)).lower()]
    # Cloud Storage's agent publishes only to the trigger topics, not to every topic of the project
    agent = resources["google_pubsub_topic_iam_member.storage_agent_notifies"]
    assert (_value(agent["for_each"]), _value(agent["topic"])) == (
        "${local.triggers}",
        "${var.topic_ids[each.value.topic]}",
    )
    for path in TERRAFORM.rglob("*.tf"):
        for name, attrs in _blocks(_load(path), "resource").items():
            if "storage_project_service_account" in str(attrs.get("member", "")):
                assert not name.startswith("google_project_iam"), f"{path}: {name}"
    # their backlog is alerted on like every route's
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    assert "keys(module.topology.storage_triggers)" in _value(platform["monitoring"]["subscriptions"])


@pytest.mark.parametrize("trigger", TOPOLOGY.storage_triggers, ids=lambda t: t.name)
def test_a_pushed_notification_reaches_the_function_as_the_finalize_cloudevent(
    trigger: StorageTrigger, tmp_path: Path
) -> None:
    """The push is unwrapped (body: the object resource) and writes the notification's attributes
    as headers: the functions framework must hand the storage handler the finalize event."""
    attributes = dict(_generated(TOPOLOGY_FILE)["storage_triggers"][trigger.name]["attributes"])
    attributes["ce-source"] = "//storage.googleapis.com/projects/_/buckets/trendwatch-prod-landing"
    # what Cloud Storage itself adds to a JSON_API_V1 notification, and Pub/Sub's metadata headers
    headers = {
        **attributes,
        "bucketId": "trendwatch-prod-landing",
        "objectId": f"{trigger.prefix}2026-03-01.jsonl",
        "eventType": "OBJECT_FINALIZE",
        "payloadFormat": "JSON_API_V1",
        "x-goog-pubsub-message-id": "11962386521",
    }
    resource = {
        "kind": "storage#object",
        "bucket": "trendwatch-prod-landing",
        "name": f"{trigger.prefix}2026-03-01.jsonl",
        "generation": "1709285400123456",
        "size": "2048",
        "contentType": "application/x-ndjson",
        "timeCreated": "2026-03-01T09:30:00.123Z",
    }
    (tmp_path / "main.py").write_text(
        "import pickle, functions_framework\n"
        "from trendwatch.contracts.cloudevents import parse_storage_cloudevent\n"
        "@functions_framework.cloud_event\n"
        f"def {trigger.entry_point}(event):\n"
        f"    open({str(tmp_path / 'received')!r}, 'wb').write(pickle.dumps(parse_storage_cloudevent(event)))\n",
        encoding="utf-8",
    )
    app = create_app(trigger.entry_point, str(tmp_path / "main.py"), "cloudevent")  # type: ignore[no-untyped-call]

    response = app.test_client().post("/", data=json.dumps(resource), headers=headers)

    assert response.status_code == 200, response.data
    obj = pickle.loads((tmp_path / "received").read_bytes())
    assert (obj.bucket, obj.name, obj.generation, obj.size) == (
        "trendwatch-prod-landing",
        f"{trigger.prefix}2026-03-01.jsonl",
        "1709285400123456",
        2048,
    )
    assert obj.time_created == datetime(2026, 3, 1, 9, 30, 0, 123000, tzinfo=UTC)


# -- The API's front door: HTTPS load balancer, IAP, and the audience the API checks -------------

API_MODULE = TERRAFORM / "modules" / "api"


def test_people_reach_the_api_only_through_an_https_load_balancer_with_iap() -> None:
    doc = _root(API_MODULE)
    resources = _blocks(doc, "resource")
    [locals_] = [entry for entry in doc["locals"] if "service_name" in entry]
    service = resources["google_cloud_run_v2_service.api"]
    assert _value(service["name"]) == "${local.service_name}"
    assert _value(service["ingress"]) == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"  # no run.app access
    neg = resources["google_compute_region_network_endpoint_group.api"]
    assert _value(neg["network_endpoint_type"]) == "SERVERLESS"
    assert _value(_value(neg["cloud_run"])["service"]) == "${local.service_name}"
    backend = resources["google_compute_backend_service.api"]
    assert (
        _value(_value(backend["backend"])["group"])
        == "${google_compute_region_network_endpoint_group.api.id}"
    )
    assert _value(_value(backend["iap"])["enabled"]) is True
    assert _value(backend["load_balancing_scheme"]) == "EXTERNAL_MANAGED"
    # the URL map sends everything to that one backend; HTTPS only, TLS 1.2 at least
    assert _value(resources["google_compute_url_map.api"]["default_service"]) == (
        "${google_compute_backend_service.api.id}"
    )
    proxy = resources["google_compute_target_https_proxy.api"]
    assert _value(proxy["ssl_policy"]) == "${google_compute_ssl_policy.api.id}"
    assert _value(resources["google_compute_ssl_policy.api"]["min_tls_version"]) == "TLS_1_2"
    certificate = _value(resources["google_compute_managed_ssl_certificate.api"]["managed"])
    assert _value(certificate["domains"]) == "${var.domain}"
    domain = _value(_blocks(doc, "variable")["domain"])
    assert _value(domain["nullable"]) is False and "regex" in _value(
        _value(domain["validation"])["condition"]
    )
    rules = [attrs for name, attrs in resources.items() if "forwarding_rule" in name]
    assert [(_value(r["port_range"]), _value(r["target"])) for r in rules] == [
        ("443", "${google_compute_target_https_proxy.api.id}")
    ]
    # the three roles' groups may pass IAP; IAP's agent alone invokes the service for them
    accessors = resources["google_iap_web_backend_service_iam_member.role_members"]
    assert _value(accessors["role"]) == "roles/iap.httpsResourceAccessor"
    assert _value(accessors["for_each"]) == "${local.iap_members}"
    for role in ("analyst", "data_scientist", "administrator"):
        assert f"var.role_members.{role}" in _value(locals_["iap_members"])
    invoker = resources["google_cloud_run_v2_service_iam_member.iap_invokes"]
    assert (_value(invoker["role"]), _value(invoker["member"])) == ("roles/run.invoker", "${local.iap_agent}")
    assert "@gcp-sa-iap.iam.gserviceaccount.com" in _value(locals_["iap_agent"])


def test_the_api_is_told_the_iap_audience_of_its_backend_and_the_role_map() -> None:
    doc = _root(API_MODULE)
    [locals_] = [entry for entry in doc["locals"] if "iap_audience" in entry]
    assert _value(locals_["iap_audience"]) == (
        "/projects/${var.project_number}/global/backendServices/"
        "${google_compute_backend_service.api.generated_id}"
    )
    service = _blocks(doc, "resource")["google_cloud_run_v2_service.api"]
    env = {
        _value(e["name"]): _value(e["value"])
        for e in _value(_value(service["template"])["containers"])["env"]
    }
    assert env["TRENDWATCH_IAP_AUDIENCE"] == "${local.iap_audience}"
    assert env["TRENDWATCH_API_ROLES"] == "${jsonencode(var.api_roles)}"
    # the variables are the settings the API reads
    settings = Settings.from_env({"TRENDWATCH_IAP_AUDIENCE": "/projects/1/global/backendServices/2"})
    assert settings.iap_audience == "/projects/1/global/backendServices/2"
    assert "api_roles" in Settings.__struct_fields__
    assert _value(_blocks(doc, "output")["iap_audience"]["value"]) == "${local.iap_audience}"


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_puts_the_api_behind_iap_with_the_roles_groups(env: str) -> None:
    root = TERRAFORM / "envs" / env
    doc = _root(root)
    platform = _blocks(doc, "module")["platform"]
    for variable in ("api_domain", "api_roles", "iap_oauth_client", "data_scientist_members"):
        assert _value(platform[variable]) == f"${{var.{variable}}}", variable
    assert (
        _value(_blocks(doc, "output")["api_iap_audience"]["value"]) == "${module.platform.api_iap_audience}"
    )
    modules = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")
    # one list of members per role, for IAP and for BigQuery alike
    assert _value(modules["api"]["role_members"]) == {
        "analyst": "${var.analyst_members}",
        "data_scientist": "${var.data_scientist_members}",
        "administrator": "${var.administrator_members}",
    }
    for role in ("analyst", "data_scientist", "administrator"):
        assert _value(modules["warehouse"][f"{role}_members"]) == f"${{var.{role}_members}}"


# -- Warehouse access: personal columns, markets, views per role, table-level writers ------------

WAREHOUSE = TERRAFORM / "modules" / "warehouse"


def test_personal_columns_carry_the_policy_tag_and_nothing_else_does() -> None:
    tables = _generated(TABLES_FILE)["tables"]
    tagged = {
        (name, field["name"])
        for name, t in tables.items()
        for field in json.loads(t["schema"])
        if "policyTags" in field
    }
    assert tagged == {(t.name, c) for t in TABLES for c in personal_columns(t)}
    assert {("users", "username"), ("users", "name"), ("influencers", "username")} <= tagged
    assert ("products", "name") not in tagged  # a product's name is not a person's
    [tag] = {
        json.dumps(f["policyTags"])
        for t in tables.values()
        for f in json.loads(t["schema"])
        if "policyTags" in f
    }
    assert json.loads(tag) == {"names": ["${google_data_catalog_policy_tag.personal.name}"]}
    resources = _blocks(_root(WAREHOUSE), "resource")
    taxonomy = resources["google_data_catalog_taxonomy.access"]
    assert _value(taxonomy["activated_policy_types"]) == "FINE_GRAINED_ACCESS_CONTROL"
    # fine-grained readers: data scientists, administrators and the accounts that handle them
    readers = {
        name: attrs
        for name, attrs in resources.items()
        if name.startswith("google_data_catalog_policy_tag_iam")
    }
    assert {_value(a["role"]) for a in readers.values()} == {"roles/datacatalog.categoryFineGrainedReader"}
    people = _value(readers["google_data_catalog_policy_tag_iam_member.people_read_personal"]["for_each"])
    assert "var.data_scientist_members" in people and "var.administrator_members" in people
    assert "analyst" not in json.dumps(readers)


ROLE_VIEWS = TERRAFORM / "modules" / "role_views"


def test_analysts_views_leave_out_personal_columns_and_the_views_that_name_them() -> None:
    roles = _blocks(_root(WAREHOUSE), "module")
    analysts, scientists = roles["analyst_views"], roles["data_scientist_views"]
    analysts_views = _value(analysts["views"])
    assert (
        'SELECT ${join(", ", [for c in t.columns : "`${c}`" if !contains(t.personal_columns, c)])} FROM'
        in analysts_views
    )
    every_view = "{for k, v in local.views : k => {description = v.description, query = v.query}"
    assert f"{every_view} if !v.personal}}" in analysts_views
    users = _generated(TABLES_FILE)["tables"]["users"]
    assert users["columns"] == list(table("users").column_names)
    assert {"username", "name"} <= set(users["personal_columns"]) <= set(users["columns"])
    # data scientists get every column and every view
    scientists_views = _value(scientists["views"])
    assert 'SELECT ${join(", ", [for c in t.columns : "`${c}`"])} FROM' in scientists_views
    assert f"{every_view}}}" in scientists_views
    assert "SELECT *" not in "".join(
        path.read_text() for path in [*WAREHOUSE.glob("*.tf"), *ROLE_VIEWS.glob("*.tf")]
    )
    views = _generated(VIEWS_FILE)["views"]
    assert {name for name, v in views.items() if v["personal"]} == {"influencers_latest"}
    for role, readers in ((analysts, "analyst_members"), (scientists, "data_scientist_members")):
        assert _value(role["source"]) == "../role_views"
        assert _value(role["readers"]) == f"${{var.{readers}}}"
        assert _value(role["base_dataset_id"]) == "${google_bigquery_dataset.main.dataset_id}"
        # the views need their tables; with a customer-managed key, the role's dataset is
        # encrypted with it once BigQuery's agent may use it
        assert _value(role["depends_on"]) == [
            "${google_kms_crypto_key_iam_member.agent_uses_key}",
            "${google_bigquery_table.this}",
        ]
        assert _value(role["kms_key_name"]) == "${var.kms_key_name}"


def test_each_roles_views_are_authorized_on_the_base_dataset_and_read_by_its_members_alone() -> None:
    """The shape both roles share (module role_views): a dataset of views, each authorized on
    the base dataset, and dataViewer on that dataset for the role's members, nothing else."""
    resources = _blocks(_root(ROLE_VIEWS), "resource")
    assert set(resources) == {
        "google_bigquery_dataset.this",
        "google_bigquery_table.view",
        "google_bigquery_dataset_access.authorized_view",
        "google_bigquery_dataset_iam_member.reader",
    }
    view = resources["google_bigquery_table.view"]
    assert _value(view["for_each"]) == "${var.views}"
    assert _value(_value(view["view"])["query"]) == "${each.value.query}"
    access = resources["google_bigquery_dataset_access.authorized_view"]
    assert _value(access["for_each"]) == "${google_bigquery_table.view}"
    assert _value(access["dataset_id"]) == "${var.base_dataset_id}"
    assert _value(_value(access["view"])["dataset_id"]) == "${google_bigquery_dataset.this.dataset_id}"
    reader = resources["google_bigquery_dataset_iam_member.reader"]
    assert (_value(reader["role"]), _value(reader["for_each"])) == (
        "roles/bigquery.dataViewer",
        "${toset(var.readers)}",
    )
    assert _value(reader["dataset_id"]) == "${google_bigquery_dataset.this.dataset_id}"


#: Where the roles' views were before module role_views, and where they are now.
_MOVED_WHOLE = {
    "google_bigquery_dataset.analyst": "module.analyst_views.google_bigquery_dataset.this",
    "google_bigquery_table.analyst_view": "module.analyst_views.google_bigquery_table.view",
    "google_bigquery_dataset_access.authorized_view": "module.analyst_views.google_bigquery_dataset_access.authorized_view",
    "google_bigquery_dataset_iam_member.analysts_read_views": "module.analyst_views.google_bigquery_dataset_iam_member.reader",
    "google_bigquery_dataset.data_scientist": "module.data_scientist_views.google_bigquery_dataset.this",
    "google_bigquery_table.data_scientist_view": "module.data_scientist_views.google_bigquery_table.view",
    "google_bigquery_dataset_access.authorized_data_scientist_view": (
        "module.data_scientist_views.google_bigquery_dataset_access.authorized_view"
    ),
    "google_bigquery_dataset_iam_member.data_scientists_read_views": (
        "module.data_scientist_views.google_bigquery_dataset_iam_member.reader"
    ),
}
#: The analysts' views of analysis when the module came: moved one by one, as they join the
#: resources their table views moved to whole.
_ANALYSIS_VIEWS_THEN = (
    "daily_term_volumes",
    "daily_tweet_volumes",
    "emerging_topics",
    "model_metrics_latest",
    "stock_vs_trends",
)


def test_the_roles_views_move_in_state_to_the_module_instead_of_being_created_again() -> None:
    moves = {
        _value(m["from"]).removeprefix("${").removesuffix("}"): _value(m["to"])
        .removeprefix("${")
        .removesuffix("}")
        for m in _root(WAREHOUSE)["moved"]
    }
    analyst = "module.analyst_views"
    expected = dict(_MOVED_WHOLE)
    for name in _ANALYSIS_VIEWS_THEN:
        expected[f'google_bigquery_table.analysis_view["{name}"]'] = (
            f'{analyst}.google_bigquery_table.view["{name}"]'
        )
        expected[f'google_bigquery_dataset_access.authorized_analysis_view["{name}"]'] = (
            f'{analyst}.google_bigquery_dataset_access.authorized_view["{name}"]'
        )
    assert moves == expected
    # no old address is still declared (it would be planned for creation next to the moved one)
    declared = set(_blocks(_root(WAREHOUSE), "resource"))
    assert not {old.split("[")[0] for old in moves} & declared


def test_reads_personal_flags_a_view_by_the_personal_columns_of_the_tables_it_reads() -> None:
    assert reads_personal(View("v", "", "SELECT u.username FROM users AS u"), TABLES)
    assert not reads_personal(View("v", "", "SELECT name FROM products"), TABLES)
    assert not reads_personal(View("v", "", "SELECT user_id, followers_count FROM users"), TABLES)


def test_each_writer_has_data_editor_on_its_own_tables_and_nobody_on_a_whole_dataset() -> None:
    tables = _generated(TABLES_FILE)["tables"]
    services = _generated(TOPOLOGY_FILE)["services"]
    written = {
        name: {t for t, cfg in tables.items() if name in cfg["writers"]} for name in [*services, "api"]
    }
    # exactly the services that run warehouse jobs write, each at least one table, the API its
    # saved searches and labels; nobody writes the dead-letter tables (Pub/Sub and the operators do)
    assert {name for name, ts in written.items() if ts} == {
        *(name for name, s in services.items() if s["warehouse"]),
        "api",
    }
    assert written["api"] == {"saved_searches", "labels"}
    assert not {"dead_letters", "dead_letter_replays"} & set().union(*written.values())
    assert {spec.table for spec in FEEDS.values()} <= written["inventory-sync"]
    resources = _blocks(_root(WAREHOUSE), "resource")
    writes = resources["google_bigquery_table_iam_member.service_writes"]
    assert (_value(writes["role"]), _value(writes["for_each"])) == (
        "roles/bigquery.dataEditor",
        "${local.table_writers}",
    )
    assert _value(writes["table_id"]) == "${google_bigquery_table.this[each.value.table].table_id}"
    reads = resources["google_bigquery_table_iam_member.service_reads"]
    assert _value(reads["role"]) == "roles/bigquery.dataViewer"
    for path in TERRAFORM.rglob("*.tf"):
        for name, attrs in _blocks(_load(path), "resource").items():
            if name.startswith(("google_bigquery_dataset_iam", "google_project_iam")):
                assert "dataEditor" not in json.dumps(attrs), f"{path}: {name}"
    # dataset-level IAM rewrites the dataset's access list, where the authorized views are: none
    # on the base dataset (people's and accounts' rights on it are table by table)
    for name, attrs in resources.items():
        if name.startswith("google_bigquery_dataset_iam"):
            assert "google_bigquery_dataset.main" not in json.dumps(attrs), name
    for path in TERRAFORM.rglob("*.tf"):
        if path.parent not in (WAREHOUSE, ROLE_VIEWS):  # the roles' readers are on their own datasets
            assert "google_bigquery_dataset_iam" not in path.read_text(encoding="utf-8"), path
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["warehouse"]
    accounts = _value(platform["service_accounts"])
    assert "module.services" in accounts and "module.api[0].api_service_account" in accounts


def test_teams_limited_to_their_markets_see_their_locations_rows_and_the_writers_see_all() -> None:
    tables = _generated(TABLES_FILE)["tables"]
    assert {name for name, t in tables.items() if t["market_column"]} == {
        t.name for t in TABLES if "location_id" in t.column_names
    }
    resources = _blocks(_root(WAREHOUSE), "resource")
    team = resources["google_bigquery_row_access_policy.team_markets"]
    assert _value(team["for_each"]) == "${local.market_policies}"
    assert _value(team["grantees"]) == "${var.market_teams[each.value.team].members}"
    assert " IN (" in _value(team["filter_predicate"])
    everyone = resources["google_bigquery_row_access_policy.all_rows"]
    assert _value(everyone["filter_predicate"]) == "TRUE"
    grantees = _value(everyone["grantees"])
    for who in ("var.administrator_members", "var.data_scientist_members", "values(var.service_accounts)"):
        assert who in grantees
    # no team, no policy: a table with a row access policy hides its rows from everyone else
    assert _value(everyone["for_each"]) == "${length(var.market_teams) == 0 ? {} : local.market_tables}"


# -- The alert webhook's URL comes from Secret Manager ------------------------------------------------


def test_the_webhook_url_is_a_secret_mounted_into_the_functions_that_post_alerts_alone() -> None:
    services = _generated(TOPOLOGY_FILE)["services"]
    mounted = {name: s["secrets"] for name, s in services.items() if s["secrets"]}
    assert mounted == {
        name: {"TRENDWATCH_ALERT_WEBHOOK_URL": "alert-webhook-url"}
        for name in ("aggregate", "inventory-sync")
    }
    assert Settings.from_env(
        {"TRENDWATCH_ALERT_WEBHOOK_URL": "https://hooks.example/x"}
    ).alert_webhook_url == ("https://hooks.example/x")
    secrets = _blocks(_load(TERRAFORM / "modules/secrets/main.tf"), "resource")
    assert (
        _value(secrets["google_secret_manager_secret.alert_webhook_url"]["secret_id"]) == "alert-webhook-url"
    )
    service = _load(SERVICE_MODULE)
    resources = _blocks(service, "resource")
    config = _value(resources["google_cloudfunctions2_function.this"]["service_config"])
    [mount] = [
        d["secret_environment_variables"] for d in config["dynamic"] if "secret_environment_variables" in d
    ]
    assert _value(mount["for_each"]) == "${var.config.secrets}"
    assert _value(_value(mount["content"])["version"]) == "latest"
    [environment] = [entry["environment"] for entry in service["locals"] if "environment" in entry]
    assert not [k for k in environment if "WEBHOOK" in k]  # never a plain variable
    access = resources["google_secret_manager_secret_iam_member.runtime_reads_secrets"]
    assert (_value(access["role"]), _value(access["member"])) == (
        "roles/secretmanager.secretAccessor",
        "${google_service_account.runtime.member}",
    )
    assert _value(access["for_each"]) == "${toset(values(var.config.secrets))}"
    assert _value(access["secret_id"]) == "${var.secret_ids[each.key]}"
    # the ids the functions mount are the secrets the secrets module creates
    platform = _blocks(_root(TERRAFORM / "modules" / "platform"), "module")["services"]
    assert _value(platform["secret_ids"]) == {
        "alert-webhook-url": "${module.secrets.alert_webhook_url_secret_id}"
    }
    # Terraform never holds a secret's value
    for path in TERRAFORM.rglob("*.tf"):
        assert "google_secret_manager_secret_version" not in path.read_text(encoding="utf-8"), path
