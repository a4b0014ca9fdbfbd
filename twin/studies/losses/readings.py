"""What the losses study reads from ``internal/``: meter points, areas, interval readings.

Readings are read one window of intervals at a time (a local day), filtered
on ``interval_end`` so that Parquet row groups outside the window are
skipped, and laid out densely as (meter or area) x interval arrays: memory is
bounded by one day of the fleet whatever the run's length.

Quality codes follow IEC 61968-9 ReadingQuality categories: ``ok`` and
``backfilled`` are valid (category 0), ``estimated`` is edited (8),
``missing`` is a data-collection gap (4) [1]_.

References
----------
.. [1] IEC 61968-9:2013, Application integration at electric utilities -
   Part 9: Interfaces for meter reading and control, ReadingQuality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.streams import TIMESTAMP, RunClock
from twin.studies.inputs import InternalData

__all__ = [
    "ABSENT",
    "AREA_TABLE",
    "ESTIMATED",
    "METER_TABLE",
    "MISSING",
    "POINT_TABLE",
    "VALID",
    "MeterRegister",
    "Readings",
    "assessed_areas",
    "read_meter_register",
    "read_window",
]

METER_TABLE: Final = "internal/meter_interval"
AREA_TABLE: Final = "internal/area_meter_interval"
POINT_TABLE: Final = "internal/meter_point"

ABSENT: Final = 0
"""No row for the interval."""
VALID: Final = 1
"""``ok`` or ``backfilled``."""
ESTIMATED: Final = 2
"""``estimated`` by the head-end."""
MISSING: Final = 3
"""``missing`` (or an unknown code)."""

_STATE = {"ok": VALID, "backfilled": VALID, "estimated": ESTIMATED, "missing": MISSING}
GENERATION: Final = "generation"


@dataclass(frozen=True)
class MeterRegister:
    """The meter points of the assessed areas, as ``internal/meter_point`` has them.

    Attributes
    ----------
    meter_ids : pandas.Index
        Every meter of the register (str), in register order.
    area_index : numpy.ndarray
        Index of each meter's area in the study's area order; -1 outside them.
    bus_id : numpy.ndarray
        Bus each meter is connected at.
    customer_kind, customer_class, premise_id : numpy.ndarray
        As registered (``household`` / ``H0`` / the meter id where the run
        has no such column).
    is_generation : numpy.ndarray
        True for generation meters (``customer_kind == "generation"``).
    notes : list of str
        Columns the register lacked, for ``metrics.json``.
    """

    meter_ids: pd.Index
    area_index: NDArray[np.int64]
    bus_id: NDArray[np.int64]
    customer_kind: NDArray[np.object_]
    customer_class: NDArray[np.object_]
    premise_id: NDArray[np.object_]
    is_generation: NDArray[np.bool_]
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.meter_ids)


def assessed_areas(internal: InternalData) -> NDArray[np.int64]:
    """``transformer_id`` of every area with an area check meter, sorted."""
    column = internal.arrow(AREA_TABLE, columns=["transformer_id"]).column(0)
    ids = np.unique(np.asarray(column.drop_null().to_numpy(), dtype=np.int64))
    result: NDArray[np.int64] = ids[ids >= 0]
    return result


_DEFAULTS = {"customer_kind": "household", "customer_class": "H0"}


def read_meter_register(internal: InternalData, area_ids: NDArray[np.int64]) -> MeterRegister:
    """The meter points, with the area index of each meter.

    Parameters
    ----------
    internal : InternalData
        The run's internal tables (``internal/meter_point`` required).
    area_ids : numpy.ndarray
        ``transformer_id`` of the assessed areas, in the study's order.

    Raises
    ------
    twin.errors.TwinError
        If the register is missing or lacks ``meter_id``, ``bus_id`` or
        ``transformer_id``.
    """
    frame = internal.table(POINT_TABLE).drop_duplicates("meter_id", keep="last")
    lacking = [c for c in ("meter_id", "bus_id", "transformer_id") if c not in frame]
    if lacking:
        raise TwinError(
            f"table {POINT_TABLE} lacks column(s) {lacking}; the losses study needs every "
            "meter's bus and LV transformer area"
        )
    notes = []
    columns: dict[str, NDArray[np.object_]] = {}
    for name, default in (*_DEFAULTS.items(), ("premise_id", None)):
        if name in frame:
            columns[name] = frame[name].astype(str).to_numpy(dtype=object)
        else:
            fill = frame["meter_id"].astype(str) if default is None else default
            columns[name] = np.asarray(pd.Series(fill, index=frame.index), dtype=object)
            notes.append(f"{POINT_TABLE} has no {name}: taken as {default or 'the meter id'}")
    transformer = frame["transformer_id"].fillna(-1).to_numpy(dtype=np.int64)
    unmetered = sorted(set(transformer[transformer >= 0].tolist()) - set(area_ids.tolist()))
    if unmetered:
        shown = ", ".join(map(str, unmetered[:20])) + (" ..." if len(unmetered) > 20 else "")
        notes.append(
            f"{len(unmetered)} LV area(s) have meters but no area check meter reading and are "
            f"not assessed: transformer_id {shown}"
        )
    area_index = pd.Index(np.asarray(area_ids, dtype=np.int64)).get_indexer(pd.Index(transformer))
    return MeterRegister(
        meter_ids=pd.Index(frame["meter_id"].astype(str).to_numpy()),
        area_index=np.where(transformer >= 0, area_index, -1).astype(np.int64),
        bus_id=frame["bus_id"].fillna(-1).to_numpy(dtype=np.int64),
        customer_kind=columns["customer_kind"],
        customer_class=columns["customer_class"],
        premise_id=columns["premise_id"],
        is_generation=columns["customer_kind"] == GENERATION,
        notes=notes,
    )


@dataclass(frozen=True)
class Readings:
    """Interval readings of one window laid out as key x interval arrays.

    Attributes
    ----------
    import_wh, export_wh : numpy.ndarray, shape (keys, intervals)
        Interval energy [Wh]; 0 where ``state`` is ``ABSENT`` or ``MISSING``.
    state : numpy.ndarray, shape (keys, intervals)
        int8: ``ABSENT``, ``VALID``, ``ESTIMATED`` or ``MISSING``.
    """

    import_wh: NDArray[np.float64]
    export_wh: NDArray[np.float64]
    state: NDArray[np.int8]

    def part(self, first: int, stop: int) -> Readings:
        """Columns ``first`` to ``stop - 1`` (a day of a window of several days)."""
        return Readings(
            self.import_wh[:, first:stop], self.export_wh[:, first:stop], self.state[:, first:stop]
        )


def _per_value(
    column: pa.ChunkedArray, lookup: Callable[[list[Any]], NDArray], missing: int
) -> NDArray:
    """``lookup`` of each row's value, chunk by chunk through its dictionary.

    Parameters
    ----------
    column : pyarrow.ChunkedArray
        A dictionary-encoded column or a plain one (encoded here).
    lookup : callable
        Maps a chunk's list of distinct values to an array of results.
    missing : int
        The result of a null.
    """
    parts = []
    for chunk in column.chunks:
        array = chunk if pa.types.is_dictionary(chunk.type) else chunk.dictionary_encode()
        codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        values = array.dictionary.to_pylist()
        table = np.append(lookup(values) if values else np.zeros(0, np.int64), missing)
        parts.append(table[codes])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _positions(column: pa.ChunkedArray, keys: pd.Index) -> NDArray[np.int64]:
    """Position of each row's key in ``keys`` (-1 when null or not there)."""

    def lookup(values: list[Any]) -> NDArray:
        return np.asarray(keys.get_indexer(pd.Index(values).astype(keys.dtype)), dtype=np.int64)

    return np.asarray(_per_value(column, lookup, -1), dtype=np.int64)


