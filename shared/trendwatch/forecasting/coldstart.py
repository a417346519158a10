"""Cold start: a SKU with a short history borrows its category's profile.

Days before a SKU's first day are filled with its category's profile (the mean daily demand
of the category's SKUs that were on sale that day) times the SKU's scale. The scale is the
SKU's demand over its own days against the profile over the same days, each side given one
week of the profile as a pseudo-count: a SKU launched yesterday is an average SKU of its
category, one with a few weeks of history is mostly itself. Both models then see a
complete series, and the location split borrows the category's locations the same way
(:func:`trendwatch.forecasting.reconcile.location_shares`).
"""

from __future__ import annotations

import numpy as np

#: Days of history under which a SKU counts as new (reported as ``cold_start``).
MIN_HISTORY = 14
#: The pseudo-count, in days of the category's profile, added to both sides of the scale.
PRIOR_DAYS = 7.0


def category_profile(sku_y: np.ndarray, sku_first: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Per category and day, the mean demand of its established SKUs (``MIN_HISTORY`` days or
    more) on sale that day (category x day); all SKUs when none is established.

    A category with no such SKU on sale that day takes the mean of all of them.
    """
    n_days = sku_y.shape[1]
    established = (n_days - sku_first) >= MIN_HISTORY
    if not established.any():
        established = np.ones_like(established)
    on_sale = (np.arange(n_days)[None, :] >= sku_first[:, None]) & established[:, None]
    n_categories = int(category.max()) + 1 if len(category) else 0
    total = np.zeros((n_categories, n_days))
    count = np.zeros((n_categories, n_days))
    np.add.at(total, category, np.where(on_sale, sku_y, 0.0))
    np.add.at(count, category, on_sale.astype(np.float64))
    overall = total.sum(axis=0) / np.maximum(count.sum(axis=0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        profile = np.where(count > 0, total / count, overall[None, :])
    return np.asarray(profile)


def extend_history(sku_y: np.ndarray, sku_first: np.ndarray, category: np.ndarray) -> np.ndarray:
    """SKU x day demand with the days before each SKU's first day borrowed from its category.

    ``category``: each SKU's category index (0..n-1).
    """
    profile = category_profile(sku_y, sku_first, category)[category]
    n_days = sku_y.shape[1]
    own = np.arange(n_days)[None, :] >= sku_first[:, None]
    own_sum = np.where(own, sku_y, 0.0).sum(axis=1)
    profile_sum = np.where(own, profile, 0.0).sum(axis=1)
    own_days = own.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_profile = np.where(own_days > 0, profile_sum / np.maximum(own_days, 1), profile.mean(axis=1))
    prior = PRIOR_DAYS * mean_profile
    denominator = profile_sum + prior
    scale = np.where(denominator > 0, (own_sum + prior) / np.where(denominator > 0, denominator, 1.0), 1.0)
    return np.asarray(np.where(own, sku_y, scale[:, None] * profile))
