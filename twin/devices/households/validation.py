"""The twin's occupied homes side by side with CREST homes (validation only).

For a sample of twin homes (occupied all the time: no vacancy, holidays or
moves; no shift workers, whom the UK time-use data of CREST do not single
out) a CREST home is simulated on the same dates, with the occupant count
mapped from the twin home's archetype (:data:`OCCUPANTS`) and the same annual
energy target. Both groups are scored with
:func:`~twin.devices.households.behaviour_stats.behaviour_statistics`.

richardsonpy's appliance calibration does not meet its annual target on
short runs (its simulated homes use 25-75 % more, the more the more occupants;
see README), so the CREST homes of each occupant count are scaled by one
factor that gives them the paired twin homes' energy over all simulated
stretches together (:func:`match_group_energy`). Energy *levels* are thereby
not compared; the split between seasons, the spread between days and homes,
and everything else are.

Used by ``benchmarks/bench_households_vs_crest.py`` and the tests; needs the
``reference`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.households.behaviour import LookEmpty
from twin.devices.households.behaviour_stats import (
    BehaviourStats,
    behaviour_statistics,
    peak_to_mean,
)
from twin.devices.households.crest import simulate_crest_homes
from twin.devices.households.fleet import HouseholdFleet
from twin.devices.households.params import HouseholdParams

__all__ = [
    "OCCUPANTS",
    "TYPICAL_HOMES",
    "VALIDATION_SHARES",
    "Comparison",
    "SampleHomes",
    "compare_with_crest",
    "h25_peak_to_mean",
    "match_group_energy",
    "simulate_occupied_homes",
]

OCCUPANTS: Final[Mapping[str, int]] = MappingProxyType(
    {"single": 1, "working_couple": 2, "retired": 2, "family": 4}
)
"""Occupants of the CREST home standing in for each twin archetype. A family is
two adults and two children (German families with children under 18 average
3.9 members, Destatis Mikrozensus 2023); retired homes are couples (the frugal
single elderly (``households.occupancy.frugal_retired``)
keep 2 occupants: CREST then has them use little per occupant)."""

VALIDATION_SHARES: Final[Mapping[str, float]] = MappingProxyType(
    {"working_couple": 0.30, "family": 0.25, "retired": 0.22, "single": 0.18}
)
"""Archetype shares of the sample: the defaults less shift workers."""

_TIMEZONE: Final = "Europe/Berlin"
_LATITUDE_DEG: Final = 51.0


@dataclass(frozen=True)
class SampleHomes:
    """Twin homes over a stretch of whole days.

    Attributes
    ----------
    axis : TimeAxis
        Their interval grid.
    p_kw : numpy.ndarray
        Interval mean power [kW], ``(intervals, homes)``.
    active : numpy.ndarray
        Somebody at home and active (bool), same shape.
    kinds : numpy.ndarray
        Archetype of each home.
    annual_kwh : numpy.ndarray
        Annual energy target of each home [kWh/yr].
    """

    axis: TimeAxis
    p_kw: NDArray[np.float64]
    active: NDArray[np.bool_]
    kinds: NDArray[np.object_]
    annual_kwh: NDArray[np.float64]


@dataclass(frozen=True)
class Comparison:
    """Twin and CREST statistics of one stretch of days.

    Attributes
    ----------
    start : str
        First local date.
    twin, crest : BehaviourStats
        The statistics of either group.
    h25_peak_to_mean : float
        The evening peak-to-mean ratio of the BDEW H25 profile on the same
        dates (:func:`h25_peak_to_mean`) [-].
    """

    start: str
    twin: BehaviourStats
    crest: BehaviourStats
    h25_peak_to_mean: float


TYPICAL_HOMES: Final = LookEmpty(frugal_retired=0.0, low_electricity=0.0, frequent_travellers=0.0)
"""No look-empty traits: CREST's homes are typical occupied homes, so the
comparison leaves out the hard cases of the vacancy study (frugal elderly,
gas-heated low users, frequent travellers; students and long-hours workers
are archetypes outside :data:`VALIDATION_SHARES`)."""


def simulate_occupied_homes(
    homes: int, start: str, days: int, *, seed: int, interval_s: int = 900
) -> SampleHomes:
    """Twin homes of :data:`VALIDATION_SHARES` and :data:`TYPICAL_HOMES`, always occupied,
    from local midnight ``start``."""
    axis = TimeAxis(
        pd.Timestamp(start, tz=_TIMEZONE), interval_s, days * 86_400 // interval_s, _TIMEZONE
    )
    fleet = HouseholdFleet.create(
        homes,
        rng=np.random.default_rng(seed),
        axis=axis,
        latitude_deg=_LATITUDE_DEG,
        params=HouseholdParams(
            long_term_vacant=0.0,
            seasonal=0.0,
            move_rate_per_year=0.0,
            holiday_weeks_per_year=0.0,
            archetype_shares=dict(VALIDATION_SHARES),
            look_empty=TYPICAL_HOMES,
        ),
    )
    p = np.empty((axis.n_intervals, homes))
    active = np.empty((axis.n_intervals, homes), dtype=bool)
    for k in range(axis.n_intervals):
        p[k], _ = fleet.step(axis.at(k))
        active[k] = fleet.active
    return SampleHomes(axis, p, active, fleet.occupancy_kind.copy(), fleet.annual_kwh.copy())


def match_group_energy(
    p_kw: Sequence[NDArray[np.float64]],
    reference_kw: Sequence[NDArray[np.float64]],
    group: NDArray[np.int64],
) -> list[NDArray[np.float64]]:
    """Scale each group of homes to the reference's energy over all stretches together.

    Parameters
    ----------
    p_kw, reference_kw : sequence of numpy.ndarray
        Stretches of interval power [kW], each ``(intervals, homes)``; the
        same homes (columns) in every stretch, paired stretch by stretch.
    group : numpy.ndarray
        Group of each home (column), int.

    Returns
    -------
    list of numpy.ndarray
        ``p_kw`` with every group's columns times one factor: the group's
        reference energy over its energy, summed over the stretches.
    """
    own = sum(np.bincount(group, weights=p.sum(axis=0)) for p in p_kw)
    ref = sum(np.bincount(group, weights=r.sum(axis=0)) for r in reference_kw)
    factor = np.divide(ref, own, out=np.ones_like(ref), where=own > 0)
    return [p * factor[group][None, :] for p in p_kw]


def h25_peak_to_mean(axis: TimeAxis) -> float:
    """Evening peak over mean of the BDEW H25 profile's mean day on the dates of ``axis``.

    H25 of demandlib 0.2 (with its dynamisation), on the local wall-clock
    stamps of ``axis``, scored like a group of homes
    (:func:`~twin.devices.households.behaviour_stats.peak_to_mean`).
    """
    from demandlib import bdew  # imported here: only the validation needs it

    local = pd.date_range(
        axis.start.tz_localize(None), periods=axis.n_intervals, freq=f"{axis.interval_s}s"
    )
    h25 = np.asarray(bdew.H25(local), dtype=np.float64)
    return float(peak_to_mean(h25[:, None], axis.interval_s, axis.local_hour)[0])


def compare_with_crest(
    homes: int, starts: Sequence[str], days: int, *, seed: int
) -> list[Comparison]:
    """Twin and CREST statistics of ``homes`` paired homes over ``days`` from each start.

    The twin fleet and CREST homes are drawn with ``seed``; the same twin
    homes (same seed) in every stretch.
    """
    twin = [simulate_occupied_homes(homes, s, days, seed=seed) for s in starts]
    occupants = np.asarray([OCCUPANTS[str(k)] for k in twin[0].kinds], dtype=np.int64)
    crest = [
        simulate_crest_homes(
            occupants.tolist(),
            t.annual_kwh.tolist(),
            start=t.axis.start,
            days=days,
            interval_s=t.axis.interval_s,
            seed=seed,
        )
        for t in twin
    ]
    scaled = match_group_energy([c.p_kw for c in crest], [t.p_kw for t in twin], occupants)
    out = []
    for s, t, c, p in zip(starts, twin, crest, scaled, strict=True):
        hour, dt = t.axis.local_hour, t.axis.interval_s
        out.append(
            Comparison(
                s,
                behaviour_statistics(t.p_kw, t.active, interval_s=dt, local_hour=hour),
                behaviour_statistics(p, c.active, interval_s=dt, local_hour=hour),
                h25_peak_to_mean(t.axis),
            )
        )
    return out
