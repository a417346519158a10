"""The daily forecast: SKU totals by both models, then locations top-down.

Why SKU totals: the social signal is about a product, not a shop; a SKU's total is far
less intermittent than its 50 location series, so one global LightGBM and one statsforecast
model per SKU learn from real variation instead of zeros; and 5,000 series fit in the
daily job's time where 250,000 would not. Locations take shares of the total
(:mod:`trendwatch.forecasting.reconcile`), which reconciles p50 by construction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.coldstart import MIN_HISTORY, extend_history
from trendwatch.forecasting.demand import Panel, impute_censored, panel
from trendwatch.forecasting.features import FEATURES, lagged_for_model, social_features
from trendwatch.forecasting.frames import to_days
from trendwatch.forecasting.models import (
    DEFAULT_BASELINE,
    DEFAULT_SOCIAL,
    SOCIAL_MODELS,
    ModelInfo,
    fit_predict_baseline_fitted,
    fit_predict_social,
    model_info,
)
from trendwatch.forecasting.reconcile import location_shares, thin

#: Columns of :func:`forecast`'s result.
FORECAST_COLUMNS = (
    "sku",
    "location_id",
    "date",
    "p10",
    "p50",
    "p90",
    "baseline_p10",
    "baseline_p50",
    "baseline_p90",
    "model",
    "baseline_model",
    "model_version",
    "baseline_version",
    "run_id",
    "as_of",
    "features_as_of",
    "cold_start",
)


@dataclass
class Prepared:
    """The history as of a day, ready for the models."""

    panel: Panel
    #: Pair x day demand to learn from (censored days corrected).
    filled: np.ndarray
    #: SKU x day totals, days before a SKU's first borrowed from its category.
    sku_y: np.ndarray
    sku_category: np.ndarray
    #: SKUs with fewer than MIN_HISTORY days of their own.
    cold_start: np.ndarray
    as_of: pd.Timestamp


def prepare(demand: pd.DataFrame, products: pd.DataFrame, as_of: date | str | pd.Timestamp) -> Prepared:
    """``demand``: ``sku, location_id, date, units, censored`` (:func:`daily_demand`'s columns;
    ``as_of`` is its last complete day, later rows are ignored). ``products``: ``sku, category``."""
    day = to_days(as_of)
    p = panel(demand, end=day)
    filled = impute_censored(p)
    categories = products.drop_duplicates("sku").set_index(
        products.drop_duplicates("sku")["sku"].astype(str)
    )["category"]
    sku_category_name = categories.reindex(pd.Index(p.skus)).fillna("").astype(str).to_numpy()
    sku_category, _ = pd.factorize(sku_category_name)
    sku_first = p.sku_first()
    sku_y = extend_history(p.sku_totals(filled), sku_first, sku_category)
    cold = (len(p.days) - sku_first) < MIN_HISTORY
    return Prepared(
        panel=p, filled=filled, sku_y=sku_y, sku_category=sku_category, cold_start=cold, as_of=day
    )


def sku_series(prep: Prepared) -> pd.DataFrame:
    """``unique_id, ds, y``: every SKU's total over the whole panel."""
    p = prep.panel
    return pd.DataFrame(
        {
            "unique_id": np.repeat(p.skus, len(p.days)),
            "ds": np.tile(p.days.to_numpy(), p.n_skus),
            "y": prep.sku_y.ravel(),
        }
    )


