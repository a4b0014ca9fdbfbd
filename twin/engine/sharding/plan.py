"""Split a run into shards by LV transformer area: what each shard simulates.

A shard simulates whole LV areas: their premises (households, DER, meters),
their concentrators and their power flow, each area solved under its MV
terminal voltage (:mod:`twin.grid.islands`). Units of areas are dealt to
shards so that each gets about the same work, premises plus buses (longest
processing time first [1]_), which keeps the shards' run times even.

References
----------
.. [1] R. L. Graham (1969), "Bounds on multiprocessing timing anomalies",
   SIAM Journal on Applied Mathematics 17(2), 416-429.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from twin.errors import Problem, ScenarioError
from twin.grid.islands import lv_areas, solve_units
from twin.members import Members
from twin.scenario import Scenario

if TYPE_CHECKING:
    from twin.engine.site import Site

__all__ = ["ShardPlan", "TerminalVoltages", "deal_areas", "plan_shards"]


@dataclass(frozen=True)
class TerminalVoltages:
    """MV terminal voltage of LV areas per interval (from the MV level).

    Attributes
    ----------
    bus : numpy.ndarray
        int64 bus positions of the terminals (MV side of the LV transformers).
    vm_pu : numpy.ndarray
        float64 ``(n_intervals, len(bus))`` voltage magnitudes [pu].
    """

    bus: NDArray[np.int64]
    vm_pu: NDArray[np.float64]


@dataclass(frozen=True)
class ShardPlan:
    """What one shard of a run simulates.

    Attributes
    ----------
    index, count : int
        This shard's number (0-based) and the number of shards.
    transformers : tuple of int
        ``net.trafo`` indices of the LV areas simulated here, ascending.
    terminals : TerminalVoltages or None
        MV terminal voltages per interval; None holds them at the fixed MV
        voltage (``grid.mv_voltage_pu``).
    flows_only : bool
        Step the devices and the power flow only and write only the
        transformer loading and ``truth/power_flow``: the first level of a
        coupled run, which needs nothing but the transformer loads. The
        meters are not stepped (they never change the power, and their
        random streams are their own); the relays still follow their
        scheduled commands.
    """

    index: int
    count: int
    transformers: tuple[int, ...]
    terminals: TerminalVoltages | None = field(default=None, compare=False)
    flows_only: bool = False

    def members(self, premise_transformer: NDArray[np.int64]) -> Members:
        """The premises of this shard's areas, as positions in the whole fleet.

        Meters outside every LV area (medium-voltage generators and
        customers, transformer -1) belong to the first shard.
        """
        mask = np.isin(premise_transformer, np.asarray(self.transformers, dtype=np.int64))
        if self.index == 0:
            mask |= np.asarray(premise_transformer) < 0
        return Members(np.flatnonzero(mask).astype(np.int64), int(premise_transformer.size))


def deal_areas(
    units: list[tuple[int, ...]], weights: NDArray[np.int64], count: int
) -> list[tuple[int, ...]]:
    """Deal units of LV areas to ``count`` shards, balancing their work.

    Parameters
    ----------
    units : list of tuple of int
        The transformer indices of the areas of each unit (a shard holds
        whole units; see :func:`twin.grid.islands.solve_units`).
    weights : numpy.ndarray
        Work of each unit, e.g. its premises plus its buses (int).
    count : int
        Number of shards, 1 .. ``len(units)``.

    Returns
    -------
    list of tuple of int
        The areas of each shard, ascending; the heaviest units are dealt first,
        each to the shard with the least work so far (ties: lowest shard).
    """
    if not 1 <= count <= len(units):
        raise ValueError(f"shards given {count}; expected 1 .. {len(units)} (whole units each)")
    load = np.zeros(count, dtype=np.int64)
    dealt: list[list[int]] = [[] for _ in range(count)]
    for j in sorted(range(len(units)), key=lambda i: (-int(weights[i]), units[i])):
        target = int(np.argmin(load))
        dealt[target].extend(units[j])
        load[target] += weights[j]
    return [tuple(sorted(d)) for d in dealt]


def plan_shards(scenario: Scenario, count: int, site: Site) -> list[ShardPlan]:
    """Deal the scenario's LV areas to ``count`` shards, or raise a ScenarioError.

    ``site`` is the scenario's :class:`~twin.engine.site.Site`.

    Raises
    ------
    twin.errors.ScenarioError
        The network has fewer LV areas than shards, premises or public
        charging stations outside every LV area.
    """
    source = "" if scenario.source is None else str(scenario.source)
    units = solve_units(lv_areas(site.grid))
    transformer = np.asarray(site.points.transformer, dtype=np.int64)
    outside = (transformer < 0) & ~site.points.outside_areas  # MV meters: shard 0
    problems = []
    if not 1 <= count <= max(len(units), 1):
        problems.append(
            Problem(
                "--shards",
                f"given {count}; network {site.grid.name!r} has {len(units)} unit(s) of LV "
                f"transformer areas, expected 1 .. {max(len(units), 1)} shards (whole units each)",
            )
        )
    if outside.any():
        problems.append(
            Problem(
                "grid.network",
                f"{int(outside.sum())} meter point(s) of {site.grid.name!r} sit outside "
                "every LV transformer area; expected a network whose homes are all fed by "
                "MV/LV transformers to shard it",
            )
        )
    in_area = np.asarray(site.grid.bus_transformer, dtype=np.int64) >= 0
    for j, station in enumerate(scenario.ev.public_stations):
        bus = site.grid.bus_map.get(int(station.bus), int(station.bus))
        if 0 <= bus < in_area.size and not in_area[bus]:
            problems.append(
                Problem(
                    f"ev.public_stations.{j}.bus",
                    f"given {station.bus}, an MV bus; expected an LV bus to shard the run",
                )
            )
    if scenario.grid.solver == "pandapower" and scenario.grid.mv == "coupled":
        problems.append(
            Problem(
                "grid.solver",
                "given 'pandapower'; a sharded run with grid.mv 'coupled' puts the MV "
                "level's voltages into the LV transformers each interval, which needs "
                "lightsim2grid; expected 'auto' or 'lightsim2grid', or grid.mv 'fixed'",
            )
        )
    if problems:
        raise ScenarioError(problems, source)
    weights = np.asarray(
        [
            sum(int(np.count_nonzero(transformer == a.transformer)) + a.buses.size for a in u)
            for u in units
        ],
        dtype=np.int64,
    )
    groups = deal_areas([tuple(a.transformer for a in u) for u in units], weights, count)
    return [ShardPlan(i, count, g) for i, g in enumerate(groups)]
