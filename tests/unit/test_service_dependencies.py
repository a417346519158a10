"""Each service runs with only the dependencies its ``requirements.in`` declares, and the
analysts' API with only the extras its image installs.

The development venv holds every extra, so these tests hide what a service does not declare
(see ``tests.fakes.service_extras``) in a fresh interpreter, as its deployed image would lack it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.fakes import search_corpus
from tests.fakes.loopback import free_port, wait_until_healthy
from tests.fakes.service_extras import API, REPO, STREAM_READER, dependency_closure, service_requirements
from trendwatch.deploy.build_context import service_names


def _guarded(service: str, code: str, report: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a new interpreter that runs ``code`` importing only
    what ``service`` declares, each refused import by trendwatch code noted in ``report``."""
    prelude = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.fakes.service_extras import install_guard
        install_guard({service!r}, Path({str(report)!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "shared")])}
    return [sys.executable, "-c", prelude + textwrap.dedent(code)], env


def _run_guarded(service: str, code: str, report: Path) -> subprocess.CompletedProcess[str]:
    command, env = _guarded(service, code, report)
    return subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_service_depends_on_the_functions_framework_and_the_library() -> None:
    for service in service_names():
        closure = dependency_closure(service_requirements(service))
        assert {"functions-framework", "trendwatch", "cloudevents", "msgspec"} <= closure, service


def test_the_guard_reports_an_undeclared_import_made_by_library_code(tmp_path: Path) -> None:
    report = tmp_path / "undeclared.txt"
    result = _run_guarded("ingest", "import trendwatch.warehouse.sql", report)
    assert result.returncode != 0
    assert "No module named 'sqlglot' (not declared by ingest)" in result.stderr
    assert report.read_text() == (
        "ingest: trendwatch.warehouse.sql imports sqlglot, not in its requirements\n"
    )


@pytest.mark.parametrize("service", service_names())
def test_service_builds_its_handlers_with_only_its_declared_extras(service: str, tmp_path: Path) -> None:
    """The entry module imports and every handler is built with its adapters (models loaded)."""
    report = tmp_path / "undeclared.txt"
    code = f"""
        import runpy
        from tests.fakes.publisher import RecordingPublisher
        from trendwatch.bootstrap import build_handlers, local_container
        from trendwatch.settings import Settings

        runpy.run_path("services/{service}/main.py")
        settings = Settings.from_env({{}}, state_dir=Path({str(tmp_path / "state")!r}))
        container = local_container(settings, publisher=RecordingPublisher())
        print(sorted(build_handlers({service!r}, container)))
    """
    result = _run_guarded(service, code, report)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not report.exists(), report.read_text()
    assert result.stdout.startswith("['on_")


@pytest.mark.parametrize("service", service_names())
def test_service_wires_its_google_cloud_adapters_with_only_its_declared_extras(
    service: str, tmp_path: Path
) -> None:
    """With a cloud environment every handler is built on the Google Cloud adapters (whose
    clients connect on first use, so nothing is called here): a service declares the client
    libraries of the APIs it calls, and no others are installed in its image."""
    report = tmp_path / "undeclared.txt"
    code = f"""
        from trendwatch.bootstrap import build_handlers, container_from_env
        from trendwatch.settings import Settings

        settings = Settings.from_env({{"TRENDWATCH_ENV": "dev"}}, telemetry="off")
        print(sorted(build_handlers({service!r}, container_from_env(settings))))
    """
    result = _run_guarded(service, code, report)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not report.exists(), report.read_text()
    assert result.stdout.startswith("['on_")


def test_the_api_wires_bigquery_with_only_the_extras_its_image_installs(tmp_path: Path) -> None:
    report = tmp_path / "undeclared.txt"
    code = """
        from trendwatch.bootstrap import container_from_env
        from trendwatch.settings import Settings

        settings = Settings.from_env({"TRENDWATCH_ENV": "prod"}, telemetry="off")
        print(type(container_from_env(settings).warehouse).__name__)
    """
    result = _run_guarded(API, code, report)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not report.exists(), report.read_text()
    assert result.stdout == "BigQueryWarehouse\n"


#: Every dashboard page and API operation, with the status it answers on the search corpus
#: (no tweet embedded, so hybrid search is a 409; no image stored, so media is a 404).
API_REQUESTS = {
    "/": 200,
    "/topics/term:robe": 200,
    "/influencers": 200,
    "/stock": 200,
    "/models": 200,
    "/search?q=robe": 200,
    "/search?q=robe&mode=meaning": 200,
    "/queries?q=robe%20OR%20%23summervibes": 200,
    "/api/v1/topics": 200,
    "/api/v1/topics/term:robe": 200,
    "/api/v1/influencers": 200,
    "/api/v1/tweets/search?q=robe": 200,
    "/api/v1/tweets/hybrid-search?q=robe": 409,
    "/api/v1/tweets/query?q=robe%20lang:fr": 200,
    "/api/v1/saved-searches": 200,
    "/api/v1/stock-alerts": 200,
    "/api/v1/model-metrics": 200,
    "/api/v1/media/1_1": 404,
    "/openapi.json": 200,
    "/docs": 200,
}


def test_the_api_serves_every_page_with_only_the_extras_its_image_installs(tmp_path: Path) -> None:
    """`trendwatch serve` (the image's command) in a guarded process over a small warehouse."""
    state_dir, report, port = tmp_path / "state", tmp_path / "undeclared.txt", free_port()
    search_corpus.build(state_dir / "warehouse.duckdb").close()
    code = f"""
        from trendwatch.cli import main
        main(["serve", "--port", "{port}", "--state", {str(state_dir)!r}])
    """
    command, env = _guarded(API, code, report)
    base_url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log)
        try:
            wait_until_healthy(base_url, server, timeout=120)
            answered = {url: httpx.get(base_url + url, timeout=60).status_code for url in API_REQUESTS}
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert not report.exists(), report.read_text()
    assert answered == API_REQUESTS


def test_the_stream_reader_wires_its_cloud_path_with_only_the_extras_its_image_installs(
    tmp_path: Path,
) -> None:
    """What `trendwatch stream --publish` builds with a cloud environment, short of connecting."""
    report = tmp_path / "undeclared.txt"
    code = """
        from trendwatch import bootstrap
        from trendwatch.adapters.x_stream_client import FilteredStreamClient
        from trendwatch.cli import main
        from trendwatch.observability.telemetry import configure_telemetry
        from trendwatch.runtime.stream_reader import publish_stream
        from trendwatch.settings import Settings

        settings = Settings.from_env({"TRENDWATCH_ENV": "dev"}, telemetry="off")
        configure_telemetry(settings, "stream-reader")
        ingest = bootstrap.ingest_service(bootstrap.container_from_env(settings))
        FilteredStreamClient("token").close()
        print(publish_stream([], ingest).tweets)
        main(["stream", "--help"])
    """
    result = _run_guarded(STREAM_READER, code, report)
    assert result.returncode == 0, result.stderr
    assert not report.exists(), report.read_text()
    assert result.stdout.startswith("0\n")
    assert "--publish" in result.stdout
