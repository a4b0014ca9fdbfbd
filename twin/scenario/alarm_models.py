"""Scenario model of the platform's alarm stream: the optional ``alarms`` section.

Absent, every source is on at the defaults documented here, so a run's
``external/alarm`` carries every alarm its platform raises. Each source may
be switched off with ``false`` (``alarms: {voltage: false}``) or tuned with
a mapping. Delays are written as durations and must be whole multiples of
the metering interval (checked against ``time.interval`` by the scenario);
a delay left out is the documented default, rounded up to whole intervals.

The sources are ``voltage`` and ``transformer`` (measured quantities past a
threshold, :mod:`twin.engine.alarm_grid`), ``lighting`` (lamp faults from
the cabinet meters), ``prepaid`` (low credit, self-disconnection),
``ev_charger`` (charge points Faulted), ``meter`` (legal events the
head-end receives, neutral mismatch); ``desk`` is the operator desk that
acknowledges major and critical alarms (:mod:`twin.engine.alarm_desk`).
Safety alarms have their own section (``safety``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.scenario.durations import Duration, format_duration

__all__ = [
    "AlarmsSection",
    "ChargerAlarms",
    "DeskSection",
    "LightingAlarms",
    "MeterAlarms",
    "PrepaidAlarms",
    "TransformerAlarms",
    "VoltageAlarms",
]

EN50160_LOW_PU = 0.90
"""Lower limit of the supply voltage, 10-min means (EN 50160:2010, 4.2.2.2: Un - 10 %)."""
EN50160_HIGH_PU = 1.10
"""Upper limit of the supply voltage, 10-min means (EN 50160:2010, 4.2.2.2: Un + 10 %)."""
TRANSFORMER_DELAY_S = 1_800
"""Default time a transformer stays above its loading threshold before the alarm [s]
(assumed: short peaks within a transformer's thermal time constant are tolerated)."""
LONG_INTERRUPTION_S = 180
"""An interruption longer than this is long (EN 50160:2010, 3.20: 3 min) [s]."""
NEUTRAL_DELAY_S = 3_600
"""Default time a neutral mismatch persists before the alarm [s] (assumed: a load
transient never lasts that long)."""
_SHIFT = re.compile(r"^([01]\d|2[0-4])-([01]\d|2[0-4])$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class _Source(_Section):
    """A source that ``true``/``false`` switches on or off with its defaults."""

    enabled: bool = Field(default=True, description="Raise this source's alarms.")

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"enabled": value}
        if value is None:
            return {}
        return value


class VoltageAlarms(_Source):
    """A meter's measured voltage outside EN 50160 limits (``voltage_low`` / ``voltage_high``)."""

    low_pu: float = Field(default=EN50160_LOW_PU, gt=0.5, lt=1.0, description="[pu]")
    high_pu: float = Field(default=EN50160_HIGH_PU, gt=1.0, lt=1.5, description="[pu]")
    delay: Duration | None = Field(
        default=None, description="Time outside before the alarm; default one interval."
    )
    clear_delay: Duration | None = Field(
        default=None, description="Time back inside before it clears; default one interval."
    )


class TransformerAlarms(_Source):
    """A transformer's loading above ``loading_percent`` (``overload``)."""

    loading_percent: float = Field(default=100.0, gt=0, le=1000, description="[%]")
    delay: Duration | None = Field(
        default=None,
        description="Time above before the alarm; default 30min (at least one interval).",
    )
    clear_delay: Duration | None = Field(
        default=None, description="Time below before it clears; default one interval."
    )


class LightingAlarms(_Source):
    """Lamp faults from the cabinet meters (``burn_out``, ``cycling``, ``day_burner``)."""


class PrepaidAlarms(_Source):
    """Prepaid accounts: ``low_credit`` warnings and ``self_disconnection``."""

    low_credit: bool = Field(default=True, description="Raise low-credit warnings.")
    disconnection: bool = Field(default=True, description="Raise self-disconnections.")


class ChargerAlarms(_Source):
    """EV charge points whose status turns Faulted (``charger_<error code>``)."""


class MeterAlarms(_Source):
    """Legal meter events the head-end receives, and the neutral mismatch of three-phase meters."""

    long_interruption: Duration = Field(
        default=LONG_INTERRUPTION_S,
        description="A power failure shorter than this raises nothing [s] (EN 50160: 3min).",
    )
    neutral_delay: Duration | None = Field(
        default=None,
        description="Time a neutral mismatch lasts before the alarm; default 1h (whole intervals).",
    )


class DeskSection(_Section):
    """The operator desk acknowledging major and critical alarms (not safety ones).

    Figures assumed (a small utility control room); see :mod:`twin.engine.alarm_desk`.
    """

    enabled: bool = Field(default=True, description="Acknowledge alarms at all.")
    shift: str = Field(default="08-17", description="Local hours staffed, 'HH-HH', Mon-Fri.")
    critical: Duration = Field(default=600, description="Working time to acknowledge [s].")
    major: Duration = Field(default=1_800, description="Working time to acknowledge [s].")

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"enabled": value}
        return {} if value is None else value

    @field_validator("shift")
    @classmethod
    def _shift(cls, value: str) -> str:
        match = _SHIFT.match(value)
        if match is None or int(match.group(1)) >= int(match.group(2)):
            raise ValueError(
                f"given {value!r}; expected local hours 'HH-HH' with the start before the end, "
                "such as '08-17'"
            )
        return value

    @property
    def hours(self) -> tuple[int, int]:
        """First and last local hour of the shift [h]."""
        a, b = self.shift.split("-")
        return int(a), int(b)


class AlarmsSection(_Section):
    """Every alarm source but safety; absent: all on at their defaults."""

    voltage: VoltageAlarms = Field(default_factory=VoltageAlarms)
    transformer: TransformerAlarms = Field(default_factory=TransformerAlarms)
    lighting: LightingAlarms = Field(default_factory=LightingAlarms)
    prepaid: PrepaidAlarms = Field(default_factory=PrepaidAlarms)
    ev_charger: ChargerAlarms = Field(default_factory=ChargerAlarms)
    meter: MeterAlarms = Field(default_factory=MeterAlarms)
    desk: DeskSection = Field(default_factory=DeskSection)

    def check_delays(self, interval_s: int) -> None:
        """Raise ValueError naming the key when a delay is not a whole number of intervals."""
        for key, value in (
            ("voltage.delay", self.voltage.delay),
            ("voltage.clear_delay", self.voltage.clear_delay),
            ("transformer.delay", self.transformer.delay),
            ("transformer.clear_delay", self.transformer.clear_delay),
            ("meter.neutral_delay", self.meter.neutral_delay),
        ):
            if value is not None and (value <= 0 or value % interval_s):
                raise ValueError(
                    f"alarms.{key} {format_duration(int(value))!r} is not a positive multiple "
                    f"of the interval {format_duration(interval_s)!r}"
                )

    @staticmethod
    def steps(delay_s: int | None, default_s: int, interval_s: int) -> int:
        """Whole intervals of a delay (the default rounded up, at least one)."""
        seconds = default_s if delay_s is None else delay_s
        return max(1, -(-int(seconds) // interval_s))
