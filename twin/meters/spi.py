"""The SPI link between the metrology core (slave) and the management core (master).

In an IR46 dual-core meter the two cores exchange data only over SPI; the
management core is master and polls. Each meter has its own link; the fleet's
links are identical, so one object models them all and counts frames, bytes
and bus time per link.

References
----------
OIML R 46-1:2012 and the IR46 dual-core meter specifications (State Grid
Q/GDW 12175-2021): SPI frame = start, control code, length, data-item ids,
data, checksum, end; the management core is SPI master.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.meters.metrology import DailyFreeze, IntervalRecords, MetrologySlavePort

__all__ = ["FRAME_OVERHEAD_BYTES", "RECORD_BYTES", "SpiLink", "SpiStats"]

FRAME_OVERHEAD_BYTES = 12
"""Start, control code, length, data-item id, checksum and end bytes of one frame."""
RECORD_BYTES = 24
"""One load-profile record: sequence number (4), stamp (4), import (8), export (8)."""
FREEZE_BYTES = 20
"""One frozen register set: stamp (4), import (8), export (8)."""


@dataclass
class SpiStats:
    """Traffic on one meter's SPI link (the fleet's links are identical)."""

    transactions: int = 0
    frames: int = 0
    bytes: int = 0
    busy_s: float = 0.0
    deferred_polls: int = 0


class SpiLink:
    """Master-side handle of the SPI links of a fleet of meters.

    Parameters
    ----------
    port : MetrologySlavePort
        The slave side of the metrology cores.
    bit_rate_bps : int
        SPI clock [bit/s].
    frame_bytes : int
        Maximum frame size [byte], overhead included.
    queue_frames : int
        Frames the slave can queue for one poll; a longer answer is cut and
        the master reads the rest at its next poll.
    """

    def __init__(
        self, port: MetrologySlavePort, *, bit_rate_bps: int, frame_bytes: int, queue_frames: int
    ):
        if frame_bytes < FRAME_OVERHEAD_BYTES + RECORD_BYTES:
            raise ValueError(
                f"given frame_bytes={frame_bytes}; expected at least "
                f"{FRAME_OVERHEAD_BYTES + RECORD_BYTES} to carry one record"
            )
        if bit_rate_bps <= 0 or queue_frames < 1:
            raise ValueError(
                f"given bit_rate_bps={bit_rate_bps}, queue_frames={queue_frames}; "
                "expected positive values"
            )
        self._port = port
        self.bit_rate_bps = bit_rate_bps
        self.frame_bytes = frame_bytes
        self.queue_frames = queue_frames
        self.stats = SpiStats()
        self.last_transfer_s = 0.0

    @property
    def n(self) -> int:
        """Number of meters (links)."""
        return self._port.n

    @property
    def records_per_frame(self) -> int:
        """Load-profile records that fit one frame."""
        return (self.frame_bytes - FRAME_OVERHEAD_BYTES) // RECORD_BYTES

    @property
    def newest_seq(self) -> int:
        """Sequence number of the next record the slave will write."""
        return self._port.next_seq

    def read_intervals(self, since_seq: int) -> IntervalRecords:
        """Poll load-profile records from ``since_seq`` on, as many as the queue allows."""
        limit = self.queue_frames * self.records_per_frame
        records = self._port.read_intervals(since_seq, limit)
        if self._port.next_seq - max(since_seq, 0) > limit:
            self.stats.deferred_polls += 1
        self._account(records.count, RECORD_BYTES)
        return records

    def read_freezes(self, since_time_s: int) -> list[DailyFreeze]:
        """Poll the daily freezes taken after ``since_time_s``."""
        freezes = self._port.read_freezes(since_time_s)
        self._account(len(freezes), FREEZE_BYTES)
        return freezes

    def _account(self, items: int, item_bytes: int) -> None:
        per_frame = max(1, (self.frame_bytes - FRAME_OVERHEAD_BYTES) // item_bytes)
        frames = max(1, -(-items // per_frame))
        payload = items * item_bytes + frames * FRAME_OVERHEAD_BYTES
        self.stats.transactions += 1
        self.stats.frames += frames
        self.stats.bytes += payload
        self.last_transfer_s = payload * 8 / self.bit_rate_bps
        self.stats.busy_s += self.last_transfer_s
