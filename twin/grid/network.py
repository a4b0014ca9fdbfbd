"""Load a network by name and prepare it so that every solver sees the same grid.

Preparation (:func:`prepare_net`) turns a raw pandapower network into a
switch-free, contiguously indexed one that lightsim2grid and pandapower solve
identically:

1. Lines and transformers behind an open switch go out of service
   (lightsim2grid ignores switches).
2. Buses joined by closed bus-bus switches are fused into the one with the
   lowest index; the buses are then renumbered 0..n-1 in their original order.
   :attr:`GridModel.bus_map` maps every original bus id to its prepared index.
3. The switches are dropped; buses no longer fed from a slack, and what hangs
   on them, go out of service.
4. Transformers without a tap changer (``tap_changer_type`` None, which
   pandapower 3 treats as "no taps") get their taps at neutral, and every tap
   position is stored relative to a neutral of 0 (lightsim2grid requires it).
5. ``scaling`` is folded into ``p_mw``/``q_mvar``; loads become constant power
   (the fleets compute their power); storage is set to 0; min/max limit columns
   are cast to float.
6. SimBench profiles are moved out of ``net`` into a compact
   :class:`~twin.grid.profiles.ProfileTable`.
"""

from __future__ import annotations

import copy
import functools
import pathlib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from pandapower.auxiliary import pandapowerNet
from pandapower.toolbox.element_selection import element_bus_tuples
from pandapower.topology import unsupplied_buses

from twin.grid.catalog import NetworkError, NetworkSource, read_network
from twin.grid.profiles import ProfileTable, read_profiles
from twin.grid.topology import LV_THRESHOLD_KV, bus_topology

__all__ = [
    "DWELLING_ANNUAL_KWH",
    "DWELLING_RATED_MW",
    "GridModel",
    "load_network",
    "prepare_net",
]

DWELLING_ANNUAL_KWH = 2_500.0
"""Annual consumption of one dwelling [kWh/a]: the German average is about
2,500 kWh per household (BDEW, "Stromverbrauch im Haushalt", 2023; Destatis).
Used to count the dwellings behind a SimBench household load."""

DWELLING_RATED_MW = 0.003
"""Rated power of one dwelling [MW] for networks without profiles: 3 kW, the
typical rating of a single-home SimBench H0 load."""

RESIDENTIAL_PROFILE_PREFIX = "H0"
"""SimBench household loads use the BDEW H0 standard profile (``H0-A`` ... ``H0-L``).
Note that the prefix is ``H0``, not ``H``: ``HS*`` profiles are HV substations."""


