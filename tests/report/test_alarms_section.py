"""The report's alarms section and the alarms workbook's summary sheets on a real run."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import twin
from tests.conftest import tiny_scenario_dict
from tests.engine.test_alarm_sources import _data
from twin.report import write_report
from twin.report.alarms_section import alarm_frame, alarms_section
from twin.report.excel.workbooks import export_workbooks
from twin.scenario.loading import validate_scenario_dict


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    data = _data()
    data["time"]["duration"] = "2d"
    folder = tmp_path_factory.mktemp("alarm-report")
    return twin.run(validate_scenario_dict(data), out=folder / "run", progress=False)


def _cells(table: object) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table.rows}  # type: ignore[attr-defined]


def test_the_section_counts_what_the_alarm_table_holds(run: twin.Run, tmp_path: Path) -> None:
    section = alarms_section(run, tmp_path, timezone="Europe/Berlin")
    assert section is not None and section.anchor == "alarms"
    alarms = alarm_frame(run)
    key = _cells(section.tables[0])
    assert key["alarms raised"] == [f"{len(alarms):,}"]
    assert key["open at the run end"] == [f"{int(alarms['cleared_at'].isna().sum()):,}"]
    true = (alarms["cause"] != "false").mean()
    assert key["with a true cause"] == [f"{true * 100:.1f} %"]
    by_source = _cells(section.tables[1])
    for source, group in alarms.groupby("source"):
        assert by_source[str(source)][0] == f"{len(group):,}"
    assert len(section.tables[3].rows) <= 10
    assert (tmp_path / section.figures[0].file).is_file()
    cleared = alarms.dropna(subset=["cleared_at"])
    hours = (cleared["cleared_at"] - cleared["raised_at"]) / pd.Timedelta("1h")
    assert cleared["clear_h"].to_numpy() == pytest.approx(hours.to_numpy())


def test_the_page_links_the_section(run: twin.Run) -> None:
    page = write_report(run.path).read_text(encoding="utf-8")
    assert 'id="alarms"' in page and "alarms_per_day.png" in page


def test_a_run_without_alarms_says_so(tmp_path: Path) -> None:
    data = tiny_scenario_dict(**{"time.duration": "6h"})
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "quiet", progress=False)
    assert run.table("external/alarm").empty
    section = alarms_section(run, tmp_path, timezone="Europe/Berlin")
    assert section is not None and section.notes == ["No alarm was raised in this run."]


def test_the_workbook_summarises_and_lists_the_open_alarms(run: twin.Run) -> None:
    export_workbooks(run.path, report="alarms", progress=False)
    book = openpyxl.load_workbook(run.path / "export" / "alarms.xlsx")
    alarms = run.table("external/alarm")
    summary = list(book["Alarm summary"].iter_rows(min_row=2, values_only=True))
    assert sum(r[3] for r in summary) == len(alarms)
    assert sum(r[5] for r in summary) == int(alarms["cleared_at"].isna().sum())
    opened = list(book["Open alarms"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in opened) == sorted(alarms[alarms["cleared_at"].isna()]["alarm_id"])
    assert all(r[8] >= 0 for r in opened)
