"""How the engine's cost grows with the run's length and with the number of meters.

Each run is ``twin run`` in a fresh child process (so its peak RSS is its own,
from ``os.wait4``) on the benchmarks' town (``town.py``): households on SimBench
``1-MVLV-urban-all-0-sw``, 15-min intervals from 2025-01-01 (Europe/Berlin),
every stream written (``outputs.bus_voltage: all``). Two series:

- length: 10,000 households for each of ``--days`` (default 1, 30, 365): the
  loop's ms per simulated interval (``timings_s.simulate`` less its
  ``finish``, over the intervals), the end of the run (``finish``: the last
  seal, read-back and collection), set-up, the closing flush, wall time,
  peak RSS and the stages' ms per interval from the run's profile
  (``summary.profile``);
- size: ``--households`` (default 2,500, 10,000, 20,000; the grid's dwelling
  capacity allows at most 24,278) for ``--size-days`` (default 7): the same
  figures, and ms per interval per 1,000 meters.

Written to ``--json`` (default ``benchmarks/results/bench_scaling.json``) with
the machine's load average before and after each run, and printed as two
Markdown tables for the README.

    python benchmarks/bench_scaling.py [--days 1 30 365] [--households 2500 10000 40000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from town import TOWN_NETWORK, town_scenario


def _scenario(households: int, days: int) -> dict[str, Any]:
    return town_scenario(
        f"scale_{households}_{days}d", households, days, start="2025-01-01T00:00:00", seed=1
    )


def _run(households: int, days: int, work: Path) -> dict[str, Any]:
    """One ``twin run`` in a child process; its figures."""
    path = work / f"h{households}_d{days}.yaml"
    path.write_text(yaml.safe_dump(_scenario(households, days)), encoding="utf-8")
    out = work / f"run_h{households}_d{days}"
    load_before = os.getloadavg()[0]
    tic = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "twin", "run", str(path), "--out", str(out), "--no-progress"],
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - tic
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"twin run failed for {households} households, {days} d")
    summary = json.loads((out / "manifest.json").read_text())["summary"]
    intervals = int(summary["intervals"])
    timings = summary["timings_s"]
    size = sum(f.stat().st_size for f in out.rglob("*.parquet") if f.is_file())  # parts too
    stages = summary.get("profile", {}).get("ms_per_interval", {})
    return {
        "households": households,
        "meters": int(summary["meters"]),
        "days": days,
        "intervals": intervals,
        "wall_s": round(wall, 2),
        "build_s": timings.get("build"),
        "simulate_s": timings.get("simulate"),
        "finish_s": timings.get("finish"),
        "flush_s": timings.get("flush"),
        "ms_per_interval": round(
            1e3 * (float(timings["simulate"]) - float(timings.get("finish", 0.0))) / intervals, 3
        ),
        "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1),
        "parquet_mb": round(size / 1e6, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stages_ms_per_interval": stages,
    }


def _table(rows: list[dict[str, Any]], per_meter: bool) -> str:
    head = (
        "| households | days | ms / interval | end of run s | set-up s | flush s | wall s "
        "| peak RSS MB |"
    )
    rule = "|---|---|---|---|---|---|---|---|"
    if per_meter:
        head += " ms / interval / 1,000 meters |"
        rule += "---|"
    lines = [head, rule]
    for r in rows:
        line = (
            f"| {r['households']:,} | {r['days']} | {r['ms_per_interval']:.2f} | "
            f"{r['finish_s']:.1f} | {r['build_s']:.1f} | {r['flush_s']:.1f} | {r['wall_s']:.1f} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )
        if per_meter:
            line += f" {r['ms_per_interval'] / r['meters'] * 1e3:.3f} |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, nargs="*", default=[1, 30, 365])
    parser.add_argument("--households", type=int, nargs="*", default=[2_500, 10_000, 20_000])
    parser.add_argument("--size-days", type=int, default=7)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_scaling.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_scaling_") as tmp:
        work = Path(tmp)
        length = [_run(10_000, d, work) for d in args.days]
        for r in length:
            print(f"length {r['days']} d: {r['ms_per_interval']:.2f} ms/interval", flush=True)
        size = [_run(h, args.size_days, work) for h in args.households]
    print("\nrun length (10,000 households)\n" + _table(length, per_meter=False))
    print(f"\nfleet size ({args.size_days} days)\n" + _table(size, per_meter=True))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "cpu_count": os.cpu_count(),
                "network": TOWN_NETWORK,
                "length": length,
                "size": size,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
