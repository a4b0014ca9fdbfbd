"""Run-time state helpers of the EV fleet: the plugged-in sessions, delays, faults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.ev.kernel import next_window_open_s
from twin.devices.ev.records import ERROR_CODES, RecordBuffer
from twin.devices.ev.sessions import SessionTable

__all__ = [
    "ActiveSessions",
    "ChargerFaults",
    "delayed_ready_s",
    "draw_faults",
    "headroom_budget_kwh",
    "home_sessions_overlapping",
    "take_chargers",
]

_CODE = {name: i for i, name in enumerate(ERROR_CODES)}


def headroom_budget_kwh(
    headroom_kw: NDArray[np.float64] | Mapping[int, float], n_areas: int, dt_s: float
) -> NDArray[np.float64]:
    """Energy each area may deliver in an interval [kWh] from its headroom [kW].

    ``headroom_kw`` is an array ``(n_areas,)`` or a mapping ``{area: kW}``
    (areas missing from it are not capped).
    """
    if isinstance(headroom_kw, Mapping):
        cap = np.full(n_areas, np.inf)
        for k, v in headroom_kw.items():
            if 0 <= k < n_areas:
                cap[k] = v
    else:
        cap = np.asarray(headroom_kw, dtype=np.float64)
        if cap.shape != (n_areas,):
            raise ValueError(f"headroom_kw_by_area given shape {cap.shape}; expected ({n_areas},)")
    return np.asarray(cap * (dt_s / 3600.0), dtype=np.float64)


@dataclass
class ActiveSessions:
    """The sessions plugged in now, as contiguous arrays (cheap per-step math)."""

    row: NDArray[np.intp]
    ch: NDArray[np.int64]
    arrive: NDArray[np.float64]
    depart: NDArray[np.float64]
    ready: NDArray[np.float64]
    p_max: NDArray[np.float64]
    need: NDArray[np.float64]
    area: NDArray[np.intp]
    new: NDArray[np.bool_]

    @classmethod
    def empty(cls) -> ActiveSessions:
        z = np.zeros(0)
        return cls(
            np.zeros(0, np.intp),
            np.zeros(0, np.int64),
            z,
            z,
            z,
            z,
            z,
            np.zeros(0, np.intp),
            np.zeros(0, bool),
        )

    @classmethod
    def plugged_in(
        cls,
        s: SessionTable,
        rows: NDArray[np.intp],
        power_kw: NDArray[np.float64],
        area: NDArray[np.intp],
    ) -> ActiveSessions:
        """The sessions ``rows`` of ``s``, new, at chargers of ``power_kw`` [kW] in ``area``."""
        ch = s.charger[rows]
        return cls(
            row=rows,
            ch=ch,
            arrive=s.arrive_s[rows].astype(np.float64),
            depart=s.depart_s[rows].astype(np.float64),
            ready=s.ready_s[rows].astype(np.float64),
            p_max=np.minimum(power_kw[ch], s.ev_max_kw[rows]),
            need=s.energy_kwh[rows].copy(),
            area=area[ch],
            new=np.ones(rows.size, dtype=bool),
        )

    def take(self, keep: NDArray[np.bool_]) -> ActiveSessions:
        return ActiveSessions(*(getattr(self, f.name)[keep] for f in fields(self)))

    def extend(self, other: ActiveSessions) -> ActiveSessions:
        return ActiveSessions(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )


def take_chargers(
    sessions: SessionTable,
    faults: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray],
    keep: NDArray[np.int64],
    n: int,
) -> tuple[SessionTable, tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray]]:
    """The sessions and drawn faults of the chargers ``keep`` (of ``n``), renumbered 0.. .

    ``keep`` holds strictly increasing charger positions; the sessions keep
    their order (and :attr:`SessionTable.number`), the faults their order.
    """
    if keep.size and (keep[0] < 0 or keep[-1] >= n or np.any(np.diff(keep) <= 0)):
        raise ValueError(f"chargers given {keep!r}; expected strictly increasing 0 .. {n - 1}")
    local = np.full(n, -1, dtype=np.int64)
    local[keep] = np.arange(keep.size)
    out = sessions.take(local[sessions.charger] >= 0)
    out.charger = local[out.charger]
    ch, time_s, code, repair = faults
    hit = local[ch] >= 0
    return out, (local[ch[hit]], time_s[hit], code[hit], repair[hit])


def home_sessions_overlapping(
    sessions: SessionTable,
    premise: NDArray[np.int64],
    is_public: NDArray[np.bool_],
    period_premise: NDArray[np.int64],
    start_s: NDArray[np.int64],
    end_s: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Which home sessions overlap a period ``[start_s, end_s)`` of their charger's premise.

    Parameters
    ----------
    sessions : SessionTable
        The sessions.
    premise, is_public : numpy.ndarray
        Premise and kind of each charger.
    period_premise, start_s, end_s : numpy.ndarray
        The periods [s since the run start], each at a premise.

    Returns
    -------
    numpy.ndarray
        bool per session: a home session whose plug-in to planned unplug
        overlaps one of its premise's periods.
    """
    p = np.asarray(period_premise, dtype=np.int64)
    a = np.asarray(start_s, dtype=np.int64)
    b = np.asarray(end_s, dtype=np.int64)
    order = np.lexsort((a, p))
    p, a, b = p[order], a[order], b[order]
    at = premise[sessions.charger]
    first = np.searchsorted(p, at, side="left")
    count = np.searchsorted(p, at, side="right") - first
    session = np.repeat(np.arange(sessions.size), count)
    period = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
    overlap = (sessions.arrive_s[session] < b[period]) & (sessions.depart_s[session] > a[period])
    hit = np.zeros(sessions.size, dtype=bool)
    hit[session[overlap]] = True
    return hit & ~is_public[sessions.charger]


