"""The vectorised fleet of weather-driven household loads (layer 2).

Per home, drawn once: a heating kind (air-source heat pump, direct electric
heaters, or non-electric heating the meter does not see, some of these homes
keeping an electric frost heater for when they stand empty), air-conditioning
or not, an electric hot-water tank or not, and the building
(:class:`~twin.devices.heating.building.Buildings`). Per interval, for the
homes with an electric space-heating or cooling device, the 1R1C building
model advances with the weather and the occupancy; the hot-water tanks with
their draw-offs. The engine steps the fleet right after the household fleet,
so :attr:`HouseholdFleet.present <twin.devices.households.HouseholdFleet.present>`
and ``.vacant`` describe the interval being stepped.

Non-electric heating holds its set point ideally (it costs the meter
nothing); in an empty home that keeps a frost heater it is off and the
frost heater's thermostat holds :attr:`ThermalParams.frost_c`.

Sharding follows :class:`~twin.members.Members`: everything is drawn for the
whole fleet, in the same order, then restricted to the members; the
per-interval draw-off noise is drawn for every tank of the whole fleet.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.heating.building import (
    CURVE_EXPONENT,
    DESIGN_FLOW_C,
    DESIGN_OUTDOOR_C,
    Buildings,
    end_temperature_c,
    heat_to_reach_w,
)
from twin.devices.heating.control import (
    AC_KW_RANGE,
    DAY_WINDOW_H,
    EER_RATED_RANGE,
    THERMOSTAT_BAND_K,
    eer,
    in_window_mask,
    thermostat_on,
)
from twin.devices.heating.heat_pump import (
    BIVALENCE_C,
    ROD_DEFICIT_KH,
    ROD_RESET_K,
    HeatPumpTable,
    flow_temperature_c,
    heat_pump_split_w,
    heat_pump_table,
)
from twin.devices.heating.params import BUILDING_CLASSES, ThermalParams
from twin.devices.heating.room import room_step
from twin.devices.heating.water_heater import (
    ELEMENT_KW_RANGE,
    HYSTERESIS_K,
    LOSS_FACTOR_RANGE,
    SHIFT_HOURS,
    WATER_KWH_PER_LITRE_K,
    standing_loss_w,
    tank_step,
    tapping_fraction,
)
from twin.devices.weather import Weather, average_hourly
from twin.members import Members

__all__ = ["HEATING_KINDS", "LOAD_KINDS", "ThermalFleet"]

HEATING_KINDS: Final = ("non_electric", "heat_pump", "direct_electric")
"""Values of :attr:`ThermalFleet.heating_kind` (codes 0, 1, 2)."""

LOAD_KINDS: Final = ("heat_pump", "direct_heating", "air_conditioning", "water_heater")
"""Keys of :attr:`ThermalFleet.by_kind_kw`; ``direct_heating`` includes frost heaters."""

_NON_ELECTRIC, _HEAT_PUMP, _DIRECT = 0, 1, 2
_NONE: Final = np.zeros(0)

HP_SIZING: Final = 1.0
"""Heat pump full-load output at design conditions over the design heat load [-] (assumed:
monovalent sizing; the back-up heater covers colder hours)."""

DIRECT_SIZING: Final = 1.2
"""Direct electric heater rating over the design heat load [-] (assumed)."""

FROST_HEATER_KW_RANGE: Final = (1.0, 2.0)
"""Rating of a portable frost heater in an empty home [kW] (assumed)."""


class ThermalFleet:
    """Heating, cooling and hot-water tanks of N homes as arrays.

    Create with :meth:`create`. Arrays are indexed by member position.

    Attributes
    ----------
    n : int
        Number of premises simulated (members).
    heating_kind : numpy.ndarray
        Code per premise into :data:`HEATING_KINDS`, int8.
    frost_heater, has_ac, has_water_heater : numpy.ndarray
        bool per premise.
    buildings : Buildings
        Thermal properties per premise.
    by_kind_kw : dict
        Last interval's mean electric power per device by :data:`LOAD_KINDS`
        [kW] (arrays; a home's heat pump and its back-up heater are one device).
    heat_w : numpy.ndarray
        Last interval's mean heat delivered (cooling negative) to each home
        whose room is modelled (electric heating or cooling, frost heater),
        by every source, non-electric heating included [W].
    tank_loss_kwh : numpy.ndarray
        Last interval's standing loss of each tank [kWh].
    """

    def __init__(
        self,
        *,
        rng: np.random.Generator,
        members: Members,
        axis: TimeAxis,
        params: ThermalParams,
        t_out_c: NDArray[np.float64],
        ghi_w_m2: NDArray[np.float64],
        heating_kind: NDArray[np.int8],
        frost_heater: NDArray[np.bool_],
        has_ac: NDArray[np.bool_],
        buildings: Buildings,
        heater_w: NDArray[np.float64],
        hp_ref_w: NDArray[np.float64],
        ac_w: NDArray[np.float64],
        eer_rated: NDArray[np.float64],
        tanks: dict[str, NDArray],
        tanks_total: int,
        tank_keep: NDArray[np.bool_],
    ) -> None:
        """Assemble a fleet from drawn arrays (members'); use :meth:`create` instead."""
        self.n, self.members = members.n, members
        self._rng, self._axis, self._params = rng, axis, params
        self._t_out, self._ghi = t_out_c, ghi_w_m2
        local = np.asarray(axis.local_hour, dtype=np.float64)
        self._day = in_window_mask(local, DAY_WINDOW_H)
        self._night = in_window_mask(local, params.timer_window_h)
        self.heating_kind, self.frost_heater, self.has_ac = heating_kind, frost_heater, has_ac
        self.buildings = buildings
        self.has_water_heater = np.zeros(self.n, dtype=bool)
        self.has_water_heater[tanks["premise"]] = True

        # homes whose room temperature matters to the meter, and their parts
        room = np.flatnonzero((heating_kind != _NON_ELECTRIC) | frost_heater | has_ac)
        self._room = room
        b = buildings.take(room)
        self._b = b
        dt = float(axis.interval_s)
        self._decay = np.exp(-dt * b.heat_loss_w_per_k / b.capacity_j_per_k)
        kind = heating_kind[room]
        self._hp = np.flatnonzero(kind == _HEAT_PUMP)
        self._thermo = np.flatnonzero((kind == _DIRECT) | frost_heater[room])
        self._thermo_direct = kind[self._thermo] == _DIRECT
        self._gas = np.flatnonzero(kind == _NON_ELECTRIC)
        self._gas_frost = frost_heater[room][self._gas]
        self._ac = np.flatnonzero(has_ac[room])
        cls = b.building_class[self._hp]
        self._hp_flow = np.array([DESIGN_FLOW_C[c] for c in BUILDING_CLASSES])[cls]
        self._hp_exp = np.array([CURVE_EXPONENT[c] for c in BUILDING_CLASSES])[cls]
        self._hp_ref_w = hp_ref_w[room][self._hp]
        self._heater_w = heater_w[room][self._thermo]
        self._ac_w, self._eer = ac_w[room][self._ac], eer_rated[room][self._ac]
        self._table: HeatPumpTable | None = heat_pump_table() if self._hp.size else None
        self._t_in: NDArray[np.float64] | None = None
        self._dt_h = dt / 3600.0
        self._deficit_kh = np.zeros(self._hp.size)
        self._thermo_on = np.zeros(self._thermo.size, dtype=bool)

        self._tank = tanks
        self._tanks_total, self._tank_keep = tanks_total, tank_keep
        self._tank_c = tanks["t0_c"].astype(np.float64)
        self._tank_heating = np.zeros(self._tank_c.size, dtype=bool)
        # share of a day's hot water per interval, by profile shift (rows: SHIFT_HOURS)
        dt_h = axis.interval_s / 3600.0
        self._tapping = np.stack([tapping_fraction(local, dt_h, s) for s in SHIFT_HOURS])
        self._shift_row = np.searchsorted(np.asarray(SHIFT_HOURS), tanks["shift_h"])
        self.by_kind_kw: dict[str, NDArray[np.float64]] = {k: _NONE for k in LOAD_KINDS}
        self.heat_w = np.zeros(room.size)
        self.tank_loss_kwh = np.zeros(self._tank_c.size)

    # ------------------------------------------------------------------ create
    @classmethod
    def create(
        cls,
        n: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        weather: Weather,
        params: ThermalParams | None = None,
        members: Members | None = None,
    ) -> ThermalFleet:
        """Draw the thermal devices and buildings of ``n`` homes.

        Parameters
        ----------
        n : int
            Number of premises of the whole fleet, >= 1.
        rng : numpy.random.Generator
            The fleet's own generator (used here and in every step).
        axis : TimeAxis
            The run's interval grid.
        weather : Weather
            The run's typical weather year (outdoor temperature, irradiance).
        params : ThermalParams, optional
            Shares, ranges and set points; default ``ThermalParams()``.
        members : Members, optional
            The premises simulated here; default all.

        Raises
        ------
        ValueError
            If ``n < 1`` or ``members`` does not fit a fleet of ``n``.
        """
        p = ThermalParams() if params is None else params
        if n < 1:
            raise ValueError(f"n given {n}; expected at least 1 premise")
        if members is None:
            members = Members.all(n)
        elif members.n_total != n:
            raise ValueError(f"members given for a fleet of {members.n_total}; expected {n}")
        order = rng.permutation(n)
        n_hp, n_direct = round(p.heat_pump * n), round(p.direct_electric * n)
        kind = np.zeros(n, dtype=np.int8)
        kind[order[:n_hp]] = _HEAT_PUMP
        kind[order[n_hp : n_hp + n_direct]] = _DIRECT
        other = np.flatnonzero(kind == _NON_ELECTRIC)
        frost = np.zeros(n, dtype=bool)
        frost[other[_pick(rng, other.size, p.vacant_frost_heater)]] = True
        has_ac = np.zeros(n, dtype=bool)
        has_ac[_pick(rng, n, p.air_conditioning)] = True
        has_wh = np.zeros(n, dtype=bool)
        has_wh[_pick(rng, n, p.water_heater)] = True
        buildings = Buildings.draw(rng, n, p)
        design_w = buildings.design_load_w()
        heater_w = np.where(
            kind == _DIRECT, DIRECT_SIZING * design_w, rng.uniform(*FROST_HEATER_KW_RANGE, n) * 1e3
        )
        hp_ref_w = np.zeros(n)
        if (kind == _HEAT_PUMP).any():
            table = heat_pump_table()
            flow = np.array([DESIGN_FLOW_C[c] for c in BUILDING_CLASSES])
            capacity = np.array([table.at(DESIGN_OUTDOOR_C, np.array([f]))[1][0] for f in flow])
            hp_ref_w = HP_SIZING * design_w / capacity[buildings.building_class]
        ac_w = rng.uniform(*AC_KW_RANGE, n) * 1e3
        eer_rated = rng.uniform(*EER_RATED_RANGE, n)
        tanks_all = _draw_tanks(rng, np.flatnonzero(has_wh), p)
        keep, local = members.localise(tanks_all["premise"])
        tanks = {k: v[keep] for k, v in tanks_all.items()}
        tanks["premise"] = local
        weather_args = (axis, weather.utc_offset_h)
        take = members.take
        return cls(
            rng=rng,
            members=members,
            axis=axis,
            params=p,
            t_out_c=average_hourly(weather.temp_air_c, *weather_args),
            ghi_w_m2=average_hourly(weather.ghi_w_m2, *weather_args),
            heating_kind=take(kind),
            frost_heater=take(frost),
            has_ac=take(has_ac),
            buildings=buildings if members.is_all else buildings.take(members.index),
            heater_w=take(heater_w),
            hp_ref_w=take(hp_ref_w),
            ac_w=take(ac_w),
            eer_rated=take(eer_rated),
            tanks=tanks,
            tanks_total=int(tanks_all["premise"].size),
            tank_keep=keep,
        )

    # ------------------------------------------------------------------- step
    def step(
        self,
        t: IntervalTime,
        *,
        present: NDArray[np.bool_],
        vacant: NDArray[np.bool_],
        closed: NDArray[np.bool_] | None = None,
        setback_k: NDArray[np.float64] | None = None,
        tank_setback_k: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Advance one interval; mean electric power of every home's thermal loads [kW].

        Parameters
        ----------
        t : IntervalTime
            The interval (``t.index`` into the fleet's axis); call in order.
        present, vacant : numpy.ndarray
            bool per premise during this interval (the household fleet's
            truth after its step).
        closed : numpy.ndarray, optional
            Relay closed per premise; an open relay leaves every electric
            device off (the home cools, the tank too). Default: all closed.
        setback_k, tank_setback_k : numpy.ndarray, optional
            Demand response, per premise [K]: a heat pump heats only as much
            as keeps the room at ``set point - setback_k`` (a set-back; it
            recovers to its set point afterwards from the room's thermal
            state: the rebound); a tank's element heats only below
            ``set_c - tank_setback_k``. Default: none.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` float64 [kW], >= 0.
        """
        k = t.index
        p_kw = np.zeros(self.n)
        by_kind = {k: _NONE for k in LOAD_KINDS}
        if self._room.size:
            self._step_rooms(k, present, vacant, closed, p_kw, by_kind, setback_k)
        if self._tank_c.size:
            self._step_tanks(k, present, closed, p_kw, by_kind, tank_setback_k)
        self.by_kind_kw = by_kind
        return p_kw

    def _step_rooms(
        self,
        k: int,
        present: NDArray[np.bool_],
        vacant: NDArray[np.bool_],
        closed: NDArray[np.bool_] | None,
        p_kw: NDArray[np.float64],
        by_kind: dict[str, NDArray[np.float64]],
        setback_k: NDArray[np.float64] | None = None,
    ) -> None:
        i, b, a = self._room, self._b, self._decay
        h = b.heat_loss_w_per_k
        pres, vac = present[i], vacant[i]
        power_on = np.ones(i.size, dtype=bool) if closed is None else closed[i]
        t_out = float(self._t_out[k])
        room = room_step(
            b,
            self._t_in,
            t_out,
            float(self._ghi[k]),
            pres,
            vac,
            day=bool(self._day[k]),
            frost_c=self._params.frost_c,
            decay=a,
        )
        t_in, sp, free, need = room.t_in_c, room.set_point_c, room.free_end_c, room.need_w
        heat = np.zeros(i.size)
        p_w = np.zeros(i.size)
        j = self._hp
        if j.size:
            assert self._table is not None
            flow = flow_temperature_c(t_out, self._hp_flow, self._hp_exp)
            cop, capacity = self._table.at(t_out, flow)
            deficit = sp[j] - t_in[j]
            self._deficit_kh = np.where(
                deficit < ROD_RESET_K, 0.0, self._deficit_kh + deficit * self._dt_h
            )
            need_hp = need[j]
            if setback_k is not None:
                back = setback_k[i][j]
                floor = heat_to_reach_w(sp[j] - back, free[j], h[j], a[j])
                need_hp = np.where(back > 0, np.minimum(need_hp, np.maximum(floor, 0.0)), need_hp)
            compressor, rod, p_el = heat_pump_split_w(
                need_hp * power_on[j],
                capacity * self._hp_ref_w,
                cop,
                self._hp_ref_w,
                (self._deficit_kh > ROD_DEFICIT_KH) & (t_out < BIVALENCE_C),
            )
            heat[j] = compressor + rod
            p_w[j] = p_el
            by_kind["heat_pump"] = p_el / 1e3
        j = self._thermo
        if j.size:
            working = (self._thermo_direct | vac[j]) & power_on[j]
            state = thermostat_on(self._thermo_on, t_in[j], sp[j]) & working
            upper = heat_to_reach_w(sp[j] + THERMOSTAT_BAND_K, free[j], h[j], a[j])
            q = np.where(state, np.clip(upper, 0.0, self._heater_w), 0.0)
            heat[j] += q
            p_w[j] += q
            self._thermo_on = state
            by_kind["direct_heating"] = q / 1e3
        j = self._gas
        if j.size:
            # non-electric heating holds the set point, except where a frost heater stands in
            off = self._gas_frost & vac[j]
            heat[j] += np.where(off, 0.0, np.maximum(need[j], 0.0))
        j = self._ac
        if j.size:
            remove = -heat_to_reach_w(b.cooling_c[j], free[j], h[j], a[j])
            cool = np.where(pres[j] & power_on[j], np.clip(remove, 0.0, self._ac_w), 0.0)
            heat[j] -= cool
            p_ac = cool / eer(self._eer, t_out)
            p_w[j] += p_ac
            by_kind["air_conditioning"] = p_ac / 1e3
        self._t_in = end_temperature_c(free, heat, h, a)
        self.heat_w = heat
        p_kw[i] += p_w / 1e3

    def _step_tanks(
        self,
        k: int,
        present: NDArray[np.bool_],
        closed: NDArray[np.bool_] | None,
        p_kw: NDArray[np.float64],
        by_kind: dict[str, NDArray[np.float64]],
        setback_k: NDArray[np.float64] | None = None,
    ) -> None:
        tank, w = self._tank, self._tank["premise"]
        dt_s = float(self._axis.interval_s)
        u = self._rng.random(self._tanks_total)[self._tank_keep]
        draw = (
            present[w]
            * tank["kwh_per_day"]
            * self._tapping[:, k].take(self._shift_row)
            * -np.log1p(-u)  # exponential, mean one
        )
        allowed = ~tank["timer"] | bool(self._night[k])
        if closed is not None:
            allowed = allowed & closed[w]
        if setback_k is not None:
            back = setback_k[w]
            allowed = allowed & ((back <= 0) | (self._tank_c < tank["set_c"] - back))
        self._tank_c, self._tank_heating, p, loss = tank_step(
            self._tank_c,
            self._tank_heating,
            draw_kwh=draw,
            set_c=tank["set_c"],
            ua_w_per_k=tank["ua_w_per_k"],
            capacity_kwh_per_k=tank["capacity_kwh_per_k"],
            element_kw=tank["element_kw"],
            allowed=allowed,
            dt_s=dt_s,
        )
        self.tank_loss_kwh = loss
        np.add.at(p_kw, w, p)
        by_kind["water_heater"] = p

    # ------------------------------------------------------------------ truth
    @property
    def indoor_c(self) -> NDArray[np.float64]:
        """Indoor temperature at the end of the last interval [degC], NaN where not modelled."""
        out = np.full(self.n, np.nan)
        if self._t_in is not None:
            out[self._room] = self._t_in
        return out

    @property
    def tank_c(self) -> NDArray[np.float64]:
        """Tank temperature per premise [degC], NaN without a tank."""
        out = np.full(self.n, np.nan)
        out[self._tank["premise"]] = self._tank_c
        return out

    def premise_columns(self) -> dict[str, NDArray]:
        """Per-premise columns for ``truth/premise`` (local, ``(n,)`` each)."""
        return {
            "heating_kind": np.asarray(HEATING_KINDS, dtype=object)[self.heating_kind],
            "has_frost_heater": self.frost_heater.copy(),
            "has_ac": self.has_ac.copy(),
            "has_water_heater": self.has_water_heater.copy(),
            "heat_loss_w_per_k": self.buildings.heat_loss_w_per_k.copy(),
        }


def _pick(rng: np.random.Generator, n: int, share: float) -> NDArray[np.int64]:
    """``round(share * n)`` distinct positions of ``0 .. n - 1``, drawn with ``rng``."""
    return rng.permutation(n)[: round(share * n)].astype(np.int64)


def _draw_tanks(
    rng: np.random.Generator, premise: NDArray[np.int64], p: ThermalParams
) -> dict[str, NDArray]:
    """The hot-water tanks at ``premise`` (full-fleet positions), drawn in this order."""
    m = premise.size
    litres = rng.uniform(*p.tank_litres, m)
    set_c = rng.uniform(*p.tank_set_c, m)
    loss_w = standing_loss_w(litres, rng.uniform(*LOSS_FACTOR_RANGE, m))
    return {
        "premise": premise.astype(np.int64),
        "set_c": set_c,
        "capacity_kwh_per_k": litres * WATER_KWH_PER_LITRE_K,
        "ua_w_per_k": loss_w / 45.0,
        "element_kw": rng.uniform(*ELEMENT_KW_RANGE, m),
        "timer": rng.random(m) < p.water_heater_timer,
        "kwh_per_day": rng.uniform(*p.hot_water_kwh_per_day, m),
        "shift_h": rng.choice(np.asarray(SHIFT_HOURS, dtype=np.int64), size=m),
        "t0_c": set_c - rng.random(m) * HYSTERESIS_K,
        "litres": litres,
    }
