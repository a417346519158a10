from __future__ import annotations

from pathlib import Path

import pytest

from trendwatch.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Local settings whose state lives in the test's own folder."""
    return Settings.from_env({}, state_dir=tmp_path / "state")
