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

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
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

    p_val = sub.add_parser("validate", help="check a scenario without running it")
    add_scenario_args(p_val)

    sub.add_parser("networks", help="list the built-in network names")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from twin.engine import run
    from twin.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, seed=args.seed)
    result = run(scenario, out=args.out, progress=args.progress)
    for line in result.summary.lines():
        print(line)
    print(f"  run directory     {result.path}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from twin.engine import build_site
    from twin.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, seed=args.seed)
    site = build_site(scenario)
    axis = scenario.time.axis()
    print(
        f"{args.scenario}: ok: {scenario.name!r}, {site.n_premises:,} households on "
        f"{site.grid.name} ({site.grid.dwelling_capacity:,} dwellings), "
        f"{axis.n_intervals:,} intervals of {axis.interval_s // 60} min"
    )
    return EXIT_OK


def _cmd_networks(args: argparse.Namespace) -> int:
    from twin.grid import list_networks

    for name in list_networks():
        print(name)
    print("or a path to a pandapower JSON file (see models/)")
    return EXIT_OK


_COMMANDS = {"run": _cmd_run, "validate": _cmd_validate, "networks": _cmd_networks}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``twin`` console script."""
    args = _parser().parse_args(argv)
    debug = bool(os.environ.get("TWIN_DEBUG"))
    from twin.errors import ScenarioError, TwinError

    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore")
            return _COMMANDS[args.command](args)
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
