"""Scenario models of distributed energy: rooftop PV, home storage and EV charging.

Every section is optional; a share of 0 (the default) means no fleet at all,
and a run without these sections is exactly the run of earlier versions.
Each section makes its fleet's parameter object (:meth:`PvSection.params`,
...) and takes its defaults from that object's defaults
(:class:`~twin.devices.pv.PvParams`, :class:`~twin.devices.storage.StorageParams`,
:class:`~twin.devices.ev.EvParams`), so they are defined once, in the device
layer. The sections' own bounds keep the messages on the YAML paths.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.devices.checks import is_hour_window
from twin.devices.ev.params import Allocation, EvParams, Policy
from twin.devices.pv.params import PvParams
from twin.devices.storage.params import StorageParams, Strategy
from twin.devices.weather import WEATHER_SOURCES
from twin.scenario.durations import Duration

__all__ = ["EvSection", "PublicStation", "PvSection", "StorageSection"]

_PV, _STORAGE, _EV = PvParams(), StorageParams(), EvParams()
"""The fleets' defaults, which the sections' defaults are."""

FaultCode = Literal["HighTemperature", "GroundFailure", "OverCurrentFailure", "InternalError"]
"""OCPP 1.6 ChargePointErrorCode values a random charger fault may carry."""


def _default_fault_rates() -> dict[FaultCode, float]:
    return cast(dict[FaultCode, float], dict(_EV.fault_rates_per_year))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _window(value: tuple[float, float]) -> tuple[float, float]:
    if not is_hour_window(value):
        raise ValueError(
            f"given {list(value)}; expected [start_h, end_h], local hours 0..24, start != end"
        )
    return value


def _fleet_accepts(section: PvSection | StorageSection | EvSection) -> None:
    """Make the section's parameter object: a bound the section lacks fails here, at
    validation, with the section's path, instead of when the run starts."""
    section.params()


class PvSection(_Section):
    """Rooftop PV on a share of the premises (pvlib PVWatts, volt-watt, over-voltage trip)."""

    share: float = Field(default=0.0, ge=0, le=1, description="Share of premises with PV.")
    weather: str = Field(
        default=_PV.weather,
        description="Bundled typical weather year; the default, DWD TRY region 4 (Potsdam), "
        "suits the German SimBench grids.",
    )
    kwp_median: float = Field(
        default=_PV.kwp_median, gt=0, le=100, description="Median DC rating [kWp]."
    )
    kwp_sigma: float = Field(
        default=_PV.kwp_sigma, ge=0, le=2, description="Log-sd of the rating [-]."
    )
    tilt_mean_deg: float = Field(default=_PV.tilt_mean_deg, ge=0, le=90)
    tilt_sd_deg: float = Field(default=_PV.tilt_sd_deg, ge=0, le=90)
    azimuth_mean_deg: float = Field(
        default=_PV.azimuth_mean_deg, ge=0, le=360, description="180 = south."
    )
    azimuth_sd_deg: float = Field(default=_PV.azimuth_sd_deg, ge=0, le=180)
    dc_ac_ratio: float = Field(
        default=_PV.dc_ac_ratio, gt=0.2, le=5, description="kWp over inverter kW."
    )
    volt_watt_pu: tuple[float, float] = Field(
        default=_PV.volt_watt_pu, description="Volt-watt curve: full power to V1, none at V2 [pu]."
    )
    trip_pu: float = Field(default=_PV.trip_pu, gt=1, le=1.5, description="Over-voltage trip [pu].")
    reconnect_pu: float = Field(default=_PV.reconnect_pu, ge=1, le=1.5)
    reconnect_delay: Duration = Field(default=_PV.reconnect_delay_s, ge=0, le=86_400)

    @field_validator("weather")
    @classmethod
    def _known_weather(cls, value: str) -> str:
        if value not in WEATHER_SOURCES:
            raise ValueError(
                f"given an invalid value {value!r}; "
                f"expected one of {{{', '.join(WEATHER_SOURCES)}}}"
            )
        return value

    @model_validator(mode="after")
    def _curve(self) -> PvSection:
        v1, v2 = self.volt_watt_pu
        if not 1.0 <= v1 < v2:
            raise ValueError(f"volt_watt_pu given {list(self.volt_watt_pu)}; expected 1 <= V1 < V2")
        if self.reconnect_pu > self.trip_pu:
            raise ValueError(
                f"reconnect_pu {self.reconnect_pu} is above trip_pu {self.trip_pu}; expected <="
            )
        _fleet_accepts(self)
        return self

    def params(self) -> PvParams:
        """The PV fleet's parameters (``share`` places the fleet, it is not one of them)."""
        return PvParams(
            weather=self.weather,
            kwp_median=self.kwp_median,
            kwp_sigma=self.kwp_sigma,
            tilt_mean_deg=self.tilt_mean_deg,
            tilt_sd_deg=self.tilt_sd_deg,
            azimuth_mean_deg=self.azimuth_mean_deg,
            azimuth_sd_deg=self.azimuth_sd_deg,
            dc_ac_ratio=self.dc_ac_ratio,
            volt_watt_pu=self.volt_watt_pu,
            trip_pu=self.trip_pu,
            reconnect_pu=self.reconnect_pu,
            reconnect_delay_s=self.reconnect_delay,
        )


