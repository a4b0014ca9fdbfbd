"""LV transformer areas solved as islands under a given MV voltage.

An LV area is everything an MV/LV transformer feeds (see
:func:`twin.grid.topology.bus_topology`). With the voltage at the
transformer's MV terminal given, the areas do not influence each other, so
each can be solved alone: the island holds the area's buses, its feeding
transformer(s) and their MV terminal as the slack bus. This is exact for
LV-only networks (the MV side is the external grid itself) and the
``grid.mv: fixed`` approximation elsewhere; in a sharded run the MV level
(:mod:`twin.grid.mv_level`) supplies the terminal voltages per interval.

Under one fixed voltage the areas are solved in a fixed set of *units*
(:func:`solve_units`: at most :data:`MAX_UNITS` groups of consecutive areas,
their transformers hung on one shared slack bus), one Newton-Raphson call per
unit, in the whole run and in every shard alike (a shard holds whole units).
That makes a shard's power flows bit-identical to the unsharded run's: one
joint Newton-Raphson over all areas would iterate until the worst converges
and so differ in the last digits. When the terminal voltages differ (the
second pass of a coupled sharded run) they go into the transformers' ratios.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd
from numpy.typing import NDArray
from pandapower.auxiliary import pandapowerNet

from twin.grid.network import GridModel
from twin.grid.placement import largest_remainder
from twin.grid.solver import (
    LightSim2gridSolver,
    PowerFlowResult,
    SolverError,
    SolverKind,
    _Layout,
    solver_for_net,
)
from twin.grid.topology import lv_transformers

__all__ = [
    "MAX_UNITS",
    "IslandedSolver",
    "LvArea",
    "lv_areas",
    "mv_is_trivial",
    "slack_voltage_pu",
    "solve_units",
]

MAX_UNITS = 32
"""Most solve units of a network under a fixed MV voltage (and so most shards)."""

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
    vn_hv_kv : float
        Rated voltage of the MV terminals [kV] (of the first; NaN if unknown).
        A unit holds areas of one MV voltage only: its transformers share one
        slack bus.
    """

    transformer: int
    buses: NDArray[np.int64]
    trafo_rows: NDArray[np.int64]
    hv_buses: NDArray[np.int64]
    vn_hv_kv: float = float("nan")


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
    lv_bus = net.trafo["lv_bus"].to_numpy(dtype=np.int64)
    hv_bus = net.trafo["hv_bus"].to_numpy(dtype=np.int64)
    trafo_pos = {int(t): i for i, t in enumerate(net.trafo.index)}
    vn_kv = net.bus["vn_kv"].to_numpy(dtype=np.float64)
    # the MV/LV transformers by the area their LV bus lies in, ascending rows in each
    rows = np.asarray(sorted(trafo_pos[int(x)] for x in lv_transformers(net)), dtype=np.int64)
    lv = lv_bus[rows]
    rows = rows[(lv >= 0) & (lv < bus_trafo.size)]
    fed = bus_trafo[lv_bus[rows]]
    rows, fed = rows[fed >= 0], fed[fed >= 0]
    by_area = np.argsort(fed, kind="stable")
    rows, fed = rows[by_area], fed[by_area]
    # the buses by area, ascending positions in each (one sort, not one scan per area)
    inside = np.flatnonzero(bus_trafo >= 0)
    buses = inside[np.argsort(bus_trafo[inside], kind="stable")].astype(np.int64)
    names, first, count = np.unique(bus_trafo[buses], return_index=True, return_counts=True)
    lo, hi = np.searchsorted(fed, names, "left"), np.searchsorted(fed, names, "right")
    areas = []
    for t, b0, n, r0, r1 in zip(
        names.tolist(), first.tolist(), count.tolist(), lo.tolist(), hi.tolist(), strict=True
    ):
        hv = np.unique(hv_bus[rows[r0:r1]]).astype(np.int64)
        level = float(vn_kv[hv[0]]) if hv.size else float("nan")
        areas.append(LvArea(int(t), buses[b0 : b0 + n], rows[r0:r1], hv, level))
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


