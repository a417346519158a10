"""Social features per SKU and day, each computed from that day's and earlier activity only.

Input (``social``): one row per SKU x day with activity, columns ``sku, date, voices,
tweets, sentiment_avg, reach, bot_share, days_since_emergence`` (the last null when no topic
is linked), and optionally ``all_voices`` (see :data:`VOLUME_COLUMN`). A day without a row
had no activity.

:func:`social_features` gives, for each SKU and day ``d``, features *as of the end of d*.
The social model pairs the demand of day ``t`` with the features as of ``t - 1``
(:func:`lagged_for_model`), and forecasts every horizon from the forecast origin's row
(one model per horizon), so a forecast made at ``as_of`` for ``as_of + h`` uses social data
up to ``as_of`` and nothing later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.forecasting.frames import to_days

SOCIAL_COLUMNS = (
    "sku",
    "date",
    "voices",
    "tweets",
    "sentiment_avg",
    "reach",
    "bot_share",
    "days_since_emergence",
)

#: Optional column of ``social``: the voices of every tweet collected that day (the same on every
#: row of a day); when given, counts are read as shares of voice (see :func:`_volume_scale`).
VOLUME_COLUMN = "all_voices"

#: Feature columns :func:`social_features` adds (what the social model sees).
FEATURES = (
    "voices_log",
    "voices_3d_log",
    "voices_growth",
    "voices_ratio_28d",
    "human_voices_3d_log",
    "tweets_log",
    "reach_3d_log",
    "sentiment_avg",
    "sentiment_7d",
    "bot_share",
    "days_since_emergence",
    "days_since_onset",
    "onset_peak_lift_log",
    "onset_voices_log",
)

#: Features that say how big the SKU's latest surge of talk is: a bigger surge never means a
#: smaller uplift (the social model's monotone constraints, see :mod:`.models`).
SURGE_SIZE_FEATURES = ("onset_peak_lift_log", "onset_voices_log")

#: A day's talk is a *surge* when its voices are at least this many times the usual talk + 1 ...
SURGE_RATIO = 6.0
#: ... and at least this many voices (a product nobody talks about is not surging on 2 voices).
SURGE_MIN_VOICES = 10.0
#: Usual talk: the mean voices of the ``USUAL_TALK_DAYS`` days before the last ``RECENT_DAYS``
#: (fewer at the start of the history, but at least ``MIN_USUAL_DAYS``).
USUAL_TALK_DAYS = 28
RECENT_DAYS = 3
MIN_USUAL_DAYS = 7
#: A surge after this many days without one is a new onset.
QUIET_DAYS = 7
#: Days after its onset a surge is still counted (a trend's uplift lasts about two weeks).
ONSET_MEMORY_DAYS = 21


def social_features(
    social: pd.DataFrame, skus: np.ndarray, days: pd.DatetimeIndex, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Features for every SKU of ``skus`` and day of ``days`` (``sku, date, *FEATURES``).

    Rows of ``social`` after ``as_of`` (default: the last day) are dropped before anything
    is computed; a feature of day d reads days up to d.

    - ``voices_log``: log(1 + voices) of the day; ``voices_3d_log``: of the last 3 days' sum;
    - ``voices_growth``: log(1 + last 3 days' voices) - log(1 + the 3 days before);
    - ``voices_ratio_28d``: last 3 days' mean voices + 1 over the previous 28 days' + 1;
    - ``human_voices_3d_log``: the 3-day voices weighted by (1 - bot share);
    - ``tweets_log``, ``reach_3d_log`` (3-day reach), ``sentiment_avg`` (NaN without tweets),
      ``sentiment_7d`` (voices-weighted, 7 days), ``bot_share``;
    - ``days_since_emergence``: as given that day, NaN when no topic is linked or negative;
    - ``days_since_onset``, ``onset_peak_lift_log``, ``onset_voices_log``: the SKU's latest
      surge of talk, from its own series (see :func:`surge_onsets`), so that the trends of the
      history count as well as the detected topics: days since the surge began (NaN without
      one in the last ``ONSET_MEMORY_DAYS`` days), the log of its peak day's voices + 1 over
      the usual talk + 1 before it, and log(1 + its voices so far).
    """
    days = pd.DatetimeIndex(days)
    last = days[-1] if as_of is None else min(to_days(as_of), days[-1])
    columns = [*SOCIAL_COLUMNS, *([VOLUME_COLUMN] if VOLUME_COLUMN in social else [])]
    frame = social.loc[:, columns].copy()
    frame["date"] = to_days(frame["date"])
    frame = frame[frame["date"] <= last]
    index = pd.Index(np.asarray(skus, dtype=object))
    n_skus, n_days = len(index), len(days)
    i = index.get_indexer(frame["sku"].astype(str))
    t = days.get_indexer(frame["date"])
    keep = (i >= 0) & (t >= 0)
    i, t, frame = i[keep], t[keep], frame[keep]

    def grid(column: str, fill: float) -> np.ndarray:
        out = np.full((n_skus, n_days), fill)
        out[i, t] = frame[column].to_numpy(dtype=np.float64)
        return out

    scale = _volume_scale(frame, t, n_days) if VOLUME_COLUMN in frame else np.ones(n_days)
    voices = np.nan_to_num(grid("voices", 0.0)) * scale
    tweets = np.nan_to_num(grid("tweets", 0.0)) * scale
    reach = np.nan_to_num(grid("reach", 0.0)) * scale
    bot = np.nan_to_num(grid("bot_share", 0.0))
    sentiment = grid("sentiment_avg", np.nan)
    since = grid("days_since_emergence", np.nan)
    since = np.where(since >= 0, since, np.nan)
    # Days after the last row of a topic keep counting from it (no row: no activity).
    since = _carry_emergence(since)

    voices_3d = _rolling_sum(voices, 3)
    voices_prev_3d = _shift(voices_3d, 3)
    voices_prev_28 = _shift(_rolling_sum(voices, 28), 3) / 28.0
    human_3d = _rolling_sum(voices * (1.0 - bot), 3)
    weighted_sentiment = _rolling_sum(np.nan_to_num(sentiment) * voices, 7)
    voices_7d = _rolling_sum(voices, 7)
    with np.errstate(divide="ignore", invalid="ignore"):
        sentiment_7d = np.where(voices_7d > 0, weighted_sentiment / voices_7d, np.nan)
    onset = surge_onsets(voices)
    out = pd.DataFrame(
        {
            "sku": np.repeat(index.to_numpy(), n_days),
            "date": np.tile(days.to_numpy(), n_skus),
            "voices_log": np.log1p(voices).ravel(),
            "voices_3d_log": np.log1p(voices_3d).ravel(),
            "voices_growth": (np.log1p(voices_3d) - np.log1p(voices_prev_3d)).ravel(),
            "voices_ratio_28d": ((voices_3d / 3.0 + 1.0) / (voices_prev_28 + 1.0)).ravel(),
            "human_voices_3d_log": np.log1p(human_3d).ravel(),
            "tweets_log": np.log1p(tweets).ravel(),
            "reach_3d_log": np.log1p(_rolling_sum(reach, 3)).ravel(),
            "sentiment_avg": sentiment.ravel(),
            "sentiment_7d": sentiment_7d.ravel(),
            "bot_share": bot.ravel(),
            "days_since_emergence": since.ravel(),
            "days_since_onset": onset.days_since.ravel(),
            "onset_peak_lift_log": onset.peak_lift_log.ravel(),
            "onset_voices_log": onset.voices_log.ravel(),
        }
    )
    after = out["date"].to_numpy() > np.datetime64(last)
    out.loc[after, list(FEATURES)] = np.nan
    return out


