"""What a shard pays for the households' per-interval draws, measured in this process.

Every interval the households fleet needs, per home, an occupancy uniform and 64
random bits, and the wet appliances one uniform. Two ways:

(a) the obvious one: numpy's PCG64 draws the numbers for every home of the
    full fleet and the shard keeps its members' (``Members.take``), so that a
    member gets the same numbers wherever it runs;
(b) gridtwin's: each member's own counter-based stream
    (:class:`twin.random_streams.FleetStreams`), drawn for the members only.

Timed for a whole town (10,000 of 10,000), a city shard (12,064 of 100,000
homes) and a whole city (100,000 of 100,000), alternated, the fastest of
``--repeat`` rounds of 200 intervals; printed in ms per interval.

    python benchmarks/bench_fleet_streams.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from provenance import commit

from twin.members import Members
from twin.random_streams import FleetStreams

CASES = ((10_000, 10_000), (100_000, 12_064), (100_000, 100_000))
"""(homes of the full fleet, members)."""


def whole_fleet(rng: np.random.Generator, members: Members) -> None:
    """(a): draws for the full fleet, restricted to the members."""
    n = members.n_total
    members.take(rng.random(n, dtype=np.float32))
    members.take(rng.integers(0, 1 << 64, n, dtype=np.uint64)).astype(np.intp)
    members.take(rng.random(n))


def own_streams(homes: FleetStreams, wet: FleetStreams) -> None:
    """(b): the members' own streams, as ``HouseholdFleet.step`` and ``WetAppliances.step``."""
    (homes.bits() >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)
    homes.bits().astype(np.intp)
    wet.random()


def _ms(step: Callable[[], None], steps: int = 200) -> float:
    """Mean wall time of one call over ``steps`` calls [ms]."""
    tic = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - tic) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"commit {commit()}; ms per interval, fastest of {args.repeat} x 200 intervals")
    for n_total, n in CASES:
        pick = np.random.default_rng(0).choice(n_total, n, replace=False)
        members = Members(np.sort(pick), n_total)
        rng = np.random.default_rng(1)
        homes = FleetStreams(1, "household-steps", members.index)
        wet = FleetStreams(1, "wet-wishes", members.index)
        a_step, b_step = partial(whole_fleet, rng, members), partial(own_streams, homes, wet)
        a = b = float("inf")
        for _ in range(args.repeat):  # alternated, one round of each at a time
            a, b = min(a, _ms(a_step)), min(b, _ms(b_step))
        print(
            f"{n:>7,} of {n_total:>7,} homes: (a) whole fleet {a:.3f}, "
            f"(b) own streams {b:.3f}, (a)/(b) {a / b:.2f}"
        )


if __name__ == "__main__":
    main()
