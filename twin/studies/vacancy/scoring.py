"""Scores of a vacancy detection against the ground truth.

Per detector: precision, recall and F1 for vacant dwellings; the estimated
and the true vacancy rate, overall and per transformer area; the
false-positive rate among occupied low consumers (see
:mod:`twin.studies.vacancy.truth`); and where the errors fall by kind of
dwelling.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.truth import (
    LOW_CONSUMER_KWH_PER_DAY,
    LOW_CONSUMER_MIN_LIVED,
    TruthLabels,
)

__all__ = ["area_rates", "low_consumers", "score_detection"]


def low_consumers(labels: TruthLabels, kwh_per_day: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Occupied low consumers: lived in on most days, using little [bool ``(n,)``]."""
    return (
        ~labels.vacant
        & (labels.lived_share >= LOW_CONSUMER_MIN_LIVED)
        & (kwh_per_day < LOW_CONSUMER_KWH_PER_DAY)
    )


def area_rates(detection: Detection, labels: TruthLabels, area: NDArray[np.int64]) -> pd.DataFrame:
    """True and estimated vacancy rate per area.

    Returns
    -------
    pandas.DataFrame
        Index ``area``; columns ``dwellings``, ``true_rate``, ``estimated_rate`` [-].
    """
    frame = pd.DataFrame(
        {"area": area, "true": labels.vacant, "estimated": detection.vacant}
    ).groupby("area")
    return pd.DataFrame(
        {
            "dwellings": frame.size(),
            "true_rate": frame["true"].mean(),
            "estimated_rate": frame["estimated"].mean(),
        }
    )


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def score_detection(
    detection: Detection,
    labels: TruthLabels,
    *,
    kwh_per_day: NDArray[np.float64],
    area: NDArray[np.int64],
) -> dict[str, Any]:
    """Score one detection.

    Parameters
    ----------
    detection : Detection
        The detector's verdicts.
    labels : TruthLabels
        Ground truth, same meters in the same order.
    kwh_per_day : numpy.ndarray
        Measured mean consumption of each meter over the window [kWh/d]
        (for the low-consumer group).
    area : numpy.ndarray
        Transformer area of each meter.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``accuracy``, confusion counts,
        ``true_vacancy_rate``, ``estimated_vacancy_rate``,
        ``rate_error_pp`` (estimated minus true, percentage points),
        ``undecided``, ``low_consumers`` (count, false positives, rate),
        ``areas`` (mean and largest absolute rate error per area, pp), and
        false positives by occupancy kind and false negatives by vacancy kind.

    Raises
    ------
    ValueError
        If the detection and the labels are not for the same meters.
    """
    if not np.array_equal(detection.meter_id, labels.meter_id):
        raise ValueError("detection and labels are for different meters or in another order")
    pred, true = detection.vacant, labels.vacant
    tp = int(np.sum(pred & true))
    fp = int(np.sum(pred & ~true))
    fn = int(np.sum(~pred & true))
    tn = int(np.sum(~pred & ~true))
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    low = low_consumers(labels, kwh_per_day)
    low_fp = int(np.sum(pred & low))
    rates = area_rates(detection, labels, area)
    error_pp = (rates["estimated_rate"] - rates["true_rate"]).abs() * 100
    weights = rates["dwellings"] / rates["dwellings"].sum()
    fp_kinds = pd.Series(labels.occupancy_kind[pred & ~true]).value_counts()
    fn_kinds = pd.Series(labels.vacancy_kind[~pred & true]).value_counts()
    hard_cases = {}
    if labels.look_empty is not None:
        hard_cases["false_positives_by_look_empty"] = _count_parts(labels.look_empty[pred & ~true])
    if labels.vacant_behaviour is not None:
        missed = labels.vacant_behaviour[~pred & true]
        hard_cases["false_negatives_by_vacant_behaviour"] = _count_parts(missed)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": _ratio(tp + tn, pred.size),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "true_negatives": tn,
        "dwellings": int(pred.size),
        "undecided": int(np.sum(~detection.decided)),
        "true_vacancy_rate": labels.vacancy_rate,
        "estimated_vacancy_rate": detection.estimated_vacancy_rate,
        "rate_error_pp": (detection.estimated_vacancy_rate - labels.vacancy_rate) * 100,
        "low_consumers": {
            "count": int(low.sum()),
            "false_positives": low_fp,
            "false_positive_rate": _ratio(low_fp, int(low.sum())),
        },
        "areas": {
            "count": len(rates),
            "mean_abs_rate_error_pp": float((error_pp * weights).sum()),
            "max_abs_rate_error_pp": float(error_pp.max()) if len(rates) else float("nan"),
        },
        "false_positives_by_kind": {str(k): int(v) for k, v in fp_kinds.items()},
        "false_negatives_by_kind": {str(k) or "none": int(v) for k, v in fn_kinds.items()},
        **hard_cases,
    }


def _count_parts(labels: NDArray[np.object_]) -> dict[str, int]:
    """How many of ``labels`` (``+``-joined) hold each part; empty labels are not counted."""
    parts = pd.Series(labels.astype(str)).str.split("+").explode()
    counts = parts[parts != ""].value_counts()
    return {str(k): int(v) for k, v in counts.items()}
