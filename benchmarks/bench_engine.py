"""Engine benchmark: the twin against pandapower's own time series, on the same grid and loads.

(a) the twin with about 10,000 households on a SimBench MV/LV town grid,
    a power flow every interval, every stream written;
(b) pandapower's documented time-series loop on the same network with the
    same household loads as profiles: ``DFData`` + ``ConstControl`` +
    ``run_timeseries`` with an ``OutputWriter`` logging bus voltages.

Both run in this process, one after the other. Printed: seconds per simulated
interval for both and their ratio, meter-intervals per second, the largest
bus-voltage difference between the two on the common intervals, and the peak
RSS of a 1-day and a 30-day twin run (each in a fresh child process, since a
process's peak RSS only grows).

    python benchmarks/bench_engine.py                      # the full benchmark (~5 min)
    python benchmarks/bench_engine.py --days 2 --pp-days 1 --skip-rss   # a quick look
    python benchmarks/bench_engine.py --with-faults --days 7 --skip-pp --skip-rss

``--with-faults`` also runs (a) with the metering infrastructure loaded:
HPLC comms with random concentrator outages, a 3-day outage of 5 % of the
concentrators, a staged firmware campaign with failures, compromised,
crashing and hanging management cores, clock drift, tamper, remote
disconnects and hourly app power; it prints both throughputs and their ratio
(the target: at least half the meter-intervals per second of the plain run).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import twin
from twin.engine.components import build_components
from twin.engine.site import build_site
from twin.random_streams import RandomTree
from twin.scenario.loading import validate_scenario_dict
from twin.streams import RunWriter

DEFAULT_NETWORK = "simbench:1-MVLV-urban-all-0-sw"


FAULTS: dict[str, Any] = {
    "meters": {
        "tariffs": [{"tariff": 2, "start": "06:00", "end": "22:00", "days": "weekday"}],
        "management": {"app_power_every": "1h"},
        "firmware_campaigns": [
            {
                "to_version": "2.1.0",
                "start": "1d",
                "waves": 3,
                "wave_interval": "1d",
                "share": 0.6,
                "failure_probability": 0.05,
            },
            {"to_version": "MC-2", "core": "metrology", "start": "2d", "share": 0.001},
        ],
        "remote_disconnects": [{"meters": 0.001, "at": "1d", "duration": "6h"}],
    },
    "comms": {"technology": "hplc", "outage_rate_per_year": 2},
    "faults": [
        {"kind": "concentrator_outage", "target": 0.05, "start": "1d", "duration": "3d"},
        {"kind": "compromised_management", "target": 0.001, "start": "0s", "duration": "60d"},
        {"kind": "management_crash", "target": 0.01, "start": "12h"},
        {"kind": "management_hang", "target": 0.005, "start": "2d", "duration": "12h"},
        {"kind": "clock_drift", "target": 0.001, "start": "0s", "drift_ppm": 3000},
        {"kind": "tamper", "target": 0.001, "start": "1d"},
    ],
}
"""What ``--with-faults`` adds to the scenario."""


def scenario_dict(
    network: str, households: int, days: int, *, faults: bool = False, households_only: bool = False
) -> dict[str, Any]:
    """The benchmark scenario: a winter month from 2025-01-06, 15-min intervals.

    Every customer of the network is metered (households, commercial and farm
    loads, generators), unless ``households_only`` leaves the others unmetered
    background profiles.
    """
    extra: dict[str, Any] = dict(FAULTS) if faults else {}
    if households_only:
        extra["customers"] = {"network_loads": "background", "generators": "background"}
    return {
        **extra,
        "name": f"bench-{days}d",
        "seed": 2026,
        "time": {
            "start": "2025-01-06T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": f"{days}d",
            "interval": "15min",
        },
        "grid": {"network": network},
        "households": {"count": households},
        "outputs": {"bus_voltage": "all"},
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process [MB].

    ``VmHWM`` from /proc (reset at exec, unlike ``ru_maxrss``, which a child
    inherits from the parent it was forked from); ``ru_maxrss`` elsewhere.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_twin(
    network: str,
    households: int,
    days: int,
    out: Path,
    *,
    faults: bool = False,
    households_only: bool = False,
) -> dict[str, Any]:
    """Run the twin; return its timings."""
    scenario = validate_scenario_dict(
        scenario_dict(network, households, days, faults=faults, households_only=households_only)
    )
    result = twin.run(scenario, out=out, progress=False)
    s = result.summary
    simulate_s = s.timings_s["simulate"]
    return {
        "days": days,
        "households": s.households,
        "meters": s.meters,
        "intervals": s.intervals,
        "build_s": s.timings_s["build"],
        "simulate_s": simulate_s,
        "s_per_interval": simulate_s / s.intervals,
        "meter_intervals_per_s": s.meters * s.intervals / simulate_s,
        "solver": s.solver,
        "peak_rss_mb": peak_rss_mb(),
        "scoreboard": s.scoreboard,
    }


def household_profiles(network: str, households: int, days: int, intervals: int) -> dict[str, Any]:
    """Per-load power of the first ``intervals`` of the twin's ``days``-long scenario (same
    seed, same fleet), as profiles for pandapower."""
    scenario = validate_scenario_dict(scenario_dict(network, households, days))
    site = build_site(scenario)
    with tempfile.TemporaryDirectory() as folder, RunWriter(Path(folder) / "run") as writer:
        parts = build_components(scenario, site, RandomTree(scenario.seed), writer)
        axis = parts.axis
        net = site.grid.net
        n_load, n_sgen = len(net.load), len(net.sgen)
        events = sorted(parts.households.events(), key=lambda e: e.time_s)
        p = np.empty((intervals, n_load))
        q = np.empty((intervals, n_load))
        sg = np.empty((intervals, n_sgen))
        j = 0
        for k in range(intervals):
            while j < len(events) and events[j].time_s <= k * axis.interval_s:
                parts.households.apply(events[j])
                j += 1
            p_kw, q_kvar = parts.step_meters(axis.at(k))
            p[k], q[k], sg[k] = parts.grid_injections(k, p_kw, q_kvar)
    return {"net": net, "bus_id": site.grid.bus_id, "p": p, "q": q, "sgen": sg}


def run_pandapower_timeseries(
    net: Any, p: np.ndarray, q: np.ndarray, sgen: np.ndarray
) -> dict[str, Any]:
    """pandapower's documented time-series loop on the given profiles."""
    import pandapower as pp
    from pandapower.control import ConstControl
    from pandapower.timeseries import DFData, OutputWriter, run_timeseries

    net = pp.from_json_string(pp.to_json(net))  # a private copy
    steps = range(p.shape[0])
    loads, sgens = net.load.index, net.sgen.index
    ConstControl(
        net,
        "load",
        "p_mw",
        loads,
        profile_name=loads,
        data_source=DFData(pd.DataFrame(p, columns=loads)),
    )
    ConstControl(
        net,
        "load",
        "q_mvar",
        loads,
        profile_name=loads,
        data_source=DFData(pd.DataFrame(q, columns=loads)),
    )
    if len(sgens):
        ConstControl(
            net,
            "sgen",
            "p_mw",
            sgens,
            profile_name=sgens,
            data_source=DFData(pd.DataFrame(sgen, columns=sgens)),
        )
    with tempfile.TemporaryDirectory() as folder:
        writer = OutputWriter(net, steps, output_path=folder, output_file_type=".p")
        writer.log_variable("res_bus", "vm_pu")
        tic = time.perf_counter()
        run_timeseries(net, steps, verbose=False)
        elapsed = time.perf_counter() - tic
        vm = np.asarray(writer.output["res_bus.vm_pu"])
    return {
        "intervals": p.shape[0],
        "seconds": elapsed,
        "s_per_interval": elapsed / p.shape[0],
        "vm_pu": vm,
    }


