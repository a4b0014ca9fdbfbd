"""How hard the vacancy problem is: a generic classifier trained on another run.

The study's detectors were designed knowing the household model, so their
scores alone cannot say whether the simulated vacant homes are as hard to
tell apart as real ones. This module measures the separability of the
problem itself: gradient-boosted trees (scikit-learn's
``HistGradientBoostingClassifier``) on generic daily-load features of each
home over the window, trained on a *separate* run (another seed, ideally
another network) and tested on the scored run, vacant against occupied with
the study's own truth (:mod:`twin.studies.vacancy.truth`).

The features are the usual descriptive statistics of load-profile
classification (Beckel et al. [2]_, Hopf et al. [3]_), not the detectors'
rules: the mean, spread and 10/50/90 % quantiles of the daily energy; the
median of each day's lowest and highest interval power; the day/night ratio
of mean power (07:00-23:00 over the rest); the lag-1 and lag-one-day
autocorrelation of the interval powers over the whole window; the share of
near-zero intervals; the weekday/weekend ratio of daily energy; and the
coefficient of variation of the interval power.

Published accuracies to compare with (real homes, ground truth from surveys
or sensors; none for quarter-long vacancy):

- short-term home/away occupancy: 0.83-0.94 (Kleiminger, Beckel and Santini
  [1]_, ECO data, five Swiss homes);
- household characteristics from 30-min data of 4,232 Irish homes: above
  0.70 for many characteristics, above 0.80 for some (Beckel et al. [2]_);
- 19 household classes: 0.69 on average, up to 0.95 (Hopf et al. [3]_).

So :data:`PUBLISHED_RANGE` is 0.70-0.95. Vacancy for a whole window is an
easier target than any of these (an empty home loses all activity, not just
some), so a value at the top of the range is plausible; a generic classifier
*above* it says the simulated vacant homes are easier to tell than anything
measured on real meters, and the detectors' scores on such a run are an upper
bound, not a forecast. The CSO's vacancy statistics [4]_ (3.3-4.3 % of
dwellings with electricity connections) support a vacancy *rate*, not an
accuracy: the CSO rule is a definition, never validated against visits.

References
----------
.. [1] W. Kleiminger, C. Beckel, S. Santini, "Household occupancy monitoring
   using electricity meters", Proc. ACM UbiComp 2015, 975-986.
.. [2] C. Beckel, L. Sadamori, T. Staake, S. Santini, "Revealing household
   characteristics from smart meter data", Energy 78 (2014) 397-410.
.. [3] K. Hopf, M. Sodenkamp, T. Staake, "Enhancing energy efficiency in the
   residential sector with smart meter data analytics", Electronic Markets
   28 (2018) 453-473.
.. [4] Central Statistics Office (Ireland), "Domestic Electricity Connections
   and Vacancy", statistical releases 2021-2024: 4.3 % (Q4 2021), 3.3 %
   (Q4 2023).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from twin.studies.vacancy.data import MeterSeries

__all__ = [
    "FEATURE_NAMES",
    "PUBLISHED_RANGE",
    "PUBLISHED_SOURCES",
    "SeparabilityResult",
    "home_window_features",
    "separability",
]

PUBLISHED_RANGE: Final = (0.70, 0.95)
"""Accuracies published for classifying real homes from their meter data [-] (module notes)."""

PUBLISHED_SOURCES: Final = (
    "Kleiminger, Beckel, Santini 2015 (ACM UbiComp): home/away occupancy 0.83-0.94, ECO data",
    "Beckel, Sadamori, Staake, Santini 2014 (Energy 78): household characteristics from 30-min "
    "data of 4,232 Irish homes, above 0.70 for many, above 0.80 for some",
    "Hopf, Sodenkamp, Staake 2018 (Electronic Markets 28): 19 household classes, 0.69 on "
    "average, up to 0.95",
)
"""Where :data:`PUBLISHED_RANGE` comes from."""

DAY_HOURS: Final = (7.0, 23.0)
"""Local hours of the 'day' in the day/night ratio [h]; the rest is night."""

NEAR_ZERO_W: Final = 20.0
"""An interval below this mean power is near zero [W] (an assumption: standby only)."""

MIN_DAY_COVERAGE: Final = 0.5
"""Least share of a day's intervals measured for its daily energy to count [-]."""

RATIO_OFFSET_W: Final = 5.0
"""Added to both powers of the day/night ratio, against division by zero [W]."""

RATIO_OFFSET_KWH: Final = 0.05
"""Added to both energies of the weekday/weekend ratio [kWh/d]."""

