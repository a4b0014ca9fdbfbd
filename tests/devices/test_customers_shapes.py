"""Mean shapes of the customer classes: BDEW profiles as demandlib applies them, factory shifts."""

from __future__ import annotations

import warnings

import holidays
import numpy as np
import pandas as pd
import pytest
from demandlib import bdew

from twin.devices.customers import BDEW_CLASSES, CustomerParams, ShapeTables
from twin.devices.customers.shapes import ROWS


def elec_slp(year: int, subdiv: str | None = None) -> pd.DataFrame:
    """demandlib's BDEW profiles (share of the year's energy per quarter-hour), holidays as Sundays.

    ``ElecSlp`` turns every warning into an error as a side effect; the
    ``catch_warnings`` block restores the filters.
    """
    with warnings.catch_warnings():
        slp = bdew.ElecSlp(
            year, holidays=holidays.country_holidays("DE", subdiv=subdiv, years=year)
        )
        return slp.get_profiles()


def build(start: str, tz: str, interval_s: int, n: int, **params: object) -> ShapeTables:
    return ShapeTables.build(
        pd.Timestamp(start, tz=tz),
        tz,
        interval_s,
        n,
        CustomerParams(**params),  # type: ignore[arg-type]
    )


def test_bdew_rows_equal_demandlib_for_a_leap_year_with_holidays() -> None:
    # Reference: demandlib 0.2.2 demandlib.bdew.ElecSlp(2024, holidays=German holidays).
    ref = elec_slp(2024)
    tables = build("2024-01-01", "UTC", 900, 366 * 96)
    for row, name in enumerate(BDEW_CLASSES):
        expected = ref[name.lower()].to_numpy() * 4.0  # kW per kWh/yr
        np.testing.assert_allclose(tables.mean[row], expected, rtol=1e-12)
        assert tables.mean[row].sum() / 4.0 == pytest.approx(1.0)


def test_subdivision_holidays_are_sundays() -> None:
    # Epiphany (6 January 2025, a Monday) is a holiday in Bavaria, not nationwide.
    ref = elec_slp(2025, subdiv="BY")
    by = build("2025-01-06", "UTC", 900, 96, subdivision="BY")
    de = build("2025-01-06", "UTC", 900, 96)
    g1 = BDEW_CLASSES.index("G1")
    np.testing.assert_allclose(by.mean[g1], ref["g1"].to_numpy()[5 * 96 : 6 * 96] * 4, rtol=1e-12)
    assert by.mean[g1].max() < 0.3 * de.mean[g1].max()  # a Sunday, not a workday
    assert not by.open[g1].any()


