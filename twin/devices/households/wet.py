"""Wet appliances of a household fleet: washing machines, tumble dryers and dishwashers.

Each home owns each appliance with the ownership of the CREST model [1]_ and
wishes to start a cycle now and then while somebody is at home and active:
with a probability per interval proportional to the appliance's time-of-day
weight (:data:`START_WEIGHT`, CREST's activity profiles of laundry and
cooking [1]_), the BDEW season factor and a rate per home set so that the
home's expected cycles per year are CREST's, scaled with its expected
occupancy-driven (activity) energy (:data:`CYCLES_REFERENCE_ACTIVITY_KWH`).
A cycle starts at a random second of its interval and runs a fixed power
profile (:data:`CYCLE_PHASES`: a heating phase of about 2 kW, then the motor
or pump), whose energy is CREST's mean cycle energy.

Two schedules are kept, both from the same draws:

- the *undelayed* one: a wish starts its cycle at the next interval start at
  which the appliance is free (a second load right after the first);
- the *actual* one: the starts of the undelayed schedule are the wished
  starts; a start is held while the premise's management core asks so
  (demand response, :class:`~twin.devices.dr_control.DrControl`), until the
  hold ends or the wish is ``max_delay`` old, and a cycle that runs is never
  interrupted. Held cycles run in full later, one after the other.

Without holds the two are the same. Their difference is what demand response
shifted (the counterfactual of :mod:`twin.engine.dr_counterfactual`).

Per interval this is a few ``(n, 3)`` array operations; no loop over homes.

References
----------
.. [1] I. Richardson, M. Thomson, D. Infield, C. Clifford, "Domestic
   electricity use: A high-resolution energy demand model", Energy and
   Buildings 42(10), 1878-1887, 2010; its appliance table and activity
   statistics (UK Time Use Survey 2000) as shipped in richardsonpy 0.2.3
   (``inputs/Appliances.csv``, ``inputs/constants/ActiveAppliances_*.csv``).
.. [2] M. Pipattanasomporn, M. Kuzlu, S. Rahman, Y. Teklu, "Load profiles of
   selected major household appliances and their demand response
   opportunities", IEEE Trans. Smart Grid 5(2), 742-750, 2014 (measured cycle
   profiles: heating phases of washing machines and dishwashers, then motor
   and pump at a few hundred watts).
.. [3] R. Stamminger (ed.), "Synergy potential of smart appliances", Smart-A
   project report D2.3, University of Bonn, 2008 (cycle load curves; wet
   appliances as shiftable loads).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY
from twin.devices.households.occupancy import HOME_ACTIVE, N_STATES
from twin.devices.households.tables import N_ROWS, CalendarFeatures, StepTables
from twin.members import Members
from twin.random_streams import FleetStreams

__all__ = [
    "CYCLES_PER_YEAR",
    "CYCLES_REFERENCE_ACTIVITY_KWH",
    "CYCLE_PHASES",
    "MAX_DELAY_LIMIT_S",
    "OWNERSHIP",
    "START_WEIGHT",
    "WET_APPLIANCES",
    "WetAppliances",
    "cycle_energy_kwh",
    "cycle_length_s",
    "drawn_weight_table",
    "expected_start_hours",
    "interval_energy_shares",
    "start_weight_table",
]

WET_APPLIANCES: Final = ("washing_machine", "tumble_dryer", "dishwasher")
"""The wet appliances, in the order of every ``(n, 3)`` array."""

OWNERSHIP: Final = (0.781, 0.416, 0.335)
"""Share of homes that own each appliance [-] (CREST [1]_: dwellings with appliance)."""

CYCLES_PER_YEAR: Final = (195.9066, 122.07292, 241.4764)
"""Cycles per year of an owning home of :data:`CYCLES_REFERENCE_ACTIVITY_KWH` [1/yr]
(CREST [1]_)."""

CYCLES_REFERENCE_ACTIVITY_KWH: Final = 1_500.0
"""Expected annual activity energy of the home that runs :data:`CYCLES_PER_YEAR` [kWh/yr]:
that of the Ofgem typical household of 2,700 kWh/yr, less its mean always-on load of
137.5 W (:func:`~twin.devices.households.composition.draw_occupied_base_kw`). A home's
cycles scale with its activity energy (assumed: more occupants, more use, more washing),
so the wet appliances take the same share of every home's activity, about a quarter, and
a frugal home's are as rare as its other uses."""

