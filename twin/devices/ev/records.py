"""OCPP 1.6 vocabulary and the columnar record buffers of the EV fleet.

References
----------
.. [1] Open Charge Alliance (2017), "Open Charge Point Protocol 1.6, edition
   2": 7.7 ChargePointErrorCode, 7.8 ChargePointStatus, 7.39 Reason.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CHARGER_STATUSES",
    "END_OF_RUN",
    "ERROR_CODES",
    "SESSION_COLUMNS",
    "STATUS_COLUMNS",
    "STOP_REASONS",
    "RecordBuffer",
]

CHARGER_STATUSES: Final = (
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
)
"""OCPP 1.6 ChargePointStatus values (the fleet emits Available, Charging,
SuspendedEVSE, SuspendedEV and Faulted)."""

ERROR_CODES: Final = (
    "NoError",
    "ConnectorLockFailure",
    "EVCommunicationError",
    "GroundFailure",
    "HighTemperature",
    "InternalError",
    "LocalListConflict",
    "OtherError",
    "OverCurrentFailure",
    "OverVoltage",
    "PowerMeterFailure",
    "PowerSwitchFailure",
    "ReaderFailure",
    "ResetFailure",
    "UnderVoltage",
    "WeakSignal",
)
"""OCPP 1.6 ChargePointErrorCode values."""

STOP_REASONS: Final = (
    "DeAuthorized",
    "EmergencyStop",
    "EVDisconnected",
    "HardReset",
    "Local",
    "Other",
    "PowerLoss",
    "Reboot",
    "Remote",
    "SoftReset",
    "UnlockCommand",
)
"""OCPP 1.6 StopTransaction Reason values."""

END_OF_RUN: Final = "EndOfRun"
"""Stop reason of a session still open when the run ends (not an OCPP 1.6 Reason):
its record holds the energy up to the run end, which is its stop time."""

SESSION_COLUMNS: Final = {
    "transaction_id": np.int64,
    "charger_id": np.int64,
    "connector": np.int64,
    "premise": np.int64,
    "start_s": np.int64,
    "stop_s": np.int64,
    "departure_s": np.int64,
    "meter_start_wh": np.int64,
    "meter_stop_wh": np.int64,
    "soc_start": np.float64,
    "soc_end": np.float64,
    "stop_reason": np.object_,
    "energy_requested_wh": np.int64,
    "energy_not_delivered_wh": np.int64,
}
"""Columns of :meth:`~twin.devices.ev.EvFleet.finished_sessions` and their dtypes."""

STATUS_COLUMNS: Final = {
    "charger_id": np.int64,
    "time_s": np.int64,
    "status": np.object_,
    "error_code": np.object_,
}
"""Columns of :meth:`~twin.devices.ev.EvFleet.status_changes` and their dtypes."""


class RecordBuffer:
    """Append columnar chunks; drain them as one dict of arrays.

    Parameters
    ----------
    columns : dict
        Column name to numpy dtype.
    sort_by : tuple of str
        Columns to sort the drained rows by (last key primary, as lexsort).
    """

    def __init__(self, columns: dict[str, type], sort_by: tuple[str, ...]) -> None:
        """Empty buffer with the given columns."""
        self._columns = columns
        self._sort_by = sort_by
        self._chunks: list[tuple[int, dict[str, NDArray | object]]] = []

    def append(self, **chunk: NDArray | object) -> None:
        """Add rows; scalars are broadcast to the length of the array columns."""
        n = max(np.size(v) for v in chunk.values() if isinstance(v, np.ndarray))
        if n:
            self._chunks.append((n, chunk))

    def drain(self) -> dict[str, NDArray]:
        """All rows appended since the last drain, sorted, as fresh arrays."""
        chunks, self._chunks = self._chunks, []
        if not chunks:
            return {name: np.zeros(0, dtype=dt) for name, dt in self._columns.items()}
        out = {
            name: np.concatenate([_column(c[name], dt, n) for n, c in chunks])
            for name, dt in self._columns.items()
        }
        order = np.lexsort(tuple(out[k] for k in self._sort_by))
        return {name: col[order] for name, col in out.items()}


def _column(value: object, dtype: type, n: int) -> NDArray:
    if isinstance(value, np.ndarray) and value.shape == (n,):
        return value.astype(dtype, copy=False)
    return np.full(n, value, dtype=dtype)