BOOTSTRAP_DRAWS: Final = 300
"""Resamples of the tested homes for the 95 % intervals."""

FEATURE_NAMES: Final = (
    "daily_kwh_mean",
    "daily_kwh_sd",
    "daily_kwh_q10",
    "daily_kwh_q50",
    "daily_kwh_q90",
    "daily_min_w_median",
    "daily_max_w_median",
    "day_night_ratio",
    "autocorr_lag1",
    "autocorr_lag_day",
    "near_zero_share",
    "weekday_weekend_ratio",
    "power_cv",
)
"""Columns of :func:`home_window_features`."""


def _autocorrelation(power: NDArray[np.float64], lag: int) -> NDArray[np.float64]:
    """Autocorrelation of each row at ``lag``, over the pairs where both values are measured."""
    n, k = power.shape
    if lag >= k:
        return np.full(n, np.nan)
    a, b = power[:, :-lag], power[:, lag:]
    both = np.isfinite(a) & np.isfinite(b)
    count = both.sum(axis=1)
    mean = np.nanmean(power, axis=1, keepdims=True)
    var = np.nanmean((power - mean) ** 2, axis=1)
    cov = np.where(both, (a - mean) * (b - mean), 0.0).sum(axis=1) / np.maximum(count, 1)
    return np.where((count > 1) & (var > 0), cov / np.where(var > 0, var, 1.0), np.nan)


def home_window_features(series: MeterSeries) -> NDArray[np.float64]:
    """Generic daily-load features of every meter over the window.

    Parameters
    ----------
    series : MeterSeries
        Interval energy over whole local days (any resolution up to 1 h).

    Returns
    -------
    numpy.ndarray
        ``(n, len(FEATURE_NAMES))`` float64, in the order of
        :data:`FEATURE_NAMES`; ``NaN`` where a meter has too little data
        (the classifier handles missing values).
    """
    power = series.power_w.astype(np.float64)
    n, days = series.n, series.days
    bounds = series.day_bounds()
    per_day = np.full((n, days), np.nan)
    low = np.full((n, days), np.nan)
    high = np.full((n, days), np.nan)
    weekend = np.zeros(days, dtype=bool)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for d in range(days):
            a, b = int(bounds[d]), int(bounds[d + 1])
            if b <= a:
                continue
            x = power[:, a:b]
            weekend[d] = bool(series.weekend[a])
            covered = np.isfinite(x).mean(axis=1) >= MIN_DAY_COVERAGE
            mean_w = np.nanmean(x, axis=1)
            per_day[:, d] = np.where(covered, mean_w * 24.0 / 1e3, np.nan)
            low[:, d] = np.where(covered, np.nanmin(x, axis=1), np.nan)
            high[:, d] = np.where(covered, np.nanmax(x, axis=1), np.nan)
        hour = series.hour
        day_part = (hour >= DAY_HOURS[0]) & (hour < DAY_HOURS[1])
        day_w = np.nanmean(power[:, day_part], axis=1)
        night_w = np.nanmean(power[:, ~day_part], axis=1)
        quantiles = np.nanquantile(per_day, [0.1, 0.5, 0.9], axis=1)
        mean_w = np.nanmean(power, axis=1)
        measured = np.isfinite(power)
        near_zero = np.where(measured, power < NEAR_ZERO_W, False).sum(axis=1) / np.maximum(
            measured.sum(axis=1), 1
        )
        columns = [
            np.nanmean(per_day, axis=1),
            np.nanstd(per_day, axis=1),
            quantiles[0],
            quantiles[1],
            quantiles[2],
            np.nanmedian(low, axis=1),
            np.nanmedian(high, axis=1),
            (day_w + RATIO_OFFSET_W) / (night_w + RATIO_OFFSET_W),
            _autocorrelation(power, 1),
            _autocorrelation(power, 86_400 // series.interval_s),
            np.where(measured.any(axis=1), near_zero, np.nan),
            (np.nanmean(per_day[:, ~weekend], axis=1) + RATIO_OFFSET_KWH)
            / (np.nanmean(per_day[:, weekend], axis=1) + RATIO_OFFSET_KWH),
            np.nanstd(power, axis=1) / mean_w,
        ]
    out = np.stack(columns, axis=1).astype(np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


@dataclass(frozen=True)
class SeparabilityResult:
    """The generic classifier's verdicts on the scored run.

    Attributes
    ----------
    probability : numpy.ndarray
        Probability of vacancy per meter of the scored run [-], ``(n,)``.
    metrics : dict
        What goes into ``metrics.json`` (see :func:`separability`).
    """

    probability: NDArray[np.float64]
    metrics: dict[str, Any]


def _roc_auc(y: NDArray[np.bool_], p: NDArray[np.float64]) -> float:
    """Area under the ROC curve (scikit-learn), ``NaN`` with one class only."""
    if not y.any() or y.all():
        return float("nan")
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    return float(roc_auc_score(y, p))


def _balanced_accuracy(y: NDArray[np.bool_], flagged: NDArray[np.bool_]) -> float:
    """Mean of the recalls of both classes (scikit-learn), ``NaN`` with one class only."""
    if not y.any() or y.all():
        return float("nan")
    from sklearn.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y, flagged))


