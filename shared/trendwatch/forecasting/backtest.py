"""Rolling-origin backtest of the candidate models, on SKU totals (the level the models fit).

At each origin the history is cut at that day (censoring correction and cold start
included, exactly as the daily job sees it), every candidate forecasts ``horizon`` days, and
utilsforecast's metrics compare the forecasts with what happened:

- ``wape``: all SKU-days; ``wape_other``: SKUs not trending;
- ``wape_trending``: trending SKUs, days ``onset .. onset + trend_days - 1``, forecasts made on
  or after the onset day (what the social signal can change: earlier forecasts cannot know);
  ``wape_trending_all`` counts every origin's forecasts of those days;
- ``coverage``: share of actuals within p10-p90 (target 0.75-0.90); ``coverage_trending``.

Actuals are the SKU's units on days none of its locations was censored (a censored day's
demand is unknown), or ``actuals`` given (e.g. a simulator's true demand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.frames import to_days
from trendwatch.forecasting.models import (
    DEFAULT_BASELINE,
    DEFAULT_SOCIAL,
    LEVEL,
    fit_predict_baseline_fitted,
    fit_predict_social,
)
from trendwatch.forecasting.pipeline import model_features, prepare, sku_series

METRICS = ("wape", "wape_other", "wape_trending", "wape_trending_all", "coverage", "coverage_trending")


@dataclass
class BacktestResult:
    #: ``kind`` (baseline / social), ``model``, ``metric``, ``value``, ``n`` (actuals counted).
    metrics: pd.DataFrame
    #: ``unique_id, ds, cutoff, y`` and per model ``<model>``, ``<model>-lo-80``, ``<model>-hi-80``.
    forecasts: pd.DataFrame

    def wide(self) -> pd.DataFrame:
        """One row per model, one column per metric."""
        return self.metrics.pivot_table(
            index=["kind", "model"], columns="metric", values="value"
        ).reset_index()


def sku_actuals(demand: pd.DataFrame) -> pd.DataFrame:
    """``unique_id, ds, y``: each SKU's units per day, leaving out days any location was censored."""
    frame = demand.assign(date=to_days(demand["date"]), sku=demand["sku"].astype(str))
    grouped = frame.groupby(["sku", "date"], sort=False).agg(y=("units", "sum"), censored=("censored", "any"))
    grouped = grouped[~grouped["censored"]].reset_index()
    return grouped.rename(columns={"sku": "unique_id", "date": "ds"})[["unique_id", "ds", "y"]]


def backtest(
    demand: pd.DataFrame,
    social: pd.DataFrame,
    products: pd.DataFrame,
    origins: Sequence[date | str | pd.Timestamp],
    horizon: int = 14,
    *,
    trending: pd.DataFrame | None = None,
    actuals: pd.DataFrame | None = None,
    baselines: Sequence[str] = (DEFAULT_BASELINE,),
    social_models: Sequence[str] = (DEFAULT_SOCIAL,),
    trend_days: int = 7,
) -> BacktestResult:
    """``trending``: ``sku, onset`` (a timestamp or day); ``actuals``: ``unique_id, ds, y``
    (default :func:`sku_actuals`). Model columns are named ``baseline:<name>`` and
    ``social:<name>``; a social model on the baseline's residuals uses the first baseline."""
    truth = sku_actuals(demand) if actuals is None else actuals.assign(ds=to_days(actuals["ds"]))
    truth = truth.assign(unique_id=truth["unique_id"].astype(str))
    folds = []
    for origin in origins:
        prep = prepare(demand, products, origin)
        series = sku_series(prep)
        feats, future = model_features(prep, social)
        fold: pd.DataFrame | None = None
        runs = [("baseline", name) for name in baselines] + [("social", name) for name in social_models]
        fitted_by: dict[str, pd.DataFrame | None] = {}
        forecast_by: dict[str, pd.DataFrame] = {}
        for kind, name in runs:
            if kind == "baseline":
                out, fitted_by[name] = fit_predict_baseline_fitted(series, horizon, name)
                forecast_by[name] = out
            else:
                base_name = baselines[0]
                out = fit_predict_social(
                    series,
                    feats,
                    future,
                    horizon,
                    name,
                    baseline_fitted=fitted_by[base_name],
                    baseline_forecast=forecast_by[base_name],
                )
            column = f"{kind}:{name}"
            out = out.rename(
                columns={"p50": column, "p10": f"{column}-lo-{LEVEL}", "p90": f"{column}-hi-{LEVEL}"}
            )
            fold = out if fold is None else fold.merge(out, on=["unique_id", "ds"], how="outer")
        assert fold is not None
        fold["cutoff"] = prep.as_of
        folds.append(fold)
    forecasts = pd.concat(folds, ignore_index=True)
    forecasts["unique_id"] = forecasts["unique_id"].astype(str)
    forecasts = forecasts.merge(truth, on=["unique_id", "ds"], how="inner")
    models = [f"baseline:{name}" for name in baselines] + [f"social:{name}" for name in social_models]
    return BacktestResult(metrics=_metrics(forecasts, models, trending, trend_days), forecasts=forecasts)


def _metrics(
    forecasts: pd.DataFrame, models: list[str], trending: pd.DataFrame | None, trend_days: int
) -> pd.DataFrame:
    from utilsforecast.losses import coverage, wape

    in_window = np.zeros(len(forecasts), dtype=bool)
    after_onset = np.zeros(len(forecasts), dtype=bool)
    is_trending = np.zeros(len(forecasts), dtype=bool)
    if trending is not None and len(trending):
        onset = trending.assign(onset_day=to_days(trending["onset"]), sku=trending["sku"].astype(str))
        onset = onset.groupby("sku")["onset_day"].min()
        day = onset.reindex(forecasts["unique_id"]).to_numpy()
        is_trending = ~pd.isna(day)
        ds = forecasts["ds"].to_numpy()
        window_end = day + np.timedelta64(trend_days, "D")
        in_window = is_trending & (ds >= day) & (ds < window_end)
        after_onset = in_window & (forecasts["cutoff"].to_numpy() >= day)
    subsets = {
        "wape": np.ones(len(forecasts), dtype=bool),
        "wape_other": ~is_trending,
        "wape_trending": after_onset,
        "wape_trending_all": in_window,
        "coverage": np.ones(len(forecasts), dtype=bool),
        "coverage_trending": after_onset,
    }
    rows = []
    for metric, mask in subsets.items():
        part = forecasts.loc[mask, ["ds", "y", *models, *_bounds(models)]].assign(group="all")
        if part.empty:
            continue
        if metric.startswith("wape"):
            values = wape(part, models=models, id_col="group", target_col="y")
        else:
            values = coverage(part, models=models, level=LEVEL, id_col="group", target_col="y")
        for model in models:
            kind, name = model.split(":", 1)
            rows.append(
                {
                    "kind": kind,
                    "model": name,
                    "metric": metric,
                    "value": float(values[model].iloc[0]),
                    "n": len(part),
                }
            )
    return pd.DataFrame(rows, columns=["kind", "model", "metric", "value", "n"])


def _bounds(models: list[str]) -> list[str]:
    return [f"{m}-{side}-{LEVEL}" for m in models for side in ("lo", "hi")]


def origins_before(
    end: date | str | pd.Timestamp, n: int, step: int = 7, horizon: int = 14
) -> list[pd.Timestamp]:
    """``n`` origins ``step`` days apart, the last one ``horizon`` days before ``end``."""
    last = to_days(end) - pd.Timedelta(days=horizon)
    return [last - pd.Timedelta(days=step * k) for k in reversed(range(n))]
