"""Pydantic models of the scenario file (see CONTRACT.md, "Scenario file").

Unknown keys are errors (``extra="forbid"``), never silently ignored. Field
constraints state what is allowed so that error messages can say it.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.households.behaviour import RANGE_BOUNDS, LookEmpty, VacantBehaviour
from twin.devices.households.occupancy import ARCHETYPES
from twin.devices.households.params import HouseholdParams
from twin.meters.time_switch import TariffWindow as MeterTariffWindow
from twin.meters.time_switch import tariff_count
from twin.scenario.alarm_models import AlarmsSection
from twin.scenario.ami_models import (
    AccuracyShares,
    ClockSection,
    CommsSection,
    FaultEntry,
    FirmwareCampaign,
    ManagementSection,
    MeterEventsSection,
    RemoteDisconnect,
    TariffWindow,
)
from twin.scenario.customer_models import CustomersSection
from twin.scenario.der_models import EvSection, PublicStation, PvSection, StorageSection
from twin.scenario.dr_models import DemandResponseSection
from twin.scenario.durations import Duration, format_duration
from twin.scenario.lighting_models import LightingSection
from twin.scenario.prepaid_models import PrepaidSection
from twin.scenario.ranges import range_check
from twin.scenario.safety_models import SafetySection
from twin.scenario.tariff_models import TariffsSection
from twin.scenario.thermal_models import ThermalSection
from twin.scenario.utility_models import GasSection, WaterSection

__all__ = [
    "CommsSection",
    "ConsumptionSection",
    "CustomersSection",
    "Duration",
    "EvSection",
    "GasSection",
    "GridSection",
    "HouseholdsSection",
    "MetersSection",
    "OccupancySection",
    "OutputsSection",
    "PublicStation",
    "PvSection",
    "Scenario",
    "SpiSection",
    "StorageSection",
    "TariffsSection",
    "ThermalSection",
    "TimeSection",
    "VacancySection",
    "WaterSection",
]

MAX_HOUSEHOLDS = 200_000
MAX_RUN_S = 366 * SECONDS_PER_DAY * 5


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class TimeSection(_Section):
    """When the run starts, how long it lasts and the metering interval."""

    start: str = Field(
        description="ISO 8601 start with a UTC offset, e.g. '2025-01-06T00:00:00+01:00', "
        "or a local time without one when `timezone` is set.",
    )
    timezone: str | None = Field(
        default=None, description="IANA time zone of local time, e.g. 'Europe/Berlin'."
    )
    duration: Duration | None = Field(default=None, gt=0, le=MAX_RUN_S)
    end: str | None = Field(default=None, description="ISO 8601 end; instead of `duration`.")
    interval: Duration = Field(default=900, gt=0, le=SECONDS_PER_DAY)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"given an unknown time zone {value!r}; expected an IANA name such as "
                "'Europe/Berlin' or 'UTC'"
            ) from None
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_as_text(cls, value: object) -> object:
        # YAML reads an unquoted 2025-01-06T00:00:00 as a datetime (and a date as a date)
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    @field_validator("start", "end")
    @classmethod
    def _parsable_time(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            raise ValueError(
                f"given an invalid time {value!r}; expected ISO 8601 such as "
                "'2025-01-06T00:00:00+01:00'"
            ) from None
        return value

    @field_validator("interval")
    @classmethod
    def _divides_a_day(cls, value: int) -> int:
        if SECONDS_PER_DAY % value:
            raise ValueError(
                f"given {format_duration(value)!r}, which does not divide a day; expected "
                "a divisor of 24 h such as '5min', '15min', '30min' or '1h'"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TimeSection:
        start = pd.Timestamp(self.start)
        if start.tzinfo is None and self.timezone is None:
            raise ValueError(
                f"time.start given {self.start!r} without a UTC offset and time.timezone "
                "is not set; expected either an offset in time.start, such as "
                "'2025-01-06T00:00:00+01:00', or time.timezone, an IANA name such as "
                "'Europe/Berlin'"
            )
        if (self.duration is None) == (self.end is None):
            raise ValueError("give exactly one of time.duration and time.end")
        if self.end is not None:
            end = self._localise(pd.Timestamp(self.end))
            if end <= self.start_timestamp:
                raise ValueError(
                    f"end {self.end!r} is not after start {self.start!r}; expected a later end"
                )
        if self.duration_s % self.interval:
            raise ValueError(
                f"run length {format_duration(self.duration_s)!r} is not a whole number of "
                f"intervals of {format_duration(self.interval)!r}"
            )
        if self.duration_s > MAX_RUN_S:
            raise ValueError(
                f"run length {format_duration(self.duration_s)!r} is too long; at most 5 years"
            )
        return self

    def _localise(self, stamp: pd.Timestamp) -> pd.Timestamp:
        if stamp.tzinfo is None:
            return stamp.tz_localize(self.timezone)
        return stamp

    @property
    def start_timestamp(self) -> pd.Timestamp:
        """Time-zone-aware start."""
        return self._localise(pd.Timestamp(self.start))

    @property
    def duration_s(self) -> int:
        """Run length [s]."""
        if self.duration is not None:
            return self.duration
        assert self.end is not None
        delta = self._localise(pd.Timestamp(self.end)) - self.start_timestamp
        return int(delta.total_seconds())

    def axis(self) -> TimeAxis:
        """The run's interval grid."""
        start = self.start_timestamp
        zone = self.timezone or str(start.tzinfo)
        return TimeAxis(
            start=start,
            interval_s=self.interval,
            n_intervals=self.duration_s // self.interval,
            timezone=zone,
        )


