"""Emergence scoring in event time: is a term talked about by more people than its own baseline says?

Method (chosen against the alternatives on the evaluation in ``docs/evaluation.md``, tuned on
training streams that are never evaluated):

1. **Count independent voices, not posts.** The input is, per term and per minute, the number
   of unique authors, of tweets and of *new sources*: tweets that start something (originals,
   replies, quotes, and a retweet only the first time its source tweet is seen). A minute's count
   is the smaller of its authors and its new sources, so a retweet cascade of one post counts
   once however many accounts retweet it (cascades of generic template words from influencer
   posts and of the spam ring's retweets were most of the false alerts). When a minute's tweets
   outnumber its authors by more than ``repeat_tolerance`` (a bot farm posting several times a
   minute each), the authors are down-weighted by that excess.
2. **Expect a share of the stream, not a count.** The whole stream rises and falls with the
   daily cycle (several-fold between night and lunch). A term's expected volume is its
   baseline *share* of all active authors times the authors active in the window, so a
   daily-cycle peak raises the expectation as much as the observation. The share is an
   exponentially weighted average (half-life ``baseline_half_life`` minutes) with a small
   prior, learnt only from minutes *before* the scored window, so a rising term cannot
   inflate its own baseline.
3. **Expect what the baseline could be, not only its mean.** A share learnt from a handful of
   voices is uncertain: a rare phrase seen twice in the first hour may well run at twice that.
   The expected share is the mean of its Gamma posterior plus ``baseline_sd`` standard
   deviations, ``(voices + prior + baseline_sd * sqrt(voices + prior)) / (exposure + prior
   exposure)``: about the mean for a term with a long, busy history, well above it for a rare or
   young one. Once the window's fivefold gate was gone (see below), rare phrases reaching the
   threshold on four or five voices against an underestimated baseline were most of the false
   alerts, most of them in the first two hours, when every baseline is young.
4. **Accumulate evidence from the change on: a Poisson CUSUM.** Each minute adds the
   log-likelihood ratio of its voices under "the term runs at ``shift`` times its expected
   rate" against "it runs as expected", ``count * ln(shift) - (shift - 1) * expected``, divided
   by the term's own dispersion (a quasi-Poisson model: terms that always move in bursts need
   bigger bursts; the dispersion is the exponentially weighted mean squared Pearson residual of
   its past windows, learnt only after ``warmup``); the sum restarts from zero whenever it falls
   below it (Page's CUSUM). It is the quickest detector of a change in rate for a given rate of
   false alarms (Lorden 1971, Moustakides 1986), and unlike a fixed window it weighs only the
   minutes since the rise began, not the quiet ones before it. The sum grows only while the
   rate is above ``(shift - 1) / ln(shift)`` times the expected one (3.4 at ``shift`` 8), so a
   common, high-baseline word such as a template's "honestly" needs a rise in proportion, which
   noise never gives it, and no stopword list is needed.
5. **Alert once per emergence, while it is under way.** An alert needs a CUSUM of at least
   ``threshold``, at least ``min_authors`` voices over the last ``window`` minutes, and those
   minutes' own evidence to favour the rise: their voices at least ``(shift - 1) / ln(shift)``
   times the expected ones, the ratio at which their log-likelihood ratio turns positive (3.4 at
   ``shift`` 8). The CUSUM drains slowly after a long burst (the burst also raises the
   dispersion that scales every minute's evidence), so without that condition it could alert
   when the cool-down ends on a term back at its baseline. After an alert the term is silent
   for ``cooldown`` minutes.

Rejected: an EWMA z-score on raw counts (the daily cycle alone crosses any useful threshold);
Gnip's point-by-point Poisson model (last minute as the mean: noisy, one minute of history);
Bayesian blocks (a batch segmentation of a whole series, quadratic in its length, not an
online alarm); distinct sources per minute instead of new ones (a cascade still counts once a
minute); the signed root of the Poisson deviance over a fixed 15-minute window (on the training
streams, at the same precision, recall 0.92 against 1.0 and a median delay two to four minutes
longer: the window still holds the quiet minutes before the rise); two windows (5 and 15
minutes, the earliest alert wins: no gain in delay, lower precision). The previous detector
(``shift`` 5, ``threshold`` 9, no baseline uncertainty) required the last 15 minutes to hold
five times the expected voices: at ten tweets a second that gate, not the CUSUM, set the delay,
as the window still held the quiet minutes before the rise. On ten training streams a rate
(``benchmarks/tune_trends.py``) it had precision 0.95, recall 1.0 and a median delay of 16.9
minutes (25.6, 16.7 and 13.1 at 1, 3 and 10 tweets/s); this one has 0.94, 1.0 and 14.3 (22.4,
14.2 and 9.8). Without the baseline's uncertainty the same CUSUM has precision 0.74. Gating on
the ratio since the CUSUM's last restart, or on the shortest window that expects a given number
of voices, did no better. The median delay is bounded by the data: at one tweet a second a
topic ramping over an hour has a handful of posts in its first ten minutes, and on the training
streams no setting tried (CUSUM shift and threshold, gates, baseline half-life, dispersion, a
CUSUM held at zero during the warm-up) reached a median of ten minutes at a precision of 0.8
(best: 13.6); even a threshold of 3 with no gate (precision 0.06) leaves it at about ten
minutes at three tweets a second. ``docs/evaluation.md`` gives delays by rate.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import msgspec

from trendwatch.domain.influence import InfluenceParams


class TermSeries(msgspec.Struct, frozen=True):
    """Per-minute counts of one term, aligned with the exposure series."""

    authors: Sequence[int]
    tweets: Sequence[int]
    #: Tweets that are not retweets of a source already counted for this term (every tweet if absent).
    sources: Sequence[int] | None = None


class EmergenceParams(msgspec.Struct, frozen=True):
    #: Minutes of the ratio and volume gates; the baseline learns only from minutes before them.
    window: int = 15
    baseline_half_life: float = 120.0
    #: No alert before the stream has run this long: every baseline needs some history.
    warmup: int = 60
    #: The rise the CUSUM looks for, as a multiple of the expected rate, and its alarm level.
    shift: float = 8.0
    threshold: float = 7.0
    #: Standard deviations of the baseline share's posterior added to its mean (see module doc).
    baseline_sd: float = 1.0
    #: Voices needed over the last ``window`` minutes.
    min_authors: float = 4.0
    cooldown: int = 180
    #: Tweets per author per minute above which authors are down-weighted as repetitive.
    repeat_tolerance: float = 1.5
    #: Prior of the baseline share: ``prior_authors`` seen in ``prior_exposure`` active authors.
    prior_authors: float = 0.5
    prior_exposure: float = 200.0


class Alert(msgspec.Struct, frozen=True):
    term: str
    #: Minute index of the first alert (the last minute of the scored window).
    minute: int
    at: datetime
    score: float
    #: Expected and observed independent voices (see :func:`minute_counts`) over the scored window.
    expected: float
    observed: float
    #: Largest window of voices seen from the alert until now or the end of the cool-down
    #: (alerts are updated as the emergence grows), and its minute.
    peak: float = 0.0
    peak_minute: int = 0


def effective_authors(authors: int, tweets: int, repeat_tolerance: float) -> float:
    """Unique authors, down-weighted when they post the term more than ``repeat_tolerance`` times each."""
    if authors <= 0:
        return 0.0
    per_author = tweets / authors
    return authors * min(1.0, repeat_tolerance / per_author) if per_author > 0 else float(authors)


class Mention(NamedTuple):
    """One tweet carrying one term: the facts a topic's series is counted from."""

    minute: int
    author: str
    tweet: str
    #: The tweet whose words these are: the retweeted one for a retweet, else the tweet itself.
    source: str


