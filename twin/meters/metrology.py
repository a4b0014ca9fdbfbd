"""The legal metrology core of IR46 (OIML R46) dual-core meters, for a whole fleet.

The metrology core is the legally controlled half of the meter: it integrates
energy into integer watt-hour registers (total and per tariff), keeps the
load profile (one record per interval, stamped by the meter's own clock),
tracks maximum demand, freezes the billing registers daily and monthly, and
seals its records in authenticated, chained blocks
(:mod:`twin.meters.sealing`). It is never upgraded and nothing outside it can
write its state. Its only way out is :class:`MetrologySlavePort`, the SPI
slave side, which answers read requests with copies.

Energy accounting is exact in integer watt-hours: each meter carries a
sub-watt-hour residual, the total register advances by the whole watt-hours
accumulated, the active tariff register by the same amount, and the interval
record is that delta. So interval records sum to the register change and the
tariff registers sum to the total, exactly. The registers integrate the
*measured* energy, true energy x (1 + fixed accuracy error)
(:mod:`twin.meters.accuracy`).

Register OBIS codes (IEC 62056-6-2): 1-0:1.8.0 import total, 1-0:1.8.n
import tariff n, 1-0:2.8.0 / 2.8.n export, 1-0:1.6.0 maximum demand,
1-0:99.1.0 load profile, 0-0:98.1.0 / 0-0:98.2.0 daily / monthly billing,
1-0:0.2.0 active (legal) firmware identifier.

References
----------
OIML R 46-1/-2:2012, Active electrical energy meters (IR46), 5.3 and 5.11
(register resolution, non-volatile storage), 6.1 (accuracy classes).
IEC 62056-6-2 (DLMS/COSEM) OBIS codes; IEC 62053-21 / EN 50470-3 (demand).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.meters.events import FIRMWARE_REFUSED, EventLog, EventRows
from twin.meters.records import BlockRead, IntervalRecords, SealedBlock
from twin.meters.sealing import ZERO_MAC, block_macs, header_matrix, record_matrix
from twin.meters.supply_events import SupplyMonitor

__all__ = [
    "FREEZE_COLUMNS",
    "MAX_TARIFFS",
    "MetrologyCores",
    "MetrologySlavePort",
    "split_import_export_wh",
]

WH_PER_KW_S = 1.0 / 3600.0
MAX_TARIFFS = 4
FREEZE_COLUMNS = (
    ("import_total_wh", "1-0:1.8.0"),
    *((f"import_t{i}_wh", f"1-0:1.8.{i}") for i in range(1, MAX_TARIFFS + 1)),
    ("export_total_wh", "1-0:2.8.0"),
    *((f"export_t{i}_wh", f"1-0:2.8.{i}") for i in range(1, MAX_TARIFFS + 1)),
    ("max_demand_w", "1-0:1.6.0"),
    ("max_demand_time_s", "1-0:1.6.0 (time)"),
)
"""Frozen values in a block header, with their OBIS codes (column order)."""


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


class MetrologyCores:
    """Legal metrology cores of ``n`` meters.

    Parameters
    ----------
    n : int
        Number of meters.
    profile_capacity : int
        Records kept in the load-profile ring [intervals]; older ones are overwritten.
    freeze_capacity : int
        Sealed blocks whose frozen values stay readable.
    accuracy_error : numpy.ndarray, optional
        Fixed relative error per meter [-]; default 0.
    demand_intervals : int
        Intervals per maximum-demand period.
    keys : sequence of bytes, optional
        Per-meter MAC keys; default 32 zero bytes each (tests).
    legal_firmware_id : str
        Active legal firmware identifier (1-0:0.2.0); immutable.
    meter_index : numpy.ndarray, optional
        Fleet index of each meter, sealed into its block headers and event MACs
        (its position in the whole fleet when this is a shard, so a record is
        authenticated the same whichever process meters it); default ``0 .. n-1``.

    Notes
    -----
    State is private. :meth:`port` gives the SPI slave side, the only
    interface the management core ever sees.
    """

    def __init__(
        self,
        n: int,
        *,
        profile_capacity: int = 192,
        freeze_capacity: int = 7,
        accuracy_error: np.ndarray | None = None,
        demand_intervals: int = 1,
        keys: Sequence[bytes] | None = None,
        legal_firmware_id: str = "MC-1.00",
        meter_index: np.ndarray | None = None,
        sag_pu: float = 0.90,
        swell_pu: float = 1.10,
    ):
        if n < 0 or profile_capacity < 1 or freeze_capacity < 1 or demand_intervals < 1:
            raise ValueError(
                f"given n={n}, profile_capacity={profile_capacity}, "
                f"freeze_capacity={freeze_capacity}, demand_intervals={demand_intervals}; "
                "expected n >= 0 and the others >= 1"
            )
        self._n = n
        self._gain = 1.0 + (
            np.zeros(n) if accuracy_error is None else np.asarray(accuracy_error, np.float64)
        )
        self._reg = np.zeros((2, MAX_TARIFFS + 1, n), dtype=np.int64)  # [imp/exp, total+t1..]
        self._residual = np.zeros((2, n), dtype=np.float64)
        self._capacity = profile_capacity
        self._ring = np.zeros((3, profile_capacity, n), dtype=np.int32)  # imp, exp, offset
        self._ring_end_s = np.zeros(profile_capacity, dtype=np.int64)
        self._next_seq = 0
        self._sealed_seq = 0
        self._demand_intervals = demand_intervals
        self._demand_wh = np.zeros(n, dtype=np.float64)
        self._demand_k = 0
        self._max_demand_w = np.zeros(n, dtype=np.float64)
        self._max_demand_time_s = np.zeros(n, dtype=np.int64)
        self._blocks: list[SealedBlock] = []
        self._block_meta: list[tuple[int, int, int, str]] = []
        self._freeze_capacity = freeze_capacity
        self._keys: Sequence[bytes] = keys if keys is not None else [ZERO_MAC] * n
        self._chain: list[bytes] = [ZERO_MAC] * n
        self._legal_firmware_id = legal_firmware_id
        self._index = (
            np.arange(n, dtype=np.int64)
            if meter_index is None
            else np.asarray(meter_index, dtype=np.int64).copy()
        )
        self.events = EventLog(self._keys, self._index)
        self._supply = SupplyMonitor(n, sag_pu=sag_pu, swell_pu=swell_pu)
        self._port = MetrologySlavePort(self)

    @property
    def n(self) -> int:
        """Number of meters."""
        return self._n

    @property
    def next_seq(self) -> int:
        """Sequence number the next interval record will get."""
        return self._next_seq

    @property
    def capacity(self) -> int:
        """Records the load-profile ring holds."""
        return self._capacity

    def integrate(
        self,
        p_kw: np.ndarray,
        *,
        dt_s: int,
        interval_end_s: int,
        tariff: int = 1,
        clock_offset_s: np.ndarray | None = None,
    ) -> None:
        """Integrate one interval's mean power into registers and a profile record.

        Parameters
        ----------
        p_kw : numpy.ndarray
            True mean active power per meter over the interval [kW], import positive.
        dt_s : int
            Interval length [s].
        interval_end_s : int
            Nominal interval end [s since run start].
        tariff : int
            Active tariff register, 1..4.
        clock_offset_s : numpy.ndarray, optional
            Meter clock minus true time at the interval end [s]; stamps the record.
        """
        p = np.asarray(p_kw, dtype=np.float64)
        if p.shape != (self._n,):
            raise ValueError(f"given p_kw of shape {p.shape}; expected ({self._n},)")
        if not np.all(np.isfinite(p)):
            raise ValueError("given non-finite p_kw; expected finite mean powers")
        if not 1 <= tariff <= MAX_TARIFFS:
            raise ValueError(f"given tariff {tariff}; expected 1..{MAX_TARIFFS}")
        e_imp, e_exp = split_import_export_wh(p * self._gain, dt_s)
        slot = self._next_seq % self._capacity
        for side, energy in ((0, e_imp), (1, e_exp)):
            total = self._residual[side] + energy
            whole = np.floor(total)
            self._residual[side] = total - whole
            delta = whole.astype(np.int64)
            self._reg[side, 0] += delta
            self._reg[side, tariff] += delta
            self._ring[side, slot] = delta
        if clock_offset_s is None:
            self._ring[2, slot] = 0
        else:
            self._ring[2, slot] = np.rint(clock_offset_s)
        self._ring_end_s[slot] = interval_end_s
        self._next_seq += 1
        self._demand_wh += e_imp
        self._demand_k += 1
        if self._demand_k == self._demand_intervals:
            demand_w = self._demand_wh * (3600.0 / (dt_s * self._demand_intervals))
            higher = demand_w > self._max_demand_w
            self._max_demand_w[higher] = demand_w[higher]
            self._max_demand_time_s[higher] = interval_end_s
            self._demand_wh[:] = 0.0
            self._demand_k = 0

    def freeze_daily(self, freeze_time_s: int, *, monthly: bool = False) -> SealedBlock | None:
        """Daily freeze (0-0:98.1.0), optionally also the monthly one (0-0:98.2.0), and seal.

        The monthly freeze carries the maximum demand of the month, then resets it.
        Returns the sealed block (None when no record was written since the last seal).
        """
        return self._seal(freeze_time_s, "monthly" if monthly else "daily")

    def seal_final(self, t_s: int) -> SealedBlock | None:
        """Seal the records since the last seal (end of a run); registers as of now."""
        return self._seal(t_s, "final")

    def _seal(self, t_s: int, kind: str) -> SealedBlock | None:
        count = self._next_seq - self._sealed_seq
        freeze = np.zeros((self._n, len(FREEZE_COLUMNS)), dtype=np.int64)
        freeze[:, : MAX_TARIFFS + 1] = self._reg[0].T
        freeze[:, MAX_TARIFFS + 1 : 2 * MAX_TARIFFS + 2] = self._reg[1].T
        if kind == "monthly":
            freeze[:, -2] = np.rint(self._max_demand_w)
            freeze[:, -1] = self._max_demand_time_s
            self._max_demand_w[:] = 0.0
            self._max_demand_time_s[:] = 0
        if count <= 0 and kind == "final":
            return None
        first = self._sealed_seq
        meters = np.arange(self._n, dtype=np.int64)
        imp, exp, off = self._slice(first, count, meters)
        macs = block_macs(
            self._keys,
            meters,
            header_matrix(self._index, first, count, freeze),
            record_matrix(imp, exp, off),
            self._chain,
        )
        block = SealedBlock(len(self._blocks), first, count, t_s, kind, freeze, macs, self._chain)
        self._chain = macs
        self._blocks.append(block)
        self._block_meta.append((first, count, t_s, kind))
        self._sealed_seq = self._next_seq
        self._prune()
        return block

    def _prune(self) -> None:
        """Free the frozen values and MACs of blocks beyond the freeze memory."""
        for block in self._blocks[: -self._freeze_capacity]:
            if block.macs:
                block.macs = []
                block.previous = []
                block.freeze = np.zeros((0, len(FREEZE_COLUMNS)), dtype=np.int64)

    def _slice(
        self, first: int, count: int, meters: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        slots = np.arange(first, first + count) % self._capacity
        ring = self._ring
        if meters.shape[0] == self._n and np.array_equal(meters, np.arange(self._n)):
            # every meter in order (a seal or a full collection): one gather
            sub = ring[:, slots]
        else:
            sub = ring[:, slots[:, None], meters[None, :]]
        return sub[0], sub[1], sub[2]

    def port(self) -> MetrologySlavePort:
        """The SPI slave side of the cores: read-only."""
        return self._port

    def observe_supply(
        self,
        t_s: float,
        vm_pu: np.ndarray | None,
        relay_closed: np.ndarray,
        offset_s: np.ndarray,
    ) -> None:
        """Log the supply events of one interval (:mod:`twin.meters.supply_events`).

        Parameters
        ----------
        t_s : float
            True time of the observation, the interval end [s].
        vm_pu : numpy.ndarray or None
            Voltage at each meter's bus [pu] (NaN: de-energised); None when
            the power flow did not converge.
        relay_closed : numpy.ndarray
            Disconnector closed, per meter.
        offset_s : numpy.ndarray
            Each meter's clock offset at ``t_s`` [s] (events are stamped by the meter clock).
        """
        for code, meters in self._supply.observe(vm_pu, relay_closed):
            self.log_event(meters, t_s, offset_s[meters], code)

    def log_event(
        self, meters: np.ndarray, t_s: float, offset_s: np.ndarray, code: int, detail: str = ""
    ) -> None:
        """Append a legal event for ``meters`` at true time ``t_s`` (stamped by their clocks)."""
        if meters.size:
            self.events.log(meters, t_s + offset_s, code, detail)

    # read access used by the port only -------------------------------------------------

    def _records_since(self, seq: int, limit: int) -> IntervalRecords:
        oldest = max(0, self._next_seq - self._capacity)
        start = max(seq, oldest)
        stop = min(self._next_seq, start + max(limit, 0))
        seqs = np.arange(start, stop, dtype=np.int64)
        slots = seqs % self._capacity
        return IntervalRecords(
            seq_no=seqs,
            interval_end_s=self._ring_end_s[slots].copy(),
            import_wh=self._ring[0, slots].astype(np.int64),
            export_wh=self._ring[1, slots].astype(np.int64),
            offset_s=self._ring[2, slots].copy(),
        )


class MetrologySlavePort:
    """SPI slave side of the metrology cores: answers reads, accepts no writes.

    Every answer is a copy, so nothing a caller does to it reaches the
    legal registers. A firmware image aimed at the metrology core is refused
    (:meth:`offer_firmware`) and the refusal logged.
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

    @property
    def capacity(self) -> int:
        """Records the load-profile ring holds."""
        return self.__cores.capacity

    @property
    def meter_index(self) -> np.ndarray:
        """Fleet index of each meter, as sealed into its records (a copy)."""
        return self.__cores._index.copy()

    @property
    def legal_firmware_id(self) -> str:
        """Active legal firmware identifier, OBIS 1-0:0.2.0 (never changes)."""
        return self.__cores._legal_firmware_id

    def read_registers(self) -> tuple[np.ndarray, np.ndarray]:
        """Current import and export totals [Wh] (copies), OBIS 1-0:1.8.0 / 2.8.0."""
        reg = self.__cores._reg
        return reg[0, 0].copy(), reg[1, 0].copy()

    def read_tariff_registers(self) -> tuple[np.ndarray, np.ndarray]:
        """Import and export per tariff [Wh], shape (4, n) (copies), OBIS 1.8.n / 2.8.n."""
        reg = self.__cores._reg
        return reg[0, 1:].copy(), reg[1, 1:].copy()

    def read_intervals(self, since_seq: int, limit: int) -> IntervalRecords:
        """Up to ``limit`` interval records from sequence number ``since_seq`` on."""
        return self.__cores._records_since(since_seq, limit)

    @property
    def blocks(self) -> list[tuple[int, int, int, str]]:
        """(first_seq, count, seal_time_s, kind) of every block sealed so far (the cores'
        own list, kept as they seal: read it, never change it)."""
        return self.__cores._block_meta

    def block_available(self, block: int) -> bool:
        """Whether every record of ``block`` is still in the ring (not overwritten)."""
        cores = self.__cores
        b = cores._blocks[block]
        return b.first_seq >= cores.next_seq - cores.capacity and bool(b.macs)

    def read_block(self, block: int, meters: np.ndarray) -> BlockRead:
        """Records, frozen values and MACs of ``block`` for ``meters`` (copies)."""
        cores = self.__cores
        b = cores._blocks[block]
        if not self.block_available(block):
            raise ValueError(f"block {block} has been overwritten; expected a newer block")
        imp, exp, off = cores._slice(b.first_seq, b.count, meters)
        return BlockRead(
            block,
            b.first_seq,
            b.count,
            meters.copy(),
            imp,
            exp,
            off,
            b.freeze[meters],
            [b.macs[m] for m in meters.tolist()],
            [b.previous[m] for m in meters.tolist()],
        )

    def read_events(self, meters: np.ndarray) -> EventRows:
        """Undelivered legal event records of ``meters`` (handed over once)."""
        return self.__cores.events.take(meters)

    def offer_firmware(self, meters: np.ndarray, t_s: float, offset_s: np.ndarray) -> None:
        """A firmware image for the legal core: always refused, the refusal logged."""
        self.__cores.log_event(meters, t_s, offset_s, FIRMWARE_REFUSED, "legal core immutable")