class StorageSection(_Section):
    """Home batteries, placed at premises that have PV."""

    share: float = Field(
        default=0.0, ge=0, le=1, description="Share of the PV premises that also have a battery."
    )
    capacity_choices_kwh: list[float] = Field(
        default_factory=lambda: list(_STORAGE.capacity_choices_kwh), min_length=1
    )
    c_rate_per_h: float = Field(
        default=_STORAGE.c_rate_per_h, gt=0, le=5, description="kW per kWh of capacity."
    )
    eta_round_trip: float = Field(default=_STORAGE.eta_round_trip, gt=0, le=1)
    soc_min_fraction: float = Field(default=_STORAGE.soc_min_fraction, ge=0, le=1)
    soc_initial_fraction: float = Field(default=_STORAGE.soc_initial_fraction, ge=0, le=1)
    strategy: Strategy = _STORAGE.strategy
    charge_window_h: tuple[float, float] = _STORAGE.charge_window_h
    discharge_window_h: tuple[float, float] = _STORAGE.discharge_window_h

    @field_validator("charge_window_h", "discharge_window_h")
    @classmethod
    def _windows(cls, value: tuple[float, float]) -> tuple[float, float]:
        return _window(value)

    @field_validator("capacity_choices_kwh")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(not 0 < c <= 1_000 for c in value):
            raise ValueError(f"given {value}; expected capacities in (0, 1000] kWh")
        return value

    @model_validator(mode="after")
    def _soc(self) -> StorageSection:
        if self.soc_min_fraction > self.soc_initial_fraction:
            raise ValueError(
                f"soc_min_fraction {self.soc_min_fraction} is above soc_initial_fraction "
                f"{self.soc_initial_fraction}; expected min <= initial"
            )
        _fleet_accepts(self)
        return self

    def params(self) -> StorageParams:
        """The storage fleet's parameters (``share`` places the fleet, it is not one of them)."""
        return StorageParams(
            capacity_choices_kwh=tuple(self.capacity_choices_kwh),
            c_rate_per_h=self.c_rate_per_h,
            eta_round_trip=self.eta_round_trip,
            soc_min_fraction=self.soc_min_fraction,
            soc_initial_fraction=self.soc_initial_fraction,
            strategy=self.strategy,
            charge_window_h=self.charge_window_h,
            discharge_window_h=self.discharge_window_h,
        )


class PublicStation(_Section):
    """A public DC charging station: connectors at one bus."""

    bus: int = Field(ge=0, description="Bus id as in internal/network_bus (SimBench id).")
    connectors: int = Field(default=2, ge=1, le=50)
    power_kw: float = Field(default=50.0, ge=20, le=400, description="Per connector [kW].")


