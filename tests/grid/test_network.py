"""Preparation of networks, residential loads and dwelling capacity."""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pytest

from tests.grid.conftest import SEMIURB4
from twin.grid import GridModel, load_network
from twin.grid.catalog import NetworkSource
from twin.grid.network import DWELLING_ANNUAL_KWH, build_grid_model, prepare_net


def _tiny_model(net: pp.pandapowerNet) -> GridModel:
    return build_grid_model(net, NetworkSource("tiny", "file"))


def test_preparation_fuses_switches_and_renumbers(tiny_network: pp.pandapowerNet) -> None:
    grid = _tiny_model(tiny_network)
    net = grid.net
    assert len(net.switch) == 0
    assert list(net.bus.index) == list(range(len(net.bus)))
    # b8 (108) was fused into b5 (105); every original id is mapped
    assert grid.bus_map[108] == grid.bus_map[105] == 5
    assert set(grid.bus_map) == set(range(100, 110))
    assert net.load.loc[net.load["name"] == "load b8", "bus"].item() == 5
    # l4 sits behind an open switch: out of service, its far bus islanded
    assert not net.line.loc[net.line["name"] == "l4", "in_service"].item()
    b9 = grid.bus_map[109]
    assert not net.bus.at[b9, "in_service"]
    assert not net.load.loc[net.load["bus"] == b9, "in_service"].any()


def test_preparation_keeps_the_physics(tiny_network: pp.pandapowerNet) -> None:
    """runpp gives the same voltages on the raw net (switches respected) and the prepared one."""
    raw = copy.deepcopy(tiny_network)
    pp.runpp(raw, numba=False)
    # Preparation drops the charging of the line left open at one end (l4):
    # the reference without it must match exactly, the one with it closely.
    exact = copy.deepcopy(tiny_network)
    exact.line.loc[exact.line["name"] == "l4", "in_service"] = False
    pp.runpp(exact, numba=False)
    grid = _tiny_model(tiny_network)
    pp.runpp(grid.net, numba=False)
    for original, prepared in grid.bus_map.items():
        got = grid.net.res_bus.at[prepared, "vm_pu"]
        if np.isnan(exact.res_bus.at[original, "vm_pu"]):
            assert np.isnan(got)
            continue
        assert got == pytest.approx(exact.res_bus.at[original, "vm_pu"], abs=1e-9)
        assert got == pytest.approx(raw.res_bus.at[original, "vm_pu"], abs=1e-6)


def test_preparation_matches_simbench_with_switches(semiurb4_raw: pp.pandapowerNet) -> None:
    raw = copy.deepcopy(semiurb4_raw)
    pp.runpp(raw, numba=False)
    net, bus_map, profiles = prepare_net(semiurb4_raw)
    assert profiles is not None and "profiles" not in net
    pp.runpp(net, numba=False)
    original = np.array(list(bus_map))
    prepared = np.array([bus_map[b] for b in original])
    np.testing.assert_allclose(
        net.res_bus["vm_pu"].to_numpy()[prepared],
        raw.res_bus.loc[original, "vm_pu"].to_numpy(),
        atol=1e-9,
    )


def test_taps_without_changer_are_neutral() -> None:
    net = pp.create_empty_network()
    hv, lv = pp.create_bus(net, 20.0), pp.create_bus(net, 0.4)
    pp.create_ext_grid(net, hv)
    pp.create_transformer(net, hv, lv, "0.4 MVA 20/0.4 kV")
    net.trafo["tap_changer_type"] = None
    net.trafo["tap_neutral"] = 2.0
    net.trafo["tap_pos"] = 4.0  # ignored by pandapower 3 without a tap changer
    prepare_net(net)
    assert net.trafo.at[0, "tap_pos"] == 0.0
    assert net.trafo.at[0, "tap_neutral"] == 0.0


