"""Any run table streamed into a sheet, its columns typed from the table's schema.

Used for the event and alarm lists (and the bills): one row per record,
timestamps in the run's local time with the zone in the header, numbers as
numbers, everything else as text.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from twin.report.excel.book import Book, CellKind, Column, SheetWriter
from twin.report.excel.daily import Progress
from twin.report.excel.local_time import local_naive
from twin.streams import RunDirectory

__all__ = ["column_for", "stream_table"]

_UNIT_SUFFIXES: dict[str, tuple[str, CellKind]] = {
    "_wh": ("Wh", "int"),
    "_kwh": ("kWh", "kwh"),
    "_kw": ("kW", "kw"),
    "_w": ("W", "int"),
    "_percent": ("%", "percent"),
    "_s": ("s", "float"),
    "_ma": ("mA", "float"),
    "_v": ("V", "float"),
    "_c": ("°C", "float"),
}
"""Column-name unit suffixes of the run's tables and the unit and cell kind they give."""


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def column_for(field: pa.Field, zone: str) -> Column:
    """A sheet column for a table field: the unit of its name's suffix in the header."""
    if pa.types.is_timestamp(field.type):
        return Column(f"{_title(field.name)} [{zone}]", "datetime", 19)
    if pa.types.is_date(field.type):
        return Column(f"{_title(field.name)} [{zone}]", "date", 12)
    name = field.name
    register = re.fullmatch(r"(.+)(_[a-z]+)_(t\d+)", name)  # import_wh_t1: register T1 of import
    if register is not None and register.group(2) in _UNIT_SUFFIXES:
        name = f"{register.group(1)}_{register.group(3).upper()}{register.group(2)}"
    for suffix, (unit, kind) in _UNIT_SUFFIXES.items():
        if name.endswith(suffix) and (
            pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        ):
            title = re.sub(r"\bt(\d+)\b", r"T\1", name.removesuffix(suffix).replace("_", " "))
            return Column(f"{title[:1].upper()}{title[1:]} [{unit}]", kind)
    if pa.types.is_integer(field.type):
        return Column(_title(field.name), "int", 11)
    if pa.types.is_floating(field.type):
        return Column(_title(field.name), "float", 12)
    return Column(_title(field.name), "text", 16)


def stream_table(
    book: Book,
    run: RunDirectory,
    table: str,
    sheet_name: str,
    zone: str,
    *,
    row_limit: int,
    progress: Progress | None = None,
    overrides: dict[str, Column] | None = None,
) -> SheetWriter:
    """Write every row of ``table`` into sheet ``sheet_name`` (and its continuations).

    ``overrides`` gives the column of a field by name where its schema says
    too little (a currency amount).
    """
    schema = run.dataset(table).schema
    columns = [(overrides or {}).get(f.name) or column_for(f, zone) for f in schema]
    sheet = SheetWriter(book, sheet_name, columns, row_limit=row_limit)
    times = [f.name for f in schema if pa.types.is_timestamp(f.type)]
    for frame in run.iter_frames(table, list(schema.names)):
        for name in times:
            frame[name] = local_naive(_utc(frame[name]), zone)
        sheet.write_frame(frame)
        if progress is not None:
            progress(len(frame))
    return sheet


def _utc(stamps: pd.Series) -> pd.Series:
    return stamps if stamps.dt.tz is not None else stamps.dt.tz_localize("UTC")
