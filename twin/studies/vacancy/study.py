"""``twin study vacancy RUN_DIR``: detect vacant dwellings, score them, write the results.

Detection reads only ``internal/`` (an :class:`~twin.studies.inputs.InternalData`);
the ground truth (``truth/``) is read afterwards, to score. Every detector is
scored at the run's resolution (or the one asked for), at 15, 30 and 60 min
where the run's interval allows, and under a comms-fault stress test
(:mod:`twin.studies.vacancy.stress`).

How hard the problem is, measured apart from the detectors (which were
designed knowing the household model): a generic classifier on generic
daily-load features, trained on a separate training run and tested on this
one (:mod:`twin.studies.vacancy.separability`), beside published
accuracies; and, as a figure of its own, the short-term home/away accuracy
on lived-in homes (:mod:`twin.studies.vacancy.occupancy`). Nothing is ever
learnt on the scored run (:mod:`twin.studies.vacancy.training`).

Outputs in ``RUN_DIR/studies/vacancy/`` (written atomically): ``metrics.json``,
``premises.parquet`` (one row per meter: truth, each detector's verdict and
score, the evidence features, the generic classifier's probability),
``confusion.png``, ``rate_by_area.png``, ``score_distributions.png``,
``resolution.png`` and ``separability.png``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.streams import staged_folder, write_json
from twin.studies.inputs import InternalData, TruthData, open_inputs
from twin.studies.vacancy import figures
from twin.studies.vacancy.data import (
    MeterSeries,
    Window,
    aggregate,
    load_meter_series,
    parse_resolution,
    resolve_window,
)
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.evidence import IntervalEvidenceDetector
from twin.studies.vacancy.hardness import Hardness, measure_hardness
from twin.studies.vacancy.rules import RULE_PRESETS, EnergyThresholdRule
from twin.studies.vacancy.scoring import low_consumers, score_detection
from twin.studies.vacancy.separability import SeparabilityResult
from twin.studies.vacancy.stress import comms_stress
from twin.studies.vacancy.training import (
    TrainingRun,
    load_training_run,
    require_tables,
    run_identity,
)
from twin.studies.vacancy.truth import (
    LIVED_IN_HOURS,
    LOW_CONSUMER_KWH_PER_DAY,
    LOW_CONSUMER_MIN_LIVED,
    VACANT_BELOW_SHARE,
    TruthLabels,
    truth_labels,
)
from twin.studies.vacancy.water import WaterEvidenceDetector, load_water_series

__all__ = ["HEADLINE", "STUDY_RESOLUTIONS_S", "run_vacancy_study"]

HEADLINE: Final = "interval_evidence"
"""The detector whose scores are the top-level metrics."""

STUDY_RESOLUTIONS_S: Final = (900, 1800, 3600)
"""Resolutions every detector is scored at, where the run's interval allows [s]."""

DESIGN_NOTE: Final = (
    "The detectors were designed knowing the twin's household model, and their fixed "
    "thresholds were chosen on development runs of scenarios/vacancy_study.yaml (seed 7) "
    "and checked there on the present model (benchmarks/tune_vacancy_evidence.py). "
    "A headline figure must come from a run with another seed and another network; "
    "'separability' measures how hard the problem is apart from the detectors."
)
"""Said in every ``metrics.json``: what the detectors' scores can and cannot mean."""

WATER_CAVEAT: Final = (
    "The twin draws water use from the same occupancy chain as electricity use (nobody at "
    "home, no water), so the gain measured here is an upper bound of what real water "
    "readings would add."
)
"""Said in the ``water_evidence`` block of ``metrics.json``."""


def _areas(
    internal: InternalData, truth: TruthData, meter_id: NDArray[np.object_]
) -> tuple[NDArray[np.int64], str]:
    """Transformer area of every meter: the utility's meter-point register, else the truth."""
    if internal.has("internal/meter_point"):
        table, source = internal.table("internal/meter_point"), "internal/meter_point"
    else:
        table, source = truth.table("truth/premise"), "truth/premise"
    mapping = table.drop_duplicates("meter_id").set_index(table["meter_id"].astype(str))
    area = mapping["transformer_id"].reindex(meter_id.astype(str))
    return area.fillna(-1).to_numpy(dtype=np.int64), source


def _detectors(evidence: IntervalEvidenceDetector) -> list[Any]:
    return [evidence, *RULE_PRESETS.values()]


def _detect_all(detectors: list[Any], series: MeterSeries) -> list[Detection]:
    return [d.detect(series) for d in detectors]


