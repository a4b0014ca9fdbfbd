"""Typical-year weather shipped inside installed packages, mapped onto a run.

Two families of files work offline because they are bundled with packages
the twin already depends on:

- ``greensboro_tmy3`` and ``sand_point_tmy3``: the NSRDB TMY3 files that pvlib
  ships for its examples and tests (``pvlib/data/723170TYA.CSV``, Greensboro
  NC, USA; ``pvlib/data/703165TY.csv``, Sand Point AK, USA) [1]_. Hourly GHI,
  DNI, DHI, air temperature and wind speed; local standard time UTC-5 / UTC-9.
- ``dwd_try2010_01`` .. ``dwd_try2010_15``: the German Weather Service (DWD)
  test reference years 2010 for the 15 climate regions that demandlib ships
  (``demandlib/vdi/resources_weather/TRY2010_NN_Jahr.dat``) [2]_. Hourly
  direct and diffuse horizontal irradiance, air temperature and wind speed
  at the region's representative station (region 4: Potsdam, 12: Mannheim);
  time MEZ (UTC+1). DNI is derived here as direct horizontal / cos(zenith).

A typical year is one non-leap year of 8,760 hours: row ``i`` holds the mean
over the local-standard-time hour ``[i, i + 1)`` (files label it by its end).
A run of any year and any interval that divides a day is mapped onto it by
month-day-hour of the weather station's local standard time (29 February
repeats 28 February); :func:`average_hourly` takes the exact time-weighted
mean of the hourly values over each interval, so energy is conserved for
sub-hourly and multi-hour intervals alike.

References
----------
.. [1] Wilcox, S., Marion, W. (2008), "Users Manual for TMY3 Data Sets",
   NREL/TP-581-43156; Holmgren, Hansen, Mikofski (2018), "pvlib python: a
   python package for modeling solar energy systems", JOSS 3(29), 884.
.. [2] Deutscher Wetterdienst / BBSR (2011), "Aktualisierte und erweiterte
   Testreferenzjahre (TRY) von Deutschland für mittlere und extreme
   Witterungsverhältnisse", via demandlib 0.2 (oemof).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import TimeAxis

__all__ = ["HOURS_PER_YEAR", "WEATHER_SOURCES", "Weather", "average_hourly", "load_weather"]

HOURS_PER_YEAR: Final = 8760
_TMY3: Final = {"greensboro_tmy3": "723170TYA.CSV", "sand_point_tmy3": "703165TY.csv"}
_TRY: Final = {f"dwd_try2010_{r:02d}": r for r in range(1, 16)}
WEATHER_SOURCES: Final = (*_TMY3, *_TRY)
"""Names accepted by :func:`load_weather`."""

_CUM_DAYS: Final = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])


@dataclass(frozen=True)
class Weather:
    """One typical year of hourly weather at a site.

    Attributes
    ----------
    name : str
        Source name, one of :data:`WEATHER_SOURCES`.
    latitude_deg, longitude_deg : float
        Site position [deg], north and east positive.
    altitude_m : float
        Site altitude [m].
    utc_offset_h : float
        Offset of the file's local standard time from UTC [h].
    ghi_w_m2, dni_w_m2, dhi_w_m2 : numpy.ndarray
        Global horizontal, direct normal and diffuse horizontal irradiance
        [W/m^2], shape ``(8760,)``, hour-mean values.
    temp_air_c : numpy.ndarray
        Air temperature [degC], shape ``(8760,)``.
    wind_speed_m_s : numpy.ndarray
        Wind speed at 10 m [m/s], shape ``(8760,)``.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    utc_offset_h: float
    ghi_w_m2: NDArray[np.float64]
    dni_w_m2: NDArray[np.float64]
    dhi_w_m2: NDArray[np.float64]
    temp_air_c: NDArray[np.float64]
    wind_speed_m_s: NDArray[np.float64]

    @property
    def hour_midpoints(self) -> pd.DatetimeIndex:
        """Middle of every weather hour, in the file's local standard time (year 2001)."""
        tz = f"Etc/GMT{-int(self.utc_offset_h):+d}" if self.utc_offset_h else "UTC"
        start = pd.Timestamp("2001-01-01 00:30").tz_localize(tz)
        return pd.date_range(start, periods=HOURS_PER_YEAR, freq="h")


@cache
def load_weather(name: str) -> Weather:
    """Read a bundled typical-year weather file by name.

    Parameters
    ----------
    name : str
        One of :data:`WEATHER_SOURCES`.

    Returns
    -------
    Weather

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    """
    if name in _TMY3:
        return _read_tmy3(name)
    if name in _TRY:
        return _read_dwd_try(name, _TRY[name])
    raise ValueError(
        f"weather given an invalid value {name!r}; expected one of {set(WEATHER_SOURCES)}"
    )


