"""The twin's occupied homes against the CREST model (richardsonpy): behaviour statistics.

A sample of twin homes, always occupied, is simulated over a winter and a
summer week at 15 min, and for every twin home a CREST home on the same dates
with the mapped number of occupants and the same annual energy target (see
:mod:`twin.devices.households.validation`). Both groups are scored by
:func:`twin.devices.households.behaviour_stats.behaviour_statistics`; printed
is one table per week, twin against CREST.

    python benchmarks/bench_households_vs_crest.py [--homes 160] [--seed 7] [--days 7]

Needs the ``reference`` extra (richardsonpy). About 0.03 s per CREST home-day
on one core (a few minutes for the defaults).
"""

from __future__ import annotations

import argparse
import time
from typing import Final

import numpy as np

from twin.devices.households.validation import Comparison, compare_with_crest

WEEKS: Final = {"winter": "2025-01-13", "summer": "2025-07-14"}
"""First Monday of each simulated week (local midnight, Europe/Berlin)."""


def table(result: Comparison) -> str:
    """Rows of statistic, twin, CREST, twin/CREST; then derived rows."""
    twin, crest = result.twin, result.crest
    rows = {
        **twin.as_dict(),
        "peak_to_mean home/group": twin.peak_to_mean_home / twin.peak_to_mean_group,
    }
    reference = {
        **crest.as_dict(),
        "peak_to_mean home/group": crest.peak_to_mean_home / crest.peak_to_mean_group,
    }
    lines = [f"{'statistic':<28}{'twin':>9}{'CREST':>9}{'ratio':>8}"]
    for name, a in rows.items():
        b = reference[name]
        ratio = f"{a / b:>8.2f}" if b else f"{'-':>8}"
        lines.append(f"{name:<28}{a:>9.3f}{b:>9.3f}{ratio}")
    r = np.corrcoef(twin.active_share_by_hour, crest.active_share_by_hour)[0, 1]
    lines.append(f"{'active share by hour, r':<28}{r:>9.3f}")
    lines.append(f"{'peak_to_mean_group of H25':<28}{result.h25_peak_to_mean:>9.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=160)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    tic = time.perf_counter()
    results = compare_with_crest(args.homes, list(WEEKS.values()), args.days, seed=args.seed)
    print(f"{args.homes} homes, {args.days} days a season ({time.perf_counter() - tic:.0f} s)")
    for season, result in zip(WEEKS, results, strict=True):
        print(f"\n{season}, from {result.start}")
        print(table(result))
    winter, summer = results[0], results[-1]
    print(
        f"\nwinter/summer daily energy: twin {winter.twin.daily_kwh / summer.twin.daily_kwh:.2f}, "
        f"CREST {winter.crest.daily_kwh / summer.crest.daily_kwh:.2f}"
    )


if __name__ == "__main__":
    main()
