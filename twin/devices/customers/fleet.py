"""The vectorised fleet of non-household customers (layer 2).

Shops, offices, workshops, farms, telecom base stations and small factories:
each customer's mean power in an interval is

``p = (b + a * X[row, k - shift] + cooling) * F_day * F_interval``

- ``X`` is the mean shape of the customer's class (see
  :mod:`twin.devices.customers.shapes`): its BDEW standard load profile for
  the run's dates (holidays are Sundays), a factory's shift pattern, a base
  station's traffic; on a day the customer is closed, the class's closed
  value instead (season minimum, no production). Tabulated once for the run
  with a margin, so a step is a gather.
- ``shift`` is the customer's timing offset (it opens and closes earlier or
  later), linearly interpolated between intervals.
- ``a`` and ``b`` set the customer's level from its drawn annual energy (a
  mean-one lognormal around the given one), raised by what its closed days
  save; a factory's ``b`` is its base load when closed, a base station's
  the traffic-independent part of its IT power
  (:func:`~twin.devices.customers.kernel.base_station_it_kw` in linear form).
- ``cooling``: base stations only, growing with outdoor air temperature
  (:func:`~twin.devices.customers.kernel.base_station_cooling_kw`).
- ``F_day`` is a mean-one lognormal daily factor, AR(1) from day to day;
  ``F_interval`` a mean-one lognormal AR(1) from interval to interval with
  the lag-1 correlation and the spread of interval means of an
  Ornstein-Uhlenbeck process (:mod:`twin.devices.customers.kernel`).
- Closed days (shops' holidays, illness) form a two-state chain per
  customer, decided at each local midnight.

The expected energy over a calendar year is the drawn ``annual_kwh`` (base
stations: in the reference climate of
:attr:`CustomerParams.base_station_reference_excess_k`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.customers.classes import CUSTOMER_KINDS
from twin.devices.customers.draws import CustomerDraws, PerCustomer, check_inputs
from twin.devices.customers.kernel import (
    base_station_cooling_kw,
    mean_one_lognormal,
    normal_quantile_table,
)
from twin.devices.customers.levels import CustomerLevels
from twin.devices.customers.params import CustomerParams
from twin.devices.customers.shapes import ShapeTables
from twin.members import Members
from twin.random_streams import ItemStreams

__all__ = ["CustomerFleet"]

_NORMAL_BITS = 12
_NORMAL_BINS = 1 << _NORMAL_BITS
_NORMAL = normal_quantile_table(_NORMAL_BINS)


class CustomerFleet:
    """N non-household customers as arrays: BDEW classes, base stations, factories.

    Create with :meth:`create`; call :meth:`step` once per interval, in
    order 0, 1, 2, ... The fleet owns its generator: it draws from it in
    :meth:`create` and in every step, always for the full fleet, so a fleet
    restricted to some members gives exactly their rows of the full fleet.

    Attributes
    ----------
    n : int
        Number of members.
    members : Members
        The customers simulated here, as positions in the full fleet.
    classes : numpy.ndarray
        Class of each member, one of :data:`CUSTOMER_CLASSES` (object).
    kinds : numpy.ndarray
        Kind of each member, one of :data:`CUSTOMER_KINDS` (object).
    annual_kwh : numpy.ndarray
        Drawn annual energy [kWh/yr]: the given one times a mean-one lognormal.
    peak_kw : numpy.ndarray
        Expected peak demand [kW]: the peak of the member's mean shape at its
        level, times the 99th percentile of its noise factors.
    phases : numpy.ndarray
        int8, 1 or 3: factories and members whose ``peak_kw`` exceeds
        :attr:`CustomerParams.single_phase_max_kw` are three-phase, the rest
        single-phase with probability :attr:`CustomerParams.single_phase_share`.
    phase_share : numpy.ndarray
        ``(n, 3)`` share of the member's power on L1, L2, L3; rows sum to 1.
        Single-phase: 1 on a drawn phase; three-phase: Dirichlet around 1/3.
    shift_min : numpy.ndarray
        Timing offset of each member [min]; positive: later than its class.
    n_shifts : numpy.ndarray
        int8, shifts a factory works on workdays (1..3); 0 for the others.
    saturday_shift : numpy.ndarray
        bool, a factory works a Saturday early shift.
    open_now : numpy.ndarray
        bool, truth: the member operated in the last stepped interval (its
        class's opening hours at its timing, and not a closed day); before
        the first step, at the run start.
    closed_today : numpy.ndarray
        bool, truth: the member is closed for the whole current local day.

    References
    ----------
    .. [1] BDEW / VDEW standard load profiles (1999), via demandlib 0.2.
    .. [2] G. Auer et al. (2011), IEEE Wireless Communications 18(5), 40-49.
    .. [3] M. H. Alsharif, R. Nordin, M. Ismail (2013), Journal of Computer
       Networks and Communications, 453893.
    """

    n: int
    members: Members
    classes: NDArray[np.object_]
    kinds: NDArray[np.object_]
    annual_kwh: NDArray[np.float64]
    peak_kw: NDArray[np.float64]
    phases: NDArray[np.int8]
    phase_share: NDArray[np.float64]
    shift_min: NDArray[np.float64]
    n_shifts: NDArray[np.int8]
    saturday_shift: NDArray[np.bool_]
    open_now: NDArray[np.bool_]
    closed_today: NDArray[np.bool_]

    def __init__(
        self,
        *,
        members: Members,
        classes: NDArray[np.object_],
        kinds: NDArray[np.object_],
        annual_kwh: NDArray[np.float64],
        peak_kw: NDArray[np.float64],
        phases: NDArray[np.int8],
        phase_share: NDArray[np.float64],
        shift_min: NDArray[np.float64],
        n_shifts: NDArray[np.int8],
        saturday_shift: NDArray[np.bool_],
        closed_today: NDArray[np.bool_],
        run: _Run,
    ) -> None:
        """Assemble a fleet from drawn per-member arrays; use :meth:`create` instead."""
        self.n = members.n
        self.members = members
        self.classes = classes
        self.kinds = kinds
        self.annual_kwh = annual_kwh
        self.peak_kw = peak_kw
        self.phases = phases
        self.phase_share = phase_share
        self.shift_min = shift_min
        self.n_shifts = n_shifts
        self.saturday_shift = saturday_shift
        self.closed_today = closed_today
        self.open_now = run.open.take(run.idx_open) & ~closed_today
        self._run = run
        self._next = 0

    # ------------------------------------------------------------------ create
    @classmethod
    def create(
        cls,
        classes: Sequence[str],
        annual_kwh: ArrayLike,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        temp_air_c: ArrayLike,
        params: CustomerParams | None = None,
        members: Members | None = None,
    ) -> CustomerFleet:
        """Draw a fleet of customers and tabulate their classes' shapes for the run.

        Parameters
        ----------
        classes : sequence of str
            Class of every customer of the full fleet, one of
            :data:`CUSTOMER_CLASSES`.
        annual_kwh : array_like
            Annual energy of every customer of the full fleet [kWh/yr], > 0.
        rng : numpy.random.Generator
            The fleet's own generator (used here and in every step).
        axis : TimeAxis
            The run's interval grid; the interval must divide a day.
        temp_air_c : array_like
            Mean outdoor air temperature per interval [degC], shape
            ``(axis.n_intervals,)``.
        params : CustomerParams, optional
            Default ``CustomerParams()``.
        members : Members, optional
            The customers to simulate (``members.n_total == len(classes)``);
            default all.

        Returns
        -------
        CustomerFleet
            Of ``members.n`` customers, indexed by member position.

        Raises
        ------
        ValueError
            Naming an unknown class, a non-positive or non-finite energy,
            mismatched lengths, an interval that does not divide a day, or
            members of another fleet size.
        """
        p = CustomerParams() if params is None else params
        names, given, temp = check_inputs(classes, annual_kwh, axis, temp_air_c)
        n_total = names.size
        if members is None:
            members = Members.all(n_total)
        elif members.n_total != n_total:
            raise ValueError(f"members given for a fleet of {members.n_total}; expected {n_total}")
        dt = axis.interval_s
        c = PerCustomer.spread(names, p, dt)
        d = CustomerDraws.draw(rng, c, p)

        max_shift_s = max(p.variation(k).shift_max_min for k in CUSTOMER_KINDS) * 60.0
        pad = math.ceil(max_shift_s / dt) + 1
        start = axis.start - pd.Timedelta(seconds=pad * dt)
        tables = ShapeTables.build(start, axis.timezone, dt, axis.n_intervals + 2 * pad, p)
        year = int(axis.start.tz_convert(axis.timezone).year)
        lv = CustomerLevels.solve(names, given, temp, c, d, p, year)
        is_factory = c.kind_code == CUSTOMER_KINDS.index("factory")

        width = tables.mean.shape[1]
        steps = d.shift_s / dt
        whole = np.floor(steps)
        base = lv.row * width + pad
        take = members.take
        new_day = np.zeros(axis.n_intervals, dtype=bool)
        new_day[1:] = np.diff(tables.day[pad : pad + axis.n_intervals]) != 0
        return cls(
            members=members,
            classes=take(names),
            kinds=np.asarray(CUSTOMER_KINDS, dtype=object)[take(c.kind_code)],
            annual_kwh=take(lv.annual_kwh),
            peak_kw=take(lv.peak_kw),
            phases=take(np.where(lv.three_phase, 3, 1).astype(np.int8)),
            phase_share=take(lv.phase_share),
            shift_min=take(d.shift_s / 60.0),
            n_shifts=take(np.where(is_factory, d.n_shifts, 0).astype(np.int8)),
            saturday_shift=take(is_factory & d.saturday),
            closed_today=take(d.closed),
            run=_Run(
                streams=ItemStreams.spawned(rng, "customer-steps", members),
                every=np.arange(members.n, dtype=np.intp),
                n_intervals=axis.n_intervals,
                new_day=new_day,
                mean=tables.mean.ravel(),
                closed_value=tables.closed.ravel(),
                open=tables.open.ravel(),
                idx=take(base - whole.astype(np.intp)),
                idx_open=take(base - np.round(steps).astype(np.intp)),
                idx_closed=take(base),
                frac=take(steps - whole),
                a=take(lv.a),
                b=take(lv.b),
                it_kw=take(lv.it_kw),
                cool_k=take(lv.cool_k),
                has_base_station=bool(take(lv.it_kw).any()),
                temp_air_c=temp,
                set_point_c=p.base_station_set_point_c,
                fan=p.base_station_fan_share,
                cool_max=p.base_station_cooling_max,
                tan_phi=take(np.tan(np.arccos(c.power_factor))),
                phi=take(c.daily_phi),
                phi_sq=take(np.sqrt(1.0 - c.daily_phi**2)),
                daily_sigma=take(c.daily_sigma),
                x=take(d.daily_x),
                daily=mean_one_lognormal(take(d.daily_x), take(c.daily_sigma)),
                rho=take(c.noise_rho),
                rho_sq=take(np.sqrt(1.0 - c.noise_rho**2)),
                noise_sigma=take(c.noise_sigma),
                noise_half_var=take(0.5 * c.noise_sigma**2),
                y=take(d.noise_y).copy(),
                closed_start=take(c.closed_start),
                persistence=p.closed_day_persistence,
                normal=_NORMAL,
            ),
        )

    @property
    def power_factor(self) -> NDArray[np.float64]:
        """Displacement power factor of each member [-]."""
        return np.asarray(np.cos(np.arctan(self._run.tan_phi)), dtype=np.float64)

    # --------------------------------------------------------------- the run
    def step(self, t: IntervalTime) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Advance one interval; mean active and reactive power of every member.

        Parameters
        ----------
        t : IntervalTime
            The interval; ``t.index`` must be the next one (0, 1, 2, ...).

        Returns
        -------
        p_kw, q_kvar : numpy.ndarray
            Mean power over the interval [kW] and [kvar], float64 ``(n,)``;
            ``p_kw >= 0`` and finite, ``q_kvar >= 0`` (lagging).

        Notes
        -----
        At the first interval of every local day (not the run's first) the
        fleet draws the daily factors' innovations and the closure uniforms,
        and in every interval the interval factors' innovations, from each
        member's own counter-based stream (:class:`~twin.random_streams.ItemStreams`):
        a shard draws for its own customers only, and each gets the numbers
        it gets in the whole fleet.
        """
        k = t.index
        r = self._run
        if k != self._next or k >= r.n_intervals:
            raise ValueError(
                f"interval index given {k}; expected {self._next} (call step in order, "
                f"0 .. {r.n_intervals - 1})"
            )
        self._next = k + 1
        streams, every = r.streams, r.every
        if r.new_day[k]:
            r.x = r.phi * r.x + r.phi_sq * streams.standard_normal(every)
            r.daily = mean_one_lognormal(r.x, r.daily_sigma)
            stay = np.where(self.closed_today, r.persistence, r.closed_start)
            self.closed_today = streams.random(every) < stay
        y = r.y
        y *= r.rho
        bins = (streams.bits(every) >> np.uint64(64 - _NORMAL_BITS)).astype(np.intp)
        y += r.rho_sq * r.normal.take(bins)
        factor = np.exp(r.noise_sigma * y - r.noise_half_var)
        factor *= r.daily

        j = r.idx + k
        x = r.mean.take(j)
        x += r.frac * (r.mean.take(j - 1) - x)
        closed = self.closed_today
        if closed.any():
            x = np.where(closed, r.closed_value.take(r.idx_closed + k), x)
        p_kw = r.a * x
        p_kw += r.b
        if r.has_base_station:
            p_kw += base_station_cooling_kw(
                r.it_kw,
                r.temp_air_c[k],
                set_point_c=r.set_point_c,
                per_k=r.cool_k,
                fan_share=r.fan,
                max_share=r.cool_max,
            )
        p_kw *= factor
        self.open_now = r.open.take(r.idx_open + k) & ~closed
        return p_kw, p_kw * r.tan_phi


@dataclass(slots=True)
class _Run:
    """What :meth:`CustomerFleet.step` reads and updates, per member unless noted.

    Tables are flattened ``(row, column)``; ``idx*`` are a member's flat
    index at interval 0 (its row, the margin, its timing offset).
    """

    streams: ItemStreams
    every: NDArray[np.intp]
    n_intervals: int
    new_day: NDArray[np.bool_]
    mean: NDArray[np.float64]
    closed_value: NDArray[np.float64]
    open: NDArray[np.bool_]
    idx: NDArray[np.intp]
    idx_open: NDArray[np.intp]
    idx_closed: NDArray[np.intp]
    frac: NDArray[np.float64]
    a: NDArray[np.float64]
    b: NDArray[np.float64]
    it_kw: NDArray[np.float64]
    cool_k: NDArray[np.float64]
    has_base_station: bool
    temp_air_c: NDArray[np.float64]
    set_point_c: float
    fan: float
    cool_max: float
    tan_phi: NDArray[np.float64]
    phi: NDArray[np.float64]
    phi_sq: NDArray[np.float64]
    daily_sigma: NDArray[np.float64]
    x: NDArray[np.float64]
    daily: NDArray[np.float64]
    rho: NDArray[np.float64]
    rho_sq: NDArray[np.float64]
    noise_sigma: NDArray[np.float64]
    noise_half_var: NDArray[np.float64]
    y: NDArray[np.float64]
    closed_start: NDArray[np.float64]
    persistence: float
    normal: NDArray[np.float64]
