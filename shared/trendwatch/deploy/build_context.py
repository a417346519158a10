"""Assemble one service's build context: its ``main.py``, its requirements and the library, nothing else.

A Cloud Run function is built from the folder it is deployed from, and each service's
``requirements.in`` points at the library as ``../../shared[extras]``. The context made
here is self-contained: the library is copied in as ``shared/``, the requirement is
rewritten to ``./shared[extras]`` (so only that service's extras are installed) and pinned
by the repository's ``constraints.txt``. Tests, docs, other services and local state never
enter it. From the repository root::

    python -m trendwatch.deploy.build_context enrich-text --out build/enrich-text --zip build/enrich-text.zip
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LIBRARY_REQUIREMENT = re.compile(r"^\.\./\.\./shared(\[[a-z0-9_,-]+\])?\s*$")
#: Never copied from the library folder: build and run leftovers.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".mypy_cache", ".pytest_cache")


class BuildContextError(ValueError):
    """The service does not exist or its requirements do not name the library as expected."""


def service_names(repo: Path = REPO) -> list[str]:
    return sorted(p.parent.name for p in (repo / "services").glob("*/main.py"))


def requirements_txt(requirements_in: str) -> str:
    """The service's requirements with the library taken from the context and versions pinned."""
    lines = ["-c constraints.txt"]
    found = False
    for line in requirements_in.splitlines():
        match = LIBRARY_REQUIREMENT.match(line.strip())
        if match:
            lines.append(f"./shared{match.group(1) or ''}")
            found = True
        elif line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    if not found:
        raise BuildContextError("requirements.in does not name the library as ../../shared[extras]")
    return "\n".join(lines) + "\n"


def assemble(service: str, out: Path, repo: Path = REPO) -> list[str]:
    """Write the build context of ``service`` into ``out`` (emptied first); returns its files, sorted."""
    source = repo / "services" / service
    if not (source / "main.py").is_file():
        raise BuildContextError(f"no service {service!r}; services are {', '.join(service_names(repo))}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(source / "main.py", out / "main.py")
    requirements = (source / "requirements.in").read_text(encoding="utf-8")
    (out / "requirements.txt").write_text(requirements_txt(requirements), encoding="utf-8")
    shutil.copy2(repo / "constraints.txt", out / "constraints.txt")
    (out / "shared").mkdir()
    shutil.copy2(repo / "shared" / "pyproject.toml", out / "shared" / "pyproject.toml")
    shutil.copytree(repo / "shared" / "trendwatch", out / "shared" / "trendwatch", ignore=IGNORED)
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
