"""LV areas solved apart from the MV network: against pandapower, units, terminal voltages."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pytest

from twin.grid import load_network
from twin.grid.islands import (
    IslandedSolver,
    lv_areas,
    mv_is_trivial,
    solve_units,
)
from twin.grid.mv_level import MvLevel


def _nominal(net: pp.pandapowerNet, scale: float = 1.0) -> tuple[np.ndarray, ...]:
    return (
        net.load["p_mw"].to_numpy() * scale,
        net.load["q_mvar"].to_numpy() * scale,
        net.sgen["p_mw"].to_numpy(),
    )


def test_lv_network_areas_match_pandapower() -> None:
    grid = load_network("cigre_lv")
    assert mv_is_trivial(grid)
    areas = lv_areas(grid)
    assert [a.transformer for a in areas] == [0, 1, 2]
    solver = IslandedSolver(grid, solve_units(areas))
    result = solver.solve(*_nominal(grid.net, 2.0))
    net = copy.deepcopy(grid.net)
    net.load["p_mw"] *= 2.0
    net.load["q_mvar"] *= 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(net, calculate_voltage_angles=True)
    lv = solver.rows("bus")
    assert np.isnan(result.vm_pu[0])  # the MV slack bus is not an area bus
    np.testing.assert_allclose(result.vm_pu[lv], net.res_bus["vm_pu"].to_numpy()[lv], atol=1e-8)
    np.testing.assert_allclose(
        result.trafo_loading_percent, net.res_trafo["loading_percent"].to_numpy(), rtol=1e-6
    )
    np.testing.assert_allclose(result.trafo_p_mw, net.res_trafo["p_hv_mw"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(result.trafo_pl_mw, net.res_trafo["pl_mw"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(
        result.trafo_p_lv_mw, -net.res_trafo["p_lv_mw"].to_numpy(), atol=1e-9
    )
    lines = solver.rows("line")
    assert lines.size == len(net.line)  # every line of an LV network lies in an area
    np.testing.assert_allclose(result.line_pl_mw, net.res_line["pl_mw"].to_numpy(), atol=1e-9)


def test_rows_not_solved_here_are_nan() -> None:
    grid = load_network("cigre_lv")
    areas = lv_areas(grid)
    solver = IslandedSolver(grid, [areas[:1]], "lightsim2grid")
    result = solver.solve(*_nominal(grid.net))
    assert result.converged
    for element, arrays in (
        ("trafo", (result.trafo_pl_mw, result.trafo_p_lv_mw)),
        ("line", (result.line_pl_mw,)),
    ):
        mine = np.zeros(len(grid.net[element]), dtype=bool)
        mine[solver.rows(element)] = True
        for array in arrays:
            assert np.isfinite(array[mine]).all() and np.isnan(array[~mine]).all()
    bad = solver.solve(*_nominal(grid.net, 1e3))
    assert not bad.converged
    for array in (bad.trafo_pl_mw, bad.trafo_p_lv_mw, bad.line_pl_mw):
        assert np.isnan(array).all()


def test_units_group_consecutive_areas() -> None:
    areas = lv_areas(load_network("simbench:1-MVLV-rural-all-0-sw"))
    units = solve_units(areas, max_units=8)
    assert len(units) == 8
    assert [a for u in units for a in u] == areas
    assert max(map(len, units)) - min(map(len, units)) <= 1
    assert solve_units(areas[:3], max_units=8) == [(areas[0],), (areas[1],), (areas[2],)]


@pytest.mark.slow
def test_terminal_voltages_in_the_ratios_equal_slack_buses_of_their_own() -> None:
    grid = load_network("simbench:1-MVLV-rural-all-0-sw")
    net = grid.net
    areas = lv_areas(grid)[:12]
    grouped = IslandedSolver(grid, solve_units(areas, max_units=2), "lightsim2grid")
    alone = IslandedSolver(grid, [(a,) for a in areas], "lightsim2grid")
    rng = np.random.default_rng(4)
    bus_vm = np.full(len(net.bus), np.nan)
    for a in areas:
        bus_vm[a.hv_buses] = rng.uniform(0.96, 1.04, a.hv_buses.size)
    injections = _nominal(net, 1.5)
    ours = grouped.solve(*injections, bus_vm_pu=bus_vm)
    for area in areas:  # reference: each area alone with its terminal as the slack
        ref = IslandedSolver(
            grid, [(area,)], "lightsim2grid", vm_pu=float(bus_vm[area.hv_buses[0]])
        )
        r = ref.solve(*injections)
        rows = ref.rows("bus")
        np.testing.assert_allclose(ours.vm_pu[rows], r.vm_pu[rows], atol=1e-9)
        t = ref.rows("trafo")
        np.testing.assert_allclose(ours.trafo_p_mw[t], r.trafo_p_mw[t], atol=1e-9)
        np.testing.assert_allclose(ours.trafo_pl_mw[t], r.trafo_pl_mw[t], atol=1e-9)
        np.testing.assert_allclose(ours.trafo_p_lv_mw[t], r.trafo_p_lv_mw[t], atol=1e-9)
        lines = ref.rows("line")
        np.testing.assert_allclose(ours.line_pl_mw[lines], r.line_pl_mw[lines], atol=1e-9)
        np.testing.assert_allclose(
            ours.trafo_loading_percent[t], r.trafo_loading_percent[t], rtol=1e-7
        )
    # and back to the fixed voltage: the same answer as a fresh solver
    fresh = alone.solve(*injections)
    back = grouped.solve(*injections, bus_vm_pu=np.full(len(net.bus), grouped.vm_pu))
    np.testing.assert_allclose(back.vm_pu, fresh.vm_pu, atol=1e-9)


@pytest.mark.slow
def test_mv_level_reproduces_the_joint_power_flow() -> None:
    from twin.grid import create_solver

    grid = load_network("simbench:1-MVLV-rural-all-0-sw")
    net = grid.net
    injections = _nominal(net, 1.2)
    joint = create_solver(grid).solve(*injections)
    mv = MvLevel(grid, lv_areas(grid))
    rows = mv.lv_trafo_rows
    level = mv.solve(*injections, joint.trafo_p_mw[rows], joint.trafo_q_mvar[rows])
    buses = mv.rows("bus")
    np.testing.assert_allclose(level.vm_pu[buses], joint.vm_pu[buses], atol=1e-8)
    lines, trafos = mv.rows("line"), mv.rows("trafo")
    np.testing.assert_allclose(level.line_pl_mw[lines], joint.line_pl_mw[lines], atol=1e-9)
    np.testing.assert_allclose(level.trafo_pl_mw[trafos], joint.trafo_pl_mw[trafos], atol=1e-9)
    np.testing.assert_allclose(level.trafo_p_lv_mw[trafos], joint.trafo_p_lv_mw[trafos], atol=1e-9)
    assert np.isnan(level.line_pl_mw).sum() == len(net.line) - lines.size
    assert np.isnan(level.vm_pu).sum() == len(net.bus) - buses.size
