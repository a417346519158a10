"""Colour names a merchandiser understands, matched perceptually.

Colours are compared in CIELAB (D65) with the CIEDE2000 difference, which tracks
human judgement far better than RGB distance: a dark blue pixel should be called
"navy", not "black", even when its RGB values sit closer to black. Pixels are grouped
into dominant colours in CIELAB too (:func:`cluster`), for the same reason: in RGB, dark
shades that look clearly different sit close together while light greens that look
alike sit far apart, so RGB clusters merge the former and split the latter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Bump when the palette, the clustering or the matching changes, so stored names can be traced to it.
COLOUR_MODEL_VERSION = "trendwatch-colours-2"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: Most k-means rounds after the median cut, and the largest move of a centre (CIELAB units,
#: far below a visible difference) at which the clusters count as settled.
_KMEANS_ROUNDS = 10
_SETTLED = 0.5

#: Retail colour names with a typical sRGB value for each (fashion shades rather than
#: web primaries: "navy" is the colour of navy clothing, not #000080).
PALETTE: tuple[tuple[str, str], ...] = (
    ("black", "#111111"),
    ("charcoal", "#36454f"),
    ("grey", "#8c8c8c"),
    ("silver", "#c0c0c0"),
    ("white", "#ffffff"),
    ("ivory", "#fffff0"),
    ("beige", "#d8c3a5"),
    ("camel", "#c19a6b"),
    ("brown", "#6f4e37"),
    ("khaki", "#c3b091"),
    ("olive", "#6b6e23"),
    ("mustard", "#e1ad01"),
    ("yellow", "#ffe135"),
    ("orange", "#ff8c00"),
    ("rust", "#b7410e"),
    ("coral", "#ff7f50"),
    ("red", "#d32f2f"),
    ("burgundy", "#800020"),
    ("blush pink", "#f4c2c2"),
    ("hot pink", "#ff69b4"),
    ("lilac", "#c8a2c8"),
    ("purple", "#6a0dad"),
    ("plum", "#8e4585"),
    ("navy", "#1f2a44"),
    ("royal blue", "#4169e1"),
    ("sky blue", "#87ceeb"),
    ("denim", "#5b7da8"),
    ("teal", "#008080"),
    ("turquoise", "#40e0d0"),
    ("mint", "#aaf0d1"),
    ("sage", "#9caf88"),
    ("emerald", "#50c878"),
    ("forest green", "#228b22"),
)

# D65 reference white, for sRGB -> XYZ -> Lab.
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)


@dataclass(frozen=True, slots=True)
class NamedColour:
    """One dominant colour: its palette name, representative hex and share of the pixels."""

    name: str
    hex: str
    fraction: float


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """``"#1f2a44"`` -> ``(31, 42, 68)``."""
    digits = value.removeprefix("#")
    if len(digits) != 6:
        raise ValueError(f"not a #rrggbb colour: {value!r}")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def rgb_to_hex(rgb: Sequence[float]) -> str:
    """Round and clamp each channel to 0..255 and format as ``#rrggbb``."""
    r, g, b = (min(255, max(0, round(float(c)))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def srgb_to_lab(rgb: ArrayLike) -> FloatArray:
    """Convert 8-bit sRGB values of shape ``(..., 3)`` to CIELAB (D65) of the same shape."""
    srgb = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _WHITE_D65
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    lab: FloatArray = np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )
    return lab


def delta_e_2000(lab1: ArrayLike, lab2: ArrayLike) -> FloatArray:
    """CIEDE2000 colour difference between Lab arrays (broadcast over the leading axes).

    Follows Sharma, Wu & Dalal (2005), "The CIEDE2000 Color-Difference Formula:
    Implementation Notes", with kL = kC = kH = 1.
    """
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360

    chroma_product = c1p * c2p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma_product == 0, 0.0, dh)
    d_l = l2 - l1
    d_c = c2p - c1p
    d_h = 2 * np.sqrt(chroma_product) * np.sin(np.radians(dh / 2))

    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(
        np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
    )
    h_bar = np.where(chroma_product == 0, h_sum, h_bar)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (
        -2
        * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
        * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2))))
    )
    terms_c, terms_h = d_c / s_c, d_h / s_h
    result: FloatArray = np.sqrt((d_l / s_l) ** 2 + terms_c**2 + terms_h**2 + r_t * terms_c * terms_h)
    return result


_PALETTE_NAMES = tuple(name for name, _ in PALETTE)
_PALETTE_LAB = srgb_to_lab([hex_to_rgb(value) for _, value in PALETTE])


def nearest_names(rgb: ArrayLike) -> list[str]:
    """The palette name closest (CIEDE2000) to each 8-bit sRGB colour of shape ``(n, 3)``."""
    lab = srgb_to_lab(np.asarray(rgb, dtype=np.float64).reshape(-1, 3))
    distances = delta_e_2000(lab[:, None, :], _PALETTE_LAB[None, :, :])
    return [_PALETTE_NAMES[i] for i in distances.argmin(axis=1)]


