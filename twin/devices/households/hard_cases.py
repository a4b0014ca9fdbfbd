"""Truth labels of the hard cases: which look-empty household, which empty-home behaviour.

Helpers of :meth:`~twin.devices.households.fleet.HouseholdFleet.create`; the
labels end up in ``truth/premise`` (``look_empty``, ``vacant_behaviour``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.households.occupancy import ARCHETYPES
from twin.devices.households.occupancy_look_empty import LOOK_EMPTY_ARCHETYPES
from twin.devices.households.schedule import Episodes
from twin.devices.households.vacant import VacantHomes
from twin.devices.households.visits import VISIT_KINDS, RenovationWork, VisitSchedule

__all__ = ["behaviour_labels", "join_labels", "look_empty_labels"]


def join_labels(*parts: str) -> str:
    """The non-empty ``parts``, ``+``-joined."""
    return "+".join(p for p in parts if p)


def look_empty_labels(
    kinds: NDArray[np.object_], look: NDArray[np.object_], travellers: NDArray[np.bool_]
) -> NDArray[np.object_]:
    """``HouseholdFleet.look_empty`` of each premise given, at the run start."""
    archetype = np.where(np.isin(kinds, LOOK_EMPTY_ARCHETYPES), kinds, "")
    occupied = np.isin(kinds, ARCHETYPES)
    parts = zip(archetype, np.where(occupied, look, ""), travellers, strict=True)
    return np.asarray(
        [join_labels(str(a), str(m), "frequent_traveller" if t else "") for a, m, t in parts],
        dtype=object,
    )


def behaviour_labels(
    vacant_homes: VacantHomes,
    episodes: Episodes,
    visits: VisitSchedule,
    renovation: RenovationWork,
    axis: TimeAxis,
    n: int,
) -> NDArray[np.object_]:
    """``HouseholdFleet.vacant_behaviour`` of the ``n`` premises the arguments are indexed by."""
    inside = (
        (episodes.kind != "holiday") & (episodes.end_s > 0) & (episodes.start_s < axis.duration_s)
    )
    empty = np.zeros(n, dtype=bool)
    empty[episodes.premise[inside]] = True
    label = vacant_homes.labels()
    for code, name in enumerate(VISIT_KINDS):
        has = np.zeros(n, dtype=bool)
        has[visits.premise[visits.kind == code]] = True
        label = np.where(has, label + f"+{name}", label)
    has = np.zeros(n, dtype=bool)
    has[renovation.premise] = True
    label = np.where(has, label + "+renovation", label)
    return np.where(empty, label, "").astype(object)
