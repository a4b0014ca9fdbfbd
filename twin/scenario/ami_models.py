"""Scenario models of the advanced metering infrastructure: meters, comms and faults.

Times inside a run (``start``, ``at``) are durations from the scenario start
(``2d``, ``36h``). Every list entry is validated on its own, so an error
names its YAML path (``faults.2.duration``). Faults are a pydantic
discriminated union on ``kind``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from twin.comms.technology import TECHNOLOGIES
from twin.meters.time_switch import TariffWindow as MeterTariffWindow
from twin.scenario.durations import Duration

__all__ = [
    "THEFT_SHAPES",
    "AccuracyShares",
    "ClockSection",
    "CommsSection",
    "ConcentratorOutageFault",
    "FaultEntry",
    "FirmwareCampaign",
    "ManagementSection",
    "MeterEventsSection",
    "RemoteDisconnect",
    "Target",
    "TariffWindow",
    "TheftFault",
]


Target = float | list[int]
"""Which meters: a share of the fleet (0..1, drawn at random) or fleet indices (0-based)."""

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _check_target(value: Target) -> Target:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if not 0 <= float(value) <= 1:
            raise ValueError(f"given {value}; expected a share from 0 to 1 or a list of indices")
        return float(value)
    if isinstance(value, list) and any(i < 0 for i in value):
        raise ValueError(f"given {value}; expected meter indices >= 0")
    return value


class TariffWindow(_Section):
    """One time-of-use window: tariff ``tariff`` applies from ``start`` to ``end`` local time."""

    tariff: int = Field(ge=1, le=4, description="Tariff register n (OBIS 1-0:1.8.n), 1..4.")
    start: str = Field(description="Local start 'HH:MM'.")
    end: str = Field(description="Local end 'HH:MM' (exclusive; '24:00' for midnight).")
    days: Literal["all", "weekday", "weekend"] = "all"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        m = _HHMM.match(value)
        if m is None or (m.group(1) == "24" and m.group(2) != "00"):
            raise ValueError(f"given {value!r}; expected a local time 'HH:MM' such as '07:00'")
        return value

    def hours(self) -> tuple[float, float]:
        """Start and end as local hours [h]."""
        a, b = (int(x) for x in self.start.split(":"))
        c, d = (int(x) for x in self.end.split(":"))
        return a + b / 60.0, c + d / 60.0

    def window(self) -> MeterTariffWindow:
        """The window as the meters' time switch takes it."""
        return MeterTariffWindow(self.tariff, *self.hours(), self.days)


class AccuracyShares(_Section):
    """Shares of the fleet per accuracy class (normalised)."""

    A: float = Field(default=0.0, ge=0)
    B: float = Field(default=1.0, ge=0)
    C: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _some(self) -> AccuracyShares:
        if self.A + self.B + self.C <= 0:
            raise ValueError("all accuracy-class shares are zero; expected a positive share")
        return self


class ClockSection(_Section):
    """Legal clocks: drift per meter and the head-end's time synchronisation."""

    drift_ppm_sigma: float = Field(
        default=5.0, ge=0, le=10_000, description="Std of the per-meter drift [ppm]."
    )
    sync_threshold_s: float = Field(default=10.0, gt=0, description="HES sets the clock beyond.")
    limit_s: float = Field(default=60.0, gt=0, description="HES flags a clock beyond this [s].")


class MeterEventsSection(_Section):
    """Thresholds of the power-quality events in the legal log."""

    sag_pu: float = Field(default=0.90, gt=0, lt=1)
    swell_pu: float = Field(default=1.10, gt=1, lt=2)


class ManagementSection(_Section):
    """The management core: buffer, app power, edge analytics."""

    buffer_days: int = Field(default=10, ge=1, le=400)
    app_power_every: Duration | Literal["none"] = Field(
        default="none", description="Near-real-time app power period, or 'none'."
    )
    idle_threshold_w: float = Field(default=50.0, ge=0, description="Edge analytics idle [W].")
    firmware_version: str = "1.0.0"

    @field_validator("app_power_every", mode="before")
    @classmethod
    def _none_or_duration(cls, value: object) -> object:
        return "none" if value in (None, "none") else value


class FirmwareCampaign(_Section):
    """A staged firmware campaign."""

    to_version: str
    core: Literal["management", "metrology"] = "management"
    start: Duration
    waves: int = Field(default=1, ge=1, le=100)
    wave_interval: Duration = 86_400
    share: Target = Field(default=1.0, description="Share of the fleet (all waves) or indices.")
    image_kib: float = Field(default=512.0, gt=0, le=1_000_000)
    failure_probability: float = Field(default=0.02, ge=0, le=1)
    reboot_s: float = Field(default=60.0, ge=0, le=86_400)

    @field_validator("share")
    @classmethod
    def _target_ok(cls, value: Target) -> Target:
        return _check_target(value)


class RemoteDisconnect(_Section):
    """Open the disconnector (0-0:96.3.10) of some meters at ``at`` for ``duration``."""

    meters: Target
    at: Duration
    duration: Duration

    @field_validator("meters")
    @classmethod
    def _target_ok(cls, value: Target) -> Target:
        return _check_target(value)


