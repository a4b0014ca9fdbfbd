"""The meters' power-quality profile against the same run without it: what it costs.

The quickstart's network and households (SimBench 1-LV-urban6--0-sw, a home
per dwelling), two winter days by default, run in this process without
``outputs.meter_power_quality`` and with it (``all``), alternately
``--repeats`` times each; printed: the best simulate time of both, per
interval, their ratio and the table's rows and size on disk.

    python benchmarks/bench_power_quality.py
    python benchmarks/bench_power_quality.py --days 7 --repeats 1
    python benchmarks/bench_power_quality.py --network simbench:1-MVLV-urban-all-0-sw \
        --households 2000 --repeats 1
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import twin
from twin.scenario.loading import validate_scenario_dict

TABLE = "internal/meter_power_quality"


def _scenario(network: str, households: str, days: int, which: str) -> dict[str, Any]:
    return {
        "name": "bench_power_quality",
        "seed": 42,
        "time": {
            "start": "2025-01-06T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": f"{days}d",
            "interval": "15min",
        },
        "grid": {"network": network},
        "households": {"count": households if households == "auto" else int(households)},
        "outputs": {"meter_power_quality": which},
    }


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else list(path.rglob("*.parquet"))
    return sum(f.stat().st_size for f in files) / 1e6


def main() -> None:
    """Run both and print the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default="simbench:1-LV-urban6--0-sw")
    parser.add_argument("--households", default="auto")
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.repeats):
            for which in ("none", "all"):
                scenario = validate_scenario_dict(
                    _scenario(args.network, args.households, args.days, which)
                )
                run = twin.run(scenario, out=Path(folder) / f"{which}-{r}", progress=False)
                s = float(run.summary.timings_s["simulate"])
                best[which] = min(best.get(which, s), s)
                if which == "all" and r == 0:
                    rows = run.manifest["row_counts"][TABLE]
                    size = _size_mb(run.path / f"{TABLE}.parquet")
                    meters = run.summary.meters
                intervals = run.summary.intervals
    for which in ("none", "all"):
        print(
            f"meter_power_quality {which}: {best[which]:.2f} s simulate "
            f"({best[which] / intervals * 1e3:.2f} ms per interval)"
        )
    print(f"{meters} meters, {rows} rows, {size:.1f} MB on disk")
    print(f"ratio all / none: {best['all'] / best['none']:.3f}")


if __name__ == "__main__":
    main()
