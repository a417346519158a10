"""Drift metrics: PSI, centroid shift, new-token rate, and which comparisons ``compare`` makes."""

from __future__ import annotations

import pytest

from trendwatch.domain.drift import (
    DEFAULT_THRESHOLDS,
    EMBEDDING_SHIFT,
    NEW_TOKEN_RATE,
    WindowProfile,
    compare,
    cosine_distance,
    new_token_rate,
    psi,
    psi_noise_floor,
)


def test_psi_is_zero_for_the_same_mix_and_grows_with_the_shift() -> None:
    reference = {"en": 600, "fr": 400}
    assert psi(reference, {"en": 300, "fr": 200}) == pytest.approx(0.0, abs=1e-12)
    moderate = psi(reference, {"en": 450, "fr": 550})
    strong = psi(reference, {"en": 300, "fr": 700})
    # by hand: (0.45 - 0.6) ln(0.45 / 0.6) + (0.55 - 0.4) ln(0.55 / 0.4)
    assert moderate == pytest.approx(0.0909, abs=1e-3)
    assert strong > moderate > DEFAULT_THRESHOLDS["lang"] * 0.9


def test_psi_of_a_bucket_new_on_one_side_is_large_but_finite_and_of_nothing_is_zero() -> None:
    assert 1.0 < psi({"en": 100}, {"en": 50, "de": 50}) < 10.0
    assert psi({}, {"en": 5}) == 0.0


def test_cosine_distance_and_new_token_rate() -> None:
    assert cosine_distance([1.0, 0.0], [1.0, 0.0]) == pytest.approx(0.0)
    assert cosine_distance([1.0, 0.0], [0.0, 2.0]) == pytest.approx(1.0)
    assert cosine_distance([], [1.0]) == 0.0
    assert new_token_rate({"robe": 3, "top": 1}, {"robe": 2, "nul": 1, "awful": 1}) == pytest.approx(0.5)


def _profile(en: int, fr: int, sentiment_fr: dict[str, int], **more: object) -> WindowProfile:
    counts = {"lang": {"en": en, "fr": fr}, "sentiment:en": {"positive": en}, "sentiment:fr": sentiment_fr}
    return WindowProfile(en + fr, counts, **more)  # type: ignore[arg-type]


def test_compare_flags_the_changed_mix_and_skips_languages_with_few_tweets() -> None:
    reference = _profile(500, 300, {"positive": 200, "negative": 100}, centroid=[1.0, 0.0], tokens={"a": 9})
    current = _profile(
        500, 300, {"positive": 60, "negative": 240}, centroid=[1.0, 0.1], tokens={"a": 9, "b": 1}
    )
    by_metric = {m.metric: m for m in compare(reference, current)}
    assert by_metric["sentiment:fr"].drifted and not by_metric["lang"].drifted
    assert not by_metric["sentiment:en"].drifted
    assert by_metric[EMBEDDING_SHIFT].value == pytest.approx(cosine_distance([1.0, 0.0], [1.0, 0.1]))
    assert by_metric[NEW_TOKEN_RATE].value == pytest.approx(0.1)
    few_french = _profile(500, 40, {"positive": 4, "negative": 36})
    assert "sentiment:fr" not in {m.metric for m in compare(reference, few_french)}


def test_on_small_windows_a_psi_must_clear_its_noise_floor_not_just_the_threshold() -> None:
    ten = {str(i): 70 for i in range(10)}
    small = {str(i): 10 + (5 if i < 5 else -5) for i in range(10)}  # 100 tweets, a sampling wobble
    big = {str(i): 1000 for i in range(10)}
    assert psi_noise_floor(big, big) < DEFAULT_THRESHOLDS["category"]  # production-sized days
    assert psi(ten, small) > DEFAULT_THRESHOLDS["category"]
    reference = WindowProfile(700, {"category": ten})
    [category] = compare(reference, WindowProfile(100, {"category": small}))
    assert category.threshold == pytest.approx(psi_noise_floor(ten, small)) and not category.drifted
    [moved] = compare(reference, WindowProfile(100, {"category": {"0": 60, "1": 40}}))
    assert moved.drifted
