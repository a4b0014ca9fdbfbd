"""Sweep speed-up: the same 8-run sweep on 1 and on 2 Dask workers (target >= 1.7x on 2 cores).

Each run: a SimBench urban LV grid with its households for 4 weeks at 15 min.
Both sweeps run in this process, each on its own LocalCluster that is
started and warmed first (imports and the network read in every worker, as
on a cluster that serves many runs); the start-up is printed on its own and
the speed-up is that of the sweeps.

    python benchmarks/bench_sweep.py [--runs 8] [--days 28]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from pathlib import Path

import dask
import yaml
from dask.distributed import Client, LocalCluster

from twin.grid import load_network
from twin.sweep import SweepSpec, run_sweep
from twin.sweep.cluster import WORKER_CONFIG


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--network", default="simbench:1-LV-urban6--0-sw")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base.yaml"
        base.write_text(
            yaml.safe_dump(
                {
                    "name": "bench-sweep",
                    "seed": 3,
                    "time": {
                        "start": "2025-01-06T00:00:00",
                        "timezone": "Europe/Berlin",
                        "duration": f"{args.days}d",
                        "interval": "15min",
                    },
                    "grid": {"network": args.network},
                }
            )
        )
        spec = SweepSpec(base, {}, seeds=args.runs)
        seconds, start = {}, {}
        load_network(args.network)  # the sweep validates every run here first: read it once
        for workers in (1, 2):
            tic = time.perf_counter()
            with (
                dask.config.set(WORKER_CONFIG),
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                ) as cluster,
                Client(cluster) as client,
            ):
                client.run(load_network, args.network)
                start[workers] = time.perf_counter() - tic
                tic = time.perf_counter()
                table = run_sweep(
                    spec,
                    Path(folder) / f"w{workers}",
                    scheduler=cluster.scheduler_address,
                    progress=False,
                    echo=lambda _msg: None,
                )
                seconds[workers] = time.perf_counter() - tic
            assert (table["status"] == "complete").all(), table[["run_id", "error"]]
        print(f"{args.runs} runs of {args.days} d on {args.network}")
        print(f"cluster start + warm workers: {start[1]:.1f} s (1 worker), {start[2]:.1f} s (2)")
        print(
            f"1 worker: {seconds[1]:.1f} s; 2 workers: {seconds[2]:.1f} s; "
            f"speed-up {seconds[1] / seconds[2]:.2f}x"
        )


if __name__ == "__main__":
    main()