@dataclass(frozen=True)
class SurgeOnsets:
    """Per SKU x day (as of the end of the day), the SKU's latest surge of talk; NaN without one."""

    days_since: np.ndarray
    peak_lift_log: np.ndarray
    voices_log: np.ndarray


def surge_onsets(voices: np.ndarray) -> SurgeOnsets:
    """The latest onset of a surge of talk in each row of ``voices`` (SKU x day), as of each day.

    A day surges when its voices are at least ``SURGE_RATIO`` x (usual talk + 1) and at least
    ``SURGE_MIN_VOICES``; the usual talk is the mean of the ``USUAL_TALK_DAYS`` days before the
    last ``RECENT_DAYS`` (a surge does not raise its own bar at once). A surge day with none in
    the ``QUIET_DAYS`` before it is an onset; an onset is remembered ``ONSET_MEMORY_DAYS`` days.
    Causal: a day's figures read that day and earlier ones only.
    """
    n_skus, n_days = voices.shape
    known = np.minimum(np.maximum(np.arange(n_days) - RECENT_DAYS, 0), USUAL_TALK_DAYS)
    usual = _shift(_rolling_sum(voices, USUAL_TALK_DAYS), RECENT_DAYS) / np.maximum(known, 1)
    surge = (voices >= SURGE_MIN_VOICES) & (voices >= SURGE_RATIO * (usual + 1.0)) & (known >= MIN_USUAL_DAYS)
    recent = _shift(_rolling_sum(surge.astype(np.float64), QUIET_DAYS), 1)
    is_onset = surge & (recent == 0)
    t = np.arange(n_days)
    start = np.where(is_onset, t, -1)
    np.maximum.accumulate(start, axis=1, out=start)
    rows = np.arange(n_skus)[:, None]
    since = (t - start).astype(np.float64)
    active = (start >= 0) & (since <= ONSET_MEMORY_DAYS)
    bar = usual[rows, np.maximum(start, 0)] + 1.0
    # Running max and sum of the voices since each row's latest onset (reset at every onset).
    total = np.cumsum(voices, axis=1)
    before = np.where(start > 0, total[rows, np.maximum(start - 1, 0)], 0.0)
    since_onset = total - before
    peak = _max_since(voices, start)
    nan = np.full((n_skus, n_days), np.nan)
    return SurgeOnsets(
        days_since=np.where(active, since, nan),
        peak_lift_log=np.where(active, np.log((peak + 1.0) / bar), nan),
        voices_log=np.where(active, np.log1p(since_onset), nan),
    )


