"""Build every component of a run from a validated scenario.

This is the one place that knows all layers: it loads the network, places
premises, creates the fleets, meters, head-end and solver, and turns grid
problems into scenario problems with their YAML paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.clock import TimeAxis
from twin.devices.households import HouseholdFleet
from twin.engine.ami import Ami
from twin.engine.der import DerFleets, station_bus_index
from twin.engine.rng import RandomTree
from twin.errors import Problem, ScenarioError
from twin.grid import (
    BackgroundInjections,
    CapacityError,
    GridModel,
    NetworkError,
    PowerFlowSolver,
    PremisePlacement,
    SolverError,
    create_solver,
    load_network,
    place_premises,
)
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
    """Everything the interval process advances."""

    axis: TimeAxis
    site: Site
    households: HouseholdFleet
    ami: Ami
    background: BackgroundInjections
    solver: PowerFlowSolver
    der: DerFleets | None = None

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
        where = self.site.placement.load
        n_load = load_p.shape[0]
        load_p = load_p + np.bincount(where, weights=p_kw, minlength=n_load) / 1e3
        load_q = load_q + np.bincount(where, weights=q_kvar, minlength=n_load) / 1e3
        if self.der is not None and self.der.station_rows.size:
            extra = self.der.station_rows.size
            load_p = np.concatenate([load_p, np.zeros(extra)])
            load_q = np.concatenate([load_q, np.zeros(extra)])
            np.add.at(load_p, self.der.station_rows, self.der.station_load_p_mw())
        return load_p, load_q, sgen_p


def build_components(scenario: Scenario, site: Site, rng: RandomTree) -> Components:
    """Create fleets, meters, solver and background injections for a run."""
    axis = scenario.time.axis()
    hh = scenario.households
    households = HouseholdFleet.create(
        site.n_premises,
        rng=rng.generator("households"),
        axis=axis,
        latitude_deg=scenario.grid.latitude_deg,
        annual_kwh_median=hh.consumption.annual_kwh_median,
        annual_kwh_sigma=hh.consumption.annual_kwh_sigma,
        power_factor=hh.consumption.power_factor,
        archetype_shares=hh.occupancy.shares(),
        long_term_vacant=hh.vacancy.long_term_vacant,
        seasonal=hh.vacancy.seasonal,
        move_rate_per_year=hh.vacancy.move_rate_per_year,
        holiday_weeks_per_year=hh.vacancy.holiday_weeks_per_year,
    )
    ami = Ami(
        scenario,
        axis,
        transformer=np.asarray(site.placement.transformer, dtype=np.int64),
        meter_bus=np.asarray(site.placement.bus, dtype=np.int64),
        rng=rng,
    )
    background = BackgroundInjections(site.grid, axis)
    # after the background (sized on the network's own loads), before the solver
    der = DerFleets.create(
        scenario,
        axis=axis,
        grid=site.grid,
        premise_bus=np.asarray(site.placement.bus, dtype=np.int64),
        premise_transformer=np.asarray(site.placement.transformer, dtype=np.int64),
        rng=rng,
    )
    try:
        solver = create_solver(site.grid, scenario.grid.solver)
    except SolverError as exc:
        source = "" if scenario.source is None else str(scenario.source)
        raise ScenarioError([Problem("grid.solver", str(exc))], source) from None
    return Components(
        axis=axis,
        site=site,
        households=households,
        ami=ami,
        background=background,
        solver=solver,
        der=der,
    )
