"""Parameters of the weather-driven household loads: every one with its default and its check.

The scenario's ``households.thermal`` section makes a :class:`ThermalParams`
(:meth:`twin.scenario.thermal_models.ThermalSection.params`) and takes its
defaults from here; :meth:`~twin.devices.heating.ThermalFleet.create` takes it.

The default shares are small, so that a scenario without the section stays
close to the loads of a home without electric heating; a planner's scenario
raises them (``scenarios/heat_ev_pv_2030.yaml``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from twin.devices.checks import is_hour_window, one_of, raise_problems

__all__ = ["BUILDING_CLASSES", "ThermalParams"]

BUILDING_CLASSES = ("unrenovated", "renovated", "new")
"""Building classes of the thermal model, oldest first (see
:data:`~twin.devices.heating.building.HEAT_LOSS_W_PER_K_M2`)."""


def _default_building_shares() -> Mapping[str, float]:
    # German dwelling stock by energy state, rounded after the TABULA/EPISCOPE
    # typology and dena's Gebaeudereport: about half of the stock is built before
    # 1979 and not (or barely) refurbished, a third refurbished, the rest recent.
    return MappingProxyType({"unrenovated": 0.45, "renovated": 0.40, "new": 0.15})


def _range_ok(value: tuple[float, float], lo: float, hi: float) -> bool:
    return (
        len(value) == 2
        and all(math.isfinite(v) for v in value)
        and lo <= value[0] <= value[1] <= hi
    )


@dataclass(frozen=True)
class ThermalParams:
    """Heating, cooling and hot water of the homes of a fleet.

    Shares are of all household premises (``heat_pump + direct_electric <= 1``;
    the rest heat with gas, oil or district heat, which the meter does not
    see). Ranges ``(low, high)`` are drawn uniformly per home.

    Attributes
    ----------
    heat_pump : float
        Share of homes heated by an air-source heat pump [-] (assumed
        default 0.02: about the German stock's share of heat pumps in 2023).
    direct_electric : float
        Share of homes heated by direct electric (resistive) heaters [-]
        (assumed default 0.01).
    vacant_frost_heater : float
        Share of the other homes (non-electric heating) that keep an electric
        frost heater (or dehumidifier) on a thermostat while empty [-]; their
        non-electric heating is off then (assumed default 0.10).
    air_conditioning : float
        Share of homes with split air-conditioning [-] (assumed default 0.02).
    water_heater : float
        Share of homes with an electric hot-water tank [-] (assumed default 0.05).
    water_heater_timer : float
        Share of those tanks heated only in the night window [-] (assumed 0.5).
    timer_window_h : tuple of float
        Local hours ``(start, end)`` of the off-peak window of timed tanks [h]
        (may wrap midnight; assumed ``(22, 6)``).
    building_class_shares : Mapping[str, float]
        Weights of :data:`BUILDING_CLASSES` [-], finite, >= 0, normalised.
    floor_area_m2 : tuple of float
        Heated floor area [m^2] (assumed ``(60, 180)``).
    comfort_c : tuple of float
        Daytime indoor set point when somebody is at home [degC].
    setback_k : tuple of float
        Set-back at night and while nobody is at home [K].
    frost_c : float
        Frost-protection set point of an empty home [degC] (about 5 degC
        after DIN EN 12831-1).
    cooling_c : tuple of float
        Air-conditioning set point when somebody is at home [degC].
    tank_litres : tuple of float
        Hot-water tank volume [l] (80-200 l: typical domestic electric tanks).
    tank_set_c : tuple of float
        Tank thermostat set point [degC].
    hot_water_kwh_per_day : tuple of float
        Hot-water energy drawn per day by a household at home all day
        [kWh/d] (EN 16147 tapping cycle M: 5.845 kWh/d).

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.
    """

    heat_pump: float = 0.02
    direct_electric: float = 0.01
    vacant_frost_heater: float = 0.10
    air_conditioning: float = 0.02
    water_heater: float = 0.05
    water_heater_timer: float = 0.5
    timer_window_h: tuple[float, float] = (22.0, 6.0)
    building_class_shares: Mapping[str, float] = field(default_factory=_default_building_shares)
    floor_area_m2: tuple[float, float] = (60.0, 180.0)
    comfort_c: tuple[float, float] = (19.5, 22.0)
    setback_k: tuple[float, float] = (0.0, 3.0)
    frost_c: float = 5.0
    cooling_c: tuple[float, float] = (24.0, 27.0)
    tank_litres: tuple[float, float] = (80.0, 200.0)
    tank_set_c: tuple[float, float] = (55.0, 65.0)
    hot_water_kwh_per_day: tuple[float, float] = (2.0, 6.0)

    def __post_init__(self) -> None:
        shares = MappingProxyType(dict(self.building_class_shares))
        object.__setattr__(self, "building_class_shares", shares)
        unknown = [c for c in shares if c not in BUILDING_CLASSES]
        weights = [float(v) for v in shares.values()]
        checks: list[tuple[bool, str]] = [
            (
                0 <= getattr(self, name) <= 1,
                f"{name} given {getattr(self, name)!r}; expected a share 0..1",
            )
            for name in (
                "heat_pump",
                "direct_electric",
                "vacant_frost_heater",
                "air_conditioning",
                "water_heater",
                "water_heater_timer",
            )
        ]
        heated = self.heat_pump + self.direct_electric
        checks += [
            (heated <= 1, f"heat_pump + direct_electric given {heated:g}; expected at most 1"),
            (
                is_hour_window(self.timer_window_h),
                f"timer_window_h given {list(self.timer_window_h)}; expected [start_h, end_h], "
                "local hours 0..24, start != end",
            ),
            (
                not unknown,
                f"building_class_shares given unknown keys {unknown}; "
                f"expected some of {one_of(BUILDING_CLASSES)}",
            ),
            (
                all(math.isfinite(w) and w >= 0 for w in weights) and sum(weights) > 0,
                f"building_class_shares given {dict(shares)!r}; expected finite shares >= 0, "
                "at least one positive",
            ),
            (0 <= self.frost_c <= 15, f"frost_c given {self.frost_c!r}; expected 0..15 degC"),
        ]
        for name, lo, hi, unit in (
            ("floor_area_m2", 10.0, 2_000.0, "m^2"),
            ("comfort_c", 10.0, 30.0, "degC"),
            ("setback_k", 0.0, 10.0, "K"),
            ("cooling_c", 18.0, 35.0, "degC"),
            ("tank_litres", 10.0, 1_000.0, "l"),
            ("tank_set_c", 40.0, 85.0, "degC"),
            ("hot_water_kwh_per_day", 0.0, 50.0, "kWh/d"),
        ):
            value = getattr(self, name)
            checks.append(
                (
                    _range_ok(value, lo, hi),
                    f"{name} given {list(value)}; expected [low, high] with "
                    f"{lo:g} <= low <= high <= {hi:g} [{unit}]",
                )
            )
        if _range_ok(self.comfort_c, 10.0, 30.0) and _range_ok(self.cooling_c, 18.0, 35.0):
            checks.append(
                (
                    self.cooling_c[0] > self.comfort_c[1],
                    f"cooling_c given {list(self.cooling_c)}; expected every cooling set point "
                    f"above every comfort_c {list(self.comfort_c)}",
                )
            )
        raise_problems("ThermalParams", checks)

    def class_weights(self) -> NDArray[np.float64]:
        """Building class shares in the order of :data:`BUILDING_CLASSES`, summing to 1 [-]."""
        w = np.asarray([float(self.building_class_shares.get(c, 0.0)) for c in BUILDING_CLASSES])
        return w / w.sum()

    @property
    def any_load(self) -> bool:
        """Whether any home can have a thermal load (some share is positive)."""
        return (
            self.heat_pump
            + self.direct_electric
            + self.vacant_frost_heater
            + self.air_conditioning
            + self.water_heater
        ) > 0
