"""The hazards of a run: drawn once for the whole fleet of premises, kept for the members.

Onsets are Poisson per premise and kind (:class:`~twin.devices.safety.params.HazardRates`),
uniform over the run, plus an undersized cable present from the start at a
share of premises. The whole-fleet draws come from one generator; each
hazard then draws its own path from a generator keyed by its number in the
whole run, so a shard's hazards are the unsharded run's. The no-action path
of an insulation or arcing hazard does not depend on the load, so its
failure step if nobody acts is known here; an overload's is found during the
run (:class:`~twin.devices.safety.fleet.SafetyFleet`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.safety.leakage import arc_counts, gamma_degradation
from twin.devices.safety.params import (
    CABLE_AMPACITY_A,
    FIRE_LEAKAGE_MA,
    HAZARD_KINDS,
    RCD_RATED_MA,
    RCD_SHARE,
    SUSTAINED_ARCS_PER_MIN,
    HazardRates,
)
from twin.members import Members

__all__ = ["FAILURE_KINDS", "HazardSet", "draw_hazards"]

FAILURE_KINDS: Final = ("fire", "protective_trip")

AGEING_MEDIAN_MA_PER_DAY: Final = 15.0
"""Median growth of an ageing insulation's fault current [mA/d] (assumed; lognormal,
sigma :data:`SPREAD`)."""
DAMAGE_JUMP_MEDIAN_MA: Final = 60.0
"""Median fault current at a sudden insulation damage [mA] (assumed; lognormal sigma 1)."""
DAMAGE_GROWTH_MEDIAN_MA_PER_DAY: Final = 10.0
"""Median growth of the fault current after damage [mA/d] (assumed)."""
ARC_START_MEDIAN_PER_MIN: Final = 0.3
"""Median arcing rate at the onset of a series arc [1/min] (assumed)."""
ARC_DOUBLING_MEDIAN_S: Final = 12 * 3600.0
"""Median doubling time of a series arc's rate [s] (assumed: a loose connection
oxidises and worsens over days)."""
EXTRA_LOAD_OF_RATING: Final = (0.4, 2.0)
"""An overload's extra current as a share of the cable's rating, uniform [-] (assumed:
heaters, kilns or machines added without an upgrade)."""
SPREAD: Final = 0.8
"""Lognormal sigma of the per-hazard rates [-] (assumed)."""


@dataclass
class HazardSet:
    """The member hazards, in whole-run order (ids ``H`` + ``number``).

    Attributes
    ----------
    number : numpy.ndarray
        int64 1-based number in the whole run.
    premise : numpy.ndarray
        int64 local premise position.
    kind : numpy.ndarray
        int64 index into :data:`~twin.devices.safety.params.HAZARD_KINDS`.
    onset_s : numpy.ndarray
        float64 onset [s since the run start].
    k_on : numpy.ndarray
        int64 first interval whose end it shapes.
    path : numpy.ndarray
        float64 ``(h, n_intervals)``: fault current [mA] of an insulation hazard or
        arcs per minute of an arcing one at each interval end (0 before the onset).
    fail_k : numpy.ndarray
        int64 interval at whose end an insulation or arcing hazard fails if nobody
        acts (-1: not within the run; overloads are found during the run).
    fail_kind : numpy.ndarray
        int64 index into :data:`FAILURE_KINDS`.
    extra_a : numpy.ndarray
        float64 extra current of an overload [A].
    rating_factor : numpy.ndarray
        float64 share of its design rating an undersized cable carries [-] (1 if not).
    """

    number: NDArray[np.int64]
    premise: NDArray[np.int64]
    kind: NDArray[np.int64]
    onset_s: NDArray[np.float64]
    k_on: NDArray[np.int64]
    path: NDArray[np.float64]
    fail_k: NDArray[np.int64]
    fail_kind: NDArray[np.int64]
    extra_a: NDArray[np.float64]
    rating_factor: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of member hazards."""
        return int(self.number.size)


def _own_generator(seed: int, number: int) -> np.random.Generator:
    key = zlib.crc32(b"safety-hazard")
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key, number)))
    )


