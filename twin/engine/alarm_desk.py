"""The operator desk: who acknowledges the platform's major and critical alarms, and when.

A small model of a utility control room (every figure assumed, scenario
``alarms.desk``): the desk is staffed on weekdays (Monday to Friday) during
the local hours of ``shift`` (default 08-17); it takes up each critical or
major alarm in the order raised and acknowledges it after ``critical``
(default 10 min) or ``major`` (default 30 min) of staffed time, counted
from the alarm's raising, or from the next shift start when it is raised
outside the shift. An alarm cleared meanwhile is still acknowledged (an
alarm that returned to normal unacknowledged stays on the operator's list:
the alarm states of ANSI/ISA-18.2 and IEC 62682). Minor alarms and warnings
are not acknowledged by the desk; safety alarms are left to the safety
operations, which acknowledge their own. An acknowledgement that would
fall after the run's end is not made.

The desk acts on each alarm alone (no queue between alarms), so an alarm's
acknowledgement depends only on its own raising time and severity, the
same in a sharded run as in the whole one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import pandas as pd

from twin.clock import TimeAxis
from twin.engine.alarms import Alarm, AlarmLog
from twin.scenario.alarm_models import DeskSection

__all__ = ["SKIPPED_SOURCES", "OperatorDesk"]

SKIPPED_SOURCES: Final = frozenset({"safety"})
"""Sources whose alarms the desk leaves alone (their operations acknowledge them)."""

_WEEKDAYS: Final = 5  # Monday .. Friday


class OperatorDesk:
    """Acknowledges major and critical alarms after a delay in staffed time.

    Parameters
    ----------
    section : DeskSection
        The scenario's ``alarms.desk``.
    axis : TimeAxis
        The run's time axis (its start and local time zone).
    """

    def __init__(self, section: DeskSection, axis: TimeAxis):
        self.enabled = section.enabled
        self.first_h, self.last_h = section.hours
        self.delay_s = {"critical": float(section.critical), "major": float(section.major)}
        self.axis = axis
        self._start = axis.start.tz_convert(axis.timezone)

    def acknowledge_at(self, raised_s: float, severity: str) -> float | None:
        """When the desk acknowledges an alarm raised at ``raised_s`` [s]; None if never."""
        delay = self.delay_s.get(severity)
        if delay is None or not self.enabled:
            return None
        local = (self._start + pd.Timedelta(seconds=raised_s)).tz_localize(None)
        done = self._add_staffed(local, delay)
        stamp = done.tz_localize(self.axis.timezone, ambiguous=True, nonexistent="shift_forward")
        return float((stamp - self._start).total_seconds())

    def _add_staffed(self, t: pd.Timestamp, seconds: float) -> pd.Timestamp:
        """``t`` plus ``seconds`` of staffed time (local wall-clock, naive)."""
        left = pd.Timedelta(seconds=seconds)
        while True:
            day = t.normalize()
            opens = day + pd.Timedelta(hours=self.first_h)
            closes = day + pd.Timedelta(hours=self.last_h)
            if t.weekday() >= _WEEKDAYS or t >= closes:
                t = day + pd.Timedelta(days=1, hours=self.first_h)
                continue
            t = max(t, opens)
            if t + left <= closes:
                return t + left
            left -= closes - t
            t = day + pd.Timedelta(days=1, hours=self.first_h)

    def acknowledge(self, log: AlarmLog, alarms: Iterable[Alarm] | None = None) -> int:
        """Acknowledge the alarms of ``log`` (or ``alarms``) due in the run; returns how many."""
        horizon = float(self.axis.duration_s)
        done = 0
        for alarm in log.alarms if alarms is None else alarms:
            if alarm.source in SKIPPED_SOURCES:
                continue
            at = self.acknowledge_at(alarm.raised_s, alarm.severity)
            if at is not None and at < horizon:
                log.acknowledge(alarm, at)
                done += 1
        return done
