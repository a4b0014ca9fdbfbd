"""What the study keeps over the whole run: area series, meter totals, suspects' readings.

The first pass over the readings keeps, per area and interval, the measured
loss, the technical estimate and whether the interval is usable
(:class:`AreaSeries`), and per meter its total import and the means of the two
halves of the run (:class:`MeterTotals`). The second pass reads the interval
consumption of the meters of the areas to rank (:func:`collect_consumption`),
summed into blocks of consecutive intervals when the run is long, and per
local day the sums of their shape features
(:class:`~twin.studies.losses.shapes.DayStats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY
from twin.streams import RunClock
from twin.studies.inputs import InternalData
from twin.studies.losses.balance import WindowBalance
from twin.studies.losses.days import LocalDay
from twin.studies.losses.readings import (
    ESTIMATED,
    METER_TABLE,
    VALID,
    Readings,
    read_window,
)
from twin.studies.losses.shapes import DayStats, day_slots

__all__ = [
    "AreaSeries",
    "MeterTotals",
    "SuspectReadings",
    "block_length",
    "block_slots",
    "collect_consumption",
    "local_seconds",
]


def block_length(n_intervals: int, max_rows: int) -> int:
    """Intervals per block so that a run of ``n_intervals`` gives at most ``max_rows`` blocks."""
    return max(1, -(-n_intervals // max_rows))


def block_slots(clock: RunClock, block: int) -> tuple[NDArray[np.int64], int]:
    """Time-of-day slot of every block (from its first interval's local start), and their count.

    A slot is ``block`` intervals long; a local day has ``ceil(86,400 s / (block x interval))``.
    """
    length = block * clock.interval_s
    first = local_seconds(clock)[:: max(block, 1)]
    return (first // length).astype(np.int64), max(1, -(-SECONDS_PER_DAY // length))


def _blocks(values: NDArray, block: int) -> NDArray:
    """Sums over consecutive blocks of ``block`` columns (the last one may be shorter)."""
    n = values.shape[-1]
    starts = np.arange(0, n, block)
    result: NDArray = np.add.reduceat(values, starts, axis=-1) if n else values
    return result


@dataclass
class AreaSeries:
    """Area x interval series over the run [Wh].

    Attributes
    ----------
    loss_wh : numpy.ndarray
        Measured loss (supply - sales).
    technical_wh : numpy.ndarray
        Technical estimate (LV lines, plus the transformer where asked).
    valid : numpy.ndarray
        bool: area meter valid and no meter of the area without a reading.
    """

    loss_wh: NDArray[np.float64]
    technical_wh: NDArray[np.float64]
    valid: NDArray[np.bool_]

    @classmethod
    def empty(cls, n_areas: int, n_intervals: int) -> AreaSeries:
        """All-NaN series, nothing valid."""
        shape = (n_areas, n_intervals)
        return cls(np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape, dtype=bool))

    def store(self, first: int, balance: WindowBalance, *, with_transformer: bool) -> None:
        """Keep the window starting at interval ``first``."""
        stop = first + balance.supply_wh.shape[1]
        self.loss_wh[:, first:stop] = balance.supply_wh - balance.sales_wh
        technical = balance.line_loss_wh
        if with_transformer:
            technical = technical + balance.trafo_copper_wh + balance.trafo_iron_wh
        self.technical_wh[:, first:stop] = technical
        self.valid[:, first:stop] = balance.area_valid & (balance.customers_missing == 0)

    def blocks(
        self, area: int, block: int, among: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray, NDArray, NDArray[np.bool_]]:
        """Loss, technical estimate and usability of one area, summed into blocks.

        Parameters
        ----------
        area : int
            The area's index.
        block : int
            Intervals per block.
        among : numpy.ndarray, optional
            bool per interval: only blocks whose every interval is in it are usable.
        """
        usable = self.valid[area] if among is None else self.valid[area] & among
        full = _blocks(np.ones(self.valid.shape[1], dtype=np.int64), block)
        valid = _blocks(usable.astype(np.int64), block) == full
        loss = _blocks(np.where(self.valid[area], self.loss_wh[area], 0.0), block)
        technical = _blocks(np.where(self.valid[area], self.technical_wh[area], 0.0), block)
        return loss, technical, valid


@dataclass
class MeterTotals:
    """Per meter: total valid import, and valid import and intervals per half of the run.

    Attributes
    ----------
    import_wh : numpy.ndarray
        Import over readings that are not missing [Wh] (estimated included).
    half_wh, half_n : numpy.ndarray, shape (meters, 2)
        Import [Wh] and count of ``ok``/``backfilled`` intervals, first and second half.
    """

    import_wh: NDArray[np.float64]
    half_wh: NDArray[np.float64]
    half_n: NDArray[np.int64]

    @classmethod
    def empty(cls, n_meters: int) -> MeterTotals:
        """Zeros."""
        return cls(np.zeros(n_meters), np.zeros((n_meters, 2)), np.zeros((n_meters, 2), np.int64))

    def add(self, readings: Readings, first: int, n_intervals: int) -> None:
        """Add a window of the register's readings starting at interval ``first``."""
        self.import_wh += readings.import_wh.sum(axis=1)
        index = first + np.arange(readings.state.shape[1])
        second = index >= n_intervals // 2
        valid = readings.state == VALID
        for half, columns in enumerate((~second, second)):
            self.half_wh[:, half] += np.where(
                valid[:, columns], readings.import_wh[:, columns], 0
            ).sum(axis=1)
            self.half_n[:, half] += valid[:, columns].sum(axis=1)


def local_seconds(clock: RunClock) -> NDArray[np.int64]:
    """Seconds since local midnight of every interval start."""
    starts = clock.local_interval_starts
    result: NDArray[np.int64] = (
        np.asarray(starts.hour, dtype=np.int64) * 3600
        + np.asarray(starts.minute, dtype=np.int64) * 60
        + np.asarray(starts.second, dtype=np.int64)
    )
    return result


@dataclass(frozen=True)
class SuspectReadings:
    """The candidates' readings over the run, as the ranking uses them.

    Attributes
    ----------
    consumption_wh : numpy.ndarray, shape (meters, blocks)
        Import summed into blocks [Wh] (0 where missing).
    readable : numpy.ndarray, shape (meters, blocks)
        bool: no interval of the block lacks a reading.
    stats : DayStats
        Per meter and local day: the sums of the shape features, from the
        interval readings (not the blocks).
    """

    consumption_wh: NDArray[np.float64]
    readable: NDArray[np.bool_]
    stats: DayStats


def collect_consumption(
    internal: InternalData,
    clock: RunClock,
    meter_ids: pd.Index,
    days: Sequence[LocalDay],
    windows: Sequence[tuple[int, int]],
    block: int,
) -> SuspectReadings:
    """Interval import of ``meter_ids`` over the run, in blocks and as daily shape sums.

    Parameters
    ----------
    internal : InternalData
        The run's internal tables.
    clock : RunClock
        The run's interval grid.
    meter_ids : pandas.Index
        The meters wanted (output row order).
    days : sequence of LocalDay
        The run's local days, in order.
    windows : sequence of (first, stop)
        The windows of intervals to read (whole local days, in order).
    block : int
        Intervals per block (:func:`block_length`).

    Returns
    -------
    SuspectReadings
        Blocks and day statistics (``valid``: ``ok`` or ``backfilled``
        readings; an estimated reading counts in the blocks, not in the shapes).
    """
    n = clock.n_intervals
    size = np.bincount(np.arange(n) // block)
    values = np.zeros((len(meter_ids), len(size)))
    present = np.zeros((len(meter_ids), len(size)), dtype=np.int32)
    stats = DayStats.empty(len(meter_ids), len(days))
    slots = day_slots(local_seconds(clock), clock.interval_s)
    n_slots = -(-SECONDS_PER_DAY // clock.interval_s)
    day_of = {d.first: i for i, d in enumerate(days)}
    previous: NDArray[np.float64] | None = None
    for first, stop in windows:
        window = read_window(internal, METER_TABLE, "meter_id", meter_ids, clock, first, stop)
        column = (first + np.arange(stop - first)) // block
        starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        read = (window.state == VALID) | (window.state == ESTIMATED)
        values[:, column[starts]] += np.add.reduceat(window.import_wh, starts, axis=1)
        present[:, column[starts]] += np.add.reduceat(read.astype(np.int32), starts, axis=1)
        for day in days[day_of[first] :]:
            if day.first >= stop:
                break
            part = window.part(day.first - first, day.stop - first)
            previous = stats.add_day(
                day_of[day.first],
                part.import_wh,
                part.state == VALID,
                slots[day.first : day.stop],
                previous,
                n_slots,
            )
    return SuspectReadings(values, present == size, stats)