@pytest.mark.parametrize("interval_s", [300, 1800, 3600, 7200])
def test_other_intervals_conserve_the_profile_energy(interval_s: int) -> None:
    quarter = build("2025-03-03", "UTC", 900, 14 * 96)
    other = build("2025-03-03", "UTC", interval_s, 14 * 86_400 // interval_s)
    rows = len(BDEW_CLASSES)
    energy_quarter = quarter.mean[:rows].sum(axis=1) * 900
    energy_other = other.mean[:rows].sum(axis=1) * interval_s
    np.testing.assert_allclose(energy_other, energy_quarter, rtol=1e-12)
    if interval_s < 900:  # sub-quarter intervals repeat the quarter-hour's power
        np.testing.assert_allclose(other.mean[:rows, ::3], quarter.mean[:rows], rtol=1e-12)


def test_a_start_off_the_quarter_hour_is_exact() -> None:
    quarter = build("2025-03-03", "UTC", 900, 96)
    # 10-min intervals from 00:05: sub-steps of 5 min, each inside one quarter-hour.
    shifted = build("2025-03-03 00:05", "UTC", 600, 143)
    g0 = BDEW_CLASSES.index("G0")
    q = quarter.mean[g0]
    assert shifted.mean[g0, 0] == pytest.approx(q[0])  # 00:05-00:15
    assert shifted.mean[g0, 2] == pytest.approx((q[1] + q[2]) / 2)  # 00:25-00:35


def test_local_time_and_daylight_saving() -> None:
    # Berlin, 30 March 2025: clocks jump from 02:00 to 03:00, the day has 92 quarter-hours.
    ref = elec_slp(2025)
    tables = build("2025-03-30", "Europe/Berlin", 900, 92 + 96)
    g0 = BDEW_CLASSES.index("G0")
    local = pd.date_range("2025-03-30", periods=92, freq="15min", tz="Europe/Berlin")
    wall = local.tz_localize(None)
    np.testing.assert_allclose(tables.mean[g0, :92], ref["g0"].loc[wall].to_numpy() * 4, rtol=1e-12)
    assert np.flatnonzero(np.diff(tables.day))[0] == 91  # Monday begins after 92 columns


def test_a_run_across_new_year_takes_each_years_normalisation() -> None:
    ref_2025, ref_2026 = elec_slp(2025), elec_slp(2026)
    tables = build("2025-12-31", "UTC", 900, 2 * 96)
    g4 = BDEW_CLASSES.index("G4")
    np.testing.assert_allclose(
        tables.mean[g4, :96], ref_2025["g4"].to_numpy()[-96:] * 4, rtol=1e-12
    )
    np.testing.assert_allclose(tables.mean[g4, 96:], ref_2026["g4"].to_numpy()[:96] * 4, rtol=1e-12)


def test_factory_shift_patterns() -> None:
    # Monday 28 April .. Sunday 4 May 2025; 1 May (Thursday) is Labour Day.
    tables = build("2025-04-28", "UTC", 900, 7 * 96)
    hour = np.arange(7 * 96) % 96 / 4
    day = np.arange(7 * 96) // 96
    one = tables.mean[ROWS.index("factory_1")]
    three = tables.mean[ROWS.index("factory_3")]
    saturday = tables.mean[ROWS.index("factory_1_saturday")]
    monday = day == 0
    assert one[monday & (hour >= 7) & (hour < 9.5)] == pytest.approx(1.0)  # the early shift
    assert one[monday & ((hour < 5.5) | (hour >= 14.5))] == pytest.approx(0.0)
    assert one[monday & (hour >= 9.75) & (hour < 10.25)] == pytest.approx(0.6)  # its break
    assert three[(day == 1) & (hour >= 0.5) & (hour < 1.75)] == pytest.approx(1.0)  # night shift
    assert one[day == 3].max() == 0.0  # Labour Day
    assert three[(day == 3) & (hour >= 6.5)].max() == 0.0  # stops after Wednesday's night shift
    assert one[day == 5].max() == 0.0 and saturday[(day == 5) & (hour == 8)] == pytest.approx(1.0)
    assert three[day == 6].max() == 0.0 and saturday[day == 6].max() == 0.0
    assert not tables.open[ROWS.index("factory_1"), day == 6].any()


def test_christmas_works_holidays() -> None:
    tables = build("2025-12-22", "UTC", 900, 5 * 96)
    day = np.arange(5 * 96) // 96
    one = tables.mean[ROWS.index("factory_2")]
    assert one[day == 0].max() == pytest.approx(1.0) and one[day >= 2].max() == 0.0
    off = build("2025-12-22", "UTC", 900, 5 * 96, factory_christmas_shutdown=False)
    assert off.mean[ROWS.index("factory_2"), day == 3].max() == 0.0  # 25 December, a holiday
    assert off.mean[ROWS.index("factory_2"), day == 2].max() == pytest.approx(1.0)


def test_opening_hours_of_the_bdew_classes() -> None:
    tables = build("2025-01-06", "UTC", 900, 7 * 96)  # a winter week from Monday
    hours_open = {c: tables.open[i].sum() / 4 for i, c in enumerate(BDEW_CLASSES)}
    assert 45 <= hours_open["G1"] <= 60  # weekdays 8-18 h (BDEW's definition of G1)
    assert hours_open["G3"] == hours_open["L0"] == 168  # around the clock
    g4 = tables.open[BDEW_CLASSES.index("G4")]
    assert g4[5 * 96 + 40] and not g4[6 * 96 + 40]  # Saturday 10:00 open, Sunday closed
