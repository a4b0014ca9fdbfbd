"""Who lives where: drawing the homes of a fleet and calibrating their energy.

Helpers of :meth:`~twin.devices.households.fleet.HouseholdFleet.create`,
drawing from its :class:`~twin.devices.households.params.HouseholdParams`:
the split of premises into archetypes, baseloads, the activity scale that
meets each home's annual energy in expectation, and the households that
move in during the run.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.checks import raise_problems
from twin.devices.households.absences import draw_student_absences, draw_trips
from twin.devices.households.kernel import (
    ALWAYS_ON_W_RANGE,
    COLD_APPLIANCES_W_RANGE,
    STANDBY_W_RANGE,
)
from twin.devices.households.occupancy import ARCHETYPES, PROFILE_NAMES, STAY_PROFILE
from twin.devices.households.params import HouseholdParams
from twin.devices.households.schedule import (
    Episodes,
    LocalCalendar,
    draw_holidays,
    draw_moves,
    draw_seasonal_absences,
    holiday_probability,
    resolve_conflicts,
)
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
    "ALWAYS_ON_ELASTICITY",
    "BASELOAD_ELASTICITY",
    "BASELOAD_REFERENCE_KWH",
    "DEMAND_CAP_KW_RANGE",
    "LONG_TERM_VACANT_CODE",
    "MIN_ACTIVITY_SHARE",
    "SEASONAL_CODE",
    "STAY_ROWS",
    "Tenant",
    "activity_scale_kw",
    "apportion",
    "check_inputs",
    "draw_annual_kwh",
    "draw_episodes",
    "draw_look_empty_travellers",
    "draw_occupancy_codes",
    "draw_occupied_base_kw",
    "draw_tenants",
    "expected_hours",
    "reference_year",
    "restrict_tenants",
]

_RETIRED: Final = ARCHETYPES.index("retired")
_STUDENT: Final = ARCHETYPES.index("student")

SEASONAL_CODE: Final = len(ARCHETYPES)
"""Occupancy code of weekend/seasonal homes; the archetypes are ``0 .. SEASONAL_CODE - 1``."""

LONG_TERM_VACANT_CODE: Final = len(ARCHETYPES) + 1
"""Occupancy code of premises that stand empty for the whole run."""

BASELOAD_REFERENCE_KWH: Final = HouseholdParams.annual_kwh_median
"""Annual consumption of the home whose baseload is drawn as is [kWh/yr]: the
default median household (:attr:`HouseholdParams.annual_kwh_median`). It is a
fixed reference: a scenario's own median does not move it."""

BASELOAD_ELASTICITY: Final = 0.3
"""Elasticity of a home's standby and cold appliances to its annual consumption
[-]: drawn for a home of :data:`BASELOAD_REFERENCE_KWH`, they are multiplied by
``(annual_kwh / reference) ** elasticity``. Bigger users own more and bigger
appliances, but far from in proportion: a frugal home still has a fridge and a
router, so its baseload is a large share of its use."""

ALWAYS_ON_ELASTICITY: Final = 1.0
"""Elasticity of a home's other always-on loads (circulation pump, second
freezer, network and smart-home devices) to its annual consumption [-]: owned
by big users, rare in frugal flats."""

