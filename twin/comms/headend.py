"""The head-end system (HES): receives meter data and hands it to the utility's stores.

In this first cut the channel between the management cores and the HES is
ideal (no loss, fixed delay): every record the management core reads arrives
once, with quality ``ok``. The HES keeps the last sequence number per fleet
to refuse duplicates and to count gaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twin.meters.management import PollResult

__all__ = ["HeadEnd", "HeadEndStats", "IntervalBatch", "RegisterBatch"]

QUALITY_OK = 0
QUALITY_CODES = ("ok", "backfilled", "estimated", "missing")
"""Reading quality, after IEC 61968-9 ReadingQuality categories (0 valid, 8 estimated)."""


@dataclass(frozen=True)
class IntervalBatch:
    """Interval readings of all meters for some intervals, long format (interval-major).

    Attributes
    ----------
    meter : numpy.ndarray
        Meter index, int32.
    seq_no : numpy.ndarray
        Load-profile sequence number, int64.
    interval_end_s : numpy.ndarray
        Interval end [s since run start], int64.
    import_wh, export_wh : numpy.ndarray
        Interval energy [Wh], int64.
    quality : numpy.ndarray
        Index into :data:`QUALITY_CODES`, int8.
    received_at_s : numpy.ndarray
        Arrival at the HES [s since run start], float64.
    """

    meter: np.ndarray
    seq_no: np.ndarray
    interval_end_s: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray
    quality: np.ndarray
    received_at_s: np.ndarray


@dataclass(frozen=True)
class RegisterBatch:
    """Daily frozen registers of all meters at one freeze instant."""

    meter: np.ndarray
    freeze_time_s: int
    import_total_wh: np.ndarray
    export_total_wh: np.ndarray


@dataclass
class HeadEndStats:
    """What the HES received."""

    interval_readings: int = 0
    register_readings: int = 0
    duplicates_refused: int = 0
    gaps: int = 0
    import_wh: int = 0
    export_wh: int = 0


class HeadEnd:
    """Head-end system for a fleet of ``n`` meters.

    Parameters
    ----------
    n : int
        Number of meters.
    on_intervals : callable
        Receives each :class:`IntervalBatch` (the meter-data store).
    on_registers : callable
        Receives each :class:`RegisterBatch`.
    """

    def __init__(
        self,
        n: int,
        *,
        on_intervals: Callable[[IntervalBatch], None],
        on_registers: Callable[[RegisterBatch], None],
    ):
        self.n = n
        self._on_intervals = on_intervals
        self._on_registers = on_registers
        self._meter = np.arange(n, dtype=np.int32)
        self._next_seq = 0
        self.stats = HeadEndStats()

    def receive(self, poll: PollResult, *, received_at_s: float) -> None:
        """Accept what the management cores read in one poll.

        Parameters
        ----------
        poll : PollResult
            Records and freezes read over SPI.
        received_at_s : float
            Arrival time at the HES [s since run start].
        """
        rec = poll.intervals
        if rec.count:
            fresh = rec.seq_no >= self._next_seq
            self.stats.duplicates_refused += int((~fresh).sum()) * self.n
            if fresh.any():
                first = int(rec.seq_no[fresh][0])
                self.stats.gaps += max(0, first - self._next_seq) * self.n
                self._emit_intervals(
                    rec.seq_no[fresh],
                    rec.interval_end_s[fresh],
                    rec.import_wh[fresh],
                    rec.export_wh[fresh],
                    received_at_s,
                )
                self._next_seq = int(rec.seq_no[fresh][-1]) + 1
        for freeze in poll.freezes:
            self.stats.register_readings += self.n
            self._on_registers(
                RegisterBatch(
                    self._meter,
                    freeze.freeze_time_s,
                    freeze.import_total_wh,
                    freeze.export_total_wh,
                )
            )

    def _emit_intervals(
        self,
        seq_no: np.ndarray,
        end_s: np.ndarray,
        import_wh: np.ndarray,
        export_wh: np.ndarray,
        received_at_s: float,
    ) -> None:
        k, n = import_wh.shape
        batch = IntervalBatch(
            meter=np.tile(self._meter, k),
            seq_no=np.repeat(seq_no, n),
            interval_end_s=np.repeat(end_s, n),
            import_wh=import_wh.reshape(-1),
            export_wh=export_wh.reshape(-1),
            quality=np.full(k * n, QUALITY_OK, dtype=np.int8),
            received_at_s=np.full(k * n, received_at_s, dtype=np.float64),
        )
        self.stats.interval_readings += k * n
        self.stats.import_wh += int(import_wh.sum())
        self.stats.export_wh += int(export_wh.sum())
        self._on_intervals(batch)
