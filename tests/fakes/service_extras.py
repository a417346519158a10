"""Run a service, or the analysts' API, as if only its declared dependencies were installed.

The development venv has every extra of the library, so a service whose code imports a
package its ``requirements.in`` does not name works in every local test and fails only once
deployed (it happened: aggregate's scheduled jobs needed ``embeddings`` and ``analytics``).
:func:`install_guard` hides from one process every installed distribution outside the
service's dependency closure, as its deployed image would lack them. The API (:data:`API`)
declares its dependencies in its image instead: the extras its Dockerfile installs.

Only imports made *by trendwatch code* (its import statements and ``importlib.import_module``
calls) are reported as violations; a third-party package that probes an optional dependency
just sees it missing, as it would in the deployed image: in Python (``try: import x``) or from
C while trendwatch code calls it (DuckDB looks for pandas when it binds query parameters).
"""

from __future__ import annotations

import dis
import importlib.abc
import importlib.machinery
import importlib.metadata
import re
import sys
import types
from collections import defaultdict
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
#: The analysts' API and the X stream reader, guarded like services; each image is built
#: from its Dockerfile.
API = "api"
STREAM_READER = "stream-reader"
IMAGE_DOCKERFILES = {name: Path("deploy") / name / "Dockerfile" for name in (API, STREAM_READER)}
_IMAGE_LIBRARY = re.compile(r"pip install [^\n]*'\./shared\[(?P<extras>[a-z0-9_,-]+)\]'")


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


def image_requirements(image: str, repo: Path = REPO) -> list[Requirement]:
    """The library with the extras an image installs (its Dockerfile's ``pip install``)."""
    dockerfile = IMAGE_DOCKERFILES[image]
    found = _IMAGE_LIBRARY.search((repo / dockerfile).read_text())
    if found is None:
        raise ValueError(f"{dockerfile} installs no './shared[extras]'")
    return [Requirement(f"{LIBRARY_DISTRIBUTION}[{found.group('extras')}]")]


def declared_requirements(deployable: str, repo: Path = REPO) -> list[Requirement]:
    """What a deployable declares: a service's ``requirements.in``, or its image's extras."""
    if deployable in IMAGE_DOCKERFILES:
        return image_requirements(deployable, repo)
    return service_requirements(deployable, repo)


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


def _module_providers() -> dict[str, set[str]]:
    """Every importable module and package, by dotted name, with the distributions whose files
    provide it. Dotted names, not only top-level ones: namespace packages (``google``,
    ``google.cloud``) are shared by many distributions, and ``google.cloud.language_v2`` is
    the Natural Language client's alone."""
    providers: dict[str, set[str]] = defaultdict(set)
    for module, distributions in importlib.metadata.packages_distributions().items():
        providers[module].update(canonicalize_name(d) for d in distributions)
    for distribution in importlib.metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        for file in distribution.files or ():
            parts = file.parts
            if file.suffix not in (".py", ".so", ".pyd") or parts[0] == ".." or "__pycache__" in parts:
                continue
            stem = parts[-1].split(".", 1)[0]
            names = [*parts[:-1], *([] if stem == "__init__" else [stem])]
            for depth in range(1, len(names) + 1):
                providers[".".join(names[:depth])].add(name)
    return providers


def hidden_modules(allowed: set[str]) -> set[str]:
    """Modules (top-level or dotted) whose every providing distribution is outside ``allowed``."""
    return {module for module, distributions in _module_providers().items() if not distributions & allowed}


class _HideUndeclared(importlib.abc.MetaPathFinder):
    def __init__(self, service: str, hidden: set[str], report: Path | None) -> None:
        self.service, self.hidden, self.report = service, hidden, report

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.hidden:
            return None
        importer = _importing_module()
        if self.report is not None and importer.startswith(LIBRARY_DISTRIBUTION):
            with self.report.open("a") as out:
                out.write(f"{self.service}: {importer} imports {fullname}, not in its requirements\n")
        raise ModuleNotFoundError(f"No module named {fullname!r} (not declared by {self.service})")


_IMPORT_NAME = dis.opmap["IMPORT_NAME"]


def _importing_module() -> str:
    """The module whose ``import`` statement or ``importlib.import_module`` call is being
    executed, or ``""`` when the first frame outside importlib is doing something else: then
    C code it called (an extension module) asked for the import."""
    frame = sys._getframe(2)
    via_import_module = False
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name == "importlib":  # importlib.import_module, called by the next frame out
            via_import_module = True
        elif not name.startswith(("importlib.", "_frozen_importlib")) and name != __name__:
            executes_import = frame.f_code.co_code[frame.f_lasti] == _IMPORT_NAME
            return name if via_import_module or executes_import else ""
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def install_guard(service: str, report: Path | None = None) -> None:
    """From now on this process imports only what ``service`` (or an image of
    :data:`IMAGE_DOCKERFILES`) declares (see the module doc)."""
    hidden = hidden_modules(dependency_closure(declared_requirements(service)))
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
