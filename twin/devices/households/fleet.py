"""The vectorised household fleet (layer 2): occupancy, vacancy and load of N homes.

The engine creates one :class:`HouseholdFleet`, schedules its
:meth:`~HouseholdFleet.events` as SimPy timeouts that call
:meth:`~HouseholdFleet.apply`, and calls :meth:`~HouseholdFleet.step` once per
interval, in order. A step is a handful of numpy gathers over precomputed
tables (see :mod:`twin.devices.households.tables`), never a loop over homes.

Per home and interval: the occupancy chain moves one step (away, at home
inactive, at home active); the mean power is the baseload (standby and cold
appliances) times a fridge-cycling noise, plus the occupancy-driven activity
(appliances by time of day and season, lighting by darkness) times a
right-skewed appliance noise, plus the cycles of its washing machine, tumble
dryer and dishwasher (:mod:`twin.devices.households.wet`), whose expected
power the other steady uses give up. Empty homes draw their own standby and a
fridge whose interval means follow an AR(1) process, a timer lamp in the
evening in some (see :mod:`twin.devices.households.vacant`), and now and then a visit or
renovation work (:mod:`twin.devices.households.visits`). Each home's
activity scale is set so that its *expected* annual energy (from the chain's
marginals over a reference year that starts with the run, holidays
included) equals its drawn ``annual_kwh``.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.households.composition import (
    DEMAND_CAP_KW_RANGE,
    LONG_TERM_VACANT_CODE,
    SEASONAL_CODE,
    STAY_ROWS,
    Tenant,
    activity_scale_kw,
    check_inputs,
    draw_annual_kwh,
    draw_episodes,
    draw_look_empty_travellers,
    draw_occupancy_codes,
    draw_occupied_base_kw,
    draw_tenants,
    expected_hours,
    reference_year,
    restrict_tenants,
)
from twin.devices.households.events import (
    EVENT_KINDS,
    HouseholdEvent,
    household_events,
    vacancy_periods,
)
from twin.devices.households.hard_cases import behaviour_labels, join_labels, look_empty_labels
from twin.devices.households.kernel import interval_noise_cv, mean_one_noise_table, poisson_counts
from twin.devices.households.occupancy import ARCHETYPES, AWAY, HOME_ACTIVE, N_STATES
from twin.devices.households.occupancy_look_empty import LOOK_EMPTY_ARCHETYPES
from twin.devices.households.params import HouseholdParams
from twin.devices.households.schedule import Episodes
from twin.devices.households.tables import (
    N_VARIANTS,
    SHIFT_PROBABILITY,
    VACANT_ROW,
    CalendarFeatures,
    StepTables,
    profile_row,
)
from twin.devices.households.vacant import (
    FRIDGE_CV_15MIN,
    JITTER_DAY_STRIDE,
    TIMER_DUSK_DARKNESS,
    VacantHomes,
    evening_day,
    fridge_ar_step,
    normal_table,
    timer_light_on,
)
from twin.devices.households.visits import RenovationWork, VisitSchedule
from twin.devices.households.wet import WetAppliances, expected_start_hours, start_weight_table
from twin.members import Members
from twin.random_streams import FleetStreams

__all__ = ["OCCUPANCY_KINDS", "HouseholdFleet"]

OCCUPANCY_KINDS: Final = (*ARCHETYPES, "seasonal", "long_term_vacant")
"""Values of :attr:`HouseholdFleet.occupancy_kind`."""

_SEASONAL, _LTV = SEASONAL_CODE, LONG_TERM_VACANT_CODE
_KEEP_STEPS: Final = 1 << 16
ACTIVITY_CV_15MIN: Final = 0.7
"""CV of the 15-min appliance energy of a visit to an empty home around its mean [-]."""

STEADY_SHARE: Final = 0.65
"""Share of an occupied home's activity energy in steady uses [-] (TV and
computers, lighting, cooking and the wet appliances' cycles, which are drawn
on their own and taken out of this share): these last longer than an
interval and keep their noise from one interval to the next (see
:data:`ACTIVITY_NOISE_PERSISTENCE_S`). The rest is short bursts (kettle,
microwave, toaster, hair dryer: minutes at 1-2 kW, Richardson et al. 2010),
counted as discrete events (:data:`BURST_ENERGY_KWH`)."""

STEADY_CV_15MIN: Final = 2.2
"""CV of the steady uses' 15-min energy around the occupancy-state mean [-]."""

