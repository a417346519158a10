"""What is deployed is pinned: every distribution by its hashes, every base image by its digest,
and the build audits the locks for known vulnerabilities before it ships them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with schemathesis; no stubs installed
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from trendwatch.deploy.locks import LIBRARY, deployables, library_extras, lock_input

REPO = Path(__file__).resolve().parents[2]
DEPLOYABLES = deployables()
DOCKERFILES = sorted(REPO.glob("deploy/*/Dockerfile"))
PYPROJECT = tomllib.loads((REPO / "shared" / "pyproject.toml").read_text(encoding="utf-8"))
#: ``name==version \``: a requirement line of a lock; its ``--hash=`` lines follow, indented.
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?: ;[^\\]*)? \\$")


def _pins(lock: str) -> dict[str, str]:
    """Canonical name => pinned version of every requirement of a lock."""
    pins: dict[str, str] = {}
    for line in lock.splitlines():
        match = PINNED.match(line)
        if match:
            pins[canonicalize_name(match.group("name"))] = match.group("version")
    return pins


def test_every_service_image_and_build_tool_has_a_lock() -> None:
    services = sorted(f"services/{p.parent.name}" for p in REPO.glob("services/*/main.py"))
    assert [p.as_posix() for p in DEPLOYABLES] == [
        *services,
        "deploy/api",
        "deploy/cloudbuild",
        "deploy/stream-reader",
    ]
    for deployable in DEPLOYABLES:
        assert (REPO / deployable / "requirements.lock").is_file(), deployable


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=str)
def test_every_lock_line_is_an_exact_pin_with_hashes(deployable: Path) -> None:
    lock = (REPO / deployable / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=\S)", "\n".join(line for line in lock.splitlines() if not line.startswith("#")))
    requirements = [e for e in entries if e.strip() and not e.lstrip().startswith("#")]
    assert requirements
    for entry in requirements:
        first = entry.splitlines()[0]
        assert PINNED.match(first), f"{deployable}: not an exact pin: {first}"
        hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", entry)
        assert hashes, f"{deployable}: {first} has no --hash"
    # nothing from a path, a URL or this machine, and never the library (it comes from the repo)
    code = "\n".join(line.split("#", 1)[0] for line in lock.splitlines())
    assert not re.search(r"file:|https?://|-e |--find-links|--index-url", code)
    assert not re.search(r"/work/|/tmp/|/opt/", lock)
    assert LIBRARY not in _pins(lock)


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=str)
def test_every_lock_pins_what_its_requirements_ask_for(deployable: Path) -> None:
    """A dependency added to a ``requirements.in`` or to a used extra without relocking fails here."""
    requirements_in = (REPO / deployable / "requirements.in").read_text(encoding="utf-8")
    pins = _pins((REPO / deployable / "requirements.lock").read_text(encoding="utf-8"))
    for line in lock_input(requirements_in, PYPROJECT).splitlines()[1:]:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{deployable}: {requirement} is not locked (python -m trendwatch.deploy.locks)"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{deployable}: {name}"


@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=str)
def test_every_lock_deploys_the_versions_the_tests_run_with(deployable: Path) -> None:
    """``constraints.txt`` pins what ``make test`` installs: a version moved there without
    relocking would ship what was not tested."""
    tested: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if version:
            tested[canonicalize_name(name)] = version.strip()
    pins = _pins((REPO / deployable / "requirements.lock").read_text(encoding="utf-8"))
    differ = {
        name: (pin, tested[name]) for name, pin in pins.items() if name in tested and tested[name] != pin
    }
    assert differ == {}, f"{deployable}: locked vs tested {differ} (python -m trendwatch.deploy.locks)"


def test_the_lock_input_is_the_deployables_requirements_and_its_extras_of_the_library() -> None:
    text = lock_input(
        "functions-framework>=3.5  # the server\n../../shared[text,gcp]\n",
        {
            "project": {
                "dependencies": ["msgspec>=0.19"],
                "optional-dependencies": {
                    "text": ["vadersentiment>=3.3.2", "trendwatch[embeddings]"],
                    "embeddings": ["wordllama==0.4.0.post1"],
                    "gcp": ["google-cloud-pubsub>=2.20"],
                    "warehouse": ["duckdb==1.4.4"],
                },
            }
        },
    )
    assert text.splitlines() == [
        "-c constraints.txt",
        "functions-framework>=3.5",
        "msgspec>=0.19",
        "vadersentiment>=3.3.2",
        "google-cloud-pubsub>=2.20",
        "wordllama==0.4.0.post1",
    ]
    assert library_extras("pip-audit==2.10.1\n") is None


def test_every_dockerfile_pins_its_base_image_by_digest() -> None:
    assert len(DOCKERFILES) == 2
    for dockerfile in DOCKERFILES:
        froms = [
            line for line in dockerfile.read_text(encoding="utf-8").splitlines() if line.startswith("FROM ")
        ]
        assert froms, dockerfile
        for line in froms:
            assert re.match(r"^FROM \S+@sha256:[0-9a-f]{64}(\s|$)", line), f"{dockerfile}: {line}"


CLOUD_BUILDS = sorted(REPO.glob("deploy/cloudbuild/*.yaml"))
#: ``image@sha256:<64 hex>``: an image Cloud Build can only resolve to those exact bytes.
PINNED_IMAGE = re.compile(r"^(?P<image>[^\s@]+)@sha256:(?P<digest>[0-9a-f]{64})$")


def test_every_cloud_build_step_runs_an_image_pinned_by_digest() -> None:
    """A tag (``python:3.11``, ``cloud-sdk:slim``) is whatever its publisher pushed last; a
    build step runs with the build's credentials, so it runs exactly reviewed bytes. One image
    has one digest everywhere, so that a refresh changes every step."""
    assert len(CLOUD_BUILDS) == 4
    digests: dict[str, set[str]] = {}
    for config in CLOUD_BUILDS:
        build = yaml.safe_load(config.read_text(encoding="utf-8"))
        for step in build["steps"]:
            pinned = PINNED_IMAGE.match(step["name"])
            assert pinned, f"{config.name}, step {step.get('id')}: {step['name']} is not pinned by digest"
            digests.setdefault(pinned["image"], set()).add(pinned["digest"])
    assert {image: len(found) for image, found in digests.items()} == dict.fromkeys(digests, 1)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_images_install_their_lock_with_hashes_and_the_library_without_an_index(dockerfile: Path) -> None:
    text = dockerfile.read_text(encoding="utf-8")
    image = dockerfile.parent.relative_to(REPO).as_posix()
    assert f"COPY {image}/requirements.lock ./" in text
    assert "RUN pip install --require-hashes --no-deps -r requirements.lock" in text
    [library] = re.findall(r"RUN pip install (.*)'\./shared\[([a-z0-9_,-]+)\]'", text)
    assert library[0].split() == ["--no-deps", "--no-index", "--no-build-isolation"]
    # the extras named there are the ones the lock was made for
    requirements_in = (dockerfile.parent / "requirements.in").read_text(encoding="utf-8")
    assert tuple(library[1].split(",")) == library_extras(requirements_in)
    assert "setuptools" in _pins((dockerfile.parent / "requirements.lock").read_text(encoding="utf-8"))
    ignored = (dockerfile.parent / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    assert f"!{image}/requirements.lock" in ignored.splitlines()
    assert "constraints.txt" not in text  # versions come from the lock alone


@pytest.mark.parametrize(
    ("config", "lock"),
    [
        ("build.yaml", "services/${_SERVICE}/requirements.lock"),
        ("image-build.yaml", "deploy/${_IMAGE}/requirements.lock"),
    ],
)
def test_each_build_audits_the_lock_it_ships_before_building(config: str, lock: str) -> None:
    build = yaml.safe_load((REPO / "deploy" / "cloudbuild" / config).read_text(encoding="utf-8"))
    ids = [step["id"] for step in build["steps"]]
    assert ids.index("audit") < min(ids.index(s) for s in ("assemble", "build") if s in ids)
    audit = build["steps"][ids.index("audit")]
    assert re.match(r"^python:3\.11-slim@sha256:[0-9a-f]{64}$", audit["name"])
    script = " ".join(audit["args"])
    assert "pip install --quiet --require-hashes --no-deps -r deploy/cloudbuild/requirements.lock" in script
    assert f"pip-audit --require-hashes --disable-pip --progress-spinner=off -r {lock}" in script
    pins = _pins((REPO / "deploy" / "cloudbuild" / "requirements.lock").read_text(encoding="utf-8"))
    assert "pip-audit" in pins
