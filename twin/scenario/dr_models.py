"""The ``demand_response:`` section: price-based and event-based programmes.

A programme enrols a share of the household premises that own a responsive
device; the utility calls its events (scheduled here, or automatically from a
transformer's forecast loading) ahead of their start by ``notice`` and sends
them over the downlink as OpenADR 2.0b events (see
:mod:`twin.engine.demand_response`).
"""

from __future__ import annotations

import itertools
import re
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.clock import SECONDS_PER_DAY
from twin.devices.households.wet import MAX_DELAY_LIMIT_S
from twin.scenario.durations import Duration, format_duration

__all__ = [
    "DR_DEVICES",
    "WET_APPLIANCE_MAX_DELAY_S",
    "DemandResponseSection",
    "DrEventEntry",
    "DrProgramme",
    "DrTrigger",
]

DR_DEVICES = ("ev", "storage", "heat_pump", "water_heater", "wet_appliances")
"""Devices behind the meter a programme can act on (``wet_appliances``: a home's washing
machine, tumble dryer and dishwasher, whose starts the management core can delay)."""

DeviceName = Literal["ev", "storage", "heat_pump", "water_heater", "wet_appliances"]
"""A responsive device's name."""

WET_APPLIANCE_MAX_DELAY_S = 3 * 3600
"""Default of ``wet_appliance_max_delay`` [s] (assumed: a delay to the end of an
evening peak window that households accept for a wash or the dishes)."""

_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _all_devices() -> list[DeviceName]:
    return ["ev", "storage", "heat_pump", "water_heater", "wet_appliances"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)


class DrEventEntry(_Section):
    """A scheduled event of a programme."""

    start: str = Field(description="Local start time 'YYYY-MM-DDTHH:MM' (the run's time zone).")
    duration: Duration = Field(gt=0, description="How long the event lasts.")
    level: int = Field(
        default=2, ge=0, le=3, description="OpenADR SIMPLE level 0-3 (0 normal, 3 special)."
    )
    price_per_kwh: float | None = Field(
        default=None, description="Price during the event [currency/kWh] (price programmes)."
    )

    @field_validator("start")
    @classmethod
    def _local_time(cls, value: str) -> str:
        if not _LOCAL.match(value):
            raise ValueError(
                f"given {value!r}; expected a local time 'YYYY-MM-DDTHH:MM' without an offset"
            )
        try:
            pd.Timestamp(value)
        except ValueError:
            raise ValueError(f"given {value!r}; not a valid date and time") from None
        return value

    @property
    def start_local(self) -> pd.Timestamp:
        """The start as a naive local timestamp."""
        return pd.Timestamp(self.start)


class DrTrigger(_Section):
    """Automatic events called from a transformer's forecast loading."""

    loading_percent: float = Field(
        gt=0, le=500, description="Forecast transformer loading that calls an event [%]."
    )
    transformers: Literal["all"] | list[int] = Field(
        default="all", description="'all' or the ``net.trafo`` indices watched."
    )
    duration: Duration = Field(gt=0, description="How long an automatic event lasts.")
    history: Duration = Field(
        default=7 * SECONDS_PER_DAY,
        ge=SECONDS_PER_DAY,
        description="Days of internal/transformer_interval the forecast uses (whole days).",
    )

    @field_validator("history")
    @classmethod
    def _whole_days(cls, value: int) -> int:
        if value % SECONDS_PER_DAY:
            raise ValueError(f"given {format_duration(value)!r}; expected whole days such as '7d'")
        return value


class DrProgramme(_Section):
    """One demand-response programme."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    kind: Literal["price", "direct_load_control", "peak_shaving"]
    enrollment: float = Field(
        ge=0, le=1, description="Share of eligible household premises enrolled [-]."
    )
    ignore_share: float = Field(
        default=0.0, ge=0, le=1, description="Share of the enrolled ignoring price signals [-]."
    )
    opt_out_probability: float = Field(
        default=0.0, ge=0, le=1, description="Chance a participant opts out of one event [-]."
    )
    devices: list[DeviceName] = Field(default_factory=lambda: _all_devices(), min_length=1)
    notice: Duration = Field(default=SECONDS_PER_DAY, description="Call ahead of the start.")
    comfort_c: float = Field(
        default=2.0, ge=0, le=10, description="Largest indoor / tank temperature drop [K]."
    )
    wet_appliance_max_delay: Duration = Field(
        default=WET_APPLIANCE_MAX_DELAY_S,
        ge=0,
        le=MAX_DELAY_LIMIT_S,
        description=(
            "Longest delay of a wet appliance's start past when it was wished; a start that "
            "falls in an acting window waits for the window's end, at most this long."
        ),
    )
    events: list[DrEventEntry] = Field(default_factory=list)
    event_duration: Duration | None = Field(
        default=None,
        gt=0,
        description="When set, the duration of every event of the programme (a sweep key).",
    )
    trigger: DrTrigger | None = None
    allow_negative_prices: bool = Field(
        default=False,
        description="The tariff forbids negative prices unless this is true.",
    )

    @field_validator("devices")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"given {value}; expected each device once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DrProgramme:
        for j, event in enumerate(self.events):
            price = event.price_per_kwh
            if price is not None and price < 0 and not self.allow_negative_prices:
                raise ValueError(
                    f"events.{j}.price_per_kwh given {price}; the tariff forbids negative prices "
                    "unless allow_negative_prices is true"
                )
        if self.trigger is not None and self.kind == "price":
            raise ValueError("trigger given for a 'price' programme; expected none")
        order = sorted(range(len(self.events)), key=lambda j: self.events[j].start_local)
        for a, b in itertools.pairwise(order):
            end = self.events[a].start_local + pd.Timedelta(seconds=self.duration_of(a))
            if end > self.events[b].start_local:
                raise ValueError(
                    f"events.{a} ({self.events[a].start}) and events.{b} "
                    f"({self.events[b].start}) overlap; events of a programme must not overlap"
                )
        return self

    def duration_of(self, j: int) -> int:
        """Duration of scheduled event ``j`` [s] (``event_duration`` when set)."""
        if self.event_duration is not None:
            return int(self.event_duration)
        return int(self.events[j].duration)

    @property
    def trigger_duration_s(self) -> int:
        """Duration of an automatic event [s] (``event_duration`` when set)."""
        if self.trigger is None:
            return 0
        return int(self.event_duration or self.trigger.duration)


class DemandResponseSection(_Section):
    """Demand-response programmes; absent: none."""

    programmes: list[DrProgramme] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> DemandResponseSection:
        names = [p.name for p in self.programmes]
        for j, name in enumerate(names):
            if name in names[:j]:
                raise ValueError(f"programmes.{j}.name given {name!r} twice; expected unique names")
        return self
