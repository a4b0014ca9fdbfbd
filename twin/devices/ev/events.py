"""Plug-ins and unplugs of the EV fleet as discrete events (for the engine's SimPy timeouts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from twin.devices.ev.sessions import SessionTable

__all__ = ["EV_EVENT_KINDS", "EvEvent", "session_events"]

EV_EVENT_KINDS: Final = ("plug_in", "unplug")
"""Kinds of :class:`EvEvent`."""


@dataclass(frozen=True)
class EvEvent:
    """A plug-in or unplug at one charger.

    Attributes
    ----------
    time_s : int
        When [s since run start], any second.
    charger : int
        Charger index, ``0 .. n-1``.
    kind : str
        One of :data:`EV_EVENT_KINDS`.
    session : int
        Row of the fleet's session table.
    """

    time_s: int
    charger: int
    kind: str
    session: int


def session_events(sessions: SessionTable, duration_s: int) -> list[EvEvent]:
    """Plug-ins and unplugs strictly inside ``(0, duration_s)`` [s], by time then charger.

    At equal time and charger an unplug comes before a plug-in.
    """
    s = sessions
    rows = np.arange(s.size)
    t = np.concatenate([s.arrive_s, s.depart_s])
    keep = (t > 0) & (t < duration_s)
    kind = np.concatenate([np.zeros(s.size, np.int8), np.ones(s.size, np.int8)])
    row = np.concatenate([rows, rows])
    ch = np.concatenate([s.charger, s.charger])
    order = np.lexsort((-kind, ch, t))
    order = order[keep[order]]
    return [EvEvent(int(t[j]), int(ch[j]), EV_EVENT_KINDS[kind[j]], int(row[j])) for j in order]
