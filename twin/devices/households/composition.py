"""Who lives where: drawing the homes of a fleet and calibrating their energy.

Helpers of :meth:`~twin.devices.households.fleet.HouseholdFleet.create`:
parameter checks, the split of premises into archetypes, baseloads, the
activity scale that meets each home's annual energy in expectation, and the
households that move in during the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.households.kernel import COLD_APPLIANCES_W_RANGE, STANDBY_W_RANGE
from twin.devices.households.occupancy import ARCHETYPES, PROFILE_NAMES, STAY_PROFILE
from twin.devices.households.schedule import Episodes, holiday_probability
from twin.devices.households.tables import (
    N_VARIANTS,
    SHIFT_PROBABILITY,
    CalendarFeatures,
    StepTables,
    expected_activity_hours,
    profile_row,
)
from twin.members import Members

__all__ = [
    "DEMAND_CAP_KW_RANGE",
    "LOW_CONSUMER_KWH_RANGE",
    "LOW_CONSUMER_SHARE",
    "Tenant",
    "activity_scale_kw",
    "apportion",
    "check_parameters",
    "draw_annual_kwh",
    "draw_occupied_base_kw",
    "draw_tenants",
    "expected_hours",
    "restrict_tenants",
]

LOW_CONSUMER_SHARE: Final = 0.3
"""Share of retired households that are frugal single elderly people [-]."""

LOW_CONSUMER_KWH_RANGE: Final = (350.0, 1_100.0)
"""Annual consumption of those frugal households [kWh/yr], log-uniform. The most
frugal class of one-person flats in the German "Stromspiegel" (co2online, 2023)
uses up to about 800 kWh/yr; the Irish CSO threshold of 180 kWh a quarter is
720 kWh/yr, so many of them sit near or below it while somebody lives there."""

_RETIRED: Final = ARCHETYPES.index("retired")

DEMAND_CAP_KW_RANGE: Final = (8.0, 14.5)
"""Largest interval-mean activity power of a home [kW], drawn per home: what its
appliances can draw at once. DIN 18015-1 sizes the supply of a flat without
electric water heating for 14.5 kW; most homes never come near it."""


@dataclass(frozen=True)
class Tenant:
    """A household that moves in during the run (drawn in advance).

    Attributes
    ----------
    row : int
        Table row of its occupancy profile and schedule variant.
    kind : str
        Its archetype.
    annual_kwh : float
        Annual consumption target [kWh/yr].
    scale_kw : float
        Activity scale [kW].
    base_kw : float
        Standby and cold appliances [kW].
    cap_kw : float
        Largest interval-mean activity power [kW].
    """

    row: int
    kind: str
    annual_kwh: float
    scale_kw: float
    base_kw: float
    cap_kw: float


def check_parameters(
    n: int,
    axis: TimeAxis,
    latitude_deg: float,
    annual_kwh_median: float,
    annual_kwh_sigma: float,
    power_factor: float,
    archetype_shares: Mapping[str, float],
    long_term_vacant: float,
    seasonal: float,
    move_rate_per_year: float,
    holiday_weeks_per_year: float,
) -> NDArray[np.float64]:
    """Check the parameters of :meth:`HouseholdFleet.create`.

    Returns
    -------
    numpy.ndarray
        Archetype shares in the order of :data:`ARCHETYPES`, summing to 1.

    Raises
    ------
    ValueError
        One error naming every bad parameter and its value.
    """
    problems: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            problems.append(message)

    need(isinstance(n, int | np.integer) and n >= 1, f"n given {n!r}; expected an integer >= 1")
    need(
        axis.interval_s > 0 and SECONDS_PER_DAY % axis.interval_s == 0,
        f"axis.interval_s given {axis.interval_s!r}; expected a divisor of 86400 s",
    )
    need(-90.0 <= latitude_deg <= 90.0, f"latitude_deg given {latitude_deg!r}; expected -90..90")
    need(annual_kwh_median > 0, f"annual_kwh_median given {annual_kwh_median!r}; expected > 0")
    need(annual_kwh_sigma >= 0, f"annual_kwh_sigma given {annual_kwh_sigma!r}; expected >= 0")
    need(0 < power_factor <= 1, f"power_factor given {power_factor!r}; expected (0, 1]")
    unknown = sorted(set(archetype_shares) - set(ARCHETYPES))
    need(
        not unknown,
        f"archetype_shares given unknown keys {unknown}; expected some of {set(ARCHETYPES)}",
    )
    shares = np.asarray([float(archetype_shares.get(a, 0.0)) for a in ARCHETYPES])
    need(
        bool(np.all(np.isfinite(shares)) and np.all(shares >= 0) and shares.sum() > 0),
        f"archetype_shares given {dict(archetype_shares)!r}; expected finite shares >= 0, "
        "at least one positive",
    )
    need(0 <= long_term_vacant <= 1, f"long_term_vacant given {long_term_vacant!r}; expected 0..1")
    need(0 <= seasonal <= 1, f"seasonal given {seasonal!r}; expected 0..1")
    need(
        long_term_vacant + seasonal <= 1,
        f"long_term_vacant + seasonal = {long_term_vacant + seasonal:g}; expected at most 1",
    )
    need(move_rate_per_year >= 0, f"move_rate_per_year given {move_rate_per_year!r}; expected >= 0")
    need(
        0 <= holiday_weeks_per_year <= 26,
        f"holiday_weeks_per_year given {holiday_weeks_per_year!r}; expected 0..26",
    )
    if problems:
        raise ValueError("invalid household fleet parameters: " + "; ".join(problems))
    return shares / shares.sum()


def apportion(n: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``n`` in proportion to ``weights`` (largest remainder)."""
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - int(counts.sum())]] += 1
    return counts