def _states(column: pa.ChunkedArray) -> NDArray[np.int8]:
    """Reading state of each row from its quality code (unknown codes and nulls are missing)."""

    def lookup(values: list[Any]) -> NDArray:
        return np.array([_STATE.get(str(v), MISSING) for v in values], dtype=np.int8)

    return np.asarray(_per_value(column, lookup, MISSING), dtype=np.int8)


def _energy(column: pa.ChunkedArray) -> NDArray[np.float64]:
    """An energy column as float64, NaN for nulls [Wh]."""
    return (
        np.asarray(column.to_numpy(), dtype=np.float64)
        if column.null_count == 0
        else (np.asarray(column.cast(pa.float64()).fill_null(np.nan).to_numpy(), dtype=np.float64))
    )


def read_window(
    internal: InternalData,
    table: str,
    key: str,
    keys: pd.Index,
    clock: RunClock,
    first: int,
    stop: int,
) -> Readings:
    """Readings of intervals ``first`` to ``stop - 1`` of ``table``, one row per key.

    Parameters
    ----------
    internal : InternalData
        The run's internal tables.
    table : str
        ``internal/meter_interval`` or ``internal/area_meter_interval``.
    key : str
        The column naming the row (``meter_id`` or ``transformer_id``).
    keys : pandas.Index
        The keys kept, in output row order; other rows are ignored.
    clock : RunClock
        The run's interval grid.
    first, stop : int
        Interval indices of the window (``stop`` excluded).

    Returns
    -------
    Readings
        A duplicated (key, interval) keeps its last row.
    """
    n = stop - first
    shape = (len(keys), n)
    out = Readings(np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int8))
    if n <= 0 or not len(keys):
        return out
    ends = clock.interval_ends
    stamp = ds.field("interval_end")
    window = (stamp >= pa.scalar(ends[first], type=TIMESTAMP)) & (
        stamp <= pa.scalar(ends[stop - 1], type=TIMESTAMP)
    )
    columns = [key, "interval_end", "import_wh", "export_wh", "quality"]
    read = internal.arrow(table, columns=columns, filter=window)
    if read.num_rows == 0:
        return out
    stamps = read.column("interval_end").cast(pa.int64()).to_numpy()
    k = (stamps - clock.start_us) // clock.interval_us - 1 - first
    pos = _positions(read.column(key), keys)
    keep = (pos >= 0) & (k >= 0) & (k < n)
    pos, k = pos[keep], k[keep]
    state = _states(read.column("quality"))[keep]
    counted = state != MISSING
    for name, target in (("import_wh", out.import_wh), ("export_wh", out.export_wh)):
        values = _energy(read.column(name))[keep]
        target[pos, k] = np.where(counted & np.isfinite(values), values, 0.0)
    out.state[pos, k] = state
    return out
