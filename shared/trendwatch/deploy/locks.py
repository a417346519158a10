"""Hashed lockfiles of what each deployable installs from the package index.

Every deployable (a service under ``services/``, a container image under ``deploy/``, the build's
own tools under ``deploy/cloudbuild/``) names its direct requirements in ``requirements.in``,
the library as ``../../shared[extras]``. Its
``requirements.lock`` pins the whole third-party closure of those requirements with the
hashes of every published file, so an install with ``--require-hashes`` takes exactly the
files reviewed and refuses any other, whatever the index serves later. The library itself is
not in the lock: it comes from this repository (the functions' build context, the images'
``COPY``), never from an index.

Regenerate after changing a ``requirements.in``, ``shared/pyproject.toml`` or
``constraints.txt`` (pip-tools' ``pip-compile`` on the ``PATH``; it reads the index)::

    python -m trendwatch.deploy.locks                 # every deployable
    python -m trendwatch.deploy.locks services/ingest # one
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LIBRARY = "trendwatch"
LIBRARY_REQUIREMENT = re.compile(r"^\.\./\.\./shared(?:\[(?P<extras>[a-z0-9_,-]+)\])?\s*(?:#.*)?$")
_SELF_REFERENCE = re.compile(rf"^{LIBRARY}\[(?P<extras>[a-z0-9_,-]+)\]$")
#: The command written at the top of each lock, for whoever reads it.
REGENERATE = "python -m trendwatch.deploy.locks"


class LockError(ValueError):
    """A ``requirements.in`` that names an extra the library does not have."""


def deployables(repo: Path = REPO) -> list[Path]:
    """Folders (relative to ``repo``) holding a ``requirements.in`` to lock: the services, the
    images and the build's own tools (``deploy/cloudbuild``: the dependency audit)."""
    found = [*repo.glob("services/*/requirements.in"), *repo.glob("deploy/*/requirements.in")]
    return sorted((p.parent.relative_to(repo) for p in found), key=lambda p: (p.parts[0] != "services", p))


def library_extras(requirements_in: str) -> tuple[str, ...] | None:
    """The library's extras a ``requirements.in`` asks for (``../../shared[a,b]`` -> ``("a", "b")``),
    ``None`` when it does not name the library (a tool's requirements)."""
    for line in requirements_in.splitlines():
        match = LIBRARY_REQUIREMENT.match(line.strip())
        if match:
            return tuple(match.group("extras").split(",")) if match.group("extras") else ()
    return None


def _library_requirements(pyproject: Mapping[str, object], extras: Sequence[str]) -> list[str]:
    """The library's own requirements and those of ``extras``, its ``trendwatch[...]`` expanded."""
    project = pyproject["project"]
    assert isinstance(project, Mapping)
    optional: Mapping[str, list[str]] = project.get("optional-dependencies", {})
    requirements = list(project.get("dependencies", []))
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop(0)
        if extra in seen:
            continue
        if extra not in optional:
            raise LockError(f"the library has no extra {extra!r}")
        seen.add(extra)
        for requirement in optional[extra]:
            nested = _SELF_REFERENCE.match(requirement.replace(" ", ""))
            if nested:
                pending.extend(nested.group("extras").split(","))
            else:
                requirements.append(requirement)
    return list(dict.fromkeys(requirements))


def lock_input(requirements_in: str, pyproject: Mapping[str, object]) -> str:
    """What ``pip-compile`` resolves: the deployable's other requirements and the library's,
    within the versions the repository is tested with (``constraints.txt``)."""
    others = [
        line.split("#", 1)[0].strip()
        for line in requirements_in.splitlines()
        if line.split("#", 1)[0].strip() and not LIBRARY_REQUIREMENT.match(line.strip())
    ]
    extras = library_extras(requirements_in)
    library = [] if extras is None else _library_requirements(pyproject, extras)
    return "\n".join(["-c constraints.txt", *others, *library]) + "\n"


def compile_lock(deployable: Path, repo: Path = REPO, pip_compile: str = "pip-compile") -> None:
    """Write ``deployable/requirements.lock`` with pip-tools, from the package index alone."""
    requirements_in = (repo / deployable / "requirements.in").read_text(encoding="utf-8")
    pyproject = tomllib.loads((repo / "shared" / "pyproject.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as work:
        # Relative names only, so the lock's "via" notes name no folder of this machine.
        Path(work, "requirements.in").write_text(lock_input(requirements_in, pyproject), encoding="utf-8")
        shutil.copy2(repo / "constraints.txt", Path(work, "constraints.txt"))
        # Local wheel folders or extra indexes configured on a machine must not enter the lock.
        env = {k: v for k, v in os.environ.items() if k not in {"PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"}}
        env["PIP_CONFIG_FILE"] = os.devnull
        env["CUSTOM_COMPILE_COMMAND"] = f"{REGENERATE} {deployable.as_posix()}"
        subprocess.run(
            [
                pip_compile,
                "--quiet",
                "--generate-hashes",
                "--allow-unsafe",  # setuptools, which an image needs to build the library
                "--strip-extras",
                "--no-emit-index-url",
                "--no-emit-find-links",
                "--output-file=requirements.lock",
                "requirements.in",
            ],
            cwd=work,
            env=env,
            check=True,
        )
        shutil.copy2(Path(work, "requirements.lock"), repo / deployable / "requirements.lock")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("deployables", nargs="*", type=Path, help="folders to lock (default: all)")
    parser.add_argument("--pip-compile", default="pip-compile", help="the pip-tools command to run")
    args = parser.parse_args(argv)
    for deployable in args.deployables or deployables():
        print(f"locking {deployable}", file=sys.stderr)
        compile_lock(deployable, pip_compile=args.pip_compile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
