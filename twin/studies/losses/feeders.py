"""The radial feeder tree of every LV area, from the utility's network tables.

Each area is the tree of in-service lines reached from its distribution
transformer's LV busbar (``internal/network_branch``, the transformer's
``to_bus_id``) over the buses of that area (``internal/network_bus``); a
meshed area is cut to its breadth-first spanning tree and noted. The trees of
all areas are stacked into one sparse *downstream* matrix, so that one sparse
product gives the flow of every line of every area in every interval
(:func:`twin.studies.losses.technical.branch_flows_w`).

References
----------
.. [1] A. Hagberg, D. Schult, P. Swart, "Exploring network structure,
   dynamics, and function using NetworkX", Proc. SciPy 2008 (breadth-first
   trees and descendants).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from twin.studies.losses.settings import LossSettings
from twin.studies.losses.technical import iron_loss_w, loss_coefficient_per_w

__all__ = ["FeederModel", "build_feeders", "downstream_matrix"]


@dataclass(frozen=True)
class FeederModel:
    """The feeder trees of the assessed areas, stacked block by block.

    Attributes
    ----------
    area_ids : numpy.ndarray
        ``transformer_id`` of each area, in the study's area order.
    node_bus_id, node_area : numpy.ndarray
        Bus id and area index of every node (the LV busbar of area ``a`` is
        node ``root_node[a]``).
    root_node : numpy.ndarray
        Node index of each area's LV busbar; -1 where the area has no tree.
    downstream : scipy.sparse.csr_array, shape (branches, nodes)
        1 where a node lies at or below a line's far end.
    branch_area : numpy.ndarray
        Area index of each line.
    branch_r_ohm, branch_vn_kv : numpy.ndarray
        Resistance [ohm] and nominal voltage [kV] of each line.
    branch_coef_per_w : numpy.ndarray
        ``R / (V² pf²)`` of each line [1/W].
    trafo_coef_per_w : numpy.ndarray
        The same for each area's transformer, referred to its LV side (NaN unknown).
    trafo_iron_w : numpy.ndarray
        No-load loss of each area's transformer [W] (NaN unknown).
    notes : list of str
        What could not be modelled as asked, for ``metrics.json``.
    """

    area_ids: NDArray[np.int64]
    node_bus_id: NDArray[np.int64]
    node_area: NDArray[np.int64]
    root_node: NDArray[np.int64]
    downstream: sp.csr_array
    branch_area: NDArray[np.int64]
    branch_r_ohm: NDArray[np.float64]
    branch_vn_kv: NDArray[np.float64]
    branch_coef_per_w: NDArray[np.float64]
    trafo_coef_per_w: NDArray[np.float64]
    trafo_iron_w: NDArray[np.float64]
    notes: list[str] = field(default_factory=list)

    @property
    def has_lines(self) -> NDArray[np.bool_]:
        """Whether each area has a feeder tree (its technical estimate is known)."""
        result: NDArray[np.bool_] = self.root_node >= 0
        return result

    def locate(self, area_index: NDArray[np.int64], bus_id: NDArray[np.int64]) -> NDArray:
        """Node of each meter from its area index and bus; the LV busbar when off the tree.

        Returns -1 for meters outside every assessed area or in an area without a tree.
        """
        keys = pd.MultiIndex.from_arrays([self.node_area, self.node_bus_id])
        wanted = pd.MultiIndex.from_arrays(
            [np.asarray(area_index, dtype=np.int64), np.asarray(bus_id, dtype=np.int64)]
        )
        node = keys.get_indexer(wanted).astype(np.int64)
        inside = np.asarray(area_index) >= 0
        fallback = np.where(inside, self.root_node[np.where(inside, area_index, 0)], -1)
        result: NDArray = np.where(node >= 0, node, fallback)
        return result


def downstream_matrix(parent: NDArray[np.int64]) -> sp.csr_array:
    """Branch-by-node matrix of a forest: 1 where a node is at or below a branch's far end.

    Parameters
    ----------
    parent : numpy.ndarray
        Parent node of every node, -1 for roots; parents come before children.

    Returns
    -------
    scipy.sparse.csr_array, shape (n_branches, n_nodes)
        One row per non-root node (the branch into it), in node order.
    """
    n = len(parent)
    children = np.flatnonzero(parent >= 0)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[children] = np.arange(len(children))
    rows: list[int] = []
    cols: list[int] = []
    for node in range(n):  # every node lies below each branch on its path to the root
        up = node
        while parent[up] >= 0:
            rows.append(int(row_of[up]))
            cols.append(node)
            up = int(parent[up])
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_array((data, (rows, cols)), shape=(len(children), n))


def _line_graph(lines: pd.DataFrame, buses: set[int]) -> nx.Graph:
    """The in-service lines among ``buses``, parallel lines combined."""
    graph = nx.Graph()
    inside = lines["from_bus_id"].isin(buses) & lines["to_bus_id"].isin(buses)
    chosen = lines[inside]
    for a, b, r, vn in zip(
        chosen["from_bus_id"].to_numpy(dtype=np.int64).tolist(),
        chosen["to_bus_id"].to_numpy(dtype=np.int64).tolist(),
        chosen["r_ohm"].to_numpy(dtype=np.float64).tolist(),
        chosen["vn_kv"].to_numpy(dtype=np.float64).tolist(),
        strict=True,
    ):
        if a == b:
            continue
        if graph.has_edge(a, b):
            old = graph.edges[a, b]["r_ohm"]
            r = old * r / (old + r) if old + r > 0 else 0.0
        graph.add_edge(a, b, r_ohm=r, vn_kv=vn)
    return graph


@dataclass
class _Tree:
    buses: list[int]
    parent: list[int]
    r_ohm: list[float]
    vn_kv: list[float]
    meshed: bool


def _area_tree(graph: nx.Graph, root: int) -> _Tree:
    """Breadth-first tree of ``graph`` from ``root``: buses, parents, the lines into them."""
    if root not in graph:
        return _Tree([root], [-1], [], [], meshed=False)
    edges = list(nx.bfs_edges(graph, root))
    order = [root, *(child for _, child in edges)]
    index = {bus: i for i, bus in enumerate(order)}
    parent, r_ohm, vn_kv = [-1], [], []
    for up, bus in edges:
        edge = graph.edges[up, bus]
        parent.append(index[up])
        r_ohm.append(float(edge["r_ohm"]))
        vn_kv.append(float(edge["vn_kv"]))
    component = graph.subgraph(order)
    meshed = component.number_of_edges() > len(order) - 1
    return _Tree(order, parent, r_ohm, vn_kv, meshed)


def _branch_columns(branches: pd.DataFrame, buses: pd.DataFrame | None) -> pd.DataFrame:
    """Lines in service with ``r_ohm`` and ``vn_kv`` (the from bus's where not given)."""
    lines = branches[(branches["kind"] == "line") & branches["in_service"].astype(bool)].copy()
    if "vn_kv" not in lines or lines["vn_kv"].isna().any():
        vn = buses.set_index("bus_id")["vn_kv"] if buses is not None else pd.Series(dtype=float)
        from_vn = lines["from_bus_id"].map(vn).to_numpy(dtype=np.float64)
        own = lines["vn_kv"].to_numpy(dtype=np.float64) if "vn_kv" in lines else from_vn
        lines["vn_kv"] = np.where(np.isfinite(own), own, from_vn)
    return lines


def _empty(area_ids: NDArray[np.int64], notes: list[str]) -> FeederModel:
    n = len(area_ids)
    nan = np.full(n, np.nan)
    none = np.zeros(0, dtype=np.int64)
    return FeederModel(
        area_ids=area_ids,
        node_bus_id=none,
        node_area=none,
        root_node=np.full(n, -1, dtype=np.int64),
        downstream=sp.csr_array((0, 0)),
        branch_area=none,
        branch_r_ohm=np.zeros(0),
        branch_vn_kv=np.zeros(0),
        branch_coef_per_w=np.zeros(0),
        trafo_coef_per_w=nan,
        trafo_iron_w=nan.copy(),
        notes=notes,
    )


def build_feeders(
    area_ids: NDArray[np.int64],
    buses: pd.DataFrame | None,
    branches: pd.DataFrame | None,
    settings: LossSettings,
) -> FeederModel:
    """The feeder trees of ``area_ids`` from ``internal/network_bus`` and ``network_branch``.

    Parameters
    ----------
    area_ids : numpy.ndarray
        ``transformer_id`` of each area, in the study's order.
    buses : pandas.DataFrame or None
        ``internal/network_bus`` (``bus_id``, ``vn_kv``, ``transformer_id``).
    branches : pandas.DataFrame or None
        ``internal/network_branch`` with ``r_ohm`` and ``vn_kv``.
    settings : LossSettings
        The power factor and the default iron-loss share.

    Returns
    -------
    FeederModel
        Areas without a transformer row or without resistances have no tree
        (``root_node`` -1), which ``notes`` says.
    """
    area_ids = np.asarray(area_ids, dtype=np.int64)
    if branches is None or buses is None:
        return _empty(
            area_ids, ["no internal/network_bus or network_branch: no technical estimate"]
        )
    if "r_ohm" not in branches:
        return _empty(
            area_ids,
            [
                "internal/network_branch has no r_ohm column (a run written before it was "
                "added): no technical estimate"
            ],
        )
    lines = _branch_columns(branches, buses)
    trafos = branches[branches["kind"] == "trafo"].drop_duplicates("branch_id")
    trafos = trafos.set_index("branch_id")
    bus_area = buses.drop_duplicates("bus_id").set_index("bus_id")["transformer_id"]
    nodes: list[tuple[int, int]] = []
    parents: list[int] = []
    br_area: list[int] = []
    br_r: list[float] = []
    br_vn: list[float] = []
    roots = np.full(len(area_ids), -1, dtype=np.int64)
    trafo_r = np.full(len(area_ids), np.nan)
    trafo_vn = np.full(len(area_ids), np.nan)
    sn_kva = np.full(len(area_ids), np.nan)
    pfe_kw = np.full(len(area_ids), np.nan)
    notes: list[str] = []
    missing, meshed = [], []
    for a, area in enumerate(area_ids):
        if area not in trafos.index:
            missing.append(int(area))
            continue
        row = trafos.loc[area]
        trafo_r[a], trafo_vn[a] = float(row["r_ohm"]), float(row["vn_kv"])
        sn_kva[a] = float(row["sn_kva"])
        if "pfe_kw" in trafos:
            pfe_kw[a] = float(row["pfe_kw"])
        root = int(row["to_bus_id"])
        area_buses = {int(b) for b in bus_area.index[bus_area.to_numpy() == area]} | {root}
        tree = _area_tree(_line_graph(lines, area_buses), root)
        if tree.meshed:
            meshed.append(int(area))
        offset = len(nodes)
        roots[a] = offset
        nodes += [(a, bus) for bus in tree.buses]
        parents += [p + offset if p >= 0 else -1 for p in tree.parent]
        br_area += [a] * len(tree.r_ohm)
        br_r += tree.r_ohm
        br_vn += tree.vn_kv
    if missing:
        notes.append(
            f"areas {missing} have no transformer in internal/network_branch: no "
            "technical estimate there"
        )
    if meshed:
        notes.append(f"areas {meshed} are meshed: their breadth-first spanning tree is used")
    node_area = np.array([a for a, _ in nodes], dtype=np.int64)
    node_bus = np.array([b for _, b in nodes], dtype=np.int64)
    r = np.asarray(br_r, dtype=np.float64)
    vn = np.asarray(br_vn, dtype=np.float64)
    pf = settings.power_factor
    return FeederModel(
        area_ids=area_ids,
        node_bus_id=node_bus,
        node_area=node_area,
        root_node=roots,
        downstream=downstream_matrix(np.asarray(parents, dtype=np.int64)),
        branch_area=np.asarray(br_area, dtype=np.int64),
        branch_r_ohm=r,
        branch_vn_kv=vn,
        branch_coef_per_w=loss_coefficient_per_w(r, vn, pf),
        trafo_coef_per_w=loss_coefficient_per_w(trafo_r, trafo_vn, pf),
        trafo_iron_w=iron_loss_w(sn_kva, settings.iron_loss_share, pfe_kw),
        notes=notes,
    )
