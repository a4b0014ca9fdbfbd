"""Per-area losses: what the power flow and the area totals cost per interval.

On a SimBench MV/LV grid, in this process, with injections that change every
step (loads 0.4-1.2x nominal with a slow swing, sgens 0-1x): the joint
lightsim2grid power flow and the LV areas solved in units under a fixed MV
voltage (``grid.mv: fixed``), each ``solve`` timed per step; then
:meth:`twin.grid.AreaBalance.totals` on those results, and its share of a
step. Printed: median and mean milliseconds per step, microseconds per totals
call, and the largest gap of the area balance ``lv_p = load - generation +
line losses`` relative to the area's throughput.

    python benchmarks/bench_area_balance.py [--network simbench:1-MVLV-rural-all-0-sw] [--steps 300]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from twin.grid import AreaBalance, GridModel, PowerFlowResult, create_solver, load_network
from twin.grid.islands import IslandedSolver, lv_areas, solve_units

Injections = tuple[np.ndarray, np.ndarray, np.ndarray]


def injections(grid: GridModel, steps: int, seed: int = 0) -> list[Injections]:
    """Per-step loads and sgens around their nominal powers."""
    net = grid.net
    p0, q0 = net.load["p_mw"].to_numpy(), net.load["q_mvar"].to_numpy()
    s0 = net.sgen["p_mw"].to_numpy()
    rng = np.random.default_rng(seed)
    out = []
    for k in range(steps):
        f = 0.8 + 0.3 * np.sin(k / 20.0) + rng.uniform(-0.1, 0.1, p0.size)
        out.append((p0 * f, q0 * f, s0 * rng.uniform(0.0, 1.0, s0.size)))
    return out


def time_solves(
    solver: object, steps: list[Injections]
) -> tuple[np.ndarray, list[PowerFlowResult]]:
    """Seconds of each ``solve`` and its results."""
    seconds, results = np.empty(len(steps)), []
    for k, step in enumerate(steps):
        tic = time.perf_counter()
        results.append(solver.solve(*step))  # type: ignore[attr-defined]
        seconds[k] = time.perf_counter() - tic
    return seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default="simbench:1-MVLV-rural-all-0-sw")
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    grid = load_network(args.network)
    steps = injections(grid, args.steps)
    tic = time.perf_counter()
    balance = AreaBalance(grid)
    print(
        f"{args.network}: {balance.transformers.size} LV areas; "
        f"AreaBalance built in {(time.perf_counter() - tic) * 1e3:.1f} ms"
    )
    solvers = {
        "lightsim2grid, joint": create_solver(grid, "lightsim2grid"),
        "lightsim2grid, areas under a fixed MV": IslandedSolver(
            grid, solve_units(lv_areas(grid)), "lightsim2grid"
        ),
    }
    for name, solver in solvers.items():
        time_solves(solver, steps[:20])  # warm up
        seconds, results = time_solves(solver, steps)
        per_call = np.empty(len(steps))
        worst = 0.0
        for k, (result, (load_p, _, sgen_p)) in enumerate(zip(results, steps, strict=True)):
            tic = time.perf_counter()
            totals = balance.totals(result, load_p, sgen_p)
            per_call[k] = time.perf_counter() - tic
            gap = totals.lv_p_kw - (totals.load_kw - totals.generation_kw + totals.line_loss_kw)
            throughput = np.abs(totals.load_kw) + np.abs(totals.generation_kw)
            throughput += np.abs(totals.lv_p_kw)
            worst = max(worst, float(np.max(np.abs(gap) / throughput)))
        share = np.median(per_call) / np.median(seconds) * 100.0
        print(
            f"{name}: solve {np.median(seconds) * 1e3:.3f} ms median, "
            f"{seconds.mean() * 1e3:.3f} ms mean per step; totals "
            f"{np.median(per_call) * 1e6:.0f} us ({share:.1f} % of a step); "
            f"largest relative balance gap {worst:.1e}"
        )


if __name__ == "__main__":
    main()