#: Posts in one minute from which an account is a suspected bot: a person manages one a minute
#: for a while, not three (the same human rate as the influence ranking's).
BOT_POSTS_PER_MINUTE = InfluenceParams().human_hourly_posts / 60


def suspected_bots(
    posts: Iterable[tuple[int, str]], per_minute: float = BOT_POSTS_PER_MINUTE
) -> dict[str, int]:
    """Accounts posting at an inhuman rate, with the minute they first did (``(minute, author)`` per post).

    From that minute on their voices count for nothing: a farm of accounts each posting a new
    hashtag four times a minute is one operator, not a crowd.
    """
    counts: Counter[tuple[int, str]] = Counter(posts)
    flagged: dict[str, int] = {}
    for (minute, author), n in counts.items():
        if n >= per_minute and minute < flagged.get(author, minute + 1):
            flagged[author] = minute
    return flagged


def voices(
    mentions: Iterable[Mention],
    minutes: int,
    bots: Mapping[str, int],
    *,
    groups: Mapping[str, str] | None = None,
    recount_after: int = 0,
) -> TermSeries:
    """Per-minute authors, tweets and new sources of ``mentions`` (of one term or a topic's
    terms), leaving out suspected bots from their flagged minute; a tweet or a source carrying
    several of the terms counts once.

    ``groups`` maps accounts that act together to one voice (see
    :mod:`trendwatch.domain.coordination`); with ``recount_after``, such a group counts again
    only that many minutes after it last counted (its tweets in between count for nothing), so
    that a ring posting every minute is not a crowd either. A person counts in every minute they
    post, as before: their baseline share is learnt the same way, while a gap-aware recount
    would make everyone new again after an outage.
    """
    authors: list[set[str]] = [set() for _ in range(minutes)]
    tweets: list[set[str]] = [set() for _ in range(minutes)]
    sources = [0] * minutes
    seen: set[str] = set()
    counted: dict[str, int] = {}
    for m in sorted(mentions):
        if not 0 <= m.minute < minutes or m.minute >= bots.get(m.author, minutes):
            continue
        voice = groups.get(m.author) if groups else None
        if voice is None:
            voice = m.author
        else:
            last = counted.get(voice)
            if last is not None and last != m.minute and m.minute - last < recount_after:
                continue
            counted[voice] = m.minute
        authors[m.minute].add(voice)
        tweets[m.minute].add(m.tweet)
        if m.source not in seen:
            seen.add(m.source)
            sources[m.minute] += 1
    return TermSeries([len(a) for a in authors], [len(t) for t in tweets], sources)


