"""A comms-fault stress test: the readings a head-end loses, applied to a run's data.

Detectors must cope with what an AMI really delivers. When the run itself
simulated comms faults, its ``missing`` and ``estimated`` readings are
already ``NaN`` in the study's data. To score every run under the same,
known stress, the study also re-scores on a copy of the data with the losses
of this module:

- concentrator outages per transformer area (Poisson, :data:`OUTAGES_PER_YEAR`,
  lognormal lengths with median :data:`OUTAGE_MEDIAN_H`). Afterwards the
  head-end reads the meters' load profiles back (``backfilled``: measured
  values, nothing lost), except what the profile buffer of
  :data:`PROFILE_BUFFER_DAYS` could not hold: the oldest part of longer
  outages is lost;
- isolated lost intervals that the head-end fills by estimation
  (:data:`ESTIMATED_SHARE`, i.i.d.): ``estimated``, not a measurement;
- dead management cores: :data:`DEAD_METER_SHARE` of the meters send nothing
  for :data:`DEAD_DAYS_RANGE` days.

The numbers are assumptions of a plausible bad quarter for PLC/RF AMI, not
measured statistics.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.studies.vacancy.data import MeterSeries

__all__ = [
    "DEAD_DAYS_RANGE",
    "DEAD_METER_SHARE",
    "ESTIMATED_SHARE",
    "OUTAGES_PER_YEAR",
    "OUTAGE_MEDIAN_H",
    "PROFILE_BUFFER_DAYS",
    "comms_stress",
]

OUTAGES_PER_YEAR: Final = 12.0
"""Concentrator outages per transformer area and year [1/yr]."""

OUTAGE_MEDIAN_H: Final = 12.0
"""Median outage length [h] (lognormal, sigma 1.2, 1 h to 10 d)."""

PROFILE_BUFFER_DAYS: Final = 2.0
"""Load profile a meter keeps for read-back after an outage [d]."""

ESTIMATED_SHARE: Final = 0.01
"""Share of intervals lost one by one and estimated by the head-end [-]."""

DEAD_METER_SHARE: Final = 0.01
"""Share of meters whose management core is dead for a while [-]."""

DEAD_DAYS_RANGE: Final = (10.0, 40.0)
"""How long such a meter sends nothing [d]."""


def comms_stress(
    series: MeterSeries, area: NDArray[np.int64], rng: np.random.Generator
) -> tuple[MeterSeries, dict[str, float]]:
    """The readings of ``series`` that survive a bad quarter of comms faults.

    Parameters
    ----------
    series : MeterSeries
        Readings at the run's interval.
    area : numpy.ndarray
        Transformer area (concentrator) of each meter, ``(n,)``.
    rng : numpy.random.Generator
        Source of the faults.

    Returns
    -------
    MeterSeries
        Lost readings set to ``NaN``.
    dict
        ``backfilled_share``, ``lost_share`` (outages beyond the buffer and dead
        meters), ``estimated_share`` of all intervals [-].
    """
    n, k = series.energy_wh.shape
    dt = series.interval_s
    lost = np.zeros((n, k), dtype=bool)
    backfilled = np.zeros((n, k), dtype=bool)
    buffer = int(PROFILE_BUFFER_DAYS * 86_400 // dt)
    years = k * dt / (365.25 * 86_400)
    areas, member = np.unique(area, return_inverse=True)
    for j in range(areas.size):
        rows = np.flatnonzero(member == j)
        for _ in range(rng.poisson(OUTAGES_PER_YEAR * years)):
            hours = float(np.clip(rng.lognormal(np.log(OUTAGE_MEDIAN_H), 1.2), 1.0, 240.0))
            length = max(1, round(hours * 3600 / dt))
            start = int(rng.integers(0, max(k - 1, 1)))
            stop = min(k, start + length)
            keep_from = max(start, stop - buffer)
            lost[np.ix_(rows, np.arange(start, keep_from))] = True
            backfilled[np.ix_(rows, np.arange(keep_from, stop))] = True
    dead = np.flatnonzero(rng.random(n) < DEAD_METER_SHARE)
    for i in dead:
        length = int(rng.uniform(*DEAD_DAYS_RANGE) * 86_400 // dt)
        start = int(rng.integers(0, max(k - length, 1)))
        lost[i, start : start + length] = True
    estimated = (rng.random((n, k)) < ESTIMATED_SHARE) & ~lost
    gone = lost | estimated
    energy = np.where(gone, np.float32(np.nan), series.energy_wh).astype(np.float32)
    total = float(max(n * k, 1))
    stats = {
        "backfilled_share": float((backfilled & ~gone).sum()) / total,
        "lost_share": float(lost.sum()) / total,
        "estimated_share": float(estimated.sum()) / total,
    }
    return series.with_energy(energy), stats