BURST_ENERGY_KWH: Final = 0.11
"""Mean energy of one short burst [kWh]: a kettle boiling a litre and a half
(2-3 kW for 2-4 min), a microwave or toaster run (1 kW for 3-5 min), a hair
dryer (1.5-2 kW for 5 min) (appliance ratings and cycle lengths of the CREST
model, Richardson et al. 2010). A home's bursts in an interval are a Poisson
count with the mean its burst energy asks, so a home that uses less (summer,
a frugal home) boils its kettle less often, not at lower power. All of a
burst's energy falls in the interval it starts in, so at intervals shorter
than a burst (a few minutes) its power is overstated there."""

BURST_SIZE_CV: Final = 0.5
"""CV of the energy of one burst around :data:`BURST_ENERGY_KWH` [-]: kettles,
microwaves, toasters and hair dryers differ in power and run length."""

BASELOAD_CV_15MIN: Final = 0.17
"""CV of a 15-min baseload mean [-]: the fridge compressor cycles (a CV of about
0.5 of the cold appliances' 15-min mean), standby and the other always-on
loads do not; cold appliances are about a quarter of the baseload."""

ACTIVITY_NOISE_PERSISTENCE_S: Final = 10800.0
"""Time constant [s] of a home's steady-use noise: each interval the noise of the
last one is kept with probability ``exp(-dt / time constant)`` (0.92 at 15 min),
else redrawn. Steady uses (a TV evening, a washing cycle, an oven) last from
tens of minutes to hours (CREST: 73 min mean TV viewing, 138 min washing
cycle; Richardson et al. 2010), so a home's interval loads are correlated:
with the bursts, the lag-1 autocorrelation of its 15-min load is about
0.6-0.66, CREST's 0.66-0.70 (README)."""

DAY_ACTIVITY_CV: Final = 0.08
"""CV of a home's day-to-day activity factor [-]: a mean-one multiplier of its
activity drawn each local midnight (laundry days, cooking or eating out,
guests). With the occupancy chain and the steady-use noise it gives about the
day-to-day CV of daily energy of the CREST model's homes (0.27-0.29)."""


