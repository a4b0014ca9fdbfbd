"""The ``twin`` command: parses arguments, calls the API, maps errors to exit codes.

Exit codes: 0 success, 2 bad input (scenario, arguments), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from twin.errors import Problem, ScenarioError, TwinError
from twin.studies.registry import STUDY_NAMES, check_study_names, run_study

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    """The whole command line in one place.

    Longer than the house's ~80 lines on purpose: it is a declarative table
    of every command and option, read top to bottom beside the README's.
    """
    parser = argparse.ArgumentParser(
        prog="twin",
        description="gridtwin: a digital twin of a smart-meter-rich distribution grid.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file")
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="a.b=VALUE",
            help="override a scenario key (repeatable); VALUE is read as YAML",
        )
        p.add_argument("--seed", type=int, default=None, help="replace the scenario's seed")

    p_run = sub.add_parser("run", help="simulate a scenario and write a run directory")
    add_scenario_args(p_run)
    p_run.add_argument(
        "--out", default=None, metavar="DIR", help="run directory (default results/<name>)"
    )
    p_run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar in simulated time (default: when the terminal shows it)",
    )
    p_run.add_argument(
        "--profile",
        action="store_true",
        help="print the wall time per stage of the interval loop and per table written "
        "(always kept in manifest.json's summary.profile)",
    )
    sharding = p_run.add_argument_group("sharded run (split by LV transformer area, on Dask)")
    sharding.add_argument(
        "--shards", type=int, default=None, metavar="K", help="run in K shards (default 1: none)"
    )
    shard_where = sharding.add_mutually_exclusive_group()
    shard_where.add_argument(
        "--workers", type=int, default=None, help="local workers (default: cores, <= shards)"
    )
    shard_where.add_argument(
        "--scheduler", default=None, metavar="ADDR", help="existing Dask scheduler"
    )

    p_val = sub.add_parser("validate", help="check a scenario without running it")
    add_scenario_args(p_val)

    p_sweep = sub.add_parser(
        "sweep", help="run every combination of parameters on Dask, with a KPI table"
    )
    p_sweep.add_argument(
        "scenario", metavar="SCENARIO.yaml", help="base scenario, or a sweep file with `base:`"
    )
    p_sweep.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="a.b=V1,V2",
        help="a swept key and its values (repeatable; every combination runs)",
    )
    p_sweep.add_argument("--seeds", type=int, default=None, help="runs per combination")
    p_sweep.add_argument(
        "--study",
        dest="studies",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run a study on each run in its worker (repeatable): {', '.join(STUDY_NAMES)}",
    )
    where = p_sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local workers (default: cores)")
    where.add_argument("--scheduler", default=None, metavar="ADDR", help="existing Dask scheduler")
    p_sweep.add_argument("--out", default=None, metavar="DIR", help="default results/<name>-sweep")
    p_sweep.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)

    p_study = sub.add_parser("study", help="run a planning study on a finished run")
    p_study.add_argument(
        "study",
        choices=STUDY_NAMES,
        metavar="NAME",
        help=f"one of {', '.join(STUDY_NAMES)}",
    )
    p_study.add_argument(
        "run_dir",
        metavar="RUN_DIR",
        help="a run directory, or a sweep directory for the study's robustness table",
    )
    vacancy = p_study.add_argument_group("vacancy study options")
    vacancy.add_argument(
        "--window", default=None, help="all | 90d | 2025-01-06/2025-04-06 (default all)"
    )
    vacancy.add_argument(
        "--resolution", default=None, help="15min | 30min | 1h (default the run's)"
    )
    vacancy.add_argument(
        "--training-run",
        default=None,
        metavar="DIR",
        help="a run with another seed (ideally another network) to train and calibrate on; "
        "default: one is generated from RUN_DIR's scenario with another seed (not calibrated on)",
    )
    vacancy.add_argument(
        "--no-guard",
        dest="guard",
        action="store_false",
        help="skip measuring how hard the problem is (separability, home/away accuracy)",
    )

    p_report = sub.add_parser("report", help="write RUN_DIR/report/index.html")
    p_report.add_argument("run_dir", metavar="RUN_DIR", help="a run directory")

    p_export = sub.add_parser(
        "export", help="write Excel workbooks of the platform's reports under RUN_DIR/export/"
    )
    p_export.add_argument("run_dir", metavar="RUN_DIR", help="a run directory")
    p_export.add_argument("--xlsx", action="store_true", help="Excel workbooks (.xlsx)")
    p_export.add_argument(
        "--report",
        default="all",
        metavar="NAME",
        help="energy | alarms | finance | all (default all)",
    )
    p_export.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)

    sub.add_parser("networks", help="list the built-in network names")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from twin.engine import run
    from twin.engine.stage_clock import profile_lines
    from twin.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, seed=args.seed)
    problems = [
        Problem(option, f"given {value}; expected at least 1")
        for option, value in (("--shards", args.shards), ("--workers", args.workers))
        if value is not None and value < 1
    ]
    if args.shards is None and (args.workers is not None or args.scheduler is not None):
        problems.append(
            Problem("--shards", "not given; --workers and --scheduler only apply to sharded runs")
        )
    if problems:
        raise ScenarioError(problems)
    if args.shards is not None:
        from twin.sweep import run_sharded

        result = run_sharded(
            scenario,
            args.shards,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=args.progress,
        )
    else:
        result = run(scenario, out=args.out, progress=args.progress)
    for line in result.summary.lines():
        print(line)
    print(f"  run directory     {result.path}")
    if args.profile:
        for line in profile_lines(result.summary.profile):
            print(line)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from twin.engine import build_site
    from twin.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, seed=args.seed)
    site = build_site(scenario)
    axis = scenario.time.axis()
    print(
        f"{args.scenario}: ok: {scenario.name!r}, {site.n_households:,} households and "
        f"{site.n_meters - site.n_households:,} other customer and generation meters on "
        f"{site.grid.name} ({site.grid.dwelling_capacity:,} dwellings), "
        f"{axis.n_intervals:,} intervals of {axis.interval_s // 60} min"
    )
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    from twin.scenario.loading import read_yaml_mapping
    from twin.sweep import SweepSpec, parse_param, run_sweep

    if args.seeds is not None and args.seeds < 1:
        raise ScenarioError([Problem("--seeds", f"given {args.seeds}; expected at least 1")])
    if args.workers is not None and args.workers < 1:
        raise ScenarioError([Problem("--workers", f"given {args.workers}; expected at least 1")])
    studies = check_study_names(args.studies)
    if SweepSpec.is_sweep_file(args.scenario):
        spec = SweepSpec.from_file(args.scenario)
        for text in args.params:
            key, values = parse_param(text)
            spec.parameters[key] = values
        if args.seeds is not None:
            spec.seeds = args.seeds
        spec.studies = check_study_names([*spec.studies, *studies])
    else:
        params = dict(parse_param(text) for text in args.params)
        spec = SweepSpec(Path(args.scenario), params, args.seeds or 1, studies=studies)
    name = str(read_yaml_mapping(spec.base).get("name", "sweep"))
    out = Path(args.out) if args.out else Path("results") / f"{name}-sweep"
    table = run_sweep(
        spec, out, workers=args.workers, scheduler=args.scheduler, progress=args.progress
    )
    counts = table["status"].value_counts().to_dict()
    print(
        f"sweep {name!r}: {len(table)} run(s): "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    )
    print(f"  KPI table          {out / 'sweep.parquet'}")
    failed = table[table["status"] == "failed"]
    for row in failed.itertuples():
        print(f"  failed {row.run_id}: {row.error}")
    for row in table[table["study_error"] != ""].itertuples():  # the run itself completed
        print(f"  study failed on {row.run_id} (its columns are NaN): {row.study_error}")
    return EXIT_OK if failed.empty else EXIT_INTERNAL


def _cmd_study(args: argparse.Namespace) -> int:
    import json

    from twin.studies.robustness import is_sweep_dir, run_robustness

    options = {
        "window": args.window,
        "resolution": args.resolution,
        "training_run": args.training_run,
    }
    given = {k: v for k, v in options.items() if v is not None}
    if is_sweep_dir(args.run_dir):
        if given or not args.guard:
            names = ", ".join("--" + k.replace("_", "-") for k in given) or "--no-guard"
            raise TwinError(f"{names}: the robustness table of a sweep takes no study options")
        summary = run_robustness(args.study, args.run_dir)
        folder = Path(args.run_dir) / "studies" / args.study
        print(
            f"study {args.study} over the sweep {args.run_dir}: {summary['runs_scored']} runs "
            f"scored, {summary['runs_failed']} failed; robustness table in {folder}"
        )
        for metric, (low, high) in summary["range"].items():
            print(f"  {metric:<28} {low:.4g} .. {high:.4g}")
        return EXIT_OK
    if args.study == "vacancy":
        given["guard"] = args.guard
    elif given or not args.guard:
        names = ", ".join("--" + k.replace("_", "-") for k in given) or "--no-guard"
        raise TwinError(f"{names}: applies to the vacancy study only")
    if args.study == "vacancy" and args.guard and args.training_run is None:
        given.update(training_run=_vacancy_training_run(args.run_dir), calibrate=False)
    metrics = run_study(args.study, args.run_dir, **given)
    folder = Path(args.run_dir) / "studies" / args.study
    headline = {
        k: v for k, v in metrics.items() if isinstance(v, int | float | str) and k != "design_note"
    }
    print(f"study {args.study} on {args.run_dir}: written to {folder}")
    for key, value in list(headline.items())[:12]:
        print(f"  {key:<28} {json.dumps(value) if isinstance(value, str) else value}")
    lines = _hardness_lines(metrics) + _prepaid_lines(metrics) + _safety_lines(metrics)
    for line in lines + _demand_response_lines(metrics):
        print(line)
    return EXIT_OK


def _vacancy_training_run(run_dir: str) -> Path:
    """Generate (or reuse) the vacancy study's training run and say so."""
    from twin.studies.vacancy.training import GENERATED_FOLDER
    from twin.sweep.companion import companion_run

    made = companion_run(run_dir, Path(run_dir) / "studies" / GENERATED_FOLDER, progress=None)
    verb = "reused" if made.reused else "generated"
    print(
        f"no --training-run: {verb} a training run from {run_dir}'s scenario with seed "
        f"{made.seed} ({made.households:,} households, same network) in {made.path}; "
        "the detectors keep their fixed thresholds"
    )
    return made.path


