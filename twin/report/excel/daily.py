"""Energy per id and local day, streamed from a run's interval and register tables.

Interval tables hold tens of millions of rows in a long run; they are read
in record batches and reduced to one row per id and local day as they come,
so memory grows with ids x days, never with intervals. Daily register
freezes give a day's legal energy as the difference of two readings (the
billing way); where a freeze is absent (rejected blocks, the last partial
day) the day falls back to the sum of its interval readings, and the row
says which.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from twin.report.excel.local_time import (
    expected_intervals_per_day,
    freeze_day,
    interval_day,
    month_of,
)
from twin.streams import RunClock, RunDirectory

__all__ = [
    "REGISTER_START_WH",
    "SOURCE_INTERVALS",
    "SOURCE_REGISTERS",
    "daily_energy",
    "intervals_by_day",
    "register_deltas",
    "roll_up",
]

REGISTER_START_WH = 0
"""Register reading of every meter at the run's start [Wh]: the twin's registers start at zero."""

SOURCE_REGISTERS = "registers"
SOURCE_INTERVALS = "intervals"

_COMPACT_ROWS = 2_000_000
"""Partial daily rows kept before they are summed together (bounds memory on long runs)."""

_SUMS = ["import_wh", "export_wh", "received", "missing", "estimated"]

Progress = Callable[[int], object]


def _keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Identifier columns as plain strings or integers (categories differ between batches)."""
    for key in keys:
        if isinstance(frame[key].dtype, pd.CategoricalDtype) or frame[key].dtype == object:
            frame[key] = frame[key].astype(str)
    return frame


class _Sums:
    """Per-group sums accumulated over batches and compacted as they grow."""

    def __init__(self, by: list[str], how: dict[str, str]):
        self.by, self.how = by, how
        self.parts: list[pd.DataFrame] = []
        self.rows = 0

    def add(self, part: pd.DataFrame) -> None:
        self.parts.append(part)
        self.rows += len(part)
        if self.rows > _COMPACT_ROWS and len(self.parts) > 1:
            self.parts = [self.result()]
            self.rows = len(self.parts[0])

    def result(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=[*self.by, *self.how])
        frame = pd.concat(self.parts, ignore_index=True)
        return frame.groupby(self.by, sort=True).agg(self.how).reset_index()


