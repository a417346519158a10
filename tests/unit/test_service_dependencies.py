"""Each service runs with only the dependencies its ``requirements.in`` declares.

The development venv holds every extra, so these tests hide what a service does not declare
(see ``tests.fakes.service_extras``) in a fresh interpreter, as its deployed image would lack it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fakes.service_extras import REPO, dependency_closure, service_requirements
from trendwatch.deploy.build_context import service_names


def _run_guarded(service: str, code: str, report: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter that imports only what ``service`` declares."""
    prelude = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.fakes.service_extras import install_guard
        install_guard({service!r}, Path({str(report)!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "shared")])}
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
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