def _read_tmy3(name: str) -> Weather:
    from pvlib.iotools import read_tmy3  # type: ignore[import-untyped]

    path = files("pvlib") / "data" / _TMY3[name]
    data, meta = read_tmy3(str(path), map_variables=True)
    col = {c: data[c].to_numpy(dtype=np.float64) for c in ("ghi", "dni", "dhi")}
    return Weather(
        name=name,
        latitude_deg=float(meta["latitude"]),
        longitude_deg=float(meta["longitude"]),
        altitude_m=float(meta["altitude"]),
        utc_offset_h=float(meta["TZ"]),
        ghi_w_m2=col["ghi"],
        dni_w_m2=col["dni"],
        dhi_w_m2=col["dhi"],
        temp_air_c=data["temp_air"].to_numpy(dtype=np.float64),
        wind_speed_m_s=data["wind_speed"].to_numpy(dtype=np.float64),
    )


def _dms(text: str) -> float:
    deg, minutes = re.findall(r"(\d+)[^\d\s]+(\d+)'", text)[0]
    return int(deg) + int(minutes) / 60.0


def _read_dwd_try(name: str, region: int) -> Weather:
    import pvlib  # type: ignore[import-untyped]

    path = files("demandlib") / "vdi" / "resources_weather" / f"TRY2010_{region:02d}_Jahr.dat"
    text = path.read_text(encoding="latin-1")
    lage = next(line for line in text.splitlines() if line.startswith("Lage"))
    lat_txt, lon_txt = lage.split("<-")[:2]
    altitude = float(re.findall(r"(\d+)\s*Meter", lage)[0])
    body = text.split("***", 1)[1].split("\n", 1)[1]
    rows = np.array([line.split() for line in body.splitlines() if line.strip()], dtype=float)
    if rows.shape[0] != HOURS_PER_YEAR:
        raise ValueError(f"{path} has {rows.shape[0]} hourly rows; expected {HOURS_PER_YEAR}")
    direct_h, dhi = rows[:, 13], rows[:, 14]
    weather = Weather(
        name=name,
        latitude_deg=_dms(lat_txt),
        longitude_deg=_dms(lon_txt),
        altitude_m=altitude,
        utc_offset_h=1.0,
        ghi_w_m2=direct_h + dhi,
        dni_w_m2=np.zeros(HOURS_PER_YEAR),
        dhi_w_m2=dhi,
        temp_air_c=rows[:, 8],
        wind_speed_m_s=rows[:, 7],
    )
    pos = pvlib.solarposition.get_solarposition(
        weather.hour_midpoints, weather.latitude_deg, weather.longitude_deg, weather.altitude_m
    )
    cos_z = np.cos(np.radians(pos["apparent_zenith"].to_numpy()))
    # Direct normal from direct horizontal; below ~5 deg elevation the ratio blows up.
    dni = np.where(cos_z > 0.087, direct_h / np.maximum(cos_z, 0.087), 0.0)
    object.__setattr__(weather, "dni_w_m2", np.minimum(dni, 1100.0))
    return weather


def _position_h(axis: TimeAxis, utc_offset_h: float) -> tuple[NDArray[np.float64], float]:
    """Start of every interval in hours of the weather's non-leap year, and its length [h]."""
    starts = pd.date_range(
        axis.start.tz_convert("UTC"),
        periods=axis.n_intervals,
        freq=pd.Timedelta(seconds=axis.interval_s),
    ) + pd.Timedelta(hours=utc_offset_h)
    month = starts.month.to_numpy()
    day = np.where((month == 2) & (starts.day.to_numpy() == 29), 28, starts.day.to_numpy())
    doy0 = _CUM_DAYS[month - 1] + day - 1
    hours = (
        starts.hour.to_numpy() + starts.minute.to_numpy() / 60.0 + starts.second.to_numpy() / 3600.0
    )
    return (doy0 * 24 + hours).astype(np.float64), axis.interval_s / 3600.0


def average_hourly(
    hourly: NDArray[np.floating], axis: TimeAxis, utc_offset_h: float
) -> NDArray[np.float64]:
    """Time-weighted mean of hourly typical-year values over every interval of a run.

    Parameters
    ----------
    hourly : numpy.ndarray
        Values of shape ``(8760, ...)``: row ``i`` is the mean over the local
        standard-time hour ``[i, i + 1)`` of a non-leap year.
    axis : TimeAxis
        The run's interval grid (any year; the interval divides a day).
    utc_offset_h : float
        The weather's local standard time offset from UTC [h].

    Returns
    -------
    numpy.ndarray
        Shape ``(axis.n_intervals, ...)``, float64: the exact mean of the
        piecewise-constant hourly series over each interval (wrapping from
        31 December to 1 January).
    """
    values = np.asarray(hourly, dtype=np.float64)
    if values.shape[0] != HOURS_PER_YEAR:
        raise ValueError(f"hourly given {values.shape[0]} rows; expected {HOURS_PER_YEAR}")
    start_h, dt_h = _position_h(axis, utc_offset_h)
    twice = np.concatenate([values, values])
    cum = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(twice, axis=0)])

    def integral(x: NDArray[np.float64]) -> NDArray[np.float64]:
        whole = np.floor(x).astype(np.intp)
        frac = (x - whole).reshape(-1, *([1] * (values.ndim - 1)))
        return cum[whole] + frac * twice[np.minimum(whole, 2 * HOURS_PER_YEAR - 1)]

    return (integral(start_h + dt_h) - integral(start_h)) / dt_h