def minute_counts(series: TermSeries, repeat_tolerance: float) -> list[float]:
    """Independent voices per minute: effective authors, capped by the new sources when known."""
    counts = [
        effective_authors(a, t, repeat_tolerance) for a, t in zip(series.authors, series.tweets, strict=True)
    ]
    if series.sources is None:
        return counts
    return [min(count, new) for count, new in zip(counts, series.sources, strict=True)]


def _share(voices: float, exposure: float, params: EmergenceParams) -> float:
    """The expected share of a term that had ``voices`` among ``exposure`` active authors: the
    mean of the Gamma posterior of its rate per author plus ``baseline_sd`` standard deviations."""
    seen = voices + params.prior_authors
    return (seen + params.baseline_sd * math.sqrt(seen)) / (exposure + params.prior_exposure)


def _scores(
    series: TermSeries, exposure: Sequence[int], params: EmergenceParams
) -> Iterator[tuple[int, float, float, float]]:
    """``(minute, CUSUM, expected, observed)`` for every minute once a full window is available;
    expected and observed voices are those of the last ``window`` minutes.

    The baseline share learns from minutes as they leave the window, so a rise never feeds the
    expectation it is compared with until it has lasted a whole window.
    """
    decay = 0.5 ** (1 / params.baseline_half_life)
    log_shift = math.log(params.shift)
    counts = minute_counts(series, params.repeat_tolerance)
    base_count, base_exposure = 0.0, 0.0
    win_count, win_exposure = 0.0, 0.0
    residuals: list[float] = []
    spread, spread_weight = 0.0, 0.0
    cusum = 0.0
    w = params.window
    for minute, (count, active) in enumerate(zip(counts, exposure, strict=True)):
        win_count += count
        win_exposure += active
        leaving_exposure = exposure[minute - w] if minute >= w else 0
        if minute >= w:
            win_count -= counts[minute - w]
            win_exposure -= leaving_exposure
        if leaving_exposure:  # a minute without data (an outage) teaches nothing and forgets nothing
            base_count = base_count * decay + counts[minute - w]
            base_exposure = base_exposure * decay + leaving_exposure
        share = _share(base_count, base_exposure, params)
        dispersion = max(1.0, spread / spread_weight) if spread_weight else 1.0
        cusum = max(0.0, cusum + (count * log_shift - (params.shift - 1) * share * active) / dispersion)
        if minute + 1 < w:
            residuals.append(0.0)
            continue
        if minute - w >= params.warmup and leaving_exposure:
            spread = spread * decay + residuals[minute - w]
            spread_weight = spread_weight * decay + 1
        expected = max(share * win_exposure, 1e-9)
        residuals.append((win_count - expected) ** 2 / expected)
        yield minute, cusum, expected, win_count


