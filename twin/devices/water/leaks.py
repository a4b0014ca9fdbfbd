"""Leaks behind water meters: continuous flow from a start until it is repaired.

A leak (a running toilet cistern, a dripping tap, a burst garden hose or a
pipe) flows day and night at a constant rate, so it shows in the meter's
readings as flow at night, when a home otherwise draws (almost) nothing:
the minimum-night-flow test utilities use [1]_. Leaks start as a Poisson
process per meter, their flows are log-uniform (many small leaks, a few
large ones [1]_) and they last a uniform number of days until fixed.

References
----------
.. [1] W. B. DeOreo, P. Mayer et al. (2016), "Residential End Uses of Water,
   Version 2", Water Research Foundation: leaks are about 13 % of indoor use,
   most homes leak little and a few leak a lot (toilet flappers, taps, irrigation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY
from twin.members import Members

__all__ = ["Leaks"]

_SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY


@dataclass(frozen=True)
class Leaks:
    """Leaks of a fleet of water meters.

    Attributes
    ----------
    meter : numpy.ndarray
        Position of the leaking meter (int64): of the full fleet after
        :meth:`draw`, of the members after :meth:`restrict`.
    start_s, end_s : numpy.ndarray
        Run seconds the leak starts and stops (float64; may lie outside the run).
    flow_l_per_h : numpy.ndarray
        Constant flow while it runs [l/h].
    """

    meter: NDArray[np.int64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]
    flow_l_per_h: NDArray[np.float64]

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        n_meters: int,
        duration_s: int,
        *,
        rate_per_meter_year: float,
        flow_l_per_h: tuple[float, float],
        duration_days: tuple[float, float],
    ) -> Leaks:
        """Draw every leak of a run for ``n_meters`` meters (full fleet), in meter order.

        Leaks start uniformly over the run (Poisson count per meter with mean
        ``rate_per_meter_year`` times the run's years); the flow is log-uniform in
        ``flow_l_per_h`` [l/h], the length uniform in ``duration_days`` [d].
        """
        lam = rate_per_meter_year * duration_s / _SECONDS_PER_YEAR
        counts = rng.poisson(lam, n_meters)
        m = int(counts.sum())
        start = rng.uniform(0.0, float(duration_s), m)
        lo, hi = np.log(flow_l_per_h[0]), np.log(flow_l_per_h[1])
        flow = np.exp(rng.uniform(lo, hi, m))
        length = rng.uniform(*duration_days, m) * SECONDS_PER_DAY
        return cls(
            meter=np.repeat(np.arange(n_meters, dtype=np.int64), counts),
            start_s=start,
            end_s=start + length,
            flow_l_per_h=flow,
        )

    def restrict(self, members: Members) -> Leaks:
        """The leaks of the member meters, with member positions."""
        keep, local = members.localise(self.meter)
        return Leaks(local, self.start_s[keep], self.end_s[keep], self.flow_l_per_h[keep])

    @property
    def n(self) -> int:
        """Number of leaks."""
        return int(self.meter.size)

    def litres(self, start_s: float, end_s: float, n_meters: int) -> NDArray[np.float64]:
        """Leaked volume per meter between run seconds ``start_s`` and ``end_s`` [l].

        A leak that starts or stops inside the span counts pro rata.
        """
        out = np.zeros(n_meters)
        if self.n:
            overlap = np.clip(
                np.minimum(self.end_s, end_s) - np.maximum(self.start_s, start_s), 0, None
            )
            np.add.at(out, self.meter, self.flow_l_per_h * overlap / 3600.0)
        return out
