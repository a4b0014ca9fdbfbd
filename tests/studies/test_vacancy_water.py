"""The water evidence of the vacancy study: hand-written water readings, and a small run.

The hand-written homes reuse the electricity homes of ``test_vacancy_detectors.py``
(four weeks at 15 min, UTC, from a Monday) and give each an hourly water meter
written reading by reading: a leak in an empty flat, a frugal pensioner with
a big fridge-freezer (whom electricity alone takes for vacant) who showers
and flushes every day, a caretaker who flushes once a week.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import twin
from tests.studies.test_vacancy_detectors import (
    DAYS,
    EMPTY,
    HOMES,
    PER_DAY,
    _frugal,
    flagged,
    make_series,
)
from twin.cli import main
from twin.studies.vacancy import IntervalEvidenceDetector, run_vacancy_study
from twin.studies.vacancy.water import (
    WaterEvidenceDetector,
    WaterSeries,
    water_days,
)

REPO = Path(__file__).resolve().parents[2]
HOURS = DAYS * 24


def _leak(flow_l_per_h: float, start_h: int = 0, end_h: int = HOURS) -> np.ndarray:
    """Whole-litre hourly readings of a constant flow from ``start_h`` to ``end_h``."""
    register = np.floor(np.clip(np.arange(HOURS + 1) - start_h, 0, end_h - start_h) * flow_l_per_h)
    return np.diff(register)


def _lived_in(rng: np.random.Generator, persons: int = 1) -> np.ndarray:
    """Hourly water of a frugal home: a shower, a few flushes, the kitchen tap, every day."""
    day = np.zeros(24)
    day[7] += 40.0  # shower
    for hour in (8, 11, 14, 17, 20, 22):
        day[hour] += 6.0  # toilet
    day[[12, 18, 19]] += 3.0  # kitchen tap
    litres = np.tile(day * persons, DAYS)
    return np.round(litres * rng.uniform(0.7, 1.3, HOURS))


def make_water(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Hourly water of the hand-written homes [l]; homes absent have no water meter."""
    hour = np.arange(HOURS)
    weekday = (hour // 24) % 7
    caretaker = np.where((weekday == 1) & (hour % 24 == 10), 9.0, 0.0)
    weekend = np.where((weekday >= 5) & (hour % 24 >= 8) & (hour % 24 < 22), 12.0, 0.0)
    return {
        "fridge_only": _leak(6.4, start_h=10 * 24 + 14),  # a running cistern from day 10
        "frost_thermostat": _leak(19.7),  # a burst pipe all month
        "caretaker": caretaker + _leak(0.6),  # one flush a week, a dripping tap
        "frugal": _lived_in(rng),
        "night_shift": _lived_in(rng, 2),
        "weekend_home": weekend,
        "family": _lived_in(rng, 4),
    }


def water_series(readings: dict[str, np.ndarray]) -> WaterSeries:
    """The readings as a :class:`WaterSeries` aligned with ``HOMES``."""
    litres = np.full((len(HOMES), HOURS), np.nan, dtype=np.float32)
    has = np.zeros(len(HOMES), dtype=bool)
    for name, values in readings.items():
        litres[HOMES.index(name)] = values
        has[HOMES.index(name)] = True
    hour = np.arange(HOURS)
    return WaterSeries(has, litres, 3600, (hour // 24).astype(np.int64), hour % 24.0, DAYS)


def frugal_with_big_fridge() -> Any:
    """The hand-written homes, the pensioner with the fridge-freezer electricity misreads."""
    series = make_series()
    energy = series.energy_wh.copy()
    energy[HOMES.index("frugal")] = _frugal(np.random.default_rng(5), 90.0, 60.0, 30.0).energy_wh()
    return series.with_energy(energy)


def test_leaks_are_not_use_and_showers_are() -> None:
    series = frugal_with_big_fridge()
    alone = IntervalEvidenceDetector().detect(series)
    assert "frugal" in flagged(alone)  # electricity alone takes the pensioner for vacant
    water = water_series(make_water(np.random.default_rng(1)))
    result = WaterEvidenceDetector(IntervalEvidenceDetector()).detect(series, water)
    assert result.method == "interval_evidence+water"
    assert flagged(result) == EMPTY  # the leaks and the weekly flush stay vacant
    in_use = dict(zip(HOMES, result.details["water_days_in_use"], strict=True))
    for name in ("fridge_only", "frost_thermostat", "caretaker", "weekly_timer"):
        assert in_use[name] == 0, name
    assert in_use["frugal"] == DAYS and in_use["family"] == DAYS
    assert in_use["weekend_home"] == 8  # four weekends


def test_the_floor_follows_a_leak_that_starts_in_the_day() -> None:
    days = water_days(water_series({"fridge_only": _leak(6.4, start_h=10 * 24 + 14)}))
    row = HOMES.index("fridge_only")
    assert days.floor_l[row, 9] == 0.0
    assert days.floor_l[row, 10] >= 6.0  # the closing night carries the leak
    assert np.all(days.use_hours[row] == 0.0)
    assert np.isnan(days.floor_l[HOMES.index("family")]).all()  # no water meter


def test_homes_without_a_water_meter_keep_the_electricity_verdict() -> None:
    series = frugal_with_big_fridge()
    alone = IntervalEvidenceDetector().detect(series)
    water = water_series({"family": _lived_in(np.random.default_rng(2), 4)})
    result = WaterEvidenceDetector(IntervalEvidenceDetector()).detect(series, water)
    np.testing.assert_array_equal(result.vacant, alone.vacant)
    np.testing.assert_array_equal(result.decided, alone.decided)


def test_water_judges_days_that_electricity_lost() -> None:
    series = frugal_with_big_fridge()
    energy = series.energy_wh.copy()
    energy[HOMES.index("family"), : 20 * PER_DAY] = np.nan  # 20 days lost to a comms outage
    water = water_series(make_water(np.random.default_rng(1)))
    result = WaterEvidenceDetector(IntervalEvidenceDetector()).detect(
        series.with_energy(energy), water
    )
    family = HOMES.index("family")
    assert result.details["days_judged"][family] == DAYS
    assert result.score[family] == 1.0


@pytest.fixture(scope="module")
def water_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run of scenarios/vacancy_study.yaml with a water meter at half the homes."""
    scenario = twin.load_scenario(
        REPO / "scenarios" / "vacancy_study.yaml",
        [
            "households.count=120",
            "time.duration=14d",
            "outputs.bus_voltage=none",
            "water.share=0.5",
            "water.leaks.rate_per_meter_year=10",
        ],
    )
    return twin.run(scenario, out=tmp_path_factory.mktemp("runs") / "w", progress=False).path


@pytest.mark.slow
def test_study_reports_the_water_gain(water_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "vacancy", str(water_run), "--no-guard"]) == 0
    printed = capsys.readouterr().out
    assert "water evidence on the" in printed
    metrics = json.loads((water_run / "studies" / "vacancy" / "metrics.json").read_text())
    block = metrics["water_evidence"]
    assert 30 <= block["dwellings"] <= 90
    assert block["dwellings"] + block["dwellings_without_water_meter"] == 120
    alone, both = block["interval_evidence"], block["interval_evidence+water"]
    assert both["false_positives"] <= alone["false_positives"]  # water only adds days in use
    assert both["f1"] - alone["f1"] == pytest.approx(block["gain"]["f1"], nan_ok=True)
    assert "upper bound" in block["caveat"]
    assert block["detector"]["use_hours"] == 5.0
    # The electricity-only metrics are those of the whole run, unchanged.
    assert set(metrics["scores"]) == {"interval_evidence", "cso_ireland", "state_grid"}


@pytest.mark.slow
def test_no_water_block_without_water(tmp_path: Path) -> None:
    scenario = twin.load_scenario(
        REPO / "scenarios" / "vacancy_study.yaml",
        ["households.count=60", "time.duration=10d", "outputs.bus_voltage=none"],
    )
    run = twin.run(scenario, out=tmp_path / "dry", progress=False).path
    metrics = run_vacancy_study(run, guard=False)
    assert "water_evidence" not in metrics
    assert "water evidence" not in "\n".join(_lines(metrics))


def _lines(metrics: dict[str, Any]) -> list[str]:
    from twin.cli import _hardness_lines

    return _hardness_lines(metrics)
