"""Background injections against direct lookups of the SimBench profiles."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
import simbench

from tests.grid.conftest import SEMIURB4
from twin.clock import TimeAxis
from twin.grid import BackgroundInjections, load_network, profile_rows
from twin.grid.catalog import NetworkSource
from twin.grid.network import build_grid_model
from twin.grid.profiles import profile_day_of_year
from twin.holiday_calendar import day_kinds, holidays_around

ZONE = "Europe/Berlin"
ROWS = 35_136  # SimBench: 366 days (2016) x 96 quarter hours


def _axis(start: str, interval_s: int, n: int) -> TimeAxis:
    return TimeAxis(
        start=pd.Timestamp(start, tz=ZONE), interval_s=interval_s, n_intervals=n, timezone=ZONE
    )


@pytest.mark.parametrize(
    ("doy", "second", "dt", "rows", "weights"),
    [
        (1, 0, 900, [0], [1.0]),  # first quarter hour of the year
        (2, 10 * 3600, 3600, [136, 137, 138, 139], [0.25] * 4),  # 1 h averages 4 rows
        (1, 20 * 60, 300, [1], [1.0]),  # 5 min falls in one row
        (1, 10 * 60, 600, [0, 1], [0.5, 0.5]),  # 10 min straddles two rows
        (366, 86_400 - 900, 900, [ROWS - 1], [1.0]),  # leap day 366, last row
        (366, 86_400 - 1800, 3600, [ROWS - 2, ROWS - 1, 0, 1], [0.25] * 4),  # wraps
        (365, 23 * 3600, 86_400 // 24, [364 * 96 + 92 + i for i in range(4)], [0.25] * 4),
    ],
)
def test_profile_rows(
    doy: int, second: int, dt: int, rows: list[int], weights: list[float]
) -> None:
    got_rows, got_weights = profile_rows(doy, second, dt, n_rows=ROWS)
    np.testing.assert_array_equal(got_rows, rows)
    np.testing.assert_allclose(got_weights, weights)


def test_profile_rows_refuses_empty_interval() -> None:
    with pytest.raises(ValueError, match="dt_s given 0"):
        profile_rows(1, 0, 0, n_rows=ROWS)


@pytest.fixture
def reference(semiurb4_raw: pp.pandapowerNet) -> dict[str, pd.DataFrame]:
    """Absolute profiles computed by simbench itself (small network: 41 loads)."""
    return {
        key: simbench.get_absolute_profiles_from_relative_profiles(semiurb4_raw, element, column)
        for key, element, column in [
            ("load_p", "load", "p_mw"),
            ("load_q", "load", "q_mvar"),
            ("sgen_p", "sgen", "p_mw"),
        ]
    }


GERMAN_HOLIDAYS_2016 = {
    # nationwide public holidays of Germany in 2016 (Neujahr .. 2. Weihnachtstag)
    "2016-01-01", "2016-03-25", "2016-03-28", "2016-05-01", "2016-05-05",
    "2016-05-16", "2016-10-03", "2016-12-25", "2016-12-26",
}  # fmt: skip


def _profile_date(stamp: pd.Timestamp, run_holidays: frozenset[str] = frozenset()) -> pd.Timestamp:
    """The 2016 date with the same weekday (holidays: Sunday) nearest in day of year."""

    def kind(day: pd.Timestamp, holidays: set[str] | frozenset[str]) -> int:
        return 6 if day.strftime("%Y-%m-%d") in holidays else day.dayofweek

    want = kind(stamp, run_holidays)
    best: tuple[int, pd.Timestamp] | None = None
    for day in pd.date_range("2016-01-01", "2016-12-31"):
        if kind(day, GERMAN_HOLIDAYS_2016) != want:
            continue
        gap = abs(day.dayofyear - stamp.dayofyear)
        gap = min(gap, 366 - gap)
        if best is None or gap < best[0]:
            best = (gap, day)
    assert best is not None
    return best[1]


def _expected_row(stamp: pd.Timestamp) -> int:
    day = _profile_date(stamp)
    return int((day.dayofyear - 1) * 96 + (stamp.hour * 60 + stamp.minute) // 15)


@pytest.mark.parametrize(
    ("run_date", "holidays", "profile_date"),
    [
        ("2025-03-03", (), "2016-02-29"),  # a Monday reads the nearest Monday of 2016
        ("2025-03-30", (), "2016-03-28"),  # a Sunday reads Easter Monday (a holiday)
        ("2025-12-25", ("2025-12-25",), "2016-12-25"),  # a holiday reads a holiday
        ("2025-10-03", (), "2016-09-30"),  # a Friday never reads 3 Oct 2016 (a holiday)
        ("2025-06-09", ("2025-06-09",), "2016-06-05"),  # Whit Monday reads a Sunday
    ],
)
def test_profile_days_keep_the_weekday_and_the_holidays(
    run_date: str, holidays: tuple[str, ...], profile_date: str
) -> None:
    day = np.asarray([np.datetime64(run_date, "D").astype(np.int64)])
    site = np.asarray([np.datetime64(h, "D").astype(np.int64) for h in holidays], dtype=np.int64)
    got = profile_day_of_year(day, site)
    assert got[0] == pd.Timestamp(profile_date).dayofyear
    assert _profile_date(pd.Timestamp(run_date), frozenset(holidays)) == pd.Timestamp(profile_date)


def test_every_day_of_a_year_reads_its_own_day_kind_nearby() -> None:
    days = np.arange(
        np.datetime64("2025-01-01"), np.datetime64("2026-01-01"), dtype="datetime64[D]"
    ).astype(np.int64)
    site = holidays_around("DE", None, days)
    got = profile_day_of_year(days, site)
    profile = (np.datetime64("2016-01-01") + (got - 1)).astype(np.int64)
    profile_holidays = holidays_around("DE", None, profile)
    np.testing.assert_array_equal(day_kinds(profile, profile_holidays), day_kinds(days, site))
    gap = np.abs(got - np.arange(1, 366))
    gap = np.minimum(gap, 366 - gap)
    # A weekday beside a 2016 holiday on the same weekday reads the week before or after.
    assert gap.max() <= 7
    assert np.mean(gap <= 3) > 0.95


@pytest.mark.parametrize("interval_s", [900, 3600])
def test_background_matches_simbench_profiles(
    reference: dict[str, pd.DataFrame], interval_s: int
) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    axis = _axis("2025-03-03T00:00", interval_s, 2 * 86_400 // interval_s)
    background = BackgroundInjections(grid, axis)
    assert background.has_profiles
    local = pd.date_range(axis.start, periods=axis.n_intervals, freq=f"{interval_s}s")
    n_rows = interval_s // 900
    for index in [0, 5, 37, axis.n_intervals - 1]:
        first = _expected_row(local[index])
        rows = [first + k for k in range(n_rows)]
        load_p, load_q, sgen_p = background.at(index)
        expect_p = reference["load_p"].iloc[rows].mean().to_numpy()
        expect_q = reference["load_q"].iloc[rows].mean().to_numpy()
        expect_s = reference["sgen_p"].iloc[rows].mean().to_numpy()
        res = grid.residential
        assert (load_p[res] == 0).all() and (load_q[res] == 0).all()
        np.testing.assert_allclose(load_p[~res], expect_p[~res], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(load_q[~res], expect_q[~res], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(sgen_p, expect_s, rtol=1e-6, atol=1e-12)


def test_background_uses_local_time_across_dst(reference: dict[str, pd.DataFrame]) -> None:
    grid = load_network(f"simbench:{SEMIURB4}")
    # 2025-03-30: clocks jump from 02:00 to 03:00 CEST in Europe/Berlin
    axis = _axis("2025-03-30T00:00", 900, 24)
    background = BackgroundInjections(grid, axis)
    index = 8  # starts 02:00 UTC+1 = 01:00 UTC = 03:00 CEST
    row = (88 - 1) * 96 + 12  # Sunday 30 March reads Easter Monday 2016 (a holiday), 03:00
    _, _, sgen_p = background.at(index)
    np.testing.assert_allclose(sgen_p, reference["sgen_p"].iloc[row].to_numpy(), rtol=1e-6)


def test_background_without_profiles_is_nominal(tiny_network: pp.pandapowerNet) -> None:
    grid = build_grid_model(tiny_network, NetworkSource("tiny", "file"))
    background = BackgroundInjections(grid, _axis("2025-01-01T00:00", 900, 4))
    assert not background.has_profiles
    load_p, _, sgen_p = background.at(3)
    nominal = grid.net.load["p_mw"].to_numpy()
    np.testing.assert_array_equal(load_p, np.where(grid.residential, 0.0, nominal))
    assert load_p[0] == pytest.approx(0.2)  # the MV load
    np.testing.assert_array_equal(sgen_p, grid.net.sgen["p_mw"].to_numpy())
    load_p[:] = -1.0  # fresh arrays: the caller may change them
    assert background.at(3)[0][0] == pytest.approx(0.2)
    with pytest.raises(IndexError, match="interval index 4 is out of range"):
        background.at(4)
