"""Read a finished run directory: the one way studies, the report and sweeps read a run.

:func:`open_run` checks that a folder is a finished run and returns a
:class:`RunDirectory`: its manifest, its clock (:class:`~twin.streams.run_clock.RunClock`),
its tables as pandas (nullable integers, parts of a sharded run in
time-then-id order), as pyarrow or streamed in batches, and the outputs of
the studies that have run on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.streams.json_files import read_json
from twin.streams.run_clock import RunClock, read_run_clock

__all__ = ["BATCH_ROWS", "MANIFEST", "RunDirectory", "is_finished_run", "open_run"]

MANIFEST = "manifest.json"
"""The file a finished run directory holds, written last."""

BATCH_ROWS = 1_000_000
"""Rows per record batch when a large table is streamed."""

_STAMPED = ("truth/power_flow", "internal/transformer_interval", "internal/bus_voltage")
"""Tables whose ``interval_end`` stamps tell the grid of a run without a summary."""


class RunDirectory:
    """A finished run on disk.

    Parameters
    ----------
    path : pathlib.Path
        The run directory (holds ``manifest.json``).
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The run's manifest (scenario, seed, versions, timings, row counts, summary).

        Raises
        ------
        TwinError
            If ``manifest.json`` cannot be read or is not a JSON object.
        """
        return read_json(self.path / MANIFEST)

    @cached_property
    def clock(self) -> RunClock:
        """The run's interval grid: interval [s], time zone, start (UTC), number of intervals.

        From the manifest's scenario and summary; a hand-made run without
        them is measured on its ``interval_end`` stamps.

        Raises
        ------
        TwinError
            If the manifest has no readable start, or the interval cannot be told.
        """
        return read_run_clock(self.manifest, self._interval_ends_us, where=str(self.path))

    def _interval_ends_us(self) -> NDArray[np.int64]:
        """Distinct interval ends of the first table that has them, sorted [µs]."""
        for name in _STAMPED:
            if self.has(name):
                stamps = self.dataset(name).to_table(columns=["interval_end"]).column(0)
                return np.unique(stamps.to_numpy().astype("datetime64[us]").astype(np.int64))
        return np.zeros(0, dtype=np.int64)

    @property
    def tables(self) -> list[str]:
        """Names of the tables present, such as ``internal/meter_interval``."""
        return sorted(
            str(p.relative_to(self.path).with_suffix("")).replace("\\", "/")
            for p in self.path.glob("*/*.parquet")
        )

    def has(self, name: str) -> bool:
        """Whether table ``name`` (``internal/bus_voltage``) is present."""
        return (self.path / f"{name}.parquet").exists()

    def require(self, names: list[str], *, purpose: str) -> None:
        """Raise :class:`TwinError` naming every table of ``names`` the run lacks.

        Parameters
        ----------
        names : list of str
            Tables needed, such as ``["internal/bus_voltage"]``.
        purpose : str
            What needs them (``"the power-quality study"``), for the message.
        """
        missing = [name for name in names if not self.has(name)]
        if missing:
            hint = ""
            if "internal/bus_voltage" in missing:
                hint = " (run the scenario with outputs.bus_voltage: all or lv)"
                if self.has("internal/bus_voltage_daily"):
                    hint = (
                        " (the run has only the buses' daily extremes, "
                        "outputs.bus_voltage: daily_extremes; it needs every interval: "
                        "run the scenario with outputs.bus_voltage: all or lv)"
                    )
            elif "internal/line_interval" in missing:
                hint = " (run the scenario with outputs.line_loading: all)"
            raise TwinError(
                f"{purpose} needs table(s) {missing} in run {str(self.path)!r}{hint}; "
                f"the run has {self.tables}"
            )

    def dataset(self, name: str) -> ds.Dataset:
        """A :class:`pyarrow.dataset.Dataset` over table ``name`` (lazy, filterable)."""
        path = self.path / f"{name}.parquet"
        if not path.exists():
            raise TwinError(f"run {str(self.path)!r} has no table {name!r}; it has {self.tables}")
        return ds.dataset(path, format="parquet")

    def arrow(self, name: str, columns: list[str] | None = None, filter: Any = None) -> pa.Table:
        """Table ``name`` as a :class:`pyarrow.Table` (some columns, rows matching ``filter``)."""
        return self.dataset(name).to_table(columns=columns, filter=filter)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Table ``name`` as a pandas DataFrame (timestamps tz-aware UTC).

        Integer columns stay integers: one holding nulls (the Wh of a
        ``missing`` reading) becomes pandas' nullable ``Int64`` rather than float.
        A table written in parts (a sharded run) comes in time-then-id order,
        as a single file's rows do.
        """
        table = self.arrow(name, columns)
        frame = table.to_pandas()
        for field in table.schema:
            if pa.types.is_integer(field.type) and table.column(field.name).null_count:
                frame[field.name] = table.column(field.name).to_pandas(
                    types_mapper={field.type: pd.Int64Dtype()}.get
                )
        if (self.path / f"{name}.parquet").is_dir():
            frame = _in_order(frame)
        return frame

    def optional_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """:meth:`table`, or None when the run has no table ``name``."""
        return self.table(name, columns) if self.has(name) else None

    def iter_frames(
        self, name: str, columns: list[str], batch_rows: int = BATCH_ROWS
    ) -> Iterator[pd.DataFrame]:
        """Stream table ``name`` as DataFrames of at most ``batch_rows`` rows, in file order.

        Memory stays bounded whatever the run's length; dictionary columns
        arrive as pandas categoricals, integer columns with nulls as floats.
        """
        for batch in self.dataset(name).to_batches(columns=columns, batch_size=batch_rows):
            if batch.num_rows:
                yield batch.to_pandas()

    def network_buses(self) -> pd.DataFrame | None:
        """``internal/network_bus`` (bus_id, name, vn_kv, x, y, transformer_id, feeder_id), or None.

        One row per bus.
        """
        frame = self.optional_table("internal/network_bus")
        return None if frame is None else frame.drop_duplicates("bus_id").reset_index(drop=True)

    def network_branches(self) -> pd.DataFrame | None:
        """``internal/network_branch`` (branch_id, kind, from_bus_id, to_bus_id, ...), or None."""
        return self.optional_table("internal/network_branch")

    @property
    def scenario_yaml(self) -> str | None:
        """The resolved scenario as written (``scenario.yaml``), or None."""
        path = self.path / "scenario.yaml"
        return path.read_text("utf-8") if path.is_file() else None

    def study_folder(self, study: str) -> Path:
        """Where study ``study`` (``vacancy``, ``grid-loading``) writes its outputs."""
        return self.path / "studies" / study

    def study_metrics(self, study: str) -> dict[str, Any] | None:
        """``studies/<study>/metrics.json``, or None when the study has not run."""
        path = self.study_folder(study) / "metrics.json"
        return read_json(path) if path.is_file() else None

    def study_table(self, study: str, name: str) -> pd.DataFrame:
        """Table ``studies/<study>/<name>.parquet`` written by a study (``premises``)."""
        path = self.study_folder(study) / f"{name}.parquet"
        if not path.is_file():
            raise TwinError(
                f"run {str(self.path)!r} has no {name!r} table of study {study!r}; "
                f"expected `twin study {study}` to have run"
            )
        frame: pd.DataFrame = ds.dataset(path, format="parquet").to_table().to_pandas()
        return frame

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"