def draw_hazards(
    *,
    rng: np.random.Generator,
    seed: int,
    premise_kind: NDArray[np.object_],
    rated_a: NDArray[np.float64],
    cable_index: NDArray[np.int64],
    rates: HazardRates,
    members: Members,
    n_intervals: int,
    dt_s: float,
    moisture: NDArray[np.float64],
) -> HazardSet:
    """Draw every hazard of the whole fleet of premises and keep the members'.

    Parameters
    ----------
    rng : numpy.random.Generator
        The fleet's generator (whole-fleet draws, in a fixed order).
    seed : int
        The run's seed (each hazard's own generator).
    premise_kind : numpy.ndarray
        Kind of every premise of the whole fleet.
    rated_a : numpy.ndarray
        Current-carrying capacity of every premise's supply cable [A].
    cable_index : numpy.ndarray
        Size index of every premise's cable (for an undersized one, a size or two less).
    rates : HazardRates
        Onset rates and the undersized share.
    members : Members
        The premises simulated here (of the whole fleet of premises).
    n_intervals : int
        Intervals of the run.
    dt_s : float
        Interval length [s].
    moisture : numpy.ndarray
        Moisture factor of every interval [-].
    """
    n = members.n_total
    duration = n_intervals * dt_s
    years = duration / (365.25 * 86_400.0)
    per_kind = np.array(
        [rates.insulation_ageing, rates.insulation_damage, rates.overload, rates.arcing]
    )
    undersized = rng.random(n) < rates.undersized_share
    down = 1 + (rng.random(n) < 0.5).astype(np.int64)
    counts = rng.poisson(per_kind[None, :] * years, size=(n, per_kind.size))
    premise = np.repeat(np.repeat(np.arange(n), per_kind.size), counts.ravel())
    kind = np.repeat(np.tile(np.arange(per_kind.size), n), counts.ravel())
    onset = rng.uniform(0.0, duration, size=premise.size)
    # undersized cables: overloads present from the start
    small = np.flatnonzero(undersized)
    smaller = np.maximum(cable_index[small] - down[small], 0)
    factor = (
        np.asarray(CABLE_AMPACITY_A)[smaller] / np.asarray(CABLE_AMPACITY_A)[cable_index[small]]
    )
    premise = np.concatenate([small, premise]).astype(np.int64)
    kind = np.concatenate([np.full(small.size, HAZARD_KINDS.index("overload")), kind])
    onset = np.concatenate([np.zeros(small.size), onset])
    rating = np.concatenate([factor, np.ones(onset.size - small.size)])
    undersized_first = np.concatenate([np.zeros(small.size), np.ones(onset.size - small.size)])
    order = np.lexsort((kind, premise, undersized_first, onset))
    premise, kind, onset, rating = premise[order], kind[order], onset[order], rating[order]
    keep, local = members.localise(premise)
    numbers = np.flatnonzero(keep).astype(np.int64) + 1
    return _paths(
        seed=seed,
        numbers=numbers,
        premise_full=premise[keep],
        premise_local=np.asarray(local, dtype=np.int64),
        kind=kind[keep].astype(np.int64),
        onset=onset[keep],
        rating=rating[keep],
        premise_kind=premise_kind,
        rated_a=rated_a,
        n_intervals=n_intervals,
        dt_s=dt_s,
        moisture=moisture,
    )


def _paths(
    *,
    seed: int,
    numbers: NDArray[np.int64],
    premise_full: NDArray[np.int64],
    premise_local: NDArray[np.int64],
    kind: NDArray[np.int64],
    onset: NDArray[np.float64],
    rating: NDArray[np.float64],
    premise_kind: NDArray[np.object_],
    rated_a: NDArray[np.float64],
    n_intervals: int,
    dt_s: float,
    moisture: NDArray[np.float64],
) -> HazardSet:
    """Each member hazard's own draws: its path and its failure step if nobody acts."""
    h = numbers.size
    k_on = np.minimum((onset // dt_s).astype(np.int64), n_intervals - 1)
    path = np.zeros((h, n_intervals))
    fail_k = np.full(h, -1, dtype=np.int64)
    fail_kind = np.zeros(h, dtype=np.int64)
    extra = np.zeros(h)
    for j in range(h):  # once per hazard at creation, not per interval
        g = _own_generator(seed, int(numbers[j]))
        name, k0 = HAZARD_KINDS[int(kind[j])], int(k_on[j])
        steps = n_intervals - k0
        if name in ("insulation_ageing", "insulation_damage"):
            growth, start = AGEING_MEDIAN_MA_PER_DAY, 0.0
            if name == "insulation_damage":
                start = DAMAGE_JUMP_MEDIAN_MA * float(np.exp(g.normal()))
                growth = DAMAGE_GROWTH_MEDIAN_MA_PER_DAY
            rate = growth * float(np.exp(SPREAD * g.normal()))
            rcd = g.random() < RCD_SHARE[str(premise_kind[premise_full[j]])]
            trip = RCD_RATED_MA * g.uniform(0.5, 1.0)
            values = gamma_degradation(g, rate, moisture[k0:], dt_s, start)
            path[j, k0:] = values
            fires = values >= FIRE_LEAKAGE_MA
            trips = values >= trip if rcd else np.zeros(steps, dtype=bool)
            first = np.flatnonzero(fires | trips)
            if first.size:
                fail_k[j] = k0 + int(first[0])
                fail_kind[j] = FAILURE_KINDS.index("protective_trip" if trips[first[0]] else "fire")
        elif name == "arcing":
            r0 = ARC_START_MEDIAN_PER_MIN * float(np.exp(0.5 * g.normal()))
            doubling = ARC_DOUBLING_MEDIAN_S * float(np.exp(0.7 * g.normal()))
            values = arc_counts(g, r0, doubling, steps, dt_s)
            path[j, k0:] = values
            first = np.flatnonzero(values >= SUSTAINED_ARCS_PER_MIN)
            if first.size:
                fail_k[j] = k0 + int(first[0])
        elif rating[j] >= 1.0:  # an extra load
            extra[j] = g.uniform(*EXTRA_LOAD_OF_RATING) * float(rated_a[premise_full[j]])
    return HazardSet(
        number=numbers,
        premise=premise_local,
        kind=kind,
        onset_s=onset,
        k_on=k_on,
        path=path,
        fail_k=fail_k,
        fail_kind=fail_kind,
        extra_a=extra,
        rating_factor=rating,
    )