def _hardness_lines(metrics: dict[str, object]) -> list[str]:
    """The vacancy study's separability and home/away lines, where it has them."""
    lines = []
    sep = metrics.get("separability")
    if isinstance(sep, dict) and "balanced_accuracy" in sep:
        low, high = sep["published_range"]
        lines.append(
            f"  separability (generic classifier trained on another run): balanced accuracy "
            f"{sep['balanced_accuracy']:.3f}, ROC AUC {sep['roc_auc']:.3f}; published for real "
            f"homes {low:.2f}-{high:.2f}: {sep['position']}"
        )
    elif isinstance(sep, dict) and "skipped" in sep:
        lines.append(f"  separability skipped: {sep['skipped']}")
    water = metrics.get("water_evidence")
    if isinstance(water, dict):
        alone, both = water["interval_evidence"], water[water["method"]]
        lines.append(
            f"  water evidence on the {water['dwellings']} homes with a water meter: F1 "
            f"{alone['f1']:.3f} -> {both['f1']:.3f}, rate error {alone['rate_error_pp']:+.2f} -> "
            f"{both['rate_error_pp']:+.2f} pp (electricity only -> {water['method']})"
        )
    away = metrics.get("home_away_occupancy")
    if isinstance(away, dict) and "accuracy" in away:
        lines.append(
            f"  home/away accuracy on lived-in homes (not vacancy): {away['accuracy']:.3f} "
            f"(always 'at home': {away['always_home_accuracy']:.3f})"
        )
    return lines