_TIME_COLUMNS = (
    "interval_end",
    "time",
    "freeze_time",
    "event_time",
    "start",
    "start_time",
    "raised_time",
    "started_at",
)
_ID_COLUMNS = ("_id", "seq_no")


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read from several parts (the shards of a run), in time then id order.

    Identifier categories are sorted, as a single-file table's are (ids are
    written in fleet order).
    """
    for column in frame.columns:
        if column.endswith("_id") and isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.reorder_categories(
                sorted(frame[column].cat.categories)
            )
    keys = [c for c in _TIME_COLUMNS if c in frame.columns][:1]
    keys += [c for c in frame.columns if c.endswith(_ID_COLUMNS) and c not in keys]
    if not keys:
        return frame
    return frame.sort_values(keys, kind="stable", ignore_index=True)


def is_finished_run(path: str | Path) -> bool:
    """Whether ``path`` is a finished run directory (its ``manifest.json`` is written last)."""
    return (Path(path) / MANIFEST).is_file()


def open_run(path: str | Path) -> RunDirectory:
    """Open a finished run directory.

    Raises
    ------
    TwinError
        When the folder is missing or is not a complete run (no ``manifest.json``).
    """
    folder = Path(path)
    if not is_finished_run(folder):
        missing = "" if folder.is_dir() else "; the folder does not exist"
        raise TwinError(
            f"{str(folder)!r} is not a finished run directory (no manifest.json{missing}); "
            "expected the output folder of `twin run`"
        )
    return RunDirectory(folder)
