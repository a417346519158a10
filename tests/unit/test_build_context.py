"""A service's build context holds what the service needs and nothing else."""

from __future__ import annotations

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


def test_every_topology_service_can_be_built() -> None:
    assert service_names() == sorted(TOPOLOGY.services)


@pytest.fixture(scope="module")
def enrich_text(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("context") / "enrich-text"
    return out, assemble("enrich-text", out)


def test_the_context_holds_the_service_entry_point_requirements_and_library(
    enrich_text: tuple[Path, list[str]],
) -> None:
    out, files = enrich_text
    top_level = sorted({f.split("/")[0] for f in files})
    assert top_level == ["constraints.txt", "main.py", "requirements.txt", "shared"]
    assert "def on_tweet_raw" in (out / "main.py").read_text()
    assert {
        "shared/pyproject.toml",
        "shared/trendwatch/__init__.py",
        "shared/trendwatch/bootstrap.py",
    } <= set(files)
    requirements = (out / "requirements.txt").read_text().splitlines()
    assert requirements[0] == "-c constraints.txt"
    assert "./shared[text,gcp,gcp-language,http,observability]" in requirements


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
        name: next(
            line
            for line in requirements_txt(
                (Path(__file__).resolve().parents[2] / "services" / name / "requirements.in").read_text()
            ).splitlines()
            if line.startswith("./shared")
        )
        for name in service_names()
    }
    assert extras["enrich-image"] == "./shared[image,gcp,gcp-vision,http,observability]"
    assert extras["ingest"] == "./shared[gcp,http,observability]"
    assert all("text" not in e for name, e in extras.items() if name != "enrich-text")
    # Each Google API's client only where the service calls it.
    assert [n for n, e in extras.items() if "gcp-language" in e] == ["enrich-text"]
    assert [n for n, e in extras.items() if "gcp-vision" in e] == ["enrich-image"]
    assert sorted(n for n, e in extras.items() if "gcp-bigquery" in e) == ["aggregate", "inventory-sync"]


def test_requirements_without_the_library_are_refused() -> None:
    with pytest.raises(BuildContextError, match="shared"):
        requirements_txt("functions-framework>=3.5\n")


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
