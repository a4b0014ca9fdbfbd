"""The city scenario at scale: sharded on a LocalCluster, unsharded, and one shard alone.

``scenarios/city.yaml``: 100,000 households plus every other customer and
generator of twelve SimBench MV/LV grids metered (about 121,600 meters), 3
days at 15 min, every stream written, ``grid.mv: fixed``. Each run is a
fresh child process, one after the other:

(a) sharded: ``twin run scenarios/city.yaml --shards K --workers W`` (its
    own LocalCluster, started inside the run, as a user runs it). Its process
    tree is sampled every 0.25 s for the peak RSS of each process (the
    coordinator, which builds the site, plans and merges, and each worker);
    the merged manifest gives each shard's set-up (``timings_s.build``,
    which on a worker's first shard includes composing the city) and loop;
(b) unsharded: ``twin run scenarios/city.yaml`` (peak RSS from ``os.wait4``);
(c) one shard alone: a process that composes the city (timed, with its RSS
    after), then runs shard 0 of K by itself (no Dask), so that its set-up,
    its loop and its stage profile are those of one shard without a second
    worker sharing the cores. Against (b) this shows what each shard pays for
    the whole fleet: the draws made for every premise of the city and then
    restricted to the shard's (``twin.members``), the background injections
    of the whole network, the whole network held in memory.

Printed: the figures and the estimate of a year of 1 million meters; written
to ``--json`` (default ``benchmarks/results/bench_city.json``) with the
machine's load average before and after each run and the commit.

    python benchmarks/bench_city.py [--shards 8] [--workers 2] [--skip-unsharded]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from provenance import commit

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "city.yaml"

YEAR_INTERVALS = 35_040
"""15-min intervals in a (non-leap) year."""

TARGET_METERS = 1_000_000
"""Meters of the estimated year run."""


def _load() -> float:
    return round(os.getloadavg()[0], 2)


class TreeSampler:
    """Peak RSS of every process of a tree, sampled every ``period_s`` [s]."""

    def __init__(self, pid: int, period_s: float = 0.25) -> None:
        self.root = psutil.Process(pid)
        self.period_s = period_s
        self.peak: dict[int, int] = {}
        self.label: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    if p.pid not in self.label:
                        line = " ".join(p.cmdline())
                        self.label[p.pid] = (
                            "coordinator"
                            if p.pid == self.root.pid
                            else ("spawned" if "spawn_main" in line else p.name())
                        )
                except psutil.Error:
                    continue
                self.peak[p.pid] = max(self.peak.get(p.pid, 0), rss)
            time.sleep(self.period_s)

    def stop(self) -> list[dict[str, Any]]:
        """Stop sampling; each process's label and peak RSS [MB], largest first."""
        self._stop.set()
        self._thread.join()
        rows = [
            {"pid": pid, "role": self.label.get(pid, "?"), "peak_rss_mb": round(rss / 2**20, 1)}
            for pid, rss in self.peak.items()
        ]
        return sorted(rows, key=lambda r: -r["peak_rss_mb"])


def _twin(args: list[str], sample: bool) -> tuple[float, int, list[dict[str, Any]]]:
    """``twin ARGS`` in a child process: wall [s], peak RSS of the tree [KiB], per-process peaks."""
    tic = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "twin", *args],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    sampler = TreeSampler(child.pid) if sample else None
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - tic
    peaks = sampler.stop() if sampler else []
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"twin {' '.join(args)} failed")
    return wall, usage.ru_maxrss, peaks


def _summary(out: Path) -> dict[str, Any]:
    manifest = json.loads((out / "manifest.json").read_text())
    summary = manifest["summary"]
    return {
        "meters": int(summary["meters"]),
        "households": int(summary["households"]),
        "intervals": int(summary["intervals"]),
        "timings_s": summary["timings_s"],
        "stages_ms_per_interval": summary.get("profile", {}).get("ms_per_interval", {}),
        "row_counts": manifest["row_counts"],
    }