class GridSection(_Section):
    """The distribution network and how its power flow is solved."""

    network: str = Field(
        description="'cigre_lv', 'simbench:<code>' or a path to a pandapower JSON file."
    )
    solver: Literal["auto", "lightsim2grid", "pandapower"] = "auto"
    latitude_deg: float = Field(default=51.0, ge=-90, le=90, description="Site latitude [deg].")
    mv: Literal["coupled", "fixed"] = Field(
        default="coupled",
        description=(
            "'coupled': the MV network is solved with the LV areas (jointly, or in a second "
            "level when sharded); 'fixed': every LV area is solved alone under a fixed MV "
            "terminal voltage (mv_voltage_pu), faster and shard-exact. LV-only networks are "
            "always solved area by area (the MV side is the external grid itself)."
        ),
    )
    mv_voltage_pu: float | None = Field(
        default=None,
        ge=0.8,
        le=1.2,
        description="MV terminal voltage with mv 'fixed' [pu]; default the external grid setpoint.",
    )


_HH = HouseholdParams()
"""The household fleet's defaults, which the household sections' defaults are."""
_VB, _LE = _HH.vacant, _HH.look_empty


_check_range = range_check(RANGE_BOUNDS)
"""A ``[low, high]`` pair within its bounds (:data:`RANGE_BOUNDS`), low <= high."""


def _pair(default: tuple[float, float], description: str) -> Any:
    """A ``[low, high]`` field (checked by :func:`_check_range`)."""
    return Field(default=default, description=description)


def _share(default: float, description: str) -> Any:
    return Field(default=default, ge=0, le=1, description=description)


class ConsumptionSection(_Section):
    """Annual household consumption, lognormal across homes."""

    annual_kwh_median: float = Field(default=_HH.annual_kwh_median, gt=0, le=100_000)
    annual_kwh_sigma: float = Field(default=_HH.annual_kwh_sigma, ge=0, le=2)
    power_factor: float = Field(default=_HH.power_factor, gt=0.5, le=1.0)