def _interval(
    y: NDArray[np.bool_], p: NDArray[np.float64], rng: np.random.Generator
) -> dict[str, list[float]]:
    """Bootstrap 95 % intervals of balanced accuracy and ROC AUC over the tested homes."""
    draws: dict[str, list[float]] = {"balanced_accuracy": [], "roc_auc": []}
    for _ in range(BOOTSTRAP_DRAWS):
        pick = rng.integers(0, y.size, y.size)
        draws["balanced_accuracy"].append(_balanced_accuracy(y[pick], p[pick] >= 0.5))
        draws["roc_auc"].append(_roc_auc(y[pick], p[pick]))
    out = {}
    for name, values in draws.items():
        finite = np.asarray(values)[np.isfinite(values)]
        out[name] = (
            [float(np.quantile(finite, 0.025)), float(np.quantile(finite, 0.975))]
            if finite.size
            else [float("nan"), float("nan")]
        )
    return out


def separability(
    train_features: NDArray[np.float64],
    train_vacant: NDArray[np.bool_],
    test_features: NDArray[np.float64],
    test_vacant: NDArray[np.bool_],
    *,
    rng: np.random.Generator,
) -> SeparabilityResult:
    """Train the generic classifier on one run's homes, test it on another's.

    Parameters
    ----------
    train_features, test_features : numpy.ndarray
        :func:`home_window_features` of the training and the scored run.
    train_vacant, test_vacant : numpy.ndarray
        Their truth: vacant over the window [bool].
    rng : numpy.random.Generator
        Draws the bootstrap resamples.

    Returns
    -------
    SeparabilityResult
        ``metrics``: ``balanced_accuracy`` (at probability 0.5), ``roc_auc``,
        their bootstrap 95 % intervals ``ci95``, ``accuracy``, counts of homes
        trained and tested (and vacant among them), ``published_range``,
        ``position`` (``below``/``inside``/``above`` the published range, by
        balanced accuracy) and ``sources``; or ``skipped`` with the reason.

    Notes
    -----
    The classes are weighted inversely to their frequency (``class_weight=
    "balanced"``), so the verdict does not lean on the training run's
    vacancy rate.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    n_test = int(test_vacant.size)
    counts = {
        "homes_trained": int(train_vacant.size),
        "vacant_trained": int(train_vacant.sum()),
        "homes_tested": n_test,
        "vacant_tested": int(test_vacant.sum()),
    }
    if n_test == 0:
        return SeparabilityResult(np.zeros(0), {"skipped": "no homes to test", **counts})
    if train_vacant.sum() < 2 or (~train_vacant).sum() < 2:
        return SeparabilityResult(
            np.full(n_test, np.nan),
            {"skipped": "the training run has fewer than 2 vacant or occupied homes", **counts},
        )
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.1, class_weight="balanced", random_state=0
    )
    model.fit(train_features, train_vacant)
    probability = np.asarray(model.predict_proba(test_features)[:, 1], dtype=np.float64)
    flagged = probability >= 0.5
    balanced = _balanced_accuracy(test_vacant, flagged)
    position = (
        "unknown"
        if not np.isfinite(balanced)
        else "below"
        if balanced < PUBLISHED_RANGE[0]
        else "above"
        if balanced > PUBLISHED_RANGE[1]
        else "inside"
    )
    return SeparabilityResult(
        probability,
        {
            "classifier": "HistGradientBoostingClassifier(max_iter=200, class_weight='balanced')",
            "features": list(FEATURE_NAMES),
            "balanced_accuracy": balanced,
            "roc_auc": _roc_auc(test_vacant, probability),
            "accuracy": float(np.mean(flagged == test_vacant)) if n_test else float("nan"),
            "ci95": _interval(test_vacant, probability, rng),
            **counts,
            "published_range": list(PUBLISHED_RANGE),
            "position": position,
            "sources": list(PUBLISHED_SOURCES),
        },
    )
