"""LV transformer and feeder of each bus, checked against networkx paths."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.topology as top
import pytest

from tests.grid.conftest import SEMIURB4
from twin.grid import GridModel, bus_topology, load_network, place_premises
from twin.grid.catalog import NetworkSource
from twin.grid.network import build_grid_model


def test_tiny_network_assignment(tiny_network: pp.pandapowerNet) -> None:
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    line = {name: i for i, name in zip(grid.net.line.index, grid.net.line["name"], strict=True)}
    expected = {  # load name -> (transformer, feeder)
        "load b1": (-1, -1),  # MV load
        "load b2": (0, -1),  # on the LV busbar
        "load b5": (0, line["l1"]),
        "load b8": (0, line["l1"]),  # fused into b5
        "load b6": (0, line["l3"]),
        "load b7": (1, line["l5"]),
        "load b9": (-1, -1),  # islanded behind an open switch
    }
    got = {
        name: (int(t), int(f))
        for name, t, f in zip(
            grid.net.load["name"], grid.load_transformer, grid.load_feeder, strict=True
        )
    }
    assert got == expected


def _check_against_networkx(grid: GridModel) -> None:
    net = grid.net
    graph = top.create_nxgraph(net, include_trafos=False)
    placement = place_premises(grid, None)
    assert placement.n_premises == grid.dwelling_capacity
    lv_bus = net.trafo["lv_bus"]
    for bus, trafo, feeder in zip(
        placement.bus, placement.transformer, placement.feeder, strict=True
    ):
        assert trafo >= 0
        path = nx.shortest_path(graph, int(lv_bus.at[trafo]), int(bus))
        # no other LV transformer's busbar is closer to the bus
        for other, other_lv in lv_bus.items():
            if other != trafo and nx.has_path(graph, int(other_lv), int(bus)):
                assert nx.shortest_path_length(graph, int(other_lv), int(bus)) >= len(path) - 1
        if len(path) == 1:
            assert feeder == -1
        else:
            keys = [k for k in graph[path[0]][path[1]] if k[0] == "line"]
            assert feeder in {int(k[1]) for k in keys}


@pytest.mark.parametrize("spec", ["cigre_lv", f"simbench:{SEMIURB4}"])
def test_premise_transformer_and_feeder_follow_networkx_paths(spec: str) -> None:
    _check_against_networkx(load_network(spec))


def test_network_without_lv_transformer_has_no_assignment() -> None:
    net = pp.create_empty_network()
    a, b = pp.create_bus(net, 20.0), pp.create_bus(net, 20.0)
    pp.create_ext_grid(net, a)
    pp.create_line(net, a, b, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    result = bus_topology(net)
    np.testing.assert_array_equal(result.transformer, [-1, -1])
    np.testing.assert_array_equal(result.feeder, [-1, -1])
