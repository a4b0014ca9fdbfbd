"""Prepaid alarms: low-credit warnings and self-disconnections, raised live.

The prepaid accounts (:mod:`twin.engine.prepaid`) call these hooks as they
act: a ``low_credit`` alarm (severity warning) when an account's credit
first falls to a warning threshold (``prepaid.warning_thresholds``),
cleared when it is above every threshold again or the account closes; a
``self_disconnection`` alarm (minor) when supply is cut for exhausted
credit (the relay opens, or the water valve closes), cleared when supply is
restored. The device is the meter (the water meter for water); values are
in the currency's major units. Both are what the platform itself did, so
their cause is ``condition``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from twin.engine.alarms import Alarm, AlarmLog

__all__ = ["PrepaidAlarms"]


class PrepaidAlarms:
    """The prepaid alarms of one utility's accounts simulated here.

    Parameters
    ----------
    log : AlarmLog
        Where alarms go.
    meter_id, premise_id : list of str
        Per prepaid slot.
    currency : str
        Unit of the values.
    scale : float
        Minor units per major unit.
    low_credit, disconnection : bool
        Which alarms to raise.
    """

    def __init__(
        self,
        log: AlarmLog,
        *,
        meter_id: list[str],
        premise_id: list[str],
        currency: str,
        scale: float,
        low_credit: bool = True,
        disconnection: bool = True,
    ):
        self.log = log
        self._meter, self._premise = meter_id, premise_id
        self._unit, self._scale = currency, scale
        self._low, self._cut = low_credit, disconnection
        self._low_open: dict[int, Alarm] = {}
        self._cut_open: dict[int, Alarm] = {}

    def warnings(
        self,
        end_s: float,
        new: NDArray[np.int64],
        level: NDArray[np.int64],
        balance: NDArray[np.int64],
        thresholds: NDArray[np.int64],
    ) -> None:
        """After the warning step: ``new`` slots warned now, ``level`` thresholds reached."""
        if not self._low:
            return
        for s in new.tolist():
            if s in self._low_open:
                continue
            self._low_open[s] = self.log.raise_alarm(
                source="prepaid",
                device_id=self._meter[s],
                premise_id=self._premise[s],
                kind="low_credit",
                severity="warning",
                time_s=end_s,
                value=float(balance[s]) / self._scale,
                threshold=float(thresholds[s, int(level[s]) - 1]) / self._scale,
                unit=self._unit,
                cause="condition",
            )
        if self._low_open:
            for s in [s for s in self._low_open if level[s] == 0]:
                self.log.clear(self._low_open.pop(s), end_s)

    def disconnected(
        self, slots: NDArray[np.int64], t_s: float, balance: NDArray[np.int64], floor: float
    ) -> None:
        """Supply of ``slots`` cut at ``t_s`` for exhausted credit (``floor`` in minor units)."""
        if not self._cut:
            return
        for s in np.asarray(slots).tolist():
            if s in self._cut_open:
                continue
            self._cut_open[s] = self.log.raise_alarm(
                source="prepaid",
                device_id=self._meter[s],
                premise_id=self._premise[s],
                kind="self_disconnection",
                severity="minor",
                time_s=t_s,
                value=float(balance[s]) / self._scale,
                threshold=floor / self._scale,
                unit=self._unit,
                cause="condition",
            )

    def restored(self, s: int, t_s: float) -> None:
        """Supply of slot ``s`` restored at ``t_s``."""
        alarm = self._cut_open.pop(int(s), None)
        if alarm is not None:
            self.log.clear(alarm, t_s)