def delayed_ready_s(
    sessions: SessionTable,
    n_home: int,
    axis: TimeAxis,
    window_h: tuple[float, float],
    spread_s: NDArray,
) -> NDArray[np.int64]:
    local = (axis.start + pd.to_timedelta(sessions.arrive_s, unit="s")).tz_convert(axis.timezone)
    hour = np.asarray(local.hour + local.minute / 60.0 + local.second / 3600.0, dtype=np.float64)
    ready = next_window_open_s(sessions.arrive_s.astype(np.float64), hour, window_h) + spread_s
    home = sessions.charger < n_home
    return np.where(home, np.floor(ready), sessions.arrive_s).astype(np.int64)


def draw_faults(
    rng: np.random.Generator,
    n: int,
    axis: TimeAxis,
    rates: Mapping[str, float],
    repair_mean_h: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray]:
    years = axis.duration_s / (365.0 * 86_400.0)
    parts = []
    for name, rate in rates.items():
        count = rng.poisson(rate * years, n)
        ch = np.repeat(np.arange(n, dtype=np.int64), count)
        time = np.floor(rng.uniform(0.0, axis.duration_s, ch.size))
        parts.append((ch, time, np.full(ch.size, _CODE[name], np.int8)))
    ch = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    time = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    code = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int8)
    repair = np.ceil(rng.exponential(repair_mean_h * 3600.0, ch.size)) + 60.0
    order = np.argsort(time, kind="stable")
    return ch[order], time[order], code[order], repair[order]


class ChargerFaults:
    """Fault state of every charger: random hardware faults and voltage faults.

    A random fault (drawn in advance, :func:`draw_faults`) holds until its
    repair time; an OverVoltage/UnderVoltage fault, raised at an interval
    start from the previous power flow's voltage, clears at the first
    interval start with the voltage back within limits. Status changes
    (Faulted with its OCPP 1.6 error code, then Available) go to ``out``.

    Parameters
    ----------
    n : int
        Number of chargers.
    drawn : tuple of numpy.ndarray
        ``(charger, time_s, code, repair_s)`` of the random faults, by time.
    voltage_limits_pu : tuple of float
        (under, over) voltage thresholds [pu].
    out : RecordBuffer
        Where status changes are appended.
    """

    def __init__(
        self,
        n: int,
        drawn: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray],
        voltage_limits_pu: tuple[float, float],
        out: RecordBuffer,
    ) -> None:
        """Every charger healthy."""
        self.n = n
        self._charger, self._time, self._drawn_code, self._repair = drawn
        self._next = 0
        self._vlim = voltage_limits_pu
        self._out = out
        self.code = np.zeros(n, dtype=np.int8)
        self.fault_s = np.full(n, np.inf)
        self.repair_s = np.full(n, np.inf)

    def _faulted(self, ch: NDArray, time_s: NDArray | float, code: NDArray[np.int8]) -> None:
        names = np.asarray(ERROR_CODES, dtype=object)[code]
        self._out.append(charger_id=ch, time_s=np.ceil(time_s), status="Faulted", error_code=names)

    def random(self, b: float) -> None:
        """Start the drawn faults that occur before ``b`` [s] (exact times)."""
        stop = int(np.searchsorted(self._time, b, side="left"))
        if stop == self._next:
            return
        j = np.arange(self._next, stop)
        self._next = stop
        _, first = np.unique(self._charger[j], return_index=True)
        j = j[first]
        j = j[self.code[self._charger[j]] == 0]
        ch = self._charger[j]
        self.code[ch] = self._drawn_code[j]
        self.fault_s[ch] = self._time[j]
        self.repair_s[ch] = self._time[j] + self._repair[j]
        self._faulted(ch, self._time[j], self._drawn_code[j])

    def voltage(self, a: float, vm: NDArray[np.float64]) -> None:
        """Raise or clear voltage faults at interval start ``a`` [s] from ``vm`` [pu]."""
        if vm.shape != (self.n,):
            raise ValueError(f"vm_pu_prev given shape {vm.shape}; expected ({self.n},)")
        lo, hi = self._vlim
        volt = (self.code == _CODE["OverVoltage"]) | (self.code == _CODE["UnderVoltage"])
        self.repair_s[volt & (vm >= lo) & (vm <= hi)] = a
        new = (self.code == 0) & ((vm > hi) | (vm < lo))
        if new.any():
            ch = np.flatnonzero(new)
            code = np.where(vm[ch] > hi, _CODE["OverVoltage"], _CODE["UnderVoltage"])
            self.code[ch] = code
            self.fault_s[ch], self.repair_s[ch] = a, np.inf
            self._faulted(ch, a, code.astype(np.int8))

    def repairs(self, b: float) -> None:
        """Clear the faults repaired before ``b`` [s]; they become Available."""
        done = self.repair_s < b
        if done.any():
            ch = np.flatnonzero(done)
            self._out.append(
                charger_id=ch,
                time_s=np.ceil(self.repair_s[ch]),
                status="Available",
                error_code="NoError",
            )
            self.code[ch], self.fault_s[ch], self.repair_s[ch] = 0, np.inf, np.inf
