"""Everything a run advances, created from a validated scenario and its site.

:func:`build_components` creates the fleets, the meters with their head-end,
the background injections and the power-flow solver, for a whole run or for
one shard of it (:mod:`twin.engine.sharding`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.clock import TimeAxis
from twin.devices.behind_the_meter import DerFleets
from twin.devices.households import HouseholdFleet
from twin.engine.ami import Ami
from twin.engine.der import create_der
from twin.engine.recording_ami import AmiRecorder
from twin.engine.sharding.plan import ShardPlan, TerminalVoltages
from twin.engine.site import Site, member_ids
from twin.errors import Problem, ScenarioError
from twin.grid import (
    BackgroundInjections,
    PowerFlowResult,
    PowerFlowSolver,
    SolverError,
    create_solver,
)
from twin.grid.islands import IslandedSolver, LvArea, lv_areas, mv_is_trivial, solve_units
from twin.members import Members
from twin.meters.time_switch import tariff_count
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.streams import RunWriter

__all__ = ["Components", "MemberIds", "build_components", "solves_area_by_area"]


@dataclass(frozen=True)
class MemberIds:
    """Identifiers of the premises simulated here and of their meters."""

    premises: list[str]
    meters: list[str]


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
    member_ids: MemberIds
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

    def solved_rows(self, element: str) -> NDArray[np.int64] | None:
        """Rows of ``net.<element>`` solved in this process; None for all (the joint power flow)."""
        if not isinstance(self.solver, IslandedSolver):
            return None
        return self.solver.rows(element)

    def solved_mask(self, element: str, n: int) -> NDArray[np.bool_] | None:
        """:meth:`solved_rows` as a mask over the ``n`` rows of ``net.<element>``; None for all."""
        rows = self.solved_rows(element)
        if rows is None:
            return None
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        return mask

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
        stations = self.site.stations.rows
        if stations.size:  # the public connectors' rows follow the network's own loads
            load_p = np.concatenate([load_p, np.zeros(stations.size)])
            load_q = np.concatenate([load_q, np.zeros(stations.size)])
            if self.der is not None:
                np.add.at(load_p, stations, self.der.station_load_p_mw())
        return load_p, load_q, sgen_p


def build_components(
    scenario: Scenario,
    site: Site,
    rng: RandomTree,
    writer: RunWriter,
    shard: ShardPlan | None = None,
) -> Components:
    """Create fleets, meters, solver and background injections for a run or one shard of it.

    The meters' recorder writes into ``writer`` (see :class:`~twin.engine.ami.Ami`).

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
    ids = MemberIds(member_ids("P", members), member_ids("M", members))
    ami = Ami(
        scenario,
        axis,
        transformer=transformer,
        meter_bus=np.asarray(site.placement.bus, dtype=np.int64),
        rng=rng,
        recorder=AmiRecorder(
            writer,
            axis,
            meter_ids=ids.meters,
            tariffs=tariff_count(scenario.meters.tariff_windows()),
        ),
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
    der = create_der(
        scenario,
        axis=axis,
        grid=site.grid,
        stations=site.stations,
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
        member_ids=ids,
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