PROBE = """
import json, resource, sys, time, psutil
import twin
from twin.engine import build_site
from twin.engine.sharding import plan_shards
from twin.grid import load_network
path, shards, out, sets = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
scenario = twin.load_scenario(path, sets)
rss0 = psutil.Process().memory_info().rss
tic = time.perf_counter(); load_network(scenario.grid.network); compose = time.perf_counter() - tic
rss_net = psutil.Process().memory_info().rss
tic = time.perf_counter(); site = build_site(scenario); site_s = time.perf_counter() - tic
plan = plan_shards(scenario, shards, site)[0]
households = int(plan.members(site.placement.transformer).index.size)
del site
run = twin.run(scenario, out=out, progress=False, shard=plan)
print(json.dumps({
    "compose_s": round(compose, 2), "site_s": round(site_s, 2),
    "rss_before_network_mb": round(rss0 / 2**20, 1),
    "rss_with_network_mb": round(rss_net / 2**20, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "shard_households": households, "transformers": len(plan.transformers),
}))
"""


def _probe(shards: int, out: Path, sets: list[str]) -> dict[str, Any]:
    """Shard 0 of ``shards`` alone in a fresh process (after composing the city)."""
    tic = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(SCENARIO), str(shards), str(out), *sets],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_s"] = round(time.perf_counter() - tic, 2)
    return figures


