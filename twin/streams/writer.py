"""Streaming Parquet writers for a run directory.

Tables are appended row group by row group as the run goes, so memory does
not grow with the run's duration: a table that outgrows
:attr:`TableWriter.ROW_GROUPS_PER_FILE` row groups continues in a new part file
(the table becomes a directory of parts, as a sharded run's tables are), because
a Parquet writer keeps every row group's metadata and page index until its file
is closed. Everything is written into a hidden
partial folder next to the destination (:class:`~twin.streams.staging.StagedFolder`)
and renamed into place only when the run completes; ``manifest.json`` is
written last. A crash leaves no folder that looks like a finished run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import yaml

from twin.streams.encoding import writer_options
from twin.streams.reader import MANIFEST
from twin.streams.schemas import schema_for
from twin.streams.staging import StagedFolder

__all__ = ["RunWriter", "TableWriter", "table_files"]


def table_files(path: Path) -> list[Path]:
    """The Parquet files of a table written at ``path`` (``<name>.parquet``), in order.

    One file, or the ``part-NNN.parquet`` files of a table directory; none when
    the table was not written.
    """
    if path.is_dir():  # part-999 before part-1000
        return sorted(path.glob("part-*.parquet"), key=lambda p: (len(p.name), p.name))
    return [path] if path.is_file() else []


class TableWriter:
    """Appends record batches of one table to a Parquet file in row groups.

    Parameters
    ----------
    path : pathlib.Path
        The table's ``.parquet`` path: one file, or, once the table has more
        than :attr:`ROW_GROUPS_PER_FILE` row groups, a directory of
        ``part-NNN.parquet`` files in the order written.
    schema : pyarrow.Schema
        The table's declared schema; every batch must match it.
    row_group_rows : int
        Rows buffered before a row group is written (or :data:`MAX_BATCHES` batches,
        whichever comes first).
    executor : concurrent.futures.Executor, optional
        Where row groups are encoded and written (one thread shared by the
        run's tables: the writes of a table keep their order, and Parquet
        encoding and compression release the GIL, so they overlap with the
        simulation on a second core); None: in the caller's thread.
    table : str, optional
        The table's name (``internal/bus_voltage``): its declared sort order goes
        into the file (:func:`~twin.streams.encoding.writer_options`).
    """

    MAX_BATCHES: Final = 1_024
    """Batches buffered before a row group is written even when it has fewer rows than
    ``row_group_rows``: a table that gains a few rows per interval (transformers, the
    power flow) would otherwise hold a whole run's batches in memory, growing the
    process and the garbage collector's work with the run's length. 1,024 intervals
    are about 11 days at 15 min."""

    ROW_GROUPS_PER_FILE: Final = 64
    """Row groups a part file holds before the table continues in the next one. Arrow's
    Parquet writer holds each row group's metadata and page index in memory until the
    file is closed (about 0.2 MB a simulated day over the big tables of a
    10,000-household town: ``benchmarks/bench_memory.py``); 64 row groups of a million
    rows are some two months of that town's meter readings, files of 100-300 MB."""

    MAX_PENDING: Final = 2
    """Row groups of one table waiting for the writer thread before :meth:`flush` waits
    for the oldest (bounds the memory held by a table that is written slower than filled)."""

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        *,
        row_group_rows: int,
        executor: Executor | None = None,
        table: str | None = None,
    ):
        self.path = path
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.rows = 0
        self.write_s = 0.0  # wall time spent writing row groups [s]
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self._executor = executor
        self._pending: list[Future[None]] = []
        self._options = writer_options(schema, table)
        self._part = 0
        self._groups_in_part = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, schema, **self._options)
        self.closed = False

    def append(self, columns: dict[str, Any]) -> None:
        """Append columns (arrays of equal length, in schema order or by name)."""
        batch = pa.RecordBatch.from_pydict(columns, schema=self.schema)
        self.append_batch(batch)

    def append_batch(self, batch: pa.RecordBatch) -> None:
        """Append a record batch that has the table's schema."""
        if self.closed:
            raise ValueError(f"{self.path.name} is closed; expected an open table")
        if not batch.schema.equals(self.schema):
            raise ValueError(
                f"batch for {self.path.name} has schema {batch.schema}; expected {self.schema}"
            )
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered += batch.num_rows
        self.rows += batch.num_rows
        if self._buffered >= self.row_group_rows or len(self._buffer) >= self.MAX_BATCHES:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one row group (handed to the executor, if any)."""
        if not self._buffer:
            return
        batches, rows = self._buffer, self._buffered
        self._buffer, self._buffered = [], 0
        if self._executor is None:
            self._write(batches, rows)
            return
        while self._pending and (self._pending[0].done() or len(self._pending) >= self.MAX_PENDING):
            self._pending.pop(0).result()  # a failed write raises here
        self._pending.append(self._executor.submit(self._write, batches, rows))

    def _write(self, batches: list[pa.RecordBatch], rows: int) -> None:
        tic = time.perf_counter()
        if self._groups_in_part == self.ROW_GROUPS_PER_FILE:
            self._next_part()
        table = pa.Table.from_batches(batches, schema=self.schema)
        self._writer.write_table(table, row_group_size=max(rows, 1))
        self._groups_in_part += 1
        self.write_s += time.perf_counter() - tic

    def _next_part(self) -> None:
        """Close the part file being written and open the next (the first time, the
        single file becomes ``part-000.parquet`` of the table's directory)."""
        self._writer.close()
        if self._part == 0:
            first = self.path.with_name(self.path.name + ".part-000")
            os.replace(self.path, first)
            self.path.mkdir()
            os.replace(first, self.path / "part-000.parquet")
        self._part += 1
        self._groups_in_part = 0
        part = self.path / f"part-{self._part:03d}.parquet"
        self._writer = pq.ParquetWriter(part, self.schema, **self._options)

    def wait(self) -> None:
        """Wait until every row group handed over is written (raises a failed write)."""
        while self._pending:
            self._pending.pop(0).result()

    def close(self) -> None:
        """Flush, wait for the writes and close the file (once; later calls do nothing)."""
        if self.closed:
            return
        self.flush()
        self.wait()
        self._writer.close()
        self.closed = True


class RunWriter:
    """Writes a run directory atomically.

    Parameters
    ----------
    destination : pathlib.Path
        The run directory to create (replaced if it exists, only on success).
        Partial folders of the same destination left by a killed writer on
        this host are removed first.
    row_group_rows : int
        Rows per Parquet row group.

    Attributes
    ----------
    staging : pathlib.Path
        The hidden partial folder written into until :meth:`commit`.

    Examples
    --------
    >>> with RunWriter(Path("results/x")) as w:           # doctest: +SKIP
    ...     w.table("truth/premise").append({...})
    ...     w.commit(manifest={...}, scenario={...})
    """

    def __init__(self, destination: Path, *, row_group_rows: int = 1_000_000):
        self.destination = Path(destination)
        self.row_group_rows = row_group_rows
        self._staged = StagedFolder(self.destination)
        self.staging = self._staged.path
        self._tables: dict[str, TableWriter] = {}
        self._adopted: dict[str, int] = {}
        self._done = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")

    def table(self, name: str, schema: pa.Schema | None = None) -> TableWriter:
        """The writer of table ``name`` (``internal/meter_interval``), opened on first use.

        ``schema`` replaces the declared schema of a table whose columns depend on
        the run (external/bill: :func:`~twin.streams.schemas.bill_schema`).
        """
        writer = self._tables.get(name)
        if writer is None and name in self._adopted:
            raise ValueError(f"table {name!r} was adopted from parts; expected a new table")
        if writer is None:
            path = self.staging / f"{name}.parquet"
            schema = schema_for(name) if schema is None else schema
            writer = TableWriter(
                path,
                schema,
                row_group_rows=self.row_group_rows,
                executor=self._executor,
                table=name,
            )
            self._tables[name] = writer
        return writer

    def read_back(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Close table ``name`` and read what it holds (a post-run stage reading the
        run's own tables); nothing more can be appended to it."""
        writer = self._tables.get(name)
        if writer is not None:
            writer.close()
        files = table_files(self.staging / f"{name}.parquet")
        if not files:
            raise KeyError(f"table {name!r} is not written here")
        parts = ds.dataset([str(f) for f in files], format="parquet")  # in this order
        return parts.to_table(columns=columns).to_pandas()

    def adopt(self, name: str, parts: list[Path], schema: pa.Schema | None = None) -> None:
        """Move finished Parquet files in as the parts of table ``name``.

        The table becomes a directory ``<name>.parquet/`` of ``part-NNN.parquet``
        files (read as one table by pandas and pyarrow), in the order given. The
        files must have the table's schema and lie on the same file system.
        """
        if name in self._tables or name in self._adopted:
            raise ValueError(f"table {name!r} is already written here; expected a new table")
        schema = schema_for(name) if schema is None else schema
        folder = self.staging / f"{name}.parquet"
        folder.mkdir(parents=True, exist_ok=False)
        rows = 0
        digits = max(3, len(str(len(parts) - 1)))  # names sort in the order given
        for i, part in enumerate(parts):
            found = pq.read_schema(part)
            if not found.equals(schema):
                raise ValueError(f"{part} has schema {found}; expected {schema} for {name!r}")
            rows += pq.ParquetFile(part).metadata.num_rows
            os.replace(part, folder / f"part-{i:0{digits}d}.parquet")
        self._adopted[name] = rows

    def flush_all(self) -> None:
        """Write every table's buffered rows and wait for them (before the manifest
        takes the timings)."""
        for writer in self._tables.values():
            writer.flush()
        for writer in self._tables.values():
            writer.wait()

    def write_seconds(self) -> dict[str, float]:
        """Wall time each table has spent writing row groups so far [s]."""
        return {name: writer.write_s for name, writer in self._tables.items()}

    def discard(self, name: str) -> None:
        """Drop table ``name`` and what it holds (a pass that keeps only some tables)."""
        writer = self._tables.pop(name, None)
        if writer is not None:
            writer.close()
            if writer.path.is_dir():
                shutil.rmtree(writer.path)
            else:
                writer.path.unlink()

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows written so far per table."""
        counts = {name: w.rows for name, w in self._tables.items()} | self._adopted
        return dict(sorted(counts.items()))

    def commit(self, *, manifest: dict[str, Any], scenario: dict[str, Any]) -> Path:
        """Close every table, write ``scenario.yaml`` then ``manifest.json``, move into place."""
        for writer in self._tables.values():
            writer.close()
        self._executor.shutdown(wait=True)
        (self.staging / "scenario.yaml").write_text(
            yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8"
        )
        full = dict(manifest)
        full["row_counts"] = self.row_counts
        (self.staging / MANIFEST).write_text(
            json.dumps(full, indent=2, default=str) + "\n", encoding="utf-8"
        )
        self._staged.commit()
        self._done = True
        return self.destination

    def abort(self) -> None:
        """Discard everything written."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        for writer in self._tables.values():
            with contextlib.suppress(Exception):
                writer._writer.close()
        self._staged.discard()
        self._done = True

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()