def _alerts(
    term: str,
    scored: Iterable[tuple[int, float, float, float]],
    start: datetime,
    params: EmergenceParams,
    alerts: list[Alert],
) -> list[Alert]:
    """Append to ``alerts`` (earlier ones of the same term) those ``scored`` raises; update peaks."""
    quiet_until = alerts[-1].minute + params.cooldown if alerts else params.warmup
    log_shift = math.log(params.shift)
    for minute, score, expected, observed in scored:
        if alerts and minute < quiet_until and observed > alerts[-1].peak:
            alerts[-1] = msgspec.structs.replace(alerts[-1], peak=round(observed, 3), peak_minute=minute)
        if (
            minute >= quiet_until
            and score >= params.threshold
            and observed >= params.min_authors
            and observed * log_shift >= (params.shift - 1) * expected
        ):
            at = start + timedelta(minutes=minute)
            obs = round(observed, 3)
            alerts.append(Alert(term, minute, at, round(score, 3), round(expected, 3), obs, obs, minute))
            quiet_until = minute + params.cooldown
    return alerts


def detect_term(
    term: str, series: TermSeries, exposure: Sequence[int], start: datetime, params: EmergenceParams
) -> list[Alert]:
    """The alerts of one term, in time order."""
    return _alerts(term, _scores(series, exposure, params), start, params, [])


def detect_segments(
    topic: str,
    segments: Sequence[tuple[int, TermSeries]],
    exposure: Sequence[int],
    start: datetime,
    params: EmergenceParams,
) -> list[Alert]:
    """The alerts of a topic whose members changed over time, without look-ahead.

    ``segments`` are ``(from minute, series of the members of that time)``, in order. Minute
    ``m`` is scored on the series of the members the topic had at ``m`` (their whole history,
    so that a term joining brings its baseline with it, not a step); cool-down carries over.
    """
    alerts: list[Alert] = []
    for i, (first, series) in enumerate(segments):
        end = segments[i + 1][0] if i + 1 < len(segments) else len(exposure)
        scored = (row for row in _scores(series, exposure, params) if first <= row[0] < end)
        _alerts(topic, scored, start, params, alerts)
    return alerts


def detect(
    series: Mapping[str, TermSeries],
    exposure: Sequence[int],
    start: datetime,
    params: EmergenceParams | None = None,
) -> list[Alert]:
    """Emergence alerts of every term, ordered by time then term.

    ``exposure`` is the number of unique authors active in the whole stream each minute (the
    same length as every series); ``start`` is the time of minute 0.
    """
    chosen = params or EmergenceParams()
    alerts = [a for term, s in series.items() for a in detect_term(term, s, exposure, start, chosen)]
    return sorted(alerts, key=lambda a: (a.minute, a.term))
