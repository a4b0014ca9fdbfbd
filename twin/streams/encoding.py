"""How each table is encoded in Parquet: compression, column encodings, statistics.

Chosen by measurement on a 7-day run of 2,500 households on
``simbench:1-MVLV-urban-all-0-sw`` (``benchmarks/bench_output.py``; figures in
the README):

- zstd at level :data:`ZSTD_LEVEL`: about as fast as snappy per row once the
  encodings below have shrunk the data, a few per cent smaller than level 1;
  levels 6 and above save 1-3 % more for 30-40 % more writer time.
- Identifier columns stored as integers (``bus_id``, ``line_id``,
  ``transformer_id``) and timestamps use ``DELTA_BINARY_PACKED``: a table
  written interval by interval repeats the same ascending ids and nearly
  equal stamps, which delta encoding brings to a few bits per row (bus ids:
  1.8 -> 0.04 bytes per row).
- Floating-point measurements use ``BYTE_STREAM_SPLIT``: the sign, exponent
  and high mantissa bytes of neighbouring values agree, and zstd finds them
  once they are stored apart (voltages: 2.7 -> 2.0 bytes per row).
- Strings, Arrow dictionary columns (``meter_id``, ``quality``), other
  integers (energies, counts), booleans and dates keep Parquet's dictionary
  encoding (its default).
- Column statistics and the page index (min/max per page in one place, for
  readers that use it, such as Spark's parquet-mr and arrow-rs; pyarrow skips
  by the row-group statistics) are written for every column; pages hold at
  most :data:`MAX_ROWS_PER_PAGE` rows.
- Tables written in time order declare it (``sorting_columns``).

Every reader of Parquet 2.6 files reads these (pandas, pyarrow, DuckDB,
Spark, polars); the Arrow schema stored in the file keeps the pandas dtypes
(dictionary ids arrive as categoricals, as before).

References
----------
.. [1] Apache Parquet format, "Encodings": DELTA_BINARY_PACKED,
   BYTE_STREAM_SPLIT, RLE_DICTIONARY; "Page Index".
   https://parquet.apache.org/docs/file-format/
"""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["COMPRESSION", "MAX_ROWS_PER_PAGE", "SORTED_BY", "ZSTD_LEVEL", "writer_options"]

COMPRESSION: Final = "zstd"
"""Parquet compression codec of every table."""

ZSTD_LEVEL: Final = 3
"""zstd level (1 fastest .. 22 smallest): measured choice, see the module docstring."""

MAX_ROWS_PER_PAGE: Final = 20_000
"""Most rows per data page: the granularity at which a reader with the page index skips
(about two intervals of every bus of the 10,000-household urban grid)."""

SORTED_BY: Final[dict[str, tuple[str, ...]]] = {
    "internal/transformer_interval": ("interval_end",),
    "internal/bus_voltage": ("interval_end",),
    "internal/line_interval": ("interval_end",),
    "internal/bus_voltage_daily": ("day",),
    "internal/line_daily": ("day",),
    "truth/power_flow": ("interval_end",),
    "truth/area_power_flow": ("interval_end",),
}
"""Tables whose rows are written in ascending order of these columns (declared in each
row group's ``sorting_columns``); every interval (day) is appended whole, in turn."""


def _encoding(field: pa.Field) -> str | None:
    """The explicit Parquet encoding of a column, or None for dictionary encoding."""
    kind = field.type
    if pa.types.is_floating(kind):
        return "BYTE_STREAM_SPLIT"
    if pa.types.is_timestamp(kind):
        return "DELTA_BINARY_PACKED"
    if pa.types.is_integer(kind) and field.name.endswith("_id"):
        return "DELTA_BINARY_PACKED"
    return None


def writer_options(schema: pa.Schema, table: str | None = None) -> dict[str, Any]:
    """Keyword arguments of :class:`pyarrow.parquet.ParquetWriter` for a table.

    Parameters
    ----------
    schema : pyarrow.Schema
        The table's schema.
    table : str, optional
        The table's name (``internal/bus_voltage``), for its declared sort order.

    Returns
    -------
    dict
        ``compression``, ``compression_level``, ``use_dictionary``,
        ``column_encoding``, ``write_statistics``, ``write_page_index``,
        ``max_rows_per_page`` and ``sorting_columns``.
    """
    encodings = {f.name: e for f in schema if (e := _encoding(f)) is not None}
    dictionary = [f.name for f in schema if f.name not in encodings]
    sorted_by = [c for c in SORTED_BY.get(table or "", ()) if c in schema.names]
    sorting = (
        [pq.SortingColumn(schema.get_field_index(c)) for c in sorted_by] if sorted_by else None
    )
    return {
        "compression": COMPRESSION,
        "compression_level": ZSTD_LEVEL,
        "use_dictionary": dictionary,
        "column_encoding": encodings or None,
        "write_statistics": True,
        "write_page_index": True,
        "max_rows_per_page": MAX_ROWS_PER_PAGE,
        "sorting_columns": sorting,
    }
