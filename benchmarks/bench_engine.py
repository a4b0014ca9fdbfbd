"""Engine benchmark: the twin against pandapower's time series and lightsim2grid's, same grid,
same loads, same number of intervals.

(a)  the twin with about 10,000 households on a SimBench MV/LV town grid
     (every customer and generator metered), a power flow every interval,
     every stream written; its solver is lightsim2grid's single-slack
     Newton-Raphson with KLU, each interval started from the previous one's
     voltages (the first from a DC power flow);
(a0) the same with only the households metered; (a') with ``--with-faults``;
(b)  pandapower's documented time-series loop on the same network with the
     very injections the twin solved as profiles (``DFData`` +
     ``ConstControl`` + ``OutputWriter`` + ``run_timeseries``), in its fastest
     documented configuration: ``runpp(lightsim2grid=True, numba=True,
     init="results")`` with the ``recycle`` options ``run_timeseries``
     derives itself (admittance matrix built once, warm start each step, bus
     voltages batch-read at the end), numba compiled by an untimed warm-up,
     no controller diagnostic (``check_controllers=False``);
(c)  lightsim2grid's own time-series solver (``TimeSeriesCPP`` on
     ``init_from_pandapower``) on the same injections: the floor, the power
     flows alone with no per-interval Python.

Both sides run the same number of intervals (``--days``, 96 a day). Each
side's wall time is split into set-up, warm-up, the loop and the final flush:

- twin: set-up is the manifest's ``timings_s.build`` (network, premises,
  fleets, solver) plus opening the recorders and scheduling the events; no
  separate warm-up (the first interval's cold start is inside the loop); the
  loop is the manifest's ``timings_s.simulate``; the flush is the closing
  tables, the bills and the commit of the run directory (Parquet tables
  closed, manifest written, folder moved into place). The parts the manifest
  does not time are timed by wrapping the engine's own functions for the
  duration of the run (``benchmarks/stages.py``), so ``twin.run`` runs
  unchanged. The twin's time inside its power-flow calls is reported too.
- (b): set-up is the network copy, the controllers and the writer plus
  ``run_timeseries``' own initialisation; warm-up is a 4-interval time series
  on another copy; the loop is ``run_loop`` without the writer's final dump;
  the flush is that dump (batch read of bus voltages, line and transformer
  loading, as the twin records them; pickles written). It gets the network
  the twin loaded, so its set-up holds no network loading; the twin's first
  run does (printed apart).
- (c): set-up is the conversion, the DC start and the injections handed
  over; warm-up a first ``compute`` over all intervals; the loop a second
  one; the flush reading the voltages out.

``--repeat N`` runs (a), (b) and (c) N times, alternately (a, b, c, a, b,
c, ...), and reports the median of each figure (every run is kept in the
JSON); the injections are recorded and the voltages compared on the first
round. The first twin run of a process also loads the SimBench network
(cached afterwards), so its set-up is longer than the next ones'.

Printed and written to ``--json`` (default ``benchmarks/results/bench_engine.json``):
the command, the machine (CPU, cores, load average at start and end, commit),
the versions of the libraries, each side's solver and settings (pandapower's
as ``net._options`` reports them after the run), the stages, seconds per
interval of each loop and their ratios, meter-intervals per second, a Markdown
table for the README, the largest bus-voltage difference between the twin
(stored float32) and (b), the twin and (c), and (b) and (c), over all
intervals, and unless ``--skip-rss`` the peak RSS of a 1-day and a
``--days`` twin run, each in a fresh child process (a process's peak RSS
only grows).

    python benchmarks/bench_engine.py --days 30 --repeat 3 --with-faults  # the headline
    python benchmarks/bench_engine.py --days 2 --skip-rss                 # a quick look
    python benchmarks/bench_engine.py --with-faults --days 7 --skip-pp --skip-floor --skip-rss

``--with-faults`` also runs (a) with the metering infrastructure loaded:
HPLC comms with random concentrator outages, a 3-day outage of 5 % of the
concentrators, a staged firmware campaign with failures, compromised,
crashing and hanging management cores, clock drift, tamper, remote
disconnects and hourly app power; it prints both throughputs and their ratio
(the target: at least half the meter-intervals per second of the plain run).

The comparison is of whole intervals of the twin (households, meters,
head-end, recording, power flow) against power flows alone in (b) and (c):
(b) does strictly less work per interval than (a). Recording the injections
for (b) and (c) copies three arrays per interval inside the twin's timed loop
(tens of microseconds), against the twin.

References
----------
pandapower 3.5 "Time Series Simulation" and ``runpp`` (``lightsim2grid``,
``numba``, ``init``, ``recycle``), https://pandapower.readthedocs.io/en/latest/timeseries.html,
https://pandapower.readthedocs.io/en/latest/powerflow/ac.html; lightsim2grid 1.2
"Time Series", https://lightsim2grid.readthedocs.io/en/latest/time_series.html.
See ``benchmarks/engine_peers.py`` for the peers' configuration and why it is
their fastest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightsim2grid  # imported before any timing, as twin and pandapower
import numpy as np
import pandapower
import pandas as pd
from engine_peers import run_lightsim2grid_timeseries, run_pandapower_timeseries
from provenance import commit
from stages import Stages
from town import TOWN_NETWORK, town_scenario

import twin
import twin.engine.simulation as simulation
from twin.engine.components import Components
from twin.scenario.loading import validate_scenario_dict
from twin.streams import RunWriter

DEFAULT_NETWORK = TOWN_NETWORK


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
    return {**extra, **town_scenario(f"bench-{days}d", households, days, network=network)}


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


DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "bench_engine.json"
"""Where the figures go unless ``--json`` says otherwise."""

INTERVALS_PER_DAY = 96
"""15-min intervals per day (the benchmark scenario's interval)."""


class InjectionCapture:
    """The injections the twin hands its power-flow solver, one row per interval.

    Filled by :func:`solver_hook` during the twin's run: ``net.load`` active and
    reactive power [MW], [Mvar] and ``net.sgen`` active power [MW], plus the
    network, its original bus ids per ``net.bus`` row and the solver's settings.
    """

    def __init__(self) -> None:
        self.p = np.empty((0, 0))
        self.q = np.empty((0, 0))
        self.sgen = np.empty((0, 0))
        self.rows = 0
        self.net: Any = None
        self.bus_id = np.empty(0, dtype=np.int64)

    def record(
        self, parts: Components, index: int, p: np.ndarray, q: np.ndarray, sgen: np.ndarray
    ) -> None:
        """Copy interval ``index``'s injections (arrays made at the first call)."""
        if self.net is None:
            n = parts.axis.n_intervals
            self.p, self.q = np.empty((n, p.size)), np.empty((n, q.size))
            self.sgen = np.empty((n, sgen.size))
            self.net, self.bus_id = parts.site.grid.net, parts.site.grid.bus_id
        self.p[index], self.q[index], self.sgen[index] = p, q, sgen
        self.rows = max(self.rows, index + 1)


def describe_solver(solver: Any) -> dict[str, Any]:
    """The twin's solver and its settings, as far as the solver object tells them."""
    info: dict[str, Any] = {"name": getattr(solver, "name", type(solver).__name__)}
    model = getattr(solver, "model", None)
    if model is not None and hasattr(model, "get_algo_type"):
        info["algorithm"] = getattr(model.get_algo_type(), "name", str(model.get_algo_type()))
    for key, attr in (("max_iter", "_max_iter"), ("tol", "_tol")):
        if hasattr(solver, attr):
            info[key] = getattr(solver, attr)
    if info["name"] == "lightsim2grid":
        info["start"] = "the previous interval's voltages; a DC power flow when cold"
    return info


@contextmanager
def solver_hook(stages: Stages, capture: InjectionCapture | None) -> Iterator[dict[str, Any]]:
    """Time the twin's power-flow calls as stage ``power_flow``; record their injections.

    Yields a dict that receives the solver's description at the first call.
    """
    original = Components.solve
    seen: dict[str, Any] = {}

    def solve(
        parts: Components, index: int, load_p: np.ndarray, load_q: np.ndarray, sgen: np.ndarray
    ) -> Any:
        if not seen:
            seen.update(describe_solver(parts.solver))
        if capture is not None:
            capture.record(parts, index, load_p, load_q, sgen)
        tic = time.perf_counter()
        try:
            return original(parts, index, load_p, load_q, sgen)
        finally:
            stages.add("power_flow", time.perf_counter() - tic)

    setattr(Components, "solve", solve)  # noqa: B010 - a method replaced for the run
    try:
        yield seen
    finally:
        setattr(Components, "solve", original)  # noqa: B010


def run_twin(
    network: str,
    households: int,
    days: int,
    out: Path,
    *,
    faults: bool = False,
    households_only: bool = False,
    capture: InjectionCapture | None = None,
) -> dict[str, Any]:
    """Run the twin through ``twin.run``; return its timings, stage by stage [s].

    ``build`` and ``simulate`` are the manifest's ``timings_s``; the recorders'
    opening, the scheduling, the closing tables, the bills and the commit are
    timed by wrapping the engine's functions of those names.
    """
    scenario = validate_scenario_dict(
        scenario_dict(network, households, days, faults=faults, households_only=households_only)
    )
    stages = Stages()
    targets: list[tuple[object, str, str]] = [
        (simulation, "build_site", "site"),
        (simulation, "build_components", "components"),
        (simulation, "_open_recorder", "recorder"),
        (simulation, "_schedule", "schedule"),
        (simulation, "_close", "close"),
        (simulation, "write_bills", "bills"),
        (RunWriter, "commit", "commit"),
    ]
    with stages.patched(targets), solver_hook(stages, capture) as solver:
        tic = time.perf_counter()
        result = twin.run(scenario, out=out, progress=False)
        wall = time.perf_counter() - tic
    s = result.summary
    timings = result.manifest["timings_s"]
    build, simulate = float(timings["build"]), float(timings["simulate"])
    setup = build + stages.get("recorder") + stages.get("schedule")
    flush = stages.get("close") + stages.get("bills") + stages.get("commit")
    return {
        "method": "twin.run",
        "days": days,
        "households": s.households,
        "meters": s.meters,
        "intervals": s.intervals,
        "setup_s": setup,
        "warmup_s": 0.0,
        "loop_s": simulate,
        "flush_s": flush,
        "other_s": wall - setup - simulate - flush,
        "total_s": wall,
        "s_per_interval": simulate / s.intervals,
        "power_flow_s": stages.get("power_flow"),
        "meter_intervals_per_s": s.meters * s.intervals / simulate,
        "manifest_timings_s": dict(timings),
        "stages_s": dict(stages.seconds),
        "unmeasured": stages.missing,
        "solver": solver or {"name": s.solver},
        "peak_rss_mb": peak_rss_mb(),
        "scoreboard": s.scoreboard,
    }


def largest_twin_difference(out: Path, bus_id: np.ndarray, vm: np.ndarray) -> tuple[float, int]:
    """Largest |vm_pu| difference between the twin's stored bus voltages and ``vm``.

    ``vm`` holds one row per interval (the twin's k-th interval end is row k)
    and one column per ``net.bus`` row, whose original ids are ``bus_id``.
    Streams the table in batches. Returns the difference [pu] and the number
    of values compared.
    """
    run = twin.open_run(out)
    name = "internal/bus_voltage"
    ends = np.unique(run.arrow(name, ["interval_end"]).column(0).to_numpy())
    columns = pd.Index(bus_id)
    worst, compared = 0.0, 0
    for batch in run.dataset(name).to_batches(
        columns=["interval_end", "bus_id", "vm_pu"], batch_size=1 << 20
    ):
        k = np.searchsorted(ends, batch.column(0).to_numpy())
        j = columns.get_indexer(batch.column(1).to_numpy())
        ok = (k < vm.shape[0]) & (j >= 0)
        ours = batch.column(2).to_numpy(zero_copy_only=False).astype(np.float64)[ok]
        diff = np.abs(ours - vm[k[ok], j[ok]])
        compared += int(np.isfinite(diff).sum())
        worst = max(worst, float(np.nanmax(diff, initial=0.0)))
    return worst, compared


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


def versions() -> dict[str, str]:
    """The versions that matter to the figures."""
    import numba
    import pyarrow
    import simpy

    return {
        "python": platform.python_version(),
        "gridtwin": twin.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pandapower": pandapower.__version__,
        "lightsim2grid": lightsim2grid.__version__,
        "numba": numba.__version__,
        "pyarrow": pyarrow.__version__,
        "simpy": simpy.__version__,
    }


def machine() -> dict[str, Any]:
    """Where the figures were taken: CPU, cores, load average, commit."""
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_start": list(os.getloadavg()),
        "commit": commit(),
    }


