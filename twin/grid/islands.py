"""LV transformer areas solved as islands under a given MV voltage.

An LV area is everything an MV/LV transformer feeds (see
:func:`twin.grid.topology.bus_topology`). With the voltage at the
transformer's MV terminal given, the areas do not influence each other, so
each can be solved alone: the island holds the area's buses, its feeding
transformer(s) and their MV terminal as the slack bus. This is exact for
LV-only networks (the MV side is the external grid itself) and the
``grid.mv: fixed`` approximation elsewhere; in a sharded run the MV level
(:mod:`twin.grid.mv_level`) supplies the terminal voltages per interval.

Solving island by island, in the whole run and in every shard alike, makes a
shard's power flows bit-identical to the unsharded run's: one joint
Newton-Raphson over all areas would iterate until the worst area converges
and so differ in the last digits.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandapower as pp
from numpy.typing import NDArray
from pandapower.auxiliary import pandapowerNet

from twin.grid.network import GridModel
from twin.grid.solver import (
    LightSim2gridSolver,
    PowerFlowResult,
    SolverKind,
    _Layout,
    create_solver,
)
from twin.grid.topology import lv_transformers

__all__ = ["IslandedSolver", "LvArea", "lv_areas", "mv_is_trivial", "slack_voltage_pu"]

_BUS_ELEMENTS = ("load", "sgen", "gen", "shunt", "storage", "ward", "xward", "motor")
"""Element tables copied into an island where they sit on one of the area's buses."""


@dataclass(frozen=True)
class LvArea:
    """One LV transformer area.

    Attributes
    ----------
    transformer : int
        ``net.trafo`` index that names the area (as in
        :attr:`~twin.grid.GridModel.bus_transformer` and the premises' ``transformer``).
    buses : numpy.ndarray
        int64 positions of the area's buses (LV side).
    trafo_rows : numpy.ndarray
        int64 ``net.trafo`` positions of the transformers feeding the area.
    hv_buses : numpy.ndarray
        int64 positions of their MV terminals (the island's slack buses).
    """

    transformer: int
    buses: NDArray[np.int64]
    trafo_rows: NDArray[np.int64]
    hv_buses: NDArray[np.int64]


def lv_areas(grid: GridModel) -> list[LvArea]:
    """Every LV transformer area of a network, by transformer index.

    Parameters
    ----------
    grid : GridModel
        The prepared network.

    Returns
    -------
    list of LvArea
        Sorted by ``transformer``; empty for a network without MV/LV transformers.
    """
    net = grid.net
    bus_trafo = np.asarray(grid.bus_transformer, dtype=np.int64)
    trafos = lv_transformers(net)
    lv_bus = net.trafo["lv_bus"].to_numpy(dtype=np.int64)
    hv_bus = net.trafo["hv_bus"].to_numpy(dtype=np.int64)
    trafo_pos = {int(t): i for i, t in enumerate(net.trafo.index)}
    areas = []
    for t in np.unique(bus_trafo[bus_trafo >= 0]):
        buses = np.flatnonzero(bus_trafo == t).astype(np.int64)
        in_area = np.isin(lv_bus, buses)
        rows = np.asarray(
            sorted(trafo_pos[int(x)] for x in trafos if in_area[trafo_pos[int(x)]]), dtype=np.int64
        )
        areas.append(LvArea(int(t), buses, rows, np.unique(hv_bus[rows]).astype(np.int64)))
    return areas


def mv_is_trivial(grid: GridModel) -> bool:
    """True when the MV side is nothing but the external grid's terminals.

    Then solving the LV areas as islands under the external grid's voltage is
    the whole power flow (every SimBench LV network, CIGRE LV).
    """
    net = grid.net
    areas = lv_areas(grid)
    if not areas:
        return False
    in_area = np.zeros(len(net.bus), dtype=bool)
    for a in areas:
        in_area[a.buses] = True
    on = net.bus["in_service"].to_numpy(dtype=bool)
    slack = np.zeros(len(net.bus), dtype=bool)
    slack[net.ext_grid.loc[net.ext_grid["in_service"], "bus"].to_numpy(dtype=np.int64)] = True
    outside = on & ~in_area
    feeding = np.concatenate([a.trafo_rows for a in areas])
    other_trafos = np.setdiff1d(np.flatnonzero(net.trafo["in_service"].to_numpy(bool)), feeding)
    return bool(np.all(slack[outside])) and other_trafos.size == 0


def slack_voltage_pu(grid: GridModel) -> float:
    """The external grid's voltage setpoint [pu] (the first in-service ext_grid)."""
    eg = grid.net.ext_grid
    on = eg[eg["in_service"].astype(bool)]
    return float(on["vm_pu"].iat[0]) if len(on) else 1.0


@functools.cache
def _empty_network() -> pandapowerNet:
    """An empty pandapower network to copy (creating one costs ~0.2 s, a copy ~10 ms)."""
    return pp.create_empty_network()


