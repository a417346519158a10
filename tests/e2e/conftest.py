"""Fixtures shared by end-to-end modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from trendwatch.settings import Settings


@pytest.fixture(scope="session")
def analyst_state_built(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The folder ``build_state`` fills (its ``data`` and ``state``), built once per test run.

    Several modules read the same analysts' warehouse. With several workers, the first one to
    ask builds it in the run's shared folder under a lock, and the others wait for it and
    reuse it; each module then reads its own copy (:func:`analyst_state_copy`), so that no
    two processes ever open one DuckDB file.
    """
    from tests.e2e.test_api import build_state

    if worker_id == "master":
        root = tmp_path_factory.mktemp("analyst-state")
        build_state(root)
        return root
    shared = tmp_path_factory.getbasetemp().parent
    root = shared / "analyst-state"
    with FileLock(str(shared / "analyst-state.lock")):
        if not (root / "built").exists():
            shutil.rmtree(root, ignore_errors=True)
            build_state(root)
            (root / "built").touch()
    return root


def analyst_state_copy(built: Path, destination: Path) -> Settings:
    """A copy of the analysts' state in ``destination``, and the settings that read it."""
    shutil.copytree(built / "data", destination / "data")
    shutil.copytree(built / "state", destination / "state")
    return Settings.from_env({}, state_dir=destination / "state")
