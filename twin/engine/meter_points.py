"""Every customer meter of a run: households, other customers and generators.

The metered fleet is one array of meter points in four consecutive
segments: the households (:class:`~twin.grid.PremisePlacement`), the other
customers (the network's commercial and farm loads in LV areas and the
customers a scenario adds), then the generation meters of the network's
static generators (in LV areas and at medium voltage), then the
medium-voltage customers (loads outside every LV area). Shards, meters and
recorders index this whole fleet; each device fleet sees its own segment.

Meters outside every LV area (:attr:`MeterPoints.outside_areas`) have no
relay and watch no voltage. Of them, the medium-voltage customers of a class
the customer model knows (:attr:`MeterPoints.mv_modelled`) meter that model's
power, which is also what their load row carries; the medium-voltage
generators and the other medium-voltage customers observe their element's
profile power.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.devices.customers import CUSTOMER_CLASSES
from twin.errors import Problem, ScenarioError
from twin.grid import GridModel, PremisePlacement, bus_index_of
from twin.grid.customers import (
    ConnectionPoints,
    add_loads,
    network_customers,
    network_generators,
    network_mv_customers,
)
from twin.grid.placement import largest_remainder
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.customer_models import ADDED_DEFAULT_CLASS, CUSTOMER_KINDS

__all__ = ["GENERATION", "HOUSEHOLD", "MeterPoints", "locate_meter_points"]

HOUSEHOLD = "household"
GENERATION = "generation"

_KIND_OF_PREFIX = {"G": "commercial", "L": "agricultural"}


@dataclass(frozen=True)
class MeterPoints:
    """Where every meter of the run is, in segments: households, customers, generators.

    Attributes
    ----------
    bus, transformer, feeder : numpy.ndarray
        int64 per meter point: bus index, LV transformer row (-1: none), feeder line row.
    load_row : numpy.ndarray
        int64 ``net.load`` row the point's consumption goes to (-1 for generators).
    sgen_row : numpy.ndarray
        int64 ``net.sgen`` row of a generation meter (-1 for consumers).
    kind : numpy.ndarray
        object: ``household``, ``commercial``, ``agricultural``, ``base_station``,
        ``factory`` or ``generation``.
    customer_class : numpy.ndarray
        object: ``H0`` for households, the BDEW class, or the generator's profile.
    annual_kwh : numpy.ndarray
        float64 expected annual energy of customers and generators [kWh/a]
        (NaN for households: their fleet draws it).
    rated_kw : numpy.ndarray
        float64 rated power of the network element behind the meter [kW]
        (NaN for households and the customers a scenario adds).
    n_households, n_customers, n_generators, n_mv_customers : int
        Segment sizes, in this order.
    """

    bus: NDArray[np.int64]
    transformer: NDArray[np.int64]
    feeder: NDArray[np.int64]
    load_row: NDArray[np.int64]
    sgen_row: NDArray[np.int64]
    kind: NDArray[np.object_]
    customer_class: NDArray[np.object_]
    annual_kwh: NDArray[np.float64]
    rated_kw: NDArray[np.float64]
    n_households: int
    n_customers: int
    n_generators: int
    n_mv_customers: int = 0

    @property
    def n(self) -> int:
        """Number of meter points."""
        return self.n_households + self.n_customers + self.n_generators + self.n_mv_customers

    @property
    def households(self) -> slice:
        """The household segment."""
        return slice(0, self.n_households)

    @property
    def customers(self) -> slice:
        """The segment of customers other than households."""
        return slice(self.n_households, self.n_households + self.n_customers)

    @property
    def generators(self) -> slice:
        """The generation meters' segment."""
        start = self.n_households + self.n_customers
        return slice(start, start + self.n_generators)

    @property
    def mv_customers(self) -> slice:
        """The medium-voltage customers' segment (loads outside every LV area)."""
        return slice(self.n - self.n_mv_customers, self.n)

    @property
    def outside_areas(self) -> NDArray[np.bool_]:
        """Meters outside every LV area: medium-voltage generators and customers.

        They neither switch their element (an MV plant or customer is
        disconnected at its switchgear, not by a meter relay) nor watch the
        voltage (a run solves the MV level only in some modes), so that every
        mode and shard count gives the same tables; a sharded run gives them
        to its first shard.
        """
        outside = np.asarray(self.transformer < 0, dtype=bool)
        outside[: self.generators.start] = False  # households and LV customers stay LV
        return outside

    @property
    def mv_modelled(self) -> NDArray[np.bool_]:
        """Medium-voltage customers of a class the customer model knows (G0-G6, L0-L2).

        Their power is the customer model's
        (:class:`~twin.devices.customers.CustomerFleet`), on their meter and
        their load row alike; the other MV customers (SimBench's ``BL``,
        ``WB``, loads without a profile) observe their load's profile power.
        """
        modelled = np.zeros(self.n, dtype=bool)
        mv = self.mv_customers
        modelled[mv] = np.isin(self.customer_class[mv], CUSTOMER_CLASSES)
        return modelled


