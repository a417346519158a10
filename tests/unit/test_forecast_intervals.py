"""Split-conformal p10/p90 of the social model: per segment, from cross-fitted errors; and the
baseline reference its forecasts are added to."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.models import (
    MIN_SEGMENT_RESIDUALS,
    _as_trained_reference,
    conformal_offsets,
    interval_segments,
)


def test_conformal_offsets_cover_80_percent_of_a_known_distribution_per_segment() -> None:
    rng = np.random.default_rng(3)
    # Segment 0: narrow errors; segment 1 (a trend's): wider and skewed upwards.
    calibration = np.concatenate([rng.laplace(0, 0.2, 4000), rng.gamma(2.0, 0.4, 4000) - 0.5])
    segments = np.repeat([0, 1], 4000)
    lo, hi = conformal_offsets(calibration, segments, np.array([0, 1]))
    fresh = {0: rng.laplace(0, 0.2, 20_000), 1: rng.gamma(2.0, 0.4, 20_000) - 0.5}
    for segment, errors in fresh.items():
        covered = np.mean((errors >= lo[segment]) & (errors <= hi[segment]))
        assert 0.78 <= covered <= 0.82
    assert hi[1] - lo[1] > 2 * (hi[0] - lo[0]) and hi[1] > -lo[1]  # wider, and upwards


def test_a_segment_with_too_few_errors_borrows_every_errors_widths() -> None:
    rng = np.random.default_rng(4)
    calibration = np.concatenate([rng.normal(0, 1, 2000), rng.normal(0, 10, MIN_SEGMENT_RESIDUALS - 1)])
    segments = np.concatenate(
        [np.zeros(2000, dtype=np.int64), np.ones(MIN_SEGMENT_RESIDUALS - 1, dtype=np.int64)]
    )
    lo, hi = conformal_offsets(calibration, segments, np.array([1, 2]))
    expected = np.quantile(calibration, [0.1, 0.9])
    np.testing.assert_allclose([lo[0], hi[0]], expected)
    np.testing.assert_allclose([lo[1], hi[1]], expected)


def test_segments_are_horizon_buckets_and_whether_the_target_day_is_in_a_surge() -> None:
    x = pd.DataFrame({"horizon": [0, 2, 3, 6, 7, 13, 0], "onset_age_at_target": [np.nan] * 6 + [4.0]})
    assert interval_segments(x).tolist() == [0, 0, 2, 2, 4, 4, 1]


def test_a_forecast_is_added_to_the_reference_it_was_trained_against() -> None:
    """Training reads the baseline's one-step forecast of the last day up to the first forecast
    day with the target's weekday; so does the forecast, not the baseline's own forecast (which a
    trend begun before the origin has already raised)."""
    fitted = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2026-01-01", "2026-01-10"), "fitted": 1.0})
    fitted.loc[9, "fitted"] = 9.0  # the trend shows in the last day's one-step forecast
    first = pd.Timestamp("2026-01-11")  # the origin is 10 January
    steps = np.array([0, 1, 6, 7, 8])
    ds = (first + pd.to_timedelta(steps, unit="D")).to_numpy()
    forecast = np.array([20.0, 21.0, 22.0, 23.0, 24.0])
    reference = _as_trained_reference(np.array(["A"] * 5), ds, steps, forecast, fitted)
    # Day 0 and 7: the first day's own forecast; days 1 and 8: 5 January; day 6: 10 January.
    np.testing.assert_allclose(reference, [20.0, 1.0, 9.0, 23.0, 1.0])
    # Without the history a week back, the forecast itself.
    short = _as_trained_reference(np.array(["A"] * 5), ds, steps, forecast, fitted.iloc[8:])
    np.testing.assert_allclose(short, [20.0, 21.0, 9.0, 23.0, 24.0])
