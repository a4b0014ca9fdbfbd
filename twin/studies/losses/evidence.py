"""The study's suspect score: each meter's strongest deviation from its peers.

Six kinds of evidence, each a robust z-score of a meter against the meters of
its peer group (the same customer class among the candidates) [1]_:

- ``loss``: the loss regression's ``beta`` (stolen Wh per recorded Wh,
  :mod:`twin.studies.losses.suspects`), which finds the meters whose own
  recorded use the area's loss follows (a share of the use taken, ``h1``, a
  bypass);
- ``drop``: how much the meter's mean daily use on its area's abnormal days
  fell below its use on the area's normal days, relative to the same ratio of
  its peers over the same days (a ratio of ratios, the difference-in-differences
  of the logarithms [2]_): a theft that began during the data shows there;
- ``zero``, ``flat``, ``jitter``, ``mirror``: the shape features of
  :mod:`twin.studies.losses.shapes` (zero readings amid use, a load factor
  near 1, readings without quarter-hour memory, a day that mirrors the
  previous one), which find thefts that keep a plausible total.

Where the meter's area has enough abnormal and enough normal complete days
(the theft began during the data), the shape features are also compared as
changes, abnormal days minus normal days, against the peers' changes over the
same days: a meter whose profile is odd but has not changed (a vacant home on
standby, a flat telecom load) is no suspect. Where it has not (every day is
abnormal: the theft, if any, was there from the start), they are compared as
levels over the area's complete days, and ``drop`` has no reference.

A meter-day counts for the shapes only where the meter is in use: its import
that day at least :data:`MIN_USE_SHARE` of its peer group's median (a home on
standby or with its breaker off reads zero or a flat trickle and is the
vacancy study's case, not a shape to read).

The score is the largest of the available z-scores (the evidence that stands
out most, Tippett's combination of independent tests [3]_); ``evidence``
names it.

References
----------
.. [1] P. J. Rousseeuw, C. Croux, "Alternatives to the median absolute
   deviation", J. Am. Stat. Assoc. 88(424), 1273-1283, 1993 (median and MAD
   x 1.4826 as robust location and scale).
.. [2] D. Card, A. B. Krueger, "Minimum wages and employment: a case study of
   the fast-food industry in New Jersey and Pennsylvania", Am. Econ. Rev.
   84(4), 772-793, 1994 (difference in differences).
.. [3] L. H. C. Tippett, The Methods of Statistics, Williams & Norgate, 1931
   (combining tests by their most significant one).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.studies.losses.shapes import DayStats, shape_values

__all__ = [
    "EVIDENCE",
    "MIN_EVIDENCE_DAYS",
    "MIN_PEERS",
    "MIN_USE_SHARE",
    "SCALE_FLOORS",
    "AreaDays",
    "Evidence",
    "combine",
    "peer_groups",
    "robust_z",
    "suspect_evidence",
]

EVIDENCE: Final = ("loss", "drop", "zero", "flat", "jitter", "mirror")
"""The kinds of evidence, in the order of the ``*_z`` columns of suspects.parquet."""

_SHAPE_OF: Final = {
    "zero": "zero_share",
    "flat": "load_factor",
    "jitter": "jitter",
    "mirror": "mirror",
}

MIN_PEERS: Final = 20
"""A customer class with fewer candidate meters is pooled with its customer kind
(and a kind with fewer with every candidate): a median and MAD of a handful of
meters say little. A judgement."""

MIN_EVIDENCE_DAYS: Final = 7
"""Days needed on each side (abnormal, normal) for a comparison: one week, so
that the weekly cycle of use is covered. A judgement."""

MIN_USE_SHARE: Final = 0.1
"""A meter-day is in use when its import is at least this share of its peer
group's median import that day [-]. A home on standby draws a few watts, a
tenth of a typical home's mean or less. A judgement."""

SCALE_FLOORS: Final = {
    "loss": 0.10,
    "drop": 0.05,
    "zero": 0.02,
    "flat": 0.03,
    "jitter": 0.05,
    "mirror": 0.03,
}
"""Smallest spread (1.4826 x MAD) each z-score divides by, in the feature's
unit: a ``beta`` of 0.1 (a tenth of the recorded use unaccounted for), a 5 %
fall of use, zero readings on 2 % of the intervals (half an hour a day), 0.03
of load factor, 0.05 of autocorrelation, 0.03 of correlation. Where most
peers read the same (no honest meter has zero readings, most ``beta`` are 0)
the MAD is 0 and a meter a hair away would otherwise stand out without end.
Judgements, set from what an honest meter's readings vary by; not fitted."""


