"""Run a service as if only its declared dependencies were installed.

The development venv has every extra of the library, so a service whose code imports a
package its ``requirements.in`` does not name works in every local test and fails only once
deployed (it happened: aggregate's scheduled jobs needed ``embeddings`` and ``analytics``).
:func:`install_guard` hides from one process every installed distribution outside the
service's dependency closure, as its deployed image would lack them.

Only imports made *by trendwatch code* are reported as violations; a third-party package that
probes an optional dependency (``try: import x``) just sees it missing, as it would in the
deployed image.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import re
import sys
import types
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LIBRARY = re.compile(r"^\.\./\.\./shared(?:\[(?P<extras>[a-z0-9_,-]+)\])?\s*$")
#: Where the guard appends the imports it refused (one line each), when set.
REPORT_ENV = "SERVICE_EXTRAS_GUARD_REPORT"
#: Names the library installs under; the service's requirement on it is rewritten to this.
LIBRARY_DISTRIBUTION = "trendwatch"


def service_requirements(service: str, repo: Path = REPO) -> list[Requirement]:
    """The service's direct requirements, the library's path requirement as ``trendwatch[extras]``."""
    requirements = []
    for line in (repo / "services" / service / "requirements.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        library = LIBRARY.match(line)
        if library:
            extras = library.group("extras")
            line = f"{LIBRARY_DISTRIBUTION}[{extras}]" if extras else LIBRARY_DISTRIBUTION
        requirements.append(Requirement(line))
    return requirements


def dependency_closure(requirements: Iterable[Requirement]) -> set[str]:
    """Canonical names of every installed distribution the requirements pull in, transitively,
    with extras and environment markers evaluated as pip would."""
    closure: set[str] = set()
    seen: set[tuple[str, str]] = set()
    pending = [(req, sorted(req.extras)) for req in requirements]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        for extra in extras or [""]:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            closure.add(name)
            try:
                distribution = importlib.metadata.distribution(name)
            except importlib.metadata.PackageNotFoundError:
                continue
            for spec in distribution.requires or []:
                child = Requirement(spec)
                if child.marker is None or child.marker.evaluate({"extra": extra}):
                    pending.append((child, sorted(child.extras)))
    return closure


def hidden_modules(allowed: set[str]) -> set[str]:
    """Top-level modules whose every providing distribution is outside ``allowed``."""
    return {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if not any(canonicalize_name(d) in allowed for d in distributions)
    }


class _HideUndeclared(importlib.abc.MetaPathFinder):
    def __init__(self, service: str, hidden: set[str], report: Path | None) -> None:
        self.service, self.hidden, self.report = service, hidden, report

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname not in self.hidden:
            return None
        importer = _importing_module()
        if self.report is not None and importer.startswith(LIBRARY_DISTRIBUTION):
            with self.report.open("a") as out:
                out.write(f"{self.service}: {importer} imports {fullname}, not in its requirements\n")
        raise ModuleNotFoundError(f"No module named {fullname!r} (not declared by {self.service})")


def _importing_module() -> str:
    """The module whose ``import`` statement is being executed (the first frame outside importlib)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not name.startswith(("importlib", "_frozen_importlib")) and name != __name__:
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def install_guard(service: str, report: Path | None = None) -> None:
    """From now on this process imports only what ``service`` declares (see the module doc)."""
    hidden = hidden_modules(dependency_closure(service_requirements(service)))
    sys.meta_path.insert(0, _HideUndeclared(service, hidden, report))


def service_of_command(argv: Sequence[str]) -> str | None:
    """The service a ``functions_framework --source=services/<name>/main.py`` command serves."""
    for index, arg in enumerate(argv):
        source = arg.removeprefix("--source=") if arg.startswith("--source=") else None
        if arg == "--source" and index + 1 < len(argv):
            source = argv[index + 1]
        if source:
            path = Path(source)
            return path.parent.name if path.name == "main.py" else path.name
    return None
