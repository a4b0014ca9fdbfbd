"""Scenario model of electrical safety and fire early warning: the ``safety`` section.

Off when absent (nothing is drawn, no table written). Premises of each kind
get residual-current, cable-temperature and arc-fault sensors with the share
given; readings reach the platform through the meter's management core or an
IoT gateway; alarms become work orders for field crews. The model is
:mod:`twin.devices.safety`; the wiring :mod:`twin.engine.safety`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.devices.safety.params import (
    SMALLEST_BUILDING_DWELLINGS,
    HazardRates,
    OperationsParams,
    SafetyParams,
    SensorParams,
    natural_leakage_ma,
)
from twin.scenario.durations import Duration, format_duration

__all__ = [
    "ArcFaultSensor",
    "CableTemperatureSensor",
    "HazardsSection",
    "OperationsSection",
    "ResidualCurrentSensor",
    "SafetyPremises",
    "SafetySection",
    "SensorsSection",
]

_HR = HazardRates()
_OP = OperationsParams()
_SHIFT = re.compile(r"^([01]\d|2[0-4])-([01]\d|2[0-4])$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class SafetyPremises(_Section):
    """Share of each premise kind fitted with sensors [-]."""

    commercial: float = Field(default=1.0, ge=0, le=1, description="Shops and offices.")
    apartment_buildings: float = Field(
        default=1.0, ge=0, le=1, description="The buildings' common supply (twin.engine.buildings)."
    )
    households: float = Field(default=0.0, ge=0, le=1, description="Single households.")


class _Sensor(_Section):
    """Shared rule: the delay is a whole number of reports."""

    delay: Duration = Field(default=0, ge=0)

    def _reporting_s(self) -> int | None:
        return None

    @model_validator(mode="after")
    def _delay_fits(self) -> _Sensor:
        every = self._reporting_s()
        delay = int(self.delay)
        if every and delay % every:
            raise ValueError(
                f"delay given {format_duration(delay)!r}, not a multiple of the reporting "
                f"interval {format_duration(every)!r}; expected 0 or a whole number of reports"
            )
        return self


class ResidualCurrentSensor(_Sensor):
    """Residual-current electrical fire monitoring detector (GB 14287.2)."""

    reporting_interval: Duration = Field(default=900, gt=0)
    threshold_ma: float = Field(
        default=300.0,
        ge=20,
        le=1000,
        description="Alarm setting [mA]: GB 14287.2 allows 20-1000 mA; GB 50116 sets "
        "300-500 mA above the natural leakage.",
    )
    delay: Duration = Field(default=1800, ge=0)

    def _reporting_s(self) -> int | None:
        return int(self.reporting_interval)


class CableTemperatureSensor(_Sensor):
    """Temperature detector on the supply cable (GB 14287.3)."""

    reporting_interval: Duration = Field(default=900, gt=0)
    threshold_c: float = Field(
        default=70.0,
        ge=40,
        le=150,
        description="Alarm setting [degC]; PVC is rated 70 C, XLPE 90 C (IEC 60364-5-52).",
    )
    delay: Duration = Field(default=900, ge=0)

    def _reporting_s(self) -> int | None:
        return int(self.reporting_interval)


class ArcFaultSensor(_Section):
    """Arc fault detector: arcs counted per minute, reported every metering interval."""

    threshold_per_min: float = Field(default=1.0, gt=0, le=1000)
    delay: Duration = Field(default=0, ge=0)


class SensorsSection(_Section):
    """Settings of the three sensor kinds."""

    residual_current: ResidualCurrentSensor = Field(default_factory=ResidualCurrentSensor)
    cable_temperature: CableTemperatureSensor = Field(default_factory=CableTemperatureSensor)
    arc_fault: ArcFaultSensor = Field(default_factory=ArcFaultSensor)


class OperationsSection(_Section):
    """Field crews that answer the safety alarms' work orders."""

    crews: int = Field(default=_OP.crews, ge=1, le=1000)
    jobs_per_crew_day: int = Field(default=_OP.jobs_per_crew_day, ge=1, le=100)
    shift: str = Field(default="08-17", description="Local hours 'HH-HH' the crews work.")
    travel: Duration = Field(default=int(_OP.travel_s), gt=0, description="Mean travel time.")
    repair: Duration = Field(default=int(_OP.repair_s), gt=0, description="Mean repair time.")

    @field_validator("shift")
    @classmethod
    def _shift_hours(cls, value: str) -> str:
        match = _SHIFT.match(value)
        if match is None or int(match.group(1)) >= int(match.group(2)):
            raise ValueError(
                f"given {value!r}; expected local hours 'HH-HH' with start before end, "
                "such as '08-17'"
            )
        return value

    def params(self) -> OperationsParams:
        """The crews as the operations model takes them."""
        start, end = (int(h) for h in self.shift.split("-"))
        return OperationsParams(
            crews=self.crews,
            jobs_per_crew_day=self.jobs_per_crew_day,
            shift_start_h=start,
            shift_end_h=end,
            travel_s=float(self.travel),
            repair_s=float(self.repair),
        )


