"""The legal metrology core of IR46 (OIML R46) dual-core meters, for a whole fleet.

The metrology core is the legally controlled half of the meter: it integrates
energy into registers, keeps the load-profile (interval) records and freezes
the daily billing registers. It is never upgraded and nothing outside it can
write its state. Its only way out is :class:`MetrologySlavePort`, the SPI
slave side, which answers read requests with copies.

Energy accounting is exact in integer watt-hours: each meter carries a
sub-watt-hour residual, the register advances by the whole watt-hours
accumulated, and the interval record is the register delta, so the interval
records of a meter always sum to its register change (no energy is created
or lost by rounding).

References
----------
OIML R 46-1/-2:2012, Active electrical energy meters (IR46), part 1, 5.3 and 5.11
(register resolution, non-volatile storage).
IEC 62056-6-2 (DLMS/COSEM), OBIS 1-0:1.8.0 (import), 1-0:2.8.0 (export),
1-0:99.1.0 (load profile), 0-0:98.1.0 (billing / daily freeze).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DailyFreeze",
    "IntervalRecords",
    "MetrologyCores",
    "MetrologySlavePort",
    "split_import_export_wh",
]

WH_PER_KW_S = 1.0 / 3600.0


def split_import_export_wh(p_kw: np.ndarray, dt_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Energy of one interval split by direction.

    Parameters
    ----------
    p_kw : numpy.ndarray
        Mean active power over the interval [kW], positive = import from the grid.
    dt_s : int
        Interval length [s].

    Returns
    -------
    import_wh, export_wh : numpy.ndarray
        Non-negative energies [Wh] (float).
    """
    e_wh = np.asarray(p_kw, dtype=np.float64) * (1000.0 * dt_s * WH_PER_KW_S)
    return np.maximum(e_wh, 0.0), np.maximum(-e_wh, 0.0)


@dataclass(frozen=True)
class IntervalRecords:
    """Load-profile records of every meter for a run of consecutive intervals.

    Arrays have shape (k, n): k intervals (oldest first) by n meters.

    Attributes
    ----------
    seq_no : numpy.ndarray
        Record sequence number per interval (shape (k,)), 0 for the first interval.
    interval_end_s : numpy.ndarray
        Interval-end stamp of each record [s since run start], shape (k,).
    import_wh, export_wh : numpy.ndarray
        Interval energy [Wh], int64, shape (k, n).
    """

    seq_no: np.ndarray
    interval_end_s: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray

    @property
    def count(self) -> int:
        """Number of intervals held."""
        return int(self.seq_no.shape[0])


@dataclass(frozen=True)
class DailyFreeze:
    """Registers frozen at one local midnight (billing snapshot).

    Attributes
    ----------
    freeze_time_s : int
        Freeze instant [s since run start].
    import_total_wh, export_total_wh : numpy.ndarray
        Register values [Wh], int64, one per meter.
    """

    freeze_time_s: int
    import_total_wh: np.ndarray
    export_total_wh: np.ndarray