def locate_meter_points(
    scenario: Scenario, grid: GridModel, placement: PremisePlacement
) -> MeterPoints:
    """Households, the network's and the scenario's customers, the generators, the MV customers.

    Customers added by the scenario get load rows of their own, appended to
    ``net.load``. Call before the solver is created.

    Raises
    ------
    twin.errors.ScenarioError
        Naming each ``customers.added.N.bus`` the network does not have, or
        that lies outside every LV transformer area.
    """
    section = scenario.customers
    metered = section.network_loads == "metered"
    network = network_customers(grid) if metered else ConnectionPoints.empty()
    kinds, classes = _network_kinds(scenario, network)
    added = _added_customers(scenario, grid)
    generators = (
        network_generators(grid) if section.generators == "metered" else ConnectionPoints.empty()
    )
    mv = network_mv_customers(grid) if metered else ConnectionPoints.empty()
    n_h = placement.n_premises
    segments = [network, added, generators, mv]
    kind = [
        np.full(n_h, HOUSEHOLD, dtype=object),
        kinds,
        np.asarray([a.kind for a in section.added for _ in range(a.count)], dtype=object),
        np.full(generators.n, GENERATION, dtype=object),
        np.asarray([_KIND_OF_PREFIX.get(str(c)[:1], "commercial") for c in mv.customer_class]),
    ]
    rated = [np.full(n_h, np.nan), network.rated_kw, np.full(added.n, np.nan)]
    return MeterPoints(
        bus=_cat(placement.bus, *(c.bus for c in segments)),
        transformer=_cat(placement.transformer, *(c.transformer for c in segments)),
        feeder=_cat(placement.feeder, *(c.feeder for c in segments)),
        load_row=_cat(placement.load, network.row, added.row, np.full(generators.n, -1), mv.row),
        sgen_row=_cat(np.full(n_h + network.n + added.n, -1), generators.row, np.full(mv.n, -1)),
        kind=np.concatenate([np.asarray(k, dtype=object) for k in kind]),
        customer_class=np.concatenate(
            [
                np.full(n_h, "H0", dtype=object),
                classes,
                added.customer_class,
                generators.customer_class,
                mv.customer_class,
            ]
        ),
        annual_kwh=np.concatenate([np.full(n_h, np.nan), *(c.annual_kwh for c in segments)]),
        rated_kw=np.concatenate([*rated, generators.rated_kw, mv.rated_kw]),
        n_households=n_h,
        n_customers=network.n + added.n,
        n_generators=generators.n,
        n_mv_customers=mv.n,
    )


def _cat(*parts: NDArray[np.integer]) -> NDArray[np.int64]:
    return np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]).astype(np.int64)


def _network_kinds(
    scenario: Scenario, network: ConnectionPoints
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Kind and class of each network customer, re-assigned by ``customers.mix`` if given."""
    if network.n == 0:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    classes = np.asarray(network.customer_class, dtype=object)
    kinds = np.asarray([_KIND_OF_PREFIX[str(c)[0]] for c in classes], dtype=object)
    shares = scenario.customers.mix_shares()
    if shares is None:
        return kinds, classes
    counts = largest_remainder(np.asarray(list(shares.values())), network.n)
    drawn = np.repeat(np.asarray(CUSTOMER_KINDS, dtype=object), counts)
    drawn = drawn[RandomTree(scenario.seed).generator("customer-mix").permutation(network.n)]
    keep = drawn == kinds
    new_class = np.asarray([ADDED_DEFAULT_CLASS[str(k)] for k in drawn], dtype=object)
    return drawn, np.where(keep, classes, new_class)


def _added_customers(scenario: Scenario, grid: GridModel) -> ConnectionPoints:
    """Load rows, buses and energies of the customers the scenario adds."""
    added = scenario.customers.added
    if not added:
        return ConnectionPoints.empty()
    index = bus_index_of(grid, [a.bus for a in added])
    problems = []
    for j, (a, i) in enumerate(zip(added, index, strict=True)):
        if i is None:
            why = "the network has no in-service bus with that id (see internal/network_bus)"
        elif grid.bus_transformer[i] < 0:
            why = "the bus lies outside every LV transformer area; expected an LV bus"
        else:
            continue
        problems.append(Problem(f"customers.added.{j}.bus", f"given {a.bus}; {why}"))
    if problems:
        source = "" if scenario.source is None else str(scenario.source)
        raise ScenarioError(problems, source)
    counts = [a.count for a in added]
    bus = np.repeat(np.asarray(index, dtype=np.int64), counts)
    energy = np.repeat([a.resolved_annual_kwh for a in added], counts)
    rows = add_loads(grid, bus.tolist(), "customer")
    return ConnectionPoints(
        row=rows,
        bus=bus,
        transformer=grid.bus_transformer[bus].astype(np.int64),
        feeder=grid.bus_feeder[bus].astype(np.int64),
        customer_class=np.repeat(
            np.asarray([a.resolved_class for a in added], dtype=object), counts
        ),
        annual_kwh=np.asarray(energy, dtype=np.float64),
        rated_kw=np.asarray(energy, dtype=np.float64) / 8760.0,
    )
