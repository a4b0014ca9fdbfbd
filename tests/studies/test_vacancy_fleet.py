"""The vacancy detectors and the separability measure on the household fleet, driven directly.

The fleet is simulated as the engine drives it (``tests/devices``'
``make_fleet``/``simulate``), without a grid, meters or comms: the readings
are its true interval energies in integer Wh. The truth is the study's
definition (:mod:`twin.studies.vacancy.truth`) applied to the fleet's
vacancy periods. Nothing here restates the household model's formulas.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from tests.devices.test_households_fleet import make_axis, make_fleet, simulate
from tests.studies.test_vacancy_detectors import HOMES, make_series
from twin.studies.vacancy import RULE_PRESETS, IntervalEvidenceDetector, MeterSeries
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.separability import (
    FEATURE_NAMES,
    _balanced_accuracy,
    _roc_auc,
    home_window_features,
    separability,
)
from twin.studies.vacancy.truth import LIVED_IN_HOURS, VACANCY_KINDS, VACANT_BELOW_SHARE

DAYS = 28
HOMES_IN_FLEET = 160
VACANCY = {"long_term_vacant": 0.12, "seasonal": 0.05, "move_rate_per_year": 0.5}
"""More vacancy than the scenario defaults, so that a small fleet has enough vacant homes."""


@cache
def fleet_readings(seed: int) -> tuple[MeterSeries, np.ndarray]:
    """Four winter weeks of a fleet from a local Monday midnight, and who was vacant."""
    axis = make_axis(days=DAYS, start="2025-01-06")  # no clock change inside
    fleet = make_fleet(HOMES_IN_FLEET, axis, seed=seed, **VACANCY)
    p_kw, _, _ = simulate(fleet, axis)
    energy = np.round(p_kw.T * 1000.0 * axis.interval_s / 3600.0).astype(np.float32)
    per_day = 86_400 // axis.interval_s
    k = np.arange(axis.n_intervals)
    series = MeterSeries(
        meter_id=np.asarray([f"M{i:03d}" for i in range(fleet.n)], dtype=object),
        energy_wh=energy,
        interval_s=axis.interval_s,
        day=(k // per_day).astype(np.int64),
        hour=(k % per_day) * axis.interval_s / 3600.0,
        weekend=(k // per_day) % 7 >= 5,
        days=DAYS,
        quality={"ok": int(energy.size)},
    )
    periods = fleet.vacancy_periods()
    periods = periods[periods["kind"].isin(VACANCY_KINDS)]
    empty_s = np.zeros((fleet.n, DAYS))
    edges = np.arange(DAYS + 1) * 86_400
    for row in periods.itertuples():
        overlap = np.minimum(row.end_s, edges[1:]) - np.maximum(row.start_s, edges[:-1])
        empty_s[row.premise] += np.clip(overlap, 0, None)
    lived = (86_400 - empty_s) >= LIVED_IN_HOURS * 3600
    return series, lived.mean(axis=1) < VACANT_BELOW_SHARE


def f1(detection: Detection, vacant: np.ndarray) -> float:
    tp = float(np.sum(detection.vacant & vacant))
    return 2 * tp / max(float(detection.vacant.sum() + vacant.sum()), 1.0)


def test_the_fleet_has_vacant_homes_to_find() -> None:
    _, vacant = fleet_readings(21)
    assert 10 <= vacant.sum() <= 60


def test_evidence_detector_on_the_fleet_beats_the_energy_rule() -> None:
    series, vacant = fleet_readings(21)
    evidence = IntervalEvidenceDetector().detect(series)
    cso = RULE_PRESETS["cso_ireland"].detect(series)
    assert f1(evidence, vacant) >= 0.85
    assert f1(evidence, vacant) > f1(cso, vacant)
    # the rule's errors are occupied homes flagged, the frugal ones
    assert np.sum(cso.vacant & ~vacant) > np.sum(evidence.vacant & ~vacant)


def test_separability_across_two_fleets() -> None:
    train, train_vacant = fleet_readings(21)
    test, test_vacant = fleet_readings(22)
    result = separability(
        home_window_features(train),
        train_vacant,
        home_window_features(test),
        test_vacant,
        rng=np.random.default_rng(0),
    )
    m = result.metrics
    assert m["homes_trained"] == m["homes_tested"] == HOMES_IN_FLEET
    assert m["vacant_tested"] == int(test_vacant.sum())
    assert 0.5 < m["roc_auc"] <= 1.0
    assert 0.5 < m["balanced_accuracy"] <= 1.0
    low, high = m["ci95"]["balanced_accuracy"]
    assert low <= m["balanced_accuracy"] <= high
    assert m["position"] in {"below", "inside", "above"}
    assert result.probability.shape == (HOMES_IN_FLEET,)
    # the same numbers as scikit-learn's own metrics
    assert m["roc_auc"] == pytest.approx(roc_auc_score(test_vacant, result.probability))
    flagged = result.probability >= 0.5
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(test_vacant, flagged))


def test_separability_skips_a_training_run_without_both_classes() -> None:
    series, vacant = fleet_readings(21)
    x = home_window_features(series)
    result = separability(x, np.zeros_like(vacant), x, vacant, rng=np.random.default_rng(0))
    assert "skipped" in result.metrics and np.isnan(result.probability).all()


def test_generic_features_of_hand_written_homes() -> None:
    series = make_series()
    x = home_window_features(series)
    assert x.shape == (len(HOMES), len(FEATURE_NAMES))
    col = {name: x[:, i] for i, name in enumerate(FEATURE_NAMES)}
    row = {name: i for i, name in enumerate(HOMES)}
    daily_kwh = np.nansum(series.energy_wh, axis=1) / 1e3 / series.days
    measured = np.isfinite(series.energy_wh).any(axis=1)
    np.testing.assert_allclose(col["daily_kwh_mean"][measured], daily_kwh[measured], rtol=1e-4)
    assert np.isnan(x[row["dead"]]).all()  # no data, no features (the classifier copes)
    weekend = row["weekend_home"]
    assert col["weekday_weekend_ratio"][weekend] < 0.5  # used at weekends
    assert col["day_night_ratio"][row["family"]] > 2.0
    assert col["near_zero_share"][row["fridge_only"]] > col["near_zero_share"][row["family"]]
    assert col["daily_kwh_sd"][row["fridge_only"]] < 0.1


def test_auc_and_balanced_accuracy_by_hand() -> None:
    y = np.array([True, True, False, False, False])
    p = np.array([0.9, 0.4, 0.4, 0.2, 0.1])
    assert _roc_auc(y, p) == pytest.approx((3 + 2.5) / 6)  # a tie counts half
    assert np.isnan(_roc_auc(np.zeros(3, bool), np.zeros(3)))
    assert _balanced_accuracy(y, p >= 0.5) == pytest.approx((0.5 + 1.0) / 2)
