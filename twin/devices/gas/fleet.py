"""Household gas use behind gas meters: space heating, hot water and cooking (layer 2).

Space heating of a gas-heated home runs its own 1R1C building model
(:mod:`twin.devices.heating.building`, the thermal fleet's buildings where
it has them, the same draw otherwise) under the outdoor temperature and
irradiance of the run's weather, with the thermal fleet's set points
(:func:`~twin.devices.heating.control.heating_set_point_c`: comfort while
somebody is at home by day, set-back at night and while out, frost
protection while vacant; off while vacant where an electric frost heater
stands in). The boiler delivers the heat that holds the set point, up to its
rating, at :attr:`GasParams.boiler_efficiency` on the gross calorific value.

Hot water (where the home has no electric tank) and cooking follow the
occupancy like the water draws (:mod:`~twin.devices.water.demand`): per
person per day on a typical day at home, spread by the hour's weight and
the occupancy state.

Energies are on the gross calorific value (Brennwert, Hs), as German gas
bills state them; :attr:`GasParams.kwh_per_m3` turns them into the
meter's volume.

References
----------
.. [1] Commission Regulation (EU) No 813/2013 (ecodesign of space heaters),
   Annex II: seasonal space heating efficiency of gas boilers on the gross
   calorific value, at least 86 %; condensing boilers reach 90-94 %.
.. [2] DVGW G 685 (2008), "Gasabrechnung": billed energy = volume x
   Zustandszahl x Brennwert; H-gas Brennwert about 11.0 kWh/m3 (norm), Heizwert
   about 10.0 kWh/m3, about 10.0-10.5 kWh per operating m3 after the
   Zustandszahl (0.92-0.96).
.. [3] VDI 4655 (2021) and DIN V 18599-8: domestic hot water about 500-700 kWh of
   useful heat per person and year; storage and distribution losses on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.heating.building import (
    Buildings,
    end_temperature_c,
)
from twin.devices.heating.control import DAY_WINDOW_H, in_window_mask
from twin.devices.heating.params import ThermalParams
from twin.devices.heating.room import room_step
from twin.devices.households import HouseholdFleet
from twin.devices.water.demand import expected_daily_weight, persons_of, state_weights
from twin.devices.weather import Weather, average_hourly
from twin.members import Members

__all__ = [
    "BOILER_SIZING",
    "COOKING_HOURLY_WEIGHT",
    "COOKING_KWH_PER_PERSON_DAY",
    "HOT_WATER_KWH_PER_PERSON_DAY",
    "HOT_WATER_LOSS_FACTOR",
    "GasFleet",
    "GasParams",
]

_NON_ELECTRIC: Final = 0

BOILER_SIZING: Final = 1.5
"""Boiler rating over the home's design heat load [-] (assumed: domestic boilers are
oversized, 15-24 kW combi boilers in most homes)."""

HOT_WATER_KWH_PER_PERSON_DAY: Final = 1.63
"""Useful heat of a person's hot water on a day at home [kWh/d]: 40 l at 45 degC from
10 degC (40 l x 35 K x 1.163 Wh/(l K)); about 600 kWh a year, within VDI 4655 [3]_."""

HOT_WATER_LOSS_FACTOR: Final = 1.3
"""Heat generated over heat tapped for hot water [-]: storage and circulation losses
of a boiler's hot-water system (assumed, DIN V 4701-10 order of magnitude)."""

COOKING_KWH_PER_PERSON_DAY: Final = 0.25
"""Gas burnt on a gas hob per person on a day at home [kWh/d]: about 90 kWh a person a
year, 180-370 kWh a home (assumed; hobs are a small share of a gas home's use)."""

# fmt: off
COOKING_HOURLY_WEIGHT: Final = np.array((
    0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 0.6, 0.2, 0.3, 1.2,
    1.8, 0.8, 0.2, 0.2, 0.4, 1.3, 2.2, 1.8, 0.8, 0.3, 0.1, 0.0,
), dtype=np.float64)
# fmt: on
"""Relative cooking per hour of local time while somebody is active [-]: breakfast,
lunch and dinner (assumed, after HETUS meal-preparation times)."""