def model_features(prep: Prepared, social: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The social model's features for the training rows (each day's as of the day before)
    and for the first forecast day (as of ``as_of``), keyed ``unique_id, ds``."""
    p = prep.panel
    days = pd.date_range(p.days[0] - pd.Timedelta(days=1), prep.as_of, freq="D")
    feats = lagged_for_model(social_features(social, p.skus, days, as_of=prep.as_of))
    feats = feats.rename(columns={"sku": "unique_id", "date": "ds"})
    first_day = prep.as_of + pd.Timedelta(days=1)
    is_future = (feats["ds"] == first_day).to_numpy()
    return feats[~is_future].reset_index(drop=True), feats[is_future].reset_index(drop=True)


def sku_forecasts(
    prep: Prepared,
    social: pd.DataFrame,
    horizon: int = 14,
    *,
    baseline: str = DEFAULT_BASELINE,
    social_model: str = DEFAULT_SOCIAL,
    n_jobs: int = 2,
) -> pd.DataFrame:
    """SKU totals by both models: ``unique_id, ds, p10, p50, p90, baseline_p10, baseline_p50,
    baseline_p90``."""
    series = sku_series(prep)
    base, fitted = fit_predict_baseline_fitted(series, horizon, baseline, n_jobs=n_jobs)
    feats, future = model_features(prep, social)
    soc = fit_predict_social(
        series, feats, future, horizon, social_model, baseline_fitted=fitted, baseline_forecast=base
    )
    base = base.rename(columns={"p10": "baseline_p10", "p50": "baseline_p50", "p90": "baseline_p90"})
    return soc.merge(base, on=["unique_id", "ds"], how="outer")


def model_infos(
    baseline: str = DEFAULT_BASELINE, social_model: str = DEFAULT_SOCIAL
) -> tuple[ModelInfo, ModelInfo]:
    """(social model, baseline) names, versions and parameters."""
    return (
        model_info(social_model, SOCIAL_MODELS[social_model]),
        model_info(baseline, {"statsforecast": baseline, "season_length": 7, "level": 80}),
    )


def forecast(
    demand: pd.DataFrame,
    social: pd.DataFrame,
    products: pd.DataFrame,
    as_of: date | str | pd.Timestamp,
    horizon: int = 14,
    *,
    baseline: str = DEFAULT_BASELINE,
    social_model: str = DEFAULT_SOCIAL,
    run_id: str | None = None,
    n_jobs: int = 2,
) -> pd.DataFrame:
    """Forecasts for the ``horizon`` days after ``as_of``: one row per SKU and day with
    ``location_id`` None (the SKU total), and one per SKU, location and day.

    ``demand``: ``sku, location_id, date, units, censored`` up to ``as_of`` (see
    :func:`~trendwatch.forecasting.demand.daily_demand`); ``social``: see
    :mod:`~trendwatch.forecasting.features` (rows after ``as_of`` are ignored);
    ``products``: ``sku, category``. Columns: :data:`FORECAST_COLUMNS`. p50 of a SKU's
    locations adds up to its total's p50; p10/p90 per :mod:`~trendwatch.forecasting.reconcile`.
    """
    prep = prepare(demand, products, as_of)
    sku_fc = sku_forecasts(prep, social, horizon, baseline=baseline, social_model=social_model, n_jobs=n_jobs)
    social_info, baseline_info = model_infos(baseline, social_model)
    p = prep.panel
    sku_index = pd.Index(p.skus)
    sku_fc = sku_fc.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    code = sku_index.get_indexer(sku_fc["unique_id"])
    # h rows per SKU in SKU order: a (SKU x h) matrix per column.
    order = np.argsort(code, kind="stable")
    sku_fc = sku_fc.iloc[order].reset_index(drop=True)
    dates = sku_fc["ds"].to_numpy().reshape(p.n_skus, horizon)
    columns = ("p10", "p50", "p90", "baseline_p10", "baseline_p50", "baseline_p90")
    totals = {c: sku_fc[c].to_numpy(dtype=np.float64).reshape(p.n_skus, horizon) for c in columns}

    shares = location_shares(p, prep.filled, prep.sku_category)
    s = shares[:, None]
    loc: dict[str, np.ndarray] = {}
    for prefix in ("", "baseline_"):
        lo, mid, hi = thin(
            s,
            totals[f"{prefix}p10"][p.pair_sku],
            totals[f"{prefix}p50"][p.pair_sku],
            totals[f"{prefix}p90"][p.pair_sku],
        )
        loc[f"{prefix}p10"], loc[f"{prefix}p50"], loc[f"{prefix}p90"] = lo, mid, hi

    n_pairs = len(p.pair_sku)
    total_frame = pd.DataFrame(
        {
            "sku": np.repeat(p.skus, horizon),
            "location_id": None,
            "date": dates.ravel(),
            **{c: totals[c].ravel() for c in columns},
            "cold_start": np.repeat(prep.cold_start, horizon),
        }
    )
    location_frame = pd.DataFrame(
        {
            "sku": np.repeat(p.skus[p.pair_sku], horizon),
            "location_id": np.repeat(p.locations[p.pair_location], horizon),
            "date": dates[p.pair_sku].ravel(),
            **{c: loc[c].ravel() for c in columns},
            "cold_start": np.repeat(prep.cold_start[p.pair_sku], horizon),
        }
    )
    assert len(location_frame) == n_pairs * horizon
    out = pd.concat([total_frame, location_frame], ignore_index=True)
    out["location_id"] = out["location_id"].astype(object)
    out["date"] = out["date"].astype("datetime64[ns]")
    out["model"] = social_info.name
    out["baseline_model"] = baseline_info.name
    out["model_version"] = social_info.version
    out["baseline_version"] = baseline_info.version
    out["run_id"] = run_id or uuid.uuid4().hex
    out["as_of"] = prep.as_of
    out["features_as_of"] = prep.as_of
    return out[list(FORECAST_COLUMNS)]


__all__ = ["FEATURES", "FORECAST_COLUMNS", "Prepared", "forecast", "model_infos", "prepare", "sku_forecasts"]
