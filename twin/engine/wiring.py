"""Build every component of a run from a validated scenario.

This is the one place that knows all layers: it loads the network, places
premises, creates the fleets, meters, head-end and solver, and turns grid
problems into scenario problems with their YAML paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.households import HouseholdFleet
from twin.engine.ami import Ami
from twin.engine.der import DerFleets, station_bus_index
from twin.engine.partition import ShardPlan, TerminalVoltages
from twin.engine.rng import RandomTree
from twin.errors import Problem, ScenarioError
from twin.grid import (
    BackgroundInjections,
    CapacityError,
    GridModel,
    NetworkError,
    PowerFlowResult,
    PowerFlowSolver,
    PremisePlacement,
    SolverError,
    create_solver,
    load_network,
    place_premises,
)
from twin.grid.islands import IslandedSolver, LvArea, lv_areas, mv_is_trivial, solve_units
from twin.members import Members
from twin.meters import ManagementCores, MetrologyCores, SpiLink
from twin.scenario import Scenario

__all__ = ["Site", "build_site", "format_ids"]


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


@dataclass
class Components:
    """Everything the interval process advances.

    ``members`` are the premises simulated here (all of them, or a shard's);
    fleets, meters and the arrays the engine passes around are indexed by
    member position.
    """

    axis: TimeAxis
    site: Site
    households: HouseholdFleet
    ami: Ami
    background: BackgroundInjections
    solver: PowerFlowSolver | IslandedSolver
    members: Members
    der: DerFleets | None = None
    terminals: TerminalVoltages | None = None
    _terminal_vm: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    _where: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self._where = self.premise_load

    @property
    def premise_load(self) -> NDArray[np.int64]:
        """``net.load`` position of each member premise."""
        return np.asarray(self.members.take(self.site.placement.load), dtype=np.int64)

    def solve(
        self, index: int, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray
    ) -> PowerFlowResult:
        """Power flow of interval ``index`` (with its MV terminal voltages, when given)."""
        if isinstance(self.solver, IslandedSolver) and self.terminals is not None:
            if self._terminal_vm.size == 0:
                self._terminal_vm = np.full(len(self.site.grid.net.bus), np.nan)
            self._terminal_vm[self.terminals.bus] = self.terminals.vm_pu[index]
            return self.solver.solve(load_p_mw, load_q_mvar, sgen_p_mw, bus_vm_pu=self._terminal_vm)
        return self.solver.solve(load_p_mw, load_q_mvar, sgen_p_mw)

    @property
    def metrology(self) -> MetrologyCores:
        """The fleet's legal metrology cores."""
        return self.ami.metrology

    @property
    def management(self) -> ManagementCores:
        """The fleet's management cores."""
        return self.ami.management

    @property
    def spi(self) -> SpiLink:
        """The fleet's SPI links."""
        return self.ami.spi

    def grid_injections(
        self, index: int, p_kw: np.ndarray, q_kvar: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Power-flow injections of interval ``index``: the premises on their loads, public
        charging stations on theirs, plus the background.

        Parameters
        ----------
        index : int
            Interval number.
        p_kw, q_kvar : numpy.ndarray
            Mean net power per premise [kW], [kvar] (import positive).

        Returns
        -------
        load_p_mw, load_q_mvar, sgen_p_mw : numpy.ndarray
            Per ``net.load`` / ``net.sgen`` row [MW], [Mvar].
        """
        load_p, load_q, sgen_p = self.background.at(index)
        where = self._where
        n_load = load_p.shape[0]
        load_p = load_p + np.bincount(where, weights=p_kw, minlength=n_load) / 1e3
        load_q = load_q + np.bincount(where, weights=q_kvar, minlength=n_load) / 1e3
        if self.der is not None and self.der.station_rows.size:
            extra = self.der.station_rows.size
            load_p = np.concatenate([load_p, np.zeros(extra)])
            load_q = np.concatenate([load_q, np.zeros(extra)])
            np.add.at(load_p, self.der.station_rows, self.der.station_load_p_mw())
        return load_p, load_q, sgen_p


def build_components(
    scenario: Scenario, site: Site, rng: RandomTree, shard: ShardPlan | None = None
) -> Components:
    """Create fleets, meters, solver and background injections for a run or one shard of it.

    Raises
    ------
    twin.errors.ScenarioError
        The solver cannot be used, or the network has no LV areas to solve alone.
    """
    axis = scenario.time.axis()
    hh = scenario.households
    transformer = np.asarray(site.placement.transformer, dtype=np.int64)
    members = Members.all(site.n_premises) if shard is None else shard.members(transformer)
    households = HouseholdFleet.create(
        site.n_premises,
        rng=rng.generator("households"),
        axis=axis,
        latitude_deg=scenario.grid.latitude_deg,
        params=hh.params(),
        members=members,
    )
    ami = Ami(
        scenario,
        axis,
        transformer=transformer,
        meter_bus=np.asarray(site.placement.bus, dtype=np.int64),
        rng=rng,
        members=members,
    )
    background = BackgroundInjections(site.grid, axis)
    units = _units_solved_alone(scenario, site, shard)
    areas = [a for u in units for a in u]
    simulated_bus = None
    if shard is not None:
        simulated_bus = np.zeros(len(site.grid.net.bus), dtype=bool)
        for area in areas:
            simulated_bus[area.buses] = True
    # after the background (sized on the network's own loads), before the solver
    der = DerFleets.create(
        scenario,
        axis=axis,
        grid=site.grid,
        premise_bus=np.asarray(site.placement.bus, dtype=np.int64),
        premise_transformer=transformer,
        rng=rng,
        members=members,
        simulated_bus=simulated_bus,
    )
    source = "" if scenario.source is None else str(scenario.source)
    solver: PowerFlowSolver | IslandedSolver
    try:
        if units:
            solver = IslandedSolver(
                site.grid,
                units,
                scenario.grid.solver,
                vm_pu=scenario.grid.mv_voltage_pu,
            )
        else:
            solver = create_solver(site.grid, scenario.grid.solver)
    except SolverError as exc:
        raise ScenarioError([Problem("grid.solver", str(exc))], source) from None
    return Components(
        axis=axis,
        site=site,
        households=households,
        ami=ami,
        background=background,
        solver=solver,
        members=members,
        der=der,
        terminals=None if shard is None else shard.terminals,
    )


def solves_area_by_area(scenario: Scenario, site: Site) -> bool:
    """Whether a run solves its LV areas one by one (``grid.mv: fixed`` or an LV-only network)."""
    return scenario.grid.mv == "fixed" or mv_is_trivial(site.grid)


def _units_solved_alone(
    scenario: Scenario, site: Site, shard: ShardPlan | None
) -> list[tuple[LvArea, ...]]:
    """The units of LV areas this process solves apart from the MV network; empty: joint."""
    if shard is None and not solves_area_by_area(scenario, site):
        return []
    areas = lv_areas(site.grid)
    source = "" if scenario.source is None else str(scenario.source)
    if not areas:
        raise ScenarioError(
            [
                Problem(
                    "grid.mv",
                    f"given {scenario.grid.mv!r}, but network {site.grid.name!r} has no MV/LV "
                    "transformer whose areas could be solved alone; expected 'coupled'",
                )
            ],
            source,
        )
    outside = np.asarray(site.placement.transformer, dtype=np.int64) < 0
    if outside.any():
        raise ScenarioError(
            [
                Problem(
                    "grid.mv",
                    f"given {scenario.grid.mv!r}, but {int(outside.sum())} premise(s) of network "
                    f"{site.grid.name!r} sit outside every LV transformer area; expected 'coupled'",
                )
            ],
            source,
        )
    wanted = set(shard.transformers) if shard is not None else {a.transformer for a in areas}
    units = solve_units(areas)
    here = [u for u in units if {a.transformer for a in u} <= wanted]
    if {a.transformer for u in here for a in u} != wanted:
        raise ValueError("a shard must hold whole solve units (see twin.grid.islands.solve_units)")
    return here
