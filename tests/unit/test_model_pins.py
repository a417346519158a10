"""An environment's pinned model versions (``TRENDWATCH_MODEL_VERSIONS``): a service refuses a
sentiment model its environment did not pin, and the supply job runs the pinned forecasters."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from trendwatch.experiments.pins import (
    FORECAST_BASELINE,
    FORECAST_SOCIAL,
    PinnedVersionMismatch,
    check_pinned,
    pinned_supply_models,
    sentiment_versions,
)
from trendwatch.forecasting.pipeline import model_infos
from trendwatch.settings import Settings


def _pinned(**pins: str) -> Settings:
    return Settings.from_env({"TRENDWATCH_MODEL_VERSIONS": json.dumps(pins)})


def _analyzer(name: str, version: int, weights: str) -> SimpleNamespace:
    """What a text analyzer exposes of its packaged sentiment models."""
    model = SimpleNamespace(info=SimpleNamespace(name=name, version=version, weights_sha256=weights))
    return SimpleNamespace(sentiment_models={"en": model})


def test_an_analyzer_at_its_pinned_version_passes_and_another_version_is_refused() -> None:
    settings = _pinned(**{"trendwatch-sentiment-en": "trendwatch-sentiment-en-4+907a1aab"})
    check_pinned(settings, sentiment_versions(_analyzer("trendwatch-sentiment-en", 4, "907a1aab" + "0" * 56)))
    retrained = sentiment_versions(_analyzer("trendwatch-sentiment-en", 4, "12345678" + "0" * 56))
    with pytest.raises(
        PinnedVersionMismatch,
        match="pinned trendwatch-sentiment-en-4\\+907a1aab, this image holds trendwatch-sentiment-en-4\\+12345678",
    ):
        check_pinned(settings, retrained)


def test_no_pins_or_a_model_not_pinned_is_not_checked() -> None:
    loaded = sentiment_versions(_analyzer("trendwatch-sentiment-fr", 2, "21b1d85a"))
    check_pinned(Settings.from_env({}), loaded)
    check_pinned(_pinned(**{"trendwatch-sentiment-en": "trendwatch-sentiment-en-4"}), loaded)
    assert sentiment_versions(SimpleNamespace()) == {}  # Cloud Natural Language runs none of ours


def test_the_supply_job_runs_the_forecasting_candidates_the_environment_pins() -> None:
    challenger, _ = model_infos(social_model="lgbm-log")
    _, baseline = model_infos(baseline="SeasonalNaive")
    settings = _pinned(**{FORECAST_SOCIAL: challenger.version, FORECAST_BASELINE: baseline.version})
    assert pinned_supply_models(settings) == ("lgbm-log", "SeasonalNaive")
    assert pinned_supply_models(Settings.from_env({})) == (None, None)
    with pytest.raises(PinnedVersionMismatch, match="no forecasting candidate"):
        pinned_supply_models(_pinned(**{FORECAST_SOCIAL: "lgbm-log-000000000000"}))


def test_pins_that_are_not_a_json_object_of_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        check_pinned(Settings.from_env({"TRENDWATCH_MODEL_VERSIONS": '["a"]'}), {})
