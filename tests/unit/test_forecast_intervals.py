"""Split-conformal p10/p90 of the social model: per segment, from cross-fitted errors."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.models import MIN_SEGMENT_RESIDUALS, conformal_offsets, interval_segments


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
