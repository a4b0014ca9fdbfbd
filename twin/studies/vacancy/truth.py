"""Which dwellings were truly vacant over a window (scoring side only).

Definition used for scoring
---------------------------
A local day is *lived in* when, for at least :data:`LIVED_IN_HOURS` of it,
the dwelling was outside every vacancy period of kind ``long_term_vacant``,
``between_tenants`` or ``seasonal`` (``truth/vacancy``). Holidays do not
count as vacancy: the household still lives there, as census practice counts
a dwelling whose residents are temporarily absent as occupied (the CSO
census keeps "temporarily absent" apart from "vacant").

A dwelling is *truly vacant* over the window when it was lived in on fewer
than :data:`VACANT_BELOW_SHARE` (10 %) of the window's days: fewer than 9 of
90. So

- a long-term empty flat is vacant, visits by an owner or agent notwithstanding;
- a flat between tenants is vacant when the gap covers more than about 90 % of
  the window; a move-out or move-in early or late in the window leaves it
  occupied;
- a weekend home used on three or more weekends a quarter (more than about
  one in ten days) is in use, "not vacant housing if used regularly"; a
  holiday home visited once or twice in winter is vacant.

An *occupied low consumer* is a dwelling lived in on at least
:data:`LOW_CONSUMER_MIN_LIVED` of the days (somebody's home, not a second
home or a flat between tenants) whose measured consumption over the window
is below :data:`LOW_CONSUMER_KWH_PER_DAY`, 1.5 times the CSO rate of 180 kWh a
quarter: the frugal single elderly and the like, whom a threshold rule
mistakes for empty homes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.studies.inputs import TruthData
from twin.studies.vacancy.data import Window, epoch_seconds

__all__ = [
    "HARD_CASE_COLUMNS",
    "LIVED_IN_HOURS",
    "LOW_CONSUMER_KWH_PER_DAY",
    "LOW_CONSUMER_MIN_LIVED",
    "VACANCY_KINDS",
    "VACANT_BELOW_SHARE",
    "TruthLabels",
    "truth_labels",
]

HARD_CASE_COLUMNS: Final = ("look_empty", "vacant_behaviour")
"""``truth/premise`` columns that label the hard cases (absent from older runs)."""

LIVED_IN_HOURS: Final = 6.0
"""Hours of a local day outside vacancy for the day to count as lived in [h]."""

VACANT_BELOW_SHARE: Final = 0.1
"""A dwelling lived in on fewer than this share of the days is vacant [-]."""

VACANCY_KINDS: Final = ("long_term_vacant", "between_tenants", "seasonal")
"""Kinds of ``truth/vacancy`` periods that count as vacancy (not ``holiday``)."""

LOW_CONSUMER_KWH_PER_DAY: Final = 3.0
"""Below this mean consumption an occupied home is a low consumer [kWh/d]."""

LOW_CONSUMER_MIN_LIVED: Final = 0.5
"""Least share of days lived in for a low consumer (a home, not a second home) [-]."""


@dataclass(frozen=True)
class TruthLabels:
    """Ground truth per meter over a window, aligned with a list of meters.

    Attributes
    ----------
    meter_id, premise_id : numpy.ndarray
        Identifiers, object ``(n,)``.
    occupancy_kind : numpy.ndarray
        ``truth/premise`` occupancy kind (latest household), object ``(n,)``.
    lived_share : numpy.ndarray
        Share of the window's days lived in [-].
    vacant : numpy.ndarray
        Truly vacant over the window, bool ``(n,)``.
    vacancy_kind : numpy.ndarray
        Kind of vacancy with the most time in the window, ``""`` if none.
    look_empty, vacant_behaviour : numpy.ndarray or None
        ``truth/premise``'s hard-case labels (``+``-joined, ``""`` for none),
        object ``(n,)``; None for a run that does not have them.
    """

    meter_id: NDArray[np.object_]
    premise_id: NDArray[np.object_]
    occupancy_kind: NDArray[np.object_]
    lived_share: NDArray[np.float64]
    vacant: NDArray[np.bool_]
    vacancy_kind: NDArray[np.object_]
    look_empty: NDArray[np.object_] | None = None
    vacant_behaviour: NDArray[np.object_] | None = None

    @property
    def vacancy_rate(self) -> float:
        """Share of truly vacant dwellings [-]."""
        return float(self.vacant.mean()) if self.vacant.size else float("nan")


def truth_labels(
    truth: TruthData, window: Window, timezone: str, meter_id: NDArray[np.object_]
) -> TruthLabels:
    """Label every meter of ``meter_id`` from ``truth/premise`` and ``truth/vacancy``.

    Parameters
    ----------
    truth : TruthData
        The run's ground truth.
    window : Window
        Whole local days to judge.
    timezone : str
        The service area's time zone (local days).
    meter_id : numpy.ndarray
        Meters to label, in the detectors' order.

    Returns
    -------
    TruthLabels

    Raises
    ------
    twin.errors.TwinError
        If a meter has no premise in ``truth/premise``.
    """
    hard_cases = [c for c in HARD_CASE_COLUMNS if c in truth.dataset("truth/premise").schema.names]
    premise = truth.table(
        "truth/premise", columns=["premise_id", "meter_id", "occupancy_kind", *hard_cases]
    )
    by_meter = premise.set_index(premise["meter_id"].astype(str))
    missing = pd.Index(meter_id.astype(str)).difference(by_meter.index)
    if len(missing):
        raise TwinError(
            f"{len(missing)} meters have no premise in truth/premise (first {list(missing[:3])})"
        )
    rows = by_meter.loc[meter_id.astype(str)]
    premise_id = rows["premise_id"].astype(str).to_numpy(dtype=object)
    local_start = window.start.tz_convert(timezone).tz_localize(None)
    edges = pd.date_range(local_start, periods=window.days + 1, freq="D").tz_localize(timezone)
    edge_s = epoch_seconds(pd.Series(edges))
    vacancy = truth.table("truth/vacancy", columns=["premise_id", "start", "end", "kind"])
    vacancy = vacancy[vacancy["kind"].astype(str).isin(VACANCY_KINDS)]
    row = pd.Index(premise_id).get_indexer(pd.Index(vacancy["premise_id"].astype(str)))
    keep = row >= 0
    start = epoch_seconds(vacancy["start"])[keep]
    end = epoch_seconds(vacancy["end"])[keep]
    kinds = vacancy["kind"].astype(str).to_numpy(dtype=object)[keep]
    row = row[keep]
    overlap = np.clip(
        np.minimum(end[:, None], edge_s[None, 1:]) - np.maximum(start[:, None], edge_s[None, :-1]),
        0,
        None,
    )
    empty_s = np.zeros((premise_id.size, window.days))
    np.add.at(empty_s, row, overlap)
    lived = (np.diff(edge_s)[None, :] - empty_s) >= LIVED_IN_HOURS * 3600
    lived_share = lived.mean(axis=1) if window.days else np.zeros(premise_id.size)
    per_kind = {k: np.zeros(premise_id.size) for k in VACANCY_KINDS}
    for k in VACANCY_KINDS:
        np.add.at(per_kind[k], row[kinds == k], overlap[kinds == k].sum(axis=1))
    stacked = np.stack([per_kind[k] for k in VACANCY_KINDS], axis=1)
    main = np.where(
        stacked.max(axis=1) > 0,
        np.asarray(VACANCY_KINDS, dtype=object)[stacked.argmax(axis=1)],
        "",
    ).astype(object)
    return TruthLabels(
        meter_id=meter_id,
        premise_id=premise_id,
        occupancy_kind=rows["occupancy_kind"].astype(str).to_numpy(dtype=object),
        lived_share=lived_share.astype(np.float64),
        vacant=lived_share < VACANT_BELOW_SHARE,
        vacancy_kind=main,
        **{c: rows[c].fillna("").astype(str).to_numpy(dtype=object) for c in hard_cases},
    )
