"""The social model's point forecast in two parts: ordinary days, and a trend's uplift pooled over SKUs.

The target is the log-ratio of the demand to the baseline's reference (see
:func:`~trendwatch.forecasting.models.fit_predict_social`). :class:`PooledUpliftRegressor` fits

- an *ordinary* LightGBM on the examples whose target day is outside any surge of talk, on the
  features that are not the talk (lags, rolling means, weekdays, horizon: what the baseline
  misses on a usual day, next to nothing), and
- an *uplift* LightGBM on the examples inside a surge, on the surge's age and size alone
  (:data:`UPLIFT_FEATURES`, never lower for a bigger surge), learning what is left of their
  target after the ordinary model's prediction.

Why: a history holds a handful of trends. One LightGBM on every feature, with the surge rows
weighted up, splits those few trends by the lags and levels of the SKUs that happened to trend,
so two SKUs of one trend with the same talk got x2.5 and x1.0 (training seed 2002's live trend);
the uplift model sees only what every trend shares, the age and size of its surge of talk, so
a new trend borrows the curve of all earlier ones whatever its sales history. The ordinary model
does not read the talk: fitted on days outside the surges, it took the chatter about the
catalogue on the stream's day for a rise (+10-26 % on a dozen quiet SKUs of training seed 2001,
each then ordered as if a trend drove it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.features import FEATURES, SURGE_SIZE_FEATURES

#: Column of the examples that is NaN outside a surge of talk (added by the social model).
SURGE_AGE = "onset_age_at_target"
#: What the uplift model reads: the target day's age of the surge, the horizon, the origin's
#: age of the surge and the surge's size.
UPLIFT_FEATURES = (SURGE_AGE, "horizon", "days_since_onset", *SURGE_SIZE_FEATURES)
#: Fewer surge examples than this and the uplift is left at zero (nothing to pool).
MIN_SURGE_EXAMPLES = 20


class PooledUpliftRegressor:
    """Ordinary LightGBM + pooled uplift LightGBM (see the module's description); ``fit`` and
    ``predict`` like a LightGBM regressor."""

    def __init__(self, params: Mapping[str, Any], uplift_params: Mapping[str, Any]) -> None:
        self._params = {k: v for k, v in params.items() if k != "monotone_constraints"}
        self._uplift_params = uplift_params
        self._ordinary: Any = None
        self._uplift: Any = None

    def fit(
        self, x: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> PooledUpliftRegressor:
        """``sample_weight`` weighs the ordinary examples (the surge examples share one model
        of their own, where a weight up for being in a surge would change nothing)."""
        import lightgbm as lgb

        surge = _in_surge(x)
        weight = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self._ordinary = lgb.LGBMRegressor(**self._params)
        self._ordinary.fit(_ordinary_frame(x.loc[~surge]), y[~surge], sample_weight=weight[~surge])
        self._uplift = None
        if surge.sum() >= MIN_SURGE_EXAMPLES:
            features = _uplift_frame(x.loc[surge])
            left = y[surge] - self._ordinary.predict(_ordinary_frame(x.loc[surge]))
            monotone = [1 if name in SURGE_SIZE_FEATURES else 0 for name in features.columns]
            self._uplift = lgb.LGBMRegressor(
                **{**self._params, **self._uplift_params, "monotone_constraints": monotone}
            )
            self._uplift.fit(features, left)
        return self

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        out = np.asarray(self._ordinary.predict(_ordinary_frame(x)), dtype=np.float64)
        surge = _in_surge(x)
        if self._uplift is not None and surge.any():
            out[surge] += self._uplift.predict(_uplift_frame(x.loc[surge]))
        return out


def _in_surge(x: pd.DataFrame) -> np.ndarray:
    if SURGE_AGE not in x.columns:
        return np.zeros(len(x), dtype=bool)
    return np.asarray(x[SURGE_AGE].notna().to_numpy(), dtype=bool)


def _uplift_frame(x: pd.DataFrame) -> pd.DataFrame:
    return x.loc[:, [name for name in UPLIFT_FEATURES if name in x.columns]]


def _ordinary_frame(x: pd.DataFrame) -> pd.DataFrame:
    return x.loc[:, [name for name in x.columns if name not in FEATURES and name != SURGE_AGE]]
