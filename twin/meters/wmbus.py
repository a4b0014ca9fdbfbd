"""Water and gas meters read over wireless M-Bus by an electricity meter's management core.

Each volume meter keeps an integer register of litres (dm3; int64, so that
no float drift creeps in over years) and a data log of its register at the
last :attr:`WmbusMeters.log_depth` reading times, as OMS meters keep
(EN 13757-3 storage numbers). At every reading time the management core of
the premise's electricity meter listens for the meter's wM-Bus telegram
(EN 13757-4 [1]_); a telegram may be lost (radio, collisions) and a core that
is down hears nothing. A reading that was missed is filled from the log at
the next reading heard (quality ``backfilled``), or stays ``missing`` when the
log no longer reaches back to it (or the run ends first).

The interval volume is the difference of two register values, so the sum of
a meter's interval volumes is its register, and the true volume below one
litre is carried in the meter, never lost.

References
----------
.. [1] EN 13757-4:2019, "Communication systems for meters - Part 4: Wireless
   M-Bus communication"; OMS Specification Vol. 2 (Open Metering System),
   telegrams with the current and stored register values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.random_streams import ItemStreams

__all__ = ["HEADEND_DELAY_S", "QUALITY", "ReadingRows", "WmbusMeters"]

QUALITY: Final = ("ok", "backfilled", "missing")
"""Quality codes of a volume reading (a subset of the electricity meters' codes)."""

HEADEND_DELAY_S: Final = 900
"""Delay from a wM-Bus reading to its arrival at the head-end [s]: the management
core forwards it with its next upload (assumed)."""

_OK, _BACKFILLED, _MISSING = 0, 1, 2


@dataclass(frozen=True)
class ReadingRows:
    """Readings the head-end settled, one row per meter and reading time.

    Attributes
    ----------
    meter : numpy.ndarray
        Local meter position (int64).
    reading : numpy.ndarray
        Reading number (int64): reading ``j`` covers ``[j, j + 1)`` reading intervals.
    litres : numpy.ndarray
        Volume over the reading interval [l] (int64; 0 where missing).
    quality : numpy.ndarray
        Index into :data:`QUALITY` (int8).
    received_s : numpy.ndarray
        Run second the head-end received it (float64; NaN where missing).
    """

    meter: NDArray[np.int64]
    reading: NDArray[np.int64]
    litres: NDArray[np.int64]
    quality: NDArray[np.int8]
    received_s: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.meter.size)


class WmbusMeters:
    """Registers, data logs and the management cores' reading of N volume meters.

    Parameters
    ----------
    streams : ItemStreams
        One stream per meter keyed by its full-fleet position (telegram losses),
        so a shard's meters draw as in the whole run.
    loss : float
        Probability that a reading's telegram is not heard [-].
    log_depth : int
        Reading times the meter's data log reaches back (the current one included).
    """

    def __init__(self, streams: ItemStreams, *, loss: float, log_depth: int):
        if log_depth < 1:
            raise ValueError(f"log_depth given {log_depth}; expected at least 1")
        n = streams.n
        self.n = n
        self._streams, self._loss, self.log_depth = streams, float(loss), int(log_depth)
        self.true_litres = np.zeros(n)
        self.register_l = np.zeros(n, dtype=np.int64)
        self._log = np.zeros((n, self.log_depth), dtype=np.int64)
        self._last = np.full(n, -1, dtype=np.int64)
        self._delivered = np.zeros(n, dtype=np.int64)
        self._all = np.arange(n, dtype=np.int64)
        self.readings = 0

    @property
    def heard_l(self) -> NDArray[np.int64]:
        """Register of each meter at its last reading heard by the management core [l]."""
        return self._delivered

    def add(self, litres: NDArray[np.float64]) -> None:
        """Count a true volume through every meter [l] (>= 0)."""
        self.true_litres += litres
        self.register_l = np.floor(self.true_litres).astype(np.int64)

    def read(self, end_s: float, running: NDArray[np.bool_]) -> ReadingRows:
        """Close reading number :attr:`readings` at run second ``end_s``; the rows it settles.

        Parameters
        ----------
        end_s : float
            The reading time [s].
        running : numpy.ndarray
            bool per meter: the management core that reads it runs now.
        """
        j = self.readings
        self.readings += 1
        depth = self.log_depth
        self._log[:, j % depth] = self.register_l
        heard = running & (self._streams.random(self._all) >= self._loss)
        s = np.flatnonzero(heard)
        if s.size == 0:
            return _empty()
        last = self._last[s]
        gaps = j - last
        total = int(gaps.sum())
        meter = np.repeat(s, gaps)
        first = np.repeat(last + 1, gaps)
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(gaps) - gaps, gaps)
        i = first + within
        oldest = j - depth + 1
        reg = self._log[meter, i % depth]
        prev_is_delivered = i - 1 == np.repeat(last, gaps)
        prev = np.where(
            prev_is_delivered,
            np.repeat(self._delivered[s], gaps),
            self._log[meter, (i - 1) % depth],
        )
        known = (i >= oldest) & (prev_is_delivered | (i - 1 >= oldest))
        quality = np.where(i == j, _OK, np.where(known, _BACKFILLED, _MISSING)).astype(np.int8)
        litres = np.where(known, reg - prev, 0).astype(np.int64)
        received = np.where(known, end_s + HEADEND_DELAY_S, np.nan)
        self._last[s] = j
        self._delivered[s] = self.register_l[s]
        return ReadingRows(meter, i, litres, quality, received)

    def finish(self) -> ReadingRows:
        """The readings never heard by the end of the run: ``missing`` rows."""
        j = self.readings
        gaps = j - 1 - self._last
        s = np.flatnonzero(gaps > 0)
        if s.size == 0:
            return _empty()
        g = gaps[s]
        total = int(g.sum())
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(g) - g, g)
        i = np.repeat(self._last[s] + 1, g) + within
        self._last[s] = j - 1
        return ReadingRows(
            np.repeat(s, g),
            i,
            np.zeros(total, dtype=np.int64),
            np.full(total, _MISSING, dtype=np.int8),
            np.full(total, np.nan),
        )


def _empty() -> ReadingRows:
    z = np.zeros(0, dtype=np.int64)
    return ReadingRows(z, z, z, np.zeros(0, dtype=np.int8), np.zeros(0))