def _island_net(net: pandapowerNet, area: LvArea, vm_pu: float) -> pandapowerNet:
    """The area's buses, branches and elements, with a slack at each MV terminal."""
    keep = np.concatenate([area.buses, area.hv_buses])
    sub = copy.deepcopy(_empty_network())
    sub.name, sub.f_hz, sub.sn_mva = f"area {area.transformer}", net.f_hz, net.sn_mva
    labels = net.bus.index.to_numpy()
    sub.bus = net.bus.loc[labels[keep]].sort_index()  # lightsim2grid orders by label
    inside = set(labels[keep].tolist())
    area_labels = set(labels[area.buses].tolist())
    for element in ("line", "trafo"):
        table = net[element]
        a, b = ("from_bus", "to_bus") if element == "line" else ("hv_bus", "lv_bus")
        both = table[a].isin(inside) & table[b].isin(inside)
        sub[element] = table[both & (table[a].isin(area_labels) | table[b].isin(area_labels))]
    for element in _BUS_ELEMENTS:
        if element in net and len(net[element]):
            table = net[element]
            sub[element] = table[table["bus"].isin(area_labels)].sort_index()
    for b in area.hv_buses:
        pp.create_ext_grid(sub, int(labels[b]), vm_pu=vm_pu)
    return sub