def _label(seconds: int) -> str:
    return f"{seconds // 60}min"


def _premise_table(
    labels: TruthLabels,
    area: NDArray[np.int64],
    kwh_per_day: NDArray[np.float64],
    low: NDArray[np.bool_],
    detections: list[Detection],
    generic: SeparabilityResult | None,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "meter_id": labels.meter_id.astype(str),
            "premise_id": labels.premise_id.astype(str),
            "transformer_id": area,
            "occupancy_kind": labels.occupancy_kind.astype(str),
            "lived_share": labels.lived_share,
            "truly_vacant": labels.vacant,
            "vacancy_kind": labels.vacancy_kind.astype(str),
            "kwh_per_day": kwh_per_day,
            "low_consumer": low,
        }
    )
    for name in ("look_empty", "vacant_behaviour"):
        values = getattr(labels, name)
        if values is not None:
            frame[name] = values.astype(str)
    for det in detections:
        frame[f"{det.method}_vacant"] = det.vacant
        frame[f"{det.method}_score"] = det.score
        if det.method == HEADLINE:
            for name, values in det.details.items():
                frame[name] = values
    if generic is not None:
        frame["generic_vacancy_probability"] = generic.probability
    return frame


def run_vacancy_study(
    run_dir: str | Path,
    *,
    window: str | None = None,
    resolution: str | None = None,
    training_run: str | Path | None = None,
    calibrate: bool = True,
    guard: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """Detect vacant dwellings in a run, score every detector, write ``studies/vacancy/``.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory.
    window : str, optional
        Whole local days to judge: ``None``/``"all"`` (the whole run), ``"90d"``
        (the last 90 days) or ``"2025-01-06/2025-04-06"`` (local dates).
    resolution : str, optional
        Resolution of the headline scores (``"15min"``, ``"30min"``, ``"1h"``);
        default the run's interval.
    training_run : str or pathlib.Path, optional
        A separate run (another seed, ideally another network) on which the
        generic separability classifier and the home/away classifier are
        trained and, with ``calibrate``, the evidence detector's day
        thresholds chosen. Without one the separability measure is skipped
        (``twin study vacancy`` generates one) and the home/away classifier
        trains on half of the scored run's homes.
    calibrate : bool, default True
        Re-choose the evidence detector's day thresholds on ``training_run``;
        False keeps the fixed thresholds.
    guard : bool, default True
        Measure how hard the problem is: the separability classifier and the
        home/away accuracy (needs ``truth/occupancy``).
    seed : int, default 0
        Seed of the comms-fault stress test, the home/away sampling and the
        bootstrap intervals.

    Returns
    -------
    dict
        The metrics written to ``metrics.json``: ``precision``, ``recall``,
        ``f1``, ``true_vacancy_rate``, ``estimated_vacancy_rate``,
        ``rate_error_pp`` and ``low_consumer_fp_rate`` of the headline method,
        ``method``, ``window``, ``resolution``, per detector, resolution and
        the comms stress the full scores, ``separability``,
        ``home_away_occupancy`` and ``training_run``.

    Raises
    ------
    twin.errors.TwinError
        If ``run_dir`` is not a finished run, lacks a needed table, or an
        option is invalid.
    """
    folder = Path(run_dir)
    internal, truth = open_inputs(folder)
    require_tables(internal, truth, folder)
    clock = internal.clock
    win: Window = resolve_window(clock, window)
    primary_s = parse_resolution(resolution, clock.interval_s)
    rng = np.random.default_rng(seed)

    # --- detection: internal data only --------------------------------------
    found = _detect(
        internal,
        truth,
        win,
        primary_s,
        rng,
        training_run=training_run,
        calibrate=calibrate,
        run_dir=folder,
        window=window,
    )

    # --- scoring: the truth --------------------------------------------------
    labels = truth_labels(truth, win, clock.timezone, found.series.meter_id)
    kwh_per_day = (
        EnergyThresholdRule("energy", 1.0, 1.0, min_coverage=1e-9).detect(found.series).score
    )
    low = low_consumers(labels, kwh_per_day)
    scored = _score(found, labels, kwh_per_day, primary_s)
    hardness = Hardness.skipped("not requested")
    if guard:
        hardness = measure_hardness(
            found.series, found.training, truth, win, labels, primary_s, rng
        )
    metrics = _metrics(win, clock.timezone, primary_s, found, scored, hardness)
    metrics["training_run"] = (
        None if found.training is None else found.training.describe(*run_identity(folder))
    )
    dets = found.by_resolution[primary_s]
    premises = _premise_table(labels, found.area, kwh_per_day, low, dets, hardness.generic)
    if found.water is not None and found.water_meter is not None:
        alone = next(d for d in dets if d.method == HEADLINE)
        metrics["water_evidence"] = _water_block(
            found.water, alone, found.water_meter, labels, kwh_per_day, found.area, primary_s
        )
        metrics["water_evidence"]["detector"] = WaterEvidenceDetector(found.evidence).describe()
        premises["has_water_meter"] = found.water_meter
        premises[f"{found.water.method}_vacant"] = found.water.vacant
        premises[f"{found.water.method}_score"] = found.water.score
        premises["water_days_in_use"] = found.water.details["water_days_in_use"]
    with staged_folder(folder / "studies" / "vacancy") as out:
        write_json(out / "metrics.json", metrics)
        premises.to_parquet(out / "premises.parquet", index=False)
        _write_figures(out, dets, labels, found.area, low, scored, primary_s)
        if guard:
            figures.plot_separability(
                hardness.separability,
                hardness.generic,
                dets,
                labels,
                hardness.home_away,
                out / "separability.png",
            )
    return metrics


@dataclass(frozen=True)
class _Detections:
    """Every detector's verdicts on a run, from its internal data only.

    Attributes
    ----------
    series : MeterSeries
        The window's readings at the run's interval.
    evidence : IntervalEvidenceDetector
        The evidence detector used (calibrated where asked, on the training run).
    training : TrainingRun or None
        The separate run the study learns from, if any.
    by_resolution : dict
        Every detector's detection per study resolution [s], ascending.
    under_stress : list of Detection
        Every detector's detection at the headline resolution under comms faults.
    stress_losses : dict
        What the comms-fault stress test removed.
    area : numpy.ndarray
        Transformer area of every meter (-1 where unknown).
    area_source : str
        The table the areas come from.
    water : Detection or None
        The ``interval_evidence+water`` detection at the headline resolution,
        where the run has water readings.
    water_meter : numpy.ndarray or None
        Whether each meter's premise has a water meter, bool.
    """

    series: MeterSeries
    evidence: IntervalEvidenceDetector
    training: TrainingRun | None
    by_resolution: dict[int, list[Detection]]
    under_stress: list[Detection]
    stress_losses: dict[str, float]
    area: NDArray[np.int64]
    area_source: str
    water: Detection | None = None
    water_meter: NDArray[np.bool_] | None = None


def _detect(
    internal: InternalData,
    truth: TruthData,
    win: Window,
    primary_s: int,
    rng: np.random.Generator,
    *,
    training_run: str | Path | None,
    calibrate: bool,
    run_dir: Path,
    window: str | None,
) -> _Detections:
    """Run every detector at every study resolution and under comms faults.

    Parameters
    ----------
    internal : InternalData
        The run's internal tables (the only input to the detectors).
    truth : TruthData
        The run's truth; only ``truth/premise`` for the meters' areas where
        the run has no ``internal/meter_point``.
    win : Window
        The days judged.
    primary_s : int
        Headline resolution [s].
    rng : numpy.random.Generator
        Draws the comms faults.
    training_run : str or pathlib.Path or None
        A separate run to learn from.
    calibrate : bool
        Re-choose the evidence detector's day thresholds on ``training_run``.
    run_dir : pathlib.Path
        The scored run (never trained on).
    window : str or None
        The window as asked for, applied to the training run where it fits.

    Returns
    -------
    _Detections
        The detections, the readings and the meters' areas.
    """
    series = load_meter_series(internal, win)
    evidence = IntervalEvidenceDetector()
    training: TrainingRun | None = None
    if training_run is not None:
        training = load_training_run(training_run, run_dir, window, primary_s)
        if training.series.energy_wh.shape == series.energy_wh.shape and np.array_equal(
            training.series.energy_wh, series.energy_wh, equal_nan=True
        ):
            raise TwinError(
                f"training_run {str(training.path)!r} holds the scored run's readings (a copy?); "
                "expected a run simulated with another seed"
            )
        if calibrate:
            evidence = IntervalEvidenceDetector.calibrated(
                evidence.features(aggregate(training.series, primary_s)),
                training.labels.vacant,
                source=training.path.name,
                base=evidence.thresholds,
            )
    detectors = _detectors(evidence)
    interval_s = internal.clock.interval_s
    settings = sorted({primary_s, *(s for s in STUDY_RESOLUTIONS_S if s % interval_s == 0)})
    detected = {s: _detect_all(detectors, aggregate(series, s)) for s in settings}
    area, area_source = _areas(internal, truth, series.meter_id)
    stressed, stress_losses = comms_stress(series, area, rng)
    detected_stress = _detect_all(detectors, aggregate(stressed, primary_s))
    water = load_water_series(internal, win, series.meter_id)
    with_water: Detection | None = None
    if water is not None:
        with_water = WaterEvidenceDetector(evidence).detect(aggregate(series, primary_s), water)
    return _Detections(
        series=series,
        evidence=evidence,
        training=training,
        by_resolution=detected,
        under_stress=detected_stress,
        stress_losses=stress_losses,
        area=area,
        area_source=area_source,
        water=with_water,
        water_meter=None if water is None else water.has_meter,
    )


@dataclass(frozen=True)
class _Scores:
    """Every detector's scores, by method name.

    Attributes
    ----------
    primary : dict
        At the headline resolution.
    by_resolution : dict
        Per resolution label (``"15min"``, ...), ascending.
    under_stress : dict
        At the headline resolution under comms faults.
    """

    primary: dict[str, dict[str, Any]]
    by_resolution: dict[str, dict[str, dict[str, Any]]]
    under_stress: dict[str, dict[str, Any]]


def _score(
    found: _Detections,
    labels: TruthLabels,
    kwh_per_day: NDArray[np.float64],
    primary_s: int,
) -> _Scores:
    """Score every detection against the truth.

    Parameters
    ----------
    found : _Detections
        The detections.
    labels : TruthLabels
        The truth of every meter.
    kwh_per_day : numpy.ndarray
        Measured consumption of every meter [kWh/d].
    primary_s : int
        Headline resolution [s].

    Returns
    -------
    _Scores
        The scores at the headline resolution, per resolution and under stress.
    """

    def scores(dets: list[Detection]) -> dict[str, dict[str, Any]]:
        return {
            d.method: score_detection(d, labels, kwh_per_day=kwh_per_day, area=found.area)
            for d in dets
        }

    primary = scores(found.by_resolution[primary_s])
    by_resolution = {_label(s): scores(dets) for s, dets in found.by_resolution.items()}
    return _Scores(primary, by_resolution, scores(found.under_stress))


def _metrics(
    win: Window,
    timezone: str,
    primary_s: int,
    found: _Detections,
    scored: _Scores,
    hardness: Hardness,
) -> dict[str, Any]:
    """The content of ``metrics.json``; the headline detector's scores on top.

    Parameters
    ----------
    win : Window
        The days judged.
    timezone : str
        The run's time zone.
    primary_s : int
        Headline resolution [s].
    found : _Detections
        The detections (detectors, areas, comms losses, data quality).
    scored : _Scores
        Their scores.
    hardness : Hardness
        How hard the problem is (separability, home/away accuracy).

    Returns
    -------
    dict
        The metrics (rates as fractions 0..1, ``rate_error_pp`` in
        percentage points).
    """
    head = scored.primary[HEADLINE]
    return {
        "study": "vacancy",
        "method": HEADLINE,
        "window": {
            "start": win.start.isoformat(),
            "end": win.end.isoformat(),
            "days": win.days,
            "spec": win.label,
            "timezone": timezone,
        },
        "resolution": _label(primary_s),
        "precision": head["precision"],
        "recall": head["recall"],
        "f1": head["f1"],
        "true_vacancy_rate": head["true_vacancy_rate"],
        "estimated_vacancy_rate": head["estimated_vacancy_rate"],
        "rate_error_pp": head["rate_error_pp"],
        "low_consumer_fp_rate": head["low_consumers"]["false_positive_rate"],
        "definition": {
            "vacant": (
                f"lived in on fewer than {VACANT_BELOW_SHARE:.0%} of the window's days; a day "
                f"is lived in with >= {LIVED_IN_HOURS:g} h outside long-term, between-tenant "
                "and seasonal vacancy (holidays are not vacancy)"
            ),
            "low_consumer": (
                f"not vacant, lived in on >= {LOW_CONSUMER_MIN_LIVED:.0%} of the days, "
                f"< {LOW_CONSUMER_KWH_PER_DAY:g} kWh/d measured"
            ),
            "area": f"transformer_id from {found.area_source}",
        },
        "detectors": {
            found.evidence.name: found.evidence.describe(),
            **{name: rule.describe() for name, rule in RULE_PRESETS.items()},
        },
        "scores": scored.primary,
        "by_resolution": scored.by_resolution,
        "comms_stress": {
            "losses": found.stress_losses,
            "resolution": _label(primary_s),
            **scored.under_stress,
        },
        "data_quality": found.series.quality,
        "separability": hardness.separability,
        "home_away_occupancy": hardness.home_away,
        "design_note": DESIGN_NOTE,
        "targets": {
            "f1_at_least_0.95": head["f1"] >= 0.95,
            "rate_error_at_most_0.5pp": abs(head["rate_error_pp"]) <= 0.5,
            "low_consumer_fp_at_most_1pct": not head["low_consumers"]["false_positive_rate"] > 0.01,
        },
    }


def _restrict(item: Any, keep: NDArray[np.bool_]) -> Any:
    """A Detection or TruthLabels of the meters ``keep`` only (per-meter arrays cut)."""
    n = keep.size
    cut: dict[str, object] = {
        f.name: value[keep]
        for f in fields(item)
        if isinstance(value := getattr(item, f.name), np.ndarray) and value.shape[:1] == (n,)
    }
    if isinstance(item, Detection):
        cut["details"] = {k: v[keep] for k, v in item.details.items()}
    return replace(item, **cut)


def _water_block(
    with_water: Detection,
    alone: Detection,
    water_meter: NDArray[np.bool_],
    labels: TruthLabels,
    kwh_per_day: NDArray[np.float64],
    area: NDArray[np.int64],
    primary_s: int,
) -> dict[str, Any]:
    """The ``water_evidence`` block: the water variant beside electricity alone.

    Both are scored on the same dwellings, those whose premise has a water
    meter, at the headline resolution.

    Parameters
    ----------
    with_water : Detection
        The ``interval_evidence+water`` detection of every meter.
    alone : Detection
        The electricity-only headline detection of every meter.
    water_meter : numpy.ndarray
        Whether each meter's premise has a water meter, bool.
    labels : TruthLabels
        The truth of every meter.
    kwh_per_day : numpy.ndarray
        Measured consumption of every meter [kWh/d].
    area : numpy.ndarray
        Transformer area of every meter.
    primary_s : int
        Headline resolution [s].

    Returns
    -------
    dict
        ``dwellings``, ``resolution``, per method
        (``interval_evidence`` and ``interval_evidence+water``) precision,
        recall, F1, rates, ``rate_error_pp`` and the low-consumer false
        positives, ``gain`` (``f1``: water minus electricity only;
        ``abs_rate_error_change_pp``: the change of the absolute rate error, negative
        when water brings the estimate closer) and ``caveat``.
    """
    keep = water_meter
    sub = _restrict(labels, keep)
    picked = (
        *("precision", "recall", "f1", "true_positives", "false_positives"),
        *("false_negatives", "true_vacancy_rate", "estimated_vacancy_rate", "rate_error_pp"),
    )
    scores = {}
    for det in (alone, with_water):
        full = score_detection(
            _restrict(det, keep), sub, kwh_per_day=kwh_per_day[keep], area=area[keep]
        )
        scores[det.method] = {
            **{k: full[k] for k in picked},
            "low_consumer_fp_rate": full["low_consumers"]["false_positive_rate"],
        }
    a, w = scores[alone.method], scores[with_water.method]
    return {
        "method": with_water.method,
        "dwellings": int(keep.sum()),
        "dwellings_without_water_meter": int((~keep).sum()),
        "resolution": _label(primary_s),
        **scores,
        "gain": {
            "f1": w["f1"] - a["f1"],
            "abs_rate_error_change_pp": abs(w["rate_error_pp"]) - abs(a["rate_error_pp"]),
        },
        "caveat": WATER_CAVEAT,
    }


def _write_figures(
    out: Path,
    dets: list[Detection],
    labels: TruthLabels,
    area: NDArray[np.int64],
    low: NDArray[np.bool_],
    scored: _Scores,
    primary_s: int,
) -> None:
    """Draw the study's four figures into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The study folder being written.
    dets : list of Detection
        Every detector's detection at the headline resolution.
    labels : TruthLabels
        The truth of every meter.
    area : numpy.ndarray
        Transformer area of every meter (-1 where unknown).
    low : numpy.ndarray
        Occupied low consumers [bool].
    scored : _Scores
        The scores per resolution and under comms faults.
    primary_s : int
        Headline resolution [s].
    """
    figures.plot_confusion(dets, labels, out / "confusion.png")
    figures.plot_rate_by_area(dets, labels, area, out / "rate_by_area.png")
    figures.plot_score_distributions(dets, labels, low, out / "score_distributions.png")
    panels = {**scored.by_resolution, f"{_label(primary_s)} + comms faults": scored.under_stress}
    figures.plot_resolution(panels, out / "resolution.png")
