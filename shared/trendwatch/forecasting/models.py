"""The two forecasting models, both fitted on SKU totals (one series per SKU, daily).

- **baseline**: a statsforecast model without social features (candidates in
  :data:`BASELINES`); p10/p90 are its 80 % prediction interval (the model's own where it has
  one, conformal otherwise), p50 its point forecast.
- **social**: LightGBM on mlforecast's features, direct multi-horizon, with the horizon as a
  feature, on lags, rolling means, weekday and the social features as of the day before each
  row (candidates in :data:`SOCIAL_MODELS`). Forecasting every horizon from the origin's row
  is what keeps the social features leak-free: the forecast for ``as_of + h`` reads them
  as of ``as_of``. The chosen model predicts the log-ratio of the demand to the baseline's
  forecast in two parts (:mod:`~trendwatch.forecasting.uplift`): ordinary days without the
  talk, and a trend's uplift from the age of the SKU's latest surge of talk on the target day
  and the surge's size alone, pooled over every SKU's trends (never predicting less for a
  bigger surge: LightGBM's monotone constraints); it takes its p10/p90 from split-conformal
  offsets: percentiles of cross-fitted errors per segment (horizon bucket, in a surge or
  not). ``lgbm-surge-conformal`` is the same with one LightGBM on every feature for the point
  forecast; the other candidates fit one LightGBM per quantile (``objective="quantile"``,
  alpha 0.1/0.5/0.9).

Each model's name, parameters and a version that changes with the code, the parameters and
the libraries' versions are in :class:`ModelInfo`.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.features import FEATURES, SURGE_SIZE_FEATURES
from trendwatch.forecasting.uplift import PooledUpliftRegressor

#: p10-p90 is the central 80 % interval.
LEVEL = 80
QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    #: ``<name>-<12 hex>``: a hash of the forecasting code, the parameters and the libraries' versions.
    version: str
    params: Mapping[str, Any] = field(default_factory=dict)


def model_info(name: str, params: Mapping[str, Any]) -> ModelInfo:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    versions = {lib: _version(lib) for lib in ("statsforecast", "mlforecast", "lightgbm", "utilsforecast")}
    digest.update(
        json.dumps({"name": name, "params": params, "libs": versions}, sort_keys=True, default=str).encode()
    )
    return ModelInfo(name=name, version=f"{name}-{digest.hexdigest()[:12]}", params=dict(params))


def _version(lib: str) -> str:
    try:
        return metadata.version(lib)
    except metadata.PackageNotFoundError:
        return "absent"


# --- baseline ----------------------------------------------------------------------------


def _baseline_model(name: str, horizon: int) -> Any:
    from statsforecast.models import (
        ADIDA,
        AutoETS,
        CrostonOptimized,
        SeasonalNaive,
        SeasonalWindowAverage,
    )
    from statsforecast.utils import ConformalIntervals

    conformal = ConformalIntervals(h=horizon, n_windows=2)
    makers: dict[str, Callable[[], Any]] = {
        "SeasonalNaive": lambda: SeasonalNaive(season_length=7, alias="baseline"),
        "SeasonalWindowAverage": lambda: SeasonalWindowAverage(
            season_length=7, window_size=4, alias="baseline", prediction_intervals=conformal
        ),
        "AutoETS": lambda: AutoETS(season_length=7, model="ZZZ", alias="baseline"),
        "AutoETS-additive": lambda: AutoETS(season_length=7, model="ZNA", alias="baseline"),
        "CrostonOptimized": lambda: CrostonOptimized(alias="baseline", prediction_intervals=conformal),
        "ADIDA": lambda: ADIDA(alias="baseline", prediction_intervals=conformal),
    }
    return makers[name]()


#: Baseline candidates (statsforecast); the default is chosen by the backtest.
BASELINES = (
    "SeasonalNaive",
    "SeasonalWindowAverage",
    "AutoETS",
    "AutoETS-additive",
    "CrostonOptimized",
    "ADIDA",
)
DEFAULT_BASELINE = "AutoETS-additive"


def fit_predict_baseline(
    series: pd.DataFrame, horizon: int, name: str = DEFAULT_BASELINE, n_jobs: int = 1
) -> pd.DataFrame:
    """``series``: ``unique_id, ds, y`` (complete daily series). Returns ``unique_id, ds,
    p10, p50, p90`` (clipped at 0, ordered)."""
    return fit_predict_baseline_fitted(series, horizon, name, n_jobs, fitted=False)[0]


def fit_predict_baseline_fitted(
    series: pd.DataFrame, horizon: int, name: str = DEFAULT_BASELINE, n_jobs: int = 1, fitted: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`fit_predict_baseline` and, with ``fitted``, the model's in-sample one-step
    forecasts (``unique_id, ds, fitted``)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[_baseline_model(name, horizon)], freq="D", n_jobs=n_jobs)
    in_sample = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sf.forecast(df=series, h=horizon, level=[LEVEL], fitted=fitted)
        if fitted:
            values = sf.forecast_fitted_values()
            values = values.reset_index() if "unique_id" not in values.columns else values
            in_sample = values[["unique_id", "ds", "baseline"]].rename(columns={"baseline": "fitted"})
    out = out.reset_index() if "unique_id" not in out.columns else out
    return _ordered(
        out["unique_id"],
        out["ds"],
        out[f"baseline-lo-{LEVEL}"].to_numpy(),
        out["baseline"].to_numpy(),
        out[f"baseline-hi-{LEVEL}"].to_numpy(),
    ), in_sample


# --- social model -----------------------------------------------------------------------

#: Social model candidates: LightGBM parameters and the target transform.
SOCIAL_MODELS: Mapping[str, Mapping[str, Any]] = {
    # LightGBM on the log-ratio of the demand to the baseline (see fit_predict_social), never
    # lower for a bigger surge of talk, with split-conformal p10/p90 from cross-fitted errors
    # per segment (see conformal_offsets): chosen by the backtest on training seeds.
    "lgbm-surge-conformal": {
        "target": "baseline-residual",
        "lags": (1, 2, 7, 14),
        "horizons_per_row": 2,
        "max_rows": 1_000_000,
        "lgbm": {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 10},
        "social": True,
        "monotone": True,
        "intervals": "conformal",
        # Training seeds 2001 / 2002, trending SKUs' WAPE over the baseline's from the onset-day
        # origins: 0.70 / - unweighted, 0.67 / - at 5, 0.63 / 0.78 at 20, 0.62 / 0.76 at 50, 0.61 / - at 100.
        "surge_weight": 50.0,
        # The uplift is added to the reference it was learnt against, not to the baseline's
        # forecast (see _as_trained_reference): training seeds 2001 / 2002 from every origin
        # (onset to 4 days after, 2 apart) 0.67 / 1.12 against the forecast, 0.62 / 0.85 so.
        "reference": "as-trained",
    },
    # The same target, reference and intervals with the point forecast in two parts (see
    # .uplift): an ordinary LightGBM on the days outside any surge of talk, not reading the
    # talk, and a trend's uplift from its surge's age and size alone, pooled over every SKU's
    # trends (never lower for a bigger surge). Training seeds 2001 / 2002: trending SKUs' WAPE
    # over the baseline's 0.67 / 0.81 (lgbm-surge-conformal 0.62 / 0.85; both seeds 0.72 against
    # 0.71), other SKUs 1.008 / 1.018, trend-caused stock-outs caught 15 of 16 (13), 87 % of the
    # recommendations justified (85 %).
    "lgbm-pooled-uplift": {
        "target": "baseline-residual",
        "lags": (1, 2, 7, 14),
        "horizons_per_row": 2,
        "max_rows": 1_000_000,
        "lgbm": {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 10},
        "social": True,
        "intervals": "conformal",
        "reference": "as-trained",
        "pooled_uplift": {
            "n_estimators": 100,
            "learning_rate": 0.05,
            "num_leaves": 7,
            "min_child_samples": 20,
        },
    },
    # The same target with quantile LightGBMs for p10, p50 and p90.
    "lgbm-baseline-residual": {
        "target": "baseline-residual",
        "lags": (1, 2, 7, 14),
        "horizons_per_row": 2,
        "max_rows": 1_000_000,
        "lgbm": {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 10},
        "social": True,
    },
    # LightGBM on log(1 + units) itself, its own level from the lags.
    "lgbm-log": {
        "target": "log1p",
        "lags": (1, 2, 7, 14),
        "horizons_per_row": 2,
        "lgbm": {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20},
        "social": True,
    },
}
DEFAULT_SOCIAL = "lgbm-pooled-uplift"
# The chosen model without the social features: what they add (not a candidate).
SOCIAL_MODELS = {
    **SOCIAL_MODELS,
    f"{DEFAULT_SOCIAL}-nosocial": {**SOCIAL_MODELS[DEFAULT_SOCIAL], "social": False},
}


def fit_predict_social(
    series: pd.DataFrame,
    features: pd.DataFrame,
    future_features: pd.DataFrame,
    horizon: int,
    name: str = DEFAULT_SOCIAL,
    lgbm_threads: int = 1,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    baseline_fitted: pd.DataFrame | None = None,
    baseline_forecast: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``series``: ``unique_id, ds, y`` (complete daily series); ``features``: ``unique_id,
    ds, *FEATURES`` for the same rows (each row's features as of the day before it);
    ``future_features``: the same for the first forecast day of every series (as of the
    origin). Returns ``unique_id, ds, p10, p50, p90``. A ``baseline-residual`` model also
    needs the baseline's in-sample one-step forecasts (``unique_id, ds, fitted``) and its
    forecast (``unique_id, ds, p50``).

    mlforecast builds each row's features (lags and rolling means of the target, weekday,
    the exogenous social features) and the next ``horizon`` days' targets
    (``preprocess(max_horizon=...)``); a row and ``horizons_per_row`` of its horizons, drawn
    at random, become training examples with the horizon and the target's weekday as two
    more features (every horizon of a row in a surge of talk: trends are rare). One LightGBM
    per quantile, or a p50 LightGBM and conformal offsets (``"intervals": "conformal"``), thus
    serves every horizon (not 3 x 14 models), and every forecast reads the origin's row only:
    features up to the origin.
    """
    import lightgbm as lgb

    spec = dict(SOCIAL_MODELS[name]) if params is None else dict(params)
    columns = list(FEATURES) if spec.get("social", True) else []
    log = spec["target"] in ("log1p", "baseline-residual")
    residual = spec["target"] == "baseline-residual"
    train = (
        series[["unique_id", "ds", "y"]]
        .sort_values(["unique_id", "ds"], kind="stable")
        .reset_index(drop=True)
    )
    train["y"] = np.log1p(train["y"]) if log else train["y"]
    reference = np.zeros(len(train))
    if residual:
        # The target is the baseline's error in log(1 + y): LightGBM learns what the baseline
        # misses (the social uplift) and its forecasts are added to the baseline's p50. Where
        # social says nothing the error is noise around 0 and the social model is the
        # baseline. In training, the baseline's forecast of day t + k from origin t - 1 is
        # stood in for by its one-step forecast of the last day up to t with t + k's weekday.
        if baseline_fitted is None or baseline_forecast is None:
            raise ValueError("a baseline-residual model needs the baseline's fitted values and forecast")
        fitted = train[["unique_id", "ds"]].merge(baseline_fitted, on=["unique_id", "ds"], how="left")[
            "fitted"
        ]
        reference = np.log1p(np.clip(fitted.to_numpy(dtype=np.float64), 0.0, None))
    if columns:
        train = train.merge(features[["unique_id", "ds", *columns]], on=["unique_id", "ds"], how="left")
    fcst = _feature_builder(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, y = fcst.preprocess(train, static_features=[], max_horizon=horizon, dropna=False, return_X_y=True)
    x = x.reset_index(drop=True)
    y = np.asarray(y, dtype=np.float64).reshape(len(x), horizon)
    rng = np.random.default_rng(seed)
    # Every horizon of every row while that stays under ``max_rows`` examples (a few trends in
    # a small catalogue are all there is to learn from), down to ``horizons_per_row`` at scale.
    per_row = int(spec.get("horizons_per_row", 2))
    per_row = min(max(per_row, int(spec.get("max_rows", 0)) // max(len(x), 1)), horizon)
    # A row in a surge of talk keeps every horizon: trends are rare and are what is learnt.
    surging = (
        x["days_since_onset"].notna().to_numpy()
        if "days_since_onset" in x.columns
        else np.zeros(len(x), bool)
    )
    wanted = np.where(surging, horizon, per_row)
    order = rng.random((len(x), horizon)).argsort(axis=1)
    rows, kth = np.nonzero(np.arange(horizon)[None, :] < wanted[:, None])
    steps = order[rows, kth]
    target = y[rows, steps]
    if residual:
        if len(x) != len(train):
            raise ValueError("mlforecast dropped rows: the baseline's reference cannot be aligned")
        series_start = train.groupby("unique_id", sort=False).cumcount().to_numpy()
        back = 7 * -(-steps // 7)  # whole weeks back to a day up to t with the target's weekday
        ref = rows + steps - back
        valid = series_start[rows] >= back - steps
        target = np.where(valid, target - reference[np.where(valid, ref, 0)], np.nan)
    keep = ~np.isnan(target)
    x_train = _with_horizon(x.iloc[rows[keep]], steps[keep])
    # One LightGBM thread by default: on shared cores OpenMP threads wait for each other
    # (two threads took 17 times as long as one on this project's loaded build machine).
    lgbm_params = {
        "verbosity": -1,
        "n_jobs": lgbm_threads,
        "subsample": 0.8,
        "subsample_freq": 1,
        "max_bin": 63,
        "force_col_wise": True,
        "random_state": seed,
        **spec["lgbm"],
    }

    # The first forecast day's features: a placeholder row after each series' last day
    # (its own target is never read: every feature looks back from the row).
    last = series.groupby("unique_id", sort=False)["ds"].max()
    next_rows = pd.DataFrame(
        {"unique_id": last.index.to_numpy(), "ds": last.to_numpy() + pd.Timedelta(days=1)}
    )
    next_rows["y"] = 0.0
    if columns:
        next_rows = next_rows.merge(future_features[["unique_id", *columns]], on="unique_id", how="left")
    with_next = pd.concat([train, next_rows], ignore_index=True).sort_values(
        ["unique_id", "ds"], kind="stable"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = _feature_builder(spec).preprocess(with_next, static_features=[], dropna=False)
    origin = full.merge(next_rows[["unique_id", "ds"]], on=["unique_id", "ds"], how="inner").reset_index(
        drop=True
    )
    x_next = origin[list(x.columns)]
    pred_rows = np.repeat(np.arange(len(origin)), horizon)
    pred_steps = np.tile(np.arange(horizon), len(origin))
    x_pred = _with_horizon(x_next.iloc[pred_rows], pred_steps)

    predictions = {}
    origin_level = np.zeros(len(pred_rows))
    ids = origin["unique_id"].to_numpy()[pred_rows]
    ds = origin["ds"].to_numpy()[pred_rows] + pred_steps.astype("timedelta64[D]")
    if residual:
        assert baseline_forecast is not None and baseline_fitted is not None
        base = (
            pd.DataFrame({"unique_id": ids, "ds": ds})
            .merge(baseline_forecast[["unique_id", "ds", "p50"]], on=["unique_id", "ds"], how="left")["p50"]
            .to_numpy(dtype=np.float64)
        )
        if spec.get("reference") == "as-trained":
            base = _as_trained_reference(ids, ds, pred_steps, base, baseline_fitted)
        origin_level = origin_level + np.log1p(base)
    constraints = _monotone(list(x_train.columns)) if spec.get("monotone") else None
    if constraints is not None:
        lgbm_params["monotone_constraints"] = constraints
    weight = _surge_weights(x_train, float(spec.get("surge_weight", 1.0)))
    if spec.get("intervals") == "conformal":
        point_params = {**_point_objective(spec), **lgbm_params}
        model = _point_model(spec, point_params)
        model.fit(x_train, target[keep], sample_weight=weight)
        mid = model.predict(x_pred)
        segments = interval_segments(x_train), interval_segments(x_pred)
        groups = train["unique_id"].to_numpy()[rows[keep]]
        if len(x) != len(train):
            raise ValueError("mlforecast dropped rows: the examples' SKUs cannot be aligned")
        residuals = _cross_fitted_residuals(
            x_train, target[keep], weight, groups, lambda: _point_model(spec, point_params), seed
        )
        lo, hi = conformal_offsets(residuals, segments[0], segments[1], CONFORMAL_PERCENTILES)
        predictions = {"p10": mid + lo, "p50": mid, "p90": mid + hi}
        predictions = {k: v + origin_level for k, v in predictions.items()}
    else:
        for column, alpha in QUANTILES.items():
            model = lgb.LGBMRegressor(objective="quantile", alpha=alpha, **lgbm_params)
            model.fit(x_train, target[keep], sample_weight=weight)
            predictions[column] = model.predict(x_pred) + origin_level
    if log:
        predictions = {k: np.expm1(v) for k, v in predictions.items()}
    return _ordered(ids, ds, predictions["p10"], predictions["p50"], predictions["p90"])


def _feature_builder(spec: Mapping[str, Any]) -> Any:
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, SeasonalRollingMean

    return MLForecast(
        models=[lgb.LGBMRegressor()],
        freq="D",
        lags=list(spec["lags"]),
        lag_transforms={
            1: [RollingMean(window_size=7), RollingMean(window_size=28)],
            7: [SeasonalRollingMean(season_length=7, window_size=4)],
        },
        date_features=["dayofweek"],
        num_threads=1,
    )


def _with_horizon(x: pd.DataFrame, steps: np.ndarray) -> pd.DataFrame:
    """``x`` with the horizon (days after the row's day, from 0), the target's weekday and, with
    the social features, the target day's age of the SKU's latest surge of talk: a row's
    features are as of the day before it, so the target day is ``days_since_onset + 1 +
    horizon`` days after the onset. The uplift is a function of that age (and of the surge's
    size), which a tree finds at once instead of combining the origin's age with the horizon."""
    out = x.reset_index(drop=True)
    out["horizon"] = steps
    out["target_dayofweek"] = (out["dayofweek"].to_numpy() + steps) % 7
    if "days_since_onset" in out.columns:
        out["onset_age_at_target"] = out["days_since_onset"].to_numpy(dtype=np.float64) + 1 + steps
    return out


def _as_trained_reference(
    ids: np.ndarray, ds: np.ndarray, steps: np.ndarray, forecast: np.ndarray, fitted: pd.DataFrame
) -> np.ndarray:
    """The baseline reference of each forecast as training stood it in: the baseline's one-step
    forecast of the last day up to the first forecast day with the target's weekday (that first
    day's own forecast for a horizon of 0 or 7; the forecast itself where the history is too short).

    Why: a trend that began days before the origin is in the baseline's forecast already (its
    level has risen with it) but not in a reference a week back, which is what the model learnt
    the uplift against; adding that uplift to the forecast counts the trend twice.
    """
    back = 7 * -(-steps // 7)
    day = ds - back.astype("timedelta64[D]")
    stale = pd.DataFrame({"unique_id": ids, "ds": day}).merge(fitted, on=["unique_id", "ds"], how="left")
    value = np.clip(stale["fitted"].to_numpy(dtype=np.float64), 0.0, None)
    return np.asarray(np.where((back > steps) & ~np.isnan(value), value, forecast))


def _point_objective(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The p50 model's loss: squared error on the log target by default (its median where the
    noise is symmetric; LightGBM's monotone constraints do not work with the quantile loss)."""
    objective = spec.get("point_objective", "regression")
    return {"objective": objective, **({"alpha": QUANTILES["p50"]} if objective == "quantile" else {})}


def _point_model(spec: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """The p50 model: one LightGBM, or with ``"pooled_uplift"`` (LightGBM parameters of the
    uplift part) a :class:`~trendwatch.forecasting.uplift.PooledUpliftRegressor`."""
    import lightgbm as lgb

    if spec.get("pooled_uplift") is None:
        return lgb.LGBMRegressor(**params)
    return PooledUpliftRegressor(params, spec["pooled_uplift"])


def _surge_weights(x: pd.DataFrame, surge_weight: float) -> np.ndarray:
    """Per example, its weight in the fit: ``surge_weight`` when the target day falls within a
    surge of talk, 1 otherwise. A few trends among thousands of ordinary days are what the model
    is for; unweighted, the trees shrink their uplift towards the ordinary days' nothing."""
    if "onset_age_at_target" not in x.columns:
        return np.ones(len(x))
    return np.where(x["onset_age_at_target"].notna().to_numpy(), surge_weight, 1.0)


def _monotone(columns: list[str]) -> list[int]:
    """LightGBM's monotone constraints: the prediction never falls as a surge's size grows."""
    return [1 if column in SURGE_SIZE_FEATURES else 0 for column in columns]


#: The percentiles of the cross-fitted errors that make p10 and p90. Those errors stand in for
#: the forecast's (a one-step baseline reference, models fitted on part of the SKUs) and are
#: narrower: on training seeds 2001-2002 their 10th-90th percentiles covered 75.5-77.6 % of
#: the SKU-days, at every horizon alike; the 7.5th-92.5th are chosen to cover 80 %.
CONFORMAL_PERCENTILES = (0.075, 0.925)
#: Horizon buckets (days after the origin, from 0) that get their own interval widths.
HORIZON_BUCKETS = (0, 3, 7)
#: A segment with fewer cross-fitted residuals than this borrows the widths of all rows.
MIN_SEGMENT_RESIDUALS = 50
#: Folds of SKUs for the cross-fitted residuals.
CONFORMAL_FOLDS = 2


def interval_segments(x: pd.DataFrame) -> np.ndarray:
    """Per example, its interval segment: the horizon bucket, and whether the target day falls
    within a surge's memory (trending: its error is the trend's, much wider than the noise)."""
    bucket = np.searchsorted(np.asarray(HORIZON_BUCKETS), x["horizon"].to_numpy(), side="right") - 1
    trending = (
        x["onset_age_at_target"].notna().to_numpy()
        if "onset_age_at_target" in x.columns
        else np.zeros(len(x))
    )
    return np.asarray(bucket * 2 + trending.astype(np.int64), dtype=np.int64)


def _cross_fitted_residuals(
    x: pd.DataFrame,
    target: np.ndarray,
    weight: np.ndarray,
    groups: np.ndarray,
    make_model: Callable[[], Any],
    seed: int,
) -> np.ndarray:
    """Out-of-fold errors of the p50 model: the SKUs split in folds, each fold's examples
    forecast by a model fitted on the other folds' (a SKU's trend is always new to the model
    that forecasts it, as a coming trend is)."""
    codes = pd.factorize(groups)[0]
    fold = np.random.default_rng(seed).permutation(codes.max() + 1)[codes] % CONFORMAL_FOLDS
    residuals = np.zeros(len(x))
    for k in range(CONFORMAL_FOLDS):
        held = fold == k
        model = make_model()
        model.fit(x.loc[~held], target[~held], sample_weight=weight[~held])
        residuals[held] = target[held] - model.predict(x.loc[held])
    return residuals


def conformal_offsets(
    residuals: np.ndarray,
    train_segments: np.ndarray,
    pred_segments: np.ndarray,
    percentiles: tuple[float, float] = (QUANTILES["p10"], QUANTILES["p90"]),
) -> tuple[np.ndarray, np.ndarray]:
    """Per forecast, the ``percentiles`` of the cross-fitted residuals of its segment (of every
    residual when the segment has too few): split-conformal p10 and p90 offsets."""
    lo_all, hi_all = np.quantile(residuals, percentiles)
    lo, hi = np.full(len(pred_segments), lo_all), np.full(len(pred_segments), hi_all)
    for segment in np.unique(pred_segments):
        found = residuals[train_segments == segment]
        if len(found) >= MIN_SEGMENT_RESIDUALS:
            where = pred_segments == segment
            lo[where], hi[where] = np.quantile(found, percentiles)
    return lo, hi


def _ordered(ids: Any, ds: Any, lo: np.ndarray, mid: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    """Quantiles clipped at 0 and sorted per row (a crossing is rearranged, never left)."""
    mid = np.asarray(mid, dtype=np.float64)
    lo = np.where(np.isnan(lo), mid, lo)
    hi = np.where(np.isnan(hi), mid, hi)
    stacked = np.sort(np.clip(np.column_stack([lo, mid, hi]), 0.0, None), axis=1)
    return pd.DataFrame(
        {
            "unique_id": np.asarray(ids),
            "ds": np.asarray(ds),
            "p10": stacked[:, 0],
            "p50": stacked[:, 1],
            "p90": stacked[:, 2],
        }
    )
