"""Mean shapes of the customer classes, tabulated over a run in its local time.

Each customer class has a mean shape per interval of the run (plus a margin
either side, so that customers may run early or late):

- G0..G6, L0..L2: the BDEW standard load profiles [1]_ as demandlib ships
  and applies them [2]_: quarter-hour values per season (winter 1.11.-20.3.,
  transition, summer 15.5.-14.9.) and day type (Monday..Sunday; public
  holidays are Sundays), each calendar year normalised to sum 1, as power
  per annual energy [kW per kWh/yr]. The lookup is vectorised here from
  demandlib's own table (``demandlib/bdew/bdew_data/selp_series.csv``) and
  equals ``demandlib.bdew.ElecSlp(year, holidays=...)`` value for value
  (tests); it is several times faster, spans any number of years,
  and leaves the interpreter's warning filters alone (``ElecSlp`` turns
  every warning into an error as a side effect).
- base station: mobile traffic relative to the busy hour [-]
  (:func:`~twin.devices.customers.kernel.traffic_fraction`).
- factory, one row per shift pattern (one to three shifts, with or without
  a Saturday early shift): production level [-], 0 on Sundays, public
  holidays and works holidays
  (:func:`~twin.devices.customers.kernel.shift_window_level`).

The run is cut into sub-steps of ``gcd(interval, 15 min, start offset)`` in
local wall-clock time; values are evaluated per sub-step and averaged onto
the intervals, so the 15-min profiles' energy is conserved for any interval
that divides a day. Wall-clock time means the skipped hour of the spring
DST change is skipped and the repeated autumn hour repeats, as a meter in
local time would see it.

References
----------
.. [1] BDEW / VDEW, "Repräsentative VDEW-Lastprofile" (1999), standard load
   profiles G0-G6, L0-L2, H0.
.. [2] demandlib 0.2 (oemof), ``demandlib.bdew.ElecSlp``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.devices.customers.classes import BDEW_CLASSES
from twin.devices.customers.kernel import shift_window_level, traffic_fraction
from twin.devices.customers.params import CustomerParams
from twin.holiday_calendar import holiday_days, weekday_of

__all__ = [
    "ALWAYS_OPEN",
    "FACTORY_VARIANTS",
    "ROWS",
    "LocalSteps",
    "ShapeTables",
    "bdew_power_per_annual_kwh",
    "bdew_season",
    "holiday_days",
    "local_steps",
    "reference_stats",
]

FACTORY_VARIANTS: Final = ((1, False), (1, True), (2, False), (2, True), (3, False), (3, True))
"""Shift patterns of factories: (shifts on workdays, Saturday early shift)."""

ROWS: Final = (
    *BDEW_CLASSES,
    "base_station",
    *(f"factory_{n}{'_saturday' if s else ''}" for n, s in FACTORY_VARIANTS),
)
"""Rows of a :class:`ShapeTables`: BDEW classes, base station, factory shift patterns."""

ALWAYS_OPEN: Final = frozenset({"G3", "L0", "L1", "L2", "base_station"})
"""Classes that operate around the clock (unless closed for the day)."""

_BASE_STATION_ROW: Final = len(BDEW_CLASSES)
_SEASONS: Final = ("winter", "transition", "summer")


@dataclass(frozen=True)
class LocalSteps:
    """Regular sub-steps of a span, in local wall-clock time.

    Attributes
    ----------
    step_s : int
        Sub-step length [s].
    day : numpy.ndarray
        Local date of each sub-step start, days since 1970-01-01 (int64).
    hour : numpy.ndarray
        Local clock time of each sub-step start [h], 0 <= hour < 24.
    """

    step_s: int
    day: NDArray[np.int64]
    hour: NDArray[np.float64]

    @property
    def slot(self) -> NDArray[np.intp]:
        """Quarter-hour of the local day, 0..95."""
        return np.minimum((self.hour * 4.0).astype(np.intp), 95)


def local_steps(start: pd.Timestamp, timezone: str, step_s: int, n_steps: int) -> LocalSteps:
    """Sub-steps of ``step_s`` from ``start`` (time-zone aware), in local time of ``timezone``."""
    stamps = pd.date_range(
        start.tz_convert("UTC"), periods=n_steps, freq=pd.Timedelta(seconds=step_s)
    )
    wall = stamps.tz_convert(timezone).tz_localize(None).to_numpy().astype("datetime64[s]")
    day = wall.astype("datetime64[D]")
    seconds = (wall - day).astype(np.int64)
    return LocalSteps(step_s, day.astype(np.int64), seconds / 3600.0)


def day_facts(day: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """Weekday (Monday = 0), year, month (1..12) and day of month of dates (days since 1970)."""
    d = day.astype("datetime64[D]")
    month0 = d.astype("datetime64[M]")
    year = month0.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month0.astype(np.int64) % 12 + 1
    dom = (d - month0.astype("datetime64[D]")).astype(np.int64) + 1
    return weekday_of(day), year, month, dom


def bdew_season(month: NDArray[np.int64], day_of_month: NDArray[np.int64]) -> NDArray[np.intp]:
    """BDEW season of dates: 0 winter (1.11.-20.3.), 1 transition, 2 summer (15.5.-14.9.)."""
    mmdd = month * 100 + day_of_month
    winter = (mmdd <= 320) | (mmdd >= 1101)
    summer = (mmdd >= 515) & (mmdd <= 914)
    return np.where(winter, 0, np.where(summer, 2, 1)).astype(np.intp)


@cache
def _bdew_raw() -> NDArray[np.float64]:
    """demandlib's BDEW table as ``(class, season, weekday 0..6, quarter-hour)``."""
    path = files("demandlib.bdew") / "bdew_data" / "selp_series.csv"
    with path.open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle)
    raw = np.empty((len(BDEW_CLASSES), 3, 7, 96), dtype=np.float64)
    for s, season in enumerate(_SEASONS):
        for w in range(7):
            rows = table[(table["period"] == season) & (table["weekday"] == w + 1)]
            if len(rows) != 96:
                raise ValueError(f"{path}: {len(rows)} rows for {season} weekday {w + 1}; 96")
            for c, name in enumerate(BDEW_CLASSES):
                raw[c, s, w] = rows[name.lower()].to_numpy(dtype=np.float64)
    raw.setflags(write=False)
    return raw


