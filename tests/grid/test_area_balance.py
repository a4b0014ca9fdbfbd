"""Per-area energy balance: index arrays, the balance identity for every solver, NaN, errors."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandapower as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.grid.conftest import SEMIURB4, make_tiny_network
from twin.grid import (
    AreaBalance,
    AreaTotals,
    GridModel,
    PowerFlowResult,
    PowerFlowSolver,
    add_station_loads,
    create_solver,
    load_network,
    network_losses_kw,
)
from twin.grid.catalog import NetworkSource
from twin.grid.islands import IslandedSolver, lv_areas, solve_units
from twin.grid.network import build_grid_model

RURAL_ALL = "simbench:1-MVLV-rural-all-0-sw"

BALANCE_RTOL = 1e-6
"""Largest gap of the area identity, relative to the area's throughput (|load| +
|generation| + |LV-side power|), on top of the absolute bounds below. Seen on
1-MVLV-rural-all: 8e-8 with lightsim2grid, 2e-9 with pandapower."""

MISMATCH_TOL_PU = 1e-8
"""Both solvers stop once every bus's power mismatch is below 1e-8 pu of
``net.sn_mva``: an area's books may be off by that much per bus."""

LS2G_UPDATE_MW = 1e-7
"""lightsim2grid (1.2) keeps a load's or sgen's power when the new value differs
from it by no more than 1e-7 MW, so the flow it solves may differ from the
injections given by that much per element (0.1 W; seen as 2e-4 kW over a
cigre_lv area whose loads went from 1e-6 to 0 times nominal)."""