class EvSection(_Section):
    """EV home chargers on a share of the premises, public stations, policy and faults."""

    share: float = Field(default=0.0, ge=0, le=1, description="Share of premises with an EV.")
    home_power_choices_kw: list[float] = Field(
        default_factory=lambda: list(_EV.home_power_choices_kw)
    )
    home_power_shares: list[float] = Field(default_factory=lambda: list(_EV.home_power_shares))
    # home_sessions.sessions_per_day of EvParams() times 7; tests/scenario pins the two
    sessions_per_week: float = Field(default=3.0, gt=0, le=14, description="Home, per EV.")
    energy_median_kwh: float | None = Field(
        default=None, gt=0, le=200, description="Home session energy median; default the fleet's."
    )
    public_stations: list[PublicStation] = Field(default_factory=list)
    policy: Policy = _EV.policy
    allocation: Allocation = _EV.allocation
    tou_window_h: tuple[float, float] = _EV.tou_window_h
    managed_cap_percent: float = Field(
        default=100.0, gt=0, le=200, description="LV transformer loading cap of 'managed' [%]."
    )
    fault_rates_per_year: dict[FaultCode, float] = Field(
        default_factory=_default_fault_rates,
        description="Random charger faults per charger and year by OCPP 1.6 error code.",
    )
    repair_mean_h: float = Field(default=_EV.repair_mean_h, gt=0, le=10_000)
    voltage_limits_pu: tuple[float, float] = _EV.voltage_limits_pu

    @field_validator("tou_window_h")
    @classmethod
    def _tou(cls, value: tuple[float, float]) -> tuple[float, float]:
        return _window(value)

    @field_validator("fault_rates_per_year")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 <= v <= 365}
        if bad:
            raise ValueError(f"given {bad}; expected rates from 0 to 365 per charger and year")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EvSection:
        choices, shares = self.home_power_choices_kw, self.home_power_shares
        if len(choices) != len(shares) or not choices:
            raise ValueError(
                f"home_power_choices_kw ({len(choices)}) and home_power_shares "
                f"({len(shares)}) need the same, non-zero length"
            )
        if any(not 1 <= c <= 50 for c in choices) or any(s < 0 for s in shares) or sum(shares) <= 0:
            raise ValueError(
                f"home_power_choices_kw given {choices} / shares {shares}; expected powers in "
                "1..50 kW and non-negative shares with a positive sum"
            )
        lo, hi = self.voltage_limits_pu
        if not 0.5 <= lo < 1.0 < hi <= 1.5:
            raise ValueError(
                f"voltage_limits_pu given {list(self.voltage_limits_pu)}; expected "
                "[under, over] with 0.5 <= under < 1 < over <= 1.5"
            )
        _fleet_accepts(self)
        return self

    def params(self) -> EvParams:
        """The EV fleet's parameters.

        ``share`` and ``public_stations`` place the chargers and
        ``managed_cap_percent`` sets the headroom the engine hands the fleet:
        they are not among them. ``sessions_per_week`` and
        ``energy_median_kwh`` set the fleet's home session statistics.
        """
        home = dataclasses.replace(_EV.home_sessions, sessions_per_day=self.sessions_per_week / 7)
        if self.energy_median_kwh is not None:
            home = dataclasses.replace(home, energy_median_kwh=self.energy_median_kwh)
        return EvParams(
            home_power_choices_kw=tuple(self.home_power_choices_kw),
            home_power_shares=tuple(self.home_power_shares),
            policy=self.policy,
            allocation=self.allocation,
            tou_window_h=self.tou_window_h,
            home_sessions=home,
            fault_rates_per_year={str(k): v for k, v in self.fault_rates_per_year.items()},
            repair_mean_h=self.repair_mean_h,
            voltage_limits_pu=self.voltage_limits_pu,
        )
