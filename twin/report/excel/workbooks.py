"""``export_workbooks``: the platform's Excel reports of a run, under ``RUN_DIR/export/``.

Each workbook is written under a hidden temporary name in ``export/`` and
renamed into place when complete, so a failure leaves the previous workbook
(or nothing) behind; an ``export/`` folder this call created is removed
again when nothing was written into it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from twin.errors import TwinError
from twin.report.excel.alarms import write_alarms_workbook
from twin.report.excel.book import EXCEL_MAX_ROWS, Book
from twin.report.excel.energy import write_energy_workbook
from twin.report.excel.finance import FINANCE_TABLES, write_finance_workbook
from twin.streams import RunClock, RunDirectory, open_run, replace_file

__all__ = ["REPORT_NAMES", "ExportResult", "export_workbooks"]

ReportName = Literal["energy", "finance", "alarms"]
REPORT_NAMES: tuple[ReportName, ...] = ("energy", "alarms", "finance")
"""The workbooks, in the order ``all`` writes them."""

EXPORT_FOLDER = "export"

_Writer = Callable[..., None]
_WRITERS: dict[str, _Writer] = {
    "energy": write_energy_workbook,
    "alarms": write_alarms_workbook,
    "finance": write_finance_workbook,
}
_NO_TARIFFS = (
    "the run has no tariffs: no external/bill or external/prepaid_transaction table "
    "(bills and prepaid sales come from a run with tariffs)"
)


@dataclass
class ExportResult:
    """What :func:`export_workbooks` wrote.

    Attributes
    ----------
    written : dict of str to pathlib.Path
        Report name to its workbook.
    sheets : dict of str to list of str
        Report name to its sheet names, in order.
    skipped : dict of str to str
        Report name to why it was not written.
    """

    written: dict[str, Path] = field(default_factory=dict)
    sheets: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _requested(report: str) -> list[str]:
    if report == "all":
        return list(REPORT_NAMES)
    if report not in REPORT_NAMES:
        raise TwinError(
            f"--report given an invalid value {report!r}; expected one of {[*REPORT_NAMES, 'all']}"
        )
    return [report]


def _row_count(run: RunDirectory, name: str) -> int:
    return int(run.dataset(name).count_rows()) if run.has(name) else 0


_READ_TABLES = {
    "energy": [
        "internal/meter_interval",
        "internal/area_meter_interval",
        "internal/transformer_interval",
    ],
    "alarms": ["internal/meter_event"],
    "finance": [*FINANCE_TABLES],
}
"""The tables each workbook streams, whose rows the progress bar counts."""


def export_workbooks(
    run_dir: str | Path,
    report: str = "all",
    *,
    row_limit: int = EXCEL_MAX_ROWS,
    progress: bool | None = None,
) -> ExportResult:
    """Write the Excel workbooks of a finished run into ``RUN_DIR/export/``.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory.
    report : {"energy", "alarms", "finance", "all"}
        Which workbook(s): ``energy.xlsx``, ``alarms.xlsx``, ``finance.xlsx``.
    row_limit : int
        Rows per sheet, header included, before a sheet continues in
        ``"Name (2)"`` (default Excel's 1,048,576).
    progress : bool, optional
        Progress bar over the rows read; default: when stderr is a terminal.

    Raises
    ------
    twin.errors.TwinError
        Not a finished run, an unknown report, or ``finance`` asked of a run
        without tariffs (nothing is written then).
    """
    names = _requested(report)
    run = open_run(run_dir)
    clock = run.clock
    result = ExportResult()
    if not any(run.has(t) for t in FINANCE_TABLES) and "finance" in names:
        if report == "finance":
            raise TwinError(f"cannot export finance for {str(run.path)!r}: {_NO_TARIFFS}")
        names.remove("finance")
        result.skipped["finance"] = _NO_TARIFFS
    folder = run.path / EXPORT_FOLDER
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    try:
        total = sum(_row_count(run, t) for name in names for t in _READ_TABLES[name])
        with tqdm(
            total=total,
            unit="row",
            unit_scale=True,
            desc="export",
            disable=None if progress is None else not progress,
            leave=False,
        ) as bar:
            for name in names:
                bar.set_postfix_str(f"{name}.xlsx")
                path, sheets = _write(run, clock, name, folder, row_limit, bar.update)
                result.written[name], result.sheets[name] = path, sheets
    finally:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: nothing was written
    return result


def _write(
    run: RunDirectory,
    clock: RunClock,
    name: str,
    folder: Path,
    row_limit: int,
    update: Callable[[int], object],
) -> tuple[Path, list[str]]:
    sheets: list[str] = []

    def write(tmp: Path) -> None:
        book = Book(tmp)
        try:
            _WRITERS[name](book, run, clock, row_limit=row_limit, progress=update)
        finally:
            book.close()
        sheets.extend(book.sheet_names)

    return replace_file(folder / f"{name}.xlsx", write), sheets