class CommsSection(_Section):
    """Meter-to-head-end communications (see :mod:`twin.comms.technology`)."""

    technology: Literal["ideal", "hplc", "rf_mesh", "nb_iot"] = "ideal"
    loss: float | None = Field(default=None, ge=0, lt=1, description="Per-attempt loss.")
    latency_median_s: float | None = Field(default=None, gt=0, le=3_600)
    latency_sigma: float | None = Field(default=None, ge=0, le=3)
    bit_rate_bps: float | None = Field(default=None, gt=0)
    retries: int = Field(default=3, ge=0, le=20, description="Retries per collection slot.")
    retry_every: Duration = Field(default=3_600, gt=0)
    read_delay: Duration = Field(default=3_600, ge=0, description="Collection after the seal.")
    read_spread: Duration = Field(default=7_200, ge=0, description="Per-meter offset window.")
    outage_rate_per_year: float = Field(default=0.0, ge=0, le=365)
    outage_hours_mean: float = Field(default=4.0, gt=0, le=24 * 60)

    @model_validator(mode="after")
    def _latency_within_timeout(self) -> CommsSection:
        """A median latency past the technology's attempt timeout loses (nearly) every
        message: most likely a unit slip, refused rather than run."""
        timeout = TECHNOLOGIES[self.technology].timeout_s
        if self.latency_median_s is not None and self.latency_median_s > timeout:
            raise ValueError(
                f"comms.latency_median_s {self.latency_median_s:g} s is past the "
                f"{self.technology} attempt timeout of {timeout:g} s, so nearly every message "
                f"would time out; expected at most {timeout:g} s"
            )
        return self


class _Fault(_Section):
    target: Target = Field(default=0.01, description="Share of meters/areas, or indices.")
    start: Duration
    duration: Duration = 86_400

    @field_validator("target")
    @classmethod
    def _target_ok(cls, value: Target) -> Target:
        return _check_target(value)


class ConcentratorOutageFault(_Fault):
    """Concentrators of some LV areas are down (target: share or transformer ids)."""

    kind: Literal["concentrator_outage"]


class ManagementCrashFault(_Fault):
    """Management cores crash and reboot (down for ``reboot_s``)."""

    kind: Literal["management_crash"]
    reboot_s: float = Field(default=120.0, ge=0, le=86_400)


class ManagementHangFault(_Fault):
    """Management cores hang until the watchdog resets them after ``duration``."""

    kind: Literal["management_hang"]


class FirmwareFailureFault(_Fault):
    """A management firmware update that fails on the target meters and rolls back."""

    kind: Literal["firmware_failure"]
    to_version: str = "9.9.9-bad"
    reboot_s: float = Field(default=60.0, ge=0, le=86_400)


class ClockDriftFault(_Fault):
    """Meters whose legal clock drifts far beyond its class."""

    kind: Literal["clock_drift"]
    drift_ppm: float = Field(default=2_000.0, ge=-100_000, le=100_000)


class TamperFault(_Fault):
    """Meter cover opened (fraud log 0-0:99.98.1)."""

    kind: Literal["tamper"]


class CompromisedManagementFault(_Fault):
    """A compromised management core alters, drops or replays load-profile records."""

    kind: Literal["compromised_management"]
    alter_probability: float = Field(default=0.5, ge=0, le=1)
    drop_probability: float = Field(default=0.2, ge=0, le=1)
    replay_probability: float = Field(default=0.1, ge=0, le=1)
    alter_factor: float = Field(default=0.5, ge=0, le=100)


TheftShape = Literal["h1", "h2", "h3", "h4", "h5", "h6", "bypass", "illegal_connection"]
TheftCustomerKind = Literal["household", "commercial", "agricultural", "base_station", "factory"]

THEFT_SHAPES: tuple[TheftShape, ...] = get_args(TheftShape)
"""Theft kinds: the attack shapes of Jokar, Arianpoo and Leung (IEEE Trans. Smart Grid
7(1), 2016) applied to what the meter sees, a physical bypass of part of the load, and an
illegal connection (a load with no meter at all)."""

THEFT_CUSTOMER_KINDS: tuple[TheftCustomerKind, ...] = get_args(TheftCustomerKind)


class TheftFault(_Section):
    """Electricity theft in front of the meter: the real load flows, the meter is short.

    ``target`` is a share of the eligible customer meters (those of
    ``customer_kinds``) or meter indices (0-based over every customer and
    generation meter, as in internal/meter_point); each thief gets one of
    ``shapes`` in turn. ``illegal_connection`` thieves connect a load of their
    own at an unmetered bus of the thief's area.
    """

    kind: Literal["theft"]
    target: Target = Field(default=0.03, description="Share of eligible meters, or indices.")
    start: Duration
    duration: Duration | None = Field(
        default=None, gt=0, description="How long each theft lasts; default: to the run end."
    )
    shapes: list[TheftShape] = Field(default_factory=lambda: list(THEFT_SHAPES), min_length=1)
    customer_kinds: list[TheftCustomerKind] = Field(
        default_factory=lambda: list(THEFT_CUSTOMER_KINDS), min_length=1
    )
    start_spread: Duration = Field(
        default=0, ge=0, description="Each theft starts at start + U(0, start_spread)."
    )

    @field_validator("target")
    @classmethod
    def _target_ok(cls, value: Target) -> Target:
        return _check_target(value)


FaultEntry = Annotated[
    TheftFault
    | ConcentratorOutageFault
    | ManagementCrashFault
    | ManagementHangFault
    | FirmwareFailureFault
    | ClockDriftFault
    | TamperFault
    | CompromisedManagementFault,
    Field(discriminator="kind"),
]
"""One entry of the scenario's ``faults`` list."""
