"""The safety study: early warning, false alarms, failures prevented and the operations behind.

Reads a finished run's safety tables (:mod:`twin.studies.safety.data`): what
the platform holds (sensors, readings, safety alarms, work orders) and, only
to score, the truth (each alarm's cause, the hazards and the failures). Writes
``studies/safety/``: ``metrics.json``; ``alarms.parquet`` (one row per safety
alarm, :func:`~twin.studies.safety.alarms.alarm_table`), ``failures.parquet``
(:func:`~twin.studies.safety.early_warning.failure_table`),
``hazards.parquet`` (:func:`~twin.studies.safety.early_warning.hazard_table`),
``work_orders.parquet`` and ``backlog_daily.parquet``
(:mod:`twin.studies.safety.operations`); the figures ``lead_times.png`` and
``funnel.png``.

References
----------
GB 50116-2013, *Code for design of automatic fire alarm system*, 9.2.3
(residual-current fire monitoring). ITU-T X.733 (1992), *Alarm reporting
function* (severities).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from twin.streams import jsonable, open_run, staged_folder, write_json
from twin.studies.safety.alarms import alarm_summary, alarm_table
from twin.studies.safety.breakdown import by_hazard_kind, by_sensor
from twin.studies.safety.data import SafetyTables, load_safety_tables
from twin.studies.safety.early_warning import (
    EARLY_H,
    failure_table,
    hazard_table,
    lead_summary,
    prevention_summary,
)
from twin.studies.safety.figures import plot_funnel, plot_lead_times
from twin.studies.safety.headline import headline_figures
from twin.studies.safety.operations import (
    backlog_daily,
    crew_summary,
    operations_summary,
    work_order_table,
)
from twin.studies.safety.readings import reading_delivery

__all__ = [
    "STUDY_NAME",
    "SafetySummary",
    "run_safety_study",
    "safety_figures",
    "safety_summary",
]

STUDY_NAME: Final = "safety"


@dataclass(frozen=True)
class SafetySummary:
    """What the study computes from a run's safety tables.

    Attributes
    ----------
    tables : SafetyTables
        The tables read.
    alarms, failures, hazards, work_orders, backlog : pandas.DataFrame
        The study's tables (see the module).
    metrics : dict
        The content of ``metrics.json`` (without ``outputs``).
    """

    tables: SafetyTables
    alarms: pd.DataFrame
    failures: pd.DataFrame
    hazards: pd.DataFrame
    work_orders: pd.DataFrame
    backlog: pd.DataFrame
    metrics: dict[str, Any]


def safety_summary(
    tables: SafetyTables,
    *,
    run: str = "",
    readings: dict[str, dict[str, Any]] | None = None,
) -> SafetySummary:
    """Compute the study's tables and metrics from a run's safety tables.

    Parameters
    ----------
    tables : SafetyTables
        :func:`~twin.studies.safety.data.load_safety_tables`.
    run : str
        The run's path, for metrics.json.
    readings : dict, optional
        :func:`~twin.studies.safety.readings.reading_delivery`, where computed.

    Returns
    -------
    SafetySummary
    """
    alarms = alarm_table(tables)
    hazards = hazard_table(tables.hazards, alarms, tables.sensors)
    failures = failure_table(tables.failures, hazards, alarms)
    orders = work_order_table(tables.work_orders, tables.alarms)
    backlog = backlog_daily(orders, tables.start, tables.end, tables.timezone)
    sensors = tables.sensors
    operations = operations_summary(orders, backlog)
    operations["crews"] = crew_summary(
        orders, tables.operations, tables.start, tables.end, tables.timezone
    )
    metrics: dict[str, Any] = {
        "study": STUDY_NAME,
        "run": run,
        "period": {
            "start": tables.start.isoformat(),
            "end": tables.end.isoformat(),
            "days": tables.days,
            "timezone": tables.timezone,
        },
        "sensors": {
            "count": len(sensors),
            "sensor_years": tables.sensor_years,
            "by_kind": _counts(sensors["kind"]),
            "by_path": _counts(sensors["path"]),
        },
        "alarms": alarm_summary(alarms, tables.sensor_years),
        "early_warning": lead_summary(failures),
        "prevention": prevention_summary(hazards),
        "operations": operations,
        "by_sensor_kind": by_sensor("kind", sensors, alarms, hazards, failures, tables.days),
        "by_path": by_sensor("path", sensors, alarms, hazards, failures, tables.days),
        "by_hazard_kind": by_hazard_kind(alarms, hazards, failures),
        "readings": readings,
        "method": _method(),
        "notes": _notes(tables, len(orders)),
    }
    metrics["headline"] = headline_figures(metrics)
    return SafetySummary(tables, alarms, failures, hazards, orders, backlog, metrics)


def safety_figures(run_dir: str | Path) -> dict[str, float]:
    """The study's headline figures on a run, computed without writing anything.

    For a report section: the same numbers as ``studies/safety/metrics.json``'s
    ``headline`` block (:data:`~twin.studies.safety.headline.HEADLINE_METRICS`),
    NaN where a figure is empty (no failure, no alarm).

    Raises
    ------
    TwinError
        Not a finished run, or a run without a ``safety:`` section.
    """
    summary = safety_summary(load_safety_tables(open_run(run_dir)))
    figures: dict[str, float] = summary.metrics["headline"]
    return figures


def run_safety_study(run_dir: str | Path) -> dict[str, Any]:
    """Study a run's safety sensors, alarms and operations (see the module).

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run of a scenario with a ``safety:`` section.

    Returns
    -------
    dict
        The content of ``studies/safety/metrics.json``.

    Raises
    ------
    TwinError
        Not a finished run, or a run without safety sensors.
    """
    run = open_run(run_dir)
    tables = load_safety_tables(run)
    readings = reading_delivery(run, tables.sensors, tables.days)
    summary = safety_summary(tables, run=str(run.path), readings=readings)
    metrics = summary.metrics
    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        outputs = {
            "alarms": summary.alarms,
            "failures": summary.failures,
            "hazards": summary.hazards,
            "work_orders": summary.work_orders,
            "backlog_daily": summary.backlog,
        }
        for name, frame in outputs.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        figures = [
            plot_lead_times(summary.failures, staging / "lead_times.png"),
            plot_funnel(summary.alarms, staging / "funnel.png"),
        ]
        metrics["outputs"] = {name: f"{name}.parquet" for name in outputs} | {"figures": figures}
        write_json(staging / "metrics.json", metrics)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _counts(values: pd.Series) -> dict[str, int]:
    counts = values.astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def _method() -> dict[str, str]:
    """How the study counts (the ``method`` block of metrics.json)."""
    return {
        "detection": "alarms, sensors, readings and work orders are read from internal/ and "
        "external/ only; truth/alarm_cause, truth/safety_hazard and truth/safety_failure only "
        "score them",
        "warning": "a failure is warned when an alarm whose true cause is its hazard was raised "
        "strictly before it; lead time = failure time - the first such alarm's raised_at; "
        f"early = at least {EARLY_H:g} h; shares are of all failures",
        "false_alarms": "alarms whose true cause is 'false' (measurement noise only) per "
        "sensor-year (sensors in internal/safety_sensor x run length / 365.25 d); 'condition' "
        "alarms (the true quantity crossed the threshold without a hazard) are not false",
        "precision": "safety alarms whose true cause is a hazard / all safety alarms",
        "prevented": "hazards repaired while would_fail_at was set (they would have failed "
        "within the run); share = prevented / (prevented + hazards failed with would_fail_at "
        "set); a hazard open at the run end is neither",
        "response": "from the alarm's raised_at to the work order's arrived_at and completed_at; "
        "median and p90 with linear interpolation",
        "backlog": "work orders created and not completed at the end of each local day",
        "utilisation": "crews busy from dispatched_at to completed_at (the run end while in "
        "progress) over crews x shift hours within the run (safety.operations)",
    }


def _notes(tables: SafetyTables, safety_orders: int) -> list[str]:
    notes: list[str] = []
    if tables.missing:
        notes.append(f"the run has no {', '.join(tables.missing)}: read as empty")
    if tables.days < 365:
        notes.append(
            f"the run covers {tables.days:g} days: rates per sensor-year scale it as a "
            "constant rate, and failures due later than the run end are not counted"
        )
    other = len(tables.work_orders) - safety_orders
    if other:
        notes.append(f"{other} work orders of alarms of other sources are left out")
    if tables.operations.crews is None or tables.operations.shift is None:
        notes.append(
            "the scenario gives no safety.operations crews and shift: crew utilisation is "
            "not derived"
        )
    return notes
