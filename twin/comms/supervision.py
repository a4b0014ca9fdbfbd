"""What the head-end learns about its meters while it collects: silence, restarts, clocks.

At every collection slot the head-end sees which meters it tried and which
answered. From that it keeps, per meter and per concentrator area:

- silent meters (tried and never answered in a slot) and silent areas
  (every meter tried in a slot failed: the concentrator is down);
- management-core restarts, from the boot counter each answer carries;
- the meter clock: each answering meter's time is compared with the HES
  clock; beyond ``sync_threshold_s`` the HES sets it (the legal core logs
  a clock-set event with the offset it had), beyond ``limit_s`` the meter is
  flagged as out of its class;
- cover-opened events among the legal events it receives (fraud seen).

These are the detections the run's scoreboard holds against the injected faults.

References
----------
IEC 62056-6-2 (DLMS/COSEM) clock object 0-0:1.0.0 and its time-setting
method; DLMS UA 1000-1 (IDIS) event 0-0:96.11.0 code 4/5 (clock adjusted);
IEC 62053-21 / OIML R46 (time-switch accuracy, 0.5 s/day class limit).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from twin.meters import events as ev
from twin.meters.legal_clock import LegalClocks

__all__ = ["MeterSupervision"]

EventLogger = Callable[[NDArray[np.int64], float, NDArray[np.float64], int, str], None]
"""Logs a legal event: (meters, true time [s], their clock offsets [s], code, detail)."""


class MeterSupervision:
    """Head-end supervision of ``n`` meters in their concentrator areas.

    Parameters
    ----------
    area : numpy.ndarray
        Concentrator area (local index) of each meter.
    n_areas : int
        Number of areas.
    clocks : LegalClocks
        The meters' legal clocks (read in each answer, set by the HES).
    log_event : callable
        The legal cores' event log (:meth:`MetrologyCores.log_event
        <twin.meters.metrology.MetrologyCores.log_event>`): a clock-set
        event is logged for each meter whose clock the HES sets, stamped by
        the clock before it is set, with the offset in its detail.
    sync_threshold_s, limit_s : float
        Offset above which the clock is set / the meter flagged [s].
    """

    def __init__(
        self,
        *,
        area: NDArray[np.int64],
        n_areas: int,
        clocks: LegalClocks,
        log_event: EventLogger,
        sync_threshold_s: float,
        limit_s: float,
    ):
        n = int(np.asarray(area).shape[0])
        self._area, self._n_areas = np.asarray(area, dtype=np.int64), n_areas
        self._clocks, self._log_event = clocks, log_event
        self.sync_threshold_s, self.limit_s = sync_threshold_s, limit_s
        self.silent = np.zeros(n, dtype=bool)
        self.area_silent = np.zeros(n_areas, dtype=bool)
        self.seen_boots = np.zeros(n, dtype=np.int64)
        self.restart_seen = np.zeros(n, dtype=bool)
        self.clock_flagged = np.zeros(n, dtype=bool)
        self.fraud_seen = np.zeros(n, dtype=bool)

    def collected(
        self,
        t_s: float,
        tried: NDArray[np.int64],
        winners: NDArray[np.int64],
        boot_count: NDArray[np.int64],
    ) -> None:
        """Take in one collection slot at ``t_s``: who was tried, who answered."""
        won = np.zeros(self.silent.size, dtype=bool)
        won[winners] = True
        self.silent[tried[~won[tried]]] = True
        if winners.size:
            boots = boot_count[winners]
            self.restart_seen[winners[boots > self.seen_boots[winners]]] = True
            self.seen_boots[winners] = boots
            self._check_clocks(t_s, winners)
        if tried.size:
            n_tried = np.bincount(self._area[tried], minlength=self._n_areas)
            n_won = np.bincount(self._area[winners], minlength=self._n_areas)
            self.area_silent |= (n_tried > 0) & (n_won == 0)

    def _check_clocks(self, t_s: float, winners: NDArray[np.int64]) -> None:
        offset = self._clocks.offset_s(t_s, winners)
        self.clock_flagged[winners[np.abs(offset) > self.limit_s]] = True
        late = winners[np.abs(offset) > self.sync_threshold_s]
        if late.size == 0:
            return
        old = self._clocks.offset_s(t_s, late)
        for m, o in zip(late.tolist(), old.tolist(), strict=True):
            self._log_event(np.array([m]), t_s, np.array([o]), ev.CLOCK_SET, f"offset_s={o:.1f}")
        self._clocks.set_time(late, t_s)

    def events_received(self, rows: ev.EventRows) -> None:
        """Take in legal events that reached the head-end."""
        self.fraud_seen[rows.meter[rows.code == ev.COVER_OPENED]] = True