def solve_units(areas: Sequence[LvArea], max_units: int = MAX_UNITS) -> list[tuple[LvArea, ...]]:
    """Group LV areas into the units the fixed-MV power flow solves, one network each.

    Consecutive areas (by transformer index) are grouped into at most
    ``max_units`` units of near-equal count. One Newton-Raphson call per unit
    keeps the per-call overhead (~25 us) small against the work, and a shard
    holds whole units, so it solves exactly the networks the whole run does.

    A unit never mixes MV voltages (its transformers share one slack bus):
    areas are first split into runs of consecutive areas with the same
    :attr:`LvArea.vn_hv_kv` (one run on a single SimBench grid, one per
    voltage in a city of 10 and 20 kV grids), and the units are shared among
    the runs in proportion to their areas (at least one each, so a network
    with more runs than ``max_units`` gets one unit per run).
    """
    runs: list[list[LvArea]] = []
    for area in areas:
        same = runs and _same_level(runs[-1][-1].vn_hv_kv, area.vn_hv_kv)
        if same:
            runs[-1].append(area)
        else:
            runs.append([area])
    if len(runs) <= 1:
        return _even_units(list(areas), max_units)
    sizes = np.asarray([len(r) for r in runs], dtype=np.int64)
    spare = max(max_units - len(runs), 0)
    share = 1 + largest_remainder(sizes, spare) if spare else np.ones(len(runs), dtype=np.int64)
    return [u for r, n in zip(runs, share.tolist(), strict=True) for u in _even_units(r, n)]


def _same_level(a: float, b: float) -> bool:
    return a == b or (np.isnan(a) and np.isnan(b))


def _even_units(areas: Sequence[LvArea], max_units: int) -> list[tuple[LvArea, ...]]:
    """At most ``max_units`` units of consecutive areas, of near-equal count."""
    n = min(len(areas), max_units)
    bounds = np.linspace(0, len(areas), n + 1).round().astype(int)
    return [tuple(areas[bounds[i] : bounds[i + 1]]) for i in range(n)]


def _unit_net(net: pandapowerNet, areas: Sequence[LvArea], vm_pu: float) -> pandapowerNet:
    """The areas' buses, branches and elements, every feeding transformer on one slack bus.

    The slack bus is the first MV terminal, at ``vm_pu``. That is exact while
    every terminal holds that voltage (their angles do not matter: each area
    hangs on its own transformer); other terminal voltages are put into the
    transformers' ratios (:meth:`IslandedSolver.solve`).
    """
    area_buses = np.concatenate([a.buses for a in areas])
    slack = np.unique(np.concatenate([a.hv_buses for a in areas]))[:1]
    labels = net.bus.index.to_numpy()
    sub = copy.deepcopy(_empty_network())
    sub.name, sub.f_hz, sub.sn_mva = "LV areas", net.f_hz, net.sn_mva
    sub.bus = net.bus.loc[labels[np.concatenate([area_buses, slack])]].sort_index()
    area_labels = set(labels[area_buses].tolist())
    line = net.line
    sub.line = line[line["from_bus"].isin(area_labels) & line["to_bus"].isin(area_labels)]
    rows = np.concatenate([a.trafo_rows for a in areas])
    trafo = net.trafo.iloc[np.sort(rows)].copy()
    trafo["hv_bus"] = labels[slack[0]]
    sub.trafo = trafo  # lightsim2grid orders by label: every table sorted
    for element in _BUS_ELEMENTS:
        if element in net and len(net[element]):
            table = net[element]
            sub[element] = table[table["bus"].isin(area_labels)].sort_index()
    for b in slack:
        pp.create_ext_grid(sub, int(labels[b]), vm_pu=vm_pu)
    return sub


