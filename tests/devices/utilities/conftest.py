"""A small household fleet stepped through a run, with water and gas fleets beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.clock import TimeAxis
from twin.devices.gas import GasFleet, GasParams
from twin.devices.heating import ThermalParams
from twin.devices.households import HouseholdFleet
from twin.devices.water import WaterFleet
from twin.devices.weather import load_weather
from twin.scenario.der_models import PvSection


@dataclass
class Totals:
    """What the fleets drew over a run."""

    households: HouseholdFleet
    water: WaterFleet
    gas: GasFleet
    days: float
    water_l: np.ndarray
    gas_kwh: np.ndarray
    water_by_hour: np.ndarray = field(default_factory=lambda: np.zeros(24))
    night_l: np.ndarray = field(default_factory=lambda: np.zeros(0))


def simulate(
    n: int,
    days: int,
    *,
    start: str = "2025-01-01T00:00:00",
    interval_s: int = 3600,
    seed: int = 1,
    leak_rate: float = 0.0,
    litres_per_person_day: float = 135.0,
) -> Totals:
    """Step ``n`` homes for ``days`` days with every home metered (water and gas)."""
    axis = TimeAxis(
        start=pd.Timestamp(start).tz_localize("Europe/Berlin"),
        interval_s=interval_s,
        n_intervals=days * 86_400 // interval_s,
        timezone="Europe/Berlin",
    )
    rng = np.random.default_rng(seed)
    hh = HouseholdFleet.create(n, rng=rng, axis=axis, latitude_deg=51.0)
    water = WaterFleet.create(
        n,
        rng=np.random.default_rng(seed + 1),
        axis=axis,
        share=1.0,
        litres_per_person_day=litres_per_person_day,
        leak_rate_per_meter_year=leak_rate,
        leak_flow_l_per_h=(2.0, 10.0),
        leak_duration_days=(400.0, 500.0),
    )
    gas = GasFleet.create(
        n,
        rng=np.random.default_rng(seed + 2),
        axis=axis,
        weather=load_weather(PvSection().weather),
        params=GasParams(heating_share=1.0),
        thermal=ThermalParams(),
    )
    out = Totals(hh, water, gas, days, np.zeros(water.n), np.zeros(gas.n))
    out.night_l = np.zeros(water.n)
    events, e = hh.events(), 0
    for k in range(axis.n_intervals):
        t = axis.at(k)
        while e < len(events) and events[e].time_s <= t.start_s:
            hh.apply(events[e])
            e += 1
        hh.step(t)
        litres = water.step(t, hh)
        out.water_l += litres
        out.water_by_hour[int(t.local_hour)] += litres.sum()
        if 2.0 <= t.local_hour < 4.0:
            out.night_l += litres
        out.gas_kwh += gas.step(t, hh)
    return out
