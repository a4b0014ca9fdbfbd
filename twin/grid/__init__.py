"""The distribution network: networks by name, premises, background, power flow.

Only this package imports pandapower, simbench and lightsim2grid.

Typical use by the engine::

    grid = load_network(scenario.grid.network, base_dir=scenario_dir)
    premises = place_premises(grid, count)              # count None = "auto"
    background = BackgroundInjections(grid, axis)
    solver = create_solver(grid, scenario.grid.solver)
    for i in range(axis.n_intervals):
        load_p, load_q, sgen_p = background.at(i)
        load_p += np.bincount(premises.load, household_net_p_mw, len(load_p))
        load_q += np.bincount(premises.load, household_net_q_mvar, len(load_q))
        result = solver.solve(load_p, load_q, sgen_p)   # result.vm_pu[premises.bus]
"""

from twin.grid.area_balance import AreaBalance, AreaTotals, network_losses_kw
from twin.grid.background import BackgroundInjections
from twin.grid.catalog import NetworkError, NetworkSource, list_networks
from twin.grid.network import GridModel, load_network
from twin.grid.placement import CapacityError, PremisePlacement, place_premises
from twin.grid.profiles import ProfileTable, profile_rows
from twin.grid.solver import (
    LightSim2gridSolver,
    PandapowerSolver,
    PowerFlowResult,
    PowerFlowSolver,
    SolverError,
    SolverKind,
    create_solver,
)
from twin.grid.stations import add_station_loads, bus_index_of
from twin.grid.topology import BusTopology, bus_topology

__all__ = [
    "AreaBalance",
    "AreaTotals",
    "BackgroundInjections",
    "BusTopology",
    "CapacityError",
    "GridModel",
    "LightSim2gridSolver",
    "NetworkError",
    "NetworkSource",
    "PandapowerSolver",
    "PowerFlowResult",
    "PowerFlowSolver",
    "PremisePlacement",
    "ProfileTable",
    "SolverError",
    "SolverKind",
    "add_station_loads",
    "bus_index_of",
    "bus_topology",
    "create_solver",
    "list_networks",
    "load_network",
    "network_losses_kw",
    "place_premises",
    "profile_rows",
]
