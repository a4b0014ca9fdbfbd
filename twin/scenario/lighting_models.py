"""Scenario model of the lighting circuits: the ``lighting`` section.

Off when absent (nothing is drawn, no load row is added, no table written).
Streetlight circuits hang on LV buses: by default one per LV feeder at its
first bus (the cabinet), with ``lamps_per_km`` times the feeder's line length
in lamps; or an explicit list. The optional ``common_areas`` sub-section adds
one common-area circuit (stairwells, corridors) per apartment building
(:mod:`twin.engine.buildings`), on the building's bus. The model is :mod:`twin.devices.lighting`;
commands travel the comms downlink as relay commands do.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.devices.lighting.params import (
    LAMP_RATED_W,
    CommandParams,
    CommonAreaParams,
    DimmingWindow,
    FailureParams,
    StreetlightParams,
)
from twin.scenario.durations import Duration
from twin.scenario.ranges import range_check

__all__ = [
    "CircuitEntry",
    "CommonAreasSection",
    "DimmingEntry",
    "FailuresSection",
    "LightingCommandEntry",
    "LightingSection",
    "StreetlightsSection",
]

_SP = StreetlightParams()
_FP = FailureParams()
_CP = CommonAreaParams()
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)


def _hours(value: str) -> float:
    match = _CLOCK.match(value)
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"given {value!r}; expected a local time 'HH:MM' from '00:00' to '24:00'")
    return int(match.group(1)) + int(match.group(2)) / 60.0


class DimmingEntry(_Section):
    """A dimming window of local time, e.g. ``{from: "00:00", to: "05:00", level: 0.5}``."""

    from_: str = Field(alias="from", description="Start, local 'HH:MM'.")
    to: str = Field(description="End, local 'HH:MM' (before 'from': wraps midnight).")
    level: float = Field(gt=0, le=1, description="Share of full power while lit [-].")

    @field_validator("from_", "to")
    @classmethod
    def _clock(cls, value: str) -> str:
        _hours(value)
        return value

    def params(self) -> DimmingWindow:
        """The window as the fleet takes it."""
        return DimmingWindow(_hours(self.from_) % 24.0, _hours(self.to), self.level)


class FailuresSection(_Section):
    """Lamp failures per lamp and year (see :class:`~twin.devices.lighting.FailureParams`)."""

    burn_out: float = Field(default=_FP.burn_out, ge=0, le=10)
    day_burner: float = Field(default=_FP.day_burner, ge=0, le=10)
    cycling: float = Field(
        default=_FP.cycling, ge=0, le=10, description="Sodium lamps only (end of life)."
    )
    repair_days: tuple[float, float] = Field(default=_FP.repair_days)

    _ranges = field_validator("repair_days")(range_check({"repair_days": (0.01, 3650.0)}))


class StreetlightsSection(_Section):
    """Streetlight circuits: lamps, control, dimming, failures."""

    lamps_per_km: float = Field(default=_SP.lamps_per_km, ge=0, le=200)
    lamp: Literal["led", "sodium"] = _SP.lamp
    rated_w: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description=f"Lamp rating [W]; default by kind {LAMP_RATED_W} (LED 40-70 W, "
        "high-pressure sodium 70-150 W plus ballast losses).",
    )
    control: Literal["astronomical", "photocell"] = _SP.control
    photocell_lux_on: float = Field(default=_SP.photocell_lux_on, gt=0, le=400)
    photocell_lux_off: float = Field(default=_SP.photocell_lux_off, gt=0, le=400)
    photocell_noise: float = Field(default=_SP.photocell_noise, ge=0, le=2)
    offset_on_min: float = Field(default=0.0, ge=-180, le=180)
    offset_off_min: float = Field(default=0.0, ge=-180, le=180)
    dimming: list[DimmingEntry] = Field(default_factory=list)
    failures: FailuresSection = Field(default_factory=FailuresSection)

    def params(self) -> StreetlightParams:
        """The fleet's parameters."""
        f = self.failures
        return StreetlightParams(
            lamps_per_km=self.lamps_per_km,
            lamp=self.lamp,
            rated_w=self.rated_w,
            control=self.control,
            photocell_lux_on=self.photocell_lux_on,
            photocell_lux_off=self.photocell_lux_off,
            photocell_noise=self.photocell_noise,
            offset_on_min=self.offset_on_min,
            offset_off_min=self.offset_off_min,
            dimming=tuple(d.params() for d in self.dimming),
            failures=FailureParams(f.burn_out, f.day_burner, f.cycling, f.repair_days),
        )


