"""Parameters of an EV-charging fleet: every one with its default and its check.

The scenario's ``ev`` section makes an :class:`EvParams`
(:meth:`twin.scenario.models.EvSection.params`) and takes its defaults from
here; :meth:`~twin.devices.ev.EvFleet.create` takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, get_args

from twin.devices.checks import is_hour_window, one_of, raise_problems
from twin.devices.ev.records import ERROR_CODES
from twin.devices.ev.sessions import HOME_SESSIONS, PUBLIC_SESSIONS, SessionStatistics

__all__ = ["ALLOCATIONS", "FAULT_CODES", "POLICIES", "Allocation", "EvParams", "Policy"]

Policy = Literal["uncontrolled", "delayed", "managed"]
POLICIES: Final = get_args(Policy)
"""Charging policies of :class:`~twin.devices.ev.EvFleet`."""

Allocation = Literal["proportional", "earliest_departure"]
ALLOCATIONS: Final = get_args(Allocation)
"""How the ``managed`` policy shares an area's headroom."""

FAULT_CODES: Final = ERROR_CODES[1:]
"""OCPP 1.6 error codes a random charger fault may carry (all but ``NoError``)."""


def _default_fault_rates() -> Mapping[str, float]:
    return MappingProxyType({"HighTemperature": 0.2, "GroundFailure": 0.1})


@dataclass(frozen=True)
class EvParams:
    """How the chargers of an :class:`~twin.devices.ev.EvFleet` are rated, used and fail.

    Attributes
    ----------
    home_power_choices_kw : tuple of float
        Home charger ratings [kW], each > 0 (single-phase 3.7 and 7.4 kW,
        three-phase 11 and 22 kW) ...
    home_power_shares : tuple of float
        ... drawn with these weights [-], >= 0, not all 0, one per rating
        (assumed).
    policy : {"uncontrolled", "delayed", "managed"}
        ``delayed``: home sessions start inside ``tou_window_h``, plus a
        uniform random delay up to ``delay_spread_s``; ``managed``: each
        area's EV power is kept within the headroom passed to
        :meth:`~twin.devices.ev.EvFleet.step`.
    allocation : {"proportional", "earliest_departure"}
        How ``managed`` shares an area's headroom.
    tou_window_h : tuple of float
        ``delayed`` window ``[start, end)``, local hours 0..24 [h], start !=
        end (may wrap midnight).
    delay_spread_s : float
        Largest random start delay of ``delayed`` [s], >= 0.
    home_sessions, public_sessions : SessionStatistics
        Session distributions at home chargers and public DC connectors
        (:data:`~twin.devices.ev.sessions.HOME_SESSIONS` after Electric
        Nation [1]_ and My Electric Avenue [2]_;
        :data:`~twin.devices.ev.sessions.PUBLIC_SESSIONS` after ElaadNL [3]_).
    fault_rates_per_year : Mapping[str, float]
        Random hardware faults per charger and year [1/yr], >= 0, keyed by
        OCPP 1.6 error codes of :data:`FAULT_CODES` [4]_ (assumed rates).
        Kept read-only, in the given order (the order of the draws).
    repair_mean_h : float
        Mean (exponential) repair time of a random fault [h], > 0.
    voltage_limits_pu : tuple of float
        ``(under, over)`` voltage of the previous power flow at which a
        charger faults with UnderVoltage / OverVoltage [pu], under < 1 < over.

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.

    References
    ----------
    .. [1] EA Technology / WPD (2019), Electric Nation Customer Trial.
    .. [2] EA Technology (2016), My Electric Avenue Summary Report.
    .. [3] ElaadNL (2016), EV charging data 2015.
    .. [4] Open Charge Alliance (2017), OCPP 1.6 edition 2, ChargePointErrorCode.
    """

    home_power_choices_kw: tuple[float, ...] = (3.7, 7.4, 11.0, 22.0)
    home_power_shares: tuple[float, ...] = (0.15, 0.45, 0.35, 0.05)
    policy: Policy = "uncontrolled"
    allocation: Allocation = "proportional"
    tou_window_h: tuple[float, float] = (22.0, 6.0)
    delay_spread_s: float = 1800.0
    home_sessions: SessionStatistics = HOME_SESSIONS
    public_sessions: SessionStatistics = PUBLIC_SESSIONS
    fault_rates_per_year: Mapping[str, float] = field(default_factory=_default_fault_rates)
    repair_mean_h: float = 48.0
    voltage_limits_pu: tuple[float, float] = (0.85, 1.10)

    def __post_init__(self) -> None:
        for name in ("home_power_choices_kw", "home_power_shares", "tou_window_h"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "voltage_limits_pu", tuple(self.voltage_limits_pu))
        rates = MappingProxyType(dict(self.fault_rates_per_year))
        object.__setattr__(self, "fault_rates_per_year", rates)
        choices, shares = self.home_power_choices_kw, self.home_power_shares
        limits = self.voltage_limits_pu
        raise_problems(
            "EvParams",
            [
                (
                    len(choices) == len(shares) > 0
                    and all(c > 0 for c in choices)
                    and all(s >= 0 for s in shares)
                    and sum(shares) > 0,
                    f"home_power_choices_kw/home_power_shares given {choices!r}/{shares!r}; "
                    "expected one share >= 0 per power > 0 [kW], shares not all 0",
                ),
                (
                    self.policy in POLICIES,
                    f"policy given an invalid value {self.policy!r}; "
                    f"expected one of {one_of(POLICIES)}",
                ),
                (
                    self.allocation in ALLOCATIONS,
                    f"allocation given an invalid value {self.allocation!r}; "
                    f"expected one of {one_of(ALLOCATIONS)}",
                ),
                (
                    is_hour_window(self.tou_window_h),
                    f"tou_window_h given {self.tou_window_h!r}; expected (start_h, end_h), "
                    "local hours 0..24, start != end",
                ),
                (
                    self.delay_spread_s >= 0,
                    f"delay_spread_s given {self.delay_spread_s!r}; expected >= 0",
                ),
                (
                    set(rates) <= set(FAULT_CODES) and all(r >= 0 for r in rates.values()),
                    f"fault_rates_per_year given {dict(rates)!r}; expected rates >= 0 "
                    f"keyed by OCPP 1.6 error codes {one_of(FAULT_CODES)}",
                ),
                (
                    self.repair_mean_h > 0,
                    f"repair_mean_h given {self.repair_mean_h!r}; expected > 0",
                ),
                (
                    len(limits) == 2 and limits[0] < 1.0 < limits[1],
                    f"voltage_limits_pu given {limits!r}; expected (under, over) with "
                    "under < 1 < over",
                ),
            ],
        )
