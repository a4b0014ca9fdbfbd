"""Medium-voltage customers with a model of their own.

A medium-voltage customer (a network load outside every LV area,
:func:`~twin.grid.customers.network_mv_customers`) whose class the customer
model knows (BDEW G0-G6, L0-L2) is a customer of a
:class:`~twin.devices.customers.CustomerFleet` like those in the LV areas:
its class's BDEW shape for the run's dates as the mean, its own level,
timing, daily and interval variation and closed days, with the annual
energy of its load's SimBench profile. The medium-voltage customers form a
fleet of their own with their own generator (``mv_customers`` of the run's
:class:`~twin.random_streams.RandomTree`), so that no other draw changes,
and every process that needs their power (the run, the first shard that
meters them, the MV level of a coupled sharded run) draws the same numbers.

Their reactive power follows the load's rated power factor (its ``q_mvar``
over its ``p_mw`` in the network), as their meter's power factor does.

References
----------
.. [1] BDEW / VDEW standard load profiles (1999), via demandlib 0.2.
.. [2] S. Meinecke et al., "SimBench - A Benchmark Dataset of Electric Power
   Systems to Compare Innovative Solutions based on Power Flow Analysis",
   Energies 13(12), 3290, 2020. https://doi.org/10.3390/en13123290
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from twin.clock import IntervalTime
from twin.devices.customers import CustomerFleet
from twin.devices.weather import average_hourly, load_weather
from twin.engine.meter_points import MeterPoints
from twin.grid import GridModel
from twin.members import Members
from twin.random_streams import RandomTree
from twin.scenario import Scenario

__all__ = ["MV_CUSTOMER_STREAM", "MvCustomers", "create_customer_fleet", "create_mv_customers"]

MV_CUSTOMER_STREAM = "mv_customers"
"""Name of the medium-voltage customers' generator in the run's random tree."""


@dataclass
class MvCustomers:
    """The modelled medium-voltage customers simulated in a process.

    Attributes
    ----------
    fleet : CustomerFleet
        Their fleet; its full fleet is every modelled MV customer of the
        network, in meter order.
    load_rows : numpy.ndarray
        int64 ``net.load`` row of each member.
    tan_phi : numpy.ndarray
        Rated reactive over active power of each member's load [-].
    """

    fleet: CustomerFleet
    load_rows: NDArray[np.int64]
    tan_phi: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of members."""
        return self.fleet.n

    def step(self, t: IntervalTime) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Advance one interval; mean active and reactive power of every member [kW], [kvar]."""
        p_kw, _ = self.fleet.step(t)
        return p_kw, p_kw * self.tan_phi


def create_customer_fleet(
    scenario: Scenario,
    classes: NDArray[np.object_],
    annual_kwh: NDArray[np.float64],
    rng: np.random.Generator,
    members: Members,
) -> CustomerFleet:
    """A customer fleet of the scenario: its dates, weather and ``customers`` parameters."""
    axis = scenario.time.axis()
    weather = load_weather(scenario.pv.weather)
    return CustomerFleet.create(
        [str(c) for c in classes],
        np.asarray(annual_kwh, dtype=np.float64),
        rng=rng,
        axis=axis,
        temp_air_c=average_hourly(weather.temp_air_c, axis, weather.utc_offset_h),
        params=scenario.customers.params(),
        members=members,
    )


def create_mv_customers(
    scenario: Scenario,
    grid: GridModel,
    points: MeterPoints,
    rng: RandomTree,
    members: Members | None = None,
) -> MvCustomers | None:
    """The modelled medium-voltage customers among ``members``, or None when there are none.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.
    grid : GridModel
        The network (for the loads' rated power factor).
    points : MeterPoints
        Every meter point of the run.
    rng : RandomTree
        The run's random tree; the fleet draws from its ``mv_customers`` generator.
    members : Members, optional
        The simulated meters of the medium-voltage customers' segment (a
        fleet of ``points.n_mv_customers``); default all.

    Returns
    -------
    MvCustomers or None
        The members whose class the customer model knows; None when no
        member is modelled (the generator is then not drawn from at all,
        which changes nothing else: it is the fleet's own).
    """
    segment = points.mv_customers
    modelled = points.mv_modelled[segment]
    if members is None:
        members = Members.all(points.n_mv_customers)
    fleet_members, _ = members.within(modelled)
    if fleet_members.n == 0:
        return None
    fleet = create_customer_fleet(
        scenario,
        points.customer_class[segment][modelled],
        points.annual_kwh[segment][modelled],
        rng.generator(MV_CUSTOMER_STREAM),
        fleet_members,
    )
    rows = fleet_members.take(np.asarray(points.load_row[segment][modelled], dtype=np.int64))
    load = grid.net.load
    p = load["p_mw"].to_numpy(dtype=np.float64)[rows]
    q = load["q_mvar"].to_numpy(dtype=np.float64)[rows]
    tan_phi = np.divide(q, p, out=np.zeros_like(p), where=p > 0)
    return MvCustomers(fleet=fleet, load_rows=rows, tan_phi=tan_phi)
