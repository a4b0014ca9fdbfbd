"""Meter alarms: the legal events a platform raises on, when the head-end receives them.

The head-end hands every legal event record it receives to the recorder
(``internal/meter_event``) and to :meth:`MeterAlarms.events`. The platform
raises, at the record's ``received_at``:

==================== =================================== ======== ======================
kind                 from                                severity cleared
==================== =================================== ======== ======================
``cover_opened``     40 meter cover opened (tamper)      major    never (a site visit)
``power_failure``    1 power down, not after the          major    power up received
                     platform's own disconnection and
                     not followed within
                     ``alarms.meter.long_interruption``
                     by a power up in the same delivery
``clock_fault``      4 clock set, old offset beyond the  minor    at once (the head-end
                     legal limit (``meters.clock``)               set the clock)
``firmware_refused`` 230 legal core refused an image      warning  at once
==================== =================================== ======== ======================

A management-core update that fails and rolls back (``internal/firmware_update``
result ``failed_rolled_back``) raises ``firmware_failed`` (minor) when the
attempt ends; it stays open (the update must be tried again).

A three-phase meter whose measured neutral current differs from what its
phase currents imply by more than :data:`NEUTRAL_MISMATCH_A` for
``alarms.meter.neutral_delay`` raises ``neutral_mismatch`` (major: a
bypass of the phase elements with the return through the meter, the
theft's side signal), cleared when it has matched again for as long;
its cause is ``condition`` (the neutral really carries what the phases
do not count).

The legal core logs these events itself (the management core cannot forge
them), so every such alarm has a real cause: ``condition``. Severities are
assumed; sags and swells are left to the voltage source.

References
----------
DLMS UA 1000-1 / IDIS package 2 event codes; EN 50160:2010, 3.20 (a long
interruption lasts more than 3 min).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.engine.alarms import Alarm, AlarmLog, ConditionTracker, Severity
from twin.meters import events as ev
from twin.meters.events import EventRows

__all__ = ["NEUTRAL_MISMATCH_A", "MeterAlarms"]

NEUTRAL_MISMATCH_A: Final = 1.0
"""Neutral current beyond what the phases imply that counts as a mismatch [A] (assumed:
several times a class-1 meter's current error at typical loads)."""

_WATCHED: Final = np.array(
    [
        ev.COVER_OPENED,
        ev.POWER_DOWN,
        ev.POWER_UP,
        ev.CLOCK_SET,
        ev.FIRMWARE_REFUSED,
        ev.REMOTE_DISCONNECT,
        ev.REMOTE_CONNECT,
    ]
)
_NAN: Final = float("nan")
SEVERITY: Final[dict[str, Severity]] = {
    "cover_opened": "major",
    "power_failure": "major",
    "clock_fault": "minor",
    "firmware_refused": "warning",
    "firmware_failed": "minor",
    "neutral_mismatch": "major",
}
"""Severity per meter alarm kind (assumed)."""


class MeterAlarms:
    """Alarms on the meters simulated here.

    Parameters
    ----------
    log : AlarmLog
        Where alarms go.
    meter_ids, premise_ids : list of str
        Per local meter.
    long_interruption_s : float
        A power failure shorter than this raises nothing [s].
    clock_limit_s : float
        A clock set whose old offset exceeds this is a clock fault [s].
    """

    def __init__(
        self,
        log: AlarmLog,
        *,
        meter_ids: list[str],
        premise_ids: list[str],
        long_interruption_s: float,
        clock_limit_s: float,
    ):
        self.log = log
        self._meter, self._premise = meter_ids, premise_ids
        self._long = float(long_interruption_s)
        self._clock_limit = float(clock_limit_s)
        self._relay_open = np.zeros(len(meter_ids), dtype=bool)
        self._down: dict[int, Alarm] = {}
        self._firmware: list[tuple[float, int]] = []
        self._neutral_meters = np.zeros(0, dtype=np.int64)
        self._neutral: ConditionTracker | None = None
        self._neutral_open: dict[int, Alarm] = {}

    def watch_neutral(self, meters: NDArray[np.int64], delay_steps: int) -> None:
        """Watch the neutral of the three-phase ``meters`` (local positions)."""
        self._neutral_meters = np.asarray(meters, dtype=np.int64)
        self._neutral = ConditionTracker(self._neutral_meters.size, delay_steps, delay_steps)

    def neutral(self, end_s: float, mismatch_a: NDArray[np.float64]) -> None:
        """One interval of the watched meters' neutral mismatch [A] (at its end ``end_s``)."""
        if self._neutral is None:
            return
        raised, cleared = self._neutral.step(mismatch_a > NEUTRAL_MISMATCH_A)
        for i in raised.tolist():
            m = int(self._neutral_meters[i])
            self._neutral_open[i] = self._raise(
                m, "neutral_mismatch", float(end_s), float(mismatch_a[i]), NEUTRAL_MISMATCH_A, "A"
            )
        for i in cleared.tolist():
            self.log.clear(self._neutral_open.pop(i), float(end_s))

    def _raise(
        self, m: int, kind: str, t_s: float, value: float, threshold: float, unit: str
    ) -> Alarm:
        return self.log.raise_alarm(
            source="meter",
            device_id=self._meter[m],
            premise_id=self._premise[m],
            kind=kind,
            severity=SEVERITY[kind],
            time_s=t_s,
            value=value,
            threshold=threshold,
            unit=unit,
            cause="condition",
        )

    def events(self, rows: EventRows, received_at_s: NDArray[np.float64]) -> None:
        """Legal event records the head-end received (``received_at_s`` per row) [s]."""
        if rows.count == 0:
            return
        keep = np.flatnonzero(np.isin(rows.code, _WATCHED))
        if keep.size == 0:
            return
        order = keep[np.lexsort((rows.seq_no[keep], rows.meter[keep]))]
        meter, code, time_s = rows.meter, rows.code, rows.time_s
        for n_i, i in enumerate(order.tolist()):
            m, c, got = int(meter[i]), int(code[i]), float(received_at_s[i])
            if c == ev.REMOTE_DISCONNECT:
                self._relay_open[m] = True
            elif c == ev.REMOTE_CONNECT:
                self._relay_open[m] = False
            elif c == ev.COVER_OPENED:
                self._raise(m, "cover_opened", got, _NAN, _NAN, "")
            elif c == ev.POWER_DOWN:
                if self._relay_open[m] or m in self._down:
                    continue
                up = self._next_power_up(order[n_i + 1 :], meter, code, m)
                if up is not None and float(time_s[up] - time_s[i]) < self._long:
                    continue
                self._down[m] = self._raise(m, "power_failure", got, _NAN, self._long, "s")
            elif c == ev.POWER_UP:
                alarm = self._down.pop(m, None)
                if alarm is not None:
                    self.log.clear(alarm, got)
            elif c == ev.CLOCK_SET:
                offset = _offset(rows.detail[i])
                if abs(offset) > self._clock_limit:
                    alarm = self._raise(m, "clock_fault", got, abs(offset), self._clock_limit, "s")
                    self.log.clear(alarm, got)
            elif c == ev.FIRMWARE_REFUSED:
                self.log.clear(self._raise(m, "firmware_refused", got, _NAN, _NAN, ""), got)

    @staticmethod
    def _next_power_up(
        later: NDArray[np.int64], meter: NDArray[np.int64], code: NDArray[np.int64], m: int
    ) -> int | None:
        for j in later.tolist():
            if int(meter[j]) != m:
                return None
            if int(code[j]) == ev.POWER_UP:
                return int(j)
        return None

    def firmware_failed(self, meters: NDArray[np.int64], finished_s: NDArray[np.float64]) -> None:
        """Management updates of ``meters`` that fail, rolled back at ``finished_s`` [s]."""
        for m, t in zip(np.asarray(meters).tolist(), np.asarray(finished_s).tolist(), strict=True):
            self._firmware.append((float(t), int(m)))
        self._firmware.sort()

    def tick(self, now_s: float) -> None:
        """Raise the firmware failures whose attempt has ended by ``now_s`` [s]."""
        while self._firmware and self._firmware[0][0] <= now_s:
            t, m = self._firmware.pop(0)
            self._raise(m, "firmware_failed", t, _NAN, _NAN, "")


def _offset(detail: str) -> float:
    """The old clock offset in a clock-set record's detail (``offset_s=12.3``) [s]."""
    try:
        return float(detail.split("=", 1)[1])
    except (IndexError, ValueError):
        return float("nan")
