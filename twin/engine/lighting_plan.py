"""Where a run's lighting circuits hang: placed on LV buses, one load row each.

Called when the site is built (before any solver exists): the circuits of
the scenario's ``lighting`` section, by default one per LV feeder at its
first bus (the cabinet) with ``lamps_per_km`` times the feeder's length in
lamps, or the explicit list; each gets a ``net.load`` row of its own,
appended after the others, so that the power flow sees it. With
``lighting.common_areas``, each apartment building
(:func:`~twin.engine.buildings.apartment_buildings`) gets one common-area
circuit on its bus, numbered after the streetlight circuits, with a load
row of its own appended after theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from twin.devices.lighting import LAMP_KINDS
from twin.engine.buildings import apartment_buildings
from twin.engine.meter_points import MeterPoints
from twin.errors import Problem, ScenarioError
from twin.grid import GridModel, bus_index_of
from twin.grid.customers import add_loads
from twin.grid.feeders import lv_feeders
from twin.scenario import Scenario

__all__ = ["LightingPlan", "plan_common_areas", "plan_lighting"]


@dataclass(frozen=True)
class LightingPlan:
    """The circuits of the whole run, one entry each.

    Attributes
    ----------
    bus, rows, transformer, feeder : numpy.ndarray
        int64 bus position, ``net.load`` row, LV transformer and feeder (-1: none).
    lamps : numpy.ndarray
        int64 lamp count.
    kind : numpy.ndarray
        int8 index into ``LAMP_KINDS``.
    rated_w : numpy.ndarray
        Lamp rating [W].
    purpose : {"street", "common_area"}
        Streetlights, or the common areas of apartment buildings (one circuit each).
    first_number : int
        The circuits are numbered ``first_number + 1`` ... in the run (``C`` and ``L`` ids):
        common-area circuits after the streetlight ones.
    household_circuit : numpy.ndarray or None
        int64 per household premise of the whole fleet: the common-area circuit of its
        building, or -1; None for streetlights.
    """

    bus: NDArray[np.int64]
    rows: NDArray[np.int64]
    transformer: NDArray[np.int64]
    feeder: NDArray[np.int64]
    lamps: NDArray[np.int64]
    kind: NDArray[np.int8]
    rated_w: NDArray[np.float64]
    purpose: Literal["street", "common_area"] = "street"
    first_number: int = 0
    household_circuit: NDArray[np.int64] | None = None

    @property
    def n(self) -> int:
        """Number of circuits."""
        return int(self.bus.size)


def plan_lighting(scenario: Scenario, grid: GridModel) -> LightingPlan | None:
    """Place the circuits and add their load rows to ``grid`` (None without ``lighting``).

    Raises
    ------
    twin.errors.ScenarioError
        Naming ``lighting.circuits.N.bus`` for a bus the network does not have,
        and ``lighting.commands.N.circuit`` for a circuit it does not have.
    """
    section = scenario.lighting
    if section is None:
        return None
    source = "" if scenario.source is None else str(scenario.source)
    lights = section.streetlights.params()
    if section.circuits is None:
        feeders = lv_feeders(grid)
        lamps = np.rint(feeders.length_km * lights.lamps_per_km).astype(np.int64)
        keep = lamps > 0
        bus = feeders.first_bus[keep]
        lamps = lamps[keep]
        kinds = [lights.lamp] * int(bus.size)
    else:
        index = bus_index_of(grid, [c.bus for c in section.circuits])
        problems = [
            Problem(
                f"lighting.circuits.{j}.bus",
                f"given {c.bus}; the network has no in-service bus with that id "
                "(see internal/network_bus)",
            )
            for j, (c, i) in enumerate(zip(section.circuits, index, strict=True))
            if i is None
        ]
        if problems:
            raise ScenarioError(problems, source)
        bus = np.asarray(index, dtype=np.int64)
        lamps = np.asarray([c.lamps for c in section.circuits], dtype=np.int64)
        kinds = [c.lamp or lights.lamp for c in section.circuits]
    bad = [
        Problem(
            f"lighting.commands.{j}.circuit",
            f"given {c.circuit}; the run has circuits 1 .. {bus.size}; expected one of them "
            "or 'all'",
        )
        for j, c in enumerate(section.commands)
        if isinstance(c.circuit, int) and c.circuit > bus.size
    ]
    if bad:
        raise ScenarioError(bad, source)
    kind = np.asarray([LAMP_KINDS.index(k) for k in kinds], dtype=np.int8)
    return LightingPlan(
        bus=bus,
        rows=add_loads(grid, bus.tolist(), "lighting"),
        transformer=np.asarray(grid.bus_transformer, dtype=np.int64)[bus],
        feeder=np.asarray(grid.bus_feeder, dtype=np.int64)[bus],
        lamps=lamps,
        kind=kind,
        rated_w=np.asarray([lights.lamp_rated_w(k) for k in kinds], dtype=np.float64),
    )


def plan_common_areas(
    scenario: Scenario, grid: GridModel, points: MeterPoints, first_number: int
) -> LightingPlan | None:
    """One common-area circuit per apartment building, with its load row added to ``grid``.

    None without ``lighting.common_areas`` or without buildings. A building of
    ``d`` dwellings has ``max(1, round(lamps_per_dwelling x d))`` LED luminaires.

    Parameters
    ----------
    first_number : int
        Circuits already numbered in the run (the streetlight ones).
    """
    section = scenario.lighting
    if section is None or section.common_areas is None:
        return None
    params = section.common_areas.params()
    buildings = apartment_buildings(points)
    if buildings.n == 0:
        return None
    bus = buildings.bus
    lamps = np.maximum(np.rint(params.lamps_per_dwelling * buildings.dwellings), 1)
    return LightingPlan(
        bus=bus,
        rows=add_loads(grid, bus.tolist(), "common_area_lighting"),
        transformer=np.asarray(grid.bus_transformer, dtype=np.int64)[bus],
        feeder=np.asarray(grid.bus_feeder, dtype=np.int64)[bus],
        lamps=lamps.astype(np.int64),
        kind=np.full(bus.size, LAMP_KINDS.index("led"), dtype=np.int8),
        rated_w=np.full(bus.size, params.rated_w),
        purpose="common_area",
        first_number=first_number,
        household_circuit=buildings.building_of,
    )