class HazardsSection(_Section):
    """How often hazards start, per premise and year [1/a] (defaults assumed; raise them
    to study the platform), and the share of premises with an undersized cable."""

    insulation_ageing: float = Field(default=_HR.insulation_ageing, ge=0, le=100)
    insulation_damage: float = Field(default=_HR.insulation_damage, ge=0, le=100)
    overload: float = Field(default=_HR.overload, ge=0, le=100)
    arcing: float = Field(default=_HR.arcing, ge=0, le=100)
    undersized_share: float = Field(default=_HR.undersized_share, ge=0, le=1)


class SafetySection(_Section):
    """Electrical safety sensors, their alarms and the crews that answer them."""

    premises: SafetyPremises = Field(default_factory=SafetyPremises)
    path: Literal["management_core", "iot_gateway"] = Field(
        default="management_core",
        description="How readings travel: through the meter's management core and the "
        "concentrator, or an IoT gateway on its own cellular link.",
    )
    sensors: SensorsSection = Field(default_factory=SensorsSection)
    operations: OperationsSection = Field(default_factory=OperationsSection)
    hazards: HazardsSection = Field(default_factory=HazardsSection)

    @model_validator(mode="after")
    def _threshold_above_natural_leakage(self) -> SafetySection:
        threshold = self.sensors.residual_current.threshold_ma
        kinds = {
            "commercial": self.premises.commercial,
            "apartment_building": self.premises.apartment_buildings,
            "household": self.premises.households,
        }
        for kind, share in kinds.items():
            leakage = natural_leakage_ma(kind, SMALLEST_BUILDING_DWELLINGS)
            if share > 0 and threshold < leakage:
                raise ValueError(
                    f"safety.sensors.residual_current.threshold_ma given {threshold:g}, below "
                    f"the natural leakage of the smallest {kind} premise ({leakage:g} mA); "
                    f"expected at "
                    f"least {leakage:g} mA (GB 50116: above the natural leakage)"
                )
        return self

    def params(self) -> SafetyParams:
        """The fleet's parameters."""
        s, h = self.sensors, self.hazards
        return SafetyParams(
            shares={
                "commercial": self.premises.commercial,
                "apartment_building": self.premises.apartment_buildings,
                "household": self.premises.households,
            },
            path=self.path,
            residual_current=SensorParams(
                int(s.residual_current.reporting_interval),
                float(s.residual_current.threshold_ma),
                int(s.residual_current.delay),
            ),
            cable_temperature=SensorParams(
                int(s.cable_temperature.reporting_interval),
                float(s.cable_temperature.threshold_c),
                int(s.cable_temperature.delay),
            ),
            arc_fault=SensorParams(0, float(s.arc_fault.threshold_per_min), int(s.arc_fault.delay)),
            hazards=HazardRates(
                h.insulation_ageing, h.insulation_damage, h.overload, h.arcing, h.undersized_share
            ),
            operations=self.operations.params(),
        )