class OccupancySection(_Section):
    """Shares of occupied homes by archetype (normalised to sum to 1), and the
    occupied homes that look empty (:class:`~twin.devices.households.behaviour.LookEmpty`)."""

    working_couple: float = Field(default=_HH.archetype_shares["working_couple"], ge=0)
    family: float = Field(default=_HH.archetype_shares["family"], ge=0)
    retired: float = Field(default=_HH.archetype_shares["retired"], ge=0)
    single: float = Field(default=_HH.archetype_shares["single"], ge=0)
    shift_worker: float = Field(default=_HH.archetype_shares["shift_worker"], ge=0)
    long_hours_worker: float = Field(default=_HH.archetype_shares["long_hours_worker"], ge=0)
    student: float = Field(default=_HH.archetype_shares["student"], ge=0)
    frugal_retired: float = _share(_LE.frugal_retired, "Share of retired who are frugal.")
    frugal_kwh: tuple[float, float] = _pair(_LE.frugal_kwh, "Their kWh/yr, log-uniform.")
    low_electricity: float = _share(_LE.low_electricity, "Share of gas-heated low users.")
    low_electricity_kwh: tuple[float, float] = _pair(
        _LE.low_electricity_kwh, "Their kWh/yr, log-uniform."
    )
    frequent_travellers: float = _share(_LE.frequent_travellers, "Share of occupied homes.")
    trips_per_month: tuple[float, float] = _pair(_LE.trips_per_month, "Per traveller.")
    trip_nights: tuple[float, float] = _pair(_LE.trip_nights, "Nights per trip.")
    student_weekend_away: tuple[float, float] = _pair(
        _LE.student_weekend_away, "Chance per weekend, per student."
    )
    student_weeks_away: tuple[float, float] = _pair(
        _LE.student_weeks_away, "Weeks a year in blocks, per student."
    )

    _ranges = field_validator(
        "frugal_kwh",
        "low_electricity_kwh",
        "trips_per_month",
        "trip_nights",
        "student_weekend_away",
        "student_weeks_away",
    )(_check_range)

    @model_validator(mode="after")
    def _some_share(self) -> OccupancySection:
        if sum(self.shares().values()) <= 0:
            raise ValueError("all archetype shares are zero; expected at least one positive share")
        return self

    def shares(self) -> dict[str, float]:
        """Archetype name -> share, as given."""
        return {a: float(getattr(self, a)) for a in ARCHETYPES}

    def look_empty(self) -> LookEmpty:
        """The occupied homes that look empty."""
        return LookEmpty(**{f.name: getattr(self, f.name) for f in dataclasses.fields(LookEmpty)})


class VacancySection(_Section):
    """Homes that stand empty, for good or for a while."""

    long_term_vacant: float = Field(
        default=_HH.long_term_vacant, ge=0, le=1, description="Share of homes."
    )
    seasonal: float = Field(
        default=_HH.seasonal, ge=0, le=1, description="Share of weekend/seasonal homes."
    )
    move_rate_per_year: float = Field(
        default=_HH.move_rate_per_year, ge=0, le=2, description="Tenancy changes per home per year."
    )
    holiday_weeks_per_year: float = Field(default=_HH.holiday_weeks_per_year, ge=0, le=20)
    switched_off: float = _share(_VB.switched_off, "Share of empty homes at 0 W.")
    fridge_kept_on: float = _share(_VB.fridge_kept_on, "Share of the others with a fridge on.")
    standby_w: tuple[float, float] = _pair(_VB.standby_w, "Standby of an empty home [W].")
    fridge_w: tuple[float, float] = _pair(_VB.fridge_w, "Mean fridge power [W].")
    fridge_cycle_min: tuple[float, float] = _pair(
        _VB.fridge_cycle_min, "Correlation time of the fridge's cycling [min]."
    )
    timer_lights: float = _share(_VB.timer_lights, "Share of powered empty homes.")
    timer_light_w: tuple[float, float] = _pair(_VB.timer_light_w, "Lamp power [W].")
    timer_off_h: tuple[float, float] = _pair(_VB.timer_off_h, "Off time [h local], on at dusk.")
    timer_jitter_min: float = Field(default=_VB.timer_jitter_min, ge=0, le=120)
    visited: float = _share(_VB.visited, "Share of long-term vacant homes with caretaker visits.")
    visit_rate_per_week: tuple[float, float] = _pair(_VB.visit_rate_per_week, "Per home [1/wk].")
    visit_hours: tuple[float, float] = _pair(_VB.visit_hours, "Caretaker visit length [h].")
    visit_kw: tuple[float, float] = _pair(_VB.visit_kw, "Visit and viewing power [kW].")
    viewings_per_week: tuple[float, float] = _pair(_VB.viewings_per_week, "Between tenants.")
    viewing_hours: tuple[float, float] = _pair(_VB.viewing_hours, "Viewing length [h].")
    cleaning: float = _share(_VB.cleaning, "Share of gaps between tenants with a cleaning.")
    cleaning_hours: tuple[float, float] = _pair(_VB.cleaning_hours, "Cleaning length [h].")
    cleaning_kw: tuple[float, float] = _pair(_VB.cleaning_kw, "Cleaning power [kW].")
    renovation: float = _share(_VB.renovation, "Share of empty homes and gaps renovated.")
    renovation_weeks: tuple[float, float] = _pair(_VB.renovation_weeks, "Length [wk].")
    renovation_kw: tuple[float, float] = _pair(_VB.renovation_kw, "Power while working [kW].")
    renovation_hours: tuple[float, float] = _pair(
        _VB.renovation_hours, "Working hours [h local], Monday to Friday."
    )
    second_home_weekend_homes: float = _share(
        _VB.second_home_weekend_homes, "Share of seasonal homes used on weekends all year."
    )
    second_home_weekend_use: tuple[float, float] = _pair(
        _VB.second_home_weekend_use, "Chance of use per weekend, per weekend home."
    )
    second_home_summer_days: tuple[float, float] = _pair(
        _VB.second_home_summer_days, "Summer stay [d]."
    )

    _ranges = field_validator(
        "standby_w",
        "fridge_w",
        "fridge_cycle_min",
        "timer_light_w",
        "timer_off_h",
        "visit_rate_per_week",
        "visit_hours",
        "visit_kw",
        "viewings_per_week",
        "viewing_hours",
        "cleaning_hours",
        "cleaning_kw",
        "renovation_weeks",
        "renovation_kw",
        "renovation_hours",
        "second_home_weekend_use",
        "second_home_summer_days",
    )(_check_range)

    def behaviour(self) -> VacantBehaviour:
        """What empty homes draw."""
        return VacantBehaviour(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(VacantBehaviour)}
        )

    @model_validator(mode="after")
    def _shares_fit(self) -> VacancySection:
        if self.long_term_vacant + self.seasonal > 1:
            raise ValueError(
                f"long_term_vacant + seasonal = {self.long_term_vacant + self.seasonal:g}; "
                "expected at most 1"
            )
        return self


