"""Layer 1 of PV: weather mapping, PVWatts per orientation, inverter, volt-watt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib  # type: ignore[import-untyped]
import pytest

from twin.clock import TimeAxis
from twin.devices.pv import dc_kw_per_kwp_hourly, inverter_ac_kw, volt_watt_fraction
from twin.devices.weather import WEATHER_SOURCES, average_hourly, load_weather


def axis(interval_s: int, days: int = 365, start: str = "2025-01-01", tz: str = "UTC") -> TimeAxis:
    return TimeAxis(pd.Timestamp(start, tz=tz), interval_s, days * 86_400 // interval_s, tz)


def test_every_bundled_weather_loads_with_a_plausible_year() -> None:
    for name in ("greensboro_tmy3", "sand_point_tmy3", "dwd_try2010_04", "dwd_try2010_12"):
        w = load_weather(name)
        assert w.ghi_w_m2.shape == (8760,)
        # Annual GHI: Greensboro ~1,570, Potsdam/Mannheim ~1,050-1,100 kWh/m2 (DWD TRY 2010).
        assert 700 < w.ghi_w_m2.sum() / 1000 < 1_800
        assert np.all(w.ghi_w_m2 >= 0) and np.all(w.dni_w_m2 >= 0)
    potsdam = load_weather("dwd_try2010_04")
    assert potsdam.latitude_deg == pytest.approx(52 + 23 / 60)  # TRY04 header: 52°23'N 13°04'O
    assert potsdam.longitude_deg == pytest.approx(13 + 4 / 60)
    assert len(WEATHER_SOURCES) == 17


def test_unknown_weather_names_the_choices() -> None:
    with pytest.raises(ValueError, match="greensboro_tmy3"):
        load_weather("atlantis")


@pytest.mark.parametrize("interval_s", [300, 900, 3600, 7200, 86_400])
def test_average_hourly_conserves_the_annual_mean(interval_s: int) -> None:
    ghi = load_weather("greensboro_tmy3").ghi_w_m2
    mean = average_hourly(ghi, axis(interval_s), -5.0)
    assert mean.mean() == pytest.approx(ghi.mean(), rel=1e-9)


def test_average_hourly_maps_month_day_hour_in_local_standard_time() -> None:
    hourly = np.arange(8760.0)
    # 2024 is a leap year: 29 Feb repeats 28 Feb; 2 Mar 05:15 UTC = 00:15 at UTC-5.
    ax = TimeAxis(pd.Timestamp("2024-03-02 05:00", tz="UTC"), 900, 4, "UTC")
    got = average_hourly(hourly, ax, -5.0)
    assert got == pytest.approx(np.full(4, (31 + 28 + 1) * 24.0))
    leap = TimeAxis(pd.Timestamp("2024-02-29 12:00", tz="Etc/GMT+5"), 3600, 1, "UTC")
    assert average_hourly(hourly, leap, -5.0)[0] == (31 + 27) * 24 + 12


def test_inverter_matches_pvlib_pvwatts_on_scalars_and_arrays() -> None:
    dc = np.array([0.0, 0.05, 0.4, 2.0, 4.0, 5.5, 9.0])
    ac_max = np.full(dc.size, 4.2)
    ref = pvlib.inverter.pvwatts(dc, 4.2 / 0.96, eta_inv_nom=0.96)
    np.testing.assert_allclose(inverter_ac_kw(dc, ac_max), np.asarray(ref), atol=1e-12)
    assert float(inverter_ac_kw(np.array(9.0), np.array(4.2))) == pytest.approx(4.2)


def test_volt_watt_follows_ieee_1547_category_b_defaults() -> None:
    # IEEE 1547-2018 Table 10: P = Prated up to 1.06 pu, linear to 0 at 1.10 pu.
    v = np.array([0.9, 1.0, 1.06, 1.07, 1.08, 1.09, 1.10, 1.2])
    expect = [1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    np.testing.assert_allclose(volt_watt_fraction(v), expect, atol=1e-12)
    assert float(volt_watt_fraction(1.08, p_end_fraction=0.2)) == pytest.approx(0.6)


def test_dc_per_kwp_orientation_classes_broadcast() -> None:
    w = load_weather("greensboro_tmy3")
    dc = dc_kw_per_kwp_hourly(w, [0.0, 25.0, 90.0], [180.0, 180.0, 0.0], losses_percent=0.0)
    assert dc.shape == (8760, 3)
    annual = dc.sum(axis=0)
    # South at 25 deg beats flat, which beats a north-facing wall, at 36 N.
    assert annual[1] > annual[0] > annual[2] > 0
    assert np.all(dc[:, 1] < 1.3)
