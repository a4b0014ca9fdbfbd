"""The network tables a run writes: resistances and voltages that reproduce pandapower's losses."""

from __future__ import annotations

import numpy as np
import pandapower as pp

from twin.grid.catalog import NetworkSource
from twin.grid.export import branch_table, bus_table
from twin.grid.network import build_grid_model


def test_branch_resistance_and_voltage(tiny_network: pp.pandapowerNet) -> None:
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    net = grid.net
    table = branch_table(grid)
    lines = table[table["kind"] == "line"].set_index("branch_id")
    expected = net.line["r_ohm_per_km"] * net.line["length_km"] / net.line["parallel"]
    np.testing.assert_allclose(lines.loc[net.line.index, "r_ohm"], expected)
    from_vn = net.bus.loc[net.line["from_bus"], "vn_kv"].to_numpy()
    np.testing.assert_allclose(lines.loc[net.line.index, "vn_kv"], from_vn)
    trafos = table[table["kind"] == "trafo"].set_index("branch_id")
    # "0.25 MVA 20/0.4 kV": vkr 1.44 % -> 0.0144 * 0.4**2 / 0.25 ohm on the LV side
    vkr = net.trafo["vkr_percent"].to_numpy()
    np.testing.assert_allclose(trafos["r_ohm"], vkr / 100 * 0.4**2 / 0.25)
    assert (trafos["vn_kv"] == 0.4).all()
    assert set(table.columns) >= {"r_ohm", "vn_kv"} and table["r_ohm"].notna().all()
    assert len(bus_table(grid)) == len(net.bus)


def test_three_i_squared_r_reproduces_pandapower_losses(tiny_network: pp.pandapowerNet) -> None:
    """``3 I² r_ohm`` of the exported resistances against runpp's pl_mw (reference: pandapower).

    The transformers' no-load branch is removed (``pfe_kw``, ``i0_percent`` 0) so that
    their whole loss is the copper loss of the short-circuit resistance.
    """
    tiny_network.trafo[["pfe_kw", "i0_percent"]] = 0.0
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    net = grid.net
    pp.runpp(net, numba=False)
    table = branch_table(grid)
    lines = table[(table["kind"] == "line") & table["in_service"]].set_index("branch_id")
    lv = lines[lines["vn_kv"] < 1.0]
    current_ka = net.res_line.loc[lv.index, ["i_from_ka", "i_to_ka"]].mean(axis=1)
    estimate_mw = 3 * current_ka**2 * lv["r_ohm"]
    np.testing.assert_allclose(estimate_mw, net.res_line.loc[lv.index, "pl_mw"], rtol=1e-3)
    trafos = table[table["kind"] == "trafo"].set_index("branch_id")
    copper_mw = 3 * net.res_trafo["i_lv_ka"] ** 2 * trafos.loc[net.trafo.index, "r_ohm"]
    np.testing.assert_allclose(copper_mw, net.res_trafo["pl_mw"], rtol=1e-3)
    assert copper_mw.min() > 0