class HouseholdsSection(_Section):
    """The homes behind the meters."""

    count: int | Literal["auto"] = Field(
        default="auto",
        description="Number of households, or 'auto' for the network's dwellings.",
    )
    consumption: ConsumptionSection = Field(default_factory=ConsumptionSection)
    occupancy: OccupancySection = Field(default_factory=OccupancySection)
    vacancy: VacancySection = Field(default_factory=VacancySection)
    thermal: ThermalSection = Field(
        default_factory=ThermalSection,
        description="Heat pumps, electric heating, frost heaters, air-conditioning and "
        "hot-water tanks (weather from pv.weather).",
    )

    @field_validator("count")
    @classmethod
    def _count_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= MAX_HOUSEHOLDS:
            raise ValueError(
                f"given {value}; expected 'auto' or a whole number from 1 to {MAX_HOUSEHOLDS:,}"
            )
        return value

    @model_validator(mode="after")
    def _fleet_accepts(self) -> HouseholdsSection:
        # a bound the sections lack fails here, at validation, not when the run starts
        self.params()
        return self

    def params(self) -> HouseholdParams:
        """The household fleet's parameters (``count`` sizes the fleet, it is not one of them)."""
        c, v = self.consumption, self.vacancy
        return HouseholdParams(
            annual_kwh_median=c.annual_kwh_median,
            annual_kwh_sigma=c.annual_kwh_sigma,
            power_factor=c.power_factor,
            archetype_shares=self.occupancy.shares(),
            long_term_vacant=v.long_term_vacant,
            seasonal=v.seasonal,
            move_rate_per_year=v.move_rate_per_year,
            holiday_weeks_per_year=v.holiday_weeks_per_year,
            vacant=v.behaviour(),
            look_empty=self.occupancy.look_empty(),
        )


class SpiSection(_Section):
    """The SPI link between the metrology core (slave) and management core (master)."""

    bit_rate_bps: int = Field(default=1_000_000, ge=10_000, le=50_000_000)
    frame_bytes: int = Field(default=256, ge=32, le=4_096)
    queue_frames: int = Field(default=16, ge=1, le=4_096)


