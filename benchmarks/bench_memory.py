"""Where a long run's memory goes, sampled while it runs (Linux, glibc).

(a) The benchmarks' town (``town.py``, every stream written) for ``--days``,
    in this process: every ``--every`` simulated days the process's RSS and the
    highest RSS read after any interval since the last sample, glibc's heap
    (``mallinfo2``: its arenas in use and free, its mmapped blocks, summed over
    all arenas) and the bytes Arrow's memory pool holds. What grows while
    Python, numpy and Arrow stay flat is C/C++ memory or fragmentation. Run it
    with glibc's variables (``MALLOC_ARENA_MAX=1``, ``MALLOC_MMAP_THRESHOLD_``
    with ``MALLOC_TRIM_THRESHOLD_``) to see what the allocator's settings change.
(b) The Parquet page index: one ``internal/bus_voltage`` file written with the
    twin's writer options, ``--row-groups`` groups of a million rows, with and
    without the page index, glibc's heap in use after each 50 groups (Arrow
    keeps every row group's index until the file is closed).

    python benchmarks/bench_memory.py [--households 10000] [--days 60] [--every 6]
"""

from __future__ import annotations

import argparse
import ctypes
import tempfile
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from provenance import commit
from town import town_scenario

import twin
from twin.engine import interval_loop
from twin.scenario.loading import validate_scenario_dict
from twin.streams.encoding import writer_options
from twin.streams.schemas import schema_for

MB = 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


_LIBC = ctypes.CDLL("libc.so.6")
_LIBC.mallinfo2.restype = _MallInfo2


def _sample(label: str, highest_mb: float) -> None:
    m = _LIBC.mallinfo2()
    print(
        f"{label}: RSS {psutil.Process().memory_info().rss / MB:7.1f} MB (highest since the "
        f"last sample {highest_mb:7.1f}), heap in use "
        f"{m.uordblks / MB:6.1f}, free {m.fordblks / MB:6.1f}, mmapped {m.hblkhd / MB:6.1f}, "
        f"Arrow {pa.total_allocated_bytes() / MB:5.1f}",
        flush=True,
    )


def run_town(households: int, days: int, every: int, out: Path) -> None:
    """(a): the town, sampled every ``every`` simulated days."""
    per_day = 96
    close = interval_loop.IntervalLoop._close_interval
    process = psutil.Process()
    highest = [0.0]  # RSS [MB], highest after an interval since the last sample

    def sampled(self: interval_loop.IntervalLoop, k: int, *args: np.ndarray) -> None:
        close(self, k, *args)
        highest[0] = max(highest[0], process.memory_info().rss / MB)
        if (k + 1) % (every * per_day) == 0:
            _sample(f"day {(k + 1) // per_day:4d}", highest[0])
            highest[0] = 0.0

    interval_loop.IntervalLoop._close_interval = sampled  # type: ignore[method-assign, assignment]
    try:
        scenario = validate_scenario_dict(town_scenario("memory", households, days))
        run = twin.run(scenario, out=out, progress=False)
    finally:
        interval_loop.IntervalLoop._close_interval = close  # type: ignore[method-assign]
    timings = run.manifest["timings_s"]
    loop_ms = (timings["simulate"] - timings["finish"]) / (days * per_day) * 1e3
    print(f"loop {loop_ms:.2f} ms per interval")


def page_index(row_groups: int, folder: Path) -> None:
    """(b): a bus-voltage file of ``row_groups`` million-row groups, with and without."""
    name = "internal/bus_voltage"
    schema = schema_for(name)
    n = 1_000_000
    rng = np.random.default_rng(0)
    columns = []
    for field in schema:
        values: np.ndarray
        if pa.types.is_timestamp(field.type):
            values = np.repeat(np.arange(100, dtype=np.int64) * 900_000_000, n // 100)
        elif pa.types.is_integer(field.type):
            values = np.tile(np.arange(n // 100), 100)
        else:
            values = rng.random(n)
        columns.append(pa.array(values).cast(field.type))
    table = pa.Table.from_arrays(columns, schema=schema)
    for with_index in (True, False):
        options = writer_options(schema, name) | {"write_page_index": with_index}
        writer = pq.ParquetWriter(folder / f"index_{with_index}.parquet", schema, **options)
        for group in range(1, row_groups + 1):
            writer.write_table(table, row_group_size=n)
            if group % 50 == 0:
                rss = psutil.Process().memory_info().rss / MB
                _sample(f"page index {'on ' if with_index else 'off'}, {group:3d} groups", rss)
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--row-groups", type=int, default=200)
    args = parser.parse_args()
    print(f"commit {commit()}, Arrow pool {pa.default_memory_pool().backend_name}")
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp:
        run_town(args.households, args.days, args.every, Path(tmp) / "run")
        page_index(args.row_groups, Path(tmp))


if __name__ == "__main__":
    main()
