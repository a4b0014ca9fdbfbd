"""Interval readings as a meters-by-intervals matrix over a window of local days.

The vacancy detectors work on one dense array per study: the import energy of
every meter in every interval of the window [Wh], with ``NaN`` where the
utility has no measured value. A reading whose quality is ``ok`` or
``backfilled`` (read back over SPI from the legal load profile after a comms
gap: a true measurement) is used; ``estimated`` (filled in by the head-end) and
``missing`` readings, and intervals with no row at all, are ``NaN``.
Coarser resolutions are sums of whole groups of intervals; a group with any
``NaN`` is ``NaN``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.streams import RunClock
from twin.studies.inputs import InternalData

__all__ = [
    "MIN_WINDOW_DAYS",
    "QUALITY_USED",
    "MeterSeries",
    "Window",
    "aggregate",
    "epoch_seconds",
    "load_meter_series",
    "local_axis",
    "parse_resolution",
    "resolve_window",
]

QUALITY_USED: Final = ("ok", "backfilled")
"""Reading qualities that count as measured values."""

MIN_WINDOW_DAYS: Final = 7
"""Shortest window a vacancy study accepts [d]."""

_LAST_DAYS = re.compile(r"^(?:last\s*)?(\d+)\s*d$")


def epoch_seconds(column: pd.Series) -> NDArray[np.int64]:
    """Timestamps (any unit, tz-aware or UTC) as int64 seconds since 1970 (UTC)."""
    stamps = pd.to_datetime(column, utc=True)
    delta = stamps - pd.Timestamp(0, tz="UTC")
    return np.asarray(delta // pd.Timedelta(seconds=1), dtype=np.int64)


@dataclass(frozen=True)
class Window:
    """A span of whole local days.

    Attributes
    ----------
    start, end : pandas.Timestamp
        Local midnights (UTC), ``start < end``.
    days : int
        Number of local days.
    label : str
        How the window was chosen, for the metrics.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    days: int
    label: str


def resolve_window(clock: RunClock, window: str | None) -> Window:
    """Turn a window specification into whole local days inside the run.

    Parameters
    ----------
    clock : RunClock
        The run's metering set-up.
    window : str or None
        ``None`` or ``"all"``: every whole local day of the run; ``"90d"``
        (or ``"last 90d"``): the last 90 whole local days; ``"2025-01-06/2025-04-06"``:
        local dates, end exclusive.

    Returns
    -------
    Window

    Raises
    ------
    twin.errors.TwinError
        If the specification cannot be parsed, lies outside the run, or is
        shorter than :data:`MIN_WINDOW_DAYS`.
    """
    zone = clock.timezone
    local_start = clock.start.tz_convert(zone).tz_localize(None)
    first_date = local_start.normalize()
    if first_date < local_start:
        first_date += pd.Timedelta(days=1)
    last_date = clock.end.tz_convert(zone).tz_localize(None).normalize()
    spec = "all" if window is None else str(window).strip().lower()
    if spec == "all":
        start_date, end_date = first_date, last_date
    elif (match := _LAST_DAYS.match(spec)) is not None:
        end_date = last_date
        start_date = last_date - pd.Timedelta(days=int(match[1]))
    elif "/" in spec:
        parts = [_naive_date(part) for part in spec.split("/", 1)]
        if parts[0] is None or parts[1] is None:
            raise TwinError(
                f"window given an invalid value {window!r}; expected local dates such as "
                "'2025-01-06/2025-04-06'"
            )
        start_date, end_date = parts[0], parts[1]
    else:
        raise TwinError(
            f"window given an invalid value {window!r}; expected 'all', a number of last "
            "days such as '90d', or local dates such as '2025-01-06/2025-04-06'"
        )
    days = int((end_date - start_date) / pd.Timedelta(days=1))
    if start_date < first_date or end_date > last_date or days < MIN_WINDOW_DAYS:
        raise TwinError(
            f"window given {window!r}, i.e. {start_date.date()} to {end_date.date()} ({days} d); "
            f"expected at least {MIN_WINDOW_DAYS} whole local days inside the run's "
            f"{first_date.date()} to {last_date.date()}"
        )
    start, end = _midnight(start_date, zone), _midnight(end_date, zone)
    return Window(start.tz_convert("UTC"), end.tz_convert("UTC"), days, spec)


def _naive_date(text: str) -> pd.Timestamp | None:
    """A local calendar date from ``YYYY-MM-DD`` (no time zone), else None."""
    try:
        stamp = pd.Timestamp(text.strip())
    except ValueError:
        return None
    if stamp is pd.NaT or stamp.tzinfo is not None:
        return None
    return stamp.normalize()


def _midnight(date: pd.Timestamp, zone: str) -> pd.Timestamp:
    return date.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")


