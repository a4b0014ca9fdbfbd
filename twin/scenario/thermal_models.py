"""Scenario model of the weather-driven household loads: ``households.thermal``.

Heat pumps, direct electric heating, frost heaters of empty homes,
air-conditioning and electric hot-water tanks on a 1R1C building model per
home (:mod:`twin.devices.heating`). The section takes its defaults from
:class:`~twin.devices.heating.ThermalParams`, so they are defined once, in
the device layer; its own bounds keep the messages on the YAML paths. The
outdoor temperature and irradiance come from ``pv.weather``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.devices.heating.params import BUILDING_CLASSES, ThermalParams
from twin.scenario.ranges import range_check

__all__ = ["BuildingClassShares", "ThermalSection"]

_TH = ThermalParams()
"""The fleet's defaults, which the section's defaults are."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


_PAIR_BOUNDS = {
    "floor_area_m2": (10.0, 2_000.0),
    "comfort_c": (10.0, 30.0),
    "setback_k": (0.0, 10.0),
    "cooling_c": (18.0, 35.0),
    "tank_litres": (10.0, 1_000.0),
    "tank_set_c": (40.0, 85.0),
    "hot_water_kwh_per_day": (0.0, 50.0),
}
"""Bounds of the section's ``[low, high]`` keys."""

_PAIR_UNITS = {
    "floor_area_m2": "m^2",
    "comfort_c": "degC",
    "setback_k": "K",
    "cooling_c": "degC",
    "tank_litres": "l",
    "tank_set_c": "degC",
    "hot_water_kwh_per_day": "kWh/d",
}


class BuildingClassShares(_Section):
    """Weights of the building classes (normalised to sum to 1)."""

    unrenovated: float = Field(default=_TH.building_class_shares["unrenovated"], ge=0)
    renovated: float = Field(default=_TH.building_class_shares["renovated"], ge=0)
    new: float = Field(default=_TH.building_class_shares["new"], ge=0)

    @model_validator(mode="after")
    def _some_share(self) -> BuildingClassShares:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError(
                f"all building class shares are zero; expected at least one of "
                f"{set(BUILDING_CLASSES)} positive"
            )
        return self


class ThermalSection(_Section):
    """Heating, cooling and hot water of the homes (shares of household premises)."""

    heat_pump: float = Field(
        default=_TH.heat_pump, ge=0, le=1, description="Share heated by an air-source heat pump."
    )
    direct_electric: float = Field(
        default=_TH.direct_electric,
        ge=0,
        le=1,
        description="Share heated by direct electric (resistive) heaters.",
    )
    vacant_frost_heater: float = Field(
        default=_TH.vacant_frost_heater,
        ge=0,
        le=1,
        description="Share of the non-electrically heated homes that keep an electric frost "
        "heater on while empty.",
    )
    air_conditioning: float = Field(
        default=_TH.air_conditioning, ge=0, le=1, description="Share with split air-conditioning."
    )
    water_heater: float = Field(
        default=_TH.water_heater, ge=0, le=1, description="Share with an electric hot-water tank."
    )
    water_heater_timer: float = Field(
        default=_TH.water_heater_timer,
        ge=0,
        le=1,
        description="Share of the tanks heated only in timer_window_h.",
    )
    timer_window_h: tuple[float, float] = Field(
        default=_TH.timer_window_h, description="Off-peak window of timed tanks, local hours."
    )
    building_class_shares: BuildingClassShares = Field(default_factory=BuildingClassShares)
    floor_area_m2: tuple[float, float] = Field(default=_TH.floor_area_m2)
    comfort_c: tuple[float, float] = Field(default=_TH.comfort_c)
    setback_k: tuple[float, float] = Field(default=_TH.setback_k)
    frost_c: float = Field(default=_TH.frost_c, ge=0, le=15)
    cooling_c: tuple[float, float] = Field(default=_TH.cooling_c)
    tank_litres: tuple[float, float] = Field(default=_TH.tank_litres)
    tank_set_c: tuple[float, float] = Field(default=_TH.tank_set_c)
    hot_water_kwh_per_day: tuple[float, float] = Field(default=_TH.hot_water_kwh_per_day)

    @field_validator("timer_window_h")
    @classmethod
    def _window(cls, value: tuple[float, float]) -> tuple[float, float]:
        start, end = value
        if not (0 <= start <= 24 and 0 <= end <= 24 and start != end):
            raise ValueError(
                f"given {list(value)}; expected [start_h, end_h], local hours 0..24, start != end"
            )
        return value

    _pairs = field_validator(*_PAIR_BOUNDS)(range_check(_PAIR_BOUNDS, _PAIR_UNITS))

    @model_validator(mode="after")
    def _consistent(self) -> ThermalSection:
        heated = self.heat_pump + self.direct_electric
        if heated > 1:
            raise ValueError(
                f"heat_pump + direct_electric = {heated:g}; expected at most 1 (the rest heat "
                "with gas, oil or district heat)"
            )
        if self.cooling_c[0] <= self.comfort_c[1]:
            raise ValueError(
                f"cooling_c given {list(self.cooling_c)}; expected every cooling set point above "
                f"every comfort_c {list(self.comfort_c)}"
            )
        # a bound the section lacks fails here, at validation, not when the run starts
        self.params()
        return self

    def params(self) -> ThermalParams:
        """The thermal fleet's parameters."""
        return ThermalParams(
            heat_pump=self.heat_pump,
            direct_electric=self.direct_electric,
            vacant_frost_heater=self.vacant_frost_heater,
            air_conditioning=self.air_conditioning,
            water_heater=self.water_heater,
            water_heater_timer=self.water_heater_timer,
            timer_window_h=self.timer_window_h,
            building_class_shares=self.building_class_shares.model_dump(),
            floor_area_m2=self.floor_area_m2,
            comfort_c=self.comfort_c,
            setback_k=self.setback_k,
            frost_c=self.frost_c,
            cooling_c=self.cooling_c,
            tank_litres=self.tank_litres,
            tank_set_c=self.tank_set_c,
            hot_water_kwh_per_day=self.hot_water_kwh_per_day,
        )
