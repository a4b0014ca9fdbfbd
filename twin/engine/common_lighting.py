"""Common-area lighting of the apartment buildings: one landlord circuit per building.

:func:`~twin.engine.lighting_plan.plan_common_areas` (at site building) puts
one circuit on each apartment building's bus (:mod:`twin.engine.buildings`)
with a load row of its own. Here they become a
:class:`~twin.engine.lighting.LightingCircuits` of their own: the same
cabinet meter (``internal/lighting_circuit_interval``), asset register
(``internal/lighting_circuit``, ``purpose`` ``common_area`` and the
``building_id``), lamp failures and baseline as the streetlights, numbered
after them. They are lit from dusk to dawn by an astronomical clock;
``motion`` circuits sit at a standby level and go to full for the share of
each interval that the passages of the building's active occupants
(:attr:`HouseholdFleet.active <twin.devices.households.HouseholdFleet.active>`,
summed over its dwellings) keep the detectors on
(:func:`~twin.devices.lighting.motion_level`). Platform commands address
the streetlights only.

Draws: the generator "lighting-common-areas" for the whole fleet of
circuits, restricted to those of this run's or shard's LV areas (a building
and its dwellings belong to its transformer's shard), so a sharded run
gives the unsharded tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.comms.technology import Technology
from twin.devices.households import HouseholdFleet
from twin.devices.lighting import CommonAreaParams, LightingFleet, motion_level
from twin.engine.lighting import LightingCircuits, area_reachability, site_longitude_deg
from twin.engine.lighting_plan import LightingPlan
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["create_common_lighting"]


def create_common_lighting(
    scenario: Scenario,
    *,
    axis: TimeAxis,
    plan: LightingPlan | None,
    rng: RandomTree,
    writer: RunWriter,
    transformers: NDArray[np.int64] | None,
    technology: Technology,
    concentrators: Any,
    bus_id: NDArray[np.int64],
    households: HouseholdFleet,
    household_members: Members,
) -> LightingCircuits | None:
    """The common-area circuits of ``plan`` in this run's (or shard's) LV areas; None without.

    Parameters
    ----------
    transformers : numpy.ndarray, optional
        The LV transformers of a shard; None: every circuit.
    concentrators : Concentrators
        The run's concentrators (as for the streetlights).
    households : HouseholdFleet
        The households simulated here (their active occupancy drives ``motion`` circuits).
    household_members : Members
        Which households of the whole fleet those are.
    """
    section = scenario.lighting
    if section is None or section.common_areas is None or plan is None:
        return None
    params = section.common_areas.params()
    chosen = (
        np.ones(plan.n, dtype=bool)
        if transformers is None
        else np.isin(plan.transformer, transformers)
    )
    members = Members(np.flatnonzero(chosen).astype(np.int64), plan.n)
    fleet = LightingFleet.create(
        axis=axis,
        lamps=plan.lamps,
        kind=plan.kind,
        rated_w=plan.rated_w,
        params=params.streetlight_params(),
        latitude_deg=scenario.grid.latitude_deg,
        longitude_deg=site_longitude_deg(scenario, axis),
        rng=rng.generator("lighting-common-areas"),
        members=members,
    )
    level_of = None
    if params.control == "motion":
        level_of = _motion_levels(plan, members, households, household_members, params)
    return LightingCircuits(
        axis=axis,
        plan=plan,
        fleet=fleet,
        members=members,
        commands=(),
        reading_s=int(section.reading_interval or axis.interval_s),
        seed=scenario.seed,
        technology=technology,
        retries=scenario.comms.retries,
        area_up=area_reachability(concentrators, members.take(plan.transformer)),
        writer=writer,
        bus_id=bus_id,
        level_of=level_of,
    )


def _motion_levels(
    plan: LightingPlan,
    members: Members,
    households: HouseholdFleet,
    household_members: Members,
    params: CommonAreaParams,
) -> Callable[[], NDArray[np.float64]]:
    """A callable giving each local circuit's mean level over the interval just stepped."""
    if plan.household_circuit is None:
        raise ValueError("a common-area plan needs household_circuit")
    whole = household_members.take(plan.household_circuit)
    inside, local = members.localise(whole[whole >= 0])
    dwellers = np.flatnonzero(whole >= 0)[inside]
    n = members.n

    def level_of() -> NDArray[np.float64]:
        active = np.bincount(
            local, weights=households.active[dwellers].astype(np.float64), minlength=n
        )
        return motion_level(active, params.passages_per_hour, params.hold_s, params.standby_level)

    return level_of
