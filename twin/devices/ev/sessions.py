"""Charging-session statistics and the drawing of a run's session table (layer 1).

A session is one plug-in: arrival, planned departure (unplug), the energy the
driver wants and the EV's battery. Sessions on one connector never overlap;
an arrival while the previous EV is still plugged is dropped (the driver
goes elsewhere).

Defaults, home chargers (:data:`HOME_SESSIONS`):

- about 3 sessions a week per EV, plugged in more than 10 h on average
  (Electric Nation, ~700 home chargers, 2017-2018: "~3 charges a week,
  plugged in > 12 h on average" [1]_; My Electric Avenue: ~70 % charge once
  a day or less [2]_);
- weekday arrivals peaking 17-20 h, with a smaller late-morning/midday
  mode (those home in the day), weekend arrivals spread over the day
  (Electric Nation; the SimBench HLS profiles [4]_ show both modes);
- 8-15 kWh a session (ElaadNL 2015: 8.4 kWh public; Electric Nation:
  ~10-11 kWh at home) [1]_ [3]_.

Public DC stations (:data:`PUBLIC_SESSIONS`): ~6 sessions a day per
connector in the daytime, 20-60 min, ~20 kWh.

References
----------
.. [1] EA Technology / Western Power Distribution (2019), "Electric Nation
   Customer Trial: Summary of the Smart Charging Trial" (CarConnect report).
.. [2] EA Technology (2016), "My Electric Avenue (I2EV) Summary Report",
   SSEN LCNF project.
.. [3] ElaadNL (2016), "EV charging data 2015" (public charging sessions,
   the Netherlands).
.. [4] Meinecke et al. (2020), "SimBench - A Benchmark Dataset of Electric
   Power Systems to Compare Innovative Solutions Based on Power Flow
   Analysis", Energies 13(12), 3290 (HLS_* home-charging profiles).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis

__all__ = ["HOME_SESSIONS", "PUBLIC_SESSIONS", "SessionStatistics", "SessionTable", "draw_sessions"]


@dataclass(frozen=True)
class SessionStatistics:
    """Distributions of charging sessions at one kind of charger.

    Attributes
    ----------
    sessions_per_day : float
        Mean plug-ins per connector and day [1/d] wanted by drivers; arrivals
        on a connector still occupied are dropped (rare at home: ~1 %).
    max_per_day : int
        Candidate arrivals per connector and day (1 for home chargers).
    weekday_arrival : tuple of (weight, mean_h, sd_h)
        Normal mixture of weekday arrival times [h local].
    weekend_arrival : tuple of (weight, mean_h, sd_h)
        Same for Saturday and Sunday.
    overnight_after_h : float
        Arrivals at or after this hour [h] stay until next morning ...
    morning_departure_h : tuple of float
        ... leaving at normal(mean, sd) [h] the next day.
    dwell_median_h, dwell_sigma : float
        Otherwise a lognormal plug-in duration [h] (median, log-sd [-]).
    energy_median_kwh, energy_sigma : float
        Lognormal energy wanted per session [kWh] (median, log-sd [-]).
    energy_max_kwh : float
        Cap of the energy wanted [kWh].
    battery_choices_kwh : tuple of float
        EV battery capacities [kWh], drawn uniformly.
    ev_max_kw : tuple of float
        Range of the EV's own charging-power limit [kW], uniform.
    soc_target : float
        State of charge the session aims at [-].
    """

    sessions_per_day: float
    max_per_day: int
    weekday_arrival: tuple[tuple[float, float, float], ...]
    weekend_arrival: tuple[tuple[float, float, float], ...]
    overnight_after_h: float = 24.0
    morning_departure_h: tuple[float, float] = (7.5, 1.0)
    dwell_median_h: float = 3.0
    dwell_sigma: float = 0.6
    energy_median_kwh: float = 10.5
    energy_sigma: float = 0.45
    energy_max_kwh: float = 60.0
    battery_choices_kwh: tuple[float, ...] = (40.0, 58.0, 77.0)
    ev_max_kw: tuple[float, float] = (22.0, 22.0)
    soc_target: float = 0.9


HOME_SESSIONS = SessionStatistics(
    sessions_per_day=3.0 / 7.0,
    max_per_day=1,
    weekday_arrival=((0.08, 9.5, 1.2), (0.30, 12.8, 1.3), (0.62, 18.5, 2.0)),
    weekend_arrival=((0.45, 12.5, 2.5), (0.55, 18.0, 2.5)),
    overnight_after_h=14.0,
    morning_departure_h=(8.0, 1.0),
    dwell_median_h=4.5,
    dwell_sigma=0.6,
)
"""Home charging defaults (see the module notes and references)."""

PUBLIC_SESSIONS = SessionStatistics(
    sessions_per_day=6.0,
    max_per_day=16,
    weekday_arrival=((0.5, 11.0, 3.0), (0.5, 17.0, 2.5)),
    weekend_arrival=((1.0, 14.0, 3.5),),
    dwell_median_h=0.6,
    dwell_sigma=0.35,
    energy_median_kwh=22.0,
    energy_sigma=0.4,
    ev_max_kw=(50.0, 150.0),
    soc_target=0.8,
)
"""Public DC fast-charging defaults."""


@dataclass
class SessionTable:
    """Every session of a run, sorted by arrival (columnar).

    Attributes
    ----------
    charger : numpy.ndarray
        Charger index (int64).
    arrive_s, depart_s : numpy.ndarray
        Plug-in and planned unplug [s since run start] (int64; arrivals may
        be < 0 for EVs already plugged in at the start).
    energy_kwh : numpy.ndarray
        Energy wanted [kWh].
    battery_kwh : numpy.ndarray
        EV battery capacity [kWh].
    soc_start : numpy.ndarray
        State of charge at plug-in [-].
    ev_max_kw : numpy.ndarray
        EV acceptance limit [kW].
    ready_s : numpy.ndarray
        When charging may start [s] (after a ``delayed`` policy's wait; set
        to ``arrive_s`` by :meth:`concat`).
    number : numpy.ndarray
        Row of the session in the whole fleet's table (int64; default
        ``0 .. size-1``); kept by :meth:`take`, so that a shard's sessions
        keep the numbers (and transaction ids) they have in the whole run.
    """

    charger: NDArray[np.int64]
    arrive_s: NDArray[np.int64]
    depart_s: NDArray[np.int64]
    energy_kwh: NDArray[np.float64]
    battery_kwh: NDArray[np.float64]
    soc_start: NDArray[np.float64]
    ev_max_kw: NDArray[np.float64]
    ready_s: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    number: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        if self.number.size != self.charger.size:
            self.number = np.arange(self.charger.size, dtype=np.int64)

    @property
    def size(self) -> int:
        """Number of sessions."""
        return int(self.charger.size)

    @classmethod
    def concat(cls, tables: list[SessionTable]) -> SessionTable:
        """Join tables and sort by arrival, then charger."""
        cols = {
            name: np.concatenate([getattr(t, name) for t in tables])
            for name in (
                "charger",
                "arrive_s",
                "depart_s",
                "energy_kwh",
                "battery_kwh",
                "soc_start",
                "ev_max_kw",
            )
        }
        order = np.lexsort((cols["charger"], cols["arrive_s"]))
        out = cls(**{k: v[order] for k, v in cols.items()})
        out.ready_s = out.arrive_s.copy()
        return out

    def take(self, rows: NDArray[np.bool_] | NDArray[np.integer]) -> SessionTable:
        """The sessions ``rows`` (mask or increasing positions), every column kept."""
        return SessionTable(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def _mixture_h(
    rng: np.random.Generator, spec: tuple[tuple[float, float, float], ...], n: int
) -> NDArray[np.float64]:
    weights = np.asarray([w for w, _, _ in spec], dtype=np.float64)
    pick = rng.choice(weights.size, size=n, p=weights / weights.sum())
    mean = np.asarray([m for _, m, _ in spec])[pick]
    sd = np.asarray([s for _, _, s in spec])[pick]
    return np.clip(rng.normal(mean, sd), 0.0, 23.999)


def draw_sessions(
    chargers: NDArray[np.int64],
    stats: SessionStatistics,
    rng: np.random.Generator,
    axis: TimeAxis,
    *,
    gap_s: int = 600,
) -> SessionTable:
    """Draw every session of a run at the given chargers.

    Days run from the day before the run (so EVs plugged in overnight are
    there at the start) to its last day, in the run's local time.

    Parameters
    ----------
    chargers : numpy.ndarray
        Charger indices sharing ``stats``.
    stats : SessionStatistics
        The distributions.
    rng : numpy.random.Generator
        Generator.
    axis : TimeAxis
        The run's interval grid and time zone.
    gap_s : int
        Least time between an unplug and the next plug-in on a connector [s].

    Returns
    -------
    SessionTable
        Sessions with ``depart_s > 0`` and ``arrive_s < duration``.
    """
    m = chargers.size
    start_local = axis.start.tz_convert(axis.timezone)
    first = start_local.normalize() - pd.Timedelta(days=1)
    n_days = int(np.ceil(axis.duration_s / SECONDS_PER_DAY)) + 2
    days = pd.date_range(first.tz_localize(None), periods=n_days, freq="D")
    # Local midnight of every day in run seconds (DST-aware).
    midnight_s = (
        (
            days.tz_localize(
                axis.timezone, nonexistent="shift_forward", ambiguous=np.ones(n_days, dtype=bool)
            )
            - axis.start
        )
        .total_seconds()
        .to_numpy()
    )
    weekend = days.dayofweek.to_numpy() >= 5
    p = min(1.0, stats.sessions_per_day / stats.max_per_day)
    last_depart = np.full(m, -np.inf)
    parts: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]] = []
    for d in range(n_days):
        spec = stats.weekend_arrival if weekend[d] else stats.weekday_arrival
        k = stats.max_per_day
        hours = np.sort(_mixture_h(rng, spec, m * k).reshape(m, k), axis=1)
        wants = rng.random((m, k)) < p
        for j in range(k):
            arrive = midnight_s[d] + hours[:, j] * 3600.0
            ok = wants[:, j] & (arrive >= last_depart + gap_s)
            if not ok.any():
                continue
            idx = np.flatnonzero(ok)
            h = hours[idx, j]
            overnight = h >= stats.overnight_after_h
            leave_h = rng.normal(*stats.morning_departure_h, idx.size).clip(4.0, 12.0)
            dwell_h = np.where(
                overnight,
                24.0 - h + leave_h,
                stats.dwell_median_h * rng.lognormal(0.0, stats.dwell_sigma, idx.size),
            )
            depart = arrive[idx] + np.maximum(dwell_h, 0.1) * 3600.0
            last_depart[idx] = depart
            parts.append((idx, arrive[idx], depart))
    idx = np.concatenate([q[0] for q in parts]) if parts else np.zeros(0, np.int64)
    arrive = np.concatenate([q[1] for q in parts]) if parts else np.zeros(0)
    depart = np.concatenate([q[2] for q in parts]) if parts else np.zeros(0)
    keep = (depart > 0) & (arrive < axis.duration_s)
    idx, arrive, depart = idx[keep], np.floor(arrive[keep]), np.floor(depart[keep])
    n = idx.size
    battery = rng.choice(np.asarray(stats.battery_choices_kwh), size=n)
    energy = stats.energy_median_kwh * rng.lognormal(0.0, stats.energy_sigma, n)
    energy = np.minimum(np.minimum(energy, stats.energy_max_kwh), 0.85 * battery)
    soc_start = np.clip(stats.soc_target - energy / battery, 0.05, 1.0)
    energy = np.minimum(energy, (1.0 - soc_start) * battery)
    ev_max = rng.uniform(*stats.ev_max_kw, n)
    return SessionTable(
        charger=chargers[idx].astype(np.int64),
        arrive_s=arrive.astype(np.int64),
        depart_s=depart.astype(np.int64),
        energy_kwh=energy,
        battery_kwh=battery,
        soc_start=soc_start,
        ev_max_kw=ev_max,
    )
