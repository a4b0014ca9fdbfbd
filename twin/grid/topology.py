"""Which LV transformer and which feeder serve each bus.

The LV (MV/LV) transformer of a bus is the transformer whose low-voltage bus
reaches it without crossing another transformer; its feeder is the first line
on that path, counted from the transformer's LV busbar. Both come from one
breadth-first search on the network graph without transformer edges, started
from all LV busbars at once (a virtual source joined to every LV busbar), so
each bus is assigned to the transformer it is fewest branches away from. In a
radial LV network that is the only path; in a meshed one it is the shortest.
The graph comes from ``pandapower.topology.create_nxgraph`` [1]_.

References
----------
.. [1] L. Thurner et al., "pandapower - an Open Source Python Tool for
   Convenient Modeling, Analysis and Optimization of Electric Power Systems",
   IEEE Trans. Power Systems 33(6), 6510-6521, 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandapower.topology as top
from pandapower.auxiliary import pandapowerNet

__all__ = ["LV_THRESHOLD_KV", "BusTopology", "bus_topology", "lv_transformers"]

LV_THRESHOLD_KV = 1.0
"""Buses below this nominal voltage [kV] are low voltage (IEC 60038: LV <= 1 kV)."""

_SOURCE = "__lv_transformer_busbars__"


@dataclass(frozen=True)
class BusTopology:
    """Transformer and feeder of every bus (arrays by ``net.bus`` row).

    Attributes
    ----------
    transformer : numpy.ndarray
        int64 ``net.trafo`` index of the LV transformer serving the bus, -1 if
        none (MV and HV buses, islands).
    feeder : numpy.ndarray
        int64 ``net.line`` index of the first line out of that transformer's
        LV busbar on the path to the bus; -1 on the busbar itself and where
        there is no LV transformer.
    """

    transformer: np.ndarray
    feeder: np.ndarray


def lv_transformers(net: pandapowerNet) -> np.ndarray:
    """In-service two-winding transformers whose LV bus is below 1 kV.

    Parameters
    ----------
    net : pandapowerNet
        The network.

    Returns
    -------
    numpy.ndarray
        int64 ``net.trafo`` indices, ascending.
    """
    if len(net.trafo) == 0:
        return np.empty(0, dtype=np.int64)
    lv_kv = net.bus["vn_kv"].reindex(net.trafo["lv_bus"]).to_numpy(dtype=np.float64)
    mask = net.trafo["in_service"].to_numpy(dtype=bool) & (lv_kv < LV_THRESHOLD_KV)
    return np.sort(net.trafo.index.to_numpy(dtype=np.int64)[mask])


def _first_line(graph: nx.MultiGraph, u: object, v: object) -> int:
    keys = [k for k in graph[u][v] if isinstance(k, tuple) and k[0] == "line"]
    return int(min(k[1] for k in keys)) if keys else -1


def bus_topology(net: pandapowerNet) -> BusTopology:
    """Assign every bus its LV transformer and feeder.

    Parameters
    ----------
    net : pandapowerNet
        The network; switches are respected, out-of-service branches ignored.

    Returns
    -------
    BusTopology
        Arrays by ``net.bus`` row.

    Notes
    -----
    Where several LV transformers share one LV busbar, the busbar and all it
    feeds are assigned to the one with the lowest index.
    """
    labels = net.bus.index.to_numpy()
    position = {int(b): i for i, b in enumerate(labels)}
    transformer = np.full(len(labels), -1, dtype=np.int64)
    feeder = np.full(len(labels), -1, dtype=np.int64)
    trafos = lv_transformers(net)
    if len(trafos) == 0:
        return BusTopology(transformer, feeder)

    graph = top.create_nxgraph(
        net,
        respect_switches=True,
        include_trafos=False,
        include_trafo3ws=False,
        include_out_of_service=False,
    )
    root_of: dict[int, int] = {}
    lv_buses = net.trafo.loc[trafos, "lv_bus"].to_numpy(dtype=np.int64)
    for t, lv_bus in zip(trafos, lv_buses, strict=True):
        root_of.setdefault(int(lv_bus), int(t))
    graph.add_node(_SOURCE)
    graph.add_edges_from((_SOURCE, b) for b in root_of if b in graph)

    for u, v in nx.bfs_edges(graph, _SOURCE):
        iv = position[int(v)]
        if u == _SOURCE:
            transformer[iv] = root_of[int(v)]
            continue
        iu = position[int(u)]
        transformer[iv] = transformer[iu]
        feeder[iv] = _first_line(graph, u, v) if int(u) in root_of else feeder[iu]
    return BusTopology(transformer, feeder)
