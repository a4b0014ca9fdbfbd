"""EV charge-point alarms: a StatusNotification ``Faulted`` raises, the next status clears.

The charging operator's platform hears each charge point's OCPP 1.6
StatusNotification as it happens (:class:`~twin.engine.recording_der.DerRecorder`
fires them as SimPy events). A change to ``Faulted`` raises an alarm of kind
``charger_<error code>`` (``charger_ground_failure``, ...); the first later
status other than ``Faulted`` (``Available`` once repaired) clears it. The
faults are the fleet's own (drawn hardware faults, and under- or
over-voltage at the connector), so the cause is ``condition``.

References
----------
Open Charge Alliance, *OCPP 1.6*, 7.6 ChargePointErrorCode and 7.7
ChargePointStatus.
"""

from __future__ import annotations

import re
from typing import Final

from numpy.typing import NDArray

from twin.engine.alarms import Alarm, AlarmLog, Severity

__all__ = ["ChargerAlarms", "charger_severity"]

SAFETY_CODES: Final = frozenset(
    {"GroundFailure", "HighTemperature", "OverCurrentFailure", "PowerSwitchFailure"}
)
"""Error codes that may endanger people or the equipment: severity major (assumed)."""


def charger_severity(code: str, public: bool) -> Severity:
    """Severity of a fault (assumed): safety-related codes major, the rest minor; a public
    charge point's fault one step higher (customers of the operator are turned away)."""
    if code in SAFETY_CODES:
        return "critical" if public else "major"
    return "major" if public else "minor"


def _snake(code: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", code).lower()


class ChargerAlarms:
    """Alarms of the charge points simulated here.

    Parameters
    ----------
    log : AlarmLog
        Where alarms go.
    charger_ids : numpy.ndarray
        Per local charger (object array of str).
    premise_ids : numpy.ndarray
        Per local charger: its premise (None for a public connector).
    is_public : numpy.ndarray
        bool per local charger.
    """

    def __init__(
        self,
        log: AlarmLog,
        charger_ids: NDArray,
        premise_ids: NDArray,
        is_public: NDArray,
    ):
        self.log = log
        self._ids, self._premise, self._public = charger_ids, premise_ids, is_public
        self._open: dict[int, Alarm] = {}

    def status(self, charger: int, t_s: float, status: str, code: str) -> None:
        """Charger ``charger`` (local) shows ``status`` with error ``code`` from ``t_s`` [s]."""
        alarm = self._open.get(charger)
        if status != "Faulted":
            if alarm is not None:
                self.log.clear(self._open.pop(charger), t_s)
            return
        if alarm is not None:  # a second fault while faulted: the first alarm stands
            return
        premise = self._premise[charger]
        self._open[charger] = self.log.raise_alarm(
            source="ev_charger",
            device_id=str(self._ids[charger]),
            premise_id=None if premise is None else str(premise),
            kind=f"charger_{_snake(code)}",
            severity=charger_severity(code, bool(self._public[charger])),
            time_s=t_s,
            value=float("nan"),
            threshold=float("nan"),
            unit="",
            cause="condition",
        )
