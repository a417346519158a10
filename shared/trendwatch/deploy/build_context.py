"""Assemble one service's build context: its ``main.py``, its locked requirements and the library, nothing else.

A Cloud Run function is built from the folder it is deployed from, by a buildpack that runs
``pip install -r requirements.txt``. The context made here is self-contained:

* ``requirements.txt`` is the service's ``requirements.lock`` (:mod:`trendwatch.deploy.locks`:
  every third-party distribution pinned with its hashes) under ``--require-hashes``, so the
  build installs exactly the files reviewed or fails;
* the library is not installed from anywhere: its package ``trendwatch/`` sits next to
  ``main.py`` (the functions framework puts the source folder on ``sys.path``) with the
  ``trendwatch-<version>.dist-info`` that ``importlib.metadata`` reads its version from.

Only that service's extras' dependencies are in its lock. Tests, docs, other services and local
state never enter the context. From the repository root::

    python -m trendwatch.deploy.build_context enrich-text --out build/enrich-text --zip build/enrich-text.zip
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

from trendwatch.deploy.locks import LIBRARY, library_extras

REPO = Path(__file__).resolve().parents[3]
#: Never copied from the library folder: build and run leftovers.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".mypy_cache", ".pytest_cache")


class BuildContextError(ValueError):
    """The service does not exist, its requirements do not name the library, or it has no lock."""


def service_names(repo: Path = REPO) -> list[str]:
    return sorted(p.parent.name for p in (repo / "services").glob("*/main.py"))


def requirements_txt(lock: str) -> str:
    """The service's lock in hash-checking mode: pip refuses a requirement without a hash, and a
    file whose hash the lock does not list."""
    return "--require-hashes\n" + lock


def write_library_metadata(pyproject: Path, out: Path) -> Path:
    """Write the library's ``<name>-<version>.dist-info/METADATA`` into ``out``: its name and
    version, what ``importlib.metadata`` is asked for (its dependencies are the lock's)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    dist_info = out / f"{project['name']}-{project['version']}.dist-info"
    dist_info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    (dist_info / "METADATA").write_text(metadata, encoding="utf-8")
    return dist_info


def assemble(service: str, out: Path, repo: Path = REPO) -> list[str]:
    """Write the build context of ``service`` into ``out`` (emptied first); returns its files, sorted."""
    source = repo / "services" / service
    if not (source / "main.py").is_file():
        raise BuildContextError(f"no service {service!r}; services are {', '.join(service_names(repo))}")
    if library_extras((source / "requirements.in").read_text(encoding="utf-8")) is None:
        raise BuildContextError(
            f"{service}: requirements.in does not name the library as ../../shared[extras]"
        )
    lock = source / "requirements.lock"
    if not lock.is_file():
        raise BuildContextError(f"{service}: no requirements.lock (python -m trendwatch.deploy.locks)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(source / "main.py", out / "main.py")
    (out / "requirements.txt").write_text(
        requirements_txt(lock.read_text(encoding="utf-8")), encoding="utf-8"
    )
    shutil.copytree(repo / "shared" / LIBRARY, out / LIBRARY, ignore=IGNORED)
    write_library_metadata(repo / "shared" / "pyproject.toml", out)
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def write_zip(folder: Path, archive: Path) -> None:
    """Zip ``folder``'s files with fixed timestamps, so the same sources give the same archive."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zipped.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("service", choices=service_names())
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)create with the context")
    parser.add_argument("--zip", type=Path, help="also write the context as this zip archive")
    args = parser.parse_args(argv)
    files = assemble(args.service, args.out)
    if args.zip:
        write_zip(args.out, args.zip)
    print(f"{args.service}: {len(files)} files in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
