"""The MV level of a sharded run: LV areas seen as loads at their transformers.

The second level of the two-level power flow: the MV network (every bus that
belongs to no LV area, with the HV/MV transformers and the external grid) is
solved with each MV/LV transformer replaced by a load equal to the power the
transformer drew at its MV side in the LV-level solution, plus the MV
network's own loads and generators. Its voltages at the transformers' MV
terminals are what the LV areas are then solved under. This is the classic
block Gauss-Seidel decomposition of a radial distribution network at its
substation boundary (e.g. Kersting, *Distribution System Modeling and
Analysis*, 4th ed., 2017, ch. 10); one exchange per interval is accurate to
the change in LV losses that the terminal-voltage correction causes.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence

import numpy as np
import pandapower as pp
from numpy.typing import NDArray

from twin.grid.islands import LvArea, _empty_network
from twin.grid.network import GridModel
from twin.grid.solver import PowerFlowResult, SolverKind, solver_for_net

__all__ = ["MvLevel"]


class MvLevel:
    """Power flow of the MV network with the LV areas as transformer loads.

    Parameters
    ----------
    grid : GridModel
        The prepared whole network (not changed).
    areas : sequence of LvArea
        Every LV area of the network (:func:`twin.grid.islands.lv_areas`).
    kind : {"auto", "lightsim2grid", "pandapower"}
        The solver (see :func:`twin.grid.create_solver`).
    """

    def __init__(self, grid: GridModel, areas: Sequence[LvArea], kind: SolverKind = "auto"):
        net = grid.net
        in_area = np.zeros(len(net.bus), dtype=bool)
        for area in areas:
            in_area[area.buses] = True
        self.lv_trafo_rows = np.sort(np.concatenate([a.trafo_rows for a in areas])).astype(np.intp)
        labels = net.bus.index.to_numpy()
        keep = set(labels[~in_area].tolist())
        sub = copy.deepcopy(_empty_network())
        sub.name, sub.f_hz, sub.sn_mva = "MV level", net.f_hz, net.sn_mva
        sub.bus = net.bus.loc[labels[~in_area]].sort_index()
        sub.line = net.line[net.line["from_bus"].isin(keep) & net.line["to_bus"].isin(keep)]
        trafo = net.trafo.drop(index=net.trafo.index[self.lv_trafo_rows])
        sub.trafo = trafo[trafo["hv_bus"].isin(keep) & trafo["lv_bus"].isin(keep)]
        for element in ("load", "sgen", "ext_grid", "gen", "shunt", "storage"):
            if element in net and len(net[element]):
                table = net[element]
                sub[element] = table[table["bus"].isin(keep)].sort_index()
        self._own_loads = net.load.index.get_indexer(sub.load.index).astype(np.intp)
        self._own_sgens = net.sgen.index.get_indexer(sub.sgen.index).astype(np.intp)
        hv = net.trafo["hv_bus"].to_numpy(dtype=np.int64)[self.lv_trafo_rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b in hv:  # one load per LV transformer, after the network's own loads
                pp.create_load(sub, int(labels[b]), p_mw=0.0, q_mvar=0.0, name="LV area")
        self.solver = solver_for_net(sub, f"{grid.name} MV level", kind)
        self.terminal_bus = np.unique(hv).astype(np.int64)
        self._bus_rows = net.bus.index.get_indexer(sub.bus.index).astype(np.intp)
        self._trafo_rows = net.trafo.index.get_indexer(sub.trafo.index).astype(np.intp)
        self._line_rows = net.line.index.get_indexer(sub.line.index).astype(np.intp)
        self._sizes = (len(net.bus), len(net.trafo), len(net.line))

    @property
    def name(self) -> str:
        """The solver's name."""
        return self.solver.name

    def rows(self, element: str) -> NDArray[np.intp]:
        """Positions of the ``net.<element>`` rows solved here (bus, trafo or line)."""
        return {"bus": self._bus_rows, "trafo": self._trafo_rows, "line": self._line_rows}[element]

    def load_rows(self) -> NDArray[np.intp]:
        """Positions of the network's own ``net.load`` rows on the MV level."""
        return self._own_loads

    def solve(
        self,
        load_p_mw: NDArray[np.float64],
        load_q_mvar: NDArray[np.float64],
        sgen_p_mw: NDArray[np.float64],
        lv_trafo_p_mw: NDArray[np.float64],
        lv_trafo_q_mvar: NDArray[np.float64],
    ) -> PowerFlowResult:
        """Solve one interval.

        Parameters
        ----------
        load_p_mw, load_q_mvar, sgen_p_mw : numpy.ndarray
            Injections of every ``net.load`` / ``net.sgen`` row of the whole
            network [MW], [Mvar] (only the MV level's own rows are used).
        lv_trafo_p_mw, lv_trafo_q_mvar : numpy.ndarray
            Power into each MV/LV transformer at its MV side, in the order of
            :attr:`lv_trafo_rows` [MW], [Mvar].

        Returns
        -------
        PowerFlowResult
            Whole-network arrays: the MV buses, lines and HV/MV transformers;
            NaN elsewhere.
        """
        p = np.concatenate([load_p_mw[self._own_loads], lv_trafo_p_mw])
        q = np.concatenate([load_q_mvar[self._own_loads], lv_trafo_q_mvar])
        r = self.solver.solve(p, q, sgen_p_mw[self._own_sgens])
        n_bus, n_trafo, n_line = self._sizes
        vm = np.full(n_bus, np.nan)
        vm[self._bus_rows] = r.vm_pu

        trafo, line = self._trafo_rows, self._line_rows
        return PowerFlowResult(
            converged=r.converged,
            vm_pu=vm,
            trafo_p_mw=_spread(r.trafo_p_mw, trafo, n_trafo),
            trafo_q_mvar=_spread(r.trafo_q_mvar, trafo, n_trafo),
            trafo_loading_percent=_spread(r.trafo_loading_percent, trafo, n_trafo),
            line_loading_percent=_spread(r.line_loading_percent, line, n_line),
            line_pl_mw=_spread(r.line_pl_mw, line, n_line),
            trafo_pl_mw=_spread(r.trafo_pl_mw, trafo, n_trafo),
            trafo_p_lv_mw=_spread(r.trafo_p_lv_mw, trafo, n_trafo),
            message=r.message,
        )


def _spread(values: NDArray[np.float64], rows: NDArray[np.intp], n: int) -> NDArray[np.float64]:
    """A whole-network array of ``n`` rows: ``values`` at ``rows``, NaN elsewhere."""
    whole = np.full(n, np.nan)
    whole[rows] = values
    return whole
