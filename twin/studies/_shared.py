"""Helpers shared by the grid studies and the run report.

Reading: open a finished run and check for the tables a study needs, find the
run's interval length, start and time zone, stream a large table in record
batches. Writing: an atomic output folder (written under a hidden name and
renamed into place, so a crash never leaves half a study), JSON without NaN,
and matplotlib figures drawn on the Agg canvas (no pyplot, no global state).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from twin.errors import TwinError
from twin.streams import RunDirectory, open_run

__all__ = [
    "FIGURE_DPI",
    "atomic_output",
    "epoch_us",
    "has_table",
    "interval_seconds",
    "iter_frames",
    "jsonable",
    "new_figure",
    "open_finished_run",
    "read_network_branches",
    "read_network_buses",
    "require_tables",
    "run_start_utc",
    "run_timezone",
    "save_figure",
    "write_json",
]

FIGURE_DPI = 110
"""Resolution of every PNG the studies and the report write [dots per inch]."""

BATCH_ROWS = 1_000_000
"""Rows per record batch when a large table is streamed."""


def open_finished_run(run_dir: str | Path) -> RunDirectory:
    """Open ``run_dir`` as a finished run directory.

    Raises
    ------
    TwinError
        When the folder does not exist or has no ``manifest.json``.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise TwinError(
            f"run directory {str(folder)!r} does not exist; expected a `twin run` output"
        )
    return open_run(folder)


def has_table(run: RunDirectory, name: str) -> bool:
    """True when table ``name`` (``internal/bus_voltage``) is present in ``run``."""
    return (run.path / f"{name}.parquet").exists()


def require_tables(run: RunDirectory, names: list[str], *, purpose: str) -> None:
    """Raise :class:`TwinError` naming every table of ``names`` missing from ``run``.

    Parameters
    ----------
    run : RunDirectory
        The run.
    names : list of str
        Tables needed, such as ``["internal/bus_voltage"]``.
    purpose : str
        What needs them (``"the power-quality study"``), for the message.
    """
    missing = [name for name in names if not has_table(run, name)]
    if missing:
        hint = ""
        if "internal/bus_voltage" in missing:
            hint = " (run the scenario with outputs.bus_voltage: all or lv)"
        raise TwinError(
            f"{purpose} needs table(s) {missing} in run {str(run.path)!r}{hint}; "
            f"the run has {run.tables}"
        )


def interval_seconds(run: RunDirectory) -> int:
    """The run's metering interval [s].

    From the manifest's summary where present, else inferred from the
    smallest step between interval-end stamps of ``truth/power_flow`` or
    ``internal/transformer_interval``.
    """
    summary = run.manifest.get("summary") or {}
    value = summary.get("interval_s")
    if isinstance(value, int | float) and value > 0:
        return int(value)
    for name in ("truth/power_flow", "internal/transformer_interval", "internal/bus_voltage"):
        if has_table(run, name):
            stamps = run.dataset(name).to_table(columns=["interval_end"]).column(0)
            ends = np.unique(stamps.to_numpy().astype("datetime64[us]").astype(np.int64))
            if ends.size >= 2:
                return int(np.diff(ends).min() // 1_000_000)
    raise TwinError(
        f"cannot tell the interval length of run {str(run.path)!r}: no summary.interval_s "
        "in manifest.json and fewer than two intervals in its tables"
    )


def run_timezone(run: RunDirectory) -> str:
    """The scenario's time zone (IANA name or offset); ``"UTC"`` when unknown."""
    time = (run.manifest.get("scenario") or {}).get("time") or {}
    zone = time.get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    start = time.get("start")
    if isinstance(start, str):
        with contextlib.suppress(ValueError):
            stamp = pd.Timestamp(start)
            if stamp.tzinfo is not None:
                return str(stamp.tzinfo)
    return "UTC"


def run_start_utc(
    run: RunDirectory, first_interval_end: pd.Timestamp | None = None
) -> pd.Timestamp:
    """The run's start in UTC.

    From the resolved scenario (``time.start`` in ``time.timezone``) where
    possible, else the first interval end minus one interval.
    """
    time = (run.manifest.get("scenario") or {}).get("time") or {}
    start = time.get("start")
    if isinstance(start, str):
        with contextlib.suppress(ValueError, TypeError):
            stamp = pd.Timestamp(start)
            if stamp.tzinfo is None:
                stamp = stamp.tz_localize(run_timezone(run))
            return stamp.tz_convert("UTC")
    if first_interval_end is None:
        raise TwinError(f"cannot tell the start of run {str(run.path)!r}")
    return pd.Timestamp(first_interval_end).tz_convert("UTC") - pd.Timedelta(
        seconds=interval_seconds(run)
    )


def epoch_us(stamps: pd.Series) -> np.ndarray:
    """Time-zone-aware (or UTC-naive) timestamps as int64 µs since the Unix epoch."""
    series = pd.Series(stamps)
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[us]").astype(np.int64)


def iter_frames(
    run: RunDirectory, name: str, columns: list[str], batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """Stream table ``name`` as DataFrames of at most ``batch_rows`` rows.

    Memory stays bounded whatever the run's length; dictionary columns
    arrive as pandas categoricals.
    """
    dataset: ds.Dataset = run.dataset(name)
    for batch in dataset.to_batches(columns=columns, batch_size=batch_rows):
        if batch.num_rows:
            yield batch.to_pandas()


@contextlib.contextmanager
def atomic_output(destination: Path) -> Iterator[Path]:
    """Yield a hidden staging folder that replaces ``destination`` on success.

    On an exception the staging folder is removed and ``destination`` is left
    as it was; on success any previous ``destination`` is replaced whole.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.parent / f".{destination.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if destination.exists():
        old = destination.parent / f".{destination.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(destination, old)
    os.replace(staging, destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars made plain and NaN/inf made ``None`` (valid JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented, strict JSON (NaN written as ``null``)."""
    text = json.dumps(jsonable(data), indent=2, allow_nan=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def new_figure(width_in: float = 8.0, height_in: float = 4.5) -> Figure:
    """A matplotlib figure on the Agg canvas with a constrained layout."""
    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure: Figure, path: Path, dpi: int = FIGURE_DPI) -> str:
    """Save ``figure`` as PNG at ``path``; return the file name."""
    figure.savefig(path, format="png", dpi=dpi)
    return path.name


def read_network_buses(run: RunDirectory) -> pd.DataFrame | None:
    """``internal/network_bus`` (bus_id, name, vn_kv, x, y, transformer_id, feeder_id), or None."""
    if not has_table(run, "internal/network_bus"):
        return None
    frame = run.table("internal/network_bus")
    return frame.drop_duplicates("bus_id").reset_index(drop=True)


def read_network_branches(run: RunDirectory) -> pd.DataFrame | None:
    """``internal/network_branch`` (branch_id, kind, from_bus_id, to_bus_id, ...), or None."""
    if not has_table(run, "internal/network_branch"):
        return None
    return run.table("internal/network_branch")