def colour_name(rgb: Sequence[int]) -> str:
    """The palette name closest to one 8-bit sRGB colour."""
    return nearest_names([rgb])[0]


def cluster(rgb: ArrayLike, clusters: int) -> tuple[FloatArray, IntArray]:
    """Group 8-bit sRGB pixels of shape ``(n, 3)`` into at most ``clusters`` colours in CIELAB.

    Median cut in CIELAB (split the cluster with the largest squared error at the median of
    its widest axis) gives the starting clusters, then k-means rounds move each pixel to
    its nearest centre (ΔE*ab) until no centre moves by :data:`_SETTLED` (at most
    :data:`_KMEANS_ROUNDS` rounds). Deterministic: no random start. Returns the mean sRGB of
    each cluster's pixels, ``(m, 3)``, and its pixel count, ``(m,)``; clusters left empty
    by k-means have a count of 0.
    """
    pixels = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    if pixels.size == 0:
        return np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    lab = srgb_to_lab(pixels)
    centres = np.array([lab[box].mean(axis=0) for box in _median_cut(lab, clusters)])
    for _ in range(_KMEANS_ROUNDS):
        # Squared distance to each centre, less |lab|^2 (the same for every centre).
        members = ((centres**2).sum(axis=1) - 2 * lab @ centres.T).argmin(axis=1)
        counts = np.bincount(members, minlength=len(centres))
        filled = counts > 0  # an emptied centre stays where it was
        moved = _sums(members, lab, len(centres))[filled] / counts[filled, None]
        shift = float(np.abs(moved - centres[filled]).max())
        centres[filled] = moved
        if shift < _SETTLED:
            break
    means: FloatArray = _sums(members, pixels, len(centres)) / np.maximum(counts, 1)[:, None]
    return means, counts


def _sums(members: IntArray, values: FloatArray, groups: int) -> FloatArray:
    """Per group, the sum of the rows of ``values`` (shape ``(n, 3)``) whose member is that group."""
    return np.stack([np.bincount(members, values[:, c], groups) for c in range(3)], axis=1)


def _median_cut(lab: FloatArray, clusters: int) -> list[IntArray]:
    """Indices of ``lab`` in at most ``clusters`` boxes; identical colours never straddle two."""

    def box(indices: IntArray) -> tuple[float, IntArray]:
        """A box and its squared error (0 when it holds one colour: it cannot be split)."""
        points = lab[indices]
        spread = np.ptp(points, axis=0).any()
        return (float(((points - points.mean(axis=0)) ** 2).sum()) if spread else 0.0), indices

    boxes = [box(np.arange(len(lab)))]
    while len(boxes) < clusters:
        worst = max(range(len(boxes)), key=lambda i: boxes[i][0])
        error, indices = boxes[worst]
        if error == 0:
            break
        del boxes[worst]
        axis = int(np.ptp(lab[indices], axis=0).argmax())
        order = indices[np.argsort(lab[indices, axis], kind="stable")]
        values = lab[order, axis]
        median = values[len(values) // 2]
        # Cut before the median's run of equal values, or after it when the run starts the box.
        cut = int(np.searchsorted(values, median, "left")) or int(np.searchsorted(values, median, "right"))
        boxes += [box(order[:cut]), box(order[cut:])]
    return [indices for _, indices in boxes]


def summarise(
    rgb: ArrayLike,
    weights: ArrayLike,
    *,
    limit: int = 5,
    min_fraction: float = 0.02,
    total: float | None = None,
) -> list[NamedColour]:
    """Merge weighted colour clusters into named colours, largest share first.

    Clusters that get the same name are merged (their hex is the weighted mean), so
    two shades of navy count as one navy. ``fraction`` is the share of ``total``
    (default: the sum of ``weights``; pass it when the clusters cover only part of
    the image); names below ``min_fraction`` are dropped and at most ``limit`` are kept.
    """
    colours = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    weight = np.asarray(weights, dtype=np.float64).reshape(-1)
    present = weight > 0
    colours, weight = colours[present], weight[present]
    total = float(weight.sum()) if total is None else total
    if total <= 0 or weight.size == 0:
        return []
    names = np.array(nearest_names(colours))
    merged = []
    for name in dict.fromkeys(names.tolist()):
        members = names == name
        share = float(weight[members].sum())
        mean_rgb = (colours[members] * weight[members, None]).sum(axis=0) / share
        merged.append(NamedColour(name=name, hex=rgb_to_hex(mean_rgb), fraction=round(share / total, 4)))
    merged.sort(key=lambda colour: colour.fraction, reverse=True)
    return [colour for colour in merged if colour.fraction >= min_fraction][:limit]
