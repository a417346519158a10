from __future__ import annotations

from pathlib import Path

import pytest

from trendwatch.settings import Settings


def test_every_setting_has_a_local_default() -> None:
    settings = Settings.from_env({})
    assert settings.backend == "local"
    assert settings.warehouse_path == Path(".trendwatch/warehouse.duckdb")


def test_environment_variables_are_typed_and_overrides_win() -> None:
    env = {
        "TRENDWATCH_STATE_DIR": "/srv/tw",
        "TRENDWATCH_MEDIA_ALLOWED_HOSTS": "a.example, b.example",
        "OTHER": "x",
    }
    settings = Settings.from_env(env, text_profile="accurate")
    assert settings.state_dir == Path("/srv/tw")
    assert settings.media_allowed_hosts == ("a.example", "b.example")
    assert settings.text_profile == "accurate"


def test_invalid_setting_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="TRENDWATCH_"):
        Settings.from_env({"TRENDWATCH_BACKEND": "azure"})


def test_settings_survive_the_trip_through_a_child_environment() -> None:
    settings = Settings.from_env({}, state_dir=Path("/tmp/x"), router_url="http://127.0.0.1:1")
    assert Settings.from_env(settings.to_env()) == settings
