"""Choose the interval-evidence detector's day thresholds on a development run.

The vacancy study's headline must come from runs the detector was not tuned
on. This script is how the fixed defaults of
:class:`twin.studies.vacancy.evidence.EvidenceThresholds` are chosen: on a
*development* run (by convention ``scenarios/vacancy_study.yaml`` with seed 7
on ``1-MVLV-semiurb-all``), never on the runs whose scores the README reports
(``scenarios/vacancy_robustness.yaml`` on ``1-MVLV-rural-all``, seeds spawned
from 2026). It scores every pair of the grids ``PEAK_HOURS_GRID`` x
``PERSISTENCE_GRID`` by F1 against the run's truth at 15, 30 and 60 min and
prints the table and the pair with the best mean F1 over the three
resolutions (the defaults serve all of them).

    twin run scenarios/vacancy_study.yaml --seed 7 --set outputs.bus_voltage=none \\
        --out results/vacancy_dev_seed7
    python benchmarks/tune_vacancy_evidence.py results/vacancy_dev_seed7
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np

from twin.studies.inputs import open_inputs
from twin.studies.vacancy.data import aggregate, load_meter_series, resolve_window
from twin.studies.vacancy.evidence import (
    PEAK_HOURS_GRID,
    PERSISTENCE_GRID,
    EvidenceThresholds,
    IntervalEvidenceDetector,
)
from twin.studies.vacancy.truth import truth_labels

RESOLUTIONS_S = (900, 1800, 3600)


def f1_grid(run_dir: Path) -> dict[tuple[float, float], list[float]]:
    """F1 of every (peak_hours, persistence) pair at each resolution of ``RESOLUTIONS_S``."""
    internal, truth = open_inputs(run_dir)
    win = resolve_window(internal.clock, None)
    series = load_meter_series(internal, win)
    vacant = truth_labels(truth, win, internal.clock.timezone, series.meter_id).vacant
    base = EvidenceThresholds()
    scores: dict[tuple[float, float], list[float]] = {}
    for resolution in RESOLUTIONS_S:
        days = IntervalEvidenceDetector(base).features(aggregate(series, resolution))
        for hours, rho in itertools.product(PEAK_HOURS_GRID, PERSISTENCE_GRID):
            candidate = replace(base, peak_hours=hours, persistence=rho)
            flagged = IntervalEvidenceDetector(candidate).detect_from(days, series.meter_id).vacant
            tp = float(np.sum(flagged & vacant))
            f1 = 2 * tp / max(float(flagged.sum() + vacant.sum()), 1.0)
            scores.setdefault((hours, rho), []).append(f1)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a finished development run")
    args = parser.parse_args()
    scores = f1_grid(args.run_dir)
    print("peak_hours persistence " + " ".join(f"F1@{s // 60}min" for s in RESOLUTIONS_S) + " mean")
    for (hours, rho), f1 in scores.items():
        row = " ".join(f"{x:8.3f}" for x in f1)
        print(f"{hours:10.1f} {rho:11.2f} {row} {np.mean(f1):.3f}")
    best = max(scores, key=lambda key: (round(float(np.mean(scores[key])), 3), -key[0]))
    now = EvidenceThresholds()
    print(
        f"best mean F1: peak_hours={best[0]}, persistence={best[1]} "
        f"({np.mean(scores[best]):.3f}); the defaults now: peak_hours={now.peak_hours}, "
        f"persistence={now.persistence} ({np.mean(scores[(now.peak_hours, now.persistence)]):.3f})"
    )


if __name__ == "__main__":
    main()
