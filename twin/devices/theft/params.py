"""Parameters of a theft fleet: every one with its default and its check.

:meth:`~twin.devices.theft.TheftFleet.create` takes a :class:`TheftParams`;
each range is a uniform ``(low, high)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from twin.devices.checks import raise_problems

__all__ = ["TheftParams"]

_LIMITS: Final = {
    "h1_ratio_range": (0.0, 1.0, "0..1"),
    "h2_start_h_range": (0.0, 24.0, "0..24 [h]"),
    "h2_duration_h_range": (0.0, 24.0, "0..24 [h]"),
    "h3_ratio_range": (0.0, 1.0, "0..1"),
    "h4_ratio_range": (0.0, 1.0, "0..1"),
    "bypass_share_range": (0.0, 1.0, "0..1"),
    "illegal_kw_range": (0.0, float("inf"), ">= 0 [kW]"),
    "illegal_start_h_range": (0.0, 48.0, "0..48 [h]"),
    "illegal_duration_h_range": (0.0, 24.0, "0..24 [h]"),
}
"""Each range field's allowed span: (lowest, highest, as a message says it)."""


def _is_range(value: tuple[float, ...], low: float, high: float) -> bool:
    return len(value) == 2 and low <= value[0] <= value[1] <= high


@dataclass(frozen=True)
class TheftParams:
    """What every theft of a :class:`~twin.devices.theft.TheftFleet` is drawn from.

    Attributes
    ----------
    h1_ratio_range : tuple of float
        ``r`` of ``h1`` [-], drawn once per thief, within 0..1. Default
        ``(0.2, 0.8)``, the range recorded for [1]_ in the project's domain
        notes (reproductions of [1]_ also quote 0.1..0.8; unverified).
    h2_start_h_range : tuple of float
        Start of the daily off window of ``h2`` [h], local clock, within
        0..24; default the whole day, as in [1]_.
    h2_duration_h_range : tuple of float
        Length of the off window [h], within 0..24. [1]_ draws an off period
        of at least 4 h (recalled, unverified); the upper 12 h is a
        judgement that leaves some metered use every day. The window may
        wrap midnight.
    h3_ratio_range, h4_ratio_range : tuple of float
        ``r_t`` of ``h3`` and ``h4`` [-], drawn every interval, within 0..1.
        Default ``(0.1, 0.8)`` after [1]_.
    bypass_share_range : tuple of float
        Share of the premise's load wired around the meter [-], within
        0..1. Default ``(0.3, 0.9)``: a judgement (a bypass usually carries
        the large loads, rarely all of them).
    illegal_kw_range : tuple of float
        Power of an illegal connection while on [kW], >= 0. Default
        ``(1.0, 5.0)``: a judgement, a heater, pump or air conditioner.
    illegal_start_h_range : tuple of float
        Daily switch-on hour of an illegal connection [h], within 0..48
        (taken modulo 24). Default ``(17.0, 22.0)``: evening use, a judgement.
    illegal_duration_h_range : tuple of float
        Daily on time [h], within 0..24. Default ``(4.0, 10.0)``: into the
        night, a judgement.
    cover_open_probability : float
        Chance that tampering with a meter raises a cover-open event when the
        theft starts [-], 0..1. Default 0.3: a judgement (many meters have a
        terminal-cover switch, and careful thieves avoid it or tamper before
        it is fitted).
    neutral_mismatch_probability : float
        Chance that a theft at a three-phase meter shows as a phase/neutral
        current mismatch [-], 0..1. Default 0.5: a judgement (it depends on
        how the meter is bypassed).

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.

    References
    ----------
    .. [1] P. Jokar, N. Arianpoo, V. C. M. Leung, "Electricity theft detection
       in AMI using customers' consumption patterns", IEEE Transactions on
       Smart Grid 7(1), 216-226, 2016.
    """

    h1_ratio_range: tuple[float, float] = (0.2, 0.8)
    h2_start_h_range: tuple[float, float] = (0.0, 24.0)
    h2_duration_h_range: tuple[float, float] = (4.0, 12.0)
    h3_ratio_range: tuple[float, float] = (0.1, 0.8)
    h4_ratio_range: tuple[float, float] = (0.1, 0.8)
    bypass_share_range: tuple[float, float] = (0.3, 0.9)
    illegal_kw_range: tuple[float, float] = (1.0, 5.0)
    illegal_start_h_range: tuple[float, float] = (17.0, 22.0)
    illegal_duration_h_range: tuple[float, float] = (4.0, 10.0)
    cover_open_probability: float = 0.3
    neutral_mismatch_probability: float = 0.5

    def __post_init__(self) -> None:
        for name in _LIMITS:
            object.__setattr__(self, name, tuple(getattr(self, name)))
        checks = [
            (
                _is_range(getattr(self, name), low, high),
                f"{name} given {getattr(self, name)!r}; expected (low, high) with "
                f"low <= high, within {allowed}",
            )
            for name, (low, high, allowed) in _LIMITS.items()
        ]
        for name in ("cover_open_probability", "neutral_mismatch_probability"):
            value = getattr(self, name)
            checks.append((0.0 <= value <= 1.0, f"{name} given {value!r}; expected 0..1"))
        raise_problems("TheftParams", checks)
