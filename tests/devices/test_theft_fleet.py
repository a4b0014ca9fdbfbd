"""Layer 2 of theft: the fleet on hand-worked days, energy records, side signals, bad input."""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

from twin.clock import TimeAxis
from twin.devices.theft import THEFT_KINDS, TheftFleet, TheftParams

SIX_H = 6 * 3600
BIG = 10**9


def make_axis(interval_s: int = SIX_H, days: int = 3, tz: str = "UTC") -> TimeAxis:
    return TimeAxis(pd.Timestamp("2025-03-03", tz=tz), interval_s, days * 86_400 // interval_s, tz)


def one_thief(kind: str, axis: TimeAxis, **params: Any) -> TheftFleet:
    """A fleet of one thief of ``kind`` at meter 0, active all run."""
    return TheftFleet.create(
        [0],
        [kind],
        [0],
        [BIG],
        rng=np.random.default_rng(1),
        axis=axis,
        params=TheftParams(**params),
    )


def run(fleet: TheftFleet, axis: TimeAxis, true_kw: np.ndarray) -> np.ndarray:
    """Metered power of every interval: ``true_kw`` is (intervals, meters)."""
    return np.array([fleet.metered_kw(axis.at(k), true_kw[k]) for k in range(len(true_kw))])


def test_h1_scales_by_the_thiefs_drawn_ratio() -> None:
    ax = make_axis()
    fleet = one_thief("h1", ax)
    r = fleet.ratio[0]
    assert 0.2 <= r <= 0.8
    out = run(fleet, ax, np.array([[2.0], [0.0], [4.0]]))
    np.testing.assert_allclose(out[:, 0], [2.0 * r, 0.0, 4.0 * r])


def test_h2_zeroes_the_daily_window_across_midnight() -> None:
    ax = make_axis(3600, days=2)
    fleet = one_thief("h2", ax, h2_start_h_range=(22.0, 22.0), h2_duration_h_range=(4.0, 4.0))
    out = run(fleet, ax, np.full((48, 1), 1.5))[:, 0]
    hours = np.arange(48) % 24
    off = np.isin(hours, [22, 23, 0, 1])
    np.testing.assert_allclose(out[off], 0.0)
    np.testing.assert_allclose(out[~off], 1.5)


def test_h5_reports_the_running_mean_then_the_previous_days_mean() -> None:
    ax = make_axis()
    fleet = one_thief("h5", ax)
    true = np.array([[1.0], [2.0], [3.0], [4.0], [10.0], [10.0], [1.0], [10.0]])
    out = run(fleet, ax, true)[:, 0]
    # Day 1: the running mean (1, 1.5, 2, 2.5), never above the true power.
    # Day 2: day 1's mean 2.5, capped at the true 1.0 in the quiet interval.
    np.testing.assert_allclose(out, [1.0, 1.5, 2.0, 2.5, 2.5, 2.5, 1.0, 2.5])


def test_h4_reports_a_random_share_of_the_mean() -> None:
    ax = make_axis()
    fleet = one_thief("h4", ax)
    true = np.array([[4.0]] * 4 + [[100.0]] * 4)
    out = run(fleet, ax, true)[:, 0]
    # Day 2: r_t * 4.0 with r_t in [0.1, 0.8], drawn afresh each interval.
    assert np.all((out[4:] >= 0.4 - 1e-12) & (out[4:] <= 3.2 + 1e-12))
    assert np.unique(out[4:]).size == 4


def test_h6_reverses_the_previous_day_and_reports_true_on_the_first() -> None:
    ax = make_axis()
    fleet = one_thief("h6", ax)
    true = np.array([[1.0], [2.0], [3.0], [4.0], [10.0], [10.0], [10.0], [0.5]])
    out = run(fleet, ax, true)[:, 0]
    np.testing.assert_allclose(out, [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 0.5])


def test_bypass_keeps_one_minus_the_share() -> None:
    ax = make_axis()
    fleet = one_thief("bypass", ax)
    share = fleet.bypass_share[0]
    assert 0.3 <= share <= 0.9
    out = run(fleet, ax, np.array([[2.0], [-1.0]]))[:, 0]
    np.testing.assert_allclose(out, [2.0 * (1 - share), -1.0])


def test_only_active_thieves_meters_change_and_partial_intervals_are_prorated() -> None:
    ax = make_axis(900, days=1)
    dt = ax.interval_s
    # Thief 0 (h1 at meter 2) starts a quarter into interval 1 and ends halfway
    # through interval 3; thief 1 (h5 at meter 0) starts after the run.
    fleet = TheftFleet.create(
        [2, 0],
        ["h1", "h5"],
        [dt + dt // 4, BIG],
        [3 * dt + dt // 2, BIG + 1],
        rng=np.random.default_rng(3),
        axis=ax,
    )
    r = fleet.ratio[0]
    true = np.tile([1.0, 5.0, 2.0, 3.0], (5, 1))
    out = run(fleet, ax, true)
    np.testing.assert_allclose(out[:, [0, 1, 3]], true[:, [0, 1, 3]])
    active = np.array([0.0, 0.75, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(out[:, 2], 2.0 * (1 - active) + 2.0 * r * active)
    rec = fleet.records()
    assert rec.loc[0, "true_wh"] == pytest.approx(2.0 * active.sum() * dt / 3.6)
    assert rec.loc[0, "metered_wh"] == pytest.approx(2.0 * r * active.sum() * dt / 3.6)
    assert rec.loc[1, "true_wh"] == rec.loc[1, "metered_wh"] == 0.0


def test_records_stolen_energy_is_the_sum_of_true_minus_metered() -> None:
    ax = make_axis(3600, days=2)
    rng = np.random.default_rng(11)
    n_meters, n = 40, 24
    kinds = list(rng.choice(THEFT_KINDS[:-1], n))
    meters = rng.choice(n_meters, n, replace=False)
    start = rng.integers(-3600, 30 * 3600, n)
    end = start + rng.integers(0, 30 * 3600, n)
    fleet = TheftFleet.create(meters, kinds, start, end, rng=rng, axis=ax)
    true = rng.normal(1.0, 1.5, (ax.n_intervals, n_meters))
    out = run(fleet, ax, true)
    stolen_wh = ((true - out) * ax.interval_s / 3.6).sum(axis=0)
    rec = fleet.records()
    assert list(rec.columns) == [
        "thief",
        "meter",
        "kind",
        "start_s",
        "end_s",
        "true_wh",
        "metered_wh",
    ]
    np.testing.assert_allclose(
        (rec["true_wh"] - rec["metered_wh"]).to_numpy(), stolen_wh[meters], atol=1e-6
    )
    assert (rec["true_wh"] - rec["metered_wh"] >= -1e-9).all()
    others = np.setdiff1d(np.arange(n_meters), meters)
    np.testing.assert_array_equal(out[:, others], true[:, others])


def test_illegal_connections_draw_power_that_nothing_meters() -> None:
    ax = make_axis(3600, days=1)
    fleet = TheftFleet.create(
        [-1, 0, -1],
        ["illegal_connection", "h1", "illegal_connection"],
        [0, 0, 12 * 3600],
        [BIG, BIG, 20 * 3600],
        rng=np.random.default_rng(5),
        axis=ax,
        params=TheftParams(
            illegal_kw_range=(2.0, 2.0),
            illegal_start_h_range=(18.0, 18.0),
            illegal_duration_h_range=(6.0, 6.0),
        ),
        bus=[7, 99, 8],
    )
    np.testing.assert_array_equal(fleet.illegal, [0, 2])
    np.testing.assert_array_equal(fleet.bus, [7, -1, 8])
    p = np.array([fleet.illegal_kw(ax.at(k)) for k in range(24)])
    on = np.zeros(24)
    on[18:24] = 2.0
    np.testing.assert_allclose(p[:, 0], on)
    np.testing.assert_allclose(p[:, 1], np.where(np.arange(24) < 20, on, 0.0))
    rec = fleet.records()
    np.testing.assert_allclose(rec["true_wh"].to_numpy()[[0, 2]], [12_000.0, 4_000.0])
    np.testing.assert_allclose(rec["metered_wh"].to_numpy()[[0, 2]], 0.0)
    assert not fleet.cover_open[[0, 2]].any() and not fleet.neutral_mismatch[[0, 2]].any()


def test_side_signals_follow_their_probabilities() -> None:
    ax = make_axis()
    n = 4000
    kinds = ["h1"] * (n - 1) + ["illegal_connection"]
    meters = [*range(n - 1), -1]
    fleet = TheftFleet.create(
        meters, kinds, [0] * n, [BIG] * n, rng=np.random.default_rng(9), axis=ax
    )
    assert fleet.cover_open.mean() == pytest.approx(0.3, abs=0.03)
    assert fleet.neutral_mismatch.mean() == pytest.approx(0.5, abs=0.03)
    assert not fleet.cover_open[-1]
    sure = TheftFleet.create(
        [0, 1],
        ["h2", "bypass"],
        [0, 0],
        [1, 1],
        rng=np.random.default_rng(9),
        axis=ax,
        params=TheftParams(cover_open_probability=1.0, neutral_mismatch_probability=0.0),
    )
    assert sure.cover_open.all() and not sure.neutral_mismatch.any()


def test_same_seed_same_readings_and_records() -> None:
    ax = make_axis(3600, days=2)
    kinds = list(THEFT_KINDS[:-1])
    true = np.random.default_rng(2).uniform(0, 3, (ax.n_intervals, len(kinds)))

    def once() -> tuple[np.ndarray, pd.DataFrame]:
        fleet = TheftFleet.create(
            np.arange(len(kinds)),
            kinds,
            [0] * len(kinds),
            [BIG] * len(kinds),
            rng=np.random.default_rng(4),
            axis=ax,
        )
        return run(fleet, ax, true), fleet.records()

    (a, ra), (b, rb) = once(), once()
    np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(ra, rb)


def test_each_interval_once_and_in_order() -> None:
    ax = make_axis()
    fleet = one_thief("h1", ax)
    fleet.metered_kw(ax.at(1), np.ones(1))
    with pytest.raises(ValueError, match="interval index given 1; expected > 1"):
        fleet.metered_kw(ax.at(1), np.ones(1))
    with pytest.raises(ValueError, match="true_kw given shape"):
        fleet.metered_kw(ax.at(2), np.ones(0))


@pytest.mark.parametrize(
    ("meter", "kind", "start", "end", "message"),
    [
        (
            [0],
            ["x"],
            [0],
            [1],
            "kind given an invalid value 'x'; expected one of {'h1', 'h2', 'h3', 'h4', 'h5', "
            "'h6', 'bypass', 'illegal_connection'}",
        ),
        ([0, 1], ["h1"], [0, 0], [1, 1], "kind given 1 values; expected 2"),
        ([0], ["h1"], [0, 0], [1], "start_s given 2 values; expected 1"),
        ([0, 1], ["h1", "h2"], [0, 5], [1, 4], "end_s given values before start_s at thieves [1]"),
        ([3, 3], ["h1", "h2"], [0, 0], [1, 1], "meter given repeated positions [3]"),
        ([-1], ["h1"], [0], [1], "meter given negative positions [-1]"),
        ([2], ["illegal_connection"], [0], [1], "expected -1 (they have no meter)"),
    ],
)
def test_bad_input_is_named(
    meter: list[int], kind: list[str], start: list[int], end: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        TheftFleet.create(meter, kind, start, end, rng=np.random.default_rng(0), axis=make_axis())


def test_a_step_over_20000_thieves_takes_milliseconds() -> None:
    ax = make_axis(900, days=1, tz="Europe/Berlin")
    rng = np.random.default_rng(0)
    n, n_meters = 20_000, 50_000
    kinds = list(rng.choice(THEFT_KINDS, n))
    illegal = np.array([k == "illegal_connection" for k in kinds])
    meters = np.where(illegal, -1, rng.choice(n_meters, n, replace=False))
    fleet = TheftFleet.create(meters, kinds, np.zeros(n), np.full(n, BIG), rng=rng, axis=ax)
    true = rng.uniform(0.0, 3.0, n_meters)
    t0 = time.perf_counter()
    for k in range(ax.n_intervals):
        fleet.metered_kw(ax.at(k), true)
        fleet.illegal_kw(ax.at(k))
    # About 1 ms a step on a laptop core; the bound leaves room for slow machines.
    assert time.perf_counter() - t0 < 3.0


def test_kinds_as_a_numpy_array_are_named_plainly() -> None:
    with pytest.raises(ValueError, match=re.escape("kind given an invalid value 'zz'; expected")):
        TheftFleet.create(
            [0, 1],
            np.array(["h1", "zz"]),  # type: ignore[arg-type]
            [0, 0],
            [1, 1],
            rng=np.random.default_rng(0),
            axis=make_axis(),
        )