def _estimate(whole: dict[str, Any], probe: dict[str, Any]) -> dict[str, Any]:
    """A year of 1 million meters on N workers, from the measured per-shard cost.

    Measured on the city of M meters: the unsharded loop ``t_whole`` and shard
    0's loop ``t_shard`` (``m`` meters) [ms per interval]. The part of a
    shard's interval that follows the whole fleet and network, not the shard,
    is ``f = t_shard - t_whole * m / M`` (the whole fleet's draws, the whole
    network's background injections and result arrays); the rest grows with
    the shard's meters, ``o = (t_shard - f) / m`` per meter. At 1 million
    meters (``s = 1e6 / M`` cities) in ``S`` shards a shard's interval costs
    ``o * 1e6 / S + f * s``; its set-up (the site, the whole fleet's draws
    and the network copy) is the measured shard set-up times ``s``; each
    worker composes the city once (measured composition times ``s``, linear),
    and the coordinator builds the whole site first (the unsharded set-up
    times ``s``). Memory above the imported libraries grows with ``s``.
    At most :data:`twin.grid.islands.MAX_UNITS` (32) shards today.
    """
    meters, intervals = whole["meters"], whole["intervals"]
    t_whole = 1e3 * whole["timings_s"]["simulate"] / intervals
    run = probe["run"]
    m = run["meters"]
    t_shard = 1e3 * run["timings_s"]["simulate"] / intervals
    fleet_ms = max(t_shard - t_whole * m / meters, 0.0)
    own_ms_per_meter = (t_shard - fleet_ms) / m
    s = TARGET_METERS / meters
    setup_s = run["timings_s"]["build"] * s
    compose_s = probe["compose_s"] * s
    coordinator_s = whole["timings_s"]["build"] * s
    libraries_mb = probe["rss_before_network_mb"]
    rows = []
    for shards, workers in ((32, 32), (32, 16), (32, 8), (16, 16), (8, 8)):
        interval_ms = own_ms_per_meter * TARGET_METERS / shards + fleet_ms * s
        shard_s = interval_ms * YEAR_INTERVALS / 1e3 + setup_s
        rounds = -(-shards // workers)
        rows.append(
            {
                "shards": shards,
                "workers": workers,
                "meters_per_shard": round(TARGET_METERS / shards),
                "shard_ms_per_interval": round(interval_ms, 1),
                "of_which_whole_fleet_ms": round(fleet_ms * s, 1),
                "shard_year_h": round(shard_s / 3600, 2),
                "wall_h": round((coordinator_s + compose_s + rounds * shard_s) / 3600, 2),
                "cpu_h": round((coordinator_s + workers * compose_s + shards * shard_s) / 3600, 1),
            }
        )
    return {
        "city_meters": meters,
        "cities": round(s, 2),
        "unsharded_ms_per_interval": round(t_whole, 2),
        "shard_ms_per_interval": round(t_shard, 2),
        "shard_meters": m,
        "whole_fleet_ms_per_interval_per_shard": round(fleet_ms, 2),
        "own_us_per_meter_interval": round(1e3 * own_ms_per_meter, 3),
        "shard_setup_s_at_1m": round(setup_s, 1),
        "compose_s_at_1m": round(compose_s, 1),
        "coordinator_setup_s_at_1m": round(coordinator_s, 1),
        "worker_memory_gb_at_1m": round(
            (libraries_mb + (probe["peak_rss_mb"] - libraries_mb) * s) / 1024, 1
        ),
        "runs": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-unsharded", action="store_true")
    parser.add_argument("--skip-sharded", action="store_true")
    parser.add_argument("--set", action="append", default=[], help="scenario override a.b=V")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks/results/bench_city.json")
    parser.add_argument(
        "--estimate-only", action="store_true", help="recompute the estimate in --json only"
    )
    args = parser.parse_args()
    if args.estimate_only:
        saved = json.loads(args.json.read_text())
        whole = saved["unsharded"]["summary"]
        saved["estimate_1m_meters_year"] = _estimate(whole, saved["one_shard"])
        args.json.write_text(json.dumps(saved, indent=2) + "\n")
        print(json.dumps(saved["estimate_1m_meters_year"], indent=1))
        return
    result: dict[str, Any] = {
        "command": " ".join(sys.argv),
        "commit": commit(),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "scenario": str(SCENARIO.relative_to(REPO)),
    }
    sets = [a for v in args.set for a in ("--set", v)]
    if args.set:
        result["overrides"] = args.set
    with tempfile.TemporaryDirectory(prefix="bench_city_") as tmp:
        work = Path(tmp)
        if not args.skip_sharded:
            before = _load()
            out = work / "sharded"
            cmd = ["run", str(SCENARIO), "--out", str(out), "--no-progress", *sets]
            cmd += ["--shards", str(args.shards), "--workers", str(args.workers)]
            wall, tree_kib, peaks = _twin(cmd, sample=True)
            s = _summary(out)
            sharding = json.loads((out / "manifest.json").read_text())["sharding"]
            result["sharded"] = {
                "shards": args.shards,
                "workers": args.workers,
                "wall_s": round(wall, 1),
                "meter_intervals_per_s": round(s["meters"] * s["intervals"] / wall),
                "peak_rss_tree_mb": round(tree_kib / 1024, 1),
                "processes": [p for p in peaks if p["peak_rss_mb"] > 200],
                "shard_households": sharding["premises"],
                "shard_timings_s": sharding["timings_s"],
                "summary": s,
                "load_before": before,
                "load_after": _load(),
            }
            print(json.dumps(result["sharded"]["processes"]), flush=True)
            print(f"(a) sharded: {wall:.1f} s", flush=True)
        whole = None
        if not args.skip_unsharded:
            before = _load()
            out = work / "whole"
            cmd = ["run", str(SCENARIO), "--out", str(out), "--no-progress", *sets]
            wall, kib, _ = _twin(cmd, sample=False)
            whole = _summary(out)
            result["unsharded"] = {
                "wall_s": round(wall, 1),
                "meter_intervals_per_s": round(whole["meters"] * whole["intervals"] / wall),
                "peak_rss_mb": round(kib / 1024, 1),
                "summary": whole,
                "load_before": before,
                "load_after": _load(),
            }
            if "sharded" in result:
                result["same_row_counts"] = (
                    result["sharded"]["summary"]["row_counts"] == whole["row_counts"]
                )
            print(f"(b) unsharded: {wall:.1f} s", flush=True)
        before = _load()
        out = work / "probe"
        probe = _probe(args.shards, out, args.set)
        probe["run"] = _summary(out)
        probe["run"]["meters_total"] = whole["meters"] if whole else None
        probe["load_before"], probe["load_after"] = before, _load()
        result["one_shard"] = probe
        print(f"(c) one shard alone: {probe['wall_s']:.1f} s", flush=True)
        if whole is not None:
            result["estimate_1m_meters_year"] = _estimate(whole, probe)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "sharded"}, indent=1)[:6000])


if __name__ == "__main__":
    main()
