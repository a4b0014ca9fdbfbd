"""Early warning scored against the truth: lead times before failures, failures prevented.

A failure (``truth/safety_failure``) is *warned* when an alarm whose true
cause is that failure's hazard (``truth/alarm_cause`` cause ``hazard``,
``cause_id`` the hazard) was raised strictly before the failure; its lead
time is the failure time minus the first such alarm's ``raised_at``. An
alarm raised at or after the failure warned of nothing, and a failure
without a warning is *missed*.

A hazard is *prevented* when it ended ``repaired`` while its
``would_fail_at`` was set (it would have failed within the run had nobody
acted); the prevented share is prevented / (prevented + failed), the failed
counted among the hazards with ``would_fail_at`` set. A hazard still present
at the run end is neither.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from twin.studies.safety.alarms import HAZARD, NO_SENSOR, hours_between, share

__all__ = [
    "EARLY_H",
    "FAILED",
    "OPEN_AT_END",
    "PREVENTED",
    "REPAIRED_NOT_DUE",
    "failure_table",
    "hazard_table",
    "lead_summary",
    "prevention_summary",
]

EARLY_H: Final = 24.0
"""A warning at least this long before the failure counts as early [h] (a day: time to
send a crew within the working hours)."""

PREVENTED: Final = "prevented"
FAILED: Final = "failed"
REPAIRED_NOT_DUE: Final = "repaired_not_due"
"""Repaired, but it would not have failed within the run (``would_fail_at`` null)."""
OPEN_AT_END: Final = "open_at_end"

_QUANTILES: Final = {"p10": 10, "p25": 25, "median": 50, "p75": 75, "p90": 90}


def _first_hazard_alarm(alarms: pd.DataFrame) -> pd.DataFrame:
    """Hazard alarms: ``hazard_id``, ``alarm_id``, ``raised_at``, by raise time."""
    hazard = alarms[alarms["cause"] == HAZARD]
    frame = hazard[["cause_id", "alarm_id", "raised_at"]].rename(columns={"cause_id": "hazard_id"})
    frame = frame.dropna(subset=["hazard_id"]).astype({"hazard_id": object, "alarm_id": object})
    return frame.sort_values(["raised_at", "alarm_id"])


def hazard_table(
    hazards: pd.DataFrame, alarms: pd.DataFrame, sensors: pd.DataFrame
) -> pd.DataFrame:
    """One row per hazard with its outcome and whether an alarm saw it.

    Parameters
    ----------
    hazards : pandas.DataFrame
        ``truth/safety_hazard``.
    alarms : pandas.DataFrame
        :func:`~twin.studies.safety.alarms.alarm_table`.
    sensors : pandas.DataFrame
        ``internal/safety_sensor``.

    Returns
    -------
    pandas.DataFrame
        The hazard's columns, then ``sensor_kind`` and ``path`` of the sensor
        that can see it (:data:`~twin.studies.safety.alarms.NO_SENSOR` for
        none), ``alarms`` (hazard alarms it raised, at any time),
        ``first_alarm_at`` (the first raised while the hazard was present, before
        its end), ``detected`` (such an alarm exists), ``detection_h`` (onset to
        that alarm [h]),
        ``outcome`` (:data:`PREVENTED`, :data:`FAILED`,
        :data:`REPAIRED_NOT_DUE`, :data:`OPEN_AT_END`, or the ``end_reason``
        as given).
    """
    frame = hazards.astype({"hazard_id": object, "sensor_id": object})
    kinds = sensors.drop_duplicates("sensor_id").set_index("sensor_id")
    frame["sensor_kind"] = frame["sensor_id"].map(kinds["kind"]).fillna(NO_SENSOR).astype(str)
    frame["path"] = frame["sensor_id"].map(kinds["path"]).fillna(NO_SENSOR).astype(str)
    raised = _first_hazard_alarm(alarms)
    counts = raised.groupby("hazard_id").size()
    frame["alarms"] = frame["hazard_id"].map(counts).fillna(0).astype(np.int64)
    ends = raised.merge(frame[["hazard_id", "end"]], on="hazard_id", how="inner")
    seen = ends[ends["end"].isna() | (ends["raised_at"] < ends["end"])]
    frame["first_alarm_at"] = frame["hazard_id"].map(
        seen.drop_duplicates("hazard_id").set_index("hazard_id")["raised_at"]
    )
    frame["first_alarm_at"] = pd.to_datetime(frame["first_alarm_at"], utc=True)
    frame["detected"] = frame["first_alarm_at"].notna()
    frame["detection_h"] = hours_between(frame["first_alarm_at"], frame["onset"])
    reason = frame["end_reason"].astype(object)
    due = frame["would_fail_at"].notna()
    outcome = reason.fillna("").astype(str)
    outcome[reason == "repaired"] = np.where(due[reason == "repaired"], PREVENTED, REPAIRED_NOT_DUE)
    outcome[reason == "failure"] = FAILED
    outcome[frame["end"].isna() & reason.isna()] = OPEN_AT_END
    frame["outcome"] = outcome
    return frame.reset_index(drop=True)


def prevention_summary(hazards: pd.DataFrame) -> dict[str, Any]:
    """Failures prevented and hazards detected, from :func:`hazard_table` rows.

    Returns
    -------
    dict
        ``hazards``; ``would_fail`` (``would_fail_at`` set); ``prevented``;
        ``failed`` (ended in failure with ``would_fail_at`` set);
        ``prevented_share`` (prevented / (prevented + failed), None when both
        are 0); ``failed_total`` (every hazard ended in failure);
        ``repaired_not_due``; ``open_at_end``; ``with_sensor`` (a sensor can
        see it); ``detected`` and ``detected_share`` (of all hazards);
        ``detection_h`` (median and p90 [h] from onset to the first alarm).
    """
    due = hazards["would_fail_at"].notna()
    outcome = hazards["outcome"]
    prevented = int((outcome == PREVENTED).sum())
    failed = int(((outcome == FAILED) & due).sum())
    delay = hazards.loc[hazards["detected"], "detection_h"].to_numpy(dtype=np.float64)
    return {
        "hazards": len(hazards),
        "would_fail": int(due.sum()),
        "prevented": prevented,
        "failed": failed,
        "prevented_share": share(prevented, prevented + failed),
        "failed_total": int((outcome == FAILED).sum()),
        "repaired_not_due": int((outcome == REPAIRED_NOT_DUE).sum()),
        "open_at_end": int((outcome == OPEN_AT_END).sum()),
        "with_sensor": int((hazards["sensor_kind"] != NO_SENSOR).sum()),
        "detected": int(hazards["detected"].sum()),
        "detected_share": share(int(hazards["detected"].sum()), len(hazards)),
        "detection_h": {
            "median": float(np.median(delay)) if delay.size else None,
            "p90": float(np.percentile(delay, 90)) if delay.size else None,
        },
    }


def failure_table(
    failures: pd.DataFrame, hazards: pd.DataFrame, alarms: pd.DataFrame
) -> pd.DataFrame:
    """One row per failure with its first warning and lead time.

    Parameters
    ----------
    failures : pandas.DataFrame
        ``truth/safety_failure``.
    hazards : pandas.DataFrame
        :func:`hazard_table` (the failure's hazard kind and sensor).
    alarms : pandas.DataFrame
        :func:`~twin.studies.safety.alarms.alarm_table`.

    Returns
    -------
    pandas.DataFrame
        ``failure_id``, ``hazard_id``, ``premise_id``, ``kind`` (fire,
        protective_trip), ``time``, ``hazard_kind``, ``sensor_kind``, ``path``,
        ``first_alarm_id`` and ``first_alarm_at`` (the first hazard alarm
        raised before the failure; null when missed), ``warned`` and
        ``lead_h`` (failure time - first alarm [h], NaN when missed).
    """
    frame = failures[["failure_id", "hazard_id", "premise_id", "kind", "time"]].copy()
    frame["hazard_id"] = frame["hazard_id"].astype(object)
    info = hazards.drop_duplicates("hazard_id").set_index("hazard_id")
    frame["hazard_kind"] = frame["hazard_id"].map(info["kind"]).fillna(NO_SENSOR).astype(str)
    for column in ("sensor_kind", "path"):
        frame[column] = frame["hazard_id"].map(info[column]).fillna(NO_SENSOR).astype(str)
    pairs = frame[["failure_id", "hazard_id", "time"]].merge(
        _first_hazard_alarm(alarms), on="hazard_id", how="inner"
    )
    pairs = pairs[pairs["raised_at"] < pairs["time"]].sort_values(["raised_at", "alarm_id"])
    first = pairs.drop_duplicates("failure_id").set_index("failure_id")
    frame["first_alarm_id"] = frame["failure_id"].map(first["alarm_id"])
    frame["first_alarm_at"] = pd.to_datetime(frame["failure_id"].map(first["raised_at"]), utc=True)
    frame["warned"] = frame["first_alarm_id"].notna()
    frame["lead_h"] = hours_between(frame["time"], frame["first_alarm_at"])
    return frame.sort_values(["time", "failure_id"], kind="stable").reset_index(drop=True)


def lead_summary(failures: pd.DataFrame) -> dict[str, Any]:
    """Lead times of :func:`failure_table` rows.

    Returns
    -------
    dict
        ``failures``, ``warned``, ``missed``; ``warned_share`` and
        ``warned_24h_share`` (warned at least :data:`EARLY_H` ahead), both of
        all failures (None without failures); ``lead_h``: ``mean``, ``min``,
        ``p10``, ``p25``, ``median``, ``p75``, ``p90``, ``max`` of the warned
        failures' lead times [h] (linear interpolation; None when none was
        warned).
    """
    n = len(failures)
    lead = failures.loc[failures["warned"], "lead_h"].to_numpy(dtype=np.float64)
    warned = int(lead.size)
    stats: dict[str, float | None] = dict.fromkeys(["mean", "min", *_QUANTILES, "max"])
    if lead.size:
        stats["mean"], stats["min"], stats["max"] = lead.mean(), lead.min(), lead.max()
        stats |= {name: float(np.percentile(lead, q)) for name, q in _QUANTILES.items()}
    return {
        "failures": n,
        "warned": warned,
        "missed": n - warned,
        "warned_share": share(warned, n),
        "warned_24h_share": share(int((lead >= EARLY_H).sum()), n),
        "early_h": EARLY_H,
        "lead_h": {k: None if v is None else float(v) for k, v in stats.items()},
    }
