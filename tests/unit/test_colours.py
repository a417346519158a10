from __future__ import annotations

import numpy as np
import pytest

from trendwatch.domain.colours import (
    PALETTE,
    NamedColour,
    cluster,
    colour_name,
    delta_e_2000,
    hex_to_rgb,
    nearest_names,
    rgb_to_hex,
    srgb_to_lab,
    summarise,
)


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [
        # Pairs 1, 7, 17, 25 and 8 of Sharma, Wu & Dalal's CIEDE2000 test data.
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ],
)
def test_delta_e_2000_matches_published_test_data(
    lab1: tuple[float, float, float], lab2: tuple[float, float, float], expected: float
) -> None:
    assert float(delta_e_2000(lab1, lab2)) == pytest.approx(expected, abs=1e-4)


def test_delta_e_2000_is_symmetric_and_zero_for_identical_colours() -> None:
    a, b = np.array([40.0, 30.0, -20.0]), np.array([60.0, -10.0, 15.0])
    assert float(delta_e_2000(a, b)) == pytest.approx(float(delta_e_2000(b, a)))
    assert float(delta_e_2000(a, a)) == 0.0


def test_srgb_to_lab_gives_reference_values_for_white_and_red() -> None:
    lab = srgb_to_lab([[255, 255, 255], [255, 0, 0]])
    assert lab[0] == pytest.approx([100.0, 0.0, 0.0], abs=1e-3)
    assert lab[1] == pytest.approx([53.2408, 80.0925, 67.2032], abs=1e-3)


def test_every_palette_colour_is_named_after_itself() -> None:
    names = nearest_names([hex_to_rgb(value) for _, value in PALETTE])
    assert names == [name for name, _ in PALETTE]


@pytest.mark.parametrize(
    ("rgb", "name"),
    [
        ((20, 30, 60), "navy"),  # closer to black in RGB, but a merchandiser says navy
        ((120, 10, 35), "burgundy"),
        ((250, 200, 200), "blush pink"),
        ((0, 120, 125), "teal"),
        ((230, 175, 20), "mustard"),
        ((255, 120, 85), "coral"),
        ((110, 112, 40), "olive"),
    ],
)
def test_colour_name_picks_the_perceptually_nearest_retail_name(rgb: tuple[int, int, int], name: str) -> None:
    assert colour_name(rgb) == name


def test_hex_round_trip_and_clamping() -> None:
    assert hex_to_rgb("#1f2a44") == (31, 42, 68)
    assert rgb_to_hex((31.4, 41.6, 68)) == "#1f2a44"
    assert rgb_to_hex((-3, 300, 127.5)) == "#00ff80"
    with pytest.raises(ValueError, match="not a #rrggbb"):
        hex_to_rgb("#fff")


def test_summarise_merges_shades_with_the_same_name_and_orders_by_share() -> None:
    result = summarise([[20, 30, 60], [26, 36, 72], [255, 255, 255]], [50, 30, 20])
    assert result == [
        NamedColour(name="navy", hex="#162040", fraction=0.8),
        NamedColour(name="white", hex="#ffffff", fraction=0.2),
    ]


def test_summarise_drops_small_shares_and_keeps_at_most_the_limit() -> None:
    rgb = [[211, 47, 47], [255, 255, 255], [17, 17, 17], [65, 105, 225], [255, 140, 0]]
    result = summarise(rgb, [50, 30, 15, 4, 1], limit=3, min_fraction=0.02)
    assert [c.name for c in result] == ["red", "white", "black"]
    assert summarise(rgb, [50, 30, 15, 4, 1], min_fraction=0.02)[-1].name == "royal blue"


def test_summarise_uses_the_given_total_when_clusters_cover_part_of_the_image() -> None:
    result = summarise([[255, 255, 255]], [0.25], total=1.0)
    assert result == [NamedColour(name="white", hex="#ffffff", fraction=0.25)]


def test_summarise_of_nothing_is_empty() -> None:
    assert summarise(np.zeros((0, 3)), []) == []
    assert summarise([[1, 2, 3]], [0]) == []


BLACK, NAVY = (17, 17, 17), (31, 42, 68)
GREEN, LIGHT_GREEN = (80, 200, 120), (130, 240, 160)


def test_clusters_follow_perceptual_distance_not_rgb_distance() -> None:
    # In RGB the dark pair is the closer one, so three RGB clusters would merge black with navy
    # and split the greens; to the eye (CIEDE2000) the greens are the closer pair.
    rgb = np.array([BLACK, NAVY, GREEN, LIGHT_GREEN], dtype=np.float64)
    assert np.linalg.norm(rgb[0] - rgb[1]) < np.linalg.norm(rgb[2] - rgb[3])
    lab = srgb_to_lab(rgb)
    assert float(delta_e_2000(lab[0], lab[1])) > float(delta_e_2000(lab[2], lab[3]))

    means, counts = cluster(np.repeat(rgb, 30, axis=0), 3)
    found = sorted(zip(map(tuple, means.tolist()), counts.tolist(), strict=True))
    assert found == [((17.0, 17.0, 17.0), 30), ((31.0, 42.0, 68.0), 30), ((105.0, 220.0, 140.0), 60)]
    assert {c.name: c.fraction for c in summarise(means, counts)} == {
        "emerald": 0.5,
        "black": 0.25,
        "navy": 0.25,
    }


def test_cluster_finds_each_colour_of_a_noisy_picture_with_its_share() -> None:
    shares = {BLACK: 0.45, NAVY: 0.35, (255, 255, 255): 0.12, (211, 47, 47): 0.08}
    rgb = np.repeat(
        np.array(list(shares), dtype=np.float64), [round(4000 * s) for s in shares.values()], axis=0
    )
    noisy = np.clip(rgb + np.random.default_rng(7).normal(0, 6, rgb.shape), 0, 255).round()
    named = summarise(*cluster(noisy, 8))
    assert [c.name for c in named] == ["black", "navy", "white", "red"]
    assert [c.fraction for c in named] == pytest.approx(list(shares.values()), abs=0.01)


def test_cluster_keeps_identical_pixels_together_and_counts_every_pixel() -> None:
    means, counts = cluster([NAVY] * 50 + [BLACK], 8)
    assert sorted(zip(map(tuple, means.tolist()), counts.tolist(), strict=True)) == [
        ((17.0, 17.0, 17.0), 1),
        ((31.0, 42.0, 68.0), 50),
    ]
    means, counts = cluster(np.zeros((0, 3)), 8)
    assert (means.shape, counts.tolist()) == ((0, 3), [])
