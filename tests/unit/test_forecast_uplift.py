"""The social model's pooled uplift: a trend's uplift read from its surge's age and size alone."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.uplift import MIN_SURGE_EXAMPLES, PooledUpliftRegressor

PARAMS = {"n_estimators": 60, "learning_rate": 0.2, "num_leaves": 7, "min_child_samples": 5, "verbosity": -1}
UPLIFT = {"n_estimators": 60, "num_leaves": 4}


def _examples(rng: np.random.Generator, n: int, surge_share: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Ordinary days whose target follows the level (``lag1``), and surge days whose target is
    an uplift set by the surge's size and age, whatever the level."""
    surge = rng.random(n) < surge_share
    age = np.where(surge, rng.integers(1, 15, n), np.nan)
    size = np.where(surge, rng.uniform(1.0, 3.0, n), np.nan)
    x = pd.DataFrame(
        {
            "lag1": rng.uniform(0.0, 4.0, n),
            "horizon": rng.integers(0, 14, n),
            "days_since_onset": np.where(surge, np.maximum(age - 1, 0), np.nan),
            "onset_age_at_target": age,
            "onset_peak_lift_log": size,
            "onset_voices_log": size + 1.0,
        }
    )
    uplift = np.where(surge, 0.4 * np.nan_to_num(size) * 0.5 ** (np.nan_to_num(age) / 4), 0.0)
    return x, 0.1 * (x["lag1"].to_numpy() - 2.0) + uplift


def test_two_skus_in_the_same_surge_get_the_same_uplift_whatever_their_level() -> None:
    x, y = _examples(np.random.default_rng(3), 4000, 0.1)
    model = PooledUpliftRegressor(PARAMS, UPLIFT).fit(x, y)
    surge = {
        "horizon": [2, 2],
        "days_since_onset": [0.0, 0.0],
        "onset_age_at_target": [3.0, 3.0],
        "onset_peak_lift_log": [2.5, 2.5],
        "onset_voices_log": [3.5, 3.5],
    }
    quiet = {name: [np.nan, np.nan] for name in surge if name != "horizon"} | {"horizon": [2, 2]}
    levels = {"lag1": [0.5, 3.5]}
    in_surge = model.predict(pd.DataFrame(levels | surge)[list(x.columns)])
    ordinary = model.predict(pd.DataFrame(levels | quiet)[list(x.columns)])
    uplift = in_surge - ordinary
    assert abs(uplift[0] - uplift[1]) < 1e-9
    # the size-2.5 surge three days on: 0.4 x 2.5 x 0.5 ** 0.75 = 0.59
    assert 0.4 < uplift[0] < 0.8
    # the ordinary model still reads the level
    assert ordinary[1] - ordinary[0] > 0.2


def test_a_bigger_surge_never_gets_a_smaller_uplift() -> None:
    x, y = _examples(np.random.default_rng(5), 4000, 0.1)
    model = PooledUpliftRegressor(PARAMS, UPLIFT).fit(x, y)
    size = np.linspace(1.0, 3.0, 21)
    grid = pd.DataFrame(
        {
            "lag1": 2.0,
            "horizon": 1,
            "days_since_onset": 1.0,
            "onset_age_at_target": 3.0,
            "onset_peak_lift_log": size,
            "onset_voices_log": size + 1.0,
        }
    )
    assert (np.diff(model.predict(grid)) >= -1e-12).all()


def test_without_enough_surge_examples_the_uplift_is_left_at_zero() -> None:
    x, y = _examples(np.random.default_rng(7), 2000, 0.0)
    rows = x.iloc[: MIN_SURGE_EXAMPLES - 1].copy()
    rows["onset_age_at_target"], rows["onset_peak_lift_log"], rows["onset_voices_log"] = 2.0, 3.0, 4.0
    rows["days_since_onset"] = 1.0
    x, y = pd.concat([x, rows], ignore_index=True), np.concatenate([y, np.full(len(rows), 5.0)])
    model = PooledUpliftRegressor(PARAMS, UPLIFT).fit(x, y)
    quiet = rows.assign(onset_age_at_target=np.nan, onset_peak_lift_log=np.nan, onset_voices_log=np.nan)
    np.testing.assert_allclose(model.predict(rows), model.predict(quiet.assign(days_since_onset=np.nan)))
