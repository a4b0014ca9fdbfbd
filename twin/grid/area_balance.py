"""Energy balance of each LV transformer area, from one power flow.

An LV transformer area (the "tai qu" that State Grid manages losses by) is
every bus an MV/LV transformer feeds (:attr:`~twin.grid.GridModel.bus_transformer`).
Per interval, :meth:`AreaBalance.totals` sums, per area and in kW, what its
loads draw, what its generators inject, what its lines and its transformer
lose, and what the transformer delivers out of its LV side. All index arrays
are built once, so a call is a handful of ``numpy.bincount`` calls.

Active power is conserved at every bus of a converged power flow, so in an
area that exchanges power with the rest of the network only through its
transformer(s) and holds nothing but loads and static generators::

    lv_p_kw = load_kw - generation_kw + line_loss_kw

with loads and sgens at the powers the flow was solved with. The transformer's
own losses come on top, at its MV side: ``trafo_p_mw * 1e3 = lv_p_kw +
trafo_loss_kw``. :attr:`AreaBalance.closed` says per area whether the identity
applies; in every SimBench MV/LV and LV network it does for all areas (no
shunt, storage, ward or generator sits in an LV area, and no line joins two
areas).

How closely it holds: both solvers stop at a mismatch below 1e-8 pu per bus
(1e-5 kW on a 1 MVA base), and lightsim2grid keeps a load's or sgen's power
when the new value is within 1e-7 MW of the old one, so its flow may use
injections up to 0.1 W per element away from those given. On 1-MVLV-rural-all
the identity holds to within 1e-6 of an area's throughput (|load| +
|generation| + |LV-side power|; at most 2e-4 kW) with lightsim2grid and 2e-9
with pandapower (``benchmarks/bench_area_balance.py``, tests/grid).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pandapower.auxiliary import pandapowerNet

from twin.grid.network import GridModel
from twin.grid.solver import PowerFlowResult

__all__ = ["AreaBalance", "AreaTotals", "network_losses_kw"]

_OTHER_ELEMENTS = (
    "gen",
    "ext_grid",
    "shunt",
    "storage",
    "ward",
    "xward",
    "motor",
    "asymmetric_load",
    "asymmetric_sgen",
    "svc",
    "ssc",
    "vsc",
)
"""Bus elements that draw or inject active power besides loads and sgens.

A storage unit at 0 MW (as :func:`~twin.grid.network.prepare_net` leaves
every one) is not counted."""

_BRANCHES = (
    ("line", ("from_bus", "to_bus")),
    ("impedance", ("from_bus", "to_bus")),
    ("dcline", ("from_bus", "to_bus")),
    ("tcsc", ("from_bus", "to_bus")),
    ("trafo3w", ("hv_bus", "mv_bus", "lv_bus")),
)
"""Branch tables besides ``trafo`` and their bus columns: one joining two areas,
or an area and a bus outside, opens the area's balance."""


@dataclass(frozen=True, eq=False)
class AreaTotals:
    """Per-area totals of one interval, aligned with :attr:`AreaBalance.transformers`.

    Attributes
    ----------
    load_kw : numpy.ndarray
        Active power of the area's in-service loads [kW], consumption positive.
    generation_kw : numpy.ndarray
        Active power of the area's in-service static generators [kW],
        generation positive.
    line_loss_kw : numpy.ndarray
        Active losses of the lines with both ends in the area [kW].
    trafo_loss_kw : numpy.ndarray
        Active losses of the transformer(s) feeding the area [kW].
    lv_p_kw : numpy.ndarray
        Active power the feeding transformer(s) deliver out of their LV side
        into the area [kW], positive when the area imports.

    The flow quantities are NaN where the power flow gave NaN (not converged,
    or an area another process solves).
    """

    load_kw: NDArray[np.float64]
    generation_kw: NDArray[np.float64]
    line_loss_kw: NDArray[np.float64]
    trafo_loss_kw: NDArray[np.float64]
    lv_p_kw: NDArray[np.float64]