def parse_resolution(resolution: str | int | None, interval_s: int) -> int:
    """Resolution in seconds: ``None`` for the run's interval, else ``"30min"``, ``"1h"``, 1800.

    Raises
    ------
    twin.errors.TwinError
        If it is not a whole multiple of the run's interval that divides an hour or a day.
    """
    if resolution is None:
        return interval_s
    try:
        seconds = (
            int(resolution)
            if isinstance(resolution, int)
            else int(pd.Timedelta(str(resolution)).total_seconds())
        )
    except ValueError:
        seconds = -1
    if seconds <= 0 or seconds % interval_s or 86_400 % seconds:
        raise TwinError(
            f"resolution given an invalid value {resolution!r}; expected a multiple of the "
            f"run's {interval_s // 60}-min interval that divides a day, such as '30min' or '1h'"
        )
    return seconds


@dataclass(frozen=True)
class MeterSeries:
    """Import energy of every meter in every interval of a window.

    Attributes
    ----------
    meter_id : numpy.ndarray
        Meter identifiers, object ``(n,)``, sorted.
    energy_wh : numpy.ndarray
        ``(n, k)`` float32 interval energy [Wh]; ``NaN`` where not measured.
    interval_s : int
        Interval length [s].
    day : numpy.ndarray
        Local day of each interval (by its start), int64 ``(k,)``, ``0 .. days-1``.
    hour : numpy.ndarray
        Local hour of each interval's start [h], float64 ``(k,)``.
    weekend : numpy.ndarray
        Whether each interval lies on a local Saturday or Sunday, bool ``(k,)``.
    days : int
        Number of local days.
    quality : dict
        Readings in the window by quality, plus ``absent`` (no row at all).
    """

    meter_id: NDArray[np.object_]
    energy_wh: NDArray[np.float32]
    interval_s: int
    day: NDArray[np.int64]
    hour: NDArray[np.float64]
    weekend: NDArray[np.bool_]
    days: int
    quality: dict[str, int]

    @property
    def n(self) -> int:
        """Number of meters."""
        return int(self.meter_id.size)

    @property
    def power_w(self) -> NDArray[np.float32]:
        """Mean power per interval [W], ``NaN`` where not measured."""
        return self.energy_wh * np.float32(3600.0 / self.interval_s)

    def day_bounds(self) -> NDArray[np.int64]:
        """Column offsets of each local day, ``(days + 1,)``."""
        return np.searchsorted(self.day, np.arange(self.days + 1)).astype(np.int64)

    def with_energy(self, energy_wh: NDArray[np.float32]) -> MeterSeries:
        """The same window with other values (e.g. after removing readings)."""
        return replace(self, energy_wh=energy_wh)


