"""The grid side of a run: the network and where the premises are connected.

:func:`build_site` loads the network and places the premises, turning grid
problems into scenario problems with their YAML paths. A site is built once
per run (and once for all the shards of a sharded run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.engine.lighting_plan import LightingPlan, plan_common_areas, plan_lighting
from twin.engine.meter_points import MeterPoints, locate_meter_points
from twin.engine.theft import TheftPlan, plan_thefts
from twin.errors import Problem, ScenarioError
from twin.grid import (
    CapacityError,
    GridModel,
    NetworkError,
    PremisePlacement,
    add_station_loads,
    bus_index_of,
    load_network,
    place_premises,
)
from twin.members import Members
from twin.scenario import Scenario

__all__ = [
    "PublicStations",
    "Site",
    "build_site",
    "connect_public_stations",
    "format_ids",
    "member_ids",
]


@dataclass(frozen=True)
class PublicStations:
    """The public charging connectors of a run, one entry per connector.

    Attributes
    ----------
    bus : numpy.ndarray
        int64 bus position of each connector.
    rows : numpy.ndarray
        int64 ``net.load`` row of each connector (appended after the network's own loads).
    power_kw : numpy.ndarray
        Rated power of each connector [kW].
    """

    bus: NDArray[np.int64]
    rows: NDArray[np.int64]
    power_kw: NDArray[np.float64]


@dataclass
class Site:
    """The grid side of a run: network, premises and what does not belong to a fleet.

    ``placement`` places the households; ``points`` every meter point
    (households, then the other customers, then the generators).
    """

    grid: GridModel
    placement: PremisePlacement
    stations: PublicStations
    points: MeterPoints
    thefts: TheftPlan | None = None
    lighting: LightingPlan | None = None
    common_lighting: LightingPlan | None = None

    @property
    def n_households(self) -> int:
        """Number of households (one premise and one meter each)."""
        return int(self.placement.load.shape[0])

    @property
    def n_meters(self) -> int:
        """Number of customer and generation meters (one premise each)."""
        return self.points.n


def format_ids(prefix: str, n: int, positions: list[int] | None = None) -> list[str]:
    """Zero-padded identifiers ``P000001`` ... for ``n`` items, or for the items at
    ``positions`` (0-based) among them."""
    width = max(6, len(str(n)))
    at = range(n) if positions is None else positions
    return [f"{prefix}{i + 1:0{width}d}" for i in at]


def build_site(scenario: Scenario) -> Site:
    """Load the network, place the premises, connect the public charging stations.

    Each public connector, and each customer the scenario adds, gets a load
    row of its own, appended after the network's loads (so every other row
    keeps its position); nothing later changes the network.

    Raises
    ------
    twin.errors.ScenarioError
        Naming the YAML path of what cannot be used: the network, the
        household count, a station's bus.
    """
    source = "" if scenario.source is None else str(scenario.source)
    try:
        grid = load_network(scenario.grid.network, base_dir=scenario.base_dir)
    except NetworkError as exc:
        raise ScenarioError([Problem("grid.network", str(exc))], source) from None
    count = scenario.households.count
    try:
        placement = place_premises(grid, None if count == "auto" else int(count))
    except CapacityError as exc:
        raise ScenarioError([Problem("households.count", str(exc))], source) from None
    stations = connect_public_stations(scenario, grid)
    points = locate_meter_points(scenario, grid, placement)
    thefts = plan_thefts(scenario, grid, points)
    lighting = plan_lighting(scenario, grid)
    common = plan_common_areas(scenario, grid, points, 0 if lighting is None else lighting.n)
    return Site(
        grid=grid,
        placement=placement,
        stations=stations,
        points=points,
        thefts=thefts,
        lighting=lighting,
        common_lighting=common,
    )


def connect_public_stations(scenario: Scenario, grid: GridModel) -> PublicStations:
    """Check every station's bus, then add one load row per connector to ``grid``.

    Raises
    ------
    twin.errors.ScenarioError
        Naming each ``ev.public_stations.N.bus`` the network does not have.
    """
    stations = scenario.ev.public_stations
    index = bus_index_of(grid, [s.bus for s in stations])
    problems = [
        Problem(
            f"ev.public_stations.{j}.bus",
            f"given {s.bus}; the network has no in-service bus with that id "
            "(see internal/network_bus)",
        )
        for j, (s, i) in enumerate(zip(stations, index, strict=True))
        if i is None
    ]
    if problems:
        raise ScenarioError(problems, "" if scenario.source is None else str(scenario.source))
    connectors = [s.connectors for s in stations]
    bus = np.repeat(np.asarray(index, dtype=np.int64), connectors).astype(np.int64)
    power = np.repeat(np.asarray([s.power_kw for s in stations], dtype=np.float64), connectors)
    return PublicStations(bus=bus, rows=add_station_loads(grid, bus.tolist()), power_kw=power)


def member_ids(prefix: str, members: Members) -> list[str]:
    """Identifiers (``P000001`` ...) of the member premises, numbered in the whole fleet."""
    return format_ids(prefix, members.n_total, None if members.is_all else members.index.tolist())
