"""Lighting on every feeder against the same run without it: the engine's cost of lighting.

One MV/LV town (SimBench 1-MVLV-urban-all-0-sw by default), the same
households and streams, run twice in this process, one after the other:
without a ``lighting`` section, then with streetlights on every LV feeder
(photocell control, dimming after midnight, failures, a command to all
circuits). Printed: the simulate time of both, per interval, and their
ratio (the target: at most 1.2).

    python benchmarks/bench_lighting.py                       # 2,000 homes, 2 days
    python benchmarks/bench_lighting.py --households 10000 --days 7
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import twin
from twin.scenario.loading import validate_scenario_dict

LIGHTING: dict[str, Any] = {
    "streetlights": {
        "lamp": "led",
        "control": "photocell",
        "dimming": [{"from": "00:00", "to": "05:00", "level": 0.5}],
    },
    "commands": [{"at": "20h", "action": "dim", "level": 0.7}, {"at": "30h", "action": "auto"}],
}
"""What the lighting run adds to the scenario."""


def _scenario(network: str, households: int, days: int, lighting: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "bench_lighting",
        "seed": 1,
        "time": {
            "start": "2025-01-13T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": f"{days}d",
            "interval": "15min",
        },
        "grid": {"network": network},
        "households": {"count": households},
    }
    if lighting:
        data["lighting"] = LIGHTING
    return data


def main() -> None:
    """Run both and print the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default="simbench:1-MVLV-urban-all-0-sw")
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    seconds: dict[bool, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for lighting in (False, True):
            scenario = validate_scenario_dict(
                _scenario(args.network, args.households, args.days, lighting)
            )
            run = twin.run(scenario, out=Path(folder) / str(lighting), progress=False)
            seconds[lighting] = float(run.summary.timings_s["simulate"])
            circuits = (
                run.manifest["row_counts"].get("internal/lighting_circuit", 0) if lighting else 0
            )
            per = seconds[lighting] / run.summary.intervals * 1e3
            print(
                f"{'with' if lighting else 'without'} lighting: {seconds[lighting]:.2f} s "
                f"simulate ({per:.2f} ms per interval), {circuits} circuit(s)"
            )
    print(f"ratio with / without: {seconds[True] / seconds[False]:.3f} (target <= 1.2)")


if __name__ == "__main__":
    main()
