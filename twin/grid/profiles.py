"""SimBench relative profiles, kept small: only the columns a network uses.

SimBench ships one year (2016, a leap year) of relative profiles at 15 min,
35,136 rows [1]_. An element's absolute power is its rated ``p_mw`` (or
``q_mvar``) times the value of its profile column (``<profile>_pload`` and
``<profile>_qload`` for loads, ``<profile>`` for static generators), and an
element without a profile keeps its rated value, exactly as
``simbench.get_absolute_values`` computes it. That function materialises every
element for every row (about 10 GB for 1-MVLV-urban-all), so this module keeps
only the distinct profile columns as one float32 array and indexes it per
interval.

References
----------
.. [1] S. Meinecke et al., "SimBench - A Benchmark Dataset of Electric Power
   Systems to Compare Innovative Solutions based on Power Flow Analysis",
   Energies 13(12), 3290, 2020. https://doi.org/10.3390/en13123290
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandapower.auxiliary import pandapowerNet

from twin.clock import SECONDS_PER_DAY
from twin.grid.catalog import NetworkError
from twin.holiday_calendar import day_kinds, holiday_days

__all__ = [
    "PROFILE_COUNTRY",
    "PROFILE_STEP_S",
    "PROFILE_YEAR",
    "ProfileTable",
    "profile_day_of_year",
    "profile_rows",
    "read_profiles",
]

PROFILE_STEP_S = 900
"""Step of the SimBench profiles [s]."""

PROFILE_YEAR = 2016
"""Calendar year of the SimBench profiles (a leap year: 366 days, 35,136 rows)."""

PROFILE_COUNTRY = "DE"
"""Country whose public holidays shape the SimBench profile year (German data [1]_)."""


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """The relative profiles one network needs, as a float32 array.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_rows, n_columns + 1)`` float32 relative values [-]; the last
        column is all ones and stands for "no profile" (constant rated power).
    columns : tuple of str
        Profile column names, one per column of ``values`` except the last.
    load_p_column, load_q_column : numpy.ndarray
        Column of ``values`` for each ``net.load`` row (-1: the ones column).
    sgen_p_column : numpy.ndarray
        Column of ``values`` for each ``net.sgen`` row (-1: the ones column).
    step_s : int
        Profile step [s].
    """

    values: np.ndarray
    columns: tuple[str, ...]
    load_p_column: np.ndarray
    load_q_column: np.ndarray
    sgen_p_column: np.ndarray
    step_s: int = PROFILE_STEP_S

    @property
    def n_rows(self) -> int:
        """Number of profile rows (35,136 for SimBench)."""
        return int(self.values.shape[0])

    def factors(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted mean of the profile rows ``rows``, per column [-].

        Parameters
        ----------
        rows : numpy.ndarray
            Profile row numbers.
        weights : numpy.ndarray
            Weights of those rows, summing to 1.

        Returns
        -------
        numpy.ndarray
            float64, length ``n_columns + 1``; the last entry is exactly 1.
        """
        out = np.asarray(
            np.asarray(weights, dtype=np.float64) @ self.values[rows].astype(np.float64),
            dtype=np.float64,
        )
        out[-1] = 1.0
        return out

    def column_sums(self) -> np.ndarray:
        """Sum over all rows of each column [-] (float64, ones column included)."""
        return np.asarray(self.values.sum(axis=0, dtype=np.float64), dtype=np.float64)