class _Island:
    """One unit's own network, solver and where its rows sit in the whole network."""

    def __init__(
        self,
        grid: GridModel,
        areas: Sequence[LvArea],
        kind: SolverKind,
        vm_pu: float,
        *,
        verify: bool,
    ) -> None:
        net = grid.net
        sub = _unit_net(net, areas, vm_pu)
        name = f"{grid.name} areas {areas[0].transformer}..{areas[-1].transformer}"
        self.solver = solver_for_net(sub, name, kind, verify=verify)
        self.areas = tuple(areas)
        self.load_rows = net.load.index.get_indexer(sub.load.index).astype(np.intp)
        self.sgen_rows = net.sgen.index.get_indexer(sub.sgen.index).astype(np.intp)
        self.trafo_rows = net.trafo.index.get_indexer(sub.trafo.index).astype(np.intp)
        self.line_rows = net.line.index.get_indexer(sub.line.index).astype(np.intp)
        sub_bus = net.bus.index.get_indexer(sub.bus.index)
        area_buses = np.concatenate([a.buses for a in areas])
        self.bus_in_sub = np.flatnonzero(np.isin(sub_bus, area_buses)).astype(np.intp)
        self.bus_rows = sub_bus[self.bus_in_sub].astype(np.intp)
        hv_labels = net.trafo["hv_bus"].to_numpy()[self.trafo_rows]
        self.terminal = net.bus.index.get_indexer(pd.Index(hv_labels)).astype(np.intp)
        self.terminal_vm = np.full(self.terminal.size, vm_pu)
        self.ratio = np.ones(self.terminal.size)
        self.tap_on_hv = np.ones(self.terminal.size, dtype=bool)
        if isinstance(self.solver, LightSim2gridSolver):
            trafos = self.solver.model.get_trafos()  # type: ignore[attr-defined]
            self.ratio = np.asarray([t.ratio for t in trafos], dtype=np.float64)
            self.tap_on_hv = np.asarray([t.is_tap_side_1 for t in trafos], dtype=bool)

    def hold_terminals(self, bus_vm_pu: NDArray[np.float64], vm_pu: float) -> None:
        """Put the terminal voltages ``bus_vm_pu`` (per ``net.bus`` row) into the ratios.

        With the tap at the MV side, a transformer whose MV terminal sits at
        ``v`` behaves exactly like one on a ``vm_pu`` bus with its ratio times
        ``vm_pu / v`` (the ideal ratio comes before the series impedance), so
        the unit keeps its one slack bus [1]_.

        References
        ----------
        .. [1] R. D. Zimmerman, C. E. Murillo-Sanchez, "MATPOWER User's
           Manual", v7.1, 2020, section 3.2 (branch model).
        """
        target = np.asarray(bus_vm_pu, dtype=np.float64)[self.terminal]
        changed = np.flatnonzero(target != self.terminal_vm)
        if changed.size == 0:
            return
        if not isinstance(self.solver, LightSim2gridSolver) or not self.tap_on_hv[changed].all():
            raise SolverError(
                "MV terminal voltages that vary per interval need lightsim2grid and "
                f"transformers tapped on their MV side (areas {_names(self.areas)}); "
                "expected grid.mv 'fixed' or solver 'lightsim2grid'"
            )
        model = self.solver.model
        for j in changed.tolist():
            model.change_ratio_trafo(j, float(self.ratio[j] * vm_pu / target[j]))  # type: ignore[attr-defined]
        self.terminal_vm = target