def _prepaid_lines(metrics: dict[str, Any]) -> list[str]:
    """The prepaid study's figures per utility, beside the published ones."""
    lines = []
    for utility in metrics.get("utilities", []) if metrics.get("study") == "prepaid" else []:
        cut = metrics["self_disconnection"][utility]
        length = metrics["lengths"][utility]
        money = metrics["money"][utility]
        over = length["share_over_24h"]
        residual = money["identity"]["max_abs_residual_minor"]
        lines += [
            f"  {utility}: {cut['self_disconnected']} of {cut['prepaid_premises']} prepaid "
            f"premises self-disconnected in the run ({cut['share_in_run']:.1%}; published "
            f"{cut['published_share_year']:.0%} a year)",
            f"    {length['disconnections']} disconnections, "
            + ("none ended or known" if over is None else f"{over:.1%} over 24 h")
            + f" (published {length['published_share_over_24h']:.0%}); "
            f"{cut['hours_off_per_customer_year'] or 0.0:.1f} h off supply per customer-year",
            f"    revenue {money['revenue']:,.2f} {money['currency']}, arrears at the end "
            f"{money['arrears_at_end']:,.2f}, money identity largest residual "
            f"{'not checked' if residual is None else residual} minor units",
        ]
    return lines


def _safety_lines(metrics: dict[str, Any]) -> list[str]:
    """The safety study's headline: warnings, false alarms, failures prevented, response."""
    if metrics.get("study") != "safety":
        return []

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    def num(value: float | None, unit: str = "") -> str:
        return "n/a" if value is None else f"{value:.3g}{unit}"

    warning, alarms = metrics["early_warning"], metrics["alarms"]
    prevention, ops = metrics["prevention"], metrics["operations"]
    return [
        f"  failures warned              {warning['warned']} of {warning['failures']} "
        f"({pct(warning['warned_share'])}; at least {warning['early_h']:g} h ahead "
        f"{pct(warning['warned_24h_share'])}), median lead "
        f"{num(warning['lead_h']['median'], ' h')}",
        f"  alarms                       {alarms['alarms']}: precision "
        f"{pct(alarms['precision'])}, false alarms per sensor-year "
        f"{num(alarms['false_alarms_per_sensor_year'])}",
        f"  failures prevented           {prevention['prevented']} of "
        f"{prevention['prevented'] + prevention['failed']} due "
        f"({pct(prevention['prevented_share'])})",
        f"  work orders                  {ops['work_orders']}: median alarm to arrival "
        f"{num(ops['alarm_to_arrival_h']['median'], ' h')}, to completion "
        f"{num(ops['alarm_to_completion_h']['median'], ' h')}, crew utilisation "
        f"{pct(ops['crews']['utilisation'])}",
    ]