class AreaBalance:
    """Per-LV-transformer-area totals of a power flow, with the index arrays built once.

    Parameters
    ----------
    grid : GridModel
        The prepared network with every ``net.load`` row it will be solved
        with (build it after the public charging stations' loads are added).

    Attributes
    ----------
    transformers : numpy.ndarray
        int64 ``net.trafo`` index of each area's transformer (the values of
        :attr:`~twin.grid.GridModel.bus_transformer`), ascending; every
        :class:`AreaTotals` array follows this order.
    closed : numpy.ndarray
        bool per area: the area exchanges active power only through the
        transformer(s) feeding it and holds only loads and static generators,
        so that ``lv_p_kw = load_kw - generation_kw + line_loss_kw``. False
        where a line or other branch leaves the area other than through its
        feeding transformers, or where a generator, shunt, storage unit at a
        non-zero setpoint, ward or similar element sits on one of its buses.

    Notes
    -----
    An area fed by several transformers in parallel (their LV busbars fused)
    is named after the lowest index, as in ``bus_transformer``; its
    ``trafo_loss_kw`` and ``lv_p_kw`` add up all of them.
    """

    def __init__(self, grid: GridModel) -> None:
        net = grid.net
        self._n_load, self._n_sgen = len(net.load), len(net.sgen)
        self._n_line, self._n_trafo = len(net.line), len(net.trafo)
        bus_trafo = np.asarray(grid.bus_transformer, dtype=np.int64)
        if bus_trafo.shape != (len(net.bus),):
            raise ValueError(
                f"grid.bus_transformer has shape {bus_trafo.shape}; expected "
                f"({len(net.bus)},), one entry per net.bus row"
            )
        self.transformers: NDArray[np.int64] = np.unique(bus_trafo[bus_trafo >= 0])
        n_area = self.transformers.size
        bus_area = np.full(len(net.bus), -1, dtype=np.int64)
        inside = bus_trafo >= 0
        bus_area[inside] = np.searchsorted(self.transformers, bus_trafo[inside])
        bus_area_of = _BusArea(net.bus.index, bus_area)

        self._load_rows, self._load_area = _elements_in_areas(net.load, bus_area_of)
        self._sgen_rows, self._sgen_area = _elements_in_areas(net.sgen, bus_area_of)

        line_on = net.line["in_service"].to_numpy(dtype=bool)
        from_area = bus_area_of(net.line["from_bus"])
        within = line_on & (from_area >= 0) & (from_area == bus_area_of(net.line["to_bus"]))
        self._line_rows = np.flatnonzero(within).astype(np.intp)
        self._line_area = from_area[within]

        trafo_on = net.trafo["in_service"].to_numpy(dtype=bool)
        lv_area = bus_area_of(net.trafo["lv_bus"])
        hv_area = bus_area_of(net.trafo["hv_bus"])
        feeding = trafo_on & (lv_area >= 0) & (hv_area != lv_area)
        self._trafo_rows = np.flatnonzero(feeding).astype(np.intp)
        self._trafo_area = lv_area[feeding]

        self.closed: NDArray[np.bool_] = ~_open_areas(net, bus_area_of, n_area)

    def restricted(self, areas: NDArray[np.integer]) -> AreaBalance:
        """The same balance over only some areas (a shard's), at their cost per interval.

        Parameters
        ----------
        areas : numpy.ndarray
            Positions in :attr:`transformers` of the areas kept, ascending.

        Returns
        -------
        AreaBalance
            Its :attr:`transformers` and :class:`AreaTotals` hold only those areas, with
            the values the whole balance gives them (the same rows added in the same order).
        """
        keep = np.asarray(areas, dtype=np.int64)
        if keep.size > 1 and np.any(np.diff(keep) <= 0):
            raise ValueError("areas given out of order; expected ascending unique positions")
        new_position = np.full(self.transformers.size, -1, dtype=np.int64)
        new_position[keep] = np.arange(keep.size)
        out = copy.copy(self)
        out.transformers = self.transformers[keep]
        out.closed = self.closed[keep]
        for rows, area in (
            ("_load_rows", "_load_area"),
            ("_sgen_rows", "_sgen_area"),
            ("_line_rows", "_line_area"),
            ("_trafo_rows", "_trafo_area"),
        ):
            inside = new_position[getattr(self, area)] >= 0
            setattr(out, rows, getattr(self, rows)[inside])
            setattr(out, area, new_position[getattr(self, area)[inside]])
        return out

    def totals(
        self,
        result: PowerFlowResult,
        load_p_mw: NDArray[np.float64],
        sgen_p_mw: NDArray[np.float64],
    ) -> AreaTotals:
        """Sum one interval's injections and power-flow results per area.

        Parameters
        ----------
        result : PowerFlowResult
            The interval's power flow over the whole network (an
            :class:`~twin.grid.islands.IslandedSolver`'s too: areas it did
            not solve come out NaN).
        load_p_mw : numpy.ndarray
            Active power of every ``net.load`` row the flow was solved with
            [MW], consumption positive.
        sgen_p_mw : numpy.ndarray
            Active power of every ``net.sgen`` row [MW], generation positive.

        Returns
        -------
        AreaTotals
            Arrays in kW, one value per entry of :attr:`transformers`.
        """
        for label, values, n in (
            ("load_p_mw", load_p_mw, self._n_load),
            ("sgen_p_mw", sgen_p_mw, self._n_sgen),
            ("result.line_pl_mw", result.line_pl_mw, self._n_line),
            ("result.trafo_pl_mw", result.trafo_pl_mw, self._n_trafo),
            ("result.trafo_p_lv_mw", result.trafo_p_lv_mw, self._n_trafo),
        ):
            if np.shape(values) != (n,):
                raise ValueError(
                    f"{label} given shape {np.shape(values)}; expected ({n},), one value per row"
                )
        n = self.transformers.size
        trafo_rows, trafo_area = self._trafo_rows, self._trafo_area
        return AreaTotals(
            load_kw=_sum_kw(self._load_area, np.asarray(load_p_mw)[self._load_rows], n),
            generation_kw=_sum_kw(self._sgen_area, np.asarray(sgen_p_mw)[self._sgen_rows], n),
            line_loss_kw=_sum_kw(self._line_area, result.line_pl_mw[self._line_rows], n),
            trafo_loss_kw=_sum_kw(trafo_area, result.trafo_pl_mw[trafo_rows], n),
            lv_p_kw=_sum_kw(trafo_area, result.trafo_p_lv_mw[trafo_rows], n),
        )


