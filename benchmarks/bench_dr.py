"""Demand response over a town against the same run without it: the engine's cost of DR.

One MV/LV town (SimBench 1-MVLV-urban-all-0-sw by default) with about
10,000 households, heat pumps, hot-water tanks, EVs and batteries, run twice
in this process, one after the other: without a ``demand_response`` section,
then with a critical-peak price programme (a share of the eligible premises
enrolled, one event a day at 17:00) and a peak-shaving programme triggered by
the transformers' forecast loading. Printed: the simulate and the build time
of both and their ratios (the target: at most 1.2). The run with DR also
advances the shadow fleets of the enrolled premises (the counterfactual) and
writes the four DR tables.

    python benchmarks/bench_dr.py                              # 10,000 homes, 2 days
    python benchmarks/bench_dr.py --enrollment 1.0 --days 7
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import twin
from twin.scenario.loading import validate_scenario_dict

START = "2025-01-13T00:00:00"


def _programmes(days: int, enrollment: float) -> dict[str, Any]:
    first = pd.Timestamp(START)
    events = [
        {
            "start": (first + pd.Timedelta(days=d, hours=17)).strftime("%Y-%m-%dT%H:%M"),
            "duration": "3h",
            "level": 2,
            "price_per_kwh": 0.6,
        }
        for d in range(days)
    ]
    return {
        "programmes": [
            {"name": "cpp", "kind": "price", "enrollment": enrollment, "ignore_share": 0.2,
             "opt_out_probability": 0.05, "notice": "1h", "events": events},
            {"name": "shave", "kind": "peak_shaving", "enrollment": enrollment, "notice": "1h",
             "trigger": {"loading_percent": 40, "duration": "2h", "history": "1d"}},
        ]
    }  # fmt: skip


def _scenario(
    network: str, households: int, days: int, enrollment: float, dr: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "bench_dr",
        "seed": 1,
        "time": {"start": START, "timezone": "Europe/Berlin", "duration": f"{days}d",
                 "interval": "15min"},
        "grid": {"network": network},
        "households": {"count": households,
                       "thermal": {"heat_pump": 0.3, "water_heater": 0.3}},
        "pv": {"share": 0.3},
        "storage": {"share": 0.3},
        "ev": {"share": 0.3},
    }  # fmt: skip
    if dr:
        data["demand_response"] = _programmes(days, enrollment)
    return data


def main() -> None:
    """Run both and print the ratios."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default="simbench:1-MVLV-urban-all-0-sw")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--enrollment", type=float, default=0.3)
    args = parser.parse_args()
    simulate: dict[bool, float] = {}
    build: dict[bool, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for dr in (False, True):
            scenario = validate_scenario_dict(
                _scenario(args.network, args.households, args.days, args.enrollment, dr)
            )
            run = twin.run(scenario, out=Path(folder) / str(dr), progress=False)
            simulate[dr] = float(run.summary.timings_s["simulate"])
            build[dr] = float(run.summary.timings_s["build"])
            rows = run.manifest["row_counts"]
            per = simulate[dr] / run.summary.intervals * 1e3
            print(
                f"{'with' if dr else 'without'} DR: {simulate[dr]:.2f} s simulate "
                f"({per:.2f} ms per interval), {build[dr]:.2f} s build, "
                f"{run.summary.households} households, "
                f"{rows.get('truth/dr_enrollment', 0)} eligible, "
                f"{rows.get('external/dr_event', 0)} event(s), "
                f"{rows.get('external/dr_dispatch', 0)} dispatch(es), "
                f"{rows.get('truth/dr_counterfactual', 0)} counterfactual row(s)"
            )
    print(f"simulate ratio with / without: {simulate[True] / simulate[False]:.3f} (target <= 1.2)")
    print(f"build ratio with / without: {build[True] / build[False]:.3f}")


if __name__ == "__main__":
    main()
