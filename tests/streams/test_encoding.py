"""Parquet encoding of the run tables: statistics, page index, sort order, readable as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from twin.streams import RunWriter, open_run
from twin.streams.encoding import COMPRESSION, writer_options
from twin.streams.schemas import schema_for


def _write(dest: Path, intervals: int = 6, buses: int = 500) -> None:
    """``intervals`` intervals of ``buses`` buses and of 40 meters, row groups of 1,000 rows."""
    stamps = pd.date_range("2025-01-01 00:15", periods=intervals, freq="15min", tz="UTC")
    rng = np.random.default_rng(3)
    meters = pa.array([f"M{i:06d}" for i in range(40)])
    with RunWriter(dest, row_group_rows=1_000) as writer:
        for stamp in stamps:
            writer.table("internal/bus_voltage").append(
                {
                    "bus_id": np.arange(buses, dtype=np.int64),
                    "interval_end": np.full(buses, stamp),
                    "vm_pu": rng.normal(1.0, 0.01, buses).astype(np.float32),
                }
            )
            table = writer.table("internal/meter_interval")
            index = pa.array(np.arange(40, dtype=np.int32))
            table.append_batch(
                pa.RecordBatch.from_arrays(
                    [
                        pa.DictionaryArray.from_arrays(index, meters),
                        pa.array(np.full(40, stamp)).cast(pa.timestamp("us", tz="UTC")),
                        pa.array(rng.integers(0, 500, 40), pa.int64()),
                        pa.array(np.zeros(40, np.int64)),
                        pa.DictionaryArray.from_arrays(
                            pa.array(np.zeros(40, np.int8)), pa.array(["ok"])
                        ),
                        pa.array(np.full(40, stamp)).cast(pa.timestamp("us", tz="UTC")),
                        pa.array(np.arange(40, dtype=np.int64)),
                        pa.array(np.full(40, stamp)).cast(pa.timestamp("us", tz="UTC")),
                    ],
                    schema=table.schema,
                )
            )
        writer.commit(manifest={}, scenario={})


def test_files_carry_statistics_page_index_and_sort_order(tmp_path: Path) -> None:
    _write(tmp_path / "run")
    meta = pq.ParquetFile(tmp_path / "run/internal/bus_voltage.parquet").metadata
    assert meta.num_row_groups >= 3
    for r in range(meta.num_row_groups):
        group = meta.row_group(r)
        assert group.sorting_columns == (pq.SortingColumn(1),)  # interval_end
        for c in range(group.num_columns):
            column = group.column(c)
            assert column.compression == COMPRESSION.upper()
            assert column.is_stats_set and column.statistics.has_min_max
            assert column.has_column_index and column.has_offset_index
        assert "DELTA_BINARY_PACKED" in group.column(0).encodings  # bus_id
        assert "BYTE_STREAM_SPLIT" in group.column(2).encodings  # vm_pu
    meters = pq.ParquetFile(tmp_path / "run/internal/meter_interval.parquet").metadata
    assert not meters.row_group(0).sorting_columns  # not declared sorted
    assert "RLE_DICTIONARY" in meters.row_group(0).column(0).encodings  # meter_id


def test_readers_get_the_same_frames_and_dtypes_as_before(tmp_path: Path) -> None:
    _write(tmp_path / "run")
    run = open_run(tmp_path / "run")
    frame = run.table("internal/meter_interval")
    assert isinstance(frame["meter_id"].dtype, pd.CategoricalDtype)
    assert str(frame["interval_end"].dtype) == "datetime64[us, UTC]"
    assert frame["import_wh"].dtype == np.int64
    voltages = pd.read_parquet(tmp_path / "run/internal/bus_voltage.parquet")
    assert voltages["vm_pu"].dtype == np.float32 and voltages["bus_id"].dtype == np.int64
    assert len(voltages) == 3_000
    again = pq.read_table(tmp_path / "run/internal/bus_voltage.parquet")
    assert again.schema.equals(schema_for("internal/bus_voltage"))


def test_a_time_filter_skips_row_groups(tmp_path: Path) -> None:
    _write(tmp_path / "run", intervals=8)
    path = tmp_path / "run/internal/bus_voltage.parquet"
    stamp = pd.Timestamp("2025-01-01 01:00", tz="UTC")
    dataset = ds.dataset(path, format="parquet")
    wanted = ds.field("interval_end") == pa.scalar(stamp, pa.timestamp("us", tz="UTC"))
    groups = [g for f in dataset.get_fragments() for g in f.split_by_row_group(wanted)]
    total = pq.ParquetFile(path).metadata.num_row_groups
    assert 1 <= len(groups) < total
    got = dataset.to_table(filter=wanted)
    assert got.num_rows == 500


def test_options_name_every_column_once() -> None:
    for name in ("internal/bus_voltage", "internal/meter_interval", "external/account"):
        schema = schema_for(name)
        options = writer_options(schema, name)
        encoded = set(options["column_encoding"] or {})
        assert encoded.isdisjoint(options["use_dictionary"])
        assert encoded | set(options["use_dictionary"]) == set(schema.names)