class CommonAreasSection(_Section):
    """Common-area lighting of the apartment buildings (see
    :class:`~twin.devices.lighting.CommonAreaParams`): one landlord circuit per building."""

    lamps_per_dwelling: float = Field(
        default=_CP.lamps_per_dwelling,
        gt=0,
        le=20,
        description="Luminaires per dwelling (a building has at least one).",
    )
    rated_w: float = Field(
        default=_CP.rated_w, gt=0, le=500, description="LED luminaire system power [W]."
    )
    control: Literal["timer", "motion"] = Field(
        default=_CP.control,
        description="'timer': on at full from dusk to dawn (astronomical clock); 'motion': "
        "from dusk to dawn at standby_level, at full while somebody passes.",
    )
    standby_level: float = Field(
        default=_CP.standby_level, ge=0, le=1, description="Motion: level with nobody there [-]."
    )
    passages_per_hour: float = Field(
        default=_CP.passages_per_hour,
        ge=0,
        le=60,
        description="Motion: trips per active household and hour [1/h].",
    )
    hold: Duration = Field(
        default=int(_CP.hold_s),
        gt=0,
        le=3600,
        description="Motion: time the lights stay at full after a passage.",
    )
    failures: FailuresSection = Field(default_factory=FailuresSection)

    def params(self) -> CommonAreaParams:
        """The circuits' parameters."""
        f = self.failures
        return CommonAreaParams(
            lamps_per_dwelling=self.lamps_per_dwelling,
            rated_w=self.rated_w,
            control=self.control,
            standby_level=self.standby_level,
            passages_per_hour=self.passages_per_hour,
            hold_s=float(self.hold),
            failures=FailureParams(f.burn_out, f.day_burner, f.cycling, f.repair_days),
        )


class CircuitEntry(_Section):
    """An explicit streetlight circuit."""

    bus: int = Field(ge=0, description="Bus id of the cabinet (as in internal/network_bus).")
    lamps: int = Field(ge=1, le=10_000)
    lamp: Literal["led", "sodium"] | None = Field(
        default=None, description="Default: streetlights.lamp."
    )


class LightingCommandEntry(_Section):
    """A platform command sent at a time of the run."""

    at: Duration = Field(description="When the platform sends it, from the run start.")
    circuit: int | Literal["all"] = Field(
        default="all", description="Circuit number (1 is C000001) or 'all'."
    )
    action: Literal["on", "off", "dim", "auto"]
    level: float = Field(default=1.0, gt=0, le=1, description="Level of a 'dim' [-].")

    @field_validator("circuit")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError(f"given {value}; expected a circuit number >= 1 or 'all'")
        return value

    def params(self) -> CommandParams:
        """The command as the fleet takes it."""
        circuit = None if self.circuit == "all" else int(self.circuit)
        return CommandParams(int(self.at), circuit, self.action, self.level)


class LightingSection(_Section):
    """Lighting circuits on the LV network."""

    streetlights: StreetlightsSection = Field(default_factory=StreetlightsSection)
    circuits: list[CircuitEntry] | None = Field(
        default=None,
        description="Explicit circuits; default one per LV feeder at its first bus, "
        "streetlights.lamps_per_km times its length.",
    )
    commands: list[LightingCommandEntry] = Field(default_factory=list)
    common_areas: CommonAreasSection | None = Field(
        default=None,
        description="Common-area circuits of the apartment buildings; absent: none. "
        "Platform commands address the streetlight circuits only.",
    )
    reading_interval: Duration | None = Field(
        default=None, gt=0, description="Cabinet-meter reading interval; default time.interval."
    )
    longitude_deg: float | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="Site longitude [deg, east positive] for sunrise and sunset; default "
        "the meridian of the time zone's standard offset at the run start (15 deg per hour).",
    )

    @model_validator(mode="after")
    def _known_circuits(self) -> LightingSection:
        if self.circuits is not None:
            for j, cmd in enumerate(self.commands):
                if isinstance(cmd.circuit, int) and cmd.circuit > len(self.circuits):
                    raise ValueError(
                        f"lighting.commands.{j}.circuit given {cmd.circuit}; expected 1 .. "
                        f"{len(self.circuits)} (the circuits listed) or 'all'"
                    )
        return self