def profile_rows(
    day_of_year: int,
    second_of_day: int,
    dt_s: int,
    *,
    n_rows: int,
    step_s: int = PROFILE_STEP_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Profile rows an interval covers and the share of the interval in each.

    The interval starts at local ``day_of_year`` and ``second_of_day`` and lasts
    ``dt_s``; profile row ``r`` covers seconds ``[r * step_s, (r + 1) * step_s)``
    of the profile year. An interval of one step or a divisor of it falls in a
    single row (weight 1); a longer one averages the rows it covers, each
    weighted by its overlap. Rows wrap around the profile year (modulo
    ``n_rows``), so day 366 of a leap year and runs past the end of the year
    stay in range.

    Parameters
    ----------
    day_of_year : int
        Local day of year of the interval start, 1..366.
    second_of_day : int
        Local second of day of the interval start [s], 0..86,399.
    dt_s : int
        Interval length [s], > 0.
    n_rows : int
        Number of profile rows.
    step_s : int, optional
        Profile step [s], 900 for SimBench.

    Returns
    -------
    rows : numpy.ndarray
        int64 profile rows.
    weights : numpy.ndarray
        float64 weights [-], summing to 1.
    """
    if dt_s <= 0:
        raise ValueError(f"dt_s given {dt_s}; expected a positive interval length [s]")
    start = (int(day_of_year) - 1) * SECONDS_PER_DAY + int(second_of_day)
    end = start + int(dt_s)
    first, last = start // step_s, (end - 1) // step_s
    k = np.arange(first, last + 1, dtype=np.int64)
    overlap = np.minimum((k + 1) * step_s, end) - np.maximum(k * step_s, start)
    return k % n_rows, overlap / float(dt_s)


def profile_day_of_year(day: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Day of the profile year that stands for each run date: same day kind, nearest date.

    A run date is matched to the date of :data:`PROFILE_YEAR` with the same
    day kind (weekday, with public holidays as Sundays, see
    :func:`twin.holiday_calendar.day_kinds`) whose day of year is nearest,
    counted around the year (ties go to the earlier date). A Monday thus reads
    a Monday of the same season, and a public holiday of the run a Sunday or
    holiday of the profile year; the profile year's own holidays are those of
    :data:`PROFILE_COUNTRY`, nationwide.

    Parameters
    ----------
    day : numpy.ndarray
        Local run dates, days since 1970-01-01 (int64).
    holidays : numpy.ndarray
        Public holidays of the run's site, days since 1970-01-01.

    Returns
    -------
    numpy.ndarray
        int64 day of the profile year, 1..366, one per entry of ``day``.
    """
    day = np.asarray(day, dtype=np.int64)
    dates = day.astype("datetime64[D]")
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    run_doy = (dates - year_start).astype(np.int64)  # 0-based
    kind = day_kinds(day, holidays)
    first = int(np.datetime64(f"{PROFILE_YEAR}-01-01", "D").astype(np.int64))
    profile_days = first + np.arange(366, dtype=np.int64)
    profile_kind = day_kinds(profile_days, holiday_days(PROFILE_COUNTRY, None, [PROFILE_YEAR]))
    # circular distance from every run day of year to every profile day, per kind
    gap = np.abs(run_doy[:, None] - np.arange(366)[None, :])
    gap = np.minimum(gap, 366 - gap)
    gap = np.where(profile_kind[None, :] == kind[:, None], gap, 10_000)
    return np.asarray(np.argmin(gap, axis=1) + 1, dtype=np.int64)


def _as_float32(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    if not names:
        return np.empty((len(frame), 0), dtype=np.float32)
    return np.asarray(frame[names].apply(pd.to_numeric, errors="coerce"), dtype=np.float32)


def _columns_for(
    assigned: pd.Series, suffix: str, available: pd.Index, element: str
) -> tuple[np.ndarray, list[str]]:
    """Per element: the needed column name or None; missing names raise."""
    names = [None if pd.isna(p) or p == "" else f"{p}{suffix}" for p in assigned]
    missing = sorted({n for n in names if n is not None and n not in available})
    if missing:
        raise NetworkError(
            f"the network's {element} table names profiles that its profile data lack: "
            f"{missing[:5]}; expected every 'profile' to have a column in net.profiles"
        )
    unique = sorted({n for n in names if n is not None})
    return np.array([n if n is not None else "" for n in names], dtype=object), unique


def read_profiles(net: pandapowerNet) -> ProfileTable | None:
    """Extract the profile columns a SimBench-style network uses.

    Parameters
    ----------
    net : pandapowerNet
        A network with ``net.profiles`` (a dict of DataFrames keyed ``"load"``,
        ``"renewables"``, ``"powerplants"``) and a ``profile`` column in
        ``net.load`` and/or ``net.sgen``, as SimBench builds it.

    Returns
    -------
    ProfileTable or None
        None when the network carries no load profiles.

    Raises
    ------
    NetworkError
        An element names a profile that the profile data lack.
    """
    profiles = net.get("profiles") if hasattr(net, "get") else None
    if not isinstance(profiles, dict):
        return None
    load_frame = profiles.get("load")
    if not isinstance(load_frame, pd.DataFrame) or len(load_frame) == 0:
        return None
    if "profile" not in net.load.columns:
        return None
    n_rows = len(load_frame)
    gen_frames = [
        f
        for key in ("renewables", "powerplants")
        if isinstance(f := profiles.get(key), pd.DataFrame) and len(f) == n_rows
    ]
    gen_frame = (
        pd.concat(gen_frames, axis=1) if gen_frames else pd.DataFrame(index=load_frame.index)
    )
    gen_frame = gen_frame.loc[:, ~gen_frame.columns.duplicated()]

    lp, lp_unique = _columns_for(net.load["profile"], "_pload", load_frame.columns, "load")
    lq, lq_unique = _columns_for(net.load["profile"], "_qload", load_frame.columns, "load")
    if "profile" in net.sgen.columns and len(net.sgen):
        sp, sp_unique = _columns_for(net.sgen["profile"], "", gen_frame.columns, "sgen")
    else:
        sp, sp_unique = np.array([""] * len(net.sgen), dtype=object), []

    load_names = sorted(set(lp_unique) | set(lq_unique))
    sgen_names = [n for n in sp_unique if n not in load_names]
    columns = load_names + sgen_names
    values = np.empty((n_rows, len(columns) + 1), dtype=np.float32)
    values[:, : len(load_names)] = _as_float32(load_frame, load_names)
    values[:, len(load_names) : len(columns)] = _as_float32(gen_frame, sgen_names)
    values[:, -1] = 1.0
    if not np.isfinite(values).all():
        raise NetworkError("the network's profile data hold NaN or infinite values")
    values.setflags(write=False)

    position = {name: i for i, name in enumerate(columns)}

    def index(names: np.ndarray) -> np.ndarray:
        out = np.array([position.get(n, -1) for n in names], dtype=np.int64)
        out.setflags(write=False)
        return out

    return ProfileTable(
        values=values,
        columns=tuple(columns),
        load_p_column=index(lp),
        load_q_column=index(lq),
        sgen_p_column=index(sp),
    )