def _indices(column: pa.ChunkedArray) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Codes and dictionary of a (dictionary or plain) string column."""
    if pa.types.is_dictionary(column.type):
        column = column.unify_dictionaries()
        if column.num_chunks == 0:
            return np.zeros(0, np.int64), np.zeros(0, object)
        dictionary = np.asarray(column.chunk(0).dictionary.to_pylist(), dtype=object)
        codes = np.concatenate(
            [c.indices.to_numpy(zero_copy_only=False) for c in column.chunks]
        ).astype(np.int64)
        return codes, dictionary
    codes, uniques = pd.factorize(np.asarray(column.to_pylist(), dtype=object))
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


_COLUMNS: Final = ["meter_id", "interval_end", "import_wh", "quality"]
HOUSEHOLD: Final = "household"
"""The customer kind the vacancy study is about (``internal/meter_point.customer_kind``)."""


def _batches(internal: InternalData, window: Window, columns: list[str]) -> Iterator[pa.Table]:
    """``internal/meter_interval`` rows ending inside ``window``, a record batch at a time."""
    field = pc.field("interval_end")
    inside = (field > window.start.to_pydatetime()) & (field <= window.end.to_pydatetime())
    dataset = internal.dataset("internal/meter_interval")
    for batch in dataset.to_batches(columns=columns, filter=inside):
        if batch.num_rows:
            yield pa.Table.from_batches([batch])


def _meters(internal: InternalData, window: Window) -> NDArray[np.object_]:
    """The household meters: those of the meter-point register, or every meter that sent
    a reading where the register does not say the customer kind; sorted."""
    names: set[str] = set()
    if internal.has("internal/meter_point"):
        register = internal.arrow("internal/meter_point")
        known = register.column("meter_id").to_pylist()
        if "customer_kind" in register.column_names:
            kinds = register.column("customer_kind").to_pylist()
            return np.asarray(
                sorted(str(m) for m, k in zip(known, kinds, strict=True) if k == HOUSEHOLD),
                dtype=object,
            )
        names.update(str(m) for m in known)
    for table in _batches(internal, window, ["meter_id"]):
        codes, dictionary = _indices(table.column("meter_id"))
        sent = dictionary[np.bincount(codes, minlength=dictionary.size) > 0]
        names.update(str(m) for m in sent)
    return np.asarray(sorted(names), dtype=object)


def load_meter_series(internal: InternalData, window: Window) -> MeterSeries:
    """Read ``internal/meter_interval`` for ``window`` into a :class:`MeterSeries`.

    Every household meter of ``internal/meter_point`` appears (all ``NaN`` when
    it sent nothing); other customers' and generation meters are left out.
    Without a customer kind in the register, every meter that sent a reading.
    The table is streamed in record batches: memory holds the dense matrix,
    not the long table.

    Raises
    ------
    twin.errors.TwinError
        If the run has no interval readings in the window.
    """
    dt = internal.clock.interval_s
    start_us = window.start.value // 1000
    n_cols = int((window.end - window.start).total_seconds()) // dt
    meters = _meters(internal, window)
    energy = np.full((meters.size, n_cols), np.nan, dtype=np.float32)
    seen = np.zeros((meters.size, n_cols), dtype=bool)
    counts = {q: 0 for q in ("ok", "backfilled", "estimated", "missing")}
    rows_read = 0
    for table in _batches(internal, window, _COLUMNS):
        codes, dictionary = _indices(table.column("meter_id"))
        names = dictionary.astype(str)
        at = np.minimum(np.searchsorted(meters, names), max(meters.size - 1, 0))
        studied = (meters[at] == names)[codes] if meters.size else np.zeros(codes.size, bool)
        row = at[codes]
        end = table.column("interval_end").cast(pa.int64()).to_numpy()
        col = (end - start_us) // (dt * 1_000_000) - 1
        q_codes, q_dict = _indices(table.column("quality"))
        inside = studied & (col >= 0) & (col < n_cols)
        usable = inside & np.isin(q_dict, QUALITY_USED)[q_codes]
        wh = table.column("import_wh").to_numpy()
        energy[row[usable], col[usable]] = wh[usable]
        seen[row[inside], col[inside]] = True
        per_code = np.bincount(q_codes[inside], minlength=q_dict.size)
        for code, name in enumerate(q_dict):
            counts[str(name)] = counts.get(str(name), 0) + int(per_code[code])
        rows_read += int(inside.sum())
    if meters.size == 0 or rows_read == 0:
        raise TwinError(
            "internal/meter_interval has no readings between "
            f"{window.start.isoformat()} and {window.end.isoformat()}"
        )
    counts["absent"] = int(seen.size - np.count_nonzero(seen))
    del seen
    day, hour, weekend = local_axis(window, internal.clock.timezone, dt)
    return MeterSeries(
        meter_id=meters,
        energy_wh=energy,
        interval_s=dt,
        day=day,
        hour=hour,
        weekend=weekend,
        days=window.days,
        quality=counts,
    )


def local_axis(
    window: Window, timezone: str, interval_s: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]:
    """Local day, hour and weekend of every interval of ``window`` (by its start).

    Parameters
    ----------
    window : Window
        Whole local days.
    timezone : str
        The run's time zone.
    interval_s : int
        Interval length [s].

    Returns
    -------
    tuple of numpy.ndarray
        Local day ``0 .. days-1`` (int64), local hour of the start [h]
        (float64) and whether it is a Saturday or Sunday (bool), each ``(k,)``.
    """
    n_cols = int((window.end - window.start).total_seconds()) // interval_s
    starts = pd.date_range(window.start, periods=n_cols, freq=pd.Timedelta(seconds=interval_s))
    local = starts.tz_convert(timezone)
    local_dates = local.tz_localize(None).normalize()
    first = window.start.tz_convert(timezone).tz_localize(None).normalize()
    day = np.asarray((local_dates - first).days, dtype=np.int64)
    hour = np.asarray(local.hour + local.minute / 60.0, dtype=np.float64)
    return day, hour, np.asarray(local.dayofweek >= 5)


def aggregate(series: MeterSeries, resolution_s: int) -> MeterSeries:
    """Sum whole groups of intervals into a coarser resolution.

    Groups start at the window start (a local midnight), so they align with
    the clock. A group with any missing interval is missing.

    Parameters
    ----------
    series : MeterSeries
        Readings at the run's interval.
    resolution_s : int
        Target interval [s], a multiple of ``series.interval_s``.

    Returns
    -------
    MeterSeries
    """
    factor = resolution_s // series.interval_s
    if factor < 1 or resolution_s % series.interval_s:
        raise ValueError(
            f"resolution_s given {resolution_s}; expected a multiple of {series.interval_s}"
        )
    if factor == 1:
        return series
    n, k = series.energy_wh.shape
    keep = k // factor * factor
    energy = series.energy_wh[:, :keep].reshape(n, keep // factor, factor).sum(axis=2)
    return MeterSeries(
        meter_id=series.meter_id,
        energy_wh=energy.astype(np.float32),
        interval_s=resolution_s,
        day=series.day[:keep:factor],
        hour=series.hour[:keep:factor],
        weekend=series.weekend[:keep:factor],
        days=series.days,
        quality=series.quality,
    )
