"""Scenario models of the water and gas meters: the ``water`` and ``gas`` sections.

Both are off when absent (nothing of them is drawn or written). Water and gas
meters sit at household premises and are read by the premise's electricity
meter's management core over wireless M-Bus (:mod:`twin.meters.wmbus`) at
their own reading interval; the models are :mod:`twin.devices.water` and
:mod:`twin.devices.gas`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from twin.clock import SECONDS_PER_DAY
from twin.devices.gas import GasParams
from twin.scenario.durations import Duration
from twin.scenario.ranges import range_check

__all__ = ["GasSection", "LeakSection", "WaterSection"]

_GP = GasParams()

WMBUS_LOSS: float = 0.02
"""Default share of wM-Bus readings not heard [-] (assumed: a few per cent of
telegrams are lost to radio conditions and collisions in EN 13757-4 T1 mode)."""

LOG_DEPTH: int = 24
"""Default depth of a meter's data log [readings] (assumed: a day of hourly values)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class _Reading(_Section):
    reading_interval: Duration = Field(
        default=3600,
        gt=0,
        le=SECONDS_PER_DAY,
        description="Reading interval, a multiple of time.interval that divides a day.",
    )
    wmbus_loss: float = Field(
        default=WMBUS_LOSS, ge=0, lt=1, description="Probability a reading's telegram is lost."
    )
    log_depth: int = Field(
        default=LOG_DEPTH,
        ge=1,
        le=10_000,
        description="Readings the meter's data log keeps for backfill (the current one included).",
    )


class LeakSection(_Section):
    """Leaks behind water meters (flow day and night until repaired)."""

    rate_per_meter_year: float = Field(
        default=0.1,
        ge=0,
        le=50,
        description="Leaks starting per meter and year (assumed; DeOreo et al. 2016: a "
        "minority of homes leak at any time).",
    )
    flow_l_per_h: tuple[float, float] = Field(
        default=(0.5, 20.0),
        description="Flow [l/h], log-uniform: a dripping tap to a running cistern (assumed).",
    )
    duration_days: tuple[float, float] = Field(
        default=(1.0, 60.0), description="Days until repaired, uniform (assumed)."
    )

    _ranges = field_validator("flow_l_per_h", "duration_days")(
        range_check({"flow_l_per_h": (0.01, 5_000.0), "duration_days": (0.01, 3_650.0)})
    )


class WaterSection(_Reading):
    """Water meters at household premises."""

    share: float = Field(default=1.0, ge=0, le=1, description="Share of homes with a water meter.")
    litres_per_person_day: float = Field(
        default=135.0,
        gt=0,
        le=1_000,
        description="Use per person on a day at home [l/d]; with holidays and days out it "
        "gives about 125 l per resident and day over a year (BDEW Wasserstatistik).",
    )
    leaks: LeakSection = Field(default_factory=LeakSection)


class GasSection(_Reading):
    """Gas meters at household premises."""

    heating_share: float = Field(
        default=_GP.heating_share,
        ge=0,
        le=1,
        description="Share of the homes with non-electric heating that heat with gas.",
    )
    other_share: float = Field(
        default=_GP.other_share,
        ge=0,
        le=1,
        description="Share of the other homes with gas for hot water and cooking.",
    )
    cooking_share: float = Field(
        default=_GP.cooking_share, ge=0, le=1, description="Share of gas homes cooking with gas."
    )
    boiler_efficiency: float = Field(
        default=_GP.boiler_efficiency,
        gt=0.3,
        le=1.1,
        description="Seasonal boiler efficiency on the gross calorific value (EU 813/2013).",
    )
    kwh_per_m3: float = Field(
        default=_GP.kwh_per_m3,
        ge=5,
        le=15,
        description="Energy per metered m3 (Brennwert x Zustandszahl, DVGW G 685) [kWh/m3].",
    )

    def params(self) -> GasParams:
        """The gas fleet's parameters."""
        return GasParams(
            heating_share=self.heating_share,
            other_share=self.other_share,
            cooking_share=self.cooking_share,
            boiler_efficiency=self.boiler_efficiency,
            kwh_per_m3=self.kwh_per_m3,
        )
