"""Why fleets are numpy arrays advanced by one SimPy process, measured.

Metering 10,000 households for one day at 15 min, two ways, in this process:

(a) gridtwin's way: one SimPy interval process; per interval the household
    fleet steps as arrays and the metrology cores integrate every meter at once;
(b) the obvious alternative: one SimPy process per meter, each waking every
    interval to integrate its own (precomputed) power into its own registers.

Both produce the same registers; printed are the seconds of each and the ratio.

    python benchmarks/bench_fleet.py [--households 10000] [--days 1]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd
import simpy

from twin.clock import TimeAxis
from twin.devices.households import HouseholdFleet, HouseholdParams
from twin.meters import MetrologyCores


def make_fleet(n: int, axis: TimeAxis) -> HouseholdFleet:
    """A default household fleet of ``n`` homes."""
    return HouseholdFleet.create(
        n, rng=np.random.default_rng(1), axis=axis, latitude_deg=51.0, params=HouseholdParams()
    )


def vectorised(n: int, axis: TimeAxis) -> tuple[float, np.ndarray]:
    """(a): one interval process; returns seconds and the import registers [Wh]."""
    fleet = make_fleet(n, axis)
    cores = MetrologyCores(n)
    env = simpy.Environment()

    def interval_process(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for k in range(axis.n_intervals):
            p_kw, _ = fleet.step(axis.at(k))
            yield env.timeout(axis.interval_s)
            cores.integrate(p_kw, dt_s=axis.interval_s, interval_end_s=(k + 1) * axis.interval_s)

    env.process(interval_process(env))
    tic = time.perf_counter()
    env.run()
    return time.perf_counter() - tic, cores.port().read_registers()[0]


def per_meter(n: int, axis: TimeAxis) -> tuple[float, np.ndarray]:
    """(b): one SimPy process per meter over the same power; returns seconds and registers."""
    fleet = make_fleet(n, axis)
    power = np.stack([fleet.step(axis.at(k))[0] for k in range(axis.n_intervals)])
    registers = np.zeros(n, dtype=np.int64)
    dt = axis.interval_s
    env = simpy.Environment()

    def meter_process(env: simpy.Environment, i: int):  # type: ignore[no-untyped-def]
        residual = 0.0
        register = 0
        for k in range(axis.n_intervals):
            yield env.timeout(dt)
            total = residual + max(float(power[k, i]), 0.0) * dt / 3.6
            whole = math.floor(total)
            residual = total - whole
            register += whole
        registers[i] = register

    for i in range(n):
        env.process(meter_process(env, i))
    tic = time.perf_counter()
    env.run()
    return time.perf_counter() - tic, registers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=1)
    args = parser.parse_args()
    axis = TimeAxis(
        pd.Timestamp("2025-01-06", tz="Europe/Berlin"), 900, 96 * args.days, "Europe/Berlin"
    )
    a_s, a_reg = vectorised(args.households, axis)
    b_s, b_reg = per_meter(args.households, axis)
    meter_intervals = args.households * axis.n_intervals
    print(f"{args.households:,} meters x {axis.n_intervals} intervals")
    print(
        f"(a) one interval process, numpy fleets: {a_s:.2f} s "
        f"({meter_intervals / a_s:,.0f} meter-intervals/s, households simulated too)"
    )
    print(
        f"(b) one SimPy process per meter:        {b_s:.2f} s "
        f"({meter_intervals / b_s:,.0f} meter-intervals/s, power precomputed)"
    )
    print(f"ratio (b)/(a): {b_s / a_s:.0f}x; registers equal: {np.array_equal(a_reg, b_reg)}")


if __name__ == "__main__":
    main()
