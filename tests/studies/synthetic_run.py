"""Small hand-made run directories for the studies' and the report's arithmetic tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from twin.streams import SCHEMAS, RunWriter, schema_for

START = "2025-01-06T00:00:00"


def interval_ends(n: int, interval_s: int = 900, start: str = START) -> pd.DatetimeIndex:
    """UTC interval ends of a run of ``n`` intervals from ``start`` (UTC)."""
    first = pd.Timestamp(start, tz="UTC") + pd.Timedelta(seconds=interval_s)
    return pd.date_range(first, periods=n, freq=pd.Timedelta(seconds=interval_s))


def long_frame(
    series: dict[int, np.ndarray], key: str, value: str, interval_s: int = 900
) -> pd.DataFrame:
    """Rows (key, interval_end, value) from one array of values per id."""
    parts = []
    for ident, values in series.items():
        values = np.asarray(values)
        parts.append(
            pd.DataFrame(
                {key: ident, "interval_end": interval_ends(len(values), interval_s), value: values}
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["interval_end", key], kind="stable")


def _batch(frame: pd.DataFrame, schema: pa.Schema) -> pa.RecordBatch:
    """``frame`` in the declared schema; columns it lacks are written as nulls."""
    arrays = []
    for field in schema:
        if field.name in frame:
            values = frame[field.name]
            if pa.types.is_dictionary(field.type):
                values = values.astype(str)
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
        else:
            arrays.append(pa.nulls(len(frame), type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_run(
    dest: Path,
    tables: dict[str, pd.DataFrame],
    *,
    interval_s: int = 900,
    n_intervals: int,
    timezone: str = "UTC",
    summary: dict[str, Any] | None = None,
    sections: dict[str, Any] | None = None,
) -> Path:
    """Write a finished run directory holding ``tables`` (declared schemas where known);
    ``sections`` are added to its scenario (``{"safety": {...}}``)."""
    with RunWriter(dest) as writer:
        for name, frame in tables.items():
            if name in SCHEMAS:
                writer.table(name).append_batch(_batch(frame, schema_for(name)))
        scenario = {
            "name": "synthetic",
            "time": {"start": START, "timezone": timezone, "interval": f"{interval_s}s"},
            **(sections or {}),
        }
        manifest = {
            "name": "synthetic",
            "seed": 1,
            "scenario": scenario,
            "summary": {
                "name": "synthetic",
                "interval_s": interval_s,
                "intervals": n_intervals,
                **(summary or {}),
            },
        }
        writer.commit(manifest=manifest, scenario=scenario)
    for name, frame in tables.items():
        if name not in SCHEMAS:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(dest / f"{name}.parquet", index=False)
    return dest


def make_small_run(dest: Path) -> Path:
    """A real two-day run of 30 homes on the small SimBench semi-urban LV grid."""
    import twin
    from tests.conftest import tiny_scenario_dict
    from twin.scenario.loading import validate_scenario_dict

    scenario = validate_scenario_dict(tiny_scenario_dict(**{"time.duration": "2d"}))
    return twin.run(scenario, out=dest, progress=False).path