class MetersSection(_Section):
    """Dual-core smart meters, one per premise."""

    spi: SpiSection = Field(default_factory=SpiSection)
    accuracy_class: Literal["A", "B", "C"] | AccuracyShares = "B"
    tariffs: list[TariffWindow] = Field(
        default_factory=list, description="Time-of-use windows; tariff 1 elsewhere."
    )
    demand_period: Duration | None = Field(
        default=None, gt=0, le=SECONDS_PER_DAY, description="Default: the interval."
    )
    clock: ClockSection = Field(default_factory=ClockSection)
    events: MeterEventsSection = Field(default_factory=MeterEventsSection)
    management: ManagementSection = Field(default_factory=ManagementSection)
    legal_firmware_id: str = "MC-1.00"
    firmware_campaigns: list[FirmwareCampaign] = Field(default_factory=list)
    remote_disconnects: list[RemoteDisconnect] = Field(default_factory=list)

    def tariff_windows(self) -> list[MeterTariffWindow]:
        """The time-of-use calendar as the meters' time switch takes it."""
        return [w.window() for w in self.tariffs]


class OutputsSection(_Section):
    """What the run writes."""

    bus_voltage: Literal["all", "lv", "daily_extremes", "none"] = Field(
        default="all",
        description="internal/bus_voltage: every bus per interval ('all'), only LV buses "
        "('lv'), one row per bus and local day with the minimum, maximum and mean voltage "
        "(internal/bus_voltage_daily, 'daily_extremes'), or none.",
    )
    line_loading: Literal["all", "daily_extremes", "none"] = Field(
        default="all",
        description="internal/line_interval: every line per interval ('all'), one row per "
        "line and local day with the maximum and mean loading (internal/line_daily, "
        "'daily_extremes'), or none.",
    )
    row_group_rows: int = Field(default=1_000_000, ge=1_000, le=50_000_000)
    meter_power_quality: Literal["none", "all"] = Field(
        default="none",
        description="internal/meter_power_quality: every meter's phase voltages, phase "
        "currents and power factor per interval ('all'), or none (the default: it "
        "doubles the per-meter rows).",
    )
    der_telemetry_every: Duration | Literal["none"] = Field(
        default="none",
        description="Period of external/der_telemetry (PV, storage), a multiple of the "
        "interval, or 'none'.",
    )

    @field_validator("der_telemetry_every", mode="before")
    @classmethod
    def _none_or_duration(cls, value: object) -> object:
        return "none" if value in (None, "none") else value