def _day_type(weekday: NDArray[np.int64], holiday: NDArray[np.bool_]) -> NDArray[np.intp]:
    return np.where(holiday, 6, weekday).astype(np.intp)


def bdew_power_per_annual_kwh(
    steps: LocalSteps, holidays: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """BDEW profiles of G0..L2 on local sub-steps, as demandlib normalises them.

    Parameters
    ----------
    steps : LocalSteps
        The sub-steps (each within one quarter-hour).
    holidays : numpy.ndarray
        Public holidays (days since 1970) of every year the steps touch.

    Returns
    -------
    mean : numpy.ndarray
        ``(10, n_steps)`` mean power per annual energy [kW per kWh/yr]: the
        quarter-hour's share of its calendar year's energy times 4 /h.
    low, high : numpy.ndarray
        ``(10, n_steps)`` the minimum and maximum of the profile over the
        week of the step's season, in the same unit.
    """
    raw = _bdew_raw()
    weekday, year, month, dom = day_facts(steps.day)
    season = bdew_season(month, dom)
    day_type = _day_type(weekday, np.isin(steps.day, holidays))
    daily = raw.sum(axis=-1)  # (class, season, day type)
    years, which = np.unique(year, return_inverse=True)
    sums = np.empty((len(BDEW_CLASSES), years.size))
    for i, y in enumerate(years.tolist()):
        days = np.arange(
            np.datetime64(f"{y}-01-01"), np.datetime64(f"{y + 1}-01-01"), dtype="datetime64[D]"
        ).astype(np.int64)
        w, _, m, d = day_facts(days)
        sums[:, i] = daily[:, bdew_season(m, d), _day_type(w, np.isin(days, holidays))].sum(axis=1)
    scale = 4.0 / sums[:, which]
    mean = raw[:, season, day_type, steps.slot] * scale
    low = raw.min(axis=(2, 3))[:, season] * scale
    high = raw.max(axis=(2, 3))[:, season] * scale
    return mean, low, high


def _production_days(
    day: NDArray[np.int64], holidays: NDArray[np.int64], christmas: bool
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(workday, Saturday) flags of dates, both False on shutdown days."""
    weekday, _, month, dom = day_facts(day)
    shut = np.isin(day, holidays)
    if christmas:
        shut |= (month == 12) & (dom >= 24)
    return (weekday < 5) & ~shut, (weekday == 5) & ~shut


def factory_levels(
    steps: LocalSteps, holidays: NDArray[np.int64], p: CustomerParams
) -> NDArray[np.float64]:
    """Production level of each factory shift pattern on the sub-steps, ``(6, n_steps)`` [-]."""
    mid_h = steps.hour + 0.5 * steps.step_s / 3600.0
    out = np.zeros((len(FACTORY_VARIANTS), steps.day.size))
    for offset in (-1, 0, 1):  # the shifts of yesterday, today and tomorrow
        d = steps.day + offset
        work, saturday = _production_days(d, holidays, p.factory_christmas_shutdown)
        tau = mid_h - 24.0 * offset - p.factory_start_h
        for v, (n_shifts, on_saturday) in enumerate(FACTORY_VARIANTS):
            n = np.where(work, n_shifts, np.where(saturday & on_saturday, 1, 0))
            out[v] += shift_window_level(
                tau,
                n,
                shift_h=p.factory_shift_h,
                ramp_h=p.factory_ramp_min / 60.0,
                break_h=p.factory_break_min / 60.0,
                break_level=p.factory_break_level,
                handover_level=p.factory_handover_level,
            )
    return np.minimum(out, 1.0)


@dataclass(frozen=True)
class ShapeTables:
    """Mean shape of every row of :data:`ROWS` per column (interval) of a span.

    Attributes
    ----------
    mean : numpy.ndarray
        ``(len(ROWS), n)``: BDEW rows in kW per kWh/yr, the base-station row
        traffic [-], factory rows production level [-].
    closed : numpy.ndarray
        ``(len(ROWS), n)``: the value on a day the customer is closed: the
        season's minimum of a BDEW profile, 0 production, traffic unchanged.
    open : numpy.ndarray
        ``(len(ROWS), n)`` bool: the business operates (see
        :attr:`CustomerParams.open_threshold`).
    day : numpy.ndarray
        Local date of each column's start, days since 1970-01-01.
    """

    mean: NDArray[np.float64]
    closed: NDArray[np.float64]
    open: NDArray[np.bool_]
    day: NDArray[np.int64]

    @classmethod
    def build(
        cls,
        start: pd.Timestamp,
        timezone: str,
        interval_s: int,
        n_columns: int,
        params: CustomerParams,
    ) -> ShapeTables:
        """Tabulate every row over ``n_columns`` intervals of ``interval_s`` from ``start``.

        Parameters
        ----------
        start : pandas.Timestamp
            Time-zone-aware start of the first column.
        timezone : str
            Local time zone of the customers.
        interval_s : int
            Column length [s]; divides a day.
        n_columns : int
            Number of columns, >= 0.
        params : CustomerParams
            Holidays, open threshold and factory shift pattern.
        """
        wall = start.tz_convert(timezone)
        offset_s = (wall.minute * 60 + wall.second) % 900
        step_s = math.gcd(interval_s, 900, offset_s)
        per = interval_s // step_s
        steps = local_steps(start, timezone, step_s, n_columns * per)
        years = np.unique(day_facts(steps.day)[1]).tolist() if steps.day.size else []
        years = sorted({y + o for y in years for o in (-1, 0, 1)})
        holidays = holiday_days(params.country, params.subdivision, years)

        mean, low, high = bdew_power_per_annual_kwh(steps, holidays)
        threshold = low + params.open_threshold * (high - low)
        traffic = traffic_fraction(steps.hour + 0.5 * step_s / 3600.0)[None, :]
        factory = factory_levels(steps, holidays, params)
        rows_mean = np.concatenate([mean, traffic, factory])
        rows_closed = np.concatenate([low, traffic, np.zeros_like(factory)])
        rows_threshold = np.concatenate(
            [threshold, np.zeros_like(traffic), np.full_like(factory, 0.5)]
        )

        def columns(values: NDArray[np.float64]) -> NDArray[np.float64]:
            if per == 1:
                return values
            return values.reshape(values.shape[0], n_columns, per).mean(axis=2)

        mean_c = columns(rows_mean)
        is_open = mean_c >= columns(rows_threshold)
        for r, name in enumerate(ROWS):
            if name in ALWAYS_OPEN:
                is_open[r] = True
        return cls(
            mean=mean_c,
            closed=columns(rows_closed),
            open=is_open,
            day=steps.day[::per],
        )

    @classmethod
    def reference_year(cls, year: int, params: CustomerParams) -> ShapeTables:
        """The rows over calendar ``year`` at 15 min, local clock without DST (as BDEW)."""
        start = pd.Timestamp(f"{year}-01-01", tz="UTC")
        n_days = (np.datetime64(f"{year + 1}-01-01") - np.datetime64(f"{year}-01-01")).astype(int)
        return cls.build(start, "UTC", 900, int(n_days) * 96, params)


_REFERENCE: dict[tuple[object, ...], tuple[NDArray[np.float64], ...]] = {}


def reference_stats(year: int, p: CustomerParams) -> tuple[NDArray[np.float64], ...]:
    """Mean, closed-day mean and peak of every row over calendar ``year`` (cached).

    Each is ``(len(ROWS),)``, in the rows' units (see :class:`ShapeTables`).
    """
    key = (
        year,
        p.country,
        p.subdivision,
        p.open_threshold,
        p.factory_start_h,
        p.factory_shift_h,
        p.factory_ramp_min,
        p.factory_break_min,
        p.factory_break_level,
        p.factory_handover_level,
        p.factory_christmas_shutdown,
    )
    if key not in _REFERENCE:
        ref = ShapeTables.reference_year(year, p)
        _REFERENCE[key] = (ref.mean.mean(axis=1), ref.closed.mean(axis=1), ref.mean.max(axis=1))
    return _REFERENCE[key]
