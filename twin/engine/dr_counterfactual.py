"""truth/dr_counterfactual: the enrolled premises' power had there been no event.

A shadow copy of the enrolled premises' behind-the-meter devices (made from
the same random draws, :func:`twin.engine.der.create_der` restricted to them)
advances in lockstep with the same inputs but never receives a signal. The
counterfactual premise power is then::

    p_kw = p_kw_actual - actual device power + shadow device power

over the responsive devices (thermal loads, EV home charging, battery); every
other part of the premise is the same in both. The indoor and tank
temperatures of both sides are kept too, so comfort can be scored. A premise has rows for every
interval within 24 h of an event addressed to its area (``all``, or its
transformer's): from 24 h before the start to 24 h after the end, windows
merged, so that a shard holding the premise's area writes the same rows.
Since an event may be called less than 24 h ahead, each interval is decided
:data:`WINDOW_S` after its end, from a rolling buffer.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from twin.clock import TimeAxis, utc_stamps
from twin.streams import RunWriter

__all__ = ["COLUMNS", "WINDOW_S", "CounterfactualRecorder"]

COLUMNS: Final = ("p_kw", "p_kw_actual", "indoor_c", "indoor_c_actual", "tank_c", "tank_c_actual")
"""The table's value columns: the premise's mean power [kW], the indoor temperature and the
hot-water tank temperature at the interval end [degC] (NaN where the premise has none), each
had there been no event, then as it was."""

WINDOW_S: Final = 86_400
"""Rows are kept from this long before an event's start to this long after its end [s]."""


class CounterfactualRecorder:
    """Buffers the last :data:`WINDOW_S` of counterfactual power and writes what falls in a window.

    Parameters
    ----------
    writer : RunWriter
        The run's writer.
    axis : TimeAxis
        The run's intervals.
    premise_ids, meter_ids : list of str
        Identifiers of the enrolled premises (the shadow's members, in order).
    transformer : numpy.ndarray
        ``net.trafo`` index of each one's area.
    """

    TABLE: Final = "truth/dr_counterfactual"

    def __init__(
        self,
        writer: RunWriter,
        axis: TimeAxis,
        premise_ids: list[str],
        meter_ids: list[str],
        transformer: NDArray[np.int64],
    ) -> None:
        self.axis = axis
        self._w = writer.table(self.TABLE)
        self._premises = pa.array(premise_ids, pa.string())
        self._meters = pa.array(meter_ids, pa.string())
        self._lag = max(1, -(-WINDOW_S // axis.interval_s))
        n = len(premise_ids)
        # per slot: p_kw, p_kw_actual, indoor_c, indoor_c_actual, tank_c, tank_c_actual
        self._buffer = np.zeros((self._lag + 1, len(COLUMNS), n))
        self._next = 0  # first interval not yet decided
        self._transformer = np.asarray(transformer, dtype=np.int64)
        self._windows: list[tuple[int, int, int | None]] = []

    def add_event(self, start_s: int, end_s: int, transformer: int | None) -> None:
        """An event for ``transformer``'s area (None: all) was called: keep the intervals
        around it."""
        self._windows.append((start_s - WINDOW_S, end_s + WINDOW_S, transformer))

    def interval(self, k: int, *columns: NDArray[np.float64]) -> None:
        """Buffer interval ``k`` (one array per :data:`COLUMNS`, counterfactual then actual);
        write the interval that has left the buffer, if in a window."""
        self._buffer[k % (self._lag + 1)] = np.stack(columns)
        while self._next <= k - self._lag:
            self._decide(self._next)
            self._next += 1

    def finish(self) -> None:
        """Decide the intervals still buffered at the run end."""
        while self._next < self.axis.n_intervals:
            self._decide(self._next)
            self._next += 1

    def _decide(self, k: int) -> None:
        end_s = (k + 1) * self.axis.interval_s
        keep = np.zeros(len(self._premises), dtype=bool)
        for a, b, transformer in self._windows:
            if a < end_s <= b:
                keep |= True if transformer is None else self._transformer == transformer
        if not keep.any():
            return
        values = self._buffer[k % (self._lag + 1)]
        if keep.all():  # the usual case: no string gather
            premises, meters = self._premises, self._meters
            values = values.copy()
        else:
            rows = np.flatnonzero(keep)
            take = pa.array(rows)
            premises, meters = self._premises.take(take), self._meters.take(take)
            values = values[:, rows]
        stamps = utc_stamps(self.axis, float(end_s), len(premises))
        schema = self._w.schema
        cols = [
            pa.array(v, schema.field(name).type) for name, v in zip(COLUMNS, values, strict=True)
        ]
        self._w.append_batch(
            pa.RecordBatch.from_arrays([premises, meters, stamps, *cols], schema=schema)
        )
