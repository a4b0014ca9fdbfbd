"""Lighting circuits: switching against pvlib's sunset and sunrise, dimming, day-burners."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest

from twin.clock import TimeAxis
from twin.devices.lighting import FailureParams, LightingFleet, StreetlightParams
from twin.devices.lighting.kernel import elevation_for_lux, lit_fraction
from twin.devices.lighting.params import DimmingWindow
from twin.members import Members

SITES = [(52.0, 13.0, "Europe/Berlin"), (30.0, 31.0, "Africa/Cairo")]
SEASONS = ["2025-06-18", "2025-12-18"]
NO_FAILURES = FailureParams(burn_out=0.0, day_burner=0.0, cycling=0.0)


def _axis(day: str, tz: str, days: int = 3, interval_s: int = 900) -> TimeAxis:
    return TimeAxis(
        start=pd.Timestamp(day).tz_localize(tz),
        interval_s=interval_s,
        n_intervals=days * 86_400 // interval_s,
        timezone=tz,
    )


def _fleet(axis: TimeAxis, lat: float, lon: float, n: int = 8, **kw: object) -> LightingFleet:
    params = StreetlightParams(**{"failures": NO_FAILURES, **kw})  # type: ignore[arg-type]
    return LightingFleet.create(
        axis=axis,
        lamps=np.full(n, 10, dtype=np.int64),
        kind=np.zeros(n, dtype=np.int8),
        rated_w=np.full(n, 50.0),
        params=params,
        latitude_deg=lat,
        longitude_deg=lon,
        rng=np.random.default_rng(3),
        members=Members.all(n),
    )


def _switch_times(fleet: LightingFleet, axis: TimeAxis) -> tuple[pd.Series, pd.Series]:
    """Switch-on and switch-off instants of circuit 0 inside the run (UTC)."""
    n = fleet.nights
    t0 = axis.start.tz_convert("UTC")
    on = [t0 + pd.Timedelta(seconds=s) for s in n.start_s[0] if 0 < s < axis.duration_s]
    off = [t0 + pd.Timedelta(seconds=s) for s in n.end_s[0] if 0 < s < axis.duration_s]
    return pd.Series(on), pd.Series(off)


def _pvlib_sun(day: str, tz: str, lat: float, lon: float) -> pd.DataFrame:
    days = pd.date_range(day, periods=5, freq="D", tz=tz)
    return pvlib.solarposition.sun_rise_set_transit_spa(days, lat, lon)


def _nearest(t: pd.Timestamp, candidates: pd.Series) -> pd.Timestamp:
    utc = pd.to_datetime(candidates).dt.tz_convert("UTC")
    return utc.iloc[int(np.argmin(np.abs((utc - t).dt.total_seconds())))]


@pytest.mark.parametrize(("lat", "lon", "tz"), SITES)
@pytest.mark.parametrize("day", SEASONS)
def test_astronomical_clock_switches_at_pvlib_sunset_and_sunrise(
    lat: float, lon: float, tz: str, day: str
) -> None:
    axis = _axis(day, tz)
    fleet = _fleet(axis, lat, lon, control="astronomical")
    on, off = _switch_times(fleet, axis)
    sun = _pvlib_sun(day, tz, lat, lon)
    assert len(on) >= 2 and len(off) >= 2
    for t in on:
        assert abs((t - _nearest(t, sun["sunset"])).total_seconds()) < 60
    for t in off:
        assert abs((t - _nearest(t, sun["sunrise"])).total_seconds()) < 60


@pytest.mark.parametrize(("lat", "lon", "tz"), SITES)
@pytest.mark.parametrize("day", SEASONS)
def test_photocell_switches_on_within_its_tolerance_after_sunset(
    lat: float, lon: float, tz: str, day: str
) -> None:
    """On after pvlib's sunset and before the sun reaches the elevation of the
    photocell's threshold at three standard deviations of its noise (darker)."""
    sigma, lux_on = 0.2, 50.0
    axis = _axis(day, tz)
    fleet = _fleet(axis, lat, lon, control="photocell", photocell_noise=sigma)
    on, _ = _switch_times(fleet, axis)
    sun = _pvlib_sun(day, tz, lat, lon)
    lowest = float(elevation_for_lux(lux_on * np.exp(-6 * sigma)))  # calibration + night noise
    for t in on:
        sunset = _nearest(t, sun["sunset"])
        fine = pd.date_range(sunset, sunset + pd.Timedelta("3h"), freq="10s")
        elev = pvlib.solarposition.get_solarposition(fine, lat, lon)["apparent_elevation"]
        latest = fine[int(np.argmax(elev.to_numpy() < lowest))]
        assert sunset <= t <= latest


def test_dimming_halves_the_power_in_its_window() -> None:
    axis = _axis("2025-12-18", "Europe/Berlin")
    fleet = _fleet(
        axis,
        52.0,
        13.0,
        control="astronomical",
        dimming=(DimmingWindow(0.0, 5.0, 0.5),),
    )
    p = np.array([fleet.step(k)[0] for k in range(axis.n_intervals)])
    hour = axis.local_hour
    late, night = (hour >= 1) & (hour < 4), (hour >= 20) & (hour < 23)
    assert np.allclose(p[late], 0.5 * p[night].max())
    assert np.allclose(p[night], 10 * 50.0)


def test_a_day_burner_draws_in_daylight() -> None:
    axis = _axis("2025-06-18", "Europe/Berlin", days=20)
    params = StreetlightParams(
        control="astronomical",
        failures=FailureParams(burn_out=0.0, day_burner=20.0, cycling=0.0, repair_days=(30, 30)),
    )
    fleet = LightingFleet.create(
        axis=axis,
        lamps=np.full(4, 10, dtype=np.int64),
        kind=np.zeros(4, dtype=np.int8),
        rated_w=np.full(4, 50.0),
        params=params,
        latitude_deg=52.0,
        longitude_deg=13.0,
        rng=np.random.default_rng(1),
        members=Members.all(4),
    )
    noon = np.flatnonzero(axis.local_hour == 13.0)
    p = np.array([fleet.step(k)[0] for k in range(axis.n_intervals)])
    f = fleet.failures
    assert f.circuit.size > 0
    k = noon[-1]
    active = (f.start_k <= k) & (k < f.end_k)
    expected = np.bincount(f.circuit[active], minlength=4) * 50.0
    assert np.allclose(p[k], expected) and expected.sum() > 0


def test_lit_fraction_is_a_share_of_the_interval() -> None:
    axis = _axis("2025-03-18", "Europe/Berlin")
    fleet = _fleet(axis, 52.0, 13.0, control="photocell")
    dt = axis.interval_s
    f = np.array(
        [lit_fraction(fleet.nights, k * dt, (k + 1) * dt) for k in range(axis.n_intervals)]
    )
    assert ((f >= 0) & (f <= 1)).all()
    # about half of an equinox day is dark (twilight switching makes it a little less)
    assert 0.4 < f.mean() < 0.55
