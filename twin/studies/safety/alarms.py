"""The safety alarms, each with its sensor, its work order and (to score) its true cause.

:func:`alarm_table` is one row per safety alarm; :func:`alarm_summary` gives
the false-alarm rate per sensor-year and the precision of the alarms (the
share whose true cause is a hazard). A false alarm is one that
``truth/alarm_cause`` says only measurement noise raised (cause ``false``);
an alarm of cause ``condition`` (the true quantity crossed the threshold,
but no hazard was behind it) is neither a hazard's alarm nor a false one.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd

from twin.studies.safety.data import SafetyTables

__all__ = [
    "CAUSES",
    "FALSE",
    "HAZARD",
    "NO_SENSOR",
    "UNKNOWN",
    "alarm_summary",
    "alarm_table",
    "finite_or_none",
    "hours_between",
    "per_year",
    "quantiles_h",
    "share",
]

HAZARD: Final = "hazard"
"""Cause of an alarm a safety hazard raised (``cause_id`` the hazard)."""

FALSE: Final = "false"
"""Cause of an alarm measurement noise alone raised."""

UNKNOWN: Final = "unknown"
"""Cause of an alarm that ``truth/alarm_cause`` does not list."""

CAUSES: Final = (HAZARD, "condition", FALSE, "lamp_failure")
"""Causes in the order the study reports them."""

NO_SENSOR: Final = "none"
"""Sensor kind (and path) of a hazard no sensor can see, or an alarm of an unknown sensor."""


def share(part: float, whole: float) -> float | None:
    """``part / whole``, None when ``whole`` is 0 (no share of nothing)."""
    return float(part) / float(whole) if whole else None


def per_year(count: float, years: float) -> float | None:
    """A count per year, None over no time."""
    return float(count) / years if years > 0 else None


def alarm_table(tables: SafetyTables) -> pd.DataFrame:
    """One row per safety alarm, by raise time.

    Parameters
    ----------
    tables : SafetyTables
        The run's safety tables.

    Returns
    -------
    pandas.DataFrame
        The alarm's columns (``alarm_id``, ``device_id``, ``premise_id``,
        ``kind``, ``severity``, ``raised_at``, ...), then ``sensor_kind`` and
        ``path`` of the sensor (``device_id``; :data:`NO_SENSOR` where it is not
        in ``internal/safety_sensor``); ``work_order`` (the alarm's own
        ``work_order_id``, else the work order raised for it), that order's
        ``arrived_at``, ``completed_at`` and ``outcome``; and, from the truth,
        ``cause`` (:data:`UNKNOWN` where not listed), ``cause_id`` and
        ``hazard_kind`` (of the hazard behind a hazard alarm).
    """
    alarms = tables.alarms.copy()
    alarms["device_id"] = alarms["device_id"].astype(object)
    sensors = tables.sensors[["sensor_id", "kind", "path"]].astype(str)
    sensors = sensors.rename(columns={"sensor_id": "device_id", "kind": "sensor_kind"})
    alarms = alarms.merge(sensors.drop_duplicates("device_id"), on="device_id", how="left")
    alarms[["sensor_kind", "path"]] = alarms[["sensor_kind", "path"]].fillna(NO_SENSOR)
    orders = tables.work_orders
    by_alarm = orders.drop_duplicates("alarm_id").set_index("alarm_id")["work_order_id"]
    own = alarms["work_order_id"].astype(object)
    alarms["work_order"] = own.where(own.notna(), alarms["alarm_id"].map(by_alarm))
    done = orders.drop_duplicates("work_order_id").set_index("work_order_id")
    for column in ("arrived_at", "completed_at", "outcome"):
        alarms[column] = alarms["work_order"].map(done[column])
    causes = tables.causes.drop_duplicates("alarm_id").set_index("alarm_id")
    alarms["cause"] = alarms["alarm_id"].map(causes["cause"]).fillna(UNKNOWN).astype(str)
    alarms["cause_id"] = alarms["alarm_id"].map(causes["cause_id"]).astype(object)
    kinds = tables.hazards.drop_duplicates("hazard_id").set_index("hazard_id")["kind"]
    is_hazard = alarms["cause"] == HAZARD
    alarms["hazard_kind"] = alarms["cause_id"].where(is_hazard).map(kinds)
    return alarms.reset_index(drop=True)


def alarm_summary(alarms: pd.DataFrame, sensor_years: float) -> dict[str, Any]:
    """Alarm counts, rates per sensor-year and precision of a set of alarms.

    Parameters
    ----------
    alarms : pandas.DataFrame
        Rows of :func:`alarm_table`.
    sensor_years : float
        Sensor-years observed [sensor-year]: the sensors watched times the run length.

    Returns
    -------
    dict
        ``alarms``; ``sensor_years``; ``alarms_per_sensor_year``; ``by_cause``
        (count per cause); ``false_alarms`` and
        ``false_alarms_per_sensor_year``; ``precision`` (hazard alarms / all,
        None without alarms); ``with_work_order`` and ``without_work_order``.
    """
    n = len(alarms)
    counts = alarms["cause"].value_counts()
    by_cause = {cause: int(counts.get(cause, 0)) for cause in (*CAUSES, UNKNOWN)}
    by_cause = {c: v for c, v in by_cause.items() if v or c in (HAZARD, "condition", FALSE)}
    false = by_cause[FALSE]
    ordered = int(alarms["work_order"].notna().sum())
    return {
        "alarms": n,
        "sensor_years": float(sensor_years),
        "alarms_per_sensor_year": per_year(n, sensor_years),
        "by_cause": by_cause,
        "false_alarms": false,
        "false_alarms_per_sensor_year": per_year(false, sensor_years),
        "precision": share(by_cause[HAZARD], n),
        "with_work_order": ordered,
        "without_work_order": n - ordered,
    }


def quantiles_h(hours: pd.Series | np.ndarray) -> dict[str, float | None]:
    """``n``, ``median``, ``p90`` of durations [h] (linear interpolation; None when empty)."""
    x = np.asarray(hours, dtype=np.float64)
    x = x[np.isfinite(x)]
    if not x.size:
        return {"n": 0, "median": None, "p90": None}
    return {
        "n": int(x.size),
        "median": float(np.median(x)),
        "p90": float(np.percentile(x, 90)),
    }


def hours_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """``later - earlier`` [h] (NaN where either is missing)."""
    later = pd.to_datetime(later, utc=True)
    earlier = pd.to_datetime(earlier, utc=True)
    delta: pd.Series = (later - earlier).dt.total_seconds() / 3600.0
    return delta.astype(np.float64)


def finite_or_none(value: float) -> float | None:
    """``value``, or None when it is NaN or infinite (JSON has no NaN)."""
    return float(value) if math.isfinite(value) else None
