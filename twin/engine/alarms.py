"""The platform's one alarm stream: every alarm raised, whatever its source.

:class:`AlarmLog` holds the alarms of a run (or shard) and writes
``external/alarm``, its safety view ``external/safety_alarm`` and the
ground truth behind each alarm, ``truth/alarm_cause``. Sources raise,
clear and acknowledge alarms through it; operations (work orders) listen
to the alarms raised and link their orders to them.

Severities follow the perceived severities of ITU-T X.733 (*Systems
management: alarm reporting function*, 1992), without ``indeterminate``
and ``cleared`` (a cleared alarm keeps its severity and gets a
``cleared_at``).

:class:`ConditionTracker` is the vectorised rule shared by the sources
that watch a quantity per device: an alarm is raised when the condition
has held for its delay and cleared when it has been absent for the clear
delay (hysteresis in time, as IEC 62682 *Management of alarm systems for
the process industries* recommends against chattering alarms).

An alarm's id is ``A-<source>-<device>-<n>``, ``n`` counting the alarms of
that source on that device in the order raised, so a sharded run (each
device simulated in one shard) gives the ids of the unsharded one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.streams import RunWriter

__all__ = [
    "ALARM_CAUSES",
    "ALARM_SEVERITIES",
    "Alarm",
    "AlarmLog",
    "ConditionTracker",
]

Severity = Literal["critical", "major", "minor", "warning"]
ALARM_SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "major", "minor", "warning")
"""Perceived severities, most severe first (ITU-T X.733)."""

Cause = Literal["hazard", "lamp_failure", "condition", "false"]
ALARM_CAUSES: Final[tuple[Cause, ...]] = ("hazard", "lamp_failure", "condition", "false")
"""What truth holds behind an alarm: a safety hazard (``cause_id`` its hazard id), a lamp
failure (``cause_id`` the circuit), the true quantity past the threshold (``condition``),
or nothing but measurement noise (``false``)."""


@dataclass
class Alarm:
    """One alarm; times in seconds since the run start (NaN: not yet)."""

    alarm_id: str
    source: str
    device_id: str
    premise_id: str | None
    kind: str
    severity: Severity
    raised_s: float
    value: float
    threshold: float
    unit: str
    cause: Cause
    cause_id: str | None = None
    acknowledged_s: float = np.nan
    cleared_s: float = np.nan
    work_order_id: str | None = None

    @property
    def open(self) -> bool:
        """Not cleared yet."""
        return bool(np.isnan(self.cleared_s))


Listener = Callable[[Alarm], None]


class AlarmLog:
    """Every alarm of a run; writes the alarm tables at :meth:`finish`.

    Parameters
    ----------
    axis : TimeAxis
        The run's time axis.
    writer : RunWriter
        The run directory being written.
    """

    TABLES: Final = ("external/alarm", "external/safety_alarm", "truth/alarm_cause")

    def __init__(self, axis: TimeAxis, writer: RunWriter):
        self.axis = axis
        self._writer = writer
        self.alarms: list[Alarm] = []
        self.listeners: list[Listener] = []
        self._counts: dict[tuple[str, str], int] = {}

    def raise_alarm(
        self,
        *,
        source: str,
        device_id: str,
        premise_id: str | None,
        kind: str,
        severity: Severity,
        time_s: float,
        value: float,
        threshold: float,
        unit: str,
        cause: Cause,
        cause_id: str | None = None,
    ) -> Alarm:
        """Raise one alarm at ``time_s`` [s since the run start]; the listeners hear it."""
        if severity not in ALARM_SEVERITIES:
            raise ValueError(f"severity {severity!r}; expected one of {ALARM_SEVERITIES}")
        if cause not in ALARM_CAUSES:
            raise ValueError(f"cause {cause!r}; expected one of {ALARM_CAUSES}")
        key = (source, device_id)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        alarm = Alarm(
            alarm_id=f"A-{source}-{device_id}-{n:04d}",
            source=source,
            device_id=device_id,
            premise_id=premise_id,
            kind=kind,
            severity=severity,
            raised_s=float(time_s),
            value=float(value),
            threshold=float(threshold),
            unit=unit,
            cause=cause,
            cause_id=cause_id,
        )
        self.alarms.append(alarm)
        for listener in self.listeners:
            listener(alarm)
        return alarm

    @staticmethod
    def clear(alarm: Alarm, time_s: float) -> None:
        """Clear ``alarm`` at ``time_s`` (a second clear keeps the first time)."""
        if alarm.open:
            alarm.cleared_s = max(float(time_s), alarm.raised_s)

    @staticmethod
    def acknowledge(alarm: Alarm, time_s: float) -> None:
        """An operator acknowledges ``alarm`` at ``time_s`` (the first time counts)."""
        if np.isnan(alarm.acknowledged_s):
            alarm.acknowledged_s = max(float(time_s), alarm.raised_s)

    def counts(self) -> dict[str, Any]:
        """Alarms raised per source and those open at the end, for the run summary."""
        sources = [a.source for a in self.alarms]
        return {
            "raised": {k: sources.count(k) for k in sorted(set(sources))},
            "open_at_end": sum(a.open for a in self.alarms),
        }

    def finish(self) -> None:
        """Write ``external/alarm``, ``external/safety_alarm`` and ``truth/alarm_cause``."""
        rows = sorted(self.alarms, key=lambda a: (a.raised_s, a.alarm_id))
        self._write("external/alarm", rows, with_source=True)
        safety = [a for a in rows if a.source == "safety"]
        self._write("external/safety_alarm", safety, with_source=False)
        w = self._writer.table("truth/alarm_cause")
        if rows:
            cols = [
                pa.array([a.alarm_id for a in rows], pa.string()),
                pa.array([a.cause for a in rows], pa.string()),
                pa.array([a.cause_id for a in rows], pa.string()),
            ]
            w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def _write(self, table: str, rows: list[Alarm], *, with_source: bool) -> None:
        w = self._writer.table(table)
        if not rows:
            return
        common = self._common(rows)
        source = [pa.array([a.source for a in rows], pa.string())] if with_source else []
        cols = [
            pa.array([a.alarm_id for a in rows], pa.string()),
            *source,
            common[0],
            pa.array([a.premise_id for a in rows], pa.string()),
            *common[1:],
        ]
        w.append_batch(pa.RecordBatch.from_arrays(cols, schema=w.schema))

    def _common(self, rows: list[Alarm]) -> list[pa.Array]:
        """device_id, kind, severity, raised, acknowledged, cleared, value, threshold,
        unit, work_order_id."""
        ax = self.axis
        return [
            pa.array([a.device_id for a in rows], pa.string()),
            pa.array([a.kind for a in rows], pa.string()),
            pa.array([a.severity for a in rows], pa.string()),
            utc_stamps(ax, np.array([a.raised_s for a in rows], dtype=np.float64)),
            utc_stamps(ax, np.array([a.acknowledged_s for a in rows], dtype=np.float64)),
            utc_stamps(ax, np.array([a.cleared_s for a in rows], dtype=np.float64)),
            pa.array([a.value for a in rows], pa.float64()),
            pa.array([a.threshold for a in rows], pa.float64()),
            pa.array([a.unit for a in rows], pa.string()),
            pa.array([a.work_order_id for a in rows], pa.string()),
        ]


class ConditionTracker:
    """Per-device alarm state from a boolean condition observed at regular steps.

    Parameters
    ----------
    n : int
        Number of devices watched.
    raise_steps : int
        Consecutive steps the condition must hold before the alarm is raised (>= 1).
    clear_steps : int
        Consecutive steps the condition must be absent before the alarm clears (>= 1).
    """

    def __init__(self, n: int, raise_steps: int, clear_steps: int = 1):
        if raise_steps < 1 or clear_steps < 1:
            raise ValueError(
                f"raise_steps {raise_steps} and clear_steps {clear_steps}; expected >= 1"
            )
        self.raise_steps, self.clear_steps = raise_steps, clear_steps
        self.active = np.zeros(n, dtype=bool)
        self._on = np.zeros(n, dtype=np.int64)
        self._off = np.zeros(n, dtype=np.int64)

    def step(
        self, condition: NDArray[np.bool_], watched: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Observe one step; returns the devices whose alarm is raised and cleared now.

        ``watched`` False for a device not observed this step (a reading lost):
        its counts and state stay as they were.
        """
        cond = np.asarray(condition, dtype=bool)
        seen = np.ones(cond.size, dtype=bool) if watched is None else np.asarray(watched, bool)
        self._on = np.where(seen, np.where(cond, self._on + 1, 0), self._on)
        self._off = np.where(seen, np.where(cond, 0, self._off + 1), self._off)
        raised = np.flatnonzero(~self.active & (self._on >= self.raise_steps))
        cleared = np.flatnonzero(self.active & (self._off >= self.clear_steps))
        self.active[raised] = True
        self.active[cleared] = False
        return raised.astype(np.int64), cleared.astype(np.int64)
