"""Everything a run advances, created from a validated scenario and its site.

:func:`build_components` creates the fleets, the meters with their head-end,
the area check meters, the background injections and the power-flow solver,
for a whole run or for one shard of it (:mod:`twin.engine.sharding`).

The metered fleet is in segments (:class:`~twin.engine.meter_points.MeterPoints`):
households, other customers, generators, medium-voltage customers. Arrays the
engine passes around are indexed by local meter position; a segment's members
sit in one contiguous run of local positions (:class:`Segments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.behind_the_meter import DerFleets
from twin.devices.customers import CustomerFleet
from twin.devices.households import HouseholdFleet
from twin.devices.water import WaterFleet
from twin.engine.alarms import AlarmLog
from twin.engine.ami import Ami
from twin.engine.area_meters import AreaMeters, create_area_meters
from twin.engine.common_lighting import create_common_lighting
from twin.engine.demand_response import DemandResponse
from twin.engine.der import create_der
from twin.engine.dr_setup import create_demand_response
from twin.engine.lighting import LightingCircuits, create_lighting
from twin.engine.mv_customers import MvCustomers, create_customer_fleet, create_mv_customers
from twin.engine.prepaid import ElectricityPrepaid
from twin.engine.prepaid_population import electricity_population, water_population
from twin.engine.prepaid_water import WaterPrepaid
from twin.engine.recording_ami import AmiRecorder
from twin.engine.safety import SafetyPremises, create_safety
from twin.engine.sharding.plan import ShardPlan, TerminalVoltages
from twin.engine.site import Site, member_ids
from twin.engine.theft import Thefts, create_thefts
from twin.engine.utilities import UtilityMeters, create_utility_meters
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

__all__ = ["Components", "MemberIds", "Segments", "build_components", "solves_area_by_area"]


@dataclass(frozen=True)
class MemberIds:
    """Identifiers of the premises simulated here and of their meters."""

    premises: list[str]
    meters: list[str]


@dataclass(frozen=True)
class Segments:
    """Local positions of the simulated meters of each segment of the metered fleet.

    Attributes
    ----------
    households, customers, generators, mv_customers : slice
        Contiguous runs of local meter positions, in this order.
    """

    households: slice
    customers: slice
    generators: slice
    mv_customers: slice

    @property
    def consumers(self) -> slice:
        """Households and LV customers: the meters whose power goes to a load row.

        (So does that of the modelled medium-voltage customers, in the last segment.)
        """
        return slice(self.households.start, self.customers.stop)


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
    segments: Segments
    customers: CustomerFleet | None = None
    mv_customers: MvCustomers | None = None
    der: DerFleets | None = None
    area_meters: AreaMeters | None = None
    thefts: Thefts | None = None
    prepaid: ElectricityPrepaid | None = None
    prepaid_water: WaterPrepaid | None = None
    terminals: TerminalVoltages | None = None
    utilities: UtilityMeters | None = None
    lighting: LightingCircuits | None = None
    common_lighting: LightingCircuits | None = None
    alarms: AlarmLog | None = None
    safety: SafetyPremises | None = None
    demand_response: DemandResponse | None = None
    _terminal_vm: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    wet_shift_kw: NDArray[np.float64] | None = None
    """Households' undelayed less actual wet-appliance power of the last interval [kW]
    (behind a closed relay; None without demand response)."""
    _load_rows: NDArray[np.int64] = field(init=False)
    _fed: NDArray[np.int64] = field(init=False)
    _fed_rows: NDArray[np.int64] = field(init=False)
    _outside: NDArray[np.int64] = field(init=False)
    _generation: NDArray[np.int64] = field(init=False)
    _mv_modelled: NDArray[np.int64] = field(init=False)
    _mv_observed: NDArray[np.int64] = field(init=False)
    _mv_observed_index: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        take, points, seg = self.members.take, self.site.points, self.segments
        self._load_rows = np.asarray(take(points.load_row)[seg.consumers], dtype=np.int64)
        # position of each local generation meter among the metered generators of the fleet
        first = points.n_households + points.n_customers
        self._generation = self.members.index[seg.generators] - first
        outside = np.asarray(take(points.outside_areas), dtype=bool)
        generator = np.zeros(outside.size, dtype=bool)
        generator[seg.generators] = True
        # generators whose output reaches the grid through their meter
        self._fed = np.flatnonzero(generator & ~outside).astype(np.int64)
        self._fed_rows = np.asarray(take(points.sgen_row)[self._fed], dtype=np.int64)
        self._outside = np.flatnonzero(outside).astype(np.int64)
        # MV customers: modelled ones (the fleet's members, in order) and profile observers
        mv = points.mv_customers
        in_mv = self.members.index[seg.mv_customers] - mv.start
        modelled = points.mv_modelled[mv]
        here = modelled[in_mv]
        self._mv_modelled = (seg.mv_customers.start + np.flatnonzero(here)).astype(np.int64)
        self._mv_observed = np.flatnonzero(~here).astype(np.int64)
        # position of each local observer among the observed loads (unmodelled MV customers)
        self._mv_observed_index = (np.cumsum(~modelled) - 1)[in_mv[~here]].astype(np.int64)
        n_fleet = 0 if self.mv_customers is None else self.mv_customers.n
        if n_fleet != self._mv_modelled.size:
            raise ValueError(
                f"medium-voltage customer fleet of {n_fleet}; expected {self._mv_modelled.size}"
            )

    @property
    def mv_modelled(self) -> NDArray[np.int64]:
        """Local meter positions of the modelled MV customers (``mv_customers``' members)."""
        return self._mv_modelled

    @property
    def generation_rated_kw(self) -> NDArray[np.float64]:
        """Rated power of each local generation meter's generator [kW]."""
        return self.background.metered_rated_kw[self._generation]

    @property
    def mv_power_factor(self) -> NDArray[np.float64]:
        """Rated power factor of each local medium-voltage customer's load [-]."""
        net = self.site.grid.net
        rows = np.asarray(self.members.take(self.site.points.load_row), dtype=np.int64)
        rows = rows[self.segments.mv_customers]
        p = net.load["p_mw"].to_numpy(dtype=np.float64)[rows]
        q = net.load["q_mvar"].to_numpy(dtype=np.float64)[rows]
        return np.where(np.hypot(p, q) > 0, np.abs(p) / np.maximum(np.hypot(p, q), 1e-12), 1.0)

    @property
    def premise_load(self) -> NDArray[np.int64]:
        """``net.load`` position of each member premise (-1 for a generation meter)."""
        return np.asarray(self.members.take(self.site.points.load_row), dtype=np.int64)

    def step_meters(self, t: IntervalTime) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """True mean power behind every simulated meter over interval ``t`` [kW], [kvar].

        Households with their DER, the other customers, and the generators
        (negative: export), in local meter order, after the disconnectors.
        """
        seg = self.segments
        closed = self.ami.management.relay_closed
        households = self.households
        dr = self.demand_response
        control = None if dr is None else dr.control(t)
        p_h, q_h = households.step(t, None if control is None else control.wet_max_delay_s)
        if dr is not None:
            self.wet_shift_kw = households.wet_shift_kw * closed[seg.households]
        if self.utilities is not None:
            self.utilities.step(t, households)
        if self.der is not None:
            # present / vacant after the household step: the occupancy of interval t
            if dr is not None:
                dr.step_shadow(
                    t,
                    p_h,
                    closed[seg.households],
                    households.present,
                    households.vacant,
                    self.wet_shift_kw,
                )
            p_h = self.der.step(
                t, p_h, closed[seg.households], households.present, households.vacant, control
            )
        p_parts, q_parts = [p_h], [q_h]
        if self.customers is not None:
            p_c, q_c = self.customers.step(t)
            p_parts.append(p_c)
            q_parts.append(q_c)
        if self._generation.size:
            p_parts.append(-self.background.generation_kw(t.index)[self._generation])
            q_parts.append(np.zeros(self._generation.size))
        n_mv = seg.mv_customers.stop - seg.mv_customers.start
        if n_mv:
            p_mv, q_mv = np.empty(n_mv), np.empty(n_mv)
            if self._mv_observed.size:
                p_o, q_o = self.background.observed_load_kw(t.index)
                p_mv[self._mv_observed] = p_o[self._mv_observed_index]
                q_mv[self._mv_observed] = q_o[self._mv_observed_index]
            if self.mv_customers is not None:
                p_m, q_m = self.mv_customers.step(t)
                at = self._mv_modelled - seg.mv_customers.start
                p_mv[at], q_mv[at] = p_m, q_m
            p_parts.append(p_mv)
            q_parts.append(q_mv)
        p_kw = np.concatenate(p_parts) if len(p_parts) > 1 else p_h
        q_kvar = np.concatenate(q_parts) if len(q_parts) > 1 else q_h
        behind, q_behind = self.ami.relay(p_kw, q_kvar)
        if self._outside.size and behind is not p_kw:  # no relay in front of an MV plant
            behind[self._outside] = p_kw[self._outside]
        return behind, q_behind

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
        """Power-flow injections of interval ``index``: the customers (LV and modelled
        MV) on their loads, the generators on theirs, public charging stations and
        illegal connections and lighting circuits on theirs, plus the background.

        Parameters
        ----------
        index : int
            Interval number.
        p_kw, q_kvar : numpy.ndarray
            True mean net power per local meter [kW], [kvar] (import positive).

        Returns
        -------
        load_p_mw, load_q_mvar, sgen_p_mw : numpy.ndarray
            Per ``net.load`` / ``net.sgen`` row [MW], [Mvar].
        """
        bg_p, bg_q, sgen_p = self.background.at(index)
        rows, consumers = self._load_rows, self.segments.consumers
        n_load = len(self.site.grid.net.load)  # own rows, then stations and added customers
        load_p = np.bincount(rows, weights=p_kw[consumers], minlength=n_load) / 1e3
        load_q = np.bincount(rows, weights=q_kvar[consumers], minlength=n_load) / 1e3
        load_p[: bg_p.size] += bg_p
        load_q[: bg_q.size] += bg_q
        if self.mv_customers is not None:  # one load row each, 0 in the background
            mv_rows, mv = self.mv_customers.load_rows, self._mv_modelled
            load_p[mv_rows] += p_kw[mv] / 1e3
            load_q[mv_rows] += q_kvar[mv] / 1e3
        if self._fed.size:
            sgen_p[self._fed_rows] -= p_kw[self._fed] / 1e3
        stations = self.site.stations.rows
        if stations.size and self.der is not None:
            np.add.at(load_p, stations, self.der.station_load_p_mw())
        if self.thefts is not None:
            self.thefts.add_illegal_loads(index, load_p)
        for lights in (self.lighting, self.common_lighting):
            if lights is not None:  # one load row each, at the interval end
                rows, p_mw, q_mvar = lights.close_interval(index)
                load_p[rows] += p_mw
                load_q[rows] += q_mvar
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
    points = site.points
    transformer = np.asarray(points.transformer, dtype=np.int64)
    members = Members.all(points.n) if shard is None else shard.members(transformer)
    hh_members, hh_local = members.segment(0, points.n_households)
    c_members, c_local = members.segment(points.customers.start, points.customers.stop)
    _, g_local = members.segment(points.generators.start, points.generators.stop)
    mv_members, mv_local = members.segment(points.mv_customers.start, points.mv_customers.stop)
    households = HouseholdFleet.create(
        points.n_households,
        rng=rng.generator("households"),
        axis=axis,
        latitude_deg=scenario.grid.latitude_deg,
        params=scenario.households.params(),
        members=hh_members,
        holidays=scenario.customers.holidays.of_run(axis.local_day),
    )
    customers = _customer_fleet(scenario, site, rng, c_members)
    ids = MemberIds(member_ids("P", members), member_ids("M", members))
    ami = Ami(
        scenario,
        axis,
        transformer=transformer,
        meter_bus=np.asarray(points.bus, dtype=np.int64),
        watch_voltage=~points.outside_areas,
        rng=rng,
        recorder=AmiRecorder(
            writer,
            axis,
            meter_ids=ids.meters,
            tariffs=tariff_count(scenario.meters.tariff_windows()),
        ),
        members=members,
    )
    mv = points.mv_customers
    modelled = points.mv_modelled[mv]
    background = BackgroundInjections(
        site.grid,
        axis,
        metered_loads=np.concatenate(
            [points.load_row[points.customers], points.load_row[mv][modelled]]
        ),
        metered_sgens=points.sgen_row[points.generators],
        fed_by_meters=~points.outside_areas[points.generators],
        observed_loads=points.load_row[mv][~modelled],
        holidays=scenario.customers.holidays.around(axis.local_day),
    )
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
        premise_bus=np.asarray(points.bus[points.households], dtype=np.int64),
        premise_transformer=transformer[points.households],
        rng=rng,
        members=hh_members,
        simulated_bus=simulated_bus,
        away=households.vacancy_periods(),
    )
    utilities = None
    if shard is None or not shard.flows_only:
        utilities = create_utility_meters(
            scenario,
            axis=axis,
            rng=rng,
            writer=writer,
            members=hh_members,
            premise_ids=ids.premises[hh_local],
            thermal=None if der is None else der.thermal,
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
    prepaid = prepaid_water = None
    if scenario.prepaid is not None and (shard is None or not shard.flows_only):
        population = electricity_population(
            scenario, axis, households, points, members, ids.premises, ids.meters, rng
        )
        prepaid = ElectricityPrepaid(scenario, axis, ami, population, writer)
        water = None if utilities is None else utilities.water_kind
        if scenario.prepaid.water is not None and water is not None:
            assert isinstance(water.fleet, WaterFleet)
            population = water_population(
                scenario, axis, households, water.fleet, hh_members, hh_local,
                ids.premises[hh_local], rng,
            )  # fmt: skip
            prepaid_water = WaterPrepaid(scenario, axis, ami, population, writer, water)
    lighting = create_lighting(
        scenario,
        axis=axis,
        plan=site.lighting,
        rng=rng,
        writer=writer,
        transformers=None if shard is None else np.asarray(shard.transformers, dtype=np.int64),
        technology=ami.technology,
        concentrators=ami.concentrators,
        bus_id=site.grid.bus_id,
    )
    common_lighting = create_common_lighting(
        scenario,
        axis=axis,
        plan=site.common_lighting,
        rng=rng,
        writer=writer,
        transformers=None if shard is None else np.asarray(shard.transformers, dtype=np.int64),
        technology=ami.technology,
        concentrators=ami.concentrators,
        bus_id=site.grid.bus_id,
        households=households,
        household_members=hh_members,
    )
    alarms = None if shard is not None and shard.flows_only else AlarmLog(axis, writer)
    safety = None
    if alarms is not None:  # the lean pass of a coupled sharded run has no sensors
        safety = create_safety(
            scenario,
            axis=axis,
            site=site,
            members=members,
            rng=rng,
            writer=writer,
            alarms=alarms,
            technology=ami.technology,
            concentrators=ami.concentrators,
            retries=scenario.comms.retries,
        )
    demand_response = create_demand_response(
        scenario,
        axis=axis,
        site=site,
        der=der,
        wet_owned=np.asarray(households.wet_owned.any(axis=1), dtype=bool),
        members=hh_members,
        premise_ids=ids.premises[hh_local],
        meter_ids=ids.meters[hh_local],
        ami=ami,
        rng=rng,
        writer=writer,
        premise_bus=np.asarray(points.bus[points.households], dtype=np.int64),
        premise_transformer=transformer[points.households],
        away=households.vacancy_periods(),
        writes_shared=shard is None or shard.index == 0,
    )
    return Components(
        axis=axis,
        site=site,
        households=households,
        ami=ami,
        background=background,
        solver=solver,
        members=members,
        member_ids=ids,
        segments=Segments(hh_local, c_local, g_local, mv_local),
        customers=customers,
        mv_customers=create_mv_customers(scenario, site.grid, points, rng, mv_members),
        der=der,
        area_meters=create_area_meters(scenario, site, rng, writer, shard),
        thefts=create_thefts(site.thefts, axis, rng, members, simulated_bus),
        terminals=None if shard is None else shard.terminals,
        utilities=utilities,
        prepaid=prepaid,
        prepaid_water=prepaid_water,
        lighting=lighting,
        common_lighting=common_lighting,
        alarms=alarms,
        safety=safety,
        demand_response=demand_response,
    )


def _customer_fleet(
    scenario: Scenario, site: Site, rng: RandomTree, members: Members
) -> CustomerFleet | None:
    """The customers other than households (None when the run has none)."""
    points = site.points
    if points.n_customers == 0:
        return None
    return create_customer_fleet(
        scenario,
        points.customer_class[points.customers],
        np.asarray(points.annual_kwh[points.customers], dtype=np.float64),
        rng.generator("customers"),
        members,
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
    points = site.points
    outside = (np.asarray(points.transformer, dtype=np.int64) < 0) & ~points.outside_areas
    if outside.any():
        raise ScenarioError(
            [
                Problem(
                    "grid.mv",
                    f"given {scenario.grid.mv!r}, but {int(outside.sum())} meter point(s) of "
                    f"network {site.grid.name!r} sit outside every LV transformer area; "
                    "expected 'coupled'",
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
