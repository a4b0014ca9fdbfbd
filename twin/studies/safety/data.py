"""The safety tables of a run, read once and made uniform for the safety study.

The detection side is what the utility and its platform hold:
``internal/safety_sensor`` (the sensors fitted), ``internal/safety_reading``
(their readings, only for delivery figures), the safety alarms
(``external/safety_alarm``, or the ``safety`` rows of ``external/alarm``) and
``external/work_order``. The ground truth, read only to score, is
``truth/alarm_cause``, ``truth/safety_hazard`` and ``truth/safety_failure``.
The run's length and the operations set-up (crews, shift, daily capacity)
come from the manifest.

A run without ``internal/safety_sensor`` was run without a ``safety:``
section, and the study refuses it. The other safety tables may be absent when
the run had nothing to write in them: they are then read as empty, and
``missing`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from twin.errors import TwinError
from twin.streams import RunDirectory, schema_for

__all__ = [
    "ALARM_COLUMNS",
    "SAFETY_SOURCE",
    "Operations",
    "SafetyTables",
    "empty_table",
    "load_safety_tables",
    "parse_shift",
]

SAFETY_SOURCE: Final = "safety"
"""``source`` of the safety sensors' rows in ``external/alarm``."""

SENSOR_TABLE: Final = "internal/safety_sensor"
"""The table whose presence says the run had a ``safety:`` section."""

ALARM_COLUMNS: Final = (
    "alarm_id",
    "device_id",
    "premise_id",
    "kind",
    "severity",
    "raised_at",
    "acknowledged_at",
    "cleared_at",
    "value",
    "threshold",
    "unit",
    "work_order_id",
)
"""Columns of the study's alarm table (``external/alarm``'s names)."""

_SAFETY_ALARM_NAMES: Final = {
    "raised_time": "raised_at",
    "acknowledged_time": "acknowledged_at",
    "cleared_time": "cleared_at",
}
"""``external/safety_alarm``'s time columns -> ``external/alarm``'s names."""


@dataclass(frozen=True)
class Operations:
    """The operations set-up of the run's scenario (``safety.operations``), where given.

    Attributes
    ----------
    crews : int or None
        Technicians' crews.
    jobs_per_crew_day : float or None
        Daily capacity of one crew [jobs/d].
    shift : tuple of int or None
        Local start and end hour of the crews' working day (``"08-17"`` -> (8, 17)).
    """

    crews: int | None = None
    jobs_per_crew_day: float | None = None
    shift: tuple[int, int] | None = None

    @property
    def shift_h(self) -> float | None:
        """Working hours of a crew per day [h] (a shift past midnight wraps)."""
        if self.shift is None:
            return None
        start, end = self.shift
        return float((end - start) % 24 or 24)


