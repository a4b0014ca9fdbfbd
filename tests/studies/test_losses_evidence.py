"""The losses study's suspect evidence on hand-written series: shapes, peers, regression terms."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from twin.studies.losses.evidence import (
    AreaDays,
    Evidence,
    combine,
    peer_groups,
    robust_z,
    suspect_evidence,
)
from twin.studies.losses.shapes import DayStats, shape_values
from twin.studies.losses.suspects import fit_area_losses

SLOTS = 96
DAYS = 28
HONEST = 40


def honest_readings(rng: np.random.Generator, n: int = HONEST) -> NDArray[np.float64]:
    """Smooth household-like readings [Wh], (meters, days, slots): a daily shape with a
    morning and an evening bump, each meter its own level, and slowly varying noise."""
    hour = np.arange(SLOTS) / 4.0
    shape = 0.6 + 0.5 * np.exp(-(((hour - 7.5) / 1.5) ** 2)) + np.exp(-(((hour - 19) / 2.5) ** 2))
    level = rng.uniform(40.0, 120.0, n)
    noise = np.zeros((n, DAYS * SLOTS))
    for t in range(1, DAYS * SLOTS):  # AR(1): a quarter-hour remembers the last one
        noise[:, t] = 0.9 * noise[:, t - 1] + rng.normal(0.0, 0.1, n)
    values = level[:, None, None] * shape * np.exp(noise).reshape(n, DAYS, SLOTS)
    return np.round(values)


def stats_of(readings: NDArray[np.float64]) -> DayStats:
    """Day statistics of complete, valid readings laid out (meters, days, slots)."""
    n = readings.shape[0]
    stats = DayStats.empty(n, DAYS)
    previous = None
    for day in range(DAYS):
        previous = stats.add_day(
            day,
            readings[:, day],
            np.ones((n, SLOTS), dtype=bool),
            np.arange(SLOTS),
            previous,
            SLOTS,
        )
    return stats


def one_area(*, abnormal_from: int | None) -> AreaDays:
    """One area, every day complete; abnormal from ``abnormal_from`` on (None: every day)."""
    abnormal = np.zeros((1, DAYS), dtype=bool)
    abnormal[0, 0 if abnormal_from is None else abnormal_from :] = True
    return AreaDays(abnormal=abnormal, complete=np.ones((1, DAYS), dtype=bool))


def evidence_for(
    readings: NDArray[np.float64], days: AreaDays, beta: NDArray[np.float64] | None = None
) -> Evidence:
    """Every kind of evidence for meters of one area and one peer group."""
    n = readings.shape[0]
    groups = peer_groups(np.full(n, "household", dtype=object), np.full(n, "H0", dtype=object))
    return suspect_evidence(
        stats_of(readings),
        np.zeros(n, dtype=np.int64),
        groups,
        days,
        np.zeros(n) if beta is None else beta,
    )


def test_a_daily_window_at_zero_stands_out_as_zero_evidence() -> None:
    readings = honest_readings(np.random.default_rng(1))
    readings[0, :, 4:28] = 0.0  # 01:00-07:00 reads nothing, every day
    found = evidence_for(readings, one_area(abnormal_from=None))
    values = shape_values(stats_of(readings), np.ones((HONEST, DAYS), dtype=bool))
    assert values["zero_share"][0] == pytest.approx(0.25)
    assert np.all(values["zero_share"][1:] == 0.0)
    assert found.strongest[0] == "zero" and found.z["zero"][0] > 10
    assert int(np.nanargmax(found.score)) == 0
    assert found.reference[0] == "peers only"  # every day abnormal: no own reference


def test_a_flat_meter_stands_out_as_flat_evidence() -> None:
    readings = honest_readings(np.random.default_rng(2))
    readings[3] = 70.0  # the same reading every quarter-hour
    found = evidence_for(readings, one_area(abnormal_from=None))
    assert found.strongest[3] == "flat"
    assert int(np.nanargmax(found.score)) == 3
    assert np.isnan(found.z["jitter"][3])  # a constant has no autocorrelation to lose


def test_readings_without_memory_stand_out_as_jitter() -> None:
    rng = np.random.default_rng(3)
    readings = honest_readings(rng)
    readings[5] = np.round(rng.uniform(20.0, 120.0, (DAYS, SLOTS)))  # each draw on its own
    found = evidence_for(readings, one_area(abnormal_from=None))
    assert found.z["jitter"][5] > 5
    assert int(np.nanargmax(found.score)) == 5


def test_a_day_mirroring_the_previous_one_stands_out() -> None:
    readings = honest_readings(np.random.default_rng(4))
    for day in range(1, DAYS):  # each day replays the day before, last quarter-hour first
        readings[7, day] = readings[7, day - 1, ::-1]
    found = evidence_for(readings, one_area(abnormal_from=None))
    values = shape_values(stats_of(readings), np.ones((HONEST, DAYS), dtype=bool))
    assert values["mirror"][7] == pytest.approx(1.0)
    assert np.nanmedian(values["mirror"][8:]) < 0.5
    assert found.strongest[7] == "mirror"


def test_a_scaled_meter_among_honest_peers_is_found_by_its_drop() -> None:
    readings = honest_readings(np.random.default_rng(5))
    readings[:, 14:] *= 1.3  # a cold fortnight: everyone uses more ...
    readings[9, 14:] *= 0.5  # ... one meter records half of it
    found = evidence_for(readings, one_area(abnormal_from=14))
    assert found.reference[9] == "own normal days"
    # the peers' own rise is the reference: a fall of log(2) against a spread of a few %
    assert found.z["drop"][9] > 5
    assert np.nanmax(np.abs(np.delete(found.z["drop"], 9))) < 5
    assert int(np.nanargmax(found.score)) == 9 and found.strongest[9] == "drop"


def test_an_odd_shape_that_did_not_change_is_no_suspect_where_days_compare() -> None:
    readings = honest_readings(np.random.default_rng(6))
    readings[2] = 60.0  # flat all along, before and during the abnormal days
    changed = evidence_for(readings, one_area(abnormal_from=14))
    assert abs(changed.z["flat"][2]) < 3
    assert int(np.nanargmax(changed.score)) != 2
    levels = evidence_for(readings, one_area(abnormal_from=None))
    assert levels.z["flat"][2] > 10


def test_a_meter_at_zero_all_along_is_not_read_for_shapes() -> None:
    readings = honest_readings(np.random.default_rng(7))
    readings[4] = 0.0  # breaker off: a vacancy, not a window
    readings[6] = 1.0  # standby trickle
    found = evidence_for(readings, one_area(abnormal_from=None))
    for name in ("zero", "flat", "jitter", "mirror"):
        assert np.isnan(found.z[name][4]) and np.isnan(found.z[name][6]), name


def test_loss_evidence_and_combination() -> None:
    readings = honest_readings(np.random.default_rng(8))
    beta = np.zeros(HONEST)
    beta[11] = 0.8  # the area's loss follows this meter's use
    found = evidence_for(readings, one_area(abnormal_from=None), beta)
    assert found.z["loss"][11] == pytest.approx(0.8 / 0.1)  # floor: MAD of zeros is 0
    assert found.strongest[11] == "loss"
    score, strongest = combine({"a": np.array([1.0, np.nan]), "b": np.array([3.0, np.nan])})
    assert score[0] == 3.0 and strongest[0] == "b"
    assert np.isnan(score[1]) and strongest[1] == ""


def test_robust_z_and_peer_groups() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0, 5.0, 5.0, 5.0])
    groups = np.array(["a"] * 5 + ["b"] * 3, dtype=object)
    z = robust_z(values, groups, np.ones(8, dtype=bool), floor=0.5)
    assert z[2] == 0.0  # the median
    assert z[4] == pytest.approx(97.0 / 1.4826)  # an outlier does not widen the scale
    assert np.all(z[5:] == 0.0)  # a flat group divides by the floor
    kinds = np.array(["household"] * 25 + ["commercial"] * 22 + ["factory"] * 3, dtype=object)
    classes = np.array(["H0"] * 25 + ["G0"] * 12 + ["G1"] * 10 + ["factory"] * 3, dtype=object)
    pooled = peer_groups(kinds, classes, min_peers=20)
    assert set(pooled[:25]) == {"H0"}
    assert set(pooled[25:47]) == {"commercial"}  # G0 and G1 too small alone
    assert set(pooled[47:]) == {"all"}


def test_time_of_day_terms_keep_an_unmetered_evening_load_off_the_meters() -> None:
    rng = np.random.default_rng(9)
    days, per_day = 30, 24
    hour = np.tile(np.arange(per_day), days)
    evening = np.where((hour >= 18) & (hour < 23), 1.0, 0.3)
    consumption = rng.gamma(4.0, 0.25, size=(days * per_day, 6)) * evening[:, None] * 500
    illegal = np.where((hour >= 19) & (hour < 23), 2000.0, 0.0)  # a heater, every evening
    loss = illegal + 0.5 * consumption[:, 0] + rng.normal(0.0, 20.0, len(hour))
    with_slots = fit_area_losses(loss, consumption, slot=hour)
    assert with_slots.beta[0] == pytest.approx(0.5, abs=0.05)
    assert np.delete(with_slots.beta, 0).max() < 0.05
    assert with_slots.constant_wh == pytest.approx(illegal.mean(), rel=0.1)
    constant_only = fit_area_losses(loss, consumption)
    assert np.delete(constant_only.beta, 0).max() > 0.2  # spread over the evening users
