"""Power flow: lightsim2grid and the pandapower fallback against pandapower.runpp."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandapower as pp
import pytest

from tests.grid.conftest import SEMIURB4, SHIPPED_MODEL, random_injections
from twin.grid import (
    GridModel,
    LightSim2gridSolver,
    PandapowerSolver,
    PowerFlowResult,
    PowerFlowSolver,
    SolverError,
    create_solver,
    load_network,
)
from twin.grid.catalog import NetworkSource
from twin.grid.network import build_grid_model

VM_TOL_PU = 1e-6
LOADING_TOL_PERCENT = 1e-3
LOSS_TOL_MW = 1e-6
"""Losses and LV-side power against runpp (the largest gap seen: 5e-8 MW, at
the LV side of the 1-MVLV-rural-all transformers)."""


def _nominal(grid: GridModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net = grid.net
    return (
        net.load["p_mw"].to_numpy(),
        net.load["q_mvar"].to_numpy(),
        net.sgen["p_mw"].to_numpy(),
    )


def _runpp(
    grid: GridModel, load_p: np.ndarray, load_q: np.ndarray, sgen_p: np.ndarray
) -> pp.pandapowerNet:
    """The reference: pandapower's own power flow, cold-started, on a copy."""
    net = copy.deepcopy(grid.net)
    net.load["p_mw"], net.load["q_mvar"], net.sgen["p_mw"] = load_p, load_q, sgen_p
    pp.runpp(net, numba=False, calculate_voltage_angles=True)
    return net


def _assert_matches_runpp(result: PowerFlowResult, net: pp.pandapowerNet) -> None:
    assert result.converged
    np.testing.assert_allclose(result.vm_pu, net.res_bus["vm_pu"], atol=VM_TOL_PU)
    on = net.trafo["in_service"].to_numpy()
    np.testing.assert_allclose(
        result.trafo_loading_percent[on],
        net.res_trafo["loading_percent"].to_numpy()[on],
        atol=LOADING_TOL_PERCENT,
    )
    np.testing.assert_allclose(
        result.trafo_p_mw[on], net.res_trafo["p_hv_mw"].to_numpy()[on], atol=1e-7
    )
    np.testing.assert_allclose(
        result.trafo_q_mvar[on], net.res_trafo["q_hv_mvar"].to_numpy()[on], atol=1e-7
    )
    lines = net.line["in_service"].to_numpy()
    np.testing.assert_allclose(
        result.line_loading_percent[lines],
        net.res_line["loading_percent"].to_numpy()[lines],
        atol=LOADING_TOL_PERCENT,
    )
    assert (result.line_loading_percent[~lines] == 0).all()
    _assert_losses_match_runpp(result, net)


def _assert_losses_match_runpp(result: PowerFlowResult, net: pp.pandapowerNet) -> None:
    """Line and transformer losses, and the power out of each transformer's LV side."""
    np.testing.assert_allclose(result.line_pl_mw, net.res_line["pl_mw"], atol=LOSS_TOL_MW)
    np.testing.assert_allclose(result.trafo_pl_mw, net.res_trafo["pl_mw"], atol=LOSS_TOL_MW)
    np.testing.assert_allclose(
        result.trafo_p_lv_mw, -net.res_trafo["p_lv_mw"].to_numpy(), atol=LOSS_TOL_MW
    )
    np.testing.assert_allclose(
        result.trafo_p_lv_mw, result.trafo_p_mw - result.trafo_pl_mw, atol=1e-12
    )
    lines, trafos = net.line["in_service"].to_numpy(), net.trafo["in_service"].to_numpy()
    assert (result.line_pl_mw[~lines] == 0).all()
    assert (result.trafo_pl_mw[~trafos] == 0).all() and (result.trafo_p_lv_mw[~trafos] == 0).all()
    assert (result.line_pl_mw[lines] > -LOSS_TOL_MW).all()  # resistive lines lose