@dataclass(eq=False)
class GridModel:
    """A prepared network and what the fleets need to know about its loads.

    Attributes
    ----------
    name : str
        Display name (``"cigre_lv"``, ``"simbench:<code>"`` or the file stem).
    net : pandapowerNet
        Prepared network (see :func:`prepare_net`), buses indexed 0..n-1.
    residential : numpy.ndarray
        bool per ``net.load`` row: the load hosts households.
    dwellings : numpy.ndarray
        int64 dwelling capacity per ``net.load`` row (0 for non-residential).
    load_bus : numpy.ndarray
        int64 bus index of each load.
    load_transformer : numpy.ndarray
        int64 ``net.trafo`` index of the LV transformer feeding each load, -1 if none.
    load_feeder : numpy.ndarray
        int64 ``net.line`` index of the load's feeder (first line out of the
        transformer's LV busbar), -1 on the busbar or without LV transformer.
    bus_transformer, bus_feeder : numpy.ndarray
        The same per ``net.bus`` row.
    bus_map : dict of int to int
        Original bus id -> prepared bus index (fused buses share one).
    profiles : ProfileTable or None
        SimBench relative profiles of the loads and sgens; None without profiles.
    source : NetworkSource or None
        Where the network came from.
    """

    name: str
    net: pandapowerNet
    residential: np.ndarray
    dwellings: np.ndarray
    load_bus: np.ndarray
    load_transformer: np.ndarray
    load_feeder: np.ndarray
    bus_transformer: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bus_feeder: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bus_map: dict[int, int] = field(default_factory=dict)
    profiles: ProfileTable | None = None
    source: NetworkSource | None = None

    @property
    def dwelling_capacity(self) -> int:
        """Total number of dwellings the residential loads host."""
        return int(self.dwellings.sum())

    @property
    def bus_id(self) -> np.ndarray:
        """Original bus id of each prepared bus (the lowest id of fused buses), int64.

        Streams report these, so that results line up with the source network.
        """
        ids = np.full(len(self.net.bus), np.iinfo(np.int64).max, dtype=np.int64)
        if not self.bus_map:
            return np.asarray(self.net.bus.index, dtype=np.int64)
        original = np.fromiter(self.bus_map.keys(), dtype=np.int64, count=len(self.bus_map))
        prepared = np.fromiter(self.bus_map.values(), dtype=np.int64, count=len(self.bus_map))
        np.minimum.at(ids, prepared, original)
        return ids

    @property
    def n_loads(self) -> int:
        """Number of ``net.load`` rows."""
        return len(self.net.load)

    @property
    def n_sgens(self) -> int:
        """Number of ``net.sgen`` rows."""
        return len(self.net.sgen)

    def copy(self) -> GridModel:
        """Deep copy of the network and the arrays (profiles are read-only, shared)."""
        return replace(
            self,
            net=copy.deepcopy(self.net),
            residential=self.residential.copy(),
            dwellings=self.dwellings.copy(),
            load_bus=self.load_bus.copy(),
            load_transformer=self.load_transformer.copy(),
            load_feeder=self.load_feeder.copy(),
            bus_transformer=self.bus_transformer.copy(),
            bus_feeder=self.bus_feeder.copy(),
            bus_map=dict(self.bus_map),
        )


# --------------------------------------------------------------------------- preparation


_EXTRA_BUS_COLUMNS = {("svc", "bus"), ("tcsc", "from_bus"), ("tcsc", "to_bus"), ("vsc", "bus")}


def _bus_columns(net: pandapowerNet) -> list[tuple[str, str]]:
    pairs = set(element_bus_tuples(bus_elements=True, branch_elements=True)) | _EXTRA_BUS_COLUMNS
    return sorted(
        (e, c)
        for e, c in pairs
        if e != "switch" and e in net and isinstance(net[e], pd.DataFrame) and c in net[e]
    )


def _fuse_groups(buses: np.ndarray, pairs: np.ndarray) -> dict[int, int]:
    """Union-find: each bus -> the lowest bus id of its closed-switch group."""
    parent = {int(b): int(b) for b in buses}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {b: find(b) for b in parent}


def _apply_switches(net: pandapowerNet) -> dict[int, int]:
    """Open switches -> branches out of service; fuse closed bus-bus switches; renumber."""
    sw = net.switch
    closed = sw["closed"].to_numpy(dtype=bool)
    et = sw["et"].astype(str).to_numpy()
    for kind, table in (("l", "line"), ("t", "trafo"), ("t3", "trafo3w")):
        opened = sw["element"].to_numpy()[(et == kind) & ~closed]
        if len(opened) and table in net and len(net[table]):
            net[table].loc[net[table].index.intersection(opened), "in_service"] = False
    pairs = sw.loc[(et == "b") & closed, ["bus", "element"]].to_numpy(dtype=np.int64)
    buses = net.bus.index.to_numpy()
    pairs = pairs[np.isin(pairs, buses).all(axis=1)]
    rep = _fuse_groups(buses, pairs)
    survivors = sorted(set(rep.values()))
    new_index = {b: i for i, b in enumerate(survivors)}
    bus_map = {b: new_index[r] for b, r in rep.items()}

    lookup = pd.Series(bus_map)
    for element, column in _bus_columns(net):
        if len(net[element]):
            mapped = lookup.reindex(net[element][column].to_numpy())
            if mapped.isna().any():
                unknown = sorted(set(net[element][column][mapped.isna().to_numpy()]))[:5]
                raise NetworkError(
                    f"net.{element}.{column} refers to buses that do not exist: {unknown}; "
                    "expected indices of net.bus"
                )
            net[element][column] = mapped.to_numpy(dtype=np.int64)
    if "measurement" in net and len(net.measurement):
        is_bus = net.measurement["element_type"] == "bus"
        net.measurement.loc[is_bus, "element"] = (
            lookup.reindex(net.measurement.loc[is_bus, "element"].to_numpy())
            .fillna(-1)
            .to_numpy(dtype=np.int64)
        )
    net.bus = net.bus.loc[survivors]
    net.bus.index = pd.RangeIndex(len(survivors))
    net.switch = net.switch.iloc[0:0]
    # branches inside a fused group now start and end on the same bus
    for table, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        inner = net[table][a].to_numpy() == net[table][b].to_numpy()
        net[table].loc[inner, "in_service"] = False
    return bus_map


