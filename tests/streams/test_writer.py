"""Streaming writer: declared schemas, row groups, atomic commit, nothing left on failure."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.errors import TwinError
from twin.streams import RunWriter, TableWriter, open_run, table_files
from twin.streams.schemas import bill_schema, schema_for


def _voltages(writer: RunWriter, n: int, start: int = 0) -> None:
    writer.table("internal/bus_voltage").append(
        {
            "bus_id": np.arange(n, dtype=np.int64),
            "interval_end": pd.date_range("2025-01-01", periods=n, freq="15min", tz="UTC")
            + pd.Timedelta(minutes=15 * start),
            "vm_pu": np.ones(n, dtype=np.float32),
        }
    )


def test_commit_writes_tables_and_manifest_last(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with RunWriter(dest, row_group_rows=1_000) as writer:
        for i in range(5):
            _voltages(writer, 700, start=i * 700)
        writer.commit(manifest={"name": "x"}, scenario={"name": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    meta = pq.ParquetFile(dest / "internal" / "bus_voltage.parquet").metadata
    assert meta.num_rows == 3_500 and meta.num_row_groups >= 3
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["row_counts"] == {"internal/bus_voltage": 3_500}
    run = open_run(dest)
    assert run.tables == ["internal/bus_voltage"]
    df = run.table("internal/bus_voltage")
    assert str(df["interval_end"].dt.tz) == "UTC" and len(df) == 3_500


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with pytest.raises(RuntimeError), RunWriter(dest) as writer:
        _voltages(writer, 10)
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_a_previous_run(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    for n in (10, 20):
        with RunWriter(dest) as writer:
            _voltages(writer, n)
            writer.commit(manifest={}, scenario={})
    assert open_run(dest).manifest["row_counts"]["internal/bus_voltage"] == 20
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_schema_is_enforced(tmp_path: Path) -> None:
    with RunWriter(tmp_path / "run") as writer:
        batch = pa.RecordBatch.from_pydict({"bus_id": [1], "vm_pu": [1.0]})
        with pytest.raises(ValueError, match="schema"):
            writer.table("internal/bus_voltage").append_batch(batch)
        with pytest.raises(KeyError, match="unknown table"):
            writer.table("internal/nonsense")


def test_open_run_refuses_an_incomplete_directory(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(TwinError, match=r"manifest\.json"):
        open_run(tmp_path / "half")


def test_integers_with_nulls_stay_integers(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with RunWriter(dest) as writer:
        table = writer.table("internal/meter_register_daily")
        given = {
            "freeze_time": pa.array(
                pd.date_range("2025-01-01", periods=2, freq="D", tz="UTC"),
                pa.timestamp("us", "UTC"),
            ),
            "import_total_wh": pa.array([5, None], pa.int64()),
            "export_total_wh": pa.array([0, 0], pa.int64()),
        }
        columns = [given.get(f.name, pa.nulls(2, f.type)) for f in table.schema]
        table.append_batch(pa.RecordBatch.from_arrays(columns, schema=table.schema))
        writer.commit(manifest={}, scenario={})
    df = open_run(dest).table("internal/meter_register_daily")
    assert str(df["import_total_wh"].dtype) == "Int64" and df["import_total_wh"].isna().sum() == 1
    assert df["export_total_wh"].dtype == np.int64


def test_adopted_parts_read_as_one_table_in_time_then_id_order(tmp_path: Path) -> None:
    parts = []
    for shard, buses in enumerate(([0, 2], [1, 3])):  # two shards, interleaved ids
        with RunWriter(tmp_path / f"shard{shard}") as writer:
            writer.table("internal/bus_voltage").append(
                {
                    "bus_id": np.asarray(buses * 2, dtype=np.int64),
                    "interval_end": pd.to_datetime(
                        ["2025-01-01 00:15"] * 2 + ["2025-01-01 00:30"] * 2, utc=True
                    ),
                    "vm_pu": np.full(4, 1.0 - shard / 100, dtype=np.float32),
                }
            )
            parts.append(writer.commit(manifest={}, scenario={}) / "internal/bus_voltage.parquet")
    with RunWriter(tmp_path / "merged") as writer:
        writer.adopt("internal/bus_voltage", parts)
        with pytest.raises(ValueError, match="already"):
            writer.adopt("internal/bus_voltage", [])
        with pytest.raises(ValueError, match="adopted"):
            writer.table("internal/bus_voltage")
        writer.commit(manifest={"name": "merged"}, scenario={})
    run = open_run(tmp_path / "merged")
    assert run.tables == ["internal/bus_voltage"]
    assert run.manifest["row_counts"] == {"internal/bus_voltage": 8}
    assert (tmp_path / "merged/internal/bus_voltage.parquet/part-001.parquet").is_file()
    df = run.table("internal/bus_voltage")
    assert df["bus_id"].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert df["interval_end"].is_monotonic_increasing
    assert not parts[0].exists()  # moved, not copied


def test_a_part_with_another_schema_is_refused(tmp_path: Path) -> None:
    with RunWriter(tmp_path / "other") as writer:
        writer.table("truth/power_flow").append(
            {
                "interval_end": pd.to_datetime(["2025-01-01 00:15"], utc=True),
                "converged": [True],
                "solve_ms": [1.0],
                "load_p_kw": [2.0],
                "vm_min_pu": [1.0],
                "vm_max_pu": [1.0],
            }
        )
        part = writer.commit(manifest={}, scenario={}) / "truth/power_flow.parquet"
    with RunWriter(tmp_path / "merged") as writer, pytest.raises(ValueError, match="schema"):
        writer.adopt("internal/bus_voltage", [part])
    assert not (tmp_path / "merged").exists()


def test_a_table_read_back_is_closed_and_a_run_schema_replaces_the_declared(
    tmp_path: Path,
) -> None:
    with RunWriter(tmp_path / "run") as writer:
        _voltages(writer, 5)
        back = writer.read_back("internal/bus_voltage")
        assert len(back) == 5
        with pytest.raises(ValueError, match="closed"):
            _voltages(writer, 1)
        two = bill_schema(2)
        assert writer.table("external/bill", two).schema.equals(two)
        assert not two.equals(schema_for("external/bill"))
        assert [n for n in two.names if n.startswith("import_wh_t")] == [
            "import_wh_t1",
            "import_wh_t2",
        ]
        with pytest.raises(KeyError):
            writer.read_back("truth/premise")
        path = writer.commit(manifest={}, scenario={})
    assert open_run(path).table("internal/bus_voltage").shape[0] == 5
    with pytest.raises(ValueError, match=r"1 \.\. 4"):
        bill_schema(5)


def test_a_long_table_continues_in_part_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TableWriter, "ROW_GROUPS_PER_FILE", 2)
    dest = tmp_path / "run"
    with RunWriter(dest, row_group_rows=1_000) as writer:
        _voltages(writer, 1_000)  # two row groups: still one file
        _voltages(writer, 1_000, start=1_000)
        writer.flush_all()
        assert (writer.staging / "internal/bus_voltage.parquet").is_file()
        for i in range(2, 5):  # a third group opens part-001, the fifth part-002
            _voltages(writer, 1_000, start=i * 1_000)
        assert len(writer.read_back("internal/bus_voltage")) == 5_000
        writer.commit(manifest={}, scenario={})
    folder = dest / "internal/bus_voltage.parquet"
    files = table_files(folder)
    assert [f.name for f in files] == [f"part-00{i}.parquet" for i in range(3)]
    assert [pq.ParquetFile(f).metadata.num_row_groups for f in files] == [2, 2, 1]
    run = open_run(dest)
    assert run.manifest["row_counts"] == {"internal/bus_voltage": 5_000}
    df = run.table("internal/bus_voltage")
    assert df["interval_end"].is_monotonic_increasing and len(df) == 5_000
    assert df["bus_id"].tolist() == list(range(1_000)) * 5


@given(
    batches=st.lists(st.integers(1, 50), min_size=1, max_size=30),
    per_file=st.integers(1, 4),
)
@settings(max_examples=40, deadline=None)
def test_no_row_is_lost_or_moved_across_part_files(batches: list[int], per_file: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(TableWriter, "ROW_GROUPS_PER_FILE", per_file)
        table = TableWriter(
            Path(tmp) / "t.parquet", schema_for("internal/bus_voltage"), row_group_rows=60
        )
        first = 0
        for n in batches:
            batch = {
                "bus_id": np.arange(first, first + n, dtype=np.int64),
                "interval_end": pd.date_range("2025-01-01", periods=n, freq="s", tz="UTC"),
                "vm_pu": np.ones(n, dtype=np.float32),
            }
            table.append(batch)
            first += n
        table.close()
        files = table_files(table.path)
        ids = [pq.read_table(f, columns=["bus_id"])["bus_id"].to_numpy() for f in files]
        assert np.array_equal(np.concatenate(ids), np.arange(first))
        assert all(pq.ParquetFile(f).metadata.num_row_groups <= per_file for f in files)
        assert table.path.is_dir() == (len(files) > 1)


def test_a_discarded_table_in_parts_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TableWriter, "ROW_GROUPS_PER_FILE", 1)
    with RunWriter(tmp_path / "run", row_group_rows=1_000) as writer:
        for i in range(3):
            _voltages(writer, 1_000, start=i * 1_000)
        writer.flush_all()
        assert len(table_files(writer.staging / "internal/bus_voltage.parquet")) == 3
        writer.discard("internal/bus_voltage")
        writer.commit(manifest={}, scenario={})
    assert open_run(tmp_path / "run").tables == []