def _max_since(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Per row and day, the max of ``values`` from ``start`` (a column index per cell, -1 for
    none) to the day: a running max that restarts wherever ``start`` changes."""
    out = np.zeros_like(values)
    running = np.zeros(values.shape[0])
    for day in range(values.shape[1]):
        restart = start[:, day] == day
        running = np.where(restart, values[:, day], np.maximum(running, values[:, day]))
        out[:, day] = running
    return out


def _volume_scale(frame: pd.DataFrame, t: np.ndarray, n_days: int) -> np.ndarray:
    """Per day, the typical day's collected voices over that day's (``all_voices``): a
    product's counts scaled by it are its share of voice at a typical day's volume.

    Why: how much is collected changes (a sparse backfilled history against a full stream
    day, stream rules widened, an outage), and a model reading raw counts takes every such
    change for every product's rise. The typical day is the median of the days known.
    """
    volume = np.full(n_days, np.nan)
    np.fmax.at(volume, t, frame[VOLUME_COLUMN].to_numpy(dtype=np.float64))
    known = volume[volume > 0]
    if not len(known):
        return np.ones(n_days)
    return np.asarray(np.where(volume > 0, np.median(known) / volume, 1.0))


def lagged_for_model(features: pd.DataFrame, days: int = 1) -> pd.DataFrame:
    """The features moved ``days`` later: the row of day t holds the features as of t - days."""
    out = features.copy()
    out["date"] = out["date"] + pd.Timedelta(days=days)
    return out


def _rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    c = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)], axis=1)
    t = np.arange(values.shape[1]) + 1
    return np.asarray(c[:, t] - c[:, np.maximum(t - window, 0)])


def _shift(values: np.ndarray, days: int) -> np.ndarray:
    out = np.zeros_like(values)
    out[:, days:] = values[:, :-days]
    return out


def _carry_emergence(since: np.ndarray) -> np.ndarray:
    """Fill the days after a known ``days_since_emergence`` by counting on from it."""
    n_days = since.shape[1]
    t = np.arange(n_days, dtype=np.float64)
    origin = np.where(np.isnan(since), np.nan, t - since)
    # Forward-fill the emergence day (t - since) along each row.
    idx = np.where(~np.isnan(origin), np.arange(n_days), 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = origin[np.arange(origin.shape[0])[:, None], idx]
    return np.asarray(np.where(np.isnan(filled), np.nan, t - filled))
