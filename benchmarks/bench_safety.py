"""Safety sensors and street lighting against the same run without them: their engine cost.

One MV/LV town (SimBench 1-MVLV-urban-all-0-sw by default), the same
households and streams, run twice in this process, one after the other:
without ``safety`` and ``lighting`` sections, then with residual-current,
cable-temperature and arc-fault sensors at every household, commercial
customer and apartment building and at a share of the households (about
2,000 premises in all), their alarms and
work orders, and streetlights on every LV feeder. Printed: the simulate time
of both, per interval, and the ratio of the fastest of ``--repeat`` runs of each,
alternating (the target: at most 1.2).

    python benchmarks/bench_safety.py                       # 2,000 homes, 2 days
    python benchmarks/bench_safety.py --households 10000 --days 7
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import twin
from twin.scenario.loading import validate_scenario_dict

SAFETY: dict[str, Any] = {
    "premises": {"commercial": 1.0, "apartment_buildings": 1.0, "households": 0.0},
    "hazards": {"insulation_ageing": 2, "insulation_damage": 1, "overload": 1, "arcing": 1},
}
"""What the safety run adds (hazard rates raised so that alarms and work orders happen);
the households' share is set so that about ``--premises`` premises have sensors."""

LIGHTING: dict[str, Any] = {
    "streetlights": {
        "lamp": "led",
        "control": "photocell",
        "dimming": [{"from": "00:00", "to": "05:00", "level": 0.5}],
    },
}
"""Streetlights on every LV feeder."""


def _household_share(network: str, households: int, premises: int) -> float:
    """The share of households that brings the fitted premises to about ``premises``."""
    from twin.engine.buildings import apartment_buildings
    from twin.engine.site import build_site

    site = build_site(validate_scenario_dict(_scenario(network, households, 1, False)))
    points = site.points
    others = int((points.kind == "commercial").sum()) + apartment_buildings(points).n
    return min(max((premises - others) / max(points.n_households, 1), 0.0), 1.0)


def _scenario(
    network: str, households: int, days: int, extra: bool, share: float = 0.0
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "bench_safety",
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
    if extra:
        data["safety"] = {**SAFETY, "premises": {**SAFETY["premises"], "households": share}}
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
    parser.add_argument("--premises", type=int, default=2_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each, alternating; the fastest counts"
    )
    args = parser.parse_args()
    share = _household_share(args.network, args.households, args.premises)
    seconds: dict[bool, float] = {False: float("inf"), True: float("inf")}
    with tempfile.TemporaryDirectory() as folder:
        for i, extra in enumerate((False, True) * args.repeat):
            scenario = validate_scenario_dict(
                _scenario(args.network, args.households, args.days, extra, share)
            )
            run = twin.run(scenario, out=Path(folder) / f"run{i}", progress=False)
            simulate = float(run.summary.timings_s["simulate"])
            seconds[extra] = min(seconds[extra], simulate)
            rows = run.manifest["row_counts"]
            sensors = rows.get("internal/safety_sensor", 0)
            per = simulate / run.summary.intervals * 1e3
            print(
                f"{'with' if extra else 'without'} safety and lighting: {simulate:.2f} s "
                f"simulate ({per:.2f} ms per interval); {sensors} sensor(s) at "
                f"{sensors // 3} premise(s), {rows.get('internal/safety_reading', 0)} reading(s), "
                f"{rows.get('external/safety_alarm', 0)} alarm(s), "
                f"{rows.get('external/work_order', 0)} work order(s), "
                f"{rows.get('internal/lighting_circuit', 0)} lighting circuit(s)"
            )
    print(
        f"ratio with / without, fastest of {args.repeat} each: "
        f"{seconds[True] / seconds[False]:.3f} (target <= 1.2)"
    )


if __name__ == "__main__":
    main()
