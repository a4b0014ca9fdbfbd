"""The metrology core's supply state machines: sags, swells, power down and up."""

from __future__ import annotations

import numpy as np
import pytest

from twin.meters import events as ev
from twin.meters.supply_events import SupplyMonitor


def _codes(changes: list[tuple[int, np.ndarray]]) -> dict[int, list[int]]:
    return {code: meters.tolist() for code, meters in changes if meters.size}


def test_sag_swell_and_supply_transitions() -> None:
    mon = SupplyMonitor(4, sag_pu=0.9, swell_pu=1.1)
    closed = np.ones(4, dtype=bool)
    # meter 0 sags, 1 swells, 2 loses its bus, 3 stays normal
    first = mon.observe(np.array([0.85, 1.12, np.nan, 1.0]), closed)
    assert _codes(first) == {ev.SAG_START: [0], ev.SWELL_START: [1], ev.POWER_DOWN: [2]}
    # the order is the log's: ends, starts, power-downs, power-ups
    assert [c for c, m in first if m.size] == [ev.SAG_START, ev.SWELL_START, ev.POWER_DOWN]
    # a non-converged flow keeps every state; opening meter 3's relay powers it down
    open3 = closed.copy()
    open3[3] = False
    assert _codes(mon.observe(None, open3)) == {ev.POWER_DOWN: [3]}
    # 0 recovers, 1 goes from swell straight to sag, 2 comes back, 3's relay closes
    again = mon.observe(np.array([1.0, 0.8, 1.0, 1.0]), closed)
    assert _codes(again) == {
        ev.SAG_END: [0],
        ev.SWELL_END: [1],
        ev.SAG_START: [1],
        ev.POWER_UP: [2, 3],
    }
    assert mon.observe(np.array([1.0, 0.8, 1.0, 1.0]), closed) == []


def test_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="sag_pu"):
        SupplyMonitor(1, sag_pu=1.05, swell_pu=1.1)