@dataclass(frozen=True)
class AreaDays:
    """The local days of every area, as the first pass judged them.

    Attributes
    ----------
    abnormal : numpy.ndarray, shape (areas, days)
        bool: the area-day is complete and abnormal.
    complete : numpy.ndarray, shape (areas, days)
        bool: the area-day is complete.
    """

    abnormal: NDArray[np.bool_]
    complete: NDArray[np.bool_]


@dataclass(frozen=True)
class Evidence:
    """Every candidate's evidence.

    Attributes
    ----------
    z : dict of str to numpy.ndarray
        Robust z-score of each kind in :data:`EVIDENCE` [-], NaN where the
        meter has too few days or too few peers.
    score : numpy.ndarray
        The largest z-score [-], NaN without any.
    strongest : numpy.ndarray
        object: the kind of evidence of ``score`` ("" without any).
    reference : numpy.ndarray
        object: ``"own normal days"`` where the shapes are compared as changes,
        ``"peers only"`` where as levels.
    peer_group : numpy.ndarray
        object: the group each meter was compared with.
    """

    z: dict[str, NDArray[np.float64]]
    score: NDArray[np.float64]
    strongest: NDArray[np.object_]
    reference: NDArray[np.object_]
    peer_group: NDArray[np.object_]


def peer_groups(
    customer_kind: NDArray[np.object_],
    customer_class: NDArray[np.object_],
    min_peers: int = MIN_PEERS,
) -> NDArray[np.object_]:
    """Each candidate's peer group: its class, else its kind, else every candidate.

    Parameters
    ----------
    customer_kind, customer_class : numpy.ndarray
        Of every candidate meter.
    min_peers : int
        Smallest group kept.
    """
    kind = np.asarray(customer_kind, dtype=object).astype(str)
    cls = np.asarray(customer_class, dtype=object).astype(str)
    values, counts = np.unique(cls, return_counts=True)
    by_class = dict(zip(values.tolist(), counts.tolist(), strict=True))
    group = np.array(
        [c if by_class[c] >= min_peers else k for c, k in zip(cls, kind, strict=True)],
        dtype=object,
    )
    values, counts = np.unique(group.astype(str), return_counts=True)
    small = values[counts < min_peers]
    group[np.isin(group.astype(str), small)] = "all"
    return group


def robust_z(
    values: NDArray[np.float64],
    groups: NDArray[np.object_],
    reference: NDArray[np.bool_],
    floor: float,
) -> NDArray[np.float64]:
    """``(value - median) / max(1.4826 MAD, floor)`` within each group.

    Parameters
    ----------
    values : numpy.ndarray
        One value per meter.
    groups : numpy.ndarray
        Each meter's peer group.
    reference : numpy.ndarray
        bool: the meters the median and MAD are taken over (finite values only).
    floor : float
        Smallest scale [the values' unit].

    Returns
    -------
    numpy.ndarray
        NaN where the value is NaN or the group has fewer than three reference values.
    """
    z = np.full(values.shape, np.nan)
    keys = groups.astype(str)
    for group in np.unique(keys):
        mine = keys == group
        ref = values[mine & reference & np.isfinite(values)]
        if ref.size < 3:
            continue
        centre = float(np.median(ref))
        scale = max(1.4826 * float(np.median(np.abs(ref - centre))), floor)
        z[mine] = (values[mine] - centre) / scale
    return z


def in_use(
    stats: DayStats, groups: NDArray[np.object_], share: float = MIN_USE_SHARE
) -> NDArray[np.bool_]:
    """bool (meters, days): full and at least ``share`` of the group's median import that day."""
    energy = np.where(stats.full, stats.energy_wh, np.nan)
    use = np.zeros(stats.full.shape, dtype=bool)
    keys = groups.astype(str)
    for group in np.unique(keys):
        mine = keys == group
        with warnings.catch_warnings():  # a day no meter of the group read in full
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(np.where(stats.full[mine], energy[mine], np.nan), axis=0)
        use[mine] = stats.full[mine] & (energy[mine] >= share * np.nan_to_num(median))
    return use


