"""Vacancy detectors, windows, scoring and the comms stress on readings not made by the twin.

The hand-written homes below are built appliance by appliance, minute by
minute, on assumptions that differ from the household model's (which adds
an occupancy-driven activity to a baseload, with mean-one noise): a
compressor that cycles, a frost heater on a thermostat, a heater on a weekly
timer, a caretaker who comes on Tuesdays, a night-shift worker, a frugal
pensioner with a kettle and a television. The detectors must work on them
without having been shaped on them. The household fleet itself is driven
directly in ``test_vacancy_fleet.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

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
MINUTES = DAYS * 1440
HOMES = (
    "fridge_only",
    "frost_thermostat",
    "weekly_timer",
    "caretaker",
    "night_shift",
    "frugal",
    "weekend_home",
    "family",
    "dead",
)
EMPTY = {"fridge_only", "frost_thermostat", "weekly_timer", "caretaker"}
"""The homes nobody lives in (the truth of these tests)."""

Minute = np.ndarray  # per-minute power [W], (MINUTES,)


class Home:
    """A home drawn appliance by appliance at one-minute steps (UTC days from a Monday)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.minute = np.arange(MINUTES)
        self.day = self.minute // 1440
        self.hour = (self.minute % 1440) / 60.0
        self.weekday = self.day % 7  # 0 Monday
        self.power_w = np.zeros(MINUTES)

    def cycling(self, on_w: float, period_min: float, duty: float) -> Home:
        """A compressor or thermostat: on for ``duty`` of every cycle, drifting period."""
        period = period_min * (1 + 0.1 * self.rng.standard_normal(MINUTES // 60 + 1))
        phase = np.cumsum(np.repeat(1.0 / period, 60)[:MINUTES])
        self.power_w += on_w * ((phase + self.rng.random()) % 1.0 < duty)
        return self

    def standby(self, watts: float) -> Home:
        self.power_w += watts
        return self

    def use(
        self,
        watts: float,
        start_h: float,
        minutes: float,
        days: Callable[[np.ndarray], np.ndarray] | None = None,
        jitter_min: float = 20.0,
    ) -> Home:
        """An appliance on for ``minutes`` from about ``start_h`` on the chosen days."""
        chosen = np.arange(DAYS) if days is None else np.flatnonzero(days(np.arange(DAYS) % 7))
        for d in chosen:
            begin = int(d * 1440 + start_h * 60 + self.rng.normal(0.0, jitter_min))
            self.power_w[max(begin, 0) : max(begin + int(minutes), 0)] += watts
        return self

    def energy_wh(self) -> np.ndarray:
        """Integer Wh per 15 min, as a meter records them."""
        return np.round(self.power_w.reshape(-1, 15).sum(axis=1) / 60.0)


def weekdays(w: np.ndarray) -> np.ndarray:
    return w < 5


def weekends(w: np.ndarray) -> np.ndarray:
    return w >= 5


def _fridge(rng: np.random.Generator, compressor_w: float = 90.0) -> Home:
    return Home(rng).cycling(compressor_w, 45.0, 0.35).standby(6.0)


def _frugal(rng: np.random.Generator, compressor_w: float, tv_w: float, lamp_w: float) -> Home:
    """A pensioner: kettle, radio, television, a lamp."""
    home = _fridge(rng, compressor_w)
    for hour in (7.5, 10.0, 15.0, 19.0):
        home.use(2000.0, hour, 3)
    home.use(10.0, 7.0, 240).use(tv_w, 14.0, 120).use(tv_w, 18.5, 240)
    return home.use(lamp_w, 16.5, 360)


def build_home(name: str, rng: np.random.Generator) -> np.ndarray:
    """Interval energy [Wh] of one of the hand-written homes."""
    if name == "dead":
        return np.full(DAYS * PER_DAY, np.nan)
    if name == "frugal":  # with a small fridge
        return _frugal(rng, 60.0, 70.0, 40.0).energy_wh()
    home = _fridge(rng)
    if name == "frost_thermostat":  # empty, a 1.5 kW heater holding 8 C
        home.cycling(1500.0, 24.0, 0.2)
    elif name == "weekly_timer":  # empty, a 2 kW heater on a timer, Mon and Thu 17-19 h
        home.use(2000.0, 17.0, 120, lambda w: (w == 0) | (w == 3), jitter_min=0.0)
    elif name == "caretaker":  # empty, vacuumed and aired on Tuesdays 10-12 h
        home.use(1200.0, 10.0, 40, lambda w: w == 1).use(60.0, 10.0, 120, lambda w: w == 1)
    elif name == "night_shift":  # works 22-06 h on weekdays, sleeps in the morning
        home.use(2000.0, 6.6, 4, weekdays).use(150.0, 6.5, 60, weekdays)
        home.use(2000.0, 18.0, 30).use(100.0, 15.0, 390, weekdays).use(60.0, 15.5, 300)
        home.use(120.0, 10.0, 900, weekends).use(2000.0, 12.5, 40, weekends)
    elif name == "weekend_home":  # used from Saturday morning to Sunday night
        home.use(250.0, 9.0, 840, weekends).use(2000.0, 12.5, 30, weekends)
    elif name == "family":
        home.standby(30.0).use(2500.0, 7.0, 15).use(300.0, 6.5, 120, weekdays)
        home.use(2000.0, 18.0, 45).use(400.0, 17.0, 330).use(1800.0, 20.0, 90, weekends)
        home.use(600.0, 9.0, 600, weekends)
    return home.energy_wh()


def make_series(seed: int = 3) -> MeterSeries:
    """Four weeks at 15 min (UTC, from a Monday) of the hand-written homes."""
    rng = np.random.default_rng(seed)
    k = DAYS * PER_DAY
    hour = (np.arange(k) % PER_DAY) / 4.0
    day = np.arange(k) // PER_DAY
    energy = np.stack([build_home(h, rng) for h in HOMES]).astype(np.float32)
    return MeterSeries(
        meter_id=np.asarray(HOMES, dtype=object),
        energy_wh=energy,
        interval_s=900,
        day=day.astype(np.int64),
        hour=hour,
        weekend=(day % 7) >= 5,
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
    # The frugal pensioner is flagged; the empty flats with a heater are not; the dead
    # meter is not judged.
    assert flagged(cso) == {"fridge_only", "caretaker", "frugal"}
    assert not cso.decided[HOMES.index("dead")]
    assert cso.score[HOMES.index("frost_thermostat")] > 5.0  # kWh/d
    state_grid = RULE_PRESETS["state_grid"].detect(series)
    assert flagged(state_grid) == set()  # a fridge alone is above 10 kWh in two months


def test_rule_scales_partial_data_and_refuses_too_little() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    energy[:, ::2] = np.nan  # half of the intervals missing
    half = RULE_PRESETS["cso_ireland"].detect(series.with_energy(energy))
    full = RULE_PRESETS["cso_ireland"].detect(series)
    np.testing.assert_allclose(half.score[:-1], full.score[:-1], rtol=0.1)
    energy[:, 1::4] = np.nan  # now 25 % left
    sparse = RULE_PRESETS["cso_ireland"].detect(series.with_energy(energy))
    assert not sparse.decided.any() and not sparse.vacant.any()


@pytest.mark.parametrize("resolution_s", [900, 1800, 3600])
def test_evidence_detector_tells_how_energy_is_used(resolution_s: int) -> None:
    series = aggregate(make_series(), resolution_s)
    result = IntervalEvidenceDetector().detect(series)
    assert flagged(result) == EMPTY
    dead = HOMES.index("dead")
    assert not result.decided[dead] and np.isnan(result.score[dead])
    weekend = HOMES.index("weekend_home")
    assert result.details["weekend_share_of_use"][weekend] == pytest.approx(1.0)
    assert 0.2 < result.score[weekend] < 0.35  # 8 weekend days of 28
    assert result.score[HOMES.index("family")] > 0.9
    assert result.score[HOMES.index("night_shift")] > 0.5


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_evidence_detector_does_not_hang_on_one_draw(seed: int) -> None:
    # Other start times, compressor phases and drifts: the same verdicts.
    assert flagged(IntervalEvidenceDetector().detect(make_series(seed))) == EMPTY


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: a heater on a timer for 3 h on two days a week gives 3 h of "
    "persistent peaks on 2 days in 7, which the day rule counts as days in use",
)
def test_a_longer_weekly_timer_still_reads_as_vacant() -> None:
    series = make_series()
    home = _fridge(np.random.default_rng(9))
    home.use(2000.0, 17.0, 180, lambda w: (w == 0) | (w == 3), jitter_min=0.0)
    energy = series.energy_wh.copy()
    energy[HOMES.index("weekly_timer")] = home.energy_wh()
    result = IntervalEvidenceDetector().detect(series.with_energy(energy))
    assert "weekly_timer" in flagged(result)


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: the night level is the upper quartile of 01-05 h, which a big "
    "cycling fridge-freezer lifts to near its compressor power; a frugal home's 60 W television "
    "and 30 W lamp then stay below twice that level",
)
def test_a_frugal_home_with_a_big_fridge_reads_as_lived_in() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    home = _frugal(np.random.default_rng(5), 90.0, 60.0, 30.0)
    energy[HOMES.index("frugal")] = home.energy_wh()
    result = IntervalEvidenceDetector().detect(series.with_energy(energy))
    assert "frugal" not in flagged(result)


def test_evidence_detector_ignores_missing_days() -> None:
    series = make_series()
    energy = series.energy_wh.copy()
    energy[:, : 10 * PER_DAY] = np.nan  # ten days lost to a comms outage
    result = IntervalEvidenceDetector().detect(series.with_energy(energy))
    assert flagged(result) == EMPTY
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
    area = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
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
    truth = np.isin(np.asarray(HOMES), list(EMPTY))
    tuned = IntervalEvidenceDetector.calibrated(detector.features(series), truth, source="seed7")
    assert tuned.calibration == "trained on seed7"
    assert tuned.thresholds.peak_hours in PEAK_HOURS_GRID
    assert tuned.thresholds.persistence in PERSISTENCE_GRID
    assert flagged(tuned.detect(make_series(seed=11))) == EMPTY  # tested on other draws