CYCLE_PHASES: Final = (
    ((2.0, 17), (0.15, 106), (0.40, 15)),
    ((2.9, 50), (0.5, 10)),
    ((0.1, 8), (2.0, 20), (0.1, 12), (2.0, 13), (0.05, 7)),
)
"""Power profile of one cycle per appliance, as (power [kW], minutes) phases.

Washing machine (40-60 C): water heating at 2 kW, wash and rinse on the
motor, spin; 0.93 kWh in 138 min (CREST [1]_: 406 W for 138 min). Tumble
dryer (condenser): heater and drum, then cool-down; 2.5 kWh in 60 min (CREST:
2,500 W for 60 min). Dishwasher: fill, heat the wash water, wash on the pump,
heat the rinse, dry; 1.14 kWh in 60 min (CREST: 1,131 W for 60 min). Phase
shapes after [2]_ and [3]_; lengths and energies are CREST's means."""

# Start weight by local hour (mean one over the day) of laundry (washing machine,
# tumble dryer) and cooking (dishwasher, run after meals): hourly means of CREST's
# activity probabilities for one active occupant, weekdays and weekends [1].
# fmt: off
START_WEIGHT: Final[dict[str, dict[str, tuple[float, ...]]]] = {
    "laundry": {
        "weekday": (
            0.05, 0.00, 0.00, 0.00, 0.20, 0.43, 0.74, 1.09, 1.86, 2.87, 3.07, 2.77,
            2.19, 1.62, 1.74, 1.33, 1.18, 0.66, 0.55, 0.47, 0.39, 0.33, 0.23, 0.20,
        ),
        "weekend": (
            0.11, 0.18, 0.08, 0.12, 0.00, 0.51, 0.88, 1.39, 1.48, 2.48, 2.94, 3.07,
            2.38, 1.56, 1.61, 1.09, 1.25, 0.81, 0.47, 0.53, 0.48, 0.33, 0.15, 0.09,
        ),
    },
    "cooking": {
        "weekday": (
            0.19, 0.10, 0.22, 0.31, 0.73, 1.15, 1.37, 1.52, 1.35, 1.10, 0.83, 1.13,
            1.81, 1.34, 0.96, 1.14, 1.87, 2.36, 1.78, 1.05, 0.61, 0.47, 0.39, 0.25,
        ),
        "weekend": (
            0.15, 0.23, 0.22, 0.37, 0.92, 1.11, 1.38, 1.39, 1.57, 1.44, 1.08, 1.29,
            1.87, 1.56, 1.03, 0.90, 1.51, 1.94, 1.58, 0.89, 0.55, 0.41, 0.35, 0.26,
        ),
    },
}
# fmt: on
_ACTIVITY: Final = ("laundry", "laundry", "cooking")

MAX_DELAY_LIMIT_S: Final = 12 * 3600
"""Longest delay of a wished start the actual schedule allows [s]: it bounds the
held starts a home can queue (:data:`QUEUE_DEPTH`)."""

QUEUE_DEPTH: Final = 16
"""Held starts per appliance of a home: at most :data:`MAX_DELAY_LIMIT_S` over the
shortest cycle (60 min) plus the one running and one wished (14)."""

_N: Final = len(WET_APPLIANCES)
_IDLE: Final = -(1 << 62)  # elapsed time of an appliance that does not run


def cycle_length_s(appliance: int) -> int:
    """Length of one cycle of appliance ``appliance`` (index into :data:`WET_APPLIANCES`) [s]."""
    return 60 * sum(minutes for _, minutes in CYCLE_PHASES[appliance])


def cycle_energy_kwh(appliance: int) -> float:
    """Energy of one cycle of appliance ``appliance`` [kWh]."""
    return sum(kw * minutes / 60.0 for kw, minutes in CYCLE_PHASES[appliance])