def _isolate_unsupplied(net: pandapowerNet) -> None:
    dead = np.array(sorted(unsupplied_buses(net, respect_switches=False)), dtype=np.int64)
    if len(dead) == 0:
        return
    net.bus.loc[dead, "in_service"] = False
    for element, column in _bus_columns(net):
        table = net[element]
        if len(table) and "in_service" in table:
            table.loc[table[column].isin(dead), "in_service"] = False


def _neutral_taps(net: pandapowerNet) -> None:
    trafo = net.trafo
    if len(trafo) == 0:
        return
    if "tap_changer_type" in trafo:
        kind = trafo["tap_changer_type"]
        no_changer = kind.isna().to_numpy() | (kind.astype(str).to_numpy() == "None")
    else:
        no_changer = np.ones(len(trafo), dtype=bool)
    neutral = pd.to_numeric(trafo["tap_neutral"], errors="coerce").fillna(0.0).to_numpy()
    pos = pd.to_numeric(trafo["tap_pos"], errors="coerce").to_numpy(dtype=np.float64)
    pos = np.where(no_changer | ~np.isfinite(pos), neutral, pos)
    trafo["tap_pos"] = pos - neutral
    for column in ("tap_min", "tap_max"):
        if column in trafo:
            trafo[column] = pd.to_numeric(trafo[column], errors="coerce").to_numpy() - neutral
    trafo["tap_neutral"] = 0.0
    for column in ("tap_step_percent", "tap_step_degree"):
        if column in trafo:
            trafo[column] = pd.to_numeric(trafo[column], errors="coerce").fillna(0.0)


def _fold_scaling(net: pandapowerNet) -> None:
    for element, columns in (("load", ("p_mw", "q_mvar")), ("sgen", ("p_mw", "q_mvar"))):
        table = net[element]
        if "scaling" in table and len(table):
            scale = pd.to_numeric(table["scaling"], errors="coerce").fillna(1.0)
            for column in columns:
                table[column] = table[column].astype(np.float64) * scale
            table["scaling"] = 1.0
    if "gen" in net and len(net.gen) and "scaling" in net.gen:
        net.gen["p_mw"] = net.gen["p_mw"] * pd.to_numeric(net.gen["scaling"]).fillna(1.0)
        net.gen["scaling"] = 1.0
    for column in net.load.columns:
        if column.startswith("const_") and column.endswith("_percent"):
            net.load[column] = 0.0
    if "storage" in net and len(net.storage):
        net.storage["p_mw"] = 0.0
        net.storage["q_mvar"] = 0.0


def _float_limits(net: pandapowerNet) -> None:
    for element in ("load", "sgen", "gen", "storage"):
        if element not in net:
            continue
        table = net[element]
        for column in ("min_p_mw", "max_p_mw", "min_q_mvar", "max_q_mvar"):
            if column in table:
                table[column] = pd.to_numeric(table[column], errors="coerce").astype(np.float64)


def prepare_net(net: pandapowerNet) -> tuple[pandapowerNet, dict[int, int], ProfileTable | None]:
    """Prepare a raw network for solving, in place (see the module docstring).

    Parameters
    ----------
    net : pandapowerNet
        Raw network; changed in place.

    Returns
    -------
    net : pandapowerNet
        The same object, prepared.
    bus_map : dict of int to int
        Original bus id -> prepared bus index.
    profiles : ProfileTable or None
        The SimBench profiles the loads and sgens use, if the network has any.
    """
    profiles = read_profiles(net)
    if "profiles" in net:
        del net["profiles"]
    net.bus = net.bus.sort_index()
    bus_map = _apply_switches(net)
    _isolate_unsupplied(net)
    _neutral_taps(net)
    _fold_scaling(net)
    _float_limits(net)
    return net, bus_map, profiles


