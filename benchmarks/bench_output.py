"""Output benchmark: bytes per row and write time of the big tables, old encoding against new.

Runs a short scenario (default 2,500 households, 7 days at 15 min on
``simbench:1-MVLV-urban-all-0-sw``, ``outputs.bus_voltage: all``) and, for
each big per-interval table:

- rows, and bytes per row as the run wrote it (the encoding of
  :mod:`twin.streams.encoding`);
- bytes per row and write time per row of the same rows re-encoded in this
  process, once with the old settings (snappy, Parquet's default dictionary
  encoding everywhere, no page index) and once with the new, in row groups of
  ``outputs.row_group_rows`` (same procedure for both, one thread);
- the run's own writer-thread seconds per table (the manifest's profile);
- the projection to the year scenario ``perf_year_urban_10k`` (10,000
  households, 365 d at 15 min, ``outputs.bus_voltage: all``): its measured row
  counts (:data:`YEAR_ROWS`) times the bytes per row, in GB and GB per
  meter-year.

A second run of the same scenario with ``outputs.bus_voltage`` and
``outputs.line_loading`` at ``daily_extremes`` gives the daily tables' rows
and bytes, projected to the year the same way (rows scale with days, not
intervals).

Then the skipping that the row-group statistics allow: a filter on one
6-hour window and one on a single meter, read through pyarrow with a
byte-counting file, report the bytes read against the file's size.

Printed and written to ``--json`` (default ``benchmarks/results/bench_output.json``),
with a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from provenance import commit
from town import town_scenario

import twin
from twin.scenario.loading import validate_scenario_dict
from twin.streams.encoding import MAX_ROWS_PER_PAGE, writer_options

BIG_TABLES = (
    "internal/meter_interval",
    "internal/bus_voltage",
    "internal/line_interval",
    "internal/meter_phase_interval",
)
"""Per-interval tables measured (the first three hold 1.08 billion of the year's rows)."""

YEAR_ROWS = {
    "internal/meter_interval": 350_000_000,
    "internal/bus_voltage": 366_000_000,
    "internal/line_interval": 362_000_000,
}
"""Rows of ``perf_year_urban_10k`` (10,000 households, 365 d, 15 min) as its run wrote them
(5.2 GB in all with snappy)."""

YEAR_DAYS = 365
"""Days of the year scenario."""

YEAR_METERS = 10_000
"""Households of the year scenario (the meter-year divisor)."""

DAILY_TABLES = {
    "internal/bus_voltage_daily": "internal/bus_voltage",
    "internal/line_daily": "internal/line_interval",
}
"""Daily-extremes table and the per-interval table it replaces."""

OLD_OPTIONS: dict[str, Any] = {"compression": "snappy"}
"""The writer's settings before: snappy, Parquet's default dictionary encoding, no page index."""

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "bench_output.json"
"""Where the figures go unless ``--json`` says otherwise."""


def scenario(households: int, days: int, preset: str) -> dict[str, Any]:
    """The benchmark scenario: a winter week from 2025-01-06, 15-min intervals."""
    outputs = {"bus_voltage": preset, "line_loading": preset}
    return town_scenario(f"bench-output-{preset}", households, days, outputs=outputs)


def encode(table: pa.Table, options: dict[str, Any], row_group_rows: int) -> tuple[int, float]:
    """Bytes and wall seconds of writing ``table`` with ``options`` into memory."""
    sink = io.BytesIO()
    tic = time.perf_counter()
    writer = pq.ParquetWriter(sink, table.schema, **options)
    for start in range(0, table.num_rows, row_group_rows):
        writer.write_table(table.slice(start, row_group_rows), row_group_size=row_group_rows)
    writer.close()
    return sink.tell(), time.perf_counter() - tic


class CountingFile(io.RawIOBase):
    """A read-only file that counts the bytes read from it."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        self.bytes_read += n
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def filtered_read(path: Path, filters: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """Rows and bytes a filtered ``pq.read_table`` reads from one file."""
    counting = CountingFile(path)
    table = pq.read_table(pa.PythonFile(counting, mode="r"), filters=filters)
    counting.close()
    size = path.stat().st_size
    meta = pq.ParquetFile(path).metadata
    return {
        "rows": table.num_rows,
        "rows_total": meta.num_rows,
        "row_groups": meta.num_row_groups,
        "bytes_read": counting.bytes_read,
        "bytes_total": size,
        "share_read": round(counting.bytes_read / size, 4),
    }


def measure_tables(run: twin.RunDirectory, row_group_rows: int) -> dict[str, Any]:
    """Per big table: rows, bytes per row (run, old, new) and write time per row."""
    writes = run.manifest["summary"]["profile"].get("table_write_s", {})
    out: dict[str, Any] = {}
    for name in BIG_TABLES:
        if not run.has(name):
            continue
        path = run.path / f"{name}.parquet"
        table = pq.read_table(path)
        rows = table.num_rows
        old_bytes, old_s = encode(table, OLD_OPTIONS, row_group_rows)
        new_bytes, new_s = encode(table, writer_options(table.schema, name), row_group_rows)
        out[name] = {
            "rows": rows,
            "run_bytes_per_row": round(path.stat().st_size / rows, 3),
            "old_bytes_per_row": round(old_bytes / rows, 3),
            "new_bytes_per_row": round(new_bytes / rows, 3),
            "old_write_ns_per_row": round(old_s / rows * 1e9, 1),
            "new_write_ns_per_row": round(new_s / rows * 1e9, 1),
            "run_writer_thread_ns_per_row": round(writes.get(name, 0.0) / rows * 1e9, 1),
        }
    return out


def project_year(tables: dict[str, Any], daily: dict[str, Any]) -> dict[str, Any]:
    """GB of the year scenario's three big tables, old and new, and with daily extremes."""
    old = sum(YEAR_ROWS[n] * tables[n]["old_bytes_per_row"] for n in YEAR_ROWS)
    new = sum(YEAR_ROWS[n] * tables[n]["new_bytes_per_row"] for n in YEAR_ROWS)
    lean = (
        YEAR_ROWS["internal/meter_interval"]
        * tables["internal/meter_interval"]["new_bytes_per_row"]
    )
    for name, full in DAILY_TABLES.items():
        if name in daily:
            per_day = daily[name]["rows_per_day"]
            lean += per_day * YEAR_DAYS * daily[name]["bytes_per_row"]
        else:
            lean += YEAR_ROWS[full] * tables[full]["new_bytes_per_row"]
    return {
        "scenario": "perf_year_urban_10k",
        "rows": YEAR_ROWS,
        "old_gb": round(old / 1e9, 3),
        "new_gb": round(new / 1e9, 3),
        "daily_extremes_gb": round(lean / 1e9, 3),
        "old_gb_per_meter_year": round(old / 1e9 / YEAR_METERS, 6),
        "new_gb_per_meter_year": round(new / 1e9 / YEAR_METERS, 6),
        "daily_extremes_gb_per_meter_year": round(lean / 1e9 / YEAR_METERS, 6),
    }


def measure_daily(run: twin.RunDirectory, days: int) -> dict[str, Any]:
    """Rows and bytes per row of the daily-extremes tables."""
    out: dict[str, Any] = {}
    for name in DAILY_TABLES:
        if run.has(name):
            path = run.path / f"{name}.parquet"
            rows = pq.ParquetFile(path).metadata.num_rows
            out[name] = {
                "rows": rows,
                "rows_per_day": rows / days,
                "bytes": path.stat().st_size,
                "bytes_per_row": round(path.stat().st_size / rows, 3),
            }
    return out


def skipping(run: twin.RunDirectory) -> dict[str, Any]:
    """Bytes a time-window filter and a one-meter filter read, against the file size."""
    start = pd.Timestamp(run.manifest["summary"]["peak_transformer_time"]).tz_convert("UTC")
    window = [
        ("interval_end", ">", start.floor("D")),
        ("interval_end", "<=", start.floor("D") + pd.Timedelta(hours=6)),
    ]
    meter = str(run.table("truth/premise", ["meter_id"])["meter_id"].iloc[0])
    out = {
        "bus_voltage_6h": filtered_read(run.path / "internal/bus_voltage.parquet", window),
        "meter_interval_6h": filtered_read(run.path / "internal/meter_interval.parquet", window),
        "meter_interval_one_meter": filtered_read(
            run.path / "internal/meter_interval.parquet", [("meter_id", "==", meter)]
        ),
    }
    out["note"] = (
        "row groups are written interval by interval (time, then id), so a time filter "
        "skips whole row groups by their interval_end statistics; every row group holds "
        "every meter, so a one-meter filter reads them all; a reader of the page index "
        "(Spark, arrow-rs) narrows a time filter further to pages of at most "
        f"{MAX_ROWS_PER_PAGE:,} rows, but not a one-meter filter (pages too hold every id)"
    )
    return out


def markdown(tables: dict[str, Any], year: dict[str, Any], daily: dict[str, Any]) -> str:
    """The README table."""
    lines = [
        "| table | rows (7 d) | bytes/row snappy (before) | bytes/row now | write ns/row before "
        "| write ns/row now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, t in tables.items():
        lines.append(
            f"| {name} | {t['rows']:,} | {t['old_bytes_per_row']:.2f} | "
            f"{t['new_bytes_per_row']:.2f} | {t['old_write_ns_per_row']:.0f} | "
            f"{t['new_write_ns_per_row']:.0f} |"
        )
    for name, t in daily.items():
        lines.append(f"| {name} | {t['rows']:,} | | {t['bytes_per_row']:.2f} | | |")
    lines.append("")
    lines.append(
        f"Year scenario {year['scenario']} (meter, bus and line tables): "
        f"{year['old_gb']:.2f} GB before, {year['new_gb']:.2f} GB now, "
        f"{year['daily_extremes_gb']:.2f} GB with bus_voltage and line_loading at "
        f"daily_extremes ({year['old_gb_per_meter_year'] * 1e3:.3f} / "
        f"{year['new_gb_per_meter_year'] * 1e3:.3f} / "
        f"{year['daily_extremes_gb_per_meter_year'] * 1e3:.3f} MB per meter-year)."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2_500)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    report: dict[str, Any] = {
        "command": "python benchmarks/bench_output.py",
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "load_average": os.getloadavg(),
            "commit": commit(),
        },
        "versions": {"pyarrow": pa.__version__, "pandas": pd.__version__},
        "scenario": scenario(args.households, args.days, "all"),
    }
    with tempfile.TemporaryDirectory() as folder:
        tic = time.perf_counter()
        full = twin.run(
            validate_scenario_dict(scenario(args.households, args.days, "all")),
            out=Path(folder) / "all",
            progress=False,
        )
        report["run_s"] = round(time.perf_counter() - tic, 1)
        row_group_rows = int(full.manifest["scenario"]["outputs"]["row_group_rows"])
        tables = measure_tables(full, row_group_rows)
        report["tables"] = tables
        report["skipping"] = skipping(full)
        lean = twin.run(
            validate_scenario_dict(scenario(args.households, args.days, "daily_extremes")),
            out=Path(folder) / "daily",
            progress=False,
        )
        daily = measure_daily(lean, args.days)
        report["daily_extremes"] = daily
    report["year"] = project_year(tables, daily)
    report["markdown"] = markdown(tables, report["year"], daily)
    print(report["markdown"])
    print(json.dumps(report["skipping"], indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
