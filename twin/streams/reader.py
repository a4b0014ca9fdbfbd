"""Read a finished run directory."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from twin.errors import TwinError

__all__ = ["RunDirectory", "open_run"]


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
        """The run's manifest (scenario, seed, versions, timings, row counts, summary)."""
        result: dict[str, Any] = json.loads((self.path / "manifest.json").read_text("utf-8"))
        return result

    @property
    def tables(self) -> list[str]:
        """Names of the tables present, such as ``internal/meter_interval``."""
        return sorted(
            str(p.relative_to(self.path).with_suffix("")).replace("\\", "/")
            for p in self.path.glob("*/*.parquet")
        )

    def dataset(self, name: str) -> ds.Dataset:
        """A :class:`pyarrow.dataset.Dataset` over table ``name`` (lazy, filterable)."""
        path = self.path / f"{name}.parquet"
        if not path.exists():
            raise TwinError(f"run {str(self.path)!r} has no table {name!r}; it has {self.tables}")
        return ds.dataset(path, format="parquet")

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Table ``name`` as a pandas DataFrame (timestamps tz-aware UTC).

        Integer columns stay integers: one holding nulls (the Wh of a
        ``missing`` reading) becomes pandas' nullable ``Int64`` rather than float.
        """
        table = self.dataset(name).to_table(columns=columns)
        frame = table.to_pandas()
        for field in table.schema:
            if pa.types.is_integer(field.type) and table.column(field.name).null_count:
                frame[field.name] = table.column(field.name).to_pandas(
                    types_mapper={field.type: pd.Int64Dtype()}.get
                )
        if (self.path / f"{name}.parquet").is_dir():
            frame = _in_order(frame)
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


def open_run(path: str | Path) -> RunDirectory:
    """Open a finished run directory.

    Raises
    ------
    TwinError
        When the folder is missing or is not a complete run (no ``manifest.json``).
    """
    folder = Path(path)
    if not (folder / "manifest.json").is_file():
        raise TwinError(
            f"{str(folder)!r} is not a finished run directory (no manifest.json); "
            "expected the output folder of `twin run`"
        )
    return RunDirectory(folder)