def network_losses_kw(result: PowerFlowResult) -> tuple[float, float]:
    """Active losses of the whole network in one power flow: (lines, transformers) [kW].

    Rows the flow did not compute (NaN outside the areas an
    :class:`~twin.grid.islands.IslandedSolver` solves) are left out; both are
    NaN when the flow did not converge.
    """
    if not result.converged:
        return float("nan"), float("nan")
    return float(np.nansum(result.line_pl_mw)) * 1e3, float(np.nansum(result.trafo_pl_mw)) * 1e3


class _BusArea:
    """Area position of the buses named by ``net.bus`` label, -1 outside every area."""

    def __init__(self, labels: pd.Index, bus_area: NDArray[np.int64]) -> None:
        self._index = labels
        self._bus_area = np.append(bus_area, -1)  # get_indexer's -1 (no such bus) reads this

    def __call__(self, buses: pd.Series) -> NDArray[np.int64]:
        return self._bus_area[self._index.get_indexer(pd.Index(buses))]


def _open_areas(net: pandapowerNet, bus_area_of: _BusArea, n_area: int) -> NDArray[np.bool_]:
    """Per area: a branch other than a feeding transformer leaves it, or an element
    other than loads and sgens sits in it (see :attr:`AreaBalance.closed`)."""
    open_ = np.zeros(n_area, dtype=bool)
    trafo = net.trafo
    hv_area, lv_area = bus_area_of(trafo["hv_bus"]), bus_area_of(trafo["lv_bus"])
    # a transformer out of an area (an LV/LV one feeding another area) opens it
    leaving = trafo["in_service"].to_numpy(dtype=bool) & (hv_area >= 0) & (hv_area != lv_area)
    open_[hv_area[leaving]] = True
    for table, columns in _BRANCHES:
        if table not in net or not len(net[table]):
            continue
        on = net[table]["in_service"].to_numpy(dtype=bool)
        ends = np.stack([bus_area_of(net[table][c]) for c in columns])
        leaves = on & (ends != ends[0]).any(axis=0)
        for end in ends:
            open_[end[leaves & (end >= 0)]] = True
    for table in _OTHER_ELEMENTS:
        if table not in net or not len(net[table]):
            continue
        element = net[table]
        on = element["in_service"].to_numpy(dtype=bool)
        if table == "storage":
            on &= element["p_mw"].to_numpy(dtype=np.float64) != 0.0
        area = bus_area_of(element["bus"])
        open_[area[on & (area >= 0)]] = True
    return open_


def _elements_in_areas(
    table: pd.DataFrame, bus_area_of: _BusArea
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Positions of a bus element table's in-service rows that sit in an area, and their areas."""
    if not len(table):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64)
    area = bus_area_of(table["bus"])
    rows = np.flatnonzero(table["in_service"].to_numpy(dtype=bool) & (area >= 0))
    return rows.astype(np.intp), area[rows]


def _sum_kw(area: NDArray[np.int64], values_mw: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    return np.bincount(area, weights=values_mw, minlength=n).astype(np.float64) * 1e3
