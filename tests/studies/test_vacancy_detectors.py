"""Vacancy detectors, windows, scoring and the comms stress on hand-made readings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.errors import TwinError
from twin.streams import RunClock
from twin.studies.vacancy import (
    RULE_PRESETS,
    EnergyThresholdRule,
    IntervalEvidenceDetector,
    MeterSeries,
    resolve_window,
)
from twin.studies.vacancy.data import aggregate, parse_resolution
from twin.studies.vacancy.detection import Detection
from twin.studies.vacancy.evidence import PEAK_HOURS_GRID, PERSISTENCE_GRID
from twin.studies.vacancy.scoring import score_detection
from twin.studies.vacancy.stress import comms_stress
from twin.studies.vacancy.truth import TruthLabels

DAYS = 28
PER_DAY = 96
HOMES = ("fridge", "heater", "visited", "frugal", "weekend_home", "family", "dead")


def _blocks(hour: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    return np.any([(hour >= a) & (hour < b) for a, b in spans], axis=0)


def make_series(seed: int = 3) -> MeterSeries:
    """Four weeks at 15 min (UTC, starting on a Monday) of seven kinds of meter."""
    rng = np.random.default_rng(seed)
    k = DAYS * PER_DAY
    hour = (np.arange(k) % PER_DAY) / 4.0
    day = np.arange(k) // PER_DAY
    weekend = (day % 7) >= 5

    def gamma(cv: float) -> np.ndarray:
        return rng.gamma(1 / cv**2, cv**2, k)

    living = _blocks(hour, [(6.5, 8.5), (12.0, 13.0), (17.5, 22.5)])
    power_w = {
        "fridge": 35.0 * gamma(0.25),
        "heater": 30.0 * gamma(0.25) + 250.0 * gamma(0.8),
        "visited": 35.0 * gamma(0.25) + 800.0 * ((day % 7 == 2) & _blocks(hour, [(10, 12)])),
        "frugal": 25.0 * gamma(0.25) + 110.0 * living * gamma(0.7),
        "weekend_home": 30.0 * gamma(0.25)
        + 250.0 * (weekend & _blocks(hour, [(8, 23)])) * gamma(0.7),
        "family": 70.0 * gamma(0.25) + 700.0 * living * gamma(0.7),
        "dead": np.full(k, np.nan),
    }
    energy = np.stack([np.round(power_w[h] / 4.0) for h in HOMES]).astype(np.float32)
    return MeterSeries(
        meter_id=np.asarray(HOMES, dtype=object),
        energy_wh=energy,
        interval_s=900,
        day=day.astype(np.int64),
        hour=hour,
        weekend=weekend,
        days=DAYS,
        quality={"ok": int(np.isfinite(energy).sum())},
    )


def flagged(detection: Detection) -> set[str]:
    return {str(m) for m, v in zip(detection.meter_id, detection.vacant, strict=True) if v}


def test_rule_presets_are_the_published_thresholds() -> None:
    assert RULE_PRESETS["cso_ireland"].kwh_per_day == pytest.approx(180 / 91.3125)
    assert RULE_PRESETS["state_grid"].kwh_per_day == pytest.approx(10 / 61)
    with pytest.raises(ValueError, match="expected both > 0"):
        EnergyThresholdRule("bad", 0.0, 90.0)


def test_threshold_rules_fail_on_the_hard_cases() -> None:
    series = make_series()
    cso = RULE_PRESETS["cso_ireland"].detect(series)
    # The frugal pensioner is flagged, the heated empty flat is not, the dead meter is not judged.
    assert flagged(cso) == {"fridge", "visited", "frugal", "weekend_home"}
    assert not cso.decided[HOMES.index("dead")]
    heater = cso.score[HOMES.index("heater")]
    assert heater > 5.0  # kWh/d
    state_grid = RULE_PRESETS["state_grid"].detect(series)
    assert flagged(state_grid) == set()


def test_rule_scales_partial_data_and_refuses_too_little() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    energy[:, ::2] = np.nan  # half of the intervals missing
    half = RULE_PRESETS["cso_ireland"].detect(series.with_energy(energy))
    full = RULE_PRESETS["cso_ireland"].detect(series)
    np.testing.assert_allclose(half.score[:-1], full.score[:-1], rtol=0.05)
    energy[:, 1::4] = np.nan  # now 25 % left
    sparse = RULE_PRESETS["cso_ireland"].detect(series.with_energy(energy))
    assert not sparse.decided.any() and not sparse.vacant.any()


@pytest.mark.parametrize("resolution_s", [900, 1800, 3600])
def test_evidence_detector_tells_how_energy_is_used(resolution_s: int) -> None:
    series = aggregate(make_series(), resolution_s)
    result = IntervalEvidenceDetector().detect(series)
    assert flagged(result) == {"fridge", "heater", "visited"}
    dead = HOMES.index("dead")
    assert not result.decided[dead] and np.isnan(result.score[dead])
    weekend = HOMES.index("weekend_home")
    assert result.details["weekend_share_of_use"][weekend] == pytest.approx(1.0)
    assert 0.2 < result.score[weekend] < 0.35  # 8 weekend days of 28
    assert result.score[HOMES.index("family")] > 0.9


def test_evidence_detector_ignores_missing_days() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    energy[:, : 10 * PER_DAY] = np.nan  # ten days lost to a comms outage
    result = IntervalEvidenceDetector().detect(series.with_energy(energy))
    assert flagged(result) == {"fridge", "heater", "visited"}
    assert result.details["days_judged"][0] == DAYS - 10


def test_aggregate_sums_and_propagates_gaps() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    energy[0, 5] = np.nan
    hourly = aggregate(series.with_energy(energy), 3600)
    assert hourly.energy_wh.shape == (len(HOMES), DAYS * 24)
    assert np.isnan(hourly.energy_wh[0, 1])
    assert hourly.energy_wh[1, 0] == pytest.approx(series.energy_wh[1, :4].sum())
    assert hourly.hour[:3].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="multiple of 900"):
        aggregate(series, 1000)


def test_windows_are_whole_local_days() -> None:
    start = pd.Timestamp("2025-01-05 23:00", tz="UTC")
    n_intervals = (pd.Timestamp("2025-04-05 22:00", tz="UTC") - start) // pd.Timedelta("15min")
    clock = RunClock(900, "Europe/Berlin", start, n_intervals)
    whole = resolve_window(clock, None)
    assert whole.days == 90
    last = resolve_window(clock, "30d")
    assert last.days == 30 and last.end == whole.end
    assert last.end == pd.Timestamp("2025-04-06 00:00", tz="Europe/Berlin")
    dated = resolve_window(clock, "2025-03-01/2025-04-01")
    assert dated.days == 31  # across the switch to summer time
    assert dated.end - dated.start == pd.Timedelta(days=31) - pd.Timedelta(hours=1)
    for bad, message in [
        ("5d", "at least 7"),
        ("2024-12-01/2025-01-20", "inside the run"),
        ("forever", "invalid value"),
        ("2025-01-06T00:00+01:00/2025-02-01", "local dates"),
    ]:
        with pytest.raises(TwinError, match=message):
            resolve_window(clock, bad)
    assert parse_resolution(None, 900) == 900
    assert parse_resolution("1h", 900) == 3600
    for bad_resolution in ("7min", "20min", "soon"):
        with pytest.raises(TwinError, match="resolution given"):
            parse_resolution(bad_resolution, 900)


def test_scores_by_hand() -> None:
    meters = np.asarray(["a", "b", "c", "d", "e"], dtype=object)
    detection = Detection(
        method="x",
        meter_id=meters,
        vacant=np.array([True, True, False, False, False]),
        score=np.zeros(5),
        decided=np.ones(5, dtype=bool),
        threshold=1.0,
        score_unit="-",
    )
    labels = TruthLabels(
        meter_id=meters,
        premise_id=meters,
        occupancy_kind=np.asarray(["long_term_vacant", "retired", "seasonal", "family", "single"]),
        lived_share=np.array([0.0, 1.0, 0.05, 1.0, 1.0]),
        vacant=np.array([True, False, True, False, False]),
        vacancy_kind=np.asarray(["long_term_vacant", "", "seasonal", "", ""], dtype=object),
    )
    scores = score_detection(
        detection,
        labels,
        kwh_per_day=np.array([0.5, 1.5, 1.0, 9.0, 2.0]),
        area=np.array([1, 1, 2, 2, 2]),
    )
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    assert scores["true_vacancy_rate"] == scores["estimated_vacancy_rate"] == 0.4
    assert scores["rate_error_pp"] == pytest.approx(0.0)
    assert scores["low_consumers"] == {"count": 2, "false_positives": 1, "false_positive_rate": 0.5}
    assert scores["areas"]["max_abs_rate_error_pp"] == pytest.approx(50.0)
    assert scores["false_positives_by_kind"] == {"retired": 1}
    assert scores["false_negatives_by_kind"] == {"seasonal": 1}
    assert "false_positives_by_look_empty" not in scores  # a run without the labels
    hard = dataclasses.replace(
        labels,
        look_empty=np.asarray(["", "frugal_elderly+frequent_traveller", "", "", ""], dtype=object),
        vacant_behaviour=np.asarray(["standby", "", "standby+fridge+timer_light", "", ""]),
    )
    scores = score_detection(
        detection, hard, kwh_per_day=np.ones(5), area=np.array([1, 1, 2, 2, 2])
    )
    assert scores["false_positives_by_look_empty"] == {
        "frugal_elderly": 1,
        "frequent_traveller": 1,
    }
    assert scores["false_negatives_by_vacant_behaviour"] == {
        "standby": 1,
        "fridge": 1,
        "timer_light": 1,
    }
    reordered = Detection("x", meters[::-1], detection.vacant, detection.score,
                          detection.decided, 1.0, "-")  # fmt: skip
    with pytest.raises(ValueError, match="different meters"):
        score_detection(reordered, labels, kwh_per_day=np.zeros(5), area=np.zeros(5, np.int64))


def test_comms_stress_loses_a_plausible_share_reproducibly() -> None:
    series = make_series()
    area = np.array([0, 0, 0, 1, 1, 1, 1])
    a, stats = comms_stress(series, area, np.random.default_rng(1))
    b, _ = comms_stress(series, area, np.random.default_rng(1))
    np.testing.assert_array_equal(np.isnan(a.energy_wh), np.isnan(b.energy_wh))
    lost = np.isnan(a.energy_wh[:-1]).mean()
    assert 0.005 < lost < 0.2
    assert stats["estimated_share"] == pytest.approx(0.01, abs=0.005)
    kept = np.isfinite(a.energy_wh)
    np.testing.assert_array_equal(a.energy_wh[kept], series.energy_wh[kept])


def test_calibration_searches_the_grid_on_a_training_run() -> None:
    series = make_series()
    detector = IntervalEvidenceDetector()
    truth = np.array([True, True, True, False, False, False, False])
    tuned = IntervalEvidenceDetector.calibrated(detector.features(series), truth, source="seed7")
    assert tuned.calibration == "trained on seed7"
    assert tuned.thresholds.peak_hours in PEAK_HOURS_GRID
    assert tuned.thresholds.persistence in PERSISTENCE_GRID
    assert flagged(tuned.detect(series)) == {"fridge", "heater", "visited"}