def _cumulative(appliance: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Knots [s] and the energy drawn since the cycle start at each [kWh]."""
    phases = CYCLE_PHASES[appliance]
    knots = np.concatenate([[0.0], np.cumsum([60.0 * m for _, m in phases])])
    energy = np.concatenate([[0.0], np.cumsum([kw * m / 60.0 for kw, m in phases])])
    return knots, energy


def start_weight_table(interval_s: int) -> NDArray[np.float64]:
    """Start weight of each appliance by day type (weekday, weekend) and slot, ``(2, slots, 3)``.

    The weight of a slot is that of the local hour of its midpoint.
    """
    per_day = SECONDS_PER_DAY // interval_s
    hour = np.floor((np.arange(per_day) + 0.5) * interval_s / 3600.0).astype(np.intp)
    out = np.empty((2, per_day, _N))
    for d, day in enumerate(("weekday", "weekend")):
        for a, activity in enumerate(_ACTIVITY):
            out[d, :, a] = np.asarray(START_WEIGHT[activity][day])[hour]
    return out


def interval_energy_shares(appliance: int, interval_s: int) -> NDArray[np.float64]:
    """Share of a cycle's energy drawn in each interval from the one it starts in [-].

    Averaged over a start second uniform within the first interval; sums to 1.
    """
    knots, energy = _cumulative(appliance)
    n = -(-int(knots[-1]) // interval_s) + 1
    offsets = (np.arange(60) + 0.5) * (interval_s / 60.0)
    edges = np.arange(n + 1)[None, :] * interval_s - offsets[:, None]
    drawn = np.diff(np.interp(edges, knots, energy), axis=1).mean(axis=0)
    return drawn / energy[-1]


def drawn_weight_table(interval_s: int) -> NDArray[np.float64]:
    """Mean start weight behind the energy each appliance draws in a slot, ``(2, slots, 3)``.

    The start weights of the slots before, weighted by the share of a
    cycle's energy drawn that many intervals after its start
    (:func:`interval_energy_shares`), within the same day type (the day
    wraps around): a home's expected wet-appliance power in a slot is its
    cycles' energy rate times this weight.
    """
    weight = start_weight_table(interval_s)
    out = np.zeros_like(weight)
    for a in range(_N):
        for j, share in enumerate(interval_energy_shares(a, interval_s)):
            out[:, :, a] += share * np.roll(weight[:, :, a], j, axis=1)
    return out


def expected_start_hours(
    tables: StepTables,
    features: CalendarFeatures,
    interval_s: int,
    present: NDArray[np.float64],
    weight: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Expected weighted active hours per table row and appliance over the given intervals.

    A home of row ``r`` that wishes ``rate`` starts per weighted active hour
    wishes ``rate * hours[r, a]`` starts of appliance ``a`` over the
    intervals of ``features``: the sum over intervals of the chance of being
    at home and active, times the start weight and the season factor.

    Parameters
    ----------
    tables : StepTables
        Occupancy marginals.
    features : CalendarFeatures
        Calendar of the intervals (typically a reference year).
    interval_s : int
        Interval length [s].
    present : numpy.ndarray
        Chance per interval that the household is not away on holiday [-].
    weight : numpy.ndarray
        :func:`start_weight_table` of ``interval_s``.

    Returns
    -------
    numpy.ndarray
        ``(rows, 3)`` [h]; 0 for the vacant row.
    """
    per_day = SECONDS_PER_DAY // interval_s
    key = features.day_type * per_day + features.slot
    season_w = np.bincount(key, weights=features.season * present, minlength=2 * per_day)
    active = tables.marginals.reshape(2 * per_day, N_ROWS, N_STATES)[:, :, HOME_ACTIVE]
    return np.einsum("k,kr,ka->ra", season_w, active, weight.reshape(2 * per_day, _N)) * (
        interval_s / 3600.0
    )


class WetAppliances:
    """The wet appliances of a household fleet (member premises), both schedules.

    Parameters
    ----------
    owned : numpy.ndarray
        bool ``(n, 3)``: each member premise owns each appliance.
    start_hours : numpy.ndarray
        :func:`expected_start_hours` of the fleet's reference year, ``(rows, 3)`` [h].
    activity_hours : numpy.ndarray
        Expected activity hours per row of the same year, ``(rows,)`` [h]: a home of
        activity scale ``s`` [kW] uses ``s * activity_hours[row]`` [kWh/yr].
    interval_s : int
        The run's interval [s].
    rng : numpy.random.Generator
        The appliances' own generator: it keys each member's stream, which
        gives the member one uniform per interval
        (:class:`~twin.random_streams.FleetStreams`).
    members : Members
        The premises simulated.

    Attributes
    ----------
    owned : numpy.ndarray
        bool ``(n, 3)``, in :data:`WET_APPLIANCES` order.
    p_kw, p_kw_undelayed : numpy.ndarray
        Mean power of the last stepped interval [kW], ``(n,)``: actual and as
        it would have been without holds.
    """

    def __init__(
        self,
        *,
        owned: NDArray[np.bool_],
        start_hours: NDArray[np.float64],
        activity_hours: NDArray[np.float64],
        interval_s: int,
        rng: np.random.Generator,
        members: Members,
    ) -> None:
        n = members.n
        if owned.shape != (n, _N):
            raise ValueError(f"owned given shape {owned.shape}; expected ({n}, {_N})")
        self.owned = owned
        self._streams = FleetStreams.spawned(rng, "wet-wishes", members)
        self._dt = interval_s
        self._weight = start_weight_table(interval_s)
        self._drawn_weight = drawn_weight_table(interval_s)
        self._hours = start_hours
        self._activity_hours = activity_hours
        self._energy = np.array([cycle_energy_kwh(a) for a in range(_N)])
        self._length = np.array([cycle_length_s(a) for a in range(_N)], dtype=np.int64)
        self._curves = [_cumulative(a) for a in range(_N)]
        self._rate = np.zeros((n, _N))  # wished starts per weighted active hour
        self._rate_kwh = np.zeros((n, _N))  # the same times the cycle energy
        self._cycles = np.zeros((n, _N))  # expected per year
        # seconds since the cycle start at the interval start (negative: it starts within
        # the interval), or _IDLE
        self._free_elapsed = np.full((n, _N), _IDLE, dtype=np.int64)
        self._free_queue = np.zeros((n, _N), dtype=np.int64)
        self._offset = np.zeros((n, _N), dtype=np.int64)  # of the latest wish [s]
        self._elapsed = self._free_elapsed.copy()
        self._count = np.zeros((n, _N), dtype=np.int64)
        self._wish_s = np.full((n, _N, QUEUE_DEPTH), np.nan)
        self._queued = 0  # held starts in _wish_s
        self._same = True  # the actual schedule is the undelayed one
        self.p_kw = np.zeros(n)
        self.p_kw_undelayed = np.zeros(n)

    @classmethod
    def draw_owned(cls, rng: np.random.Generator, n: int) -> NDArray[np.bool_]:
        """Ownership of every premise of the full fleet of ``n``, bool ``(n, 3)``, at the
        CREST shares (:data:`OWNERSHIP`), whatever the household: a frugal home owns its
        washing machine as often and runs it less (its cycles scale with its activity)."""
        return rng.random((n, _N)) < np.asarray(OWNERSHIP)

    def set_households(
        self,
        premise: NDArray[np.intp],
        scale_kw: NDArray[np.float64],
        row: NDArray[np.int64],
    ) -> None:
        """Set the start rates of the households now living at ``premise`` (member positions).

        ``scale_kw`` is each household's activity scale [kW] (0 for none) and
        ``row`` its occupancy profile row.
        """
        hours = self._hours[row]
        activity_kwh = np.asarray(scale_kw) * self._activity_hours[row]
        cycles = (
            self.owned[premise]
            * np.asarray(CYCLES_PER_YEAR)
            * (activity_kwh[:, None] / CYCLES_REFERENCE_ACTIVITY_KWH)
        )
        rate = np.where(hours > 0, cycles / np.where(hours > 0, hours, 1.0), 0.0)
        self._rate[premise] = rate
        self._rate_kwh[premise] = rate * self._energy
        self._cycles[premise] = cycles

    @property
    def cycles_per_year(self) -> NDArray[np.float64]:
        """Expected cycles per year of each premise's household and appliance, ``(n, 3)``."""
        return self._cycles.copy()

    @property
    def running(self) -> NDArray[np.bool_]:
        """A cycle of the actual schedule runs into the next interval, bool ``(n, 3)``."""
        return (self._free_elapsed if self._same else self._elapsed) != _IDLE

    @property
    def running_undelayed(self) -> NDArray[np.bool_]:
        """A cycle of the undelayed schedule runs into the next interval, bool ``(n, 3)``."""
        return self._free_elapsed != _IDLE

    def expected_kw(self, day: int, slot: int, season: float) -> NDArray[np.float64]:
        """Expected wet-appliance power of each home while active in this slot [kW], ``(n,)``.

        What the steady uses give up so that a home's expected energy stays
        that of its calibration.
        """
        return (self._rate_kwh @ self._drawn_weight[day, slot]) * season

    def step(
        self,
        start_s: int,
        day: int,
        slot: int,
        season: float,
        active: NDArray[np.bool_],
        max_delay_s: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Advance one interval starting at ``start_s`` [s]; the actual mean power [kW].

        Parameters
        ----------
        start_s : int
            Interval start [s since the run start].
        day, slot : int
            Day type (0 weekday, 1 weekend) and slot of the local day.
        season : float
            Season factor of the interval [-].
        active : numpy.ndarray
            bool ``(n,)``: somebody at home and active in this interval.
        max_delay_s : numpy.ndarray, optional
            ``(n,)`` [s]: where positive, a start is held this interval unless
            its wish is that old already; None or 0: no hold.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` [kW], also kept as :attr:`p_kw`.
        """
        u = self._streams.random()
        weight = self._weight[day, slot] * (season * self._dt / 3600.0)
        # At most one wish per home and interval: appliance a where u falls in its bin of
        # the cumulative wish probabilities (column by column, as a cumulative sum adds).
        rate = self._rate
        total = rate[:, 0] * weight[0] + rate[:, 1] * weight[1]
        total += rate[:, 2] * weight[2]
        wished = np.flatnonzero((u < total) & active)
        if wished.size:
            p = rate[wished] * weight
            cum = np.cumsum(p, axis=1)
            uw = u[wished]
            w = (uw[:, None] >= cum).sum(axis=1)
            np.add.at(self._free_queue, (wished, w), 1)
            # where in its bin the uniform fell: a second uniform, for the start's second
            rows = np.arange(w.size)
            low = np.where(w > 0, cum[rows, np.maximum(w - 1, 0)], 0.0)
            within = (uw - low) / p[rows, w]
            self._offset[wished, w] = np.minimum(within * self._dt, self._dt - 1).astype(np.int64)
        # a queued wish starts where its appliance is free (few queue: gather, not mask)
        qi, qa = np.divmod(np.flatnonzero(self._free_queue.ravel() != 0), _N)
        free = self._free_elapsed[qi, qa] == _IDLE
        i, a = qi[free], qa[free]
        self._free_elapsed[i, a] = -self._offset[i, a]
        self._free_queue[i, a] -= 1
        self._offset[i, a] = 0
        started_s = start_s - self._free_elapsed[i, a]
        held = None if max_delay_s is None else max_delay_s > 0
        if held is not None and not held.any():
            held = None
        if self._same and held is not None:  # the first hold: the actual schedule parts
            self._elapsed = self._free_elapsed.copy()
            self._elapsed[i, a] = _IDLE
            self._same = False
        self.p_kw_undelayed = self._run(self._free_elapsed)
        if self._same:
            self.p_kw = self.p_kw_undelayed
            return self.p_kw
        self._push(i, a, started_s)
        self._release(float(start_s), held, max_delay_s)
        self.p_kw = self._run(self._elapsed)
        if held is None and not self._queued:
            self._same = bool(np.array_equal(self._elapsed, self._free_elapsed))
        return self.p_kw

    # ------------------------------------------------------------------ helpers
    def _run(self, elapsed: NDArray[np.int64]) -> NDArray[np.float64]:
        """Mean power of the cycles running in ``elapsed`` over one interval; advance them."""
        out = np.zeros(elapsed.shape[0])
        dt = self._dt
        for a in range(_N):
            col = elapsed[:, a]
            on = np.flatnonzero(col != _IDLE)
            if not on.size:
                continue
            knots, energy = self._curves[a]
            e0 = col[on].astype(np.float64)
            kwh = np.interp(e0 + dt, knots, energy) - np.interp(e0, knots, energy)
            out[on] += kwh * (3600.0 / dt)
            after = col[on] + dt
            col[on] = np.where(after >= self._length[a], _IDLE, after)
        return out

    def _push(self, i: NDArray[np.intp], a: NDArray[np.intp], start_s: NDArray[np.int64]) -> None:
        """Queue the wished starts of appliances ``a`` at premises ``i`` at ``start_s`` [s]."""
        if not i.size:
            return
        slot = self._count[i, a]
        if (slot >= QUEUE_DEPTH).any():
            raise RuntimeError(
                f"more than {QUEUE_DEPTH} held wet-appliance starts at one appliance; "
                f"expected delays of at most {MAX_DELAY_LIMIT_S} s"
            )
        self._wish_s[i, a, slot] = start_s
        self._count[i, a] += 1
        self._queued += i.size

    def _release(
        self,
        now_s: float,
        held: NDArray[np.bool_] | None,
        max_delay_s: NDArray[np.float64] | None,
    ) -> None:
        """Start the oldest queued wish where the appliance is free and no hold stops it."""
        if not self._queued:
            return
        go = (self._elapsed == _IDLE) & (self._count > 0)
        if held is not None and max_delay_s is not None:
            waited = now_s - self._wish_s[:, :, 0]
            go &= ~held[:, None] | (waited >= max_delay_s[:, None])
        i, a = np.divmod(np.flatnonzero(go.ravel()), _N)  # row-major, as np.nonzero
        if not i.size:
            return
        # a wish of this interval starts at its second; an older one at the interval start
        self._elapsed[i, a] = np.minimum(now_s - self._wish_s[i, a, 0], 0.0).astype(np.int64)
        self._wish_s[i, a, :-1] = self._wish_s[i, a, 1:]
        self._wish_s[i, a, -1] = np.nan
        self._count[i, a] -= 1
        self._queued -= i.size