def stage_line(label: str, r: dict[str, Any]) -> str:
    """One printed line: a side's stages."""
    return (
        f"{label}: {r['intervals']:,} intervals; set-up {r['setup_s']:.2f} s, "
        f"warm-up {r['warmup_s']:.2f} s, loop {r['loop_s']:.2f} s "
        f"({r['s_per_interval'] * 1e3:.2f} ms per interval), flush {r['flush_s']:.2f} s, "
        f"other {r['other_s']:.2f} s, total {r['total_s']:.2f} s"
    )


def twin_setup_line(r: dict[str, Any]) -> str:
    """What the twin's set-up and flush are made of [s]."""
    st = r["stages_s"]
    return (
        f"set-up: network {st.get('site', 0.0):.2f} s (loaded once per process, then cached), "
        f"premises, fleets and solver {st.get('components', 0.0):.2f} s, recorders and "
        f"schedule {st.get('recorder', 0.0) + st.get('schedule', 0.0):.2f} s; flush: closing "
        f"tables {st.get('close', 0.0):.2f} s, bills {st.get('bills', 0.0):.2f} s, "
        f"commit {st.get('commit', 0.0):.2f} s"
    )


def markdown_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """The README table: one row per side, its stages [s] and its loop per interval.

    With ``--repeat``, medians, and the fastest run's loop per interval as ``best``.
    """
    lines = [
        "| | intervals | set-up | warm-up | loop | per interval | best | flush | total |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        best = r.get("best_s_per_interval", r["s_per_interval"])
        lines.append(
            f"| {label} | {r['intervals']:,} | {r['setup_s']:.2f} s | {r['warmup_s']:.2f} s "
            f"| {r['loop_s']:.2f} s | {r['s_per_interval'] * 1e3:.2f} ms | {best * 1e3:.2f} ms "
            f"| {r['flush_s']:.2f} s | {r['total_s']:.2f} s |"
        )
    return "\n".join(lines)


STAGE_KEYS = (
    "setup_s",
    "warmup_s",
    "loop_s",
    "flush_s",
    "other_s",
    "total_s",
    "s_per_interval",
    "power_flow_s",
    "meter_intervals_per_s",
)
"""The figures of a run that :func:`median_run` takes the median of."""


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run's figures with each of :data:`STAGE_KEYS` the median over ``runs``.

    ``best_s_per_interval`` is the fastest run's loop per interval (on a busy
    machine noise only adds time); ``repeats`` lists every run's figures, in
    the order they ran.
    """
    merged = dict(runs[0])
    for key in STAGE_KEYS:
        if key in merged:
            merged[key] = float(np.median([r[key] for r in runs]))
    merged["best_s_per_interval"] = float(min(r["s_per_interval"] for r in runs))
    merged["repeats"] = [{k: r[k] for k in STAGE_KEYS if k in r} for r in runs]
    return merged


def _strip(r: dict[str, Any]) -> dict[str, Any]:
    """``r`` without its arrays (for the JSON)."""
    return {k: v for k, v in r.items() if not isinstance(v, np.ndarray)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--network", default=DEFAULT_NETWORK)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument(
        "--days", type=int, default=30, help="days simulated by every side (96 intervals a day)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run (a), (b) and (c) this many times, alternately; report the medians",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    parser.add_argument("--skip-rss", action="store_true", help="skip the 1-day/N-day RSS runs")
    parser.add_argument("--skip-pp", action="store_true", help="skip pandapower's time series (b)")
    parser.add_argument(
        "--skip-floor", action="store_true", help="skip lightsim2grid's time series (c)"
    )
    parser.add_argument(
        "--skip-a0", action="store_true", help="skip the households-only twin run (a0)"
    )
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

    report: dict[str, Any] = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": machine(),
        "versions": versions(),
        "scenario": {
            "network": args.network,
            "households": args.households,
            "days": args.days,
            "intervals": args.days * INTERVALS_PER_DAY,
            "interval": "15min",
        },
    }
    print(f"network {args.network}, {args.households:,} households, {args.days} d at 15 min")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()))
    runs: dict[str, list[dict[str, Any]]] = {"twin": [], "pandapower": [], "lightsim2grid": []}
    checks: dict[str, Any] = {}
    capture = InjectionCapture()
    for rep in range(args.repeat):
        tag = f" [{rep + 1}/{args.repeat}]" if args.repeat > 1 else ""
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "twin"
            a = run_twin(
                args.network,
                args.households,
                args.days,
                out,
                capture=capture if rep == 0 else None,
            )
            runs["twin"].append(a)
            print(stage_line("(a) twin" + tag, a))
            print(
                f"    {a['meters']:,} meters (every customer and generator), "
                f"{a['meter_intervals_per_s']:,.0f} meter-intervals/s; power flow "
                f"{a['power_flow_s'] / a['intervals'] * 1e3:.2f} ms per interval inside the "
                f"loop; solver {a['solver']}"
            )
            print("    " + twin_setup_line(a))
            b_vm = c_vm = None
            if not args.skip_pp:
                rb = run_pandapower_timeseries(capture.net, capture.p, capture.q, capture.sgen)
                b_vm = rb["vm_pu"]
                runs["pandapower"].append(_strip(rb))
                print(stage_line("(b) pandapower run_timeseries" + tag, rb))
                if rep == 0:
                    print(
                        f"    runpp {rb['run_options']}, logging {rb['logged']}; Newton-Raphson "
                        f"iterations per step {rb['iterations_mean']:.2f} "
                        f"(max {rb['iterations_max']:.0f}); net._options {rb['options']}"
                    )
                    diff, n = largest_twin_difference(out, capture.bus_id, b_vm)
                    checks["twin_vs_pandapower_max_abs_vm_pu"] = diff
                    checks["twin_vs_pandapower_values"] = n
                    print(
                        f"    largest |vm_pu| difference twin vs pandapower over "
                        f"{rb['intervals']:,} intervals ({n:,} values): {diff:.2e} pu "
                        "(twin stores float32)"
                    )
            if not args.skip_floor:
                rc = run_lightsim2grid_timeseries(capture.net, capture.p, capture.q, capture.sgen)
                c_vm = rc["vm_pu"]
                runs["lightsim2grid"].append(_strip(rc))
                print(stage_line("(c) lightsim2grid TimeSeriesCPP" + tag, rc))
                if rep == 0:
                    print(
                        f"    {rc['settings']}; {rc['converged']:,} of {rc['intervals']:,} "
                        f"converged, iterations per step {rc['iterations_mean']:.2f} "
                        f"(max {rc['iterations_max']:.0f}), lightsim2grid's own solver time "
                        f"{rc['solver_time_s']:.2f} s"
                    )
                    diff, n = largest_twin_difference(out, capture.bus_id, c_vm)
                    checks["twin_vs_lightsim2grid_max_abs_vm_pu"] = diff
                    print(f"    largest |vm_pu| difference twin vs lightsim2grid: {diff:.2e} pu")
            if rep == 0 and b_vm is not None and c_vm is not None:
                diff = float(np.nanmax(np.abs(b_vm - c_vm), initial=0.0))
                checks["pandapower_vs_lightsim2grid_max_abs_vm_pu"] = diff
                print(f"    largest |vm_pu| difference pandapower vs lightsim2grid: {diff:.2e} pu")
            del b_vm, c_vm
    capture = InjectionCapture()  # free the injections
    report["checks"] = checks

    a = median_run(runs["twin"])
    b = median_run(runs["pandapower"]) if runs["pandapower"] else None
    c = median_run(runs["lightsim2grid"]) if runs["lightsim2grid"] else None
    report["twin"] = a
    rows: list[tuple[str, dict[str, Any]]] = [
        (f"(a) gridtwin, {a['meters']:,} meters, everything written", a)
    ]
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_a0:
            h = run_twin(
                args.network, args.households, args.days, Path(folder) / "hh", households_only=True
            )
            report["twin_households_only"] = h
            extra_meters = a["meters"] / h["meters"] - 1
            extra_time = a["s_per_interval"] / h["s_per_interval"] - 1
            print(stage_line(f"(a0) twin, only the {h['meters']:,} households metered", h))
            print(f"    metering everyone adds {extra_meters:.1%} meters and {extra_time:.1%} time")
            rows.append((f"(a0) the same, only the {h['meters']:,} households metered", h))
        if args.with_faults:
            f = run_twin(
                args.network, args.households, args.days, Path(folder) / "faults", faults=True
            )
            report["twin_faults"] = f
            board = f["scoreboard"]
            print(stage_line("(a') twin with comms, faults and a firmware campaign", f))
            print(
                f"    {f['meter_intervals_per_s']:,.0f} meter-intervals/s "
                f"({f['meter_intervals_per_s'] / a['meter_intervals_per_s']:.0%} of (a)); "
                f"completeness {board['data']['completeness_percent']:.2f} %, "
                f"tampered {board['tampered_records']['injected']} injected / "
                f"{board['tampered_records']['accepted']} accepted"
            )
            rows.append(("(a') (a) with comms, faults and a firmware campaign", f))
    if b is not None:
        report["pandapower"] = b
        rows.append(("(b) pandapower `run_timeseries`, lightsim2grid + numba", b))
    if c is not None:
        report["lightsim2grid"] = c
        rows.append(("(c) lightsim2grid `TimeSeriesCPP` (power flows only)", c))

    ratios: dict[str, float] = {}
    if b is not None:
        ratios["pandapower_loop_over_twin_loop"] = b["s_per_interval"] / a["s_per_interval"]
        ratios["pandapower_total_over_twin_total"] = b["total_s"] / a["total_s"]
    if c is not None:
        ratios["twin_loop_over_lightsim2grid_loop"] = a["s_per_interval"] / c["s_per_interval"]
        ratios["twin_power_flow_over_lightsim2grid_loop"] = a["power_flow_s"] / c["loop_s"]
    if b is not None and c is not None:
        ratios["pandapower_loop_over_lightsim2grid_loop"] = b["loop_s"] / c["loop_s"]
    if args.repeat > 1 and b is not None:
        ratios["pandapower_best_over_twin_best"] = (
            b["best_s_per_interval"] / a["best_s_per_interval"]
        )
    if args.repeat > 1 and c is not None:
        ratios["twin_best_over_lightsim2grid_best"] = (
            a["best_s_per_interval"] / c["best_s_per_interval"]
        )
    report["ratios"] = ratios
    label = f"medians of {args.repeat} runs" if args.repeat > 1 else "one run"
    for key, value in ratios.items():
        which = "fastest of each" if "best" in key else label
        print(f"    {key.replace('_', ' ')} ({which}): {value:.2f}x")

    if not args.skip_rss:
        rss: dict[str, Any] = {}
        short = rss_child(args.network, args.households, 1)
        long = rss_child(args.network, args.households, args.days)
        rss["plain"] = {"1d_mb": short["peak_rss_mb"], f"{args.days}d_mb": long["peak_rss_mb"]}
        growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1
        print(
            f"peak RSS: 1 d {short['peak_rss_mb']:,.0f} MB, {args.days} d "
            f"{long['peak_rss_mb']:,.0f} MB ({growth:+.0%})"
        )
        if args.with_faults:
            short = rss_child(args.network, args.households, 1, faults=True)
            long = rss_child(args.network, args.households, args.days, faults=True)
            rss["faults"] = {
                "1d_mb": short["peak_rss_mb"],
                f"{args.days}d_mb": long["peak_rss_mb"],
            }
            growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1
            print(
                f"peak RSS with faults: 1 d {short['peak_rss_mb']:,.0f} MB, {args.days} d "
                f"{long['peak_rss_mb']:,.0f} MB ({growth:+.0%})"
            )
        report["peak_rss"] = rss

    report["machine"]["load_average_end"] = list(os.getloadavg())
    report["markdown"] = markdown_table(rows)
    print()
    print(report["markdown"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