class IslandedSolver:
    """Power flow of LV areas solved apart from the MV network, under their terminal voltages.

    Parameters
    ----------
    grid : GridModel
        The prepared network (not changed).
    units : sequence of sequence of LvArea
        The areas to solve, in units solved one network each (see
        :func:`solve_units`; single areas when the terminal voltages will be
        given per interval).
    kind : {"auto", "lightsim2grid", "pandapower"}
        Solver per unit (see :func:`twin.grid.create_solver`); with
        ``"auto"`` the first unit is verified against pandapower and the
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
        units: Sequence[Sequence[LvArea]],
        kind: SolverKind = "auto",
        *,
        vm_pu: float | None = None,
    ) -> None:
        if not units or not all(units):
            raise ValueError("no LV areas to solve; expected at least one MV/LV transformer area")
        self.vm_pu = slack_voltage_pu(grid) if vm_pu is None else float(vm_pu)
        first = _Island(grid, units[0], kind, self.vm_pu, verify=True)
        chosen: SolverKind = (
            "lightsim2grid" if first.solver.name == "lightsim2grid" else "pandapower"
        )
        self._islands = [first] + [
            _Island(grid, u, chosen, self.vm_pu, verify=False) for u in units[1:]
        ]
        self.name = f"{first.solver.name} per LV area group"
        self._layout = _Layout(grid.net)
        self._trafo_rows = np.concatenate([i.trafo_rows for i in self._islands])
        self._line_rows = np.concatenate([i.line_rows for i in self._islands])

    @property
    def areas(self) -> list[LvArea]:
        """The areas solved, in order."""
        return [a for i in self._islands for a in i.areas]

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
        t_loading, p_lv_in = np.full(layout.n_trafo, np.nan), np.full(layout.n_trafo, np.nan)
        i_line, l_loading, l_pl = (np.full(layout.n_line, np.nan) for _ in range(3))
        messages = []
        for isl in self._islands:
            if bus_vm_pu is not None:
                isl.hold_terminals(bus_vm_pu, self.vm_pu)
            lp, lq, sp = load_p[isl.load_rows], load_q[isl.load_rows], sgen_p[isl.sgen_rows]
            solver = isl.solver
            if isinstance(solver, LightSim2gridSolver):
                v = solver.step(lp, lq, sp)
                if v is None:
                    messages.append(f"areas {_names(isl.areas)}: did not converge")
                    continue
                model = solver.model
                vm[isl.bus_rows] = np.abs(v)[isl.bus_in_sub]
                res1, res2 = model.get_trafo_res1(), model.get_trafo_res2()  # type: ignore[attr-defined]
                rows = isl.trafo_rows
                p_hv[rows], q_hv[rows], i_lv[rows] = res1[0], res1[1], res2[3]
                i_hv[rows] = res1[3] * (self.vm_pu / isl.terminal_vm)  # at the true terminal
                p_lv_in[rows] = res2[0]  # the ratio ahead of the impedance keeps it exact
                line1, line2 = model.get_line_res1(), model.get_line_res2()  # type: ignore[attr-defined]
                i_line[isl.line_rows] = np.maximum(line1[3], line2[3])
                l_pl[isl.line_rows] = line1[0] + line2[0]
                continue
            r = solver.solve(lp, lq, sp)
            if not r.converged:
                messages.append(f"areas {_names(isl.areas)}: {r.message}")
                continue
            vm[isl.bus_rows] = r.vm_pu[isl.bus_in_sub]
            rows = isl.trafo_rows
            p_hv[rows], q_hv[rows] = r.trafo_p_mw, r.trafo_q_mvar
            t_loading[rows], p_lv_in[rows] = r.trafo_loading_percent, -r.trafo_p_lv_mw
            l_loading[isl.line_rows], l_pl[isl.line_rows] = r.line_loading_percent, r.line_pl_mw
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
        t_pl, p_lv = p_hv + p_lv_in, -p_lv_in
        t_off = ~layout.trafo_on & np.isfinite(p_hv)
        l_off = ~layout.line_on & np.isfinite(l_loading)
        for array in (p_hv, q_hv, t_loading, t_pl, p_lv):
            array[t_off] = 0.0
        l_loading[l_off] = 0.0
        l_pl[l_off] = 0.0
        vm[~layout.bus_on] = np.nan
        return PowerFlowResult(
            converged=not messages,
            vm_pu=vm,
            trafo_p_mw=p_hv,
            trafo_q_mvar=q_hv,
            trafo_loading_percent=t_loading,
            line_loading_percent=l_loading,
            line_pl_mw=l_pl,
            trafo_pl_mw=t_pl,
            trafo_p_lv_mw=p_lv,
            message="; ".join(messages),
        )


def _names(areas: Sequence[LvArea]) -> str:
    return ", ".join(str(a.transformer) for a in areas)
