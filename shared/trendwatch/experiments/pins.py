"""The model versions an environment pins, and the check that a service runs them.

Terraform sets ``TRENDWATCH_MODEL_VERSIONS`` per environment (``model_versions`` in
``deploy/terraform/envs/*``): a JSON map of registered model name to the version output rows
name. A service reads it from its settings and never asks the registry (no MLflow in a function
image):

- the packaged sentiment models ship one version each, inside the image: a service whose
  image holds another version than its environment pins refuses to start (deploy the image of
  the pinned version, or pin the one deployed);
- the forecasting candidates all ship in the code: the supply job runs the social model whose
  version is pinned (so staging can run a challenger while production runs the champion).

Versions are those of ``trendwatch models`` (``model_version``), e.g.
``trendwatch-sentiment-en-5+dc98976e`` or ``lgbm-pooled-uplift-0123456789ab``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.forecasting.models import ModelInfo

#: The registered names of the forecasting models (``trendwatch models``).
FORECAST_SOCIAL = "trendwatch-forecast-social"
FORECAST_BASELINE = "trendwatch-forecast-baseline"


class PinnedVersionMismatch(RuntimeError):
    """A service holds another version of a model than its environment pins."""


def pinned_versions(settings: Settings) -> dict[str, str]:
    """The pins of ``settings`` (none when ``TRENDWATCH_MODEL_VERSIONS`` is unset)."""
    if not settings.model_versions:
        return {}
    pins = json.loads(settings.model_versions)
    if not isinstance(pins, dict) or not all(isinstance(v, str) for v in pins.values()):
        raise ValueError("TRENDWATCH_MODEL_VERSIONS must be a JSON object of model name to version")
    return pins


def check_pinned(settings: Settings, loaded: Mapping[str, str]) -> None:
    """Raise unless every model of ``loaded`` (name: version) that the environment pins is at
    its pinned version."""
    pins = pinned_versions(settings)
    wrong = {name: version for name, version in loaded.items() if pins.get(name, version) != version}
    if wrong:
        raise PinnedVersionMismatch(
            "; ".join(
                f"{name}: pinned {pins[name]}, this image holds {version}" for name, version in wrong.items()
            )
        )


def pinned_forecast_model(settings: Settings, kind: str, candidates: Mapping[str, str]) -> str | None:
    """The candidate (name) whose version (``candidates``: name to version) the environment pins
    for the forecasting model ``kind`` (:data:`FORECAST_SOCIAL` or :data:`FORECAST_BASELINE`);
    ``None`` when it pins none. Raises if the pinned version is no candidate's."""
    pinned = pinned_versions(settings).get(kind)
    if pinned is None:
        return None
    for name, version in candidates.items():
        if version == pinned:
            return name
    raise PinnedVersionMismatch(f"{kind}: pinned {pinned}, which no forecasting candidate of this image has")


def forecast_candidates() -> dict[str, dict[str, ModelInfo]]:
    """Every forecasting candidate of this code, by kind (``social``, ``baseline``) then name."""
    from trendwatch.forecasting.models import BASELINES, SOCIAL_MODELS
    from trendwatch.forecasting.pipeline import model_infos

    return {
        "social": {name: model_infos(social_model=name)[0] for name in SOCIAL_MODELS},
        "baseline": {name: model_infos(baseline=name)[1] for name in BASELINES},
    }


def pinned_supply_models(settings: Settings) -> tuple[str | None, str | None]:
    """The social model and the baseline (candidate names) the environment pins, ``None`` for
    one it does not pin."""
    if not pinned_versions(settings):
        return None, None
    candidates = {
        kind: {name: info.version for name, info in infos.items()}
        for kind, infos in forecast_candidates().items()
    }
    return (
        pinned_forecast_model(settings, FORECAST_SOCIAL, candidates["social"]),
        pinned_forecast_model(settings, FORECAST_BASELINE, candidates["baseline"]),
    )


def sentiment_versions(analyzer: object) -> dict[str, str]:
    """The packaged sentiment models a text analyzer runs (name: version), for
    :func:`check_pinned`; none for an analyzer that runs none (Cloud Natural Language)."""
    models = getattr(analyzer, "sentiment_models", None)
    if not models:
        return {}
    from trendwatch.adapters.local.text_analyzer import sentiment_model_id

    return {model.info.name: sentiment_model_id(model).tag for model in models.values()}
