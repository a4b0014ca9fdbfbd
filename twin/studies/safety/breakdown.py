"""The safety study's figures by sensor kind, by reporting path and by hazard kind.

A hazard (and its failure) belongs to the kind and path of the sensor that can
see it (:data:`~twin.studies.safety.alarms.NO_SENSOR` for a hazard no sensor
sees); an alarm to its sensor's. By hazard kind only the hazard alarms have a
kind, so that breakdown has no false-alarm figures.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from twin.studies.safety.alarms import NO_SENSOR, alarm_summary
from twin.studies.safety.early_warning import lead_summary, prevention_summary

__all__ = ["by_hazard_kind", "by_sensor"]

_ALARM_KEYS = (
    "alarms",
    "alarms_per_sensor_year",
    "false_alarms",
    "false_alarms_per_sensor_year",
    "precision",
)
_LEAD_KEYS = ("failures", "warned", "warned_share", "warned_24h_share")
_PREVENTION_KEYS = ("hazards", "prevented", "failed", "prevented_share", "detected_share")


def _scored(hazards: pd.DataFrame, failures: pd.DataFrame) -> dict[str, Any]:
    lead = lead_summary(failures)
    prevention = prevention_summary(hazards)
    return (
        {k: lead[k] for k in _LEAD_KEYS}
        | {"median_lead_h": lead["lead_h"]["median"]}
        | {k: prevention[k] for k in _PREVENTION_KEYS}
    )


def by_sensor(
    column: str,
    sensors: pd.DataFrame,
    alarms: pd.DataFrame,
    hazards: pd.DataFrame,
    failures: pd.DataFrame,
    days: float,
) -> dict[str, dict[str, Any]]:
    """Figures per sensor ``kind`` or ``path``.

    Parameters
    ----------
    column : {"kind", "path"}
        The column of ``internal/safety_sensor`` to group by.
    sensors : pandas.DataFrame
        ``internal/safety_sensor``.
    alarms, hazards, failures : pandas.DataFrame
        The study's alarm, hazard and failure tables (their ``sensor_kind``
        and ``path`` columns).
    days : float
        Run length [d].

    Returns
    -------
    dict
        Group -> ``sensors``, ``sensor_years``, the alarm figures (alarms and
        false alarms per sensor-year, precision), the lead-time figures
        (failures, warned, shares, ``median_lead_h``) and the prevention
        figures (hazards, prevented, failed, prevented share, detected share).
        Groups in name order, :data:`NO_SENSOR` last where a hazard has no sensor.
    """
    own = "sensor_kind" if column == "kind" else column
    groups = sorted(set(sensors[column].astype(str)))
    if (hazards[own] == NO_SENSOR).any() or (alarms[own] == NO_SENSOR).any():
        groups.append(NO_SENSOR)
    result: dict[str, dict[str, Any]] = {}
    for group in groups:
        n = int((sensors[column].astype(str) == group).sum())
        years = n * days / 365.25
        block = alarm_summary(alarms[alarms[own] == group], years)
        result[group] = (
            {"sensors": n, "sensor_years": years}
            | {k: block[k] for k in _ALARM_KEYS}
            | _scored(hazards[hazards[own] == group], failures[failures[own] == group])
        )
    return result


def by_hazard_kind(
    alarms: pd.DataFrame, hazards: pd.DataFrame, failures: pd.DataFrame
) -> dict[str, dict[str, Any]]:
    """Figures per hazard kind (insulation ageing, insulation damage, overload, arcing).

    Returns
    -------
    dict
        Kind -> ``hazard_alarms`` (alarms that hazards of the kind raised),
        the lead-time and the prevention figures, kinds in name order.
    """
    result: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(hazards["kind"].astype(str))):
        result[kind] = {"hazard_alarms": int((alarms["hazard_kind"] == kind).sum())} | _scored(
            hazards[hazards["kind"].astype(str) == kind],
            failures[failures["hazard_kind"] == kind],
        )
    return result