class HouseholdFleet:
    """N households as arrays: occupancy chain, vacancy episodes, interval load.

    Create with :meth:`create`. The fleet owns its generator: it draws from
    it in :meth:`create`; each :meth:`step` draws from every premise's own
    stream (:class:`~twin.random_streams.FleetStreams`, keyed once from that
    generator).

    A fleet may simulate only some premises of a larger one (a shard of a
    run, see :class:`~twin.members.Members`): the creation-time draws are
    then made for the whole fleet, in the same order, and restricted to the
    members, and a step draws only for the members, so a member's numbers,
    events and power equal the whole fleet's. Arrays, events and vacancy
    periods are indexed by member position ``0 .. n-1``.

    Attributes
    ----------
    n : int
        Number of premises simulated (members).
    members : Members
        Their positions in the full fleet.
    occupancy_kind : numpy.ndarray
        Per premise (object): an archetype of :data:`ARCHETYPES`, ``"seasonal"``
        or ``"long_term_vacant"``; after a move-in, the new tenant's archetype.
    annual_kwh : numpy.ndarray
        Annual consumption target of the current (or latest) household
        [kWh/yr], float64: expected energy over a full year of its normal
        occupancy, holidays included. Seasonal homes use it pro rata of their
        stays, students and frequent travellers pro rata of their time at
        home; for long-term vacant premises it is their standby energy.
    look_empty : numpy.ndarray
        Per premise (object): which kinds of occupied home that looks empty
        its household is, ``+``-joined from ``long_hours_worker``,
        ``student``, ``frugal_elderly``, ``low_electricity`` and
        ``frequent_traveller``; ``""`` for none (and for premises without a
        household). Updated at a move-in.
    vacant_behaviour : numpy.ndarray
        Per premise (object): what it draws while empty in this run,
        ``+``-joined: ``switched_off`` or ``standby`` (``+fridge``,
        ``+timer_light``), then ``+caretaker``, ``+viewing``, ``+cleaning``,
        ``+renovation`` where those happen; ``""`` for premises never empty
        in the run but on holiday.

    Notes
    -----
    The occupancy profiles and the noise levels (:data:`STEADY_CV_15MIN`,
    :data:`BURST_ENERGY_KWH`, :data:`BASELOAD_CV_15MIN`, ...) are assumptions
    shaped after the references; the noise levels and persistence are set so
    that the homes' behaviour statistics are those of the CREST model [2]_
    (``benchmarks/bench_households_vs_crest.py``), and the appliance
    intensities are fitted so that the fleet's mean weekday, Saturday and
    Sunday profiles follow BDEW H25 [3]_ (r >= 0.99, peak/mean and
    minimum/mean within 0.08 and 0.05 on weekdays; see the tests and README).

    References
    ----------
    .. [1] Richardson, Thomson, Infield (2008), "A high-resolution domestic
       building occupancy model for energy demand simulations", Energy and
       Buildings 40, 1560-1566 (occupancy Markov chain).
    .. [2] Richardson, Thomson, Infield, Clifford (2010), "Domestic electricity
       use: a high-resolution energy demand model", Energy and Buildings 42,
       1878-1887 (occupancy-driven appliance and lighting demand).
    .. [3] BDEW, "Standardlastprofile Strom" H25 (2025), via demandlib 0.2
       (seasonal dynamisation; reference profile of the tests).
    """

    n: int
    members: Members
    occupancy_kind: NDArray[np.object_]
    annual_kwh: NDArray[np.float64]
    look_empty: NDArray[np.object_]
    vacant_behaviour: NDArray[np.object_]

    def __init__(
        self,
        *,
        rng: np.random.Generator,
        members: Members,
        axis: TimeAxis,
        features: CalendarFeatures,
        tables: StepTables,
        power_factor: float,
        occupancy_kind: NDArray[np.object_],
        annual_kwh: NDArray[np.float64],
        home_row: NDArray[np.int64],
        scale_kw: NDArray[np.float64],
        cap_kw: NDArray[np.float64],
        base_occupied_kw: NDArray[np.float64],
        vacant_homes: VacantHomes,
        episodes: Episodes,
        tenants: dict[tuple[int, int], Tenant],
        noise_activity: NDArray[np.float64],
        noise_steady: NDArray[np.float64],
        noise_burst: NDArray[np.float64],
        noise_base: NDArray[np.float64],
        noise_day: NDArray[np.float64],
        visits: VisitSchedule,
        renovation: RenovationWork,
        timer_jitter_h: NDArray[np.float64],
        look_empty: NDArray[np.object_],
        vacant_behaviour: NDArray[np.object_],
        wet: WetAppliances,
    ) -> None:
        """Assemble a fleet from drawn arrays; use :meth:`create` instead.

        Per-premise arrays, ``vacant_homes``, ``episodes``, ``tenants``,
        ``visits`` and ``renovation`` are those of the members (member positions).
        """
        self.n = members.n
        self.members = members
        if annual_kwh.size != self.n:
            raise ValueError(f"{annual_kwh.size} premises given for {self.n} members")
        self.occupancy_kind = occupancy_kind
        self.annual_kwh = annual_kwh
        self._axis = axis
        self._features = features
        self._tables = tables
        self._tan_phi = float(np.tan(np.arccos(power_factor)))
        self._home_row = home_row
        self.scale_kw = scale_kw
        self._cap_kw = cap_kw
        self._base_occupied_kw = base_occupied_kw
        self._vacant_homes = vacant_homes
        self.look_empty = look_empty
        self.vacant_behaviour = vacant_behaviour
        self._episodes = episodes
        self._tenants = tenants
        self._noise_activity = noise_activity
        self._noise_steady = noise_steady
        burst_kw = BURST_ENERGY_KWH * 3600.0 / axis.interval_s
        self._burst_kw = burst_kw * noise_burst
        self._bursts_per_kw = (1.0 - STEADY_SHARE) / burst_kw
        self._bursts_per_short_kw = 1.0 / burst_kw
        self._noise_base = noise_base
        self._noise_day = noise_day
        keep = float(np.exp(-axis.interval_s / ACTIVITY_NOISE_PERSISTENCE_S))
        self._keep_below = round(keep * _KEEP_STEPS)
        self._noise_index: NDArray[np.intp]
        self._day_factor: NDArray[np.float64] = np.ones(self.n, dtype=np.float64)
        self._scale_today_kw: NDArray[np.float64] = scale_kw.copy()
        self._visits = visits
        self._renovation = renovation
        self._wet = wet
        self._events = self._collect_events()
        # Empty homes: the fridge's AR(1) state, the timer lamps, local time and evenings.
        dt = axis.interval_s
        self._normal = normal_table()
        self._fridge_x = vacant_homes.fridge_x0.copy()
        self._fridge_gain = np.sqrt(1.0 - vacant_homes.fridge_phi**2)
        self._fridge_cv = interval_noise_cv(dt, cv_15min=FRIDGE_CV_15MIN, correlation_s=900.0)
        self._timer_jitter_h = timer_jitter_h
        self._mid_hour = np.mod(np.asarray(axis.local_hour) + dt / 7200.0, 24.0)
        self._evening = evening_day(self._mid_hour)

        # State at the run start: vacant where an episode covers time 0.
        away = np.zeros(self.n, dtype=bool)
        on_holiday = np.zeros(self.n, dtype=bool)
        live = episodes.active_at(0)
        away[episodes.premise[live]] = True
        on_holiday[episodes.premise[live & (episodes.kind == "holiday")]] = True
        row = np.where(away, VACANT_ROW, home_row)
        cum = np.cumsum(tables.marginals[features.day_type[0], features.slot[0]], axis=-1)[row]
        u = members.take(rng.random(members.n_total))
        self._noise_index = members.take(rng.integers(0, 1024, members.n_total)).astype(np.intp)
        self._streams = FleetStreams.spawned(rng, "household-steps", members)
        state = ((u >= cum[:, 0]).astype(np.int8) + (u >= cum[:, 1])).astype(np.int8)
        self._state: NDArray[np.int8] = np.where(away, AWAY, state).astype(np.int8)
        self._row3: NDArray[np.intp] = (row * N_STATES).astype(np.intp)
        self._idx: NDArray[np.intp] = self._row3 + self._state
        empty = away & ~on_holiday
        self._base_now_kw = np.where(empty, 0.0, base_occupied_kw).astype(np.float64)
        # Empty (not on holiday): the homes that draw their empty-home load, as positions
        # and their per-home values, refreshed after an event changes them.
        self._empty = empty
        self._refresh_empty()

    # ------------------------------------------------------------------ create
    @classmethod
    def create(
        cls,
        n: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        latitude_deg: float,
        params: HouseholdParams | None = None,
        members: Members | None = None,
        holidays: NDArray[np.int64] | None = None,
    ) -> HouseholdFleet:
        """Draw a fleet of ``n`` homes and everything that happens to them in the run.

        Parameters
        ----------
        n : int
            Number of premises of the full fleet, >= 1.
        rng : numpy.random.Generator
            The fleet's own generator (used here, and for the seed of the
            premises' per-step streams).
        axis : TimeAxis
            The run's interval grid; the interval must divide a day.
        latitude_deg : float
            Site latitude [deg] (daylight for lighting).
        params : HouseholdParams, optional
            Consumption, occupancy archetypes and vacancy; default
            ``HouseholdParams()``.
        members : Members, optional
            The premises to simulate (``members.n_total == n``); default all.
            Everything is drawn for all ``n`` premises as in the full fleet,
            then restricted to the members; a step draws for the members only.
        holidays : numpy.ndarray, optional
            Public holidays (days since 1970-01-01) of the run, of the year
            from its start and of the months before it: households live them
            as weekend days, builders rest, and second homes are used over
            the long weekends they make. Default: none.

        Returns
        -------
        HouseholdFleet
            Of ``members.n`` premises, indexed by member position.

        Raises
        ------
        ValueError
            Listing every input that is out of range; or if ``members`` is
            not a subset of a fleet of ``n``.
        """
        p = HouseholdParams() if params is None else params
        check_inputs(n, axis, latitude_deg)
        if members is None:
            members = Members.all(n)
        elif members.n_total != n:
            raise ValueError(f"members given for a fleet of {members.n_total}; expected {n}")
        code = draw_occupancy_codes(rng, n, p)
        variant = rng.choice(N_VARIANTS, size=n, p=SHIFT_PROBABILITY)
        annual, look = draw_annual_kwh(rng, code, p)
        base_occ = draw_occupied_base_kw(rng, annual)
        vacant_homes = VacantHomes.draw(rng, n, p.vacant, axis.interval_s)
        base_vac = vacant_homes.mean_kw
        cap = rng.uniform(*DEMAND_CAP_KW_RANGE, n)
        home_row = np.where(
            code == _LTV, VACANT_ROW, profile_row(np.minimum(code, _SEASONAL), variant)
        )

        travellers = draw_look_empty_travellers(rng, code, p)
        episodes = draw_episodes(rng, axis, code, p, travellers, holidays)

        features = CalendarFeatures.of(axis, latitude_deg, holidays)
        tables = StepTables.build(axis.interval_s)
        reference = reference_year(axis, latitude_deg, features, p.holiday_weeks_per_year, holidays)
        hours = expected_hours(
            axis, latitude_deg, features, tables, p.holiday_weeks_per_year, holidays, reference
        )
        scale = activity_scale_kw(annual, base_occ, hours[home_row])
        # An empty home's year: its baseload (heating is the thermal fleet's).
        annual = np.where(code == _LTV, base_vac * 8760.0, annual)
        kinds = np.asarray(OCCUPANCY_KINDS, dtype=object)[code]

        tenants = draw_tenants(rng, episodes, axis, p, hours)
        dt = axis.interval_s
        noise_act = mean_one_noise_table(rng, interval_noise_cv(dt, cv_15min=ACTIVITY_CV_15MIN))
        noise_steady = mean_one_noise_table(
            rng, interval_noise_cv(dt, cv_15min=STEADY_CV_15MIN, correlation_s=900.0)
        )
        noise_burst = mean_one_noise_table(rng, BURST_SIZE_CV)
        noise_base = mean_one_noise_table(rng, interval_noise_cv(dt, cv_15min=BASELOAD_CV_15MIN))
        noise_day = mean_one_noise_table(rng, DAY_ACTIVITY_CV)
        visits = VisitSchedule.draw(episodes, p.vacant, rng, axis)
        renovation = RenovationWork.draw(episodes, p.vacant, rng, axis)
        jitter = p.vacant.timer_jitter_min / 60.0
        timer_jitter_h = rng.uniform(-jitter, jitter, 1024)
        take = members.take
        # What follows is the members' own: restricted once, labelled for them only.
        own_homes, own_episodes = vacant_homes.restrict(members), episodes.restrict(members)
        own_visits, own_renovation = visits.restrict(members), renovation.restrict(members)
        look_empty = look_empty_labels(take(kinds), take(look), take(travellers))
        behaviour = behaviour_labels(
            own_homes, own_episodes, own_visits, own_renovation, axis, members.n
        )
        # Wet appliances: their own generator (spawned, so the fleet's draws are unchanged).
        wet_rng = rng.spawn(1)[0]
        weight = start_weight_table(dt)
        start_hours = expected_start_hours(tables, reference[0], dt, reference[1], weight)
        full = expected_start_hours(tables, reference[0], dt, np.ones(reference[1].size), weight)
        start_hours[STAY_ROWS] = full[STAY_ROWS]
        wet = WetAppliances(
            owned=take(WetAppliances.draw_owned(wet_rng, look.size)),
            start_hours=start_hours,
            activity_hours=hours,
            interval_s=dt,
            rng=wet_rng,
            members=members,
        )
        wet.set_households(
            np.arange(members.n), take(np.where(code == _LTV, 0.0, scale)), take(home_row)
        )
        return cls(
            rng=rng,
            members=members,
            axis=axis,
            features=features,
            tables=tables,
            power_factor=p.power_factor,
            occupancy_kind=take(kinds),
            annual_kwh=take(annual.astype(np.float64)),
            home_row=take(home_row.astype(np.int64)),
            scale_kw=take(np.where(code == _LTV, 0.0, scale)),
            cap_kw=take(cap),
            base_occupied_kw=take(np.where(code == _LTV, base_vac, base_occ)),
            vacant_homes=own_homes,
            episodes=own_episodes,
            tenants=restrict_tenants(tenants, members),
            noise_activity=noise_act,
            noise_steady=noise_steady,
            noise_burst=noise_burst,
            noise_base=noise_base,
            noise_day=noise_day,
            visits=own_visits,
            renovation=own_renovation,
            timer_jitter_h=timer_jitter_h,
            look_empty=look_empty,
            vacant_behaviour=behaviour,
            wet=wet,
        )

    # --------------------------------------------------------------- the run
    def events(self) -> list[HouseholdEvent]:
        """Every discrete happening of the run, sorted by time (then premise).

        Only events strictly inside the run (``0 < time_s < duration``): the
        state at time 0 already reflects everything that began before. At
        equal times and premise, arrivals sort before departures.
        """
        return list(self._events)

    def apply(self, event: HouseholdEvent) -> None:
        """Change the state arrays for ``event``; call it at ``event.time_s``.

        Parameters
        ----------
        event : HouseholdEvent
            One of :meth:`events`.

        Raises
        ------
        ValueError
            If the premise or kind is unknown, or a move-in was not drawn by
            this fleet.
        """
        i = event.premise
        if not 0 <= i < self.n:
            raise ValueError(f"event premise given {i!r}; expected 0 .. {self.n - 1}")
        kind = event.kind
        if kind in ("holiday_start", "move_out", "seasonal_leave"):
            self._row3[i] = VACANT_ROW * N_STATES
            self._state[i] = AWAY
            self._idx[i] = VACANT_ROW * N_STATES + AWAY
            holiday = kind == "holiday_start"
            self._base_now_kw[i] = self._base_occupied_kw[i] if holiday else 0.0
            self._empty[i] = not holiday
            self._empty_stale = True
            return
        if kind not in ("holiday_end", "move_in", "seasonal_arrive"):
            raise ValueError(
                f"event kind given an invalid value {kind!r}; expected one of {set(EVENT_KINDS)}"
            )
        if kind == "move_in":
            tenant = self._tenants.get((i, event.time_s))
            if tenant is None:
                raise ValueError(
                    f"move_in of premise {i} at {event.time_s} s was not drawn by this fleet; "
                    "expected an event from HouseholdFleet.events()"
                )
            self._home_row[i] = tenant.row
            self.occupancy_kind[i] = tenant.kind
            self.annual_kwh[i] = tenant.annual_kwh
            self.scale_kw[i] = tenant.scale_kw
            self._scale_today_kw[i] = tenant.scale_kw * self._day_factor[i]
            self._base_occupied_kw[i] = tenant.base_kw
            self._cap_kw[i] = tenant.cap_kw
            self._wet.set_households(
                np.array([i]), np.array([tenant.scale_kw]), np.array([tenant.row])
            )
            traveller = "frequent_traveller" in str(self.look_empty[i])
            self.look_empty[i] = join_labels(
                tenant.kind if tenant.kind in LOOK_EMPTY_ARCHETYPES else "",
                tenant.look_empty,
                "frequent_traveller" if traveller else "",
            )
        row3 = int(self._home_row[i]) * N_STATES
        self._row3[i] = row3
        self._state[i] = HOME_ACTIVE
        self._idx[i] = row3 + HOME_ACTIVE
        self._base_now_kw[i] = self._base_occupied_kw[i]
        self._empty[i] = False
        self._empty_stale = True

    def step(
        self, t: IntervalTime, wet_max_delay_s: NDArray[np.float64] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Advance one interval; mean active and reactive power of every home.

        Parameters
        ----------
        t : IntervalTime
            The interval (``t.index`` into the fleet's axis); call in order.
        wet_max_delay_s : numpy.ndarray, optional
            ``(n,)`` [s]: where positive, the premise's management core holds
            wet-appliance starts this interval, up to that delay past the wish
            (:attr:`~twin.devices.dr_control.DrControl.wet_max_delay_s`); None: no hold.

        Returns
        -------
        p_kw, q_kvar : numpy.ndarray
            Mean power over the interval [kW] and [kvar], float64, shape
            ``(n,)``; ``p_kw >= 0``.

        Notes
        -----
        Each member draws two 64-bit words from its own stream (the same
        words in a shard as in the whole fleet). Visits and renovation work
        add power to an empty home but never make it present or occupied.
        """
        k = t.index
        f = self._features
        if not 0 <= k < f.slot.size:
            raise IndexError(f"interval index given {k}; expected 0 .. {f.slot.size - 1}")
        kind, slot, day = f.transition_kind[k], f.slot[k], f.day_type[k]
        tab = self._tables
        # Two words per premise from its own stream: the top 24 bits of the first are the
        # uniform of the occupancy chain, its lowest 10 pick the day's activity factor.
        first = self._streams.bits()
        u = (first >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)
        idx = self._idx
        state = np.add(
            u >= tab.threshold_low[kind, slot].take(idx),
            u >= tab.threshold_high[kind, slot].take(idx),
            dtype=np.int8,
        )
        idx = self._row3 + state
        self._state = state
        self._idx = idx
        if k == 0 or slot == 0:
            self._new_day((first & np.uint64(1023)).astype(np.intp))
        # 64 random bits per premise: 10 for each of baseload and steady noise (bits 0-9,
        # 10-19), 15 for the number of bursts (20-29 and 58-62), 10 for their size (30-39),
        # 16 for keeping the steady noise of the last interval (40-55), 2 for renovation
        # breaks (56-57). An empty home uses the baseload bits for its fridge's innovation
        # and bits 10-19 for the noise of visits and renovation.
        bits = self._streams.bits().astype(np.intp)
        p_kw = self._base_now_kw * self._noise_base.take(bits & 1023)
        if self._empty_stale:
            self._refresh_empty()
        if self._empty_idx.size:
            self._add_empty_homes(p_kw, bits, k)
        keep = ((bits >> 40) & (_KEEP_STEPS - 1)) < self._keep_below
        steady = np.where(keep, self._noise_index, (bits >> 10) & 1023)
        self._noise_index = steady
        # Appliances (by time of day and season) split into steady uses and bursts;
        # lighting (by darkness) is a steady use.
        scale = self._scale_today_kw
        appliances_kw = scale * (f.season[k] * tab.activity[day, slot]).take(idx)
        # The wet appliances' cycles are steady uses of an active home: their expected
        # power leaves the other steady uses (and, where those are too small, the bursts),
        # so that the home's expected energy stays calibrated.
        active = state == HOME_ACTIVE
        wet, season = self._wet, float(f.season[k])
        wet_kw = active * wet.expected_kw(day, slot, season)
        steady_kw = STEADY_SHARE * appliances_kw - wet_kw
        short_kw = np.minimum(steady_kw, 0.0)
        steady_kw -= short_kw
        steady_kw += scale * (f.darkness[k] * tab.lighting).take(idx)
        activity = steady_kw * self._noise_steady.take(steady)
        u = (((bits >> 20) & 1023) | (((bits >> 58) & 31) << 10)) + 0.5
        lam = appliances_kw * self._bursts_per_kw + short_kw * self._bursts_per_short_kw
        bursts = poisson_counts(np.maximum(lam, 0.0, out=lam), u * (1.0 / 32768.0))
        activity += bursts * self._burst_kw.take((bits >> 30) & 1023)
        p_kw += np.minimum(activity, self._cap_kw, out=activity)
        p_kw += wet.step(t.start_s, int(day), int(slot), season, active, wet_max_delay_s)
        visited, visit_kw = self._visits.at(k)
        if visited.size:
            draw = self._noise_activity.take((bits.take(visited) >> 10) & 1023)
            np.add.at(p_kw, visited, visit_kw * draw)
        if self._renovation.premise.size and f.day_type[k] == 0:
            self._add_renovation(p_kw, bits, t.start_s, k)
        return p_kw, p_kw * self._tan_phi

    @property
    def present(self) -> NDArray[np.bool_]:
        """Somebody at home during the last stepped interval (truth), bool ``(n,)``.

        Before the first step: at the run start. A visit to an empty home
        (:class:`~twin.devices.households.vacant.VisitSchedule`) is not
        presence: nobody lives there.
        """
        return self._state != AWAY

    @property
    def active(self) -> NDArray[np.bool_]:
        """Somebody at home and active during the last stepped interval (truth), bool ``(n,)``.

        The active occupancy of Richardson et al. (2008): at home and awake,
        a subset of :attr:`present`.
        """
        return self._state == HOME_ACTIVE

    @property
    def wet_owned(self) -> NDArray[np.bool_]:
        """Each premise owns a washing machine, a tumble dryer, a dishwasher, bool ``(n, 3)``.

        In the order of :data:`~twin.devices.households.wet.WET_APPLIANCES` (a copy).
        """
        return self._wet.owned.copy()

    @property
    def wet_kw(self) -> NDArray[np.float64]:
        """Mean wet-appliance power of the last stepped interval [kW], ``(n,)`` (included in
        the step's ``p_kw``)."""
        return self._wet.p_kw

    @property
    def wet_shift_kw(self) -> NDArray[np.float64]:
        """Wet-appliance power without holds less the actual, last interval [kW], ``(n,)``.

        Zero unless demand response delayed a cycle: what the household would
        have drawn had there been no event, less what it drew.
        """
        return self._wet.p_kw_undelayed - self._wet.p_kw

    @property
    def vacant(self) -> NDArray[np.bool_]:
        """Nobody lives at / uses the premise now (inside a vacancy period), bool ``(n,)``."""
        return self._row3 == VACANT_ROW * N_STATES

    @property
    def home_row(self) -> NDArray[np.int64]:
        """Row of each home's occupancy profile in :attr:`state_marginals` (a copy, ``(n,)``).

        The row of the current (or latest) household, also while it is away.
        """
        return self._home_row.copy()

    @property
    def state_marginals(self) -> NDArray[np.float64]:
        """Target state probabilities of the occupancy chain, ``(2, slots, rows, 3)``.

        By day type (weekday, weekend), slot of the local day, profile row
        (:attr:`home_row`) and state (away, at home inactive, at home active).
        Read-only view.
        """
        view = self._tables.marginals.view()
        view.flags.writeable = False
        return view

    def vacancy_periods(self) -> pd.DataFrame:
        """Every stretch of the run during which nobody lives at / uses a premise.

        See :func:`twin.devices.households.events.vacancy_periods`.
        """
        return vacancy_periods(self._episodes, self._axis.duration_s)

    # --------------------------------------------------------------- helpers
    def _refresh_empty(self) -> None:
        """Positions of the empty homes and their standby, fridge and timer lamp."""
        e = np.flatnonzero(self._empty)
        vh = self._vacant_homes
        self._empty_idx = e
        self._empty_phi = vh.fridge_phi.take(e)
        self._empty_gain = self._fridge_gain.take(e)
        self._empty_standby_kw = vh.standby_kw.take(e)
        self._empty_fridge_kw = vh.fridge_kw.take(e)
        t = e[vh.timer_kw.take(e) > 0]
        self._timer_idx = t
        self._timer_kw = vh.timer_kw.take(t)
        self._timer_off_h = vh.timer_off_h.take(t)
        self._timer_offset = vh.timer_offset.take(t)
        self._empty_stale = False

    def _add_empty_homes(self, p_kw: NDArray[np.float64], bits: NDArray[np.intp], k: int) -> None:
        """Add standby, the cycling fridge and lit timer lamps of the empty homes.

        The fridge's AR(1) state advances while a home is empty, with the
        baseload bits (unused while the occupied baseload is off); a home
        that becomes empty resumes from its last state, a draw of the same
        stationary process.
        """
        e = self._empty_idx
        z = self._normal.take(bits.take(e) & 1023)
        x = fridge_ar_step(self._fridge_x.take(e), self._empty_phi, self._empty_gain, z)
        self._fridge_x[e] = x
        cycle = np.maximum(self._fridge_cv * x + 1.0, 0.0)
        p_kw[e] += self._empty_standby_kw + self._empty_fridge_kw * cycle
        t = self._timer_idx
        if t.size and self._features.darkness[k] >= TIMER_DUSK_DARKNESS:
            day = int(self._evening[k]) * JITTER_DAY_STRIDE
            jitter = self._timer_jitter_h.take((self._timer_offset + day) & 1023)
            on = timer_light_on(float(self._mid_hour[k]), True, self._timer_off_h, jitter)
            p_kw[t] += on * self._timer_kw

    def _add_renovation(
        self, p_kw: NDArray[np.float64], bits: NDArray[np.intp], start_s: int, k: int
    ) -> None:
        """Add the builders' power where they work in interval ``k`` (a working day)."""
        who, kw = self._renovation.working(start_s, float(self._mid_hour[k]), True)
        if who.size:
            b = bits.take(who)
            on = ((b >> 56) & 3) != 0
            np.add.at(p_kw, who, kw * on * self._noise_activity.take((b >> 10) & 1023))

    def _new_day(self, pick: NDArray[np.intp]) -> None:
        """Set every home's activity factor of the local day that starts now (``pick``: its
        row of the day-factor table, uniform in 0 .. 1023)."""
        self._day_factor = self._noise_day.take(pick)
        self._scale_today_kw = self.scale_kw * self._day_factor

    def _collect_events(self) -> tuple[HouseholdEvent, ...]:
        return household_events(self._episodes, self._axis.duration_s)