def rss_child(network: str, households: int, days: int, faults: bool = False) -> dict[str, Any]:
    """Run the twin in a fresh interpreter and return its figures (peak RSS included)."""
    cmd = [
        sys.executable,
        __file__,
        "--child-days",
        str(days),
        "--network",
        network,
        "--households",
        str(households),
        *(["--child-faults"] if faults else []),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default=DEFAULT_NETWORK)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30, help="length of the twin run (a)")
    parser.add_argument(
        "--pp-days", type=int, default=2, help="days of pandapower's time series (b)"
    )
    parser.add_argument("--skip-rss", action="store_true", help="skip the 1-day/30-day RSS runs")
    parser.add_argument("--skip-pp", action="store_true", help="skip pandapower's time series (b)")
    parser.add_argument(
        "--with-faults", action="store_true", help="also run (a) with comms, faults, a campaign"
    )
    parser.add_argument("--child-days", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-faults", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    if args.child_days is not None:
        with tempfile.TemporaryDirectory() as folder:
            figures = run_twin(
                args.network,
                args.households,
                args.child_days,
                Path(folder) / "run",
                faults=args.child_faults,
            )
        print(json.dumps(figures))
        return

    print(f"network {args.network}, {args.households:,} households, 15-min intervals")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "twin"
        a = run_twin(args.network, args.households, args.days, out)
        twin_vm = twin.open_run(out).table("internal/bus_voltage")
    print(
        f"(a) twin, {args.days} d, {a['meters']:,} meters (every customer and generator): "
        f"{a['intervals']:,} intervals in {a['simulate_s']:.1f} s "
        f"(+{a['build_s']:.1f} s set-up), {a['s_per_interval'] * 1e3:.2f} ms per interval, "
        f"{a['meter_intervals_per_s']:,.0f} meter-intervals/s, solver {a['solver']}"
    )
    with tempfile.TemporaryDirectory() as folder:
        h = run_twin(
            args.network, args.households, args.days, Path(folder) / "hh", households_only=True
        )
    extra_meters = a["meters"] / h["meters"] - 1
    extra_time = a["s_per_interval"] / h["s_per_interval"] - 1
    print(
        f"(a0) the same with only the {h['meters']:,} households metered: "
        f"{h['s_per_interval'] * 1e3:.2f} ms per interval; metering everyone adds "
        f"{extra_meters:.1%} meters and {extra_time:.1%} time"
    )
    if args.with_faults:
        with tempfile.TemporaryDirectory() as folder:
            f = run_twin(
                args.network, args.households, args.days, Path(folder) / "faults", faults=True
            )
        board = f["scoreboard"]
        print(
            f"(a') twin with comms, faults and a firmware campaign, {args.days} d: "
            f"{f['simulate_s']:.1f} s, {f['s_per_interval'] * 1e3:.2f} ms per interval, "
            f"{f['meter_intervals_per_s']:,.0f} meter-intervals/s "
            f"({f['meter_intervals_per_s'] / a['meter_intervals_per_s']:.0%} of (a)); "
            f"completeness {board['data']['completeness_percent']:.2f} %, "
            f"tampered {board['tampered_records']['injected']} injected / "
            f"{board['tampered_records']['accepted']} accepted"
        )
    if not args.skip_pp:
        prof = household_profiles(args.network, args.households, args.days, args.pp_days * 96)
        b = run_pandapower_timeseries(prof["net"], prof["p"], prof["q"], prof["sgen"])
        print(
            f"(b) pandapower run_timeseries, {args.pp_days} d: {b['intervals']:,} intervals in "
            f"{b['seconds']:.1f} s, {b['s_per_interval'] * 1e3:.2f} ms per interval"
        )
        ratio = b["s_per_interval"] / a["s_per_interval"]
        print(f"    speed-up of the twin per interval: {ratio:.1f}x")

        n = b["intervals"]
        first = np.sort(twin_vm["interval_end"].unique())[:n]
        ours = (
            twin_vm[twin_vm["interval_end"].isin(first)]
            .pivot(index="interval_end", columns="bus_id", values="vm_pu")
            .reindex(columns=prof["bus_id"])
            .to_numpy()
        )
        theirs = b["vm_pu"]  # prepared bus order, which prof["bus_id"] maps to original ids
        print(
            f"    largest |vm_pu| difference twin vs pandapower over {n} intervals: "
            f"{np.nanmax(np.abs(ours - theirs)):.2e} pu (twin stores float32)"
        )

    if not args.skip_rss:
        short = rss_child(args.network, args.households, 1)
        long = rss_child(args.network, args.households, args.days)
        growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1
        print(
            f"peak RSS: 1 d {short['peak_rss_mb']:,.0f} MB, {args.days} d "
            f"{long['peak_rss_mb']:,.0f} MB ({growth:+.0%})"
        )
        if args.with_faults:
            short = rss_child(args.network, args.households, 1, faults=True)
            long = rss_child(args.network, args.households, args.days, faults=True)
            growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1
            print(
                f"peak RSS with faults: 1 d {short['peak_rss_mb']:,.0f} MB, {args.days} d "
                f"{long['peak_rss_mb']:,.0f} MB ({growth:+.0%})"
            )


if __name__ == "__main__":
    main()