@dataclass(frozen=True)
class SafetyTables:
    """A run's safety tables.

    Attributes
    ----------
    sensors : pandas.DataFrame
        ``internal/safety_sensor``.
    alarms : pandas.DataFrame
        The safety alarms, columns :data:`ALARM_COLUMNS`, by ``raised_at``.
    work_orders : pandas.DataFrame
        ``external/work_order``.
    causes : pandas.DataFrame
        ``truth/alarm_cause`` (truth: scoring only).
    hazards : pandas.DataFrame
        ``truth/safety_hazard`` (truth: scoring only).
    failures : pandas.DataFrame
        ``truth/safety_failure`` (truth: scoring only).
    start, end : pandas.Timestamp
        The run's start and end (UTC).
    timezone : str
        The run's time zone (local days, the crews' shift).
    operations : Operations
        Crews, capacity and shift from the scenario.
    missing : tuple of str
        Safety tables the run lacks, read as empty.
    """

    sensors: pd.DataFrame
    alarms: pd.DataFrame
    work_orders: pd.DataFrame
    causes: pd.DataFrame
    hazards: pd.DataFrame
    failures: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    timezone: str
    operations: Operations = field(default_factory=Operations)
    missing: tuple[str, ...] = ()

    @property
    def days(self) -> float:
        """Run length [d]."""
        return float((self.end - self.start).total_seconds() / 86_400)

    @property
    def sensor_years(self) -> float:
        """Sensors times the run's length [sensor-year] (a year of 365.25 days)."""
        return len(self.sensors) * self.days / 365.25


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of declared table ``name``."""
    frame: pd.DataFrame = schema_for(name).empty_table().to_pandas()
    return frame


def parse_shift(text: Any) -> tuple[int, int] | None:
    """A shift such as ``"08-17"`` as (start, end) local hours; None when not of that form."""
    try:
        start, end = (int(part) for part in str(text).split("-"))
    except ValueError:
        return None
    if not (0 <= start <= 24 and 0 <= end <= 24):
        return None
    return start, end


def _operations(scenario: dict[str, Any]) -> Operations:
    section = scenario.get("safety")
    ops = section.get("operations") if isinstance(section, dict) else None
    if not isinstance(ops, dict):
        return Operations()
    crews, jobs = ops.get("crews"), ops.get("jobs_per_crew_day")
    return Operations(
        crews=int(crews) if isinstance(crews, int | float) else None,
        jobs_per_crew_day=float(jobs) if isinstance(jobs, int | float) else None,
        shift=parse_shift(ops["shift"]) if ops.get("shift") is not None else None,
    )


def _alarms(run: RunDirectory) -> pd.DataFrame | None:
    """The safety alarms: ``external/safety_alarm``, else ``external/alarm``'s safety rows."""
    if run.has("external/safety_alarm"):
        frame = run.table("external/safety_alarm").rename(columns=_SAFETY_ALARM_NAMES)
    elif run.has("external/alarm"):
        frame = run.table("external/alarm")
        frame = frame[frame["source"].astype(str) == SAFETY_SOURCE]
    else:
        return None
    frame = frame[list(ALARM_COLUMNS)].sort_values(["raised_at", "alarm_id"], kind="stable")
    return frame.reset_index(drop=True)


def load_safety_tables(run: RunDirectory) -> SafetyTables:
    """Read a run's safety tables (see the module).

    Parameters
    ----------
    run : twin.streams.RunDirectory
        A finished run.

    Returns
    -------
    SafetyTables

    Raises
    ------
    TwinError
        When the run has no ``internal/safety_sensor`` table (a run without a
        ``safety:`` section), or has safety alarms but no ``truth/alarm_cause``
        to score them.
    """
    if not run.has(SENSOR_TABLE):
        raise TwinError(
            f"run {str(run.path)!r} has no {SENSOR_TABLE} table: it was run without a "
            "`safety:` section, so it has no safety sensors, alarms or work orders; the "
            "safety study needs a run of a scenario with one (such as scenarios/safety_town.yaml)"
        )
    missing: list[str] = []

    def read(name: str) -> pd.DataFrame:
        if run.has(name):
            return run.table(name)
        missing.append(name)
        return empty_table(name)

    alarms = _alarms(run)
    if alarms is None:
        missing.append("external/safety_alarm")
        alarms = empty_table("external/alarm")[list(ALARM_COLUMNS)]
    if len(alarms) and not run.has("truth/alarm_cause"):
        raise TwinError(
            f"run {str(run.path)!r} has {len(alarms)} safety alarms but no truth/alarm_cause "
            "table to score them against; expected the table the alarm log writes"
        )
    clock = run.clock
    scenario = run.manifest.get("scenario") or {}
    return SafetyTables(
        sensors=run.table(SENSOR_TABLE),
        alarms=alarms,
        work_orders=read("external/work_order"),
        causes=read("truth/alarm_cause"),
        hazards=read("truth/safety_hazard"),
        failures=read("truth/safety_failure"),
        start=clock.start,
        end=clock.end,
        timezone=clock.timezone,
        operations=_operations(scenario if isinstance(scenario, dict) else {}),
        missing=tuple(missing),
    )