def test_taps_with_changer_are_kept_relative_to_neutral() -> None:
    net = pp.create_empty_network()
    hv, lv = pp.create_bus(net, 20.0), pp.create_bus(net, 0.4)
    pp.create_ext_grid(net, hv)
    pp.create_load(net, lv, p_mw=0.1)
    pp.create_transformer(net, hv, lv, "0.4 MVA 20/0.4 kV")
    net.trafo["tap_changer_type"] = "Ratio"
    net.trafo["tap_neutral"] = 2.0
    net.trafo["tap_pos"] = 4.0
    raw = copy.deepcopy(net)
    pp.runpp(raw, numba=False)
    prepare_net(net)
    assert (net.trafo.at[0, "tap_pos"], net.trafo.at[0, "tap_neutral"]) == (2.0, 0.0)
    pp.runpp(net, numba=False)
    assert net.res_bus.at[1, "vm_pu"] == pytest.approx(raw.res_bus.at[1, "vm_pu"], abs=1e-12)


def test_scaling_is_folded_and_storage_zeroed(tiny_network: pp.pandapowerNet) -> None:
    tiny_network.load["scaling"] = 0.5
    pp.create_storage(tiny_network, 106, p_mw=0.01, max_e_mwh=0.02)
    p = tiny_network.load["p_mw"].to_numpy().copy()
    grid = _tiny_model(tiny_network)
    np.testing.assert_allclose(grid.net.load["p_mw"], 0.5 * p)
    assert (grid.net.load["scaling"] == 1.0).all()
    assert (grid.net.storage["p_mw"] == 0.0).all()


def test_residential_and_dwellings_without_profiles(tiny_network: pp.pandapowerNet) -> None:
    grid = _tiny_model(tiny_network)
    names = list(grid.net.load["name"])
    residential = dict(zip(names, grid.residential, strict=True))
    dwellings = dict(zip(names, grid.dwellings, strict=True))
    assert not residential["load b1"]  # 20 kV
    assert not residential["load b9"]  # islanded
    # 3 kW a dwelling, at least 1: 12 kW -> 4, 6 -> 2, 3 -> 1, 9 -> 3, 4.5 -> 2 (half up)
    assert dwellings == {
        "load b1": 0,
        "load b2": 4,
        "load b5": 2,
        "load b6": 1,
        "load b7": 3,
        "load b8": 2,
        "load b9": 0,
    }
    assert grid.dwelling_capacity == 12


def test_simbench_dwellings_follow_annual_energy(semiurb4_raw: pp.pandapowerNet) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    profiles = semiurb4_raw.profiles["load"]
    load = semiurb4_raw.load
    is_h0 = load["profile"].str.startswith("H0").to_numpy()
    np.testing.assert_array_equal(grid.residential, is_h0)
    for i in np.flatnonzero(is_h0)[:10]:
        series = profiles[f"{load['profile'].iat[i]}_pload"].astype(float)
        annual_kwh = load["p_mw"].iat[i] * 1e3 * series.sum() * 0.25
        assert grid.dwellings[i] == max(1, int(np.floor(annual_kwh / DWELLING_ANNUAL_KWH + 0.5)))
    assert (grid.dwellings[~is_h0] == 0).all()
    assert grid.dwelling_capacity == 39  # 32 household loads, a few multi-dwelling


def test_dwelling_capacity_of_urban6_is_about_its_homes() -> None:
    grid = load_network("simbench:1-LV-urban6--0-sw")
    assert int(grid.residential.sum()) == 102
    assert grid.dwelling_capacity == 114


def test_cigre_lv_has_three_lv_transformers() -> None:
    grid = load_network("cigre_lv")
    assert len(grid.net.switch) == 0
    assert set(grid.load_transformer) == {0, 1, 2}
    assert grid.residential.all()  # no profiles: every LV load hosts households
    assert grid.dwelling_capacity == 228


def test_load_network_returns_independent_copies() -> None:
    first = load_network("cigre_lv")
    first.net.load["p_mw"] = 99.0
    first.dwellings[:] = 0
    second = load_network("cigre_lv")
    assert (second.net.load["p_mw"] < 1.0).all()
    assert second.dwelling_capacity == 228
