from __future__ import annotations

import numpy as np
import pytest

from trendwatch.domain.colours import (
    PALETTE,
    NamedColour,
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