def draw_occupied_base_kw(
    rng: np.random.Generator, annual_kwh: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Standby plus cold appliances of occupied homes [kW], growing mildly with consumption."""
    n = annual_kwh.size
    watts = rng.uniform(*STANDBY_W_RANGE, n) + rng.uniform(*COLD_APPLIANCES_W_RANGE, n)
    watts *= (annual_kwh / 2_700.0) ** 0.3
    return np.minimum(watts / 1e3, 0.5 * annual_kwh / 8760.0)


def draw_annual_kwh(
    rng: np.random.Generator, code: NDArray[np.int64], median: float, sigma: float
) -> NDArray[np.float64]:
    """Annual consumption targets [kWh/yr] of homes with archetype indices ``code``.

    Lognormal around ``median`` with log-spread ``sigma``, except that
    :data:`LOW_CONSUMER_SHARE` of the retired households are frugal single
    elderly people drawn log-uniformly from :data:`LOW_CONSUMER_KWH_RANGE`.
    """
    n = code.size
    annual = median * np.exp(sigma * rng.standard_normal(n))
    frugal = (code == _RETIRED) & (rng.random(n) < LOW_CONSUMER_SHARE)
    low, high = np.log(LOW_CONSUMER_KWH_RANGE[0]), np.log(LOW_CONSUMER_KWH_RANGE[1])
    return np.where(frugal, np.exp(rng.uniform(low, high, n)), annual)


def expected_hours(
    axis: TimeAxis,
    latitude_deg: float,
    features: CalendarFeatures,
    tables: StepTables,
    holiday_weeks_per_year: float,
) -> NDArray[np.float64]:
    """Expected activity hours per table row over a reference year.

    The reference year is the 365 days from the run start (the run's own
    calendar when it is that long). Holidays are taken out in expectation
    (:func:`holiday_probability`), except for the stays of seasonal homes,
    whose ``annual_kwh`` is the full-time equivalent.

    Returns
    -------
    numpy.ndarray
        Hours [h] per row: a home of scale ``s`` [kW] is expected to use
        ``s * hours`` [kWh/yr] on top of its baseload.
    """
    per_year = 365 * (SECONDS_PER_DAY // axis.interval_s)
    if axis.n_intervals >= per_year:
        ref = CalendarFeatures(
            **{f.name: getattr(features, f.name)[:per_year] for f in fields(CalendarFeatures)}
        )
    else:
        year_axis = TimeAxis(axis.start, axis.interval_s, per_year, axis.timezone)
        ref = CalendarFeatures.of(year_axis, latitude_deg)
    not_away = 1.0 - holiday_probability(ref.day_of_year, holiday_weeks_per_year)
    hours = expected_activity_hours(tables, ref, axis.interval_s, not_away)
    stay = PROFILE_NAMES.index(STAY_PROFILE)
    stays = slice(stay * N_VARIANTS, (stay + 1) * N_VARIANTS)
    full = expected_activity_hours(tables, ref, axis.interval_s, np.ones(per_year))
    hours[stays] = full[stays]
    return hours


def activity_scale_kw(
    annual_kwh: NDArray[np.float64], base_kw: NDArray[np.float64], hours: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Activity scale [kW] that makes the expected annual energy ``annual_kwh`` [kWh/yr].

    ``(annual_kwh - 8760 h * base_kw) / hours``, with at least a tenth of the
    energy left to activity; 0 where ``hours`` is 0 (vacant).
    """
    active_kwh = np.maximum(annual_kwh - base_kw * 8760.0, 0.1 * annual_kwh)
    return np.where(hours > 0, active_kwh / np.where(hours > 0, hours, 1.0), 0.0)


def draw_tenants(
    rng: np.random.Generator,
    episodes: Episodes,
    axis: TimeAxis,
    shares: NDArray[np.float64],
    annual_kwh_median: float,
    annual_kwh_sigma: float,
    hours: NDArray[np.float64],
) -> dict[tuple[int, int], Tenant]:
    """New households for the move-ins inside the run."""
    moving = (
        (episodes.kind == "between_tenants")
        & (episodes.end_s > 0)
        & (episodes.end_s < axis.duration_s)
    )
    premise, when = episodes.premise[moving], episodes.end_s[moving]
    m = premise.size
    code = rng.choice(len(ARCHETYPES), size=m, p=shares)
    row = profile_row(code, rng.choice(N_VARIANTS, size=m, p=SHIFT_PROBABILITY))
    annual = draw_annual_kwh(rng, code, annual_kwh_median, annual_kwh_sigma)
    base = draw_occupied_base_kw(rng, annual)
    scale = activity_scale_kw(annual, base, hours[row])
    cap = rng.uniform(*DEMAND_CAP_KW_RANGE, m)
    return {
        (int(premise[j]), int(when[j])): Tenant(
            int(row[j]),
            ARCHETYPES[int(code[j])],
            float(annual[j]),
            float(scale[j]),
            float(base[j]),
            float(cap[j]),
        )
        for j in range(m)
    }


def restrict_tenants(
    tenants: dict[tuple[int, int], Tenant], members: Members
) -> dict[tuple[int, int], Tenant]:
    """The move-ins of member premises, keyed by (member position, time [s]).

    Parameters
    ----------
    tenants : dict
        From :func:`draw_tenants`, keyed by (full-fleet position, time [s]).
    members : Members
        The premises kept.

    Returns
    -------
    dict
        ``tenants`` itself when every premise is a member.
    """
    if members.is_all or not tenants:
        return tenants
    premise = np.fromiter((p for p, _ in tenants), dtype=np.int64, count=len(tenants))
    keep, local = members.localise(premise)
    kept = [key for key, k in zip(tenants, keep, strict=True) if k]
    return {(int(j), when): tenants[(p, when)] for (p, when), j in zip(kept, local, strict=True)}
