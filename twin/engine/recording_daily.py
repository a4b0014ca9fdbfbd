"""Daily extremes of a per-interval grid quantity (``outputs.*: daily_extremes``).

Instead of one row per bus (line) and interval, one row per bus (line) and
local day: the day's minimum, maximum and mean, and the UTC interval end at
which the minimum and maximum were first reached. Running arrays are updated
once per interval for the whole network, so memory is a few arrays whatever
the run's length, and a day is written when its last interval has been added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from twin.clock import TimeAxis
from twin.streams import TableWriter

__all__ = ["DailyExtremes", "DailyTable", "DayRows"]


@dataclass(frozen=True)
class DayRows:
    """The extremes of one local day, one entry per element.

    Attributes
    ----------
    minimum, maximum, mean : numpy.ndarray
        Over the day's finite values, as float32 (NaN where the element had none).
    min_us, max_us : numpy.ndarray
        UTC interval end of the first minimum / maximum [µs since the epoch]; -1 where none.
    count : numpy.ndarray
        Intervals with a finite value (int32).
    """

    minimum: np.ndarray
    maximum: np.ndarray
    mean: np.ndarray
    min_us: np.ndarray
    max_us: np.ndarray
    count: np.ndarray


class DailyExtremes:
    """Running minimum, maximum and sum of ``n`` elements over the intervals of a day.

    NaN values (an out-of-service bus, a power flow that did not converge) are
    left out, as ``numpy.nanmin`` would; ties keep the earliest interval.

    Parameters
    ----------
    n : int
        Number of elements (buses or lines).
    """

    def __init__(self, n: int):
        self.n = n
        self._reset()

    def _reset(self) -> None:
        self._min = np.full(self.n, np.inf, dtype=np.float32)
        self._max = np.full(self.n, -np.inf, dtype=np.float32)
        self._min_us = np.full(self.n, -1, dtype=np.int64)
        self._max_us = np.full(self.n, -1, dtype=np.int64)
        self._sum = np.zeros(self.n, dtype=np.float64)
        self._count = np.zeros(self.n, dtype=np.int32)

    def add(self, values: np.ndarray, end_us: int) -> None:
        """Take one interval's values (float32, one per element) ending at ``end_us`` [µs UTC]."""
        finite = np.isfinite(values)
        lower = finite & (values < self._min)
        self._min[lower] = values[lower]
        self._min_us[lower] = end_us
        higher = finite & (values > self._max)
        self._max[higher] = values[higher]
        self._max_us[higher] = end_us
        self._sum += np.where(finite, values, 0.0)
        self._count += finite

    def take(self) -> DayRows:
        """The day's rows; the running arrays start a new day."""
        seen = self._count > 0
        nan = np.float32(np.nan)
        mean = np.divide(self._sum, self._count, out=np.full(self.n, np.nan), where=seen)
        rows = DayRows(
            minimum=np.where(seen, self._min, nan),
            maximum=np.where(seen, self._max, nan),
            mean=mean.astype(np.float32),
            min_us=self._min_us,
            max_us=self._max_us,
            count=self._count,
        )
        self._reset()
        return rows


def _stamps(us: np.ndarray) -> pa.Array:
    """UTC timestamps of µs values, null where -1."""
    return pa.array(us, pa.int64(), mask=us < 0).cast(pa.timestamp("us", tz="UTC"))


class DailyTable:
    """Writes ``internal/bus_voltage_daily`` or ``internal/line_daily`` day by day.

    Parameters
    ----------
    table : TableWriter
        The daily table being written.
    axis : TimeAxis
        The run's time axis: a day is the local date of an interval's start
        (the interval ending at local midnight belongs to the day it closes).
    ids : pyarrow.Array
        Bus (line) id of each element, int64.
    quantity : str
        ``vm`` (voltages: minimum, maximum, mean) or ``loading`` (line loading:
        maximum and mean).
    """

    def __init__(self, table: TableWriter, axis: TimeAxis, ids: pa.Array, quantity: str):
        if quantity not in ("vm", "loading"):
            raise ValueError(f"quantity given {quantity!r}; expected 'vm' or 'loading'")
        self.table = table
        self.axis = axis
        self.ids = ids
        self.quantity = quantity
        self._days = axis.local_day
        self._extremes = DailyExtremes(len(ids))

    def add(self, end_s: int, values: np.ndarray) -> None:
        """Take the values of the interval ending at ``end_s`` [s since the run start];
        writes the day's rows after its last interval (or the run's)."""
        k = end_s // self.axis.interval_s - 1
        self._extremes.add(values, int(self.axis.utc_us(end_s).astype(np.int64)))
        last = k + 1 >= self.axis.n_intervals or self._days[k + 1] != self._days[k]
        if last:
            self._write(int(self._days[k]))

    def _write(self, day: int) -> None:
        rows = self._extremes.take()
        n = len(self.ids)
        days = pa.array(np.full(n, day, dtype=np.int32), pa.int32()).cast(pa.date32())
        if self.quantity == "vm":
            columns = [
                self.ids,
                days,
                pa.array(rows.minimum, pa.float32()),
                _stamps(rows.min_us),
                pa.array(rows.maximum, pa.float32()),
                _stamps(rows.max_us),
                pa.array(rows.mean, pa.float32()),
                pa.array(rows.count, pa.int32()),
            ]
        else:
            columns = [
                self.ids,
                days,
                pa.array(rows.maximum, pa.float32()),
                _stamps(rows.max_us),
                pa.array(rows.mean, pa.float32()),
                pa.array(rows.count, pa.int32()),
            ]
        self.table.append_batch(pa.RecordBatch.from_arrays(columns, schema=self.table.schema))