# --------------------------------------------------------------------------- households


def _residential(net: pandapowerNet, profiles: ProfileTable | None) -> np.ndarray:
    load = net.load
    in_service = load["in_service"].to_numpy(dtype=bool) & net.bus["in_service"].reindex(
        load["bus"]
    ).to_numpy(dtype=bool)
    if profiles is not None and "profile" in load:
        is_h0 = load["profile"].astype(str).str.startswith(RESIDENTIAL_PROFILE_PREFIX).to_numpy()
        return np.asarray(in_service & is_h0, dtype=bool)
    vn_kv = net.bus["vn_kv"].reindex(load["bus"]).to_numpy(dtype=np.float64)
    return np.asarray(in_service & (vn_kv < LV_THRESHOLD_KV), dtype=bool)


def _dwellings(
    net: pandapowerNet, residential: np.ndarray, profiles: ProfileTable | None
) -> np.ndarray:
    p_mw = net.load["p_mw"].to_numpy(dtype=np.float64)
    if profiles is not None:
        step_h = profiles.step_s / 3600.0
        annual_kwh = p_mw * 1e3 * profiles.column_sums()[profiles.load_p_column] * step_h
        count = annual_kwh / DWELLING_ANNUAL_KWH
    else:
        count = p_mw / DWELLING_RATED_MW
    dwellings = np.maximum(1, np.floor(count + 0.5 + 1e-9)).astype(np.int64)
    return np.where(residential, dwellings, 0).astype(np.int64)


def build_grid_model(
    net: pandapowerNet, source: NetworkSource, *, name: str | None = None
) -> GridModel:
    """Prepare a raw network and derive everything :class:`GridModel` holds.

    Parameters
    ----------
    net : pandapowerNet
        Raw network, changed in place.
    source : NetworkSource
        Where it came from.
    name : str, optional
        Display name; defaults to ``source.name``.

    Returns
    -------
    GridModel
    """
    net, bus_map, profiles = prepare_net(net)
    topology = bus_topology(net)
    load_bus = net.load["bus"].to_numpy(dtype=np.int64)
    residential = _residential(net, profiles)
    return GridModel(
        name=name or source.name,
        net=net,
        residential=residential,
        dwellings=_dwellings(net, residential, profiles),
        load_bus=load_bus,
        load_transformer=topology.transformer[load_bus],
        load_feeder=topology.feeder[load_bus],
        bus_transformer=topology.transformer,
        bus_feeder=topology.feeder,
        bus_map=bus_map,
        profiles=profiles,
        source=source,
    )


@functools.lru_cache(maxsize=6)
def _builtin_model(spec: str) -> GridModel:
    net, source = read_network(spec)
    return build_grid_model(net, source)


def load_network(spec: str, *, base_dir: pathlib.Path | None = None) -> GridModel:
    """Load and prepare a network by name or path.

    Parameters
    ----------
    spec : str
        ``"cigre_lv"``, ``"simbench:<code>"``, a city of SimBench MV/LV grids
        (``"city:<code>*<count>+..."``, :mod:`twin.grid.city`) or a path to a
        pandapower JSON file (relative paths: ``base_dir`` first, then the
        current directory).
    base_dir : pathlib.Path, optional
        Folder of the scenario file.

    Returns
    -------
    GridModel
        A fresh model that the caller owns. Built-in networks and cities are
        cached in the process, so loading one again costs a deep copy (~15 ms
        for 1-MVLV-urban-all) instead of reading SimBench (~3 s) or composing
        the city.

    Raises
    ------
    twin.grid.NetworkError
        Unknown name, missing or unreadable file.
    """
    if isinstance(spec, str) and (
        spec.strip() == "cigre_lv" or spec.strip().startswith(("simbench:", "city:"))
    ):
        return _builtin_model(spec.strip()).copy()
    net, source = read_network(spec, base_dir=base_dir)
    return build_grid_model(net, source)
