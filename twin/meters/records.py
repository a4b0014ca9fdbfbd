"""What the metrology core keeps and hands out: load-profile records and sealed blocks.

Records are fleet-wide arrays (every meter at once, by local position);
:class:`SealedBlock` is the core's own, :class:`IntervalRecords` and
:class:`BlockRead` are the copies its SPI slave port answers with
(:mod:`twin.meters.metrology`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BlockRead", "IntervalRecords", "SealedBlock"]


@dataclass(frozen=True)
class IntervalRecords:
    """Load-profile records of every meter for a run of consecutive intervals.

    Attributes
    ----------
    seq_no : numpy.ndarray
        Record sequence number per interval (shape (k,)), 0 for the first interval.
    interval_end_s : numpy.ndarray
        Nominal interval end [s since run start], shape (k,).
    import_wh, export_wh : numpy.ndarray
        Interval energy [Wh], int64, shape (k, n).
    offset_s : numpy.ndarray
        Meter clock minus true time at the record's stamp [s], int32, shape (k, n).
    """

    seq_no: np.ndarray
    interval_end_s: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray
    offset_s: np.ndarray

    @property
    def count(self) -> int:
        """Number of intervals held."""
        return int(self.seq_no.shape[0])


@dataclass
class SealedBlock:
    """One sealed block of load-profile records (fleet-wide: all meters at once).

    Attributes
    ----------
    index : int
        Block number, 0 first.
    first_seq, count : int
        Sequence number of the first record and the number of records.
    seal_time_s : int
        When it was sealed [s since run start].
    kind : str
        'daily' (sealed at a daily freeze), 'monthly' (daily freeze that is
        also the monthly one) or 'final' (partial block at the end of the run).
    freeze : numpy.ndarray
        int64 (n, len(FREEZE_COLUMNS)): the frozen values (registers at the seal).
    macs : list of bytes
        MAC per meter.
    previous : list of bytes
        The chain value each MAC was computed on (the meter's previous MAC).
    """

    index: int
    first_seq: int
    count: int
    seal_time_s: int
    kind: str
    freeze: np.ndarray
    macs: list[bytes]
    previous: list[bytes]


@dataclass(frozen=True)
class BlockRead:
    """What the SPI slave answers for one block and some meters (copies)."""

    block: int
    first_seq: int
    count: int
    meters: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray
    offset_s: np.ndarray
    freeze: np.ndarray
    macs: list[bytes]
    previous: list[bytes]
