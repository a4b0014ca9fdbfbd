"""Short-term (home/away) occupancy accuracy on lived-in homes: a figure of its own.

Whether anybody is at home in each 15-min interval of a lived-in home is a
different, harder question than whether a dwelling is vacant over a window.
On real homes the best published accuracies are 0.83-0.94 (Kleiminger et
al. [1]_, ECO data) and 0.87-0.90 at 30 min (Hattori and Shinohara). This
module reports how a strong supervised classifier does on the twin's
lived-in homes, beside always guessing "at home". It says how realistic the
household model's daily rhythm is; it does *not* measure how separable vacant
and occupied homes are (that is :mod:`twin.studies.vacancy.separability`).

The classifier is gradient-boosted trees (scikit-learn's
``HistGradientBoostingClassifier``) on per-interval features in the spirit
of Kleiminger et al.: the power, its rolling mean, spread, maximum and
minimum over 45 min to 4 h, its ratio to the meter's baseload, the day's mean,
the hour and the day type. It trains on a separate training run when one is
given, else on half of the scored run's homes, and reports the accuracy on
(the other) homes of the scored run: over all intervals and over
06:00-22:00.

References
----------
.. [1] W. Kleiminger, C. Beckel, S. Santini, "Household occupancy monitoring
   using electricity meters", Proc. ACM UbiComp 2015, 975-986.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from twin.studies.inputs import TruthData
from twin.studies.vacancy.data import MeterSeries, Window, epoch_seconds

__all__ = [
    "PUBLISHED_HOME_AWAY_RANGE",
    "home_away_accuracy",
    "interval_features",
    "presence_matrix",
]

PUBLISHED_HOME_AWAY_RANGE: Final = (0.83, 0.94)
"""Home/away accuracies published for real homes (Kleiminger et al. 2015, ECO data) [-]."""

WINDOWS: Final = (3, 5, 9, 17)
"""Rolling windows of the features [intervals] (45 min to about 4 h at 15 min)."""


def presence_matrix(
    truth: TruthData, window: Window, interval_s: int, premise_id: NDArray[np.object_]
) -> NDArray[np.bool_]:
    """Somebody at home per premise and interval, from ``truth/occupancy`` spells.

    Returns
    -------
    numpy.ndarray
        bool ``(len(premise_id), intervals of the window)``.
    """
    k = int((window.end - window.start).total_seconds()) // interval_s
    spells = truth.table("truth/occupancy", columns=["premise_id", "start", "end", "present"])
    spells = spells[spells["present"].to_numpy(dtype=bool)]
    row = pd.Index(premise_id.astype(str)).get_indexer(pd.Index(spells["premise_id"].astype(str)))
    keep = row >= 0
    t0 = window.start.value // 10**9
    start = epoch_seconds(spells["start"])
    end = epoch_seconds(spells["end"])
    a = np.clip((start[keep] - t0) // interval_s, 0, k)
    b = np.clip((end[keep] - t0) // interval_s, 0, k)
    marks = np.zeros((premise_id.size, k + 1), dtype=np.int32)
    np.add.at(marks, (row[keep], a), 1)
    np.add.at(marks, (row[keep], b), -1)
    return np.cumsum(marks[:, :k], axis=1) > 0


def interval_features(series: MeterSeries) -> NDArray[np.float32]:
    """Per-interval features of every meter, ``(n, k, f)`` float32 (see module notes)."""
    power = np.nan_to_num(series.power_w.astype(np.float64), nan=0.0)
    n, k = power.shape
    columns: list[NDArray[Any]] = [power, np.log1p(power)]
    for w in WINDOWS:
        mean = uniform_filter1d(power, w, axis=1, mode="nearest")
        square = uniform_filter1d(power**2, w, axis=1, mode="nearest")
        columns += [
            mean,
            np.sqrt(np.maximum(square - mean**2, 0.0)),
            maximum_filter1d(power, w, axis=1, mode="nearest"),
            minimum_filter1d(power, w, axis=1, mode="nearest"),
        ]
    base = np.quantile(power, 0.05, axis=1, keepdims=True)
    bounds = series.day_bounds()
    day_mean = np.zeros_like(power)
    for d in range(series.days):
        a, b = int(bounds[d]), int(bounds[d + 1])
        day_mean[:, a:b] = power[:, a:b].mean(axis=1, keepdims=True) if b > a else 0.0
    columns += [
        power / (base + 5.0),
        np.broadcast_to(base, (n, k)),
        day_mean,
        day_mean / (power.mean(axis=1, keepdims=True) + 1.0),
        np.broadcast_to(series.hour, (n, k)),
        np.broadcast_to(series.weekend.astype(np.float64), (n, k)),
    ]
    return np.stack([np.asarray(c, dtype=np.float32) for c in columns], axis=-1)


def _sample(
    series: MeterSeries,
    rows: NDArray[np.int64],
    truth: TruthData,
    window: Window,
    premise_id: NDArray[np.object_],
) -> tuple[NDArray[np.float32], NDArray[np.bool_], NDArray[np.float64]]:
    part = MeterSeries(
        meter_id=series.meter_id[rows],
        energy_wh=series.energy_wh[rows],
        interval_s=series.interval_s,
        day=series.day,
        hour=series.hour,
        weekend=series.weekend,
        days=series.days,
        quality=series.quality,
    )
    x = interval_features(part)
    y = presence_matrix(truth, window, series.interval_s, premise_id[rows])
    k = min(x.shape[1], y.shape[1])
    hour = np.broadcast_to(series.hour[:k], (rows.size, k))
    measured = np.isfinite(part.energy_wh[:, :k]).reshape(-1)
    return (
        x[:, :k].reshape(-1, x.shape[-1])[measured],
        y[:, :k].reshape(-1)[measured],
        hour.reshape(-1)[measured],
    )


def home_away_accuracy(
    series: MeterSeries,
    truth: TruthData,
    window: Window,
    premise_id: NDArray[np.object_],
    homes: NDArray[np.bool_],
    *,
    rng: np.random.Generator,
    training: tuple[MeterSeries, TruthData, Window, NDArray[np.object_], NDArray[np.bool_]]
    | None = None,
    max_homes: int = 200,
    max_samples: int = 300_000,
) -> dict[str, Any]:
    """Accuracy of short-term (home/away) occupancy detection on the run's readings.

    Parameters
    ----------
    series : MeterSeries
        The scored run's readings at the resolution to test (15 min).
    truth : TruthData
        The scored run's truth (``truth/occupancy``).
    window : Window
        The window of ``series``.
    premise_id : numpy.ndarray
        Premise of each meter of ``series``.
    homes : numpy.ndarray
        Which meters belong to lived-in homes (bool): only those are tested.
    rng : numpy.random.Generator
        Sampling of homes and training intervals.
    training : tuple, optional
        ``(series, truth, window, premise_id, homes)`` of a separate training
        run; default: train on half of the sampled homes of the scored run.
    max_homes : int, default 200
        Homes to test on (and as many to train on).
    max_samples : int, default 300,000
        Training intervals (sampled).

    Returns
    -------
    dict
        ``what`` (the question answered), ``accuracy``, ``accuracy_daytime``
        (06:00-22:00), ``always_home_accuracy``, ``away_f1``,
        ``published_range``, ``training``, ``homes_tested``, ``resolution_min``;
        or ``skipped`` with the reason.
    """
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return {"skipped": "scikit-learn is not installed"}
    if not truth.has("truth/occupancy"):
        return {"skipped": "the run has no truth/occupancy table"}
    candidates = np.flatnonzero(homes)
    if training is None:
        picked = rng.permutation(candidates)[: 2 * max_homes]
        half = picked.size // 2
        train_rows, test_rows = picked[:half], picked[half:]
        train_set = (series, truth, window, premise_id)
        source = "half of the scored run's homes (disjoint from the tested half)"
    else:
        t_series, t_truth, t_window, t_premise, t_homes = training
        if not t_truth.has("truth/occupancy"):
            return {"skipped": "the training run has no truth/occupancy table"}
        train_rows = rng.permutation(np.flatnonzero(t_homes))[:max_homes]
        test_rows = rng.permutation(candidates)[:max_homes]
        train_set = (t_series, t_truth, t_window, t_premise)
        source = "separate training run"
    if train_rows.size < 2 or test_rows.size < 1:
        return {"skipped": "too few lived-in homes to train and test on"}
    x_train, y_train, _ = _sample(
        train_set[0], train_rows, train_set[1], train_set[2], train_set[3]
    )
    if np.unique(y_train).size < 2:
        return {"skipped": "the training homes were never (or always) away"}
    take = rng.permutation(y_train.size)[:max_samples]
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    model.fit(x_train[take], y_train[take])
    x_test, y_test, hour = _sample(series, test_rows, truth, window, premise_id)
    predicted = np.asarray(model.predict(x_test), dtype=bool)
    correct = predicted == y_test
    daytime = (hour >= 6.0) & (hour < 22.0)
    away_tp = float(np.sum(~predicted & ~y_test))
    away_f1 = 2 * away_tp / max(float(np.sum(~predicted) + np.sum(~y_test)), 1.0)
    accuracy = float(correct.mean())
    return {
        "what": "home/away per interval on lived-in homes (not vacancy)",
        "accuracy": accuracy,
        "accuracy_daytime": float(correct[daytime].mean()) if daytime.any() else float("nan"),
        "always_home_accuracy": float(y_test.mean()),
        "away_f1": away_f1,
        "published_range": list(PUBLISHED_HOME_AWAY_RANGE),
        "training": source,
        "homes_tested": int(test_rows.size),
        "resolution_min": series.interval_s // 60,
    }