def _demand_response_lines(metrics: dict[str, Any]) -> list[str]:
    """The demand-response study's headline: delivered, baseline errors, peaks, dispatch."""
    if metrics.get("study") != "demand-response":
        return []

    def num(value: float | None, unit: str = "", form: str = ".3g") -> str:
        return "n/a" if value is None else f"{value:{form}}{unit}"

    delivered, peak, dispatch = metrics["delivered"], metrics["peak"], metrics["dispatch"]
    lines = [
        f"  events                       {metrics['events']['count']}: delivered "
        f"{num(delivered['kw_mean'], ' kW')} per event on average (truth), "
        f"{num(delivered['kwh'], ' kWh')} in all",
        f"  transformer peak reduction   {num(peak['reduction_kw_mean'], ' kW')} on average; "
        f"largest rebound {num(peak['rebound_peak_kw_max'], ' kW')}",
        f"  signals                      {dispatch['signals']}: delivered "
        f"{num(dispatch['delivered_share'], '', '.1%')}, acted "
        f"{num(dispatch['acted_share'], '', '.1%')}, opted out "
        f"{num(dispatch['opted_out_share'], '', '.1%')}, median latency "
        f"{num(dispatch['median_latency_s'], ' s')}",
    ]
    for name, block in metrics["baselines"].items():
        events = block["events"]
        lines.append(
            f"  {name:<28} bias {num(events['bias_kw'], ' kW')}, MAPE "
            f"{num(events['mape_percent'], ' %')}, RMSE {num(events['rmse_kw'], ' kW')}"
        )
    comfort = metrics.get("comfort") or {}
    if comfort.get("measured"):
        indoor, tank = comfort["indoor"], comfort["tank"]
        lines.append(
            f"  comfort                      {comfort['violations']} violation(s); largest drop "
            f"indoors {num(indoor['max_drop_k'], ' K')}, in hot-water tanks "
            f"{num(tank['max_drop_k'], ' K')} (truth)"
        )
    return lines


def _cmd_report(args: argparse.Namespace) -> int:
    from twin.report import write_report

    print(f"report written to {write_report(args.run_dir)}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from twin.report.excel import export_workbooks

    if not args.xlsx:
        raise TwinError("no format given; expected --xlsx (Excel workbooks, the one format so far)")
    result = export_workbooks(args.run_dir, args.report, progress=args.progress)
    for name, path in result.written.items():
        print(f"{name:<8} {path}: {', '.join(result.sheets[name])}")
    for name, why in result.skipped.items():
        print(f"{name:<8} skipped: {why}")
    return EXIT_OK


def _cmd_networks(args: argparse.Namespace) -> int:
    from twin.grid import list_networks

    for name in list_networks():
        print(name)
    print("or a path to a pandapower JSON file (see models/)")
    return EXIT_OK


_COMMANDS = {
    "run": _cmd_run,
    "validate": _cmd_validate,
    "sweep": _cmd_sweep,
    "study": _cmd_study,
    "report": _cmd_report,
    "export": _cmd_export,
    "networks": _cmd_networks,
}


def _stdout_closed() -> bool:
    """Whether standard output is a pipe or socket whose reader has gone.

    Where this cannot be told (no ``select.poll``), a broken pipe is taken to be standard
    output's, as Python's documentation of ``SIGPIPE`` does.
    """
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):
        return True
    return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)


def _stdout_to_devnull() -> None:
    """Point the file descriptor of standard output at the null device, where it has one."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``twin`` console script."""
    args = _parser().parse_args(argv)
    debug = bool(os.environ.get("TWIN_DEBUG"))
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore")
            code = _COMMANDS[args.command](args)
            sys.stdout.flush()  # a closed pipe raises here, not at interpreter exit
            return code
    except ScenarioError as exc:
        print(f"twin {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TwinError as exc:
        print(f"twin {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"twin {args.command}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _stdout_closed():
            # The reader of the output went away (``twin networks | head``): not an error.
            # Point stdout at devnull so that the flush at exit does not raise again.
            _stdout_to_devnull()
            return EXIT_OK
        if debug:
            traceback.print_exc()
        print(
            f"twin {args.command}: internal error: {type(exc).__name__}: {exc}\n"
            "No run directory was left behind. Set TWIN_DEBUG=1 for the traceback, "
            "and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