MIN_ACTIVITY_SHARE: Final = 0.4
"""Least share of a home's annual energy that is occupancy-driven [-]: somebody
who lives there cooks, washes, watches TV and switches on lights, which takes
some 150-300 kWh/yr even in the most frugal one-person flats (co2online
Stromspiegel 2023: cooking alone 100-200 kWh/yr). It bounds the baseload of
the most frugal homes at 60 % of their energy: baseload-dominated, with their
meals and evenings still visible."""

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
    look_empty : str
        ``"frugal_elderly"``, ``"low_electricity"`` or ``""`` (see :func:`draw_annual_kwh`).
    """

    row: int
    kind: str
    annual_kwh: float
    scale_kw: float
    base_kw: float
    cap_kw: float
    look_empty: str = ""


def check_inputs(n: int, axis: TimeAxis, latitude_deg: float) -> None:
    """Check the inputs of :meth:`HouseholdFleet.create` besides its :class:`HouseholdParams`.

    Raises
    ------
    ValueError
        One error naming every bad input and its value.
    """
    raise_problems(
        "household fleet inputs",
        [
            (
                isinstance(n, int | np.integer) and n >= 1,
                f"n given {n!r}; expected an integer >= 1",
            ),
            (
                axis.interval_s > 0 and SECONDS_PER_DAY % axis.interval_s == 0,
                f"axis.interval_s given {axis.interval_s!r}; expected a divisor of 86400 s",
            ),
            (
                -90.0 <= latitude_deg <= 90.0,
                f"latitude_deg given {latitude_deg!r}; expected -90..90",
            ),
        ],
    )


def draw_occupancy_codes(
    rng: np.random.Generator, n: int, params: HouseholdParams
) -> NDArray[np.int64]:
    """Occupancy kind of each of ``n`` premises, as an index into ``OCCUPANCY_KINDS``.

    The archetypes of :data:`ARCHETYPES` (``0 ..``), then ``seasonal`` and
    ``long_term_vacant``: exactly in proportion to ``params`` (largest
    remainder, :func:`apportion`), in random order.
    """
    weights = np.concatenate(
        [params.occupied * params.archetype_weights(), [params.seasonal, params.long_term_vacant]]
    )
    return np.asarray(
        rng.permutation(np.repeat(np.arange(weights.size), apportion(n, weights))),
        dtype=np.int64,
    )


def draw_look_empty_travellers(
    rng: np.random.Generator, code: NDArray[np.int64], params: HouseholdParams
) -> NDArray[np.bool_]:
    """Which premises house frequent travellers: ``look_empty.frequent_travellers``
    of the homes with an archetype (the trait stays with the premise)."""
    share = params.look_empty.frequent_travellers
    return (code < SEASONAL_CODE) & (rng.random(code.size) < share)


def draw_episodes(
    rng: np.random.Generator,
    axis: TimeAxis,
    code: NDArray[np.int64],
    params: HouseholdParams,
    travellers: NDArray[np.bool_] | None = None,
    holidays: NDArray[np.int64] | None = None,
) -> Episodes:
    """Every stretch of the run during which a premise is empty, drawn in advance.

    Moves and holidays of the homes with an archetype (``params``' move
    rate and holiday weeks), the trips of frequent travellers and the
    weekends and blocks away of students (as holidays,
    :mod:`~twin.devices.households.absences`), the absences of
    weekend/seasonal homes, and a whole-run episode for each long-term
    vacant premise.

    Parameters
    ----------
    rng : numpy.random.Generator
        The fleet's generator.
    axis : TimeAxis
        The run's interval grid.
    code : numpy.ndarray
        Occupancy code of every premise of the full fleet
        (:func:`draw_occupancy_codes`).
    params : HouseholdParams
        The fleet's parameters.
    travellers : numpy.ndarray, optional
        Frequent travellers' premises, bool (:func:`draw_look_empty_travellers`);
        default none.
    holidays : numpy.ndarray, optional
        Public holidays (days since 1970-01-01): second homes are used over
        the long weekends they make. Default none.

    Returns
    -------
    Episodes
        Indexed by full-fleet position.
    """
    calendar = LocalCalendar(axis, holidays)
    normal = np.flatnonzero(code < SEASONAL_CODE)
    le, vb = params.look_empty, params.vacant
    moves = draw_moves(normal, rng, calendar, params.move_rate_per_year)
    away = draw_holidays(normal, rng, calendar, params.holiday_weeks_per_year)
    going = np.flatnonzero(travellers) if travellers is not None else normal[:0]
    trips = draw_trips(going, rng, calendar, le.trips_per_month, le.trip_nights)
    students = draw_student_absences(
        np.flatnonzero(code == _STUDENT),
        rng,
        calendar,
        le.student_weekend_away,
        le.student_weeks_away,
    )
    changes = resolve_conflicts(moves, Episodes.concat([away, trips, students]))
    away_seasonal = draw_seasonal_absences(
        np.flatnonzero(code == SEASONAL_CODE),
        rng,
        calendar,
        weekend_homes=vb.second_home_weekend_homes,
        weekend_use=vb.second_home_weekend_use,
        summer_days=vb.second_home_summer_days,
    )
    ltv = np.flatnonzero(code == LONG_TERM_VACANT_CODE)
    window = calendar.run_seconds(
        np.asarray([calendar.first_day, calendar.last_day + 1]), np.zeros(2)
    )
    vacant = Episodes(
        ltv.astype(np.int64),
        np.full(ltv.size, window[0], dtype=np.int64),
        np.full(ltv.size, window[1], dtype=np.int64),
        np.full(ltv.size, "long_term_vacant", dtype=object),
    )
    return Episodes.concat([changes, away_seasonal, vacant])


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
    """Always-on load of occupied homes [kW]: standby, cold appliances and other always-on.

    Uniform draws from :data:`~twin.devices.households.kernel.STANDBY_W_RANGE`
    and :data:`~twin.devices.households.kernel.COLD_APPLIANCES_W_RANGE` times
    ``(annual_kwh / reference) ** BASELOAD_ELASTICITY``, plus one from
    :data:`~twin.devices.households.kernel.ALWAYS_ON_W_RANGE` times
    ``(annual_kwh / reference) ** ALWAYS_ON_ELASTICITY`` (85-190 W, some 45 %
    of the energy, for a home of :data:`BASELOAD_REFERENCE_KWH`). Low-use
    homes are baseload-dominated (a 700 kWh/yr home draws 40-86 W, and keeps
    40-48 W, 50-60 % of its mean power): the baseload is at most ``1 - MIN_ACTIVITY_SHARE`` of the
    home's mean power, so that its activity scale is positive and its energy
    meets ``annual_kwh``.
    """
    n = annual_kwh.size
    relative = annual_kwh / BASELOAD_REFERENCE_KWH
    watts = (rng.uniform(*STANDBY_W_RANGE, n) + rng.uniform(*COLD_APPLIANCES_W_RANGE, n)) * (
        relative**BASELOAD_ELASTICITY
    )
    watts += rng.uniform(*ALWAYS_ON_W_RANGE, n) * relative**ALWAYS_ON_ELASTICITY
    return np.minimum(watts / 1e3, (1.0 - MIN_ACTIVITY_SHARE) * annual_kwh / 8760.0)


def _log_uniform(
    rng: np.random.Generator, bounds: tuple[float, float], n: int
) -> NDArray[np.float64]:
    return np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]), n))


def draw_annual_kwh(
    rng: np.random.Generator, code: NDArray[np.int64], params: HouseholdParams
) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    """Annual consumption targets [kWh/yr] of homes with archetype indices ``code``.

    Lognormal around ``params.annual_kwh_median`` with log-spread
    ``params.annual_kwh_sigma``, except for the households that look empty
    (``params.look_empty``): ``frugal_retired`` of the retired households
    are frugal single elderly people, drawn log-uniformly from
    ``frugal_kwh`` (the Irish CSO threshold of 180 kWh a quarter is
    720 kWh/yr, so many sit near or below it while somebody lives there);
    ``low_electricity`` of the others heat, cook and make hot water with
    gas, drawn log-uniformly from ``low_electricity_kwh``.

    Returns
    -------
    annual_kwh : numpy.ndarray
        Targets [kWh/yr], float64.
    look_empty : numpy.ndarray
        ``"frugal_elderly"``, ``"low_electricity"`` or ``""`` per home, object.
    """
    n, le = code.size, params.look_empty
    annual = params.annual_kwh_median * np.exp(params.annual_kwh_sigma * rng.standard_normal(n))
    frugal = (code == _RETIRED) & (rng.random(n) < le.frugal_retired)
    low = ~frugal & (rng.random(n) < le.low_electricity)
    annual = np.where(frugal, _log_uniform(rng, le.frugal_kwh, n), annual)
    annual = np.where(low, _log_uniform(rng, le.low_electricity_kwh, n), annual)
    label = np.where(frugal, "frugal_elderly", np.where(low, "low_electricity", ""))
    return annual, label.astype(object)


def reference_year(
    axis: TimeAxis,
    latitude_deg: float,
    features: CalendarFeatures,
    holiday_weeks_per_year: float,
    public_holidays: NDArray[np.int64] | None = None,
) -> tuple[CalendarFeatures, NDArray[np.float64]]:
    """The calendar of the reference year and the chance of being at home on each interval.

    The reference year is the 365 days from the run start (the run's own
    calendar when it is that long); ``public_holidays`` (days since
    1970-01-01) are weekend days of it. The weight per interval [-] is the
    chance that a household is not away on holiday
    (:func:`holiday_probability`).
    """
    per_year = 365 * (SECONDS_PER_DAY // axis.interval_s)
    if axis.n_intervals >= per_year:
        ref = CalendarFeatures(
            **{f.name: getattr(features, f.name)[:per_year] for f in fields(CalendarFeatures)}
        )
    else:
        year_axis = TimeAxis(axis.start, axis.interval_s, per_year, axis.timezone)
        ref = CalendarFeatures.of(year_axis, latitude_deg, public_holidays)
    return ref, 1.0 - holiday_probability(ref.day_of_year, holiday_weeks_per_year)


STAY_ROWS: Final = slice(
    PROFILE_NAMES.index(STAY_PROFILE) * N_VARIANTS,
    (PROFILE_NAMES.index(STAY_PROFILE) + 1) * N_VARIANTS,
)
"""Table rows of the stays of seasonal homes (their ``annual_kwh`` is full-time)."""


def expected_hours(
    axis: TimeAxis,
    latitude_deg: float,
    features: CalendarFeatures,
    tables: StepTables,
    holiday_weeks_per_year: float,
    public_holidays: NDArray[np.int64] | None = None,
    reference: tuple[CalendarFeatures, NDArray[np.float64]] | None = None,
) -> NDArray[np.float64]:
    """Expected activity hours per table row over a reference year.

    The reference year is that of :func:`reference_year`. Holidays are taken
    out in expectation (:func:`holiday_probability`), except for the stays of
    seasonal homes, whose ``annual_kwh`` is the full-time equivalent.
    ``reference``, when given, is :func:`reference_year` of the same inputs.

    Returns
    -------
    numpy.ndarray
        Hours [h] per row: a home of scale ``s`` [kW] is expected to use
        ``s * hours`` [kWh/yr] on top of its baseload.
    """
    ref, not_away = reference or reference_year(
        axis, latitude_deg, features, holiday_weeks_per_year, public_holidays
    )
    hours = expected_activity_hours(tables, ref, axis.interval_s, not_away)
    full = expected_activity_hours(tables, ref, axis.interval_s, np.ones(not_away.size))
    hours[STAY_ROWS] = full[STAY_ROWS]
    return hours


def activity_scale_kw(
    annual_kwh: NDArray[np.float64], base_kw: NDArray[np.float64], hours: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Activity scale [kW] that makes the expected annual energy ``annual_kwh`` [kWh/yr].

    ``(annual_kwh - 8760 h * base_kw) / hours``, with at least
    :data:`MIN_ACTIVITY_SHARE` of the energy left to activity; 0 where
    ``hours`` is 0 (vacant).
    """
    active_kwh = np.maximum(annual_kwh - base_kw * 8760.0, MIN_ACTIVITY_SHARE * annual_kwh)
    return np.where(hours > 0, active_kwh / np.where(hours > 0, hours, 1.0), 0.0)


def draw_tenants(
    rng: np.random.Generator,
    episodes: Episodes,
    axis: TimeAxis,
    params: HouseholdParams,
    hours: NDArray[np.float64],
) -> dict[tuple[int, int], Tenant]:
    """New households for the move-ins inside the run, drawn from ``params``."""
    moving = (
        (episodes.kind == "between_tenants")
        & (episodes.end_s > 0)
        & (episodes.end_s < axis.duration_s)
    )
    premise, when = episodes.premise[moving], episodes.end_s[moving]
    m = premise.size
    code = rng.choice(len(ARCHETYPES), size=m, p=params.archetype_weights())
    row = profile_row(code, rng.choice(N_VARIANTS, size=m, p=SHIFT_PROBABILITY))
    annual, label = draw_annual_kwh(rng, code, params)
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
            str(label[j]),
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