def _area_z(
    stats: DayStats,
    use: NDArray[np.bool_],
    groups: NDArray[np.object_],
    abnormal: NDArray[np.bool_],
    normal: NDArray[np.bool_],
    min_days: int,
) -> tuple[dict[str, NDArray[np.float64]], bool]:
    """The drop and shape z-scores of every candidate over one area's days.

    Returns the z-scores (for every candidate, to be kept for the area's own
    meters) and whether the shapes were compared as changes.
    """
    changed = abnormal.sum() >= min_days and normal.sum() >= min_days
    chosen = abnormal if abnormal.sum() >= min_days else abnormal | normal
    on = shape_values(stats, use & chosen)
    enough_on = on["days"] >= min_days
    z: dict[str, NDArray[np.float64]] = {}
    if changed:
        off = shape_values(stats, use & normal)
        both = enough_on & (off["days"] >= min_days)
        for name, feature in _SHAPE_OF.items():
            z[name] = robust_z(on[feature] - off[feature], groups, both, SCALE_FLOORS[name])
            z[name][~both] = np.nan
        # energy: every full day, in use or not (a bypass may leave little to read)
        e_on, e_off = shape_values(stats, abnormal), shape_values(stats, normal)
        read = (e_on["days"] >= min_days) & (e_off["days"] >= min_days)
        with np.errstate(divide="ignore", invalid="ignore"):
            fall = np.log(e_off["energy_wh"]) - np.log(e_on["energy_wh"])
        read &= np.isfinite(fall)
        z["drop"] = robust_z(fall, groups, read, SCALE_FLOORS["drop"])
        z["drop"][~read] = np.nan
    else:
        for name, feature in _SHAPE_OF.items():
            z[name] = robust_z(on[feature], groups, enough_on, SCALE_FLOORS[name])
            z[name][~enough_on] = np.nan
        z["drop"] = np.full(len(groups), np.nan)
    return z, bool(changed)


def combine(z: dict[str, NDArray[np.float64]]) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    """The largest z-score of each meter and the kind of evidence it is.

    Parameters
    ----------
    z : dict of str to numpy.ndarray
        z-scores by kind of evidence (NaN where unknown).

    Returns
    -------
    score : numpy.ndarray
        NaN where every kind is NaN.
    strongest : numpy.ndarray
        object: the kind of the largest ("" where none).
    """
    names = list(z)
    stack = np.vstack([z[n] for n in names])
    known = np.isfinite(stack).any(axis=0)
    filled = np.where(np.isfinite(stack), stack, -np.inf)
    best = filled.argmax(axis=0)
    score = np.where(known, filled.max(axis=0, initial=-np.inf), np.nan)
    strongest = np.where(known, np.asarray(names, dtype=object)[best], "").astype(object)
    return score, strongest


def suspect_evidence(
    stats: DayStats,
    area: NDArray[np.int64],
    groups: NDArray[np.object_],
    days: AreaDays,
    beta: NDArray[np.float64],
    min_days: int = MIN_EVIDENCE_DAYS,
) -> Evidence:
    """Every kind of evidence for every candidate, and their combination.

    Parameters
    ----------
    stats : DayStats
        The candidates' daily sums (meters, days).
    area : numpy.ndarray
        Area index of each candidate (a row of ``days``).
    groups : numpy.ndarray
        Peer group of each candidate (:func:`peer_groups`).
    days : AreaDays
        The areas' complete and abnormal days.
    beta : numpy.ndarray
        The loss regression's ``beta`` of each candidate (NaN without a fit).
    min_days : int
        Days needed on each side of a comparison.
    """
    n = len(area)
    z = {name: np.full(n, np.nan) for name in EVIDENCE}
    z["loss"] = robust_z(beta, groups, np.isfinite(beta), SCALE_FLOORS["loss"])
    use = in_use(stats, groups)
    reference = np.full(n, "", dtype=object)
    for a in np.unique(area):
        mine = area == a
        abnormal = days.abnormal[a] & days.complete[a]
        normal = days.complete[a] & ~days.abnormal[a]
        found, changed = _area_z(stats, use, groups, abnormal, normal, min_days)
        for name, values in found.items():
            z[name][mine] = values[mine]
        reference[mine] = "own normal days" if changed else "peers only"
    score, strongest = combine(z)
    return Evidence(z, score, strongest, reference, groups)
