"""From SKU totals to locations (top-down), reconciled by construction.

A location's share of a SKU is its share of the SKU's (censoring-corrected) demand over the
last 28 days, with the category's split over the same locations as a prior worth
``PRIOR_UNITS`` units: a new or slow SKU splits like its category, a busy one like itself.
Shares of a SKU sum to 1.

- **p50**: share x the SKU's p50, so locations add up to the SKU total (to rounding).
- **p10/p90**: a location's demand is the SKU's demand thinned by its share (each unit goes
  to the location with probability s), so its variance is s^2 Var(total) + s (1 - s) E(total).
  With the SKU's lower and upper spreads read from its quantiles (sigma = (p50 - p10) / z and
  (p90 - p50) / z, z = 1.2816), a location's p10 = s p50 - z sqrt(s^2 sigma_lo^2 + s (1 - s) p50),
  and p90 likewise, p10 clipped at 0. A location's interval is thus wider, relative to its
  level, than the total's, as a location's sales are noisier; quantiles are not additive, so
  the locations' p10 (p90) add up to less (more) than the SKU's. A SKU sold in one location
  gets exactly the SKU's quantiles.
"""

from __future__ import annotations

import numpy as np

from trendwatch.forecasting.demand import Panel

SHARE_WINDOW = 28
PRIOR_UNITS = 10.0
Z_80 = 1.2815515655446004


def location_shares(
    p: Panel, filled: np.ndarray, sku_category: np.ndarray, window: int = SHARE_WINDOW
) -> np.ndarray:
    """Each pair's share of its SKU (sums to 1 per SKU)."""
    recent = np.nansum(filled[:, -window:], axis=1)
    n_locations = len(p.locations)
    pair_category = sku_category[p.pair_sku]
    n_categories = int(sku_category.max()) + 1 if len(sku_category) else 0
    category_location = np.zeros((n_categories, n_locations))
    np.add.at(category_location, (pair_category, p.pair_location), recent)
    prior = category_location[pair_category, p.pair_location]
    # The category's split, restricted to the SKU's own locations.
    prior_total = np.zeros(p.n_skus)
    np.add.at(prior_total, p.pair_sku, prior)
    pairs_per_sku = np.bincount(p.pair_sku, minlength=p.n_skus).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        prior_share = np.where(
            prior_total[p.pair_sku] > 0, prior / prior_total[p.pair_sku], 1.0 / pairs_per_sku[p.pair_sku]
        )
    weight = recent + PRIOR_UNITS * prior_share
    total = np.zeros(p.n_skus)
    np.add.at(total, p.pair_sku, weight)
    return np.asarray(weight / total[p.pair_sku])


def thin(
    share: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A location's p10, p50, p90 from its share and the SKU's quantiles (see the module)."""
    sigma_lo = (p50 - p10) / Z_80
    sigma_hi = (p90 - p50) / Z_80
    noise = share * (1.0 - share) * p50
    mid = share * p50
    lo = np.maximum(mid - Z_80 * np.sqrt((share * sigma_lo) ** 2 + noise), 0.0)
    hi = mid + Z_80 * np.sqrt((share * sigma_hi) ** 2 + noise)
    return lo, mid, hi
