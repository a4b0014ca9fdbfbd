"""Streaming Excel sheets: typed cells, units in headers, frozen headers, split at the row limit.

A :class:`Book` wraps an XlsxWriter workbook in ``constant_memory`` mode: each
row is written to disk as soon as the next one starts, so a sheet of a
million rows costs the memory of one. A :class:`SheetWriter` writes the rows
of one report into a sheet with its header frozen and a number format per
column, and continues into ``"Name (2)"``, ``"Name (3)"``, ... when a sheet
reaches Excel's row limit.

References
----------
Microsoft, "Excel specifications and limits": 1,048,576 rows by 16,384
columns per worksheet, sheet names of at most 31 characters.
XlsxWriter, "Working with Memory and Performance" (``constant_memory``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

__all__ = ["EXCEL_MAX_ROWS", "Book", "CellKind", "Column", "SheetWriter", "excel_serial"]

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel worksheet, the header row included (Excel specifications and limits)."""

SHEET_NAME_CHARS = 31
"""Longest sheet name Excel accepts."""

CellKind = Literal[
    "text", "int", "kwh", "kw", "money", "percent", "float", "date", "datetime", "month", "year"
]

NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "kwh": "#,##0.000",
    "kw": "#,##0.000",
    "money": "#,##0.00",
    "percent": "0.0",
    "float": "0.000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "month": "yyyy-mm",
    "year": "0",
}
"""Excel number format of each kind of cell (``text`` cells keep the general format)."""

_TIME_KINDS = ("date", "datetime", "month")
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")
"""Day 0 of Excel's 1900 date system as the serial numbers after 1900-03-01 count it."""


@dataclass(frozen=True)
class Column:
    """One column of a report sheet.

    Attributes
    ----------
    header : str
        Header text with the unit in brackets, e.g. ``"Import [kWh]"``.
    kind : CellKind
        How cells are written and formatted (``date`` cells take naive local
        timestamps; ``text`` cells are strings).
    width : float
        Column width [characters].
    """

    header: str
    kind: CellKind = "text"
    width: float = 14.0


def excel_serial(values: Any) -> np.ndarray:
    """Naive (local) timestamps or dates as Excel date serial numbers [days since 1899-12-30].

    Missing values (NaT) become NaN, written as empty cells.
    """
    stamps = pd.to_datetime(pd.Series(values))
    if stamps.dt.tz is not None:
        raise ValueError("Excel dates are naive local times; convert to the run's zone first")
    array = stamps.to_numpy(dtype="datetime64[us]")
    serial = np.asarray((array - _EXCEL_EPOCH) / np.timedelta64(1, "D"), dtype=float)
    serial[np.isnat(array)] = np.nan
    return serial


class Book:
    """An XlsxWriter workbook written row by row, with one cell format per kind of column.

    Parameters
    ----------
    path : pathlib.Path
        The file to write (closed by :meth:`close`).
    """

    def __init__(self, path: Path):
        self.workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "nan_inf_to_errors": True}
        )
        self.header = self.workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#DDEBF7"}
        )
        self.bold = self.workbook.add_format({"bold": True})
        self.formats: dict[str, Format | None] = {"text": None}
        for kind, pattern in NUMBER_FORMATS.items():
            self.formats[kind] = self.workbook.add_format({"num_format": pattern})
        self.sheet_names: list[str] = []

    def add_sheet(self, name: str) -> Worksheet:
        """A new worksheet named ``name`` (cut to Excel's 31 characters)."""
        name = name[:SHEET_NAME_CHARS]
        sheet = self.workbook.add_worksheet(name)
        self.sheet_names.append(name)
        return sheet

    def close(self) -> None:
        """Finish the file."""
        self.workbook.close()


class SheetWriter:
    """Rows of one report, streamed into a sheet and its continuations.

    Parameters
    ----------
    book : Book
        The workbook.
    name : str
        Name of the first sheet; continuations are ``"name (2)"``, ...
    columns : sequence of Column
        The columns, in order.
    row_limit : int
        Rows per sheet, the header included (default Excel's 1,048,576).
    """

    def __init__(
        self,
        book: Book,
        name: str,
        columns: Sequence[Column],
        *,
        row_limit: int = EXCEL_MAX_ROWS,
    ):
        if row_limit < 2:
            raise ValueError(f"row_limit given {row_limit}; expected at least 2 (header and a row)")
        self.book = book
        self.name = name
        self.columns = list(columns)
        self.row_limit = min(row_limit, EXCEL_MAX_ROWS)
        self.sheets: list[str] = []
        self.rows_written = 0
        self._sheet: Worksheet | None = None
        self._row = 0
        self._open()

    def _open(self) -> None:
        k = len(self.sheets) + 1
        suffix = "" if k == 1 else f" ({k})"
        sheet = self.book.add_sheet(self.name[: SHEET_NAME_CHARS - len(suffix)] + suffix)
        self.sheets.append(sheet.name)
        for c, column in enumerate(self.columns):
            sheet.set_column(c, c, column.width, self.book.formats[column.kind])
            sheet.write_string(0, c, column.header, self.book.header)
        sheet.freeze_panes(1, 0)
        self._sheet = sheet
        self._row = 1

    @property
    def sheet(self) -> Worksheet:
        """The sheet being written."""
        assert self._sheet is not None
        return self._sheet

    @property
    def last_row(self) -> int:
        """0-based index of the last row written in the current sheet."""
        return self._row - 1

    def write_frame(self, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows; its columns are taken in order, one per :class:`Column`.

        Time columns hold naive local timestamps (or dates); missing values
        are left empty.
        """
        if len(frame.columns) != len(self.columns):
            raise ValueError(
                f"sheet {self.name!r} has {len(self.columns)} columns; "
                f"given a frame of {len(frame.columns)}"
            )
        cells = [_cells(frame.iloc[:, c], col.kind) for c, col in enumerate(self.columns)]
        for values in zip(*cells, strict=True):
            self._write_row(values)

    def write_row(self, values: Sequence[Any]) -> None:
        """Append one row of Python values (numbers, strings, naive datetimes, None)."""
        cells = [
            _cells(pd.Series([v]), col.kind)[0] for v, col in zip(values, self.columns, strict=True)
        ]
        self._write_row(cells)

    def _write_row(self, values: Sequence[Any]) -> None:
        if self._row >= self.row_limit:
            self._open()
        sheet, row = self.sheet, self._row
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row, c, value)
            elif not math.isnan(value):
                sheet.write_number(row, c, value)
        self._row += 1
        self.rows_written += 1


def _cells(values: pd.Series, kind: CellKind) -> list[Any]:
    """A column's values as what is written: floats (NaN: empty) or strings (None: empty)."""
    if kind in _TIME_KINDS:
        return excel_serial(values).tolist()
    if kind == "text":
        text = values.astype(object)
        return [None if v is None or v is pd.NA or v != v else str(v) for v in text.tolist()]
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.to_numpy(na_value=np.nan).tolist()