def _compare_over_steps(grid: GridModel, solver: PowerFlowSolver, steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nominal = _nominal(grid)
    for _ in range(steps):
        injections = random_injections(rng, *nominal)
        _assert_matches_runpp(solver.solve(*injections), _runpp(grid, *injections))


@pytest.mark.parametrize(
    "spec",
    ["cigre_lv", f"simbench:{SEMIURB4}", str(SHIPPED_MODEL)],
    ids=["cigre_lv", "semiurb4", "shipped_json"],
)
def test_lightsim2grid_matches_runpp(spec: str) -> None:
    grid = load_network(spec)
    solver = create_solver(grid, "lightsim2grid")
    assert isinstance(solver, LightSim2gridSolver)
    assert isinstance(solver, PowerFlowSolver)
    _assert_matches_runpp(solver.solve(*_nominal(grid)), _runpp(grid, *_nominal(grid)))
    _compare_over_steps(grid, solver, steps=6, seed=1)


def test_lightsim2grid_matches_runpp_with_islanded_bus(tiny_network: pp.pandapowerNet) -> None:
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    solver = create_solver(grid, "lightsim2grid")
    result = solver.solve(*_nominal(grid))
    assert np.isnan(result.vm_pu[~grid.net.bus["in_service"].to_numpy()]).all()
    _compare_over_steps(grid, solver, steps=3, seed=2)


@pytest.mark.parametrize("kind", ["lightsim2grid", "pandapower"])
def test_losses_match_runpp_on_an_mvlv_network_with_many_areas(kind: str) -> None:
    grid = load_network("simbench:1-MVLV-rural-all-0-sw")  # 90 LV areas under one MV grid
    solver = create_solver(grid, kind, verify=False)  # type: ignore[arg-type]
    assert solver.name == kind
    rng = np.random.default_rng(5)
    for _ in range(2):
        injections = random_injections(rng, *_nominal(grid))
        result, net = solver.solve(*injections), _runpp(grid, *injections)
        assert result.converged
        _assert_losses_match_runpp(result, net)
        lv = grid.bus_transformer >= 0
        np.testing.assert_allclose(result.vm_pu[lv], net.res_bus["vm_pu"][lv], atol=VM_TOL_PU)


def test_pandapower_fallback_agrees_with_lightsim2grid() -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    fast = create_solver(grid, "lightsim2grid")
    slow = create_solver(grid, "pandapower")
    assert (fast.name, slow.name) == ("lightsim2grid", "pandapower")
    rng = np.random.default_rng(3)
    for _ in range(4):
        injections = random_injections(rng, *_nominal(grid))
        a, b = fast.solve(*injections), slow.solve(*injections)
        assert a.converged and b.converged
        np.testing.assert_allclose(a.vm_pu, b.vm_pu, atol=VM_TOL_PU)
        np.testing.assert_allclose(
            a.trafo_loading_percent, b.trafo_loading_percent, atol=LOADING_TOL_PERCENT
        )
        np.testing.assert_allclose(
            a.line_loading_percent, b.line_loading_percent, atol=LOADING_TOL_PERCENT
        )
    assert len(grid.net.res_bus) == 0  # the fallback solves its own copy


@pytest.mark.parametrize("kind", ["lightsim2grid", "pandapower"])
def test_divergence_gives_nan_and_the_next_step_recovers(kind: str) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    solver = create_solver(grid, kind)  # type: ignore[arg-type]
    p, q, s = _nominal(grid)
    assert solver.solve(p, q, s).converged
    bad = solver.solve(100 * p, 100 * q, s)
    assert not bad.converged
    assert bad.message
    assert np.isnan(bad.vm_pu).all() and len(bad.vm_pu) == len(grid.net.bus)
    assert np.isnan(bad.trafo_loading_percent).all()
    assert np.isnan(bad.line_loading_percent).all()
    for array in (bad.line_pl_mw, bad.trafo_pl_mw, bad.trafo_p_lv_mw):
        assert np.isnan(array).all()
    assert bad.line_pl_mw.shape == (len(grid.net.line),)
    assert bad.trafo_pl_mw.shape == bad.trafo_p_lv_mw.shape == (len(grid.net.trafo),)
    recovered = solver.solve(p, q, s)
    _assert_matches_runpp(recovered, _runpp(grid, p, q, s))


def test_auto_prefers_lightsim2grid() -> None:
    assert create_solver(load_network("cigre_lv")).name == "lightsim2grid"


def test_auto_falls_back_when_lightsim2grid_cannot_convert(
    tiny_network: pp.pandapowerNet,
) -> None:
    # lightsim2grid has no model for impedance elements; pandapower does
    pp.create_impedance(tiny_network, 103, 107, rft_pu=0.01, xft_pu=0.01, sn_mva=1.0)
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    solver = create_solver(grid, "auto")
    assert isinstance(solver, PandapowerSolver)
    assert solver.fallback_reason is not None and "Impedance" in solver.fallback_reason
    assert solver.solve(*_nominal(grid)).converged
    with pytest.raises(SolverError, match="'lightsim2grid' cannot convert network 'tiny'"):
        create_solver(grid, "lightsim2grid")


def test_invalid_kind_and_inputs_are_refused() -> None:
    grid = load_network("cigre_lv")
    with pytest.raises(ValueError, match="invalid value 'fast'; expected one of"):
        create_solver(grid, "fast")  # type: ignore[arg-type]
    solver = create_solver(grid, "lightsim2grid", verify=False)
    p, q, s = _nominal(grid)
    with pytest.raises(ValueError, match=r"load_p_mw given shape \(3,\)"):
        solver.solve(p[:3], q, s)
    with pytest.raises(ValueError, match="load_q_mvar holds NaN"):
        solver.solve(p, np.full_like(q, np.nan), s)


@pytest.mark.slow
def test_lightsim2grid_matches_runpp_on_mvlv_semiurb_all() -> None:
    grid = load_network("simbench:1-MVLV-semiurb-all-0-sw")
    solver = create_solver(grid, "auto")
    assert solver.name == "lightsim2grid"
    _compare_over_steps(grid, solver, steps=3, seed=4)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda r: replace(r, vm_pu=r.vm_pu + 1e-3), "disagree"),
        (lambda r: replace(r, converged=False, message="diverged"), "does not converge"),
    ],
)
def test_auto_distrusts_lightsim2grid_that_fails_the_base_case(
    monkeypatch: pytest.MonkeyPatch,
    tamper: Callable[[PowerFlowResult], PowerFlowResult],
    reason: str,
) -> None:
    grid = load_network("cigre_lv")
    honest = LightSim2gridSolver.solve

    def tampered(self: LightSim2gridSolver, *args: np.ndarray) -> PowerFlowResult:
        return tamper(honest(self, *args))

    monkeypatch.setattr(LightSim2gridSolver, "solve", tampered)
    solver = create_solver(grid, "auto")
    assert isinstance(solver, PandapowerSolver)
    assert solver.fallback_reason is not None and reason in solver.fallback_reason
    with pytest.raises(SolverError, match=reason):
        create_solver(grid, "lightsim2grid")
    assert create_solver(grid, "lightsim2grid", verify=False).name == "lightsim2grid"