class _Island:
    """One area's own network, solver and where its rows sit in the whole network."""

    def __init__(
        self, grid: GridModel, area: LvArea, kind: SolverKind, vm_pu: float, verify: bool
    ) -> None:
        net = grid.net
        sub = _island_net(net, area, vm_pu)
        model = GridModel(
            name=f"{grid.name} area {area.transformer}",
            net=sub,
            residential=np.zeros(len(sub.load), dtype=bool),
            dwellings=np.zeros(len(sub.load), dtype=np.int64),
            load_bus=sub.load["bus"].to_numpy(dtype=np.int64),
            load_transformer=np.full(len(sub.load), area.transformer, dtype=np.int64),
            load_feeder=np.full(len(sub.load), -1, dtype=np.int64),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lightsim2grid's notes on NaN tap data
            self.solver = create_solver(model, kind, verify=verify)
        self.area = area
        self.load_rows = net.load.index.get_indexer(sub.load.index).astype(np.intp)
        self.sgen_rows = net.sgen.index.get_indexer(sub.sgen.index).astype(np.intp)
        self.trafo_rows = net.trafo.index.get_indexer(sub.trafo.index).astype(np.intp)
        self.line_rows = net.line.index.get_indexer(sub.line.index).astype(np.intp)
        sub_bus = net.bus.index.get_indexer(sub.bus.index)
        self.bus_in_sub = np.flatnonzero(np.isin(sub_bus, area.buses)).astype(np.intp)
        self.bus_rows = sub_bus[self.bus_in_sub].astype(np.intp)
        self.slack_bus = net.bus.index.get_indexer(sub.ext_grid["bus"]).astype(np.intp)


class IslandedSolver:
    """Power flow of LV areas, each solved alone under its MV terminal voltage.

    Parameters
    ----------
    grid : GridModel
        The prepared network (not changed).
    areas : sequence of LvArea
        The areas to solve (all of :func:`lv_areas` for a whole run, a shard's share otherwise).
    kind : {"auto", "lightsim2grid", "pandapower"}
        Solver per island (see :func:`twin.grid.create_solver`); with
        ``"auto"`` the first island is verified against pandapower and the
        choice applies to all.
    vm_pu : float, optional
        MV terminal voltage [pu] when none is given per interval; default the
        external grid's setpoint.

    Notes
    -----
    Results cover the areas' buses, lines and feeding transformers; every
    other bus, line and transformer is NaN (not computed here). Loadings
    follow :class:`~twin.grid.PowerFlowResult`'s conventions.
    """

    def __init__(
        self,
        grid: GridModel,
        areas: Sequence[LvArea],
        kind: SolverKind = "auto",
        *,
        vm_pu: float | None = None,
    ) -> None:
        if not areas:
            raise ValueError("no LV areas to solve; expected at least one MV/LV transformer area")
        self.vm_pu = slack_voltage_pu(grid) if vm_pu is None else float(vm_pu)
        first = _Island(grid, areas[0], kind, self.vm_pu, verify=True)
        chosen: SolverKind = (
            "lightsim2grid" if first.solver.name == "lightsim2grid" else "pandapower"
        )
        self._islands = [first] + [
            _Island(grid, a, chosen, self.vm_pu, verify=False) for a in areas[1:]
        ]
        self.name = f"{first.solver.name} per LV area"
        self._layout = _Layout(grid.net)
        self._slack_now = [np.full(i.slack_bus.size, self.vm_pu) for i in self._islands]
        self._trafo_rows = np.concatenate([i.trafo_rows for i in self._islands])
        self._line_rows = np.concatenate([i.line_rows for i in self._islands])

    @property
    def areas(self) -> list[LvArea]:
        """The areas solved, in order."""
        return [i.area for i in self._islands]

    def rows(self, element: str) -> NDArray[np.intp]:
        """Positions of the ``net.<element>`` rows solved here, ascending.

        ``element`` is ``"bus"`` (the areas' buses, not their MV terminals),
        ``"load"``, ``"sgen"``, ``"trafo"`` or ``"line"``.
        """
        attribute = {
            "bus": "bus_rows",
            "load": "load_rows",
            "sgen": "sgen_rows",
            "trafo": "trafo_rows",
            "line": "line_rows",
        }[element]
        return np.sort(np.concatenate([getattr(i, attribute) for i in self._islands]))

    def solve(
        self,
        load_p_mw: NDArray[np.float64],
        load_q_mvar: NDArray[np.float64],
        sgen_p_mw: NDArray[np.float64],
        *,
        bus_vm_pu: NDArray[np.float64] | None = None,
    ) -> PowerFlowResult:
        """Solve every island for one interval.

        Parameters
        ----------
        load_p_mw, load_q_mvar : numpy.ndarray
            Power of every ``net.load`` row of the whole network [MW], [Mvar].
        sgen_p_mw : numpy.ndarray
            Active power of every ``net.sgen`` row [MW], generation positive.
        bus_vm_pu : numpy.ndarray, optional
            Voltage per ``net.bus`` row [pu] to hold at the MV terminals;
            default the fixed :attr:`vm_pu`.

        Returns
        -------
        PowerFlowResult
            Whole-network arrays, NaN outside the areas; ``converged`` only if
            every island converged.
        """
        layout = self._layout
        layout.check(load_p_mw, load_q_mvar, sgen_p_mw)
        load_p = np.asarray(load_p_mw, dtype=np.float64)
        load_q = np.asarray(load_q_mvar, dtype=np.float64)
        sgen_p = np.asarray(sgen_p_mw, dtype=np.float64)
        vm = np.full(layout.n_bus, np.nan)
        p_hv, q_hv, i_hv, i_lv = (np.full(layout.n_trafo, np.nan) for _ in range(4))
        t_loading = np.full(layout.n_trafo, np.nan)
        i_line = np.full(layout.n_line, np.nan)
        l_loading = np.full(layout.n_line, np.nan)
        messages = []
        for j, isl in enumerate(self._islands):
            if bus_vm_pu is not None:
                target = np.asarray(bus_vm_pu, dtype=np.float64)[isl.slack_bus]
                if not np.array_equal(target, self._slack_now[j]):
                    isl.solver.set_slack_vm_pu(target)  # type: ignore[attr-defined]
                    self._slack_now[j] = target
            lp, lq, sp = load_p[isl.load_rows], load_q[isl.load_rows], sgen_p[isl.sgen_rows]
            solver = isl.solver
            if isinstance(solver, LightSim2gridSolver):
                v = solver.step(lp, lq, sp)
                if v is None:
                    messages.append(f"area {isl.area.transformer}: did not converge")
                    continue
                model = solver.model
                vm[isl.bus_rows] = np.abs(v)[isl.bus_in_sub]
                res1, res2 = model.get_trafo_res1(), model.get_trafo_res2()  # type: ignore[attr-defined]
                rows = isl.trafo_rows
                p_hv[rows], q_hv[rows], i_hv[rows], i_lv[rows] = res1[0], res1[1], res1[3], res2[3]
                i_line[isl.line_rows] = np.maximum(
                    model.get_line_res1()[3],  # type: ignore[attr-defined]
                    model.get_line_res2()[3],  # type: ignore[attr-defined]
                )
                continue
            r = solver.solve(lp, lq, sp)
            if not r.converged:
                messages.append(f"area {isl.area.transformer}: {r.message}")
                continue
            vm[isl.bus_rows] = r.vm_pu[isl.bus_in_sub]
            p_hv[isl.trafo_rows], q_hv[isl.trafo_rows] = r.trafo_p_mw, r.trafo_q_mvar
            t_loading[isl.trafo_rows] = r.trafo_loading_percent
            l_loading[isl.line_rows] = r.line_loading_percent
        with np.errstate(divide="ignore", invalid="ignore"):
            computed = np.isfinite(i_hv)
            t_loading[computed] = (
                np.maximum(i_hv * layout.vn_hv_kv, i_lv * layout.vn_lv_kv)
                * np.sqrt(3.0)
                / layout.trafo_rating_mva
                * 100.0
            )[computed]
            computed = np.isfinite(i_line)
            l_loading[computed] = (i_line / layout.line_rating_ka * 100.0)[computed]
        t_off = ~layout.trafo_on & np.isfinite(p_hv)
        l_off = ~layout.line_on & np.isfinite(l_loading)
        for array in (p_hv, q_hv, t_loading):
            array[t_off] = 0.0
        l_loading[l_off] = 0.0
        vm[~layout.bus_on] = np.nan
        return PowerFlowResult(
            converged=not messages,
            vm_pu=vm,
            trafo_p_mw=p_hv,
            trafo_q_mvar=q_hv,
            trafo_loading_percent=t_loading,
            line_loading_percent=l_loading,
            message="; ".join(messages),
        )
