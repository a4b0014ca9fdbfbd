"""Choose the water evidence's day thresholds on a development run.

How the fixed defaults of :class:`twin.studies.vacancy.water.WaterThresholds`
are chosen: on a *development* run with a water meter at every home and
frequent leaks, never on the runs whose gain the README reports. It scores
every pair of ``USE_HOURS_GRID`` x ``LITRES_GRID`` by the F1 of the
``interval_evidence+water`` detector (at the run's interval, on the homes
with a water meter) and prints the table beside the electricity-only F1.

    twin run scenarios/vacancy_robustness.yaml --seed 11 --set water.share=1.0 \\
        --set water.leaks.rate_per_meter_year=5 --out results/vacancy_water_dev_seed11
    python benchmarks/tune_vacancy_water.py results/vacancy_water_dev_seed11
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from twin.studies.inputs import open_inputs
from twin.studies.vacancy.data import load_meter_series, resolve_window
from twin.studies.vacancy.evidence import IntervalEvidenceDetector
from twin.studies.vacancy.truth import truth_labels
from twin.studies.vacancy.water import (
    WaterEvidenceDetector,
    WaterThresholds,
    load_water_series,
    water_days,
)

USE_HOURS_GRID = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
LITRES_GRID = (10.0, 20.0, 40.0, 80.0)


def _f1(flagged: np.ndarray, vacant: np.ndarray) -> float:
    tp = float(np.sum(flagged & vacant))
    return 2 * tp / max(float(flagged.sum() + vacant.sum()), 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a development run with water meters")
    run_dir = parser.parse_args().run_dir
    internal, truth = open_inputs(run_dir)
    win = resolve_window(internal.clock, None)
    series = load_meter_series(internal, win)
    water = load_water_series(internal, win, series.meter_id)
    if water is None:
        raise SystemExit(f"{run_dir} has no water readings")
    labels = truth_labels(truth, win, internal.clock.timezone, series.meter_id)
    keep = water.has_meter
    vacant = labels.vacant[keep]
    electricity = IntervalEvidenceDetector()
    days = electricity.features(series)
    wdays = water_days(water)
    alone = electricity.detect_from(days, series.meter_id).vacant[keep]
    print(
        f"{int(keep.sum())} homes with a water meter, {int(vacant.sum())} vacant; "
        f"electricity only: F1 {_f1(alone, vacant):.3f}, flagged {int(alone.sum())}"
    )
    print("use_hours  litres     F1  flagged")
    for hours, litres in itertools.product(USE_HOURS_GRID, LITRES_GRID):
        detector = WaterEvidenceDetector(electricity, WaterThresholds(hours, litres))
        flagged = detector.detect_from(days, wdays, series).vacant[keep]
        print(f"{hours:9.1f} {litres:7.1f} {_f1(flagged, vacant):6.3f} {int(flagged.sum()):8d}")


if __name__ == "__main__":
    main()
