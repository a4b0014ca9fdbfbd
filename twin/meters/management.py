"""The upgradable management core of IR46 dual-core meters, for a whole fleet.

The management core runs the meter's communication, display, relay and
application firmware. It reads the metrology core only through the SPI link
(as master) and has no way to write a legal register: it holds the link,
never the metrology object. Its state is a set of arrays over the fleet:
whether it runs (crash, hang, reboot windows), how far it has read the load
profile over SPI, its firmware version, the disconnector relay and, for a
compromised core, how it tampers with what it forwards.

While it is down it neither polls nor forwards; metering never stops, and
afterwards it reads back what it missed, a bounded queue per poll
(:meth:`SpiLink.poll <twin.meters.spi.SpiLink.poll>`). Its "buffer" is the
part of the metrology core's ring it has read but the head-end has not yet
acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.meters.records import BlockRead
from twin.meters.spi import SpiLink
from twin.random_streams import ItemStreams

__all__ = ["RELAY_PREPAID", "RELAY_SCHEDULED", "DailyUsage", "ManagementCores", "Transmission"]

RELAY_SCHEDULED, RELAY_PREPAID = 1, 2
"""Reasons that hold a meter's disconnector open (bits): a scheduled remote
disconnection (``meters.remote_disconnects``) and exhausted prepaid credit. The
relay closes only when no reason holds it, so either may end without closing a
relay the other opened."""


@dataclass(frozen=True)
class DailyUsage:
    """Edge analytics of one sealed day for some meters (the app's daily summary).

    Attributes
    ----------
    meters : numpy.ndarray
        Local meter positions, ascending.
    last_record : int
        Sequence number of the day's last load-profile record (its interval index).
    energy_wh : numpy.ndarray
        Imported energy of the day per meter [Wh].
    idle_hours : numpy.ndarray
        Hours whose interval-mean power stayed below the idle threshold [h].
    peak_w : numpy.ndarray
        Highest interval-mean power [W].
    """

    meters: np.ndarray
    last_record: int
    energy_wh: np.ndarray
    idle_hours: np.ndarray
    peak_w: np.ndarray


@dataclass
class Transmission:
    """A block as a set of management cores forwards it (per-meter claims).

    Attributes
    ----------
    block : int
        Block the head-end asked for.
    meters : numpy.ndarray
        Meter indices.
    first_seq, count : numpy.ndarray
        Claimed first sequence number and record count per meter.
    import_wh, export_wh, offset_s : numpy.ndarray
        Records (k, m); only the first ``count[j]`` rows of column j are sent.
    freeze : numpy.ndarray
        Frozen values (m, f).
    macs, previous : list of bytes
        MAC and claimed chain value per meter.
    tampered : numpy.ndarray
        Ground truth: records altered, dropped or replayed per meter (never
        seen by the head-end; used to score detection).
    """

    block: int
    meters: np.ndarray
    first_seq: np.ndarray
    count: np.ndarray
    import_wh: np.ndarray
    export_wh: np.ndarray
    offset_s: np.ndarray
    freeze: np.ndarray
    macs: list[bytes]
    previous: list[bytes]
    tampered: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def honest(cls, read: BlockRead) -> Transmission:
        """Forward a block exactly as read over SPI."""
        m = read.meters.shape[0]
        return cls(
            read.block,
            read.meters,
            np.full(m, read.first_seq, dtype=np.int64),
            np.full(m, read.count, dtype=np.int64),
            read.import_wh.copy(),
            read.export_wh.copy(),
            read.offset_s.copy(),
            read.freeze.copy(),
            list(read.macs),
            list(read.previous),
            np.zeros(m, dtype=np.int64),
        )


class ManagementCores:
    """Management cores of a fleet of meters.

    Parameters
    ----------
    spi : SpiLink
        Master side of the SPI links; the only path to the metrology cores.
    firmware_version : str
        Version of the management firmware at the start.
    """

    def __init__(self, spi: SpiLink, *, firmware_version: str = "1.0.0"):
        self._spi = spi
        n = spi.n
        self.versions: list[str] = [firmware_version]
        self.version = np.zeros(n, dtype=np.int16)
        self._next_version = np.zeros(n, dtype=np.int16)
        self._next_version_at = np.full(n, np.inf)
        self.read_upto = np.zeros(n, dtype=np.int64)
        self._analysed_block = np.zeros(n, dtype=np.int64)
        self._down_from = np.full(n, np.inf)
        self._down_until = np.full(n, -np.inf)
        self.downtime_s = np.zeros(n, dtype=np.float64)
        self.boot_count = np.zeros(n, dtype=np.int64)
        self.relay_closed = np.ones(n, dtype=bool)
        self.relay_holds = np.zeros(n, dtype=np.uint8)
        self.alter_p = np.zeros(n)
        self.drop_p = np.zeros(n)
        self.replay_p = np.zeros(n)
        self.alter_factor = np.ones(n)
        self._compromised_from = np.full(n, np.inf)
        self._compromised_until = np.full(n, -np.inf)

    @property
    def n(self) -> int:
        """Number of meters."""
        return self._spi.n

    def hold_relay(self, meters: NDArray[np.int64], reason: int) -> NDArray[np.int64]:
        """Open the disconnector of ``meters`` for ``reason`` (a :data:`RELAY_SCHEDULED` or
        :data:`RELAY_PREPAID` bit); the meters whose relay opened now (were closed)."""
        meters = np.unique(np.asarray(meters, dtype=np.int64))
        opened = meters[self.relay_closed[meters]]
        self.relay_holds[meters] |= np.uint8(reason)
        self.relay_closed[meters] = False
        return opened

    def release_relay(self, meters: NDArray[np.int64], reason: int) -> NDArray[np.int64]:
        """Drop ``reason``'s hold on the disconnector of ``meters``; the meters whose relay
        closed now (no other reason holds it open)."""
        meters = np.unique(np.asarray(meters, dtype=np.int64))
        self.relay_holds[meters] &= np.uint8(~np.uint8(reason))
        closing = meters[(self.relay_holds[meters] == 0) & ~self.relay_closed[meters]]
        self.relay_closed[closing] = True
        return closing

    @property
    def firmware_version(self) -> str:
        """Version of the first meter's management firmware (fleet default)."""
        return self.versions[int(self.version[0])] if self.n else self.versions[0]

    def version_names(self, meters: np.ndarray, t_s: float | None = None) -> list[str]:
        """Firmware version strings of ``meters`` (at ``t_s``: pending installs done by
        then count [s since run start])."""
        if t_s is not None:
            self._install(t_s)
        return [self.versions[int(v)] for v in self.version[meters]]

    def set_version(
        self, meters: np.ndarray, version: str, at_s: float | np.ndarray | None = None
    ) -> None:
        """Install ``version`` on ``meters`` (after a successful update).

        Parameters
        ----------
        meters : numpy.ndarray
            Meter positions.
        version : str
            The new version.
        at_s : float or numpy.ndarray, optional
            When each meter's install completes (end of its reboot) [s since run
            start]; it counts from then on (:meth:`version_names` with a time).
            Default: now.
        """
        if version not in self.versions:
            self.versions.append(version)
        number = self.versions.index(version)
        if at_s is None:
            self.version[meters] = number
            self._next_version_at[meters] = np.inf
        else:
            self._next_version[meters] = number
            self._next_version_at[meters] = at_s

    def _install(self, t_s: float) -> None:
        done = self._next_version_at <= t_s
        if done.any():
            self.version[done] = self._next_version[done]
            self._next_version_at[done] = np.inf

    # availability --------------------------------------------------------------------

    def running(self, t_s: float) -> np.ndarray:
        """bool per meter: the management core runs at ``t_s``."""
        return (t_s < self._down_from) | (t_s >= self._down_until)

    def take_down(
        self, meters: np.ndarray, start_s: float | np.ndarray, end_s: float | np.ndarray
    ) -> None:
        """The cores of ``meters`` are down from ``start_s`` to ``end_s`` (crash, hang, reboot).

        Times are scalars or one per meter [s]. A window that overlaps or follows on an
        earlier one still pending merges with it.
        """
        if meters.size == 0:
            return
        old_from, old_until = self._down_from[meters], self._down_until[meters]
        fresh = old_until < start_s
        self._down_from[meters] = np.where(fresh, start_s, np.minimum(old_from, start_s))
        self._down_until[meters] = np.where(fresh, end_s, np.maximum(old_until, end_s))
        self.downtime_s[meters] += end_s - start_s
        self.boot_count[meters] += 1

    def poll(self, t_s: float) -> np.ndarray:
        """Every running core polls the metrology core once; returns the running mask."""
        running = self.running(t_s)
        self.read_upto = self._spi.poll(self.read_upto, running)
        return running

    def daily_usage(
        self, running: np.ndarray, *, dt_s: int, idle_threshold_w: float
    ) -> list[DailyUsage]:
        """Edge analytics of the sealed days each running core has read in full.

        A core summarises a daily block once it has read all its records over
        SPI (:attr:`read_upto`) and while it runs; a core that was down catches
        up after its read-back. A block overwritten before it was read is
        skipped (the app shows no summary for that day).

        Parameters
        ----------
        running : numpy.ndarray
            Cores running now (from :meth:`poll`).
        dt_s : int
            Interval length [s].
        idle_threshold_w : float
            Interval-mean power below which an interval counts as idle [W].

        Returns
        -------
        list of DailyUsage
            One entry per block with meters to summarise, in block order.
        """
        port = self._spi.port
        blocks = port.blocks
        out: list[DailyUsage] = []
        for b in range(int(self._analysed_block.min(initial=len(blocks))), len(blocks)):
            first, count, _, _ = blocks[b]
            sel = np.flatnonzero(
                (self._analysed_block == b) & running & (self.read_upto >= first + count)
            )
            if sel.size == 0:
                continue
            self._analysed_block[sel] = b + 1
            if count == 0 or not port.block_available(b):
                continue
            imp = port.read_block(b, sel).import_wh.astype(np.int64)
            w = imp * (3600.0 / dt_s)
            idle_h = (w < idle_threshold_w).sum(axis=0) * (dt_s / 3600.0)
            out.append(DailyUsage(sel, first + count - 1, imp.sum(axis=0), idle_h, w.max(axis=0)))
        return out

    def readback(self, t_s: float) -> int:
        """Poll until every running core has read everything (end of a run); polls used.

        Only the cores still behind poll, so each meter's SPI traffic is its own
        (the same whichever other meters are simulated with it)."""
        polls = 0
        while True:
            running = self.running(t_s)
            behind = running & (self.read_upto < self._spi.newest_seq)
            if not behind.any():
                return polls
            self.read_upto = self._spi.poll(self.read_upto, behind)
            polls += 1

    # compromise ----------------------------------------------------------------------

    def compromise(
        self,
        meters: np.ndarray,
        start_s: float,
        end_s: float,
        *,
        alter_p: float,
        drop_p: float,
        replay_p: float,
        alter_factor: float,
    ) -> None:
        """Make the cores of ``meters`` tamper with what they forward in [start, end)."""
        self.alter_p[meters] = alter_p
        self.drop_p[meters] = drop_p
        self.replay_p[meters] = replay_p
        self.alter_factor[meters] = alter_factor
        self._compromised_from[meters] = start_s
        self._compromised_until[meters] = end_s

    def forward(
        self,
        read: BlockRead,
        t_s: float,
        streams: ItemStreams,
        previous: Callable[[np.ndarray], BlockRead | None] | None = None,
    ) -> Transmission:
        """Forward a block read over SPI; a compromised core alters, drops or replays records.

        Parameters
        ----------
        read : BlockRead
            The block as the metrology core answered.
        t_s : float
            Now [s since run start].
        streams : twin.random_streams.ItemStreams
            The attackers' per-meter streams (items: these cores' positions). Each
            core that is compromised at ``t_s`` draws two numbers (what it does, which
            record), so its draws do not depend on the other meters of the block.
        previous : callable, optional
            Reads the previous block of some meters (None when there is none), which a
            replaying core sends again.
        """
        tx = Transmission.honest(read)
        m = read.meters
        active = (t_s >= self._compromised_from[m]) & (t_s < self._compromised_until[m])
        if not active.any():
            return tx
        act = np.flatnonzero(active)
        drawn = streams.random(m[act], size=2)
        u = np.ones(m.shape[0])
        u[act] = drawn[:, 0]
        which = np.zeros(m.shape[0])
        which[act] = drawn[:, 1]
        pa, pd, pr = self.alter_p[m], self.drop_p[m], self.replay_p[m]
        replay = active & (u >= pa + pd) & (u < pa + pd + pr)
        drop = active & (u >= pa) & (u < pa + pd) & (read.count > 0)
        alter = active & (u < pa) & (read.count > 0)
        k = read.count
        for j in np.flatnonzero(alter).tolist():
            row = min(int(which[j] * k), k - 1)
            old = int(tx.import_wh[row, j])
            new = int(np.rint(old * self.alter_factor[m[j]]))
            tx.import_wh[row, j] = new if new != old else old + 1
            tx.tampered[j] = 1
        for j in np.flatnonzero(drop).tolist():
            row = min(int(which[j] * k), k - 1)
            for arr in (tx.import_wh, tx.export_wh, tx.offset_s):
                arr[row:-1, j] = arr[row + 1 :, j].copy()
            tx.count[j] = k - 1
            tx.tampered[j] = 1
        older = None
        if previous is not None and replay.any():
            older = previous(m[replay])
        if older is None:
            replay[:] = False
        else:
            for i, j in enumerate(np.flatnonzero(replay).tolist()):
                kp = older.count
                if kp > k:
                    continue  # an older, longer block does not fit the frame: send honestly
                tx.count[j] = kp
                tx.first_seq[j] = older.first_seq
                tx.import_wh[:kp, j] = older.import_wh[:, i]
                tx.export_wh[:kp, j] = older.export_wh[:, i]
                tx.offset_s[:kp, j] = older.offset_s[:, i]
                tx.freeze[j] = older.freeze[i]
                tx.macs[j] = older.macs[i]
                tx.previous[j] = older.previous[i]
                tx.tampered[j] = k
        return tx