def intervals_by_day(
    run: RunDirectory,
    table: str,
    keys: list[str],
    clock: RunClock,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Interval readings summed per id and local day, with their quality counts.

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``day`` (naive local midnight), ``import_wh``, ``export_wh``
        (sums of the readings that have a value [Wh]), ``received`` (rows),
        ``missing`` and ``estimated`` (rows of that quality).
    """
    sums = _Sums([*keys, "day"], dict.fromkeys(_SUMS, "sum"))
    columns = [*keys, "interval_end", "import_wh", "export_wh", "quality"]
    for batch in run.iter_frames(table, columns):
        quality = batch["quality"].astype(str)
        part = pd.DataFrame(
            {
                **{key: batch[key] for key in keys},
                "day": interval_day(batch["interval_end"], clock.interval_s, clock.timezone),
                "import_wh": batch["import_wh"].fillna(0).astype(np.int64),
                "export_wh": batch["export_wh"].fillna(0).astype(np.int64),
                "received": 1,
                "missing": (quality == "missing").astype(np.int64),
                "estimated": (quality == "estimated").astype(np.int64),
            }
        )
        grouped = part.groupby([*keys, "day"], observed=True, sort=False).sum().reset_index()
        sums.add(_keyed(grouped, keys))
        if progress is not None:
            progress(len(batch))
    return sums.result()


def register_deltas(
    run: RunDirectory, table: str, keys: list[str], clock: RunClock
) -> pd.DataFrame:
    """Energy of each local day from consecutive daily register freezes [Wh].

    A day's energy is its closing freeze minus the previous day's; the
    run's first day starts from :data:`REGISTER_START_WH`. A day whose
    previous freeze is absent has no register energy (it is left out).

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``day``, ``import_wh``, ``export_wh``.
    """
    columns = [*keys, "freeze_time", "import_total_wh", "export_total_wh"]
    parts = [_keyed(frame, keys) for frame in run.iter_frames(table, columns)]
    out_columns = [*keys, "day", "import_wh", "export_wh"]
    if not parts:
        return pd.DataFrame(columns=out_columns)
    freezes = pd.concat(parts, ignore_index=True).dropna(
        subset=["import_total_wh", "export_total_wh"]
    )
    freezes["day"] = freeze_day(freezes["freeze_time"], clock.timezone)
    freezes = freezes.sort_values([*keys, "day"], kind="stable")
    first_day = interval_day(pd.Series([clock.interval_ends[0]]), clock.interval_s, clock.timezone)
    previous = freezes.groupby(keys, sort=False)[["day", "import_total_wh", "export_total_wh"]]
    before = previous.shift(1)
    starts_run = before["day"].isna() & (freezes["day"] == first_day.iloc[0])
    follows = (freezes["day"] - before["day"]) == pd.Timedelta(days=1)
    for column in ("import_total_wh", "export_total_wh"):
        before[column] = before[column].where(~starts_run, REGISTER_START_WH)
    valid = follows | starts_run
    result = freezes.loc[valid, [*keys, "day"]].copy()
    result["import_wh"] = (freezes["import_total_wh"] - before["import_total_wh"])[valid]
    result["export_wh"] = (freezes["export_total_wh"] - before["export_total_wh"])[valid]
    return result.astype({"import_wh": np.int64, "export_wh": np.int64}).reset_index(drop=True)


def daily_energy(
    run: RunDirectory,
    interval_table: str,
    register_table: str | None,
    keys: list[str],
    clock: RunClock,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Energy per id and local day: register differences where they exist, else interval sums.

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``day``, ``import_wh``, ``export_wh``, ``expected``
        (intervals in the day), ``missing`` (expected intervals without a
        value), ``estimated``, ``source`` (:data:`SOURCE_REGISTERS` or
        :data:`SOURCE_INTERVALS`), sorted by day then id.
    """
    by_interval = intervals_by_day(run, interval_table, keys, clock, progress)
    if register_table is not None and run.has(register_table):
        registers = register_deltas(run, register_table, keys, clock)
    else:
        registers = pd.DataFrame(columns=[*keys, "day", "import_wh", "export_wh"])
    merged = by_interval.merge(
        registers.astype({k: by_interval[k].dtype for k in [*keys, "day"]}),
        on=[*keys, "day"],
        how="outer",
        suffixes=("_int", "_reg"),
    )
    from_registers = merged["import_wh_reg"].notna()
    expected = expected_intervals_per_day(clock)
    result = merged[[*keys, "day"]].copy()
    for column in ("import_wh", "export_wh"):
        result[column] = (
            merged[f"{column}_reg"].where(from_registers, merged[f"{column}_int"]).fillna(0)
        ).astype(np.int64)
    result["expected"] = result["day"].map(expected).fillna(0).astype(np.int64)
    with_value = (merged["received"].fillna(0) - merged["missing"].fillna(0)).astype(np.int64)
    result["missing"] = (result["expected"] - with_value).clip(lower=0)
    result["estimated"] = merged["estimated"].fillna(0).astype(np.int64)
    result["source"] = np.where(from_registers, SOURCE_REGISTERS, SOURCE_INTERVALS)
    return result.sort_values(["day", *keys], kind="stable", ignore_index=True)


def roll_up(daily: pd.DataFrame, keys: list[str], period: str) -> pd.DataFrame:
    """Daily rows summed per id and ``period`` (``"month"`` or ``"year"``).

    The period column holds the month's first day, or the year as an
    integer; ``days`` counts the days summed and ``source`` is ``mixed``
    where days of both sources were summed.
    """
    frame = daily.copy()
    frame[period] = month_of(frame["day"]) if period == "month" else frame["day"].dt.year
    sums = {c: "sum" for c in ("import_wh", "export_wh", "expected", "missing", "estimated")}
    grouped = frame.groupby([period, *keys], sort=True, dropna=False)
    result = grouped.agg({"day": "count", **sums}).rename(columns={"day": "days"})
    sources = grouped["source"].first().where(grouped["source"].nunique() == 1, "mixed")
    return result.assign(source=sources).reset_index()
