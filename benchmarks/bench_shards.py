"""Sharded vs unsharded: one MV/LV town run on 1 process and in 2 shards on 2 Dask workers.

The run: about 10,000 households on SimBench 1-MVLV-urban-all-0-sw (133 LV
transformer areas), every stream written. In this process, one after the
other:

(a) unsharded, MV coupled: the joint power flow of the whole network;
(b) unsharded, ``grid.mv: fixed``: the LV areas under a fixed MV voltage;
(c) 2 shards, MV fixed, on a 2-worker LocalCluster (tables identical to (b));
(d) 2 shards, MV coupled in a second level: shards under the fixed voltage,
    the MV level from their transformer loads, the shards again under the
    MV level's terminal voltages.

The cluster is started once and its workers are warmed (imports, the
network read) before (c) and (d), as a cluster that serves several runs
would be; its start-up is printed on its own. Printed: wall time of each,
the speed-ups (a)/(c) and (b)/(c), what the MV coupling costs ((d) - (c),
with the time of each level), and how far (d)'s bus voltages are from (a)'s;
written with each run's timings (the shards' own: set-up, loop, flush), the
machine's load average and the commit to ``--json`` (default
``benchmarks/results/bench_shards.json``). ``--skip-coupled`` runs (b) and (c) only
(a year of them takes about 15 minutes on 2 cores).

    python benchmarks/bench_shards.py [--days 14] [--households 10000] [--skip-coupled]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import yaml
from provenance import commit

import twin
from twin.sweep import run_sharded
from twin.sweep.cluster import WORKER_CONFIG


def _warm(network: str) -> float:
    from twin.grid import load_network

    tic = time.perf_counter()
    load_network(network)
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--network", default="simbench:1-MVLV-urban-all-0-sw")
    parser.add_argument("--skip-coupled", action="store_true", help="run (b) and (c) only")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "bench_shards.json"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    import dask
    from dask.distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        path = out / "town.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "name": "town",
                    "seed": 17,
                    "time": {
                        "start": "2025-01-13T00:00:00",
                        "timezone": "Europe/Berlin",
                        "duration": f"{args.days}d",
                        "interval": "15min",
                    },
                    "grid": {"network": args.network},
                    "households": {"count": args.households},
                }
            )
        )
        coupled = twin.load_scenario(path)
        fixed = twin.load_scenario(path, ["grid.mv=fixed"])
        wall: dict[str, float] = {}
        record: dict[str, object] = {
            "days": args.days,
            "households": args.households,
            "network": args.network,
            "shards": args.shards,
            "load_average_before": os.getloadavg()[0],
            "commit": commit(),
            "runs": {},
        }
        print(f"{'    network read (cached after)':<34} {_warm(args.network):7.1f} s")

        def timed(label: str, job):  # type: ignore[no-untyped-def]
            tic = time.perf_counter()
            result = job()
            wall[label] = time.perf_counter() - tic
            print(f"{label:<34} {wall[label]:7.1f} s", flush=True)
            manifest = result.manifest
            record["runs"][label] = {  # type: ignore[index]
                "wall_s": round(wall[label], 2),
                "timings_s": manifest.get("timings_s", manifest["summary"].get("timings_s")),
                "shard_timings_s": manifest.get("sharding", {}).get("timings_s"),
                "stages_ms_per_interval_summed": manifest["summary"]["profile"]["ms_per_interval"],
                "load_average_after": os.getloadavg()[0],
            }
            return result

        if not args.skip_coupled:
            joint = timed("(a) unsharded, MV coupled", lambda: twin.run(coupled, out=out / "a"))
        timed("(b) unsharded, MV fixed", lambda: twin.run(fixed, out=out / "b"))

        tic = time.perf_counter()
        with dask.config.set(WORKER_CONFIG):  # the settings `twin run --shards` uses
            cluster = LocalCluster(
                n_workers=args.shards,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
        client = Client(cluster)
        client.run(_warm, args.network)
        print(f"{'    cluster start + warm workers':<34} {time.perf_counter() - tic:7.1f} s")
        try:
            address = cluster.scheduler_address

            def sharded(scenario, name):  # type: ignore[no-untyped-def]
                return run_sharded(
                    scenario, args.shards, out=out / name, scheduler=address, progress=False,
                    echo=lambda _: None,
                )  # fmt: skip

            timed(f"(c) {args.shards} shards, MV fixed", lambda: sharded(fixed, "c"))
            if not args.skip_coupled:
                two = timed(f"(d) {args.shards} shards, MV coupled", lambda: sharded(coupled, "d"))
        finally:
            client.close()
            cluster.close()

        b_s = wall["(b) unsharded, MV fixed"]
        c_s = wall[f"(c) {args.shards} shards, MV fixed"]
        record["speed_up_b_over_c"] = round(b_s / c_s, 3)
        if args.skip_coupled:
            print(f"\nspeed-up (b)/(c)                   {b_s / c_s:.2f}x")
            _write(args.json, record)
            return

        levels = two.manifest["timings_s"]
        a = joint.table("internal/bus_voltage")
        d = two.table("internal/bus_voltage")
        both = a.merge(d, on=["bus_id", "interval_end"], suffixes=("", "_d"))
        deviation = float(np.abs(both["vm_pu"] - both["vm_pu_d"]).max())
        n = joint.summary.intervals
        a_s = wall["(a) unsharded, MV coupled"]
        d_s = wall[f"(d) {args.shards} shards, MV coupled"]
        record["speed_up_a_over_c"] = round(a_s / c_s, 3)
        record["speed_up_a_over_d"] = round(a_s / d_s, 3)
        record["max_vm_deviation_d_a_pu"] = deviation
        _write(args.json, record)
        print()
        print(f"{joint.summary.households:,} households, {n:,} intervals, {args.shards} shards")
        print(f"speed-up (a)/(c)                   {a_s / c_s:.2f}x")
        print(f"speed-up (b)/(c)                   {b_s / c_s:.2f}x")
        print(f"speed-up (a)/(d)                   {a_s / d_s:.2f}x")
        print(
            f"MV coupling cost (d)-(c)           {d_s - c_s:.1f} s: LV level 1 "
            f"{levels.get('lv_level_1', 0):.1f} s, MV level {levels.get('mv_level', 0):.1f} s, "
            f"LV level 2 {levels.get('lv_level_2', 0):.1f} s, merge {levels.get('merge', 0):.2f} s"
        )
        print(
            f"max |vm (d) - vm (a)|              {deviation:.2e} pu ({len(both):,} bus-intervals)"
        )


def _write(path: Path, record: dict[str, object]) -> None:
    record["load_average_end"] = os.getloadavg()[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
