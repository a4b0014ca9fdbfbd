"""The hard cases of vacancy detection as parameters: empty homes that draw, full ones that don't.

Two frozen parameter objects that :class:`~twin.devices.households.HouseholdParams`
holds, each with its defaults and checks:

- :class:`VacantBehaviour`: what an empty home draws (the scenario's
  ``households.vacancy`` keys): the main breaker off, standby, a cycling
  fridge, a lamp on a timer, visits by caretakers and agents, a cleaning
  before the next tenant, renovation work, and how second homes are used;
- :class:`LookEmpty`: occupied homes that look empty (the scenario's
  ``households.occupancy`` keys): frugal elderly, gas-heated homes with
  very little electricity use, frequent travellers and students who are
  away for weeks. The long-hours workers and students are also occupancy
  archetypes (:data:`~twin.devices.households.occupancy.ARCHETYPES`) with
  their own shares.

A pair ``(low, high)`` is a distribution: each home (or visit, or stay)
draws its value uniformly from it, unless a docstring says otherwise.
Every default is an assumption for a showcase, shaped after the cited
sources, not a fit to measured data.

References
----------
.. [1] Central Statistics Office (Ireland), "Domestic Electricity
   Connections and Vacancy", 2021-2023 (180 kWh a quarter, "the consumption
   of a fridge").
.. [2] Commission Regulation (EC) No 1275/2008 (standby limits) and
   Commission Delegated Regulation (EU) 2019/2016 (fridge labels:
   220-400 kWh/yr for household fridge(-freezer)s).
.. [3] M. Pipattanasomporn, M. Kuzlu, S. Rahman, Y. Teklu, "Load profiles of
   selected major household appliances and their demand response
   opportunities", IEEE Trans. Smart Grid 5(2), 742-750, 2014 (a fridge's
   compressor cycles on and off in tens of minutes).
.. [4] Police crime-prevention advice (e.g. Polizeiliche Kriminalpraevention,
   "K-Einbruch"): a lamp on a timer makes an empty home look lived in.
.. [5] BBSR, "Wohnungsleerstand in Deutschland", 2019: flats empty between
   tenants for weeks, some of them for modernisation.
.. [6] co2online, "Stromspiegel fuer Deutschland 2023": one-person flats
   without electric hot water in the most frugal class use under about
   800 kWh/yr, two-person ones about 1,200 kWh/yr.
.. [7] Eurostat, "Harmonised European Time Use Surveys" and Destatis,
   "Zeitverwendungserhebung 2022": long working days and commutes; students
   at their parents' on many weekends and in the semester breaks.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Final

from twin.devices.checks import raise_problems

__all__ = ["RANGE_BOUNDS", "LookEmpty", "Range", "VacantBehaviour", "range_problem"]

Range = tuple[float, float]
"""A distribution ``(low, high)``: drawn uniformly per home, visit or stay."""

RANGE_BOUNDS: Final[Mapping[str, tuple[float, float]]] = MappingProxyType(
    {
        "standby_w": (0.0, 500.0),
        "fridge_w": (0.0, 500.0),
        "fridge_cycle_min": (1.0, 600.0),
        "timer_light_w": (0.0, 1_000.0),
        "timer_off_h": (18.0, 26.0),
        "visit_rate_per_week": (0.0, 14.0),
        "visit_hours": (0.0, 12.0),
        "visit_kw": (0.0, 20.0),
        "viewings_per_week": (0.0, 14.0),
        "viewing_hours": (0.0, 12.0),
        "cleaning_hours": (0.0, 12.0),
        "cleaning_kw": (0.0, 20.0),
        "renovation_weeks": (0.0, 52.0),
        "renovation_kw": (0.0, 20.0),
        "renovation_hours": (0.0, 24.0),
        "second_home_weekend_use": (0.0, 1.0),
        "second_home_summer_days": (0.0, 90.0),
        "frugal_kwh": (1.0, 100_000.0),
        "low_electricity_kwh": (1.0, 100_000.0),
        "trips_per_month": (0.0, 15.0),
        "trip_nights": (1.0, 14.0),
        "student_weekend_away": (0.0, 1.0),
        "student_weeks_away": (0.0, 40.0),
    }
)
"""Bounds of every ``(low, high)`` field of both classes: ``lo <= low <= high <= hi``."""


def range_problem(name: str, value: object, low: float, high: float) -> tuple[bool, str]:
    """A check that ``value`` is a pair ``(a, b)`` with ``low <= a <= b <= high``.

    Returns
    -------
    tuple of (bool, str)
        Whether it holds, and the message naming ``name``, the value and what
        is allowed (for :func:`~twin.devices.checks.raise_problems`).
    """
    ok = (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int | float) and math.isfinite(v) for v in value)
        and low <= value[0] <= value[1] <= high
    )
    shown = list(value) if isinstance(value, tuple | list) else value
    return (
        ok,
        f"{name} given {shown!r}; expected [low, high] with {low:g} <= low <= high <= {high:g}",
    )


def _share(name: str, value: float) -> tuple[bool, str]:
    return 0.0 <= value <= 1.0, f"{name} given {value!r}; expected a share 0..1"


def _range_checks(obj: object) -> list[tuple[bool, str]]:
    """Store every range field of ``obj`` as a tuple of floats (a YAML list arrives
    as a list), and check it against :data:`RANGE_BOUNDS`."""
    checks = []
    for f in fields(obj):  # type: ignore[arg-type]
        if f.name not in RANGE_BOUNDS:
            continue
        value = getattr(obj, f.name)
        if isinstance(value, list | tuple) and len(value) == 2:
            with contextlib.suppress(TypeError, ValueError):
                object.__setattr__(obj, f.name, (float(value[0]), float(value[1])))
        checks.append(range_problem(f.name, getattr(obj, f.name), *RANGE_BOUNDS[f.name]))
    return checks


@dataclass(frozen=True)
class VacantBehaviour:
    """What empty homes draw, per home; the scenario's ``households.vacancy`` keys.

    "Empty" is any stretch nobody lives at a premise: long-term vacant,
    between tenants, a second home between stays (not a holiday: a household
    away on holiday leaves its home as it is).

    Attributes
    ----------
    switched_off : float
        Share of homes switched off at the main breaker while empty [-]: 0 W
        but for visits and renovation (assumed).
    fridge_kept_on : float
        Share of the others whose fridge stays on [-] (assumed, after [1]_).
    standby_w : Range
        Router, alarm panel, doorbell transformer and built-in devices of an
        empty home [W], per home (after the standby limits of [2]_).
    fridge_w : Range
        Mean power of a fridge kept on [W], per home (220-400 kWh/yr [2]_).
    fridge_cycle_min : Range
        Correlation time of the fridge's interval means [min], per home: the
        compressor cycles in tens of minutes [3]_, so consecutive intervals
        are alike (an AR(1) process, not fresh noise per interval).
    timer_lights : float
        Share of powered empty homes with a lamp on a timer [-] (assumed,
        after [4]_).
    timer_light_w : Range
        Power of that lamp [W], per home (an LED bulb to a 60 W lamp).
    timer_off_h : Range
        Local hour at which the timer switches the lamp off [h], per home; it
        switches on at dusk. Up to 26 (02:00 the next morning).
    timer_jitter_min : float
        Random daily shift of the timer's off time, uniform within plus or
        minus this [min] (a timer's "random" mode), 0..120.
    visited : float
        Share of long-term vacant homes a caretaker or owner visits [-] (assumed).
    visit_rate_per_week : Range
        Caretaker visits per week [1/wk], per home.
    visit_hours : Range
        Length of a caretaker visit [h], per visit.
    visit_kw : Range
        Mean power during any visit or viewing [kW], per visit: lights, a
        vacuum cleaner, a fan heater.
    viewings_per_week : Range
        Agent viewings per week while a flat is between tenants [1/wk], per gap.
    viewing_hours : Range
        Length of a viewing [h], per viewing.
    cleaning : float
        Share of gaps between tenants with a cleaning (or painting) day
        shortly before the move-in [-] (assumed).
    cleaning_hours : Range
        Length of that cleaning [h].
    cleaning_kw : Range
        Its mean power [kW]: a vacuum cleaner, lights, a kettle.
    renovation : float
        Share of long-term vacant homes and of gaps between tenants with
        renovation work [-] (assumed, after [5]_).
    renovation_weeks : Range
        Length of the renovation [wk] (clipped to the gap), per home or gap.
    renovation_kw : Range
        Mean power while the builders work [kW], per home or gap: power
        tools, lights, a dehumidifier; intermittent from interval to interval.
    renovation_hours : Range
        Working hours ``(start, end)`` [h, local], on working days (Monday to
        Friday), for every renovation; not a distribution.
    second_home_weekend_homes : float
        Share of second (seasonal) homes that are weekend homes, used all year
        [-]; the rest are holiday homes, used on a few weekends, more in summer.
    second_home_weekend_use : Range
        Chance that a weekend home is used on a given weekend [-], per home.
    second_home_summer_days : Range
        Length of a second home's summer stay [d], per stay, whole days.
    """

    switched_off: float = 0.15
    fridge_kept_on: float = 0.6
    standby_w: Range = (3.0, 15.0)
    fridge_w: Range = (25.0, 45.0)
    fridge_cycle_min: Range = (20.0, 60.0)
    timer_lights: float = 0.10
    timer_light_w: Range = (8.0, 60.0)
    timer_off_h: Range = (22.0, 24.0)
    timer_jitter_min: float = 20.0
    visited: float = 0.5
    visit_rate_per_week: Range = (0.1, 1.0)
    visit_hours: Range = (0.5, 2.0)
    visit_kw: Range = (0.2, 1.5)
    viewings_per_week: Range = (0.5, 2.0)
    viewing_hours: Range = (0.25, 1.0)
    cleaning: float = 0.5
    cleaning_hours: Range = (2.0, 6.0)
    cleaning_kw: Range = (0.5, 2.0)
    renovation: float = 0.1
    renovation_weeks: Range = (1.0, 8.0)
    renovation_kw: Range = (0.5, 3.0)
    renovation_hours: Range = (7.0, 16.0)
    second_home_weekend_homes: float = 0.5
    second_home_weekend_use: Range = (0.5, 0.9)
    second_home_summer_days: Range = (14.0, 35.0)

    def __post_init__(self) -> None:
        raise_problems(
            "VacantBehaviour",
            [
                *_range_checks(self),
                _share("switched_off", self.switched_off),
                _share("fridge_kept_on", self.fridge_kept_on),
                _share("timer_lights", self.timer_lights),
                (
                    0.0 <= self.timer_jitter_min <= 120.0,
                    f"timer_jitter_min given {self.timer_jitter_min!r}; expected 0..120 [min]",
                ),
                _share("visited", self.visited),
                _share("cleaning", self.cleaning),
                _share("renovation", self.renovation),
                _share("second_home_weekend_homes", self.second_home_weekend_homes),
            ],
        )


@dataclass(frozen=True)
class LookEmpty:
    """Occupied homes that look empty; the scenario's ``households.occupancy`` keys.

    Each is occupied in the truth, however little it draws.

    Attributes
    ----------
    frugal_retired : float
        Share of retired households that are frugal single elderly people
        [-] (assumed).
    frugal_kwh : Range
        Their annual consumption [kWh/yr], log-uniform [6]_.
    low_electricity : float
        Share of the other occupied households (any archetype) that heat,
        cook and make hot water with gas and use very little electricity [-]
        (assumed).
    low_electricity_kwh : Range
        Their annual consumption [kWh/yr], log-uniform [6]_.
    frequent_travellers : float
        Share of occupied homes whose household is often away for a few
        nights (business trips, a partner elsewhere) [-] (assumed).
    trips_per_month : Range
        Their trips per month [1/month], per home (candidates: trips closer
        than two days to another absence are dropped).
    trip_nights : Range
        Nights away per trip, per trip, whole nights.
    student_weekend_away : Range
        Chance that a student is away (at the parents') on a given weekend
        [-], per student [7]_.
    student_weeks_away : Range
        Weeks a year a student is away in the semester breaks [wk/yr], per
        student, in blocks of one to four weeks [7]_.
    """

    frugal_retired: float = 0.3
    frugal_kwh: Range = (350.0, 1_100.0)
    low_electricity: float = 0.04
    low_electricity_kwh: Range = (500.0, 1_200.0)
    frequent_travellers: float = 0.05
    trips_per_month: Range = (2.0, 5.0)
    trip_nights: Range = (1.0, 4.0)
    student_weekend_away: Range = (0.3, 0.8)
    student_weeks_away: Range = (6.0, 14.0)

    def __post_init__(self) -> None:
        raise_problems(
            "LookEmpty",
            [
                *_range_checks(self),
                _share("frugal_retired", self.frugal_retired),
                _share("low_electricity", self.low_electricity),
                _share("frequent_travellers", self.frequent_travellers),
            ],
        )