def _injections(
    grid: GridModel, load_scale: np.ndarray | float, sgen_scale: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net = grid.net
    return (
        net.load["p_mw"].to_numpy() * load_scale,
        net.load["q_mvar"].to_numpy() * load_scale,
        net.sgen["p_mw"].to_numpy() * sgen_scale,
    )


def _assert_balanced(
    totals: AreaTotals, balance: AreaBalance, grid: GridModel, *, relative_only: bool = False
) -> None:
    """lv_p = load - generation + line losses in every closed area.

    Within ``BALANCE_RTOL`` of the throughput plus the solvers' absolute
    bounds, or (``relative_only``, for loaded areas) within ``BALANCE_RTOL`` alone.
    """
    gap = totals.lv_p_kw - (totals.load_kw - totals.generation_kw + totals.line_loss_kw)
    throughput = np.abs(totals.load_kw) + np.abs(totals.generation_kw) + np.abs(totals.lv_p_kw)
    net, n = grid.net, throughput.size
    area_of_bus = np.where(
        grid.bus_transformer >= 0, np.searchsorted(balance.transformers, grid.bus_transformer), n
    )
    buses = np.bincount(area_of_bus, minlength=n + 1)[:n]
    elements = sum(
        np.bincount(area_of_bus[net[e]["bus"].to_numpy()], minlength=n + 1)[:n]
        for e in ("load", "sgen")
    )
    atol_kw = 1e3 * (MISMATCH_TOL_PU * net.sn_mva * buses + LS2G_UPDATE_MW * elements)
    bound = BALANCE_RTOL * throughput + (0.0 if relative_only else atol_kw)
    assert np.isfinite(gap).all()
    closed = balance.closed
    assert (np.abs(gap[closed]) <= bound[closed]).all(), np.max(np.abs(gap) / bound)
    assert (totals.line_loss_kw > -1e-9).all() and (totals.trafo_loss_kw > -1e-9).all()


def _tiny_grid() -> GridModel:
    return build_grid_model(make_tiny_network(), NetworkSource("tiny", "file"))


def test_index_arrays_follow_the_areas() -> None:
    grid = load_network(RURAL_ALL)
    balance = AreaBalance(grid)
    areas = lv_areas(grid)
    np.testing.assert_array_equal(balance.transformers, [a.transformer for a in areas])
    assert balance.transformers.dtype == np.int64
    assert balance.closed.all()  # SimBench: only loads and sgens, no line between areas
    net = grid.net
    n = balance.transformers.size
    totals = balance.totals(
        create_solver(grid, "lightsim2grid", verify=False).solve(*_injections(grid, 1.0, 1.0)),
        net.load["p_mw"].to_numpy(),
        net.sgen["p_mw"].to_numpy(),
    )
    for array in vars(totals).values():
        assert array.shape == (n,) and array.dtype == np.float64
    # everything on the LV side is counted once; the rest is MV
    lv_load = grid.bus_transformer[net.load["bus"].to_numpy()] >= 0
    assert totals.load_kw.sum() == pytest.approx(net.load["p_mw"][lv_load].sum() * 1e3)
    assert 0 < lv_load.sum() < len(net.load)


def test_tiny_network_areas_and_rows() -> None:
    grid = _tiny_grid()  # T0 feeds b2, b4, b5+b8, b6 (b9 is cut off); T1 feeds b3, b7
    net = grid.net
    balance = AreaBalance(grid)
    np.testing.assert_array_equal(balance.transformers, [0, 1])
    solver = create_solver(grid, "pandapower")
    p, q, s = _injections(grid, np.ones(len(net.load)), np.ones(len(net.sgen)))
    result = solver.solve(p, q, s)
    totals = balance.totals(result, p, s)
    name = net.load["name"].to_numpy()
    load_kw = 1e3 * np.array(
        [
            p[np.isin(name, ["load b2", "load b5", "load b6", "load b8"])].sum(),  # not b9: out
            p[name == "load b7"].sum(),
        ]
    )
    np.testing.assert_allclose(totals.load_kw, load_kw)
    np.testing.assert_allclose(totals.generation_kw, [5.0, 0.0])
    line = net.line["name"].to_numpy()
    in_t0 = np.isin(line, ["l1", "l2", "l3"])  # l0 is MV, l4 out of service
    np.testing.assert_allclose(
        totals.line_loss_kw,
        1e3 * np.array([result.line_pl_mw[in_t0].sum(), result.line_pl_mw[line == "l5"].sum()]),
    )
    np.testing.assert_allclose(totals.trafo_loss_kw, 1e3 * result.trafo_pl_mw)
    np.testing.assert_allclose(totals.lv_p_kw, 1e3 * result.trafo_p_lv_mw)
    _assert_balanced(totals, balance, grid)


@pytest.mark.parametrize("kind", ["lightsim2grid", "pandapower", "islanded"])
@pytest.mark.parametrize("spec", [f"simbench:{SEMIURB4}", RURAL_ALL, "tiny"])
def test_areas_balance_for_every_solver(spec: str, kind: str) -> None:
    grid = _tiny_grid() if spec == "tiny" else load_network(spec)
    balance = AreaBalance(grid)
    if kind == "islanded":
        solver: object = IslandedSolver(grid, solve_units(lv_areas(grid), max_units=4))
    else:
        solver = create_solver(grid, kind, verify=False)  # type: ignore[arg-type]
    rng = np.random.default_rng(11)
    for _ in range(2):
        p, q, s = _injections(
            grid,
            rng.uniform(0.0, 2.0, len(grid.net.load)),
            rng.uniform(0.0, 3.0, len(grid.net.sgen)),
        )
        result = solver.solve(p, q, s)  # type: ignore[attr-defined]
        assert result.converged
        totals = balance.totals(result, p, s)
        _assert_balanced(totals, balance, grid, relative_only=spec != "tiny")
        # and the transformer closes the books at its MV side
        np.testing.assert_allclose(
            result.trafo_p_mw[balance.transformers] * 1e3,
            totals.lv_p_kw + totals.trafo_loss_kw,
            rtol=1e-12,
            atol=1e-9,
        )


@functools.cache
def _cigre_with_pv() -> tuple[GridModel, AreaBalance, tuple[PowerFlowSolver | IslandedSolver, ...]]:
    """cigre_lv (three LV areas) with a generator at every other load, and its three solvers."""
    grid = load_network("cigre_lv")
    for bus in grid.net.load["bus"].to_numpy()[::2]:  # cigre_lv has no sgens of its own
        pp.create_sgen(grid.net, int(bus), p_mw=0.01)
    solvers = (
        create_solver(grid, "lightsim2grid", verify=False),
        create_solver(grid, "pandapower"),
        IslandedSolver(grid, solve_units(lv_areas(grid)), "lightsim2grid"),
    )
    return grid, AreaBalance(grid), solvers


@settings(max_examples=8, deadline=None)
@given(
    load_scale=st.floats(0.0, 1.5),  # up to 2.25x nominal: cigre_lv diverges near 4x
    sgen_scale=st.floats(0.0, 3.0),
    spread=st.floats(0.0, 0.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_balance_holds_under_random_scaling(
    load_scale: float, sgen_scale: float, spread: float, seed: int
) -> None:
    grid, balance, solvers = _cigre_with_pv()
    rng = np.random.default_rng(seed)
    p, q, s = _injections(
        grid,
        load_scale * rng.uniform(1.0 - spread, 1.0 + spread, len(grid.net.load)),
        sgen_scale * rng.uniform(1.0 - spread, 1.0 + spread, len(grid.net.sgen)),
    )
    for solver in solvers:
        result = solver.solve(p, q, s)
        assert result.converged
        _assert_balanced(balance.totals(result, p, s), balance, grid)


def test_appended_station_loads_count_in_their_area() -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    n_own = len(grid.net.load)
    rows = add_station_loads(grid, [int(grid.net.load["bus"].iat[5])] * 2)
    balance = AreaBalance(grid)
    solver = create_solver(grid, "lightsim2grid", verify=False)
    p, q, s = _injections(grid, np.ones(len(grid.net.load)), np.ones(len(grid.net.sgen)))
    p[rows] = [0.05, 0.022]  # two DC chargers at work
    totals = balance.totals(solver.solve(p, q, s), p, s)
    assert totals.load_kw[0] == pytest.approx(p[:n_own].sum() * 1e3 + 72.0)
    _assert_balanced(totals, balance, grid)


def test_not_converged_gives_nan_flows_and_finite_injections() -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    balance = AreaBalance(grid)
    solver = create_solver(grid, "lightsim2grid", verify=False)
    p, q, s = _injections(grid, 100.0, 1.0)
    result = solver.solve(p, q, s)
    assert not result.converged
    totals = balance.totals(result, p, s)
    for array in (totals.line_loss_kw, totals.trafo_loss_kw, totals.lv_p_kw):
        assert np.isnan(array).all()
    assert np.isfinite(totals.load_kw).all() and np.isfinite(totals.generation_kw).all()
    assert all(np.isnan(x) for x in network_losses_kw(result))


def test_areas_another_process_solves_are_nan() -> None:
    grid = load_network("cigre_lv")
    areas = lv_areas(grid)
    balance = AreaBalance(grid)
    solver = IslandedSolver(grid, [areas[1:2]], "lightsim2grid")
    p, q, s = _injections(grid, 1.0, 1.0)
    totals = balance.totals(solver.solve(p, q, s), p, s)
    assert np.isfinite(totals.lv_p_kw[1]) and np.isnan(totals.lv_p_kw[[0, 2]]).all()
    assert np.isnan(totals.line_loss_kw[[0, 2]]).all()


def test_network_losses_add_up_every_row() -> None:
    grid = load_network("cigre_lv")
    p, q, s = _injections(grid, 1.5, 1.0)
    result = create_solver(grid, "lightsim2grid", verify=False).solve(p, q, s)
    line_kw, trafo_kw = network_losses_kw(result)
    assert line_kw == pytest.approx(result.line_pl_mw.sum() * 1e3)
    assert trafo_kw == pytest.approx(result.trafo_pl_mw.sum() * 1e3)
    totals = AreaBalance(grid).totals(result, p, s)  # every cigre_lv line is in an area
    assert line_kw == pytest.approx(totals.line_loss_kw.sum())
    assert trafo_kw == pytest.approx(totals.trafo_loss_kw.sum())


@pytest.mark.parametrize(
    ("change", "open_areas"),
    [
        (lambda net: pp.create_line(net, 4, 7, 0.1, "NAYY 4x150 SE"), [0, 1]),  # T0 to T1
        (lambda net: pp.create_shunt(net, 6, q_mvar=0.01, p_mw=0.001), [0]),
        (lambda net: pp.create_storage(net, 7, p_mw=0.002, max_e_mwh=0.01), [1]),
        (lambda net: pp.create_storage(net, 7, p_mw=0.0, max_e_mwh=0.01), []),  # at rest
        (lambda net: pp.create_sgen(net, 5, p_mw=0.002), []),
    ],
    ids=["line_between_areas", "shunt", "storage", "idle_storage", "sgen"],
)
def test_areas_with_other_exchanges_are_not_closed(
    change: Callable[[pp.pandapowerNet], object], open_areas: list[int]
) -> None:
    grid = _tiny_grid()
    change(grid.net)
    closed = AreaBalance(grid).closed
    expected = np.ones(2, dtype=bool)
    expected[open_areas] = False
    np.testing.assert_array_equal(closed, expected)


def test_wrong_shapes_are_refused() -> None:
    grid = load_network("cigre_lv")
    balance = AreaBalance(grid)
    p, q, s = _injections(grid, 1.0, 1.0)
    result = create_solver(grid, "lightsim2grid", verify=False).solve(p, q, s)
    with pytest.raises(ValueError, match=r"load_p_mw given shape \(3,\); expected \(15,\)"):
        balance.totals(result, p[:3], s)
    lines = result.line_pl_mw[:-1]
    broken = PowerFlowResult(**{**vars(result), "line_pl_mw": lines})
    with pytest.raises(ValueError, match=r"result.line_pl_mw given shape"):
        balance.totals(broken, p, s)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), scale=st.floats(0.2, 1.5))
def test_a_restricted_balance_gives_its_areas_the_whole_balance_values(
    data: st.DataObject, scale: float
) -> None:
    """A shard's balance over its own areas adds the very rows the whole one adds."""
    grid, balance, solvers = _cigre_with_pv()
    n = balance.transformers.size
    keep = np.asarray(
        sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))), dtype=np.int64
    )
    part = balance.restricted(keep)
    assert np.array_equal(part.transformers, balance.transformers[keep])
    assert np.array_equal(part.closed, balance.closed[keep])
    p, q, s = _injections(grid, scale, 1.0)
    result = solvers[0].solve(p, q, s)
    whole, mine = balance.totals(result, p, s), part.totals(result, p, s)
    for name in ("load_kw", "generation_kw", "line_loss_kw", "trafo_loss_kw", "lv_p_kw"):
        assert np.array_equal(getattr(mine, name), getattr(whole, name)[keep])
    with pytest.raises(ValueError, match="ascending"):
        balance.restricted(keep[::-1] if keep.size > 1 else np.array([0, 0]))
