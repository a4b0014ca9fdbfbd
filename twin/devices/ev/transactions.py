"""OCPP-like transactions of the EV fleet: ids, the chargers' energy registers, records.

References
----------
.. [1] Open Charge Alliance (2017), "Open Charge Point Protocol 1.6, edition
   2", 4.8 StartTransaction (meterStart), 4.10 StopTransaction (meterStop,
   reason), 7.39 Reason.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.ev.kernel import exclusive_run_sum
from twin.devices.ev.records import END_OF_RUN, ERROR_CODES, SESSION_COLUMNS, RecordBuffer
from twin.devices.ev.sessions import SessionTable
from twin.devices.ev.state import ActiveSessions

__all__ = ["STOP_REASON_BY_ERROR", "TransactionLedger"]

STOP_REASON_BY_ERROR: Final = np.full(len(ERROR_CODES), "Other", dtype=object)
"""OCPP 1.6 StopTransaction reason of a session cut by a fault, by error code."""
STOP_REASON_BY_ERROR[ERROR_CODES.index("GroundFailure")] = "EmergencyStop"
STOP_REASON_BY_ERROR[ERROR_CODES.index("UnderVoltage")] = "PowerLoss"


class TransactionLedger:
    """Transaction ids, meter start values and the chargers' Wh registers.

    A session's transaction id is its position in the full fleet's session
    table plus one (:attr:`SessionTable.number` + 1): ids rise with the
    arrival time, and a shard that simulates some of the chargers gives
    each session the id it has in the whole run (a session refused by a
    faulted charger leaves a gap).

    Parameters
    ----------
    sessions : SessionTable
        The fleet's sessions.
    premise : numpy.ndarray
        Premise of each charger.
    status_out : RecordBuffer
        Where the Available status at an unplug goes.

    Attributes
    ----------
    register_wh : numpy.ndarray
        Each charger's energy register [Wh] (float; rounded on output).
    out : RecordBuffer
        The finished transactions (:data:`~twin.devices.ev.records.SESSION_COLUMNS`).
    """

    def __init__(
        self, sessions: SessionTable, premise: NDArray[np.int64], status_out: RecordBuffer
    ) -> None:
        """No transaction yet; every register at 0 Wh."""
        self._s = sessions
        self._premise = premise
        self._status_out = status_out
        self._meter_start = np.zeros(sessions.size)
        self._txn = np.full(sessions.size, -1, dtype=np.int64)
        self.register_wh = np.zeros(premise.size)
        self.out = RecordBuffer(SESSION_COLUMNS, ("charger_id", "stop_s"))

    def start(self, act: ActiveSessions, grant: NDArray[np.float64]) -> None:
        """Open transactions for the sessions new in ``act`` (``grant``: this interval's kWh)."""
        ch, new = act.ch, act.new
        rows = act.row[new]
        start_wh = self.register_wh[ch[new]]
        if np.bincount(ch, minlength=self.register_wh.size)[ch[new]].max() > 1:
            # Two sessions on one connector in this interval: the later starts
            # where the earlier one's energy left the register (summed per
            # connector, so that other connectors do not change the rounding).
            order = np.lexsort((act.arrive, ch))
            prior = np.empty_like(grant)
            prior[order] = exclusive_run_sum(grant[order], ch[order])
            start_wh = start_wh + prior[new] * 1000.0
        self._meter_start[rows] = start_wh
        self._txn[rows] = self._s.number[rows] + 1
        act.new[:] = False

    def finish(
        self,
        act: ActiveSessions,
        ended: NDArray[np.bool_],
        stop_s: NDArray[np.float64],
        fault_code: NDArray[np.int8],
    ) -> None:
        """Close the transactions of ``act[ended]`` at ``stop_s`` [s]; record them."""
        ch = act.ch[ended]
        by_fault = stop_s < act.depart[ended]
        reason = np.where(by_fault, STOP_REASON_BY_ERROR[fault_code[ch]], "EVDisconnected")
        self._record(act, ended, stop_s, reason, undelivered=True)
        unplug = ~by_fault & ~(fault_code[ch] > 0)
        if unplug.any():
            self._status_out.append(
                charger_id=ch[unplug],
                time_s=act.depart[ended][unplug],
                status="Available",
                error_code="NoError",
            )

    def close_at_run_end(self, act: ActiveSessions, end_s: float) -> None:
        """Record every transaction of ``act`` as stopped by the run's end at ``end_s`` [s].

        ``meter_stop_wh`` and ``soc_end`` hold the energy charged up to the
        run end, ``stop_reason`` is :data:`~twin.devices.ev.records.END_OF_RUN`
        and ``energy_not_delivered_wh`` is 0 (the session goes on; what it
        will miss is not known). The charger's status does not change.
        """
        every = np.ones(act.ch.size, dtype=bool)
        stop_s = np.full(act.ch.size, float(end_s))
        self._record(act, every, stop_s, END_OF_RUN, undelivered=False)

    def _record(
        self,
        act: ActiveSessions,
        ended: NDArray[np.bool_],
        stop_s: NDArray[np.float64],
        reason: NDArray | str,
        *,
        undelivered: bool,
    ) -> None:
        s = self._s
        rows, ch = act.row[ended], act.ch[ended]
        start_wh = self._meter_start[rows]
        requested_wh = s.energy_kwh[rows] * 1000.0
        delivered_kwh = s.energy_kwh[rows] - act.need[ended]
        delivered_wh = delivered_kwh * 1000.0
        not_delivered_wh = np.maximum(requested_wh - delivered_wh, 0.0) if undelivered else 0.0
        self.out.append(
            transaction_id=self._txn[rows],
            charger_id=ch,
            connector=1,
            premise=self._premise[ch],
            start_s=np.maximum(act.arrive[ended], 0),
            stop_s=np.ceil(stop_s),
            departure_s=act.depart[ended],
            meter_start_wh=np.round(start_wh),
            meter_stop_wh=np.round(start_wh + delivered_wh),
            soc_start=s.soc_start[rows],
            soc_end=s.soc_start[rows] + delivered_kwh / s.battery_kwh[rows],
            stop_reason=reason,
            energy_requested_wh=np.round(requested_wh),
            energy_not_delivered_wh=np.round(not_delivered_wh),
        )
