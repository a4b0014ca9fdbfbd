"""The SPI link between the metrology core (slave) and the management core (master).

In an IR46 dual-core meter the two cores exchange data only over SPI; the
management core is master and polls. Each meter has its own link; the fleet's
links are identical, so one object models them all and counts frames, bytes
and bus time over the fleet. The slave queues at most ``queue_frames`` frames
per poll: a management core that fell behind (after a reboot) needs several
polls to read back what it missed, and they are counted.

References
----------
OIML R 46-1:2012 and the IR46 dual-core meter specifications (State Grid
Q/GDW 12175-2021): SPI frame = start, control code, length, data-item ids,
data, checksum, end; the management core is SPI master.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.meters.metrology import MetrologySlavePort
from twin.meters.records import IntervalRecords

__all__ = ["FRAME_OVERHEAD_BYTES", "RECORD_BYTES", "SpiLink", "SpiStats"]

FRAME_OVERHEAD_BYTES = 12
"""Start, control code, length, data-item id, checksum and end bytes of one frame."""
RECORD_BYTES = 24
"""One load-profile record: sequence number (4), stamp (4), import (8), export (8)."""


@dataclass
class SpiStats:
    """Traffic on the fleet's SPI links (sums over meters)."""

    transactions: int = 0
    frames: int = 0
    bytes: int = 0
    busy_s: float = 0.0
    deferred_polls: int = 0
    readback_polls: int = 0


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
        self.port = port
        self.bit_rate_bps = bit_rate_bps
        self.frame_bytes = frame_bytes
        self.queue_frames = queue_frames
        self.stats = SpiStats()
        self.last_transfer_s = 0.0

    @property
    def n(self) -> int:
        """Number of meters (links)."""
        return self.port.n

    @property
    def records_per_frame(self) -> int:
        """Load-profile records that fit one frame."""
        return (self.frame_bytes - FRAME_OVERHEAD_BYTES) // RECORD_BYTES

    @property
    def records_per_poll(self) -> int:
        """Records one poll can bring (the slave's queue)."""
        return self.queue_frames * self.records_per_frame

    @property
    def newest_seq(self) -> int:
        """Sequence number of the next record the slave will write."""
        return self.port.next_seq

    def read_intervals(self, since_seq: int) -> IntervalRecords:
        """Poll load-profile records from ``since_seq`` on, as many as the queue allows."""
        limit = self.records_per_poll
        records = self.port.read_intervals(since_seq, limit)
        if self.port.next_seq - max(since_seq, 0) > limit:
            self.stats.deferred_polls += 1
        self._account(np.array([records.count]))
        return records

    def poll(self, read_upto: np.ndarray, running: np.ndarray) -> np.ndarray:
        """One poll by every running management core; returns the new read positions.

        Parameters
        ----------
        read_upto : numpy.ndarray
            Next sequence number each management core has not read yet.
        running : numpy.ndarray
            bool per meter: whether its management core runs (polls).

        Returns
        -------
        numpy.ndarray
            Updated positions (records lost to the ring are skipped).
        """
        newest = self.port.next_seq
        oldest = max(0, newest - self.port.capacity)
        start = np.maximum(read_upto, oldest)
        backlog = np.where(running, newest - start, 0)
        got = np.minimum(backlog, self.records_per_poll)
        deferred = int(np.count_nonzero(backlog > got))
        self.stats.deferred_polls += deferred
        self.stats.readback_polls += int(np.count_nonzero(got > 1))
        self._account(got[running])
        return np.where(running, start + got, read_upto)

    def _account(self, items: np.ndarray) -> None:
        if items.size == 0:
            return
        per_frame = self.records_per_frame
        frames = np.maximum(1, -(-items // per_frame))
        payload = int(items.sum()) * RECORD_BYTES + int(frames.sum()) * FRAME_OVERHEAD_BYTES
        self.stats.transactions += int(items.size)
        self.stats.frames += int(frames.sum())
        self.stats.bytes += payload
        self.last_transfer_s = (
            (float(items.max()) * RECORD_BYTES + float(frames.max()) * FRAME_OVERHEAD_BYTES)
            * 8
            / self.bit_rate_bps
        )
        self.stats.busy_s += payload * 8 / self.bit_rate_bps