@dataclass(frozen=True)
class GasParams:
    """Who has gas and what it is burnt in.

    Attributes
    ----------
    heating_share : float
        Share of the homes with non-electric heating that heat with gas [-].
    other_share : float
        Share of the other homes with a gas meter for hot water and cooking [-].
    cooking_share : float
        Share of gas homes that cook with gas [-].
    boiler_efficiency : float
        Seasonal efficiency of the boiler on the gross calorific value [-] [1]_.
    kwh_per_m3 : float
        Energy per m3 of gas as metered (gross calorific value times
        Zustandszahl) [kWh/m3] [2]_.
    """

    heating_share: float = 1.0
    other_share: float = 0.1
    cooking_share: float = 0.3
    boiler_efficiency: float = 0.9
    kwh_per_m3: float = 10.0


class GasFleet:
    """Gas use of the homes with a gas meter among a household fleet's members.

    Attributes
    ----------
    home : numpy.ndarray
        Household member position of each local meter (int64, increasing).
    meter_index : numpy.ndarray
        Full-fleet household position of each local meter (int64): names it.
    heated, hot_water, cooking : numpy.ndarray
        bool per local meter: what the gas is burnt for.
    kwh_per_m3 : float
        Energy per metered m3 [kWh/m3].
    kwh : numpy.ndarray
        Last interval's gas energy per local meter (gross) [kWh].
    heat_kwh : numpy.ndarray
        Its space heating's heat delivered [kWh].
    """

    def __init__(
        self,
        *,
        axis: TimeAxis,
        params: GasParams,
        thermal: ThermalParams,
        weather: Weather,
        home: NDArray[np.int64],
        meter_index: NDArray[np.int64],
        heated: NDArray[np.bool_],
        hot_water: NDArray[np.bool_],
        cooking: NDArray[np.bool_],
        frost_heater: NDArray[np.bool_],
        buildings: Buildings,
    ) -> None:
        """Assemble from drawn arrays (``buildings`` of the heated meters); use :meth:`create`."""
        self._axis, self._params, self._thermal = axis, params, thermal
        self.kwh_per_m3 = params.kwh_per_m3
        self.home, self.meter_index = home, meter_index
        self.heated, self.hot_water, self.cooking = heated, hot_water, cooking
        self.n = int(home.size)
        wargs = (axis, weather.utc_offset_h)
        self._t_out = average_hourly(weather.temp_air_c, *wargs)
        self._ghi = average_hourly(weather.ghi_w_m2, *wargs)
        self._day = in_window_mask(np.asarray(axis.local_hour, dtype=np.float64), DAY_WINDOW_H)
        self._h = np.flatnonzero(heated)
        self._frost = frost_heater[self._h]
        self._b = buildings
        dt = float(axis.interval_s)
        self._decay = np.exp(-dt * buildings.heat_loss_w_per_k / buildings.capacity_j_per_k)
        self._rating_w = BOILER_SIZING * buildings.design_load_w()
        self._t_in: NDArray[np.float64] | None = None
        self._hw_daily = np.zeros(0)
        self._cook_daily = np.zeros(0)
        self._hw_per_weight = np.zeros(self.n)
        self._cook_per_weight = np.zeros(self.n)
        self.kwh = np.zeros(self.n)
        self.heat_kwh = np.zeros(self.n)

    @classmethod
    def create(
        cls,
        n_homes: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        weather: Weather,
        params: GasParams,
        thermal: ThermalParams,
        members: Members | None = None,
        heating_kind: NDArray[np.int8] | None = None,
        frost_heater: NDArray[np.bool_] | None = None,
        has_water_heater: NDArray[np.bool_] | None = None,
        buildings: Buildings | None = None,
    ) -> GasFleet:
        """Draw which homes have gas and for what.

        Parameters
        ----------
        n_homes : int
            Household premises of the full fleet.
        rng : numpy.random.Generator
            The fleet's own generator.
        axis : TimeAxis
            The run's interval grid.
        weather : Weather
            The run's typical weather year.
        params : GasParams
            Shares, efficiency and calorific value.
        thermal : ThermalParams
            The homes' building parameters and set points.
        members : Members, optional
            The household premises simulated here; default all.
        heating_kind, frost_heater, has_water_heater, buildings : optional
            Per member, from the thermal fleet when the run has one; default:
            every home heated non-electrically, no frost heater, no electric
            tank, buildings drawn here (for the whole fleet, then restricted).
        """
        members = Members.all(n_homes) if members is None else members
        if members.n_total != n_homes:
            raise ValueError(f"members given for a fleet of {members.n_total}; expected {n_homes}")
        take = members.take
        u = take(rng.random((n_homes, 3)))
        if buildings is None:
            buildings = Buildings.draw(rng, n_homes, thermal)
            if not members.is_all:
                buildings = buildings.take(members.index)
        n = members.n
        kind = np.zeros(n, dtype=np.int8) if heating_kind is None else heating_kind
        frost = np.zeros(n, dtype=bool) if frost_heater is None else frost_heater
        tank = np.zeros(n, dtype=bool) if has_water_heater is None else has_water_heater
        heated = (kind == _NON_ELECTRIC) & (u[:, 0] < params.heating_share)
        other = ~heated & (u[:, 1] < params.other_share)
        home = np.flatnonzero(heated | other).astype(np.int64)
        hot_water = ~tank[home]
        cooking = (u[home, 2] < params.cooking_share) | ~(heated[home] | hot_water)
        return cls(
            axis=axis,
            params=params,
            thermal=thermal,
            weather=weather,
            home=home,
            meter_index=members.index[home],
            heated=heated[home],
            hot_water=hot_water,
            cooking=cooking,
            frost_heater=frost[home],
            buildings=buildings.take(home[heated[home]]),
        )

    def refresh(self, households: HouseholdFleet) -> None:
        """Take the homes' people and occupancy profiles (at the start and each local midnight)."""
        dt = self._axis.interval_s
        if self._hw_daily.size == 0:
            marg = households.state_marginals
            self._hw_daily = expected_daily_weight(marg, dt)
            self._cook_daily = expected_daily_weight(marg, dt, COOKING_HOURLY_WEIGHT, 0.0)
        persons = persons_of(households.occupancy_kind[self.home])
        row = households.home_row[self.home]
        hw = persons * HOT_WATER_KWH_PER_PERSON_DAY * HOT_WATER_LOSS_FACTOR * self.hot_water
        cook = persons * COOKING_KWH_PER_PERSON_DAY * self.cooking
        e_hw, e_cook = self._hw_daily[row], self._cook_daily[row]
        self._hw_per_weight = np.divide(hw, e_hw, out=np.zeros(self.n), where=e_hw > 0)
        self._cook_per_weight = np.divide(cook, e_cook, out=np.zeros(self.n), where=e_cook > 0)

    def step(self, t: IntervalTime, households: HouseholdFleet) -> NDArray[np.float64]:
        """Advance one interval; gas energy of every local meter (gross) [kWh].

        ``households`` has been stepped for interval ``t``.
        """
        if t.index == 0 or t.local_hour * 3600.0 < t.dt_s:
            self.refresh(households)
        home = self.home
        present = households.present[home]
        state = present.astype(np.intp) + households.active[home]
        dt_h = t.dt_s / 3600.0
        w_hw = state_weights(t.local_hour).take(state)
        w_cook = state_weights(t.local_hour, COOKING_HOURLY_WEIGHT, 0.0).take(state)
        useful = (self._hw_per_weight * w_hw + self._cook_per_weight * w_cook) * dt_h
        heat = np.zeros(self.n)
        if self._h.size:
            heat[self._h] = self._space_heat_w(t.index, present, households.vacant[home])
        self.heat_kwh = heat * dt_h / 1e3
        self.kwh = (useful + self.heat_kwh) / self._params.boiler_efficiency
        return self.kwh

    def _space_heat_w(
        self, k: int, present: NDArray[np.bool_], vacant: NDArray[np.bool_]
    ) -> NDArray[np.float64]:
        """Mean heat the boilers deliver over interval ``k`` [W], advancing the rooms."""
        b, a, h = self._b, self._decay, self._b.heat_loss_w_per_k
        pres, vac = present[self._h], vacant[self._h]
        room = room_step(
            b,
            self._t_in,
            float(self._t_out[k]),
            float(self._ghi[k]),
            pres,
            vac,
            day=bool(self._day[k]),
            frost_c=self._thermal.frost_c,
            decay=a,
        )
        free, need = room.free_end_c, room.need_w
        heat = np.clip(need, 0.0, self._rating_w)
        heat[self._frost & vac] = 0.0  # the electric frost heater stands in
        self._t_in = end_temperature_c(free, heat, h, a)
        return heat
