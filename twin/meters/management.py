"""The upgradable management core of IR46 dual-core meters, for a whole fleet.

The management core runs the meter's communication, display and application
firmware. It reads the metrology core only through the SPI link (as master)
and has no way to write a legal register: it holds the link, never the
metrology object.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.meters.metrology import DailyFreeze, IntervalRecords
from twin.meters.spi import SpiLink

__all__ = ["ManagementCores", "PollResult"]


@dataclass(frozen=True)
class PollResult:
    """What one poll of the metrology cores brought in.

    Attributes
    ----------
    intervals : IntervalRecords
        New load-profile records (all meters).
    freezes : list of DailyFreeze
        New daily freezes.
    transfer_s : float
        SPI bus time of the poll [s].
    missed_records : int
        Records overwritten in the metrology core before they could be read
        (per meter; 0 while polling keeps up).
    """

    intervals: IntervalRecords
    freezes: list[DailyFreeze]
    transfer_s: float
    missed_records: int


class ManagementCores:
    """Management cores of a fleet of meters.

    Parameters
    ----------
    spi : SpiLink
        Master side of the SPI links; the only path to the metrology cores.
    firmware_version : str
        Version of the management firmware.
    """

    def __init__(self, spi: SpiLink, *, firmware_version: str = "1.0.0"):
        self._spi = spi
        self.firmware_version = firmware_version
        self._next_seq = 0
        self._last_freeze_s = -1
        self.missed_records = 0

    @property
    def n(self) -> int:
        """Number of meters."""
        return self._spi.n

    def poll(self) -> PollResult:
        """Read every record and freeze not yet read (bounded by the SPI queue)."""
        records = self._spi.read_intervals(self._next_seq)
        transfer_s = self._spi.last_transfer_s
        missed = 0
        if records.count:
            first = int(records.seq_no[0])
            missed = first - self._next_seq
            self._next_seq = int(records.seq_no[-1]) + 1
        self.missed_records += missed
        freezes = self._spi.read_freezes(self._last_freeze_s)
        transfer_s += self._spi.last_transfer_s
        if freezes:
            self._last_freeze_s = freezes[-1].freeze_time_s
        return PollResult(records, freezes, transfer_s, missed)

    @property
    def backlog(self) -> int:
        """Records written by the metrology cores but not yet read."""
        return self._spi.newest_seq - self._next_seq
