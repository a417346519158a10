"""A service's build context holds what the service needs and nothing else."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from trendwatch.contracts.topology import TOPOLOGY
from trendwatch.deploy.build_context import (
    BuildContextError,
    assemble,
    requirements_txt,
    service_names,
    write_zip,
)
from trendwatch.deploy.locks import library_extras

REPO = Path(__file__).resolve().parents[2]


def test_every_topology_service_can_be_built() -> None:
    assert service_names() == sorted(TOPOLOGY.services)


@pytest.fixture(scope="module")
def enrich_text(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("context") / "enrich-text"
    return out, assemble("enrich-text", out)


def test_the_context_holds_the_service_entry_point_its_locked_requirements_and_the_library(
    enrich_text: tuple[Path, list[str]],
) -> None:
    out, files = enrich_text
    top_level = sorted({f.split("/")[0] for f in files})
    assert top_level == ["main.py", "requirements.txt", "trendwatch", "trendwatch-0.1.0.dist-info"]
    assert "def on_tweet_raw" in (out / "main.py").read_text()
    assert {
        "trendwatch/__init__.py",
        "trendwatch/bootstrap.py",
        "trendwatch-0.1.0.dist-info/METADATA",
    } <= set(files)
    requirements = (out / "requirements.txt").read_text()
    lock = (REPO / "services" / "enrich-text" / "requirements.lock").read_text()
    assert requirements == requirements_txt(lock) == "--require-hashes\n" + lock


def test_the_library_in_the_context_imports_and_knows_its_version_without_being_installed(
    enrich_text: tuple[Path, list[str]],
) -> None:
    """The functions framework puts the source folder on ``sys.path``: the library's package and
    its metadata must be found there, with no site-packages at all."""
    out, _ = enrich_text
    probe = (
        "import sys; sys.path.append(sys.argv[1]);"
        "import importlib.metadata, trendwatch;"
        "print(trendwatch.__file__); print(importlib.metadata.version('trendwatch'))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(out)], capture_output=True, text=True, check=True, timeout=60
    )
    location, version = result.stdout.splitlines()
    assert Path(location) == out / "trendwatch" / "__init__.py"
    assert version == "0.1.0"


def test_the_context_leaves_out_tests_docs_other_services_and_local_state(
    enrich_text: tuple[Path, list[str]],
) -> None:
    _, files = enrich_text
    assert not [f for f in files if f.startswith(("tests/", "docs/", "services/", "deploy/", "benchmarks/"))]
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc") or ".egg-info" in f]
    assert not [f for f in files if ".trendwatch" in f.split("/")]
    assert [f for f in files if f.endswith("main.py")] == ["main.py"]


def test_each_service_installs_only_its_own_extras() -> None:
    extras = {
        name: library_extras((REPO / "services" / name / "requirements.in").read_text())
        for name in service_names()
    }
    assert extras["enrich-image"] == ("image", "image-ocr", "gcp", "gcp-vision", "http", "observability")
    assert extras["ingest"] == ("gcp", "http", "observability")
    assert all("text" not in (e or ()) for name, e in extras.items() if name != "enrich-text")
    # Each Google API's client only where the service calls it.
    assert [n for n, e in extras.items() if "gcp-language" in (e or ())] == ["enrich-text"]
    assert [n for n, e in extras.items() if "gcp-vision" in (e or ())] == ["enrich-image"]
    assert sorted(n for n, e in extras.items() if "gcp-bigquery" in (e or ())) == [
        "aggregate",
        "inventory-sync",
    ]


def test_requirements_without_the_library_are_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "services" / "x").mkdir(parents=True)
    (repo / "services" / "x" / "main.py").write_text("")
    (repo / "services" / "x" / "requirements.in").write_text("functions-framework>=3.5\n")
    with pytest.raises(BuildContextError, match="shared"):
        assemble("x", tmp_path / "out", repo)


def test_a_service_without_a_lock_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "services" / "x").mkdir(parents=True)
    (repo / "services" / "x" / "main.py").write_text("")
    (repo / "services" / "x" / "requirements.in").write_text("../../shared[gcp]\n")
    with pytest.raises(BuildContextError, match=r"no requirements\.lock"):
        assemble("x", tmp_path / "out", repo)


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildContextError, match="no service 'api'"):
        assemble("api", tmp_path / "api")


def test_the_zip_is_the_same_for_the_same_sources(
    enrich_text: tuple[Path, list[str]], tmp_path: Path
) -> None:
    out, files = enrich_text
    write_zip(out, tmp_path / "a.zip")
    write_zip(out, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert sorted(archive.namelist()) == files
