"""The grid side of a run: the network and where the premises are connected.

:func:`build_site` loads the network and places the premises, turning grid
problems into scenario problems with their YAML paths. A site is built once
per run (and once for all the shards of a sharded run).
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.engine.der import station_bus_index
from twin.errors import Problem, ScenarioError
from twin.grid import (
    CapacityError,
    GridModel,
    NetworkError,
    PremisePlacement,
    load_network,
    place_premises,
)
from twin.members import Members
from twin.scenario import Scenario

__all__ = ["Site", "build_site", "format_ids", "member_ids"]


@dataclass
class Site:
    """The grid side of a run: network, premises and what does not belong to a fleet."""

    grid: GridModel
    placement: PremisePlacement

    @property
    def n_premises(self) -> int:
        """Number of premises (one household and one meter each)."""
        return int(self.placement.load.shape[0])


def format_ids(prefix: str, n: int) -> list[str]:
    """Zero-padded identifiers ``P000001`` ... for ``n`` items."""
    width = max(6, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def build_site(scenario: Scenario) -> Site:
    """Load the network and place the premises, or raise a ScenarioError naming the YAML path."""
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
    station_bus_index(scenario, grid)
    return Site(grid=grid, placement=placement)


def member_ids(prefix: str, members: Members) -> list[str]:
    """Identifiers (``P000001`` ...) of the member premises, numbered in the whole fleet."""
    every = format_ids(prefix, members.n_total)
    return every if members.is_all else [every[i] for i in members.index.tolist()]