class Scenario(_Section):
    """A complete, validated scenario."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    time: TimeSection
    grid: GridSection
    households: HouseholdsSection = Field(default_factory=HouseholdsSection)
    customers: CustomersSection = Field(default_factory=CustomersSection)
    pv: PvSection = Field(default_factory=PvSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    ev: EvSection = Field(default_factory=EvSection)
    meters: MetersSection = Field(default_factory=MetersSection)
    comms: CommsSection = Field(default_factory=CommsSection)
    tariffs: TariffsSection | None = Field(
        default=None, description="Postpaid price plans; absent: no accounts and no bills."
    )
    prepaid: PrepaidSection | None = Field(
        default=None, description="Prepaid household accounts (needs tariffs); absent: none."
    )
    water: WaterSection | None = Field(
        default=None, description="Water meters at household premises; absent: none."
    )
    gas: GasSection | None = Field(
        default=None, description="Gas meters at household premises; absent: none."
    )
    lighting: LightingSection | None = Field(
        default=None, description="Streetlight circuits on the LV feeders; absent: none."
    )
    safety: SafetySection | None = Field(
        default=None,
        description="Electrical safety sensors, alarms and field crews; absent: none.",
    )
    demand_response: DemandResponseSection | None = Field(
        default=None,
        description="Demand-response programmes and their events; absent: none.",
    )
    alarms: AlarmsSection = Field(
        default_factory=AlarmsSection,
        description="The platform's alarm sources but safety; absent: all on at their defaults.",
    )
    faults: list[FaultEntry] = Field(default_factory=list)
    outputs: OutputsSection = Field(default_factory=OutputsSection)

    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _meter_periods_fit(self) -> Scenario:
        dt = self.time.interval
        m = self.meters
        if m.demand_period is not None and m.demand_period % dt:
            raise ValueError(
                f"meters.demand_period {format_duration(m.demand_period)!r} is not a multiple "
                f"of the interval {format_duration(dt)!r}"
            )
        every = m.management.app_power_every
        if every != "none" and (int(every) % dt or int(every) <= 0):
            raise ValueError(
                f"meters.management.app_power_every {format_duration(int(every))!r} is not a "
                f"multiple of the interval {format_duration(dt)!r}; or use 'none'"
            )
        for key, section in (("water", self.water), ("gas", self.gas)):
            reading = None if section is None else int(section.reading_interval)
            if reading is not None and (reading % dt or SECONDS_PER_DAY % reading):
                raise ValueError(
                    f"{key}.reading_interval {format_duration(reading)!r} is not a multiple of "
                    f"the interval {format_duration(dt)!r} that divides a day"
                )
        lighting = None if self.lighting is None else self.lighting.reading_interval
        if lighting is not None and lighting % dt:
            raise ValueError(
                f"lighting.reading_interval {format_duration(int(lighting))!r} is not a multiple "
                f"of the interval {format_duration(dt)!r}"
            )
        self._safety_periods_fit()
        telemetry = self.outputs.der_telemetry_every
        if telemetry != "none" and (int(telemetry) % dt or int(telemetry) <= 0):
            raise ValueError(
                f"outputs.der_telemetry_every {format_duration(int(telemetry))!r} is not a "
                f"multiple of the interval {format_duration(dt)!r}; or use 'none'"
            )
        self._tariff_registers_fit()
        self.alarms.check_delays(dt)
        if self.prepaid is not None and self.tariffs is None:
            raise ValueError(
                "prepaid needs a tariffs section (the prices and currency the credit is in); "
                "expected tariffs: {} or more"
            )
        wants_water = self.prepaid is not None and self.prepaid.water is not None
        if wants_water and (self.water is None or self.tariffs is None or not self.tariffs.water):
            raise ValueError(
                "prepaid.water needs a water section (the meters) and tariffs.water (the "
                "price); expected water: {} and tariffs: {water: {}} or more"
            )
        return self

    def _safety_periods_fit(self) -> None:
        """Safety sensors report at multiples of the metering interval."""
        if self.safety is None:
            return
        dt = self.time.interval
        s = self.safety.sensors
        for key, every in (
            ("residual_current", int(s.residual_current.reporting_interval)),
            ("cable_temperature", int(s.cable_temperature.reporting_interval)),
        ):
            if every % dt:
                raise ValueError(
                    f"safety.sensors.{key}.reporting_interval {format_duration(every)!r} is not "
                    f"a multiple of the interval {format_duration(dt)!r}"
                )
        if int(s.arc_fault.delay) % dt:
            raise ValueError(
                f"safety.sensors.arc_fault.delay {format_duration(int(s.arc_fault.delay))!r} is "
                f"not a multiple of its reporting interval, the interval {format_duration(dt)!r}"
            )

    def _tariff_registers_fit(self) -> None:
        """A time-of-use plan prices exactly the meters' tariff registers."""
        if self.tariffs is None:
            return
        registers = tariff_count(self.meters.tariff_windows())
        for name, plan in self.tariffs.price_plans().items():
            if plan.kind == "time_of_use" and plan.registers != registers:
                raise ValueError(
                    f"tariffs.plans.{name}.register_prices_per_kwh gives {plan.registers} "
                    f"price(s) but the meters have {registers} tariff register(s) "
                    f"(meters.tariffs); expected {registers}"
                )

    @property
    def source(self) -> Path | None:
        """The file the scenario was read from, if any."""
        return self._source

    @property
    def base_dir(self) -> Path | None:
        """Folder of the scenario file, against which relative model paths resolve."""
        return None if self._source is None else self._source.resolve().parent

    def read_from(self, file: Path | None) -> Scenario:
        """Remember the file the scenario was read from; returns self."""
        self._source = file
        return self

    def resolved_dict(self) -> dict[str, object]:
        """The scenario with every default filled in, as plain YAML-ready data."""
        return self.model_dump(mode="json")