class MetrologyCores:
    """Legal metrology cores of ``n`` meters.

    Parameters
    ----------
    n : int
        Number of meters.
    profile_capacity : int
        Interval records kept in the load-profile memory (a ring buffer)
        [intervals]. Records older than that are overwritten.
    freeze_capacity : int
        Daily freezes kept [days].

    Notes
    -----
    State is private. :meth:`port` gives the SPI slave side, the only
    interface the management core ever sees.
    """

    def __init__(self, n: int, *, profile_capacity: int = 192, freeze_capacity: int = 7):
        if n < 0 or profile_capacity < 1 or freeze_capacity < 1:
            raise ValueError(
                f"given n={n}, profile_capacity={profile_capacity}, "
                f"freeze_capacity={freeze_capacity}; expected n >= 0 and capacities >= 1"
            )
        self._n = n
        self._import_reg = np.zeros(n, dtype=np.int64)
        self._export_reg = np.zeros(n, dtype=np.int64)
        self._import_residual = np.zeros(n, dtype=np.float64)
        self._export_residual = np.zeros(n, dtype=np.float64)
        self._capacity = profile_capacity
        self._profile_import = np.zeros((profile_capacity, n), dtype=np.int64)
        self._profile_export = np.zeros((profile_capacity, n), dtype=np.int64)
        self._profile_end_s = np.zeros(profile_capacity, dtype=np.int64)
        self._next_seq = 0
        self._freezes: list[DailyFreeze] = []
        self._freeze_capacity = freeze_capacity
        self._port = MetrologySlavePort(self)

    @property
    def n(self) -> int:
        """Number of meters."""
        return self._n

    @property
    def next_seq(self) -> int:
        """Sequence number the next interval record will get."""
        return self._next_seq

    def integrate(self, p_kw: np.ndarray, *, dt_s: int, interval_end_s: int) -> None:
        """Integrate one interval's mean power into registers and a profile record.

        Parameters
        ----------
        p_kw : numpy.ndarray
            Mean active power per meter over the interval [kW], import positive.
        dt_s : int
            Interval length [s].
        interval_end_s : int
            Interval end [s since run start]; stamps the record.
        """
        p = np.asarray(p_kw, dtype=np.float64)
        if p.shape != (self._n,):
            raise ValueError(f"given p_kw of shape {p.shape}; expected ({self._n},)")
        if not np.all(np.isfinite(p)):
            raise ValueError("given non-finite p_kw; expected finite mean powers")
        e_imp, e_exp = split_import_export_wh(p, dt_s)
        d_imp = self._advance(self._import_reg, self._import_residual, e_imp)
        d_exp = self._advance(self._export_reg, self._export_residual, e_exp)
        slot = self._next_seq % self._capacity
        self._profile_import[slot] = d_imp
        self._profile_export[slot] = d_exp
        self._profile_end_s[slot] = interval_end_s
        self._next_seq += 1

    @staticmethod
    def _advance(register: np.ndarray, residual: np.ndarray, e_wh: np.ndarray) -> np.ndarray:
        total = residual + e_wh
        whole = np.floor(total)
        residual[:] = total - whole
        delta = whole.astype(np.int64)
        register += delta
        return delta

    def freeze_daily(self, freeze_time_s: int) -> None:
        """Freeze the registers (local midnight billing snapshot, OBIS 0-0:98.1.0)."""
        self._freezes.append(
            DailyFreeze(freeze_time_s, self._import_reg.copy(), self._export_reg.copy())
        )
        if len(self._freezes) > self._freeze_capacity:
            del self._freezes[0]

    def port(self) -> MetrologySlavePort:
        """The SPI slave side of the cores: read-only."""
        return self._port

    # read access used by the port only -------------------------------------------------

    def _records_since(self, seq: int, limit: int) -> IntervalRecords:
        oldest = max(0, self._next_seq - self._capacity)
        start = max(seq, oldest)
        stop = min(self._next_seq, start + max(limit, 0))
        seqs = np.arange(start, stop, dtype=np.int64)
        slots = seqs % self._capacity
        return IntervalRecords(
            seq_no=seqs,
            interval_end_s=self._profile_end_s[slots].copy(),
            import_wh=self._profile_import[slots].copy(),
            export_wh=self._profile_export[slots].copy(),
        )


class MetrologySlavePort:
    """SPI slave side of the metrology cores: answers reads, accepts no writes.

    Every answer is a copy, so nothing a caller does to it reaches the
    legal registers.
    """

    def __init__(self, cores: MetrologyCores):
        self.__cores = cores

    @property
    def n(self) -> int:
        """Number of meters behind the port."""
        return self.__cores.n

    @property
    def next_seq(self) -> int:
        """Sequence number of the next interval record."""
        return self.__cores.next_seq

    def read_registers(self) -> tuple[np.ndarray, np.ndarray]:
        """Current import and export registers [Wh] (copies), OBIS 1-0:1.8.0 / 2.8.0."""
        cores = self.__cores
        return cores._import_reg.copy(), cores._export_reg.copy()

    def read_intervals(self, since_seq: int, limit: int) -> IntervalRecords:
        """Up to ``limit`` interval records from sequence number ``since_seq`` on."""
        return self.__cores._records_since(since_seq, limit)

    def read_freezes(self, since_time_s: int) -> list[DailyFreeze]:
        """Daily freezes taken after ``since_time_s`` (copies)."""
        return [
            DailyFreeze(f.freeze_time_s, f.import_total_wh.copy(), f.export_total_wh.copy())
            for f in self.__cores._freezes
            if f.freeze_time_s > since_time_s
        ]
