"""The alarms workbook: the meters' legal and management events, and the platform's alarms.

Sheets: ``Summary`` (events per code over the run, with a chart), ``Events
per day`` (per local day, core and code), ``Events`` (every event, streamed),
then, where the run has them, ``Alarm summary`` (per source, kind and
severity: raised, acknowledged, open at the run end, median times to
acknowledge and clear), ``Open alarms`` (those not cleared at the run end,
oldest first, with their age), ``Alarms per day`` and ``Alarms``
(``external/alarm``) and ``Safety per day`` and ``Safety alarms``
(``external/safety_alarm``); ``Notes`` last.
"""

from __future__ import annotations

import pandas as pd

from twin.report.excel.book import Book, Column, SheetWriter
from twin.report.excel.daily import Progress
from twin.report.excel.energy import write_notes
from twin.report.excel.local_time import local_naive
from twin.report.excel.streamed import stream_table
from twin.streams import RunClock, RunDirectory

__all__ = ["ALARM_TABLES", "write_alarms_workbook"]

EVENTS = "internal/meter_event"
ALARM_TABLES = {"external/alarm": "Alarms", "external/safety_alarm": "Safety"}
"""Optional alarm tables and the name their sheets start with."""

_EVENT_KEYS = ["core", "event_code", "event", "obis"]
_ALARM_KEYS = {"external/alarm": ["source", "kind", "severity"], "external/safety_alarm": ["kind"]}
_ALARM_TIME = {"external/alarm": "raised_at", "external/safety_alarm": "raised_time"}


def _counts_per_day(
    run: RunDirectory, table: str, time: str, keys: list[str], zone: str
) -> pd.DataFrame:
    """Rows of ``table`` counted per local day (of ``time``) and ``keys``, streamed."""
    schema = run.dataset(table).schema
    keys = [k for k in keys if k in schema.names]
    parts = []
    for frame in run.iter_frames(table, [time, *keys]):
        frame["day"] = local_naive(frame[time], zone).dt.floor("D")
        for key in keys:
            frame[key] = frame[key].astype(str) if frame[key].dtype != "int32" else frame[key]
        parts.append(frame.groupby(["day", *keys], dropna=False).size().rename("count"))
    if not parts:
        return pd.DataFrame(columns=["day", *keys, "count"])
    counts = pd.concat(parts).groupby(level=list(range(len(keys) + 1)), dropna=False).sum()
    return counts.reset_index()


def _write_event_summary(book: Book, per_day: pd.DataFrame) -> None:
    totals = (
        per_day.groupby(_EVENT_KEYS, dropna=False)["count"]
        .sum()
        .reset_index()
        .sort_values(["core", "event_code"], kind="stable")
    )
    columns = [
        Column("Core", "text", 11),
        Column("Event code", "int", 10),
        Column("Event", "text", 26),
        Column("OBIS event log", "text", 14),
        Column("Events", "int", 10),
    ]
    sheet = SheetWriter(book, "Summary", columns)
    sheet.write_frame(totals[[*_EVENT_KEYS, "count"]])
    if len(totals):
        name, last = sheet.sheets[0], sheet.last_row
        chart = book.workbook.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "Events over the run",
                "categories": [name, 1, 2, last, 2],
                "values": [name, 1, 4, last, 4],
            }
        )
        chart.set_title({"name": "Meter events per kind over the run"})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(240, 28 * len(totals))})
        sheet.sheet.insert_chart(1, len(columns) + 1, chart)
    else:
        sheet.write_row(["", None, "no meter events in this run", "", None])


def _write_alarm_summary(book: Book, run: RunDirectory, clock: RunClock, *, row_limit: int) -> None:
    """The ``Alarm summary`` and ``Open alarms`` sheets of ``external/alarm``."""
    zone = clock.timezone
    alarms = run.table("external/alarm")
    raised = alarms["raised_at"]
    alarms["ack_min"] = (alarms["acknowledged_at"] - raised).dt.total_seconds() / 60.0
    alarms["clear_h"] = (alarms["cleared_at"] - raised).dt.total_seconds() / 3600.0
    keys = ["source", "kind", "severity"]
    g = alarms.groupby(keys, sort=True)
    summary = pd.DataFrame(
        {
            "raised": g.size(),
            "acknowledged": g["acknowledged_at"].count(),
            "open": g["cleared_at"].agg(lambda c: int(c.isna().sum())),
            "ack_min": g["ack_min"].median(),
            "clear_h": g["clear_h"].median(),
        }
    ).reset_index()
    columns = [
        Column("Source", "text", 12),
        Column("Kind", "text", 26),
        Column("Severity", "text", 10),
        Column("Raised", "int", 10),
        Column("Acknowledged", "int", 13),
        Column("Open at the run end", "int", 18),
        Column("Median time to acknowledge [min]", "float", 18),
        Column("Median time to clear [h]", "float", 16),
    ]
    sheet = SheetWriter(book, "Alarm summary", columns, row_limit=row_limit)
    if len(summary):
        sheet.write_frame(summary[[*keys, "raised", "acknowledged", "open", "ack_min", "clear_h"]])
    else:
        sheet.write_row(["no alarms in this run", "", "", 0, 0, 0, None, None])
    still = alarms[alarms["cleared_at"].isna()].sort_values(["raised_at", "alarm_id"])
    age_h = (clock.end - still["raised_at"]).dt.total_seconds() / 3600.0
    open_frame = pd.DataFrame(
        {
            "alarm_id": still["alarm_id"].astype(str),
            "source": still["source"].astype(str),
            "device_id": still["device_id"].astype(str),
            "premise_id": still["premise_id"].astype(object).where(still["premise_id"].notna(), ""),
            "kind": still["kind"].astype(str),
            "severity": still["severity"].astype(str),
            "raised": local_naive(still["raised_at"], zone),
            "acknowledged": local_naive(still["acknowledged_at"], zone),
            "age_h": age_h.to_numpy(dtype=float),
            "work_order_id": still["work_order_id"]
            .astype(object)
            .where(still["work_order_id"].notna(), ""),
        }
    )
    columns = [
        Column("Alarm id", "text", 26),
        Column("Source", "text", 12),
        Column("Device id", "text", 12),
        Column("Premise id", "text", 12),
        Column("Kind", "text", 24),
        Column("Severity", "text", 10),
        Column(f"Raised at [{zone}]", "datetime", 20),
        Column(f"Acknowledged at [{zone}]", "datetime", 20),
        Column("Age at the run end [h]", "float", 14),
        Column("Work order id", "text", 14),
    ]
    sheet = SheetWriter(book, "Open alarms", columns, row_limit=row_limit)
    if len(open_frame):
        sheet.write_frame(open_frame)
    else:
        sheet.write_row(["no alarm open at the run end", "", "", "", "", "", None, None, None, ""])


def write_alarms_workbook(
    book: Book,
    run: RunDirectory,
    clock: RunClock,
    *,
    row_limit: int,
    progress: Progress | None = None,
) -> None:
    """Write the alarms workbook's sheets into ``book`` (see the module docstring)."""
    zone = clock.timezone
    notes: list[tuple[str, str]] = []
    if run.has(EVENTS):
        per_day = _counts_per_day(run, EVENTS, "event_time", _EVENT_KEYS, zone)
        _write_event_summary(book, per_day)
        day_columns = [
            Column(f"Day [{zone}]", "date", 12),
            Column("Core", "text", 11),
            Column("Event code", "int", 10),
            Column("Event", "text", 26),
            Column("OBIS event log", "text", 14),
            Column("Events", "int", 10),
        ]
        sheet = SheetWriter(book, "Events per day", day_columns, row_limit=row_limit)
        sheet.write_frame(per_day.sort_values(["day", "core", "event_code"], kind="stable"))
        stream_table(book, run, EVENTS, "Events", zone, row_limit=row_limit, progress=progress)
        notes.append(
            (
                "Events",
                f"{EVENTS}: the legal (metrology core) and management-core event logs, "
                "stamped by the meter's clock; OBIS 0-0:99.98.0 standard, .1 fraud detection, "
                ".2 disconnector control event log.",
            )
        )
    else:
        notes.append(("Events", f"the run has no {EVENTS} table."))
    for table, label in ALARM_TABLES.items():
        if not run.has(table):
            notes.append((label, f"the run has no {table} table: no {label.lower()} sheets."))
            continue
        if table == "external/alarm":
            _write_alarm_summary(book, run, clock, row_limit=row_limit)
            notes.append(
                (
                    "Alarm summary",
                    "external/alarm per source, kind and severity; median times over the "
                    "alarms acknowledged or cleared within the run. Open alarms: not cleared "
                    "at the run end, with their age then.",
                )
            )
        keys = _ALARM_KEYS[table]
        per_day = _counts_per_day(run, table, _ALARM_TIME[table], keys, zone)
        columns = [
            Column(f"Day [{zone}]", "date", 12),
            *(Column(k.capitalize(), "text", 14) for k in per_day.columns[1:-1]),
            Column("Alarms", "int", 10),
        ]
        SheetWriter(book, f"{label} per day", columns, row_limit=row_limit).write_frame(per_day)
        sheet_name = "Alarms" if label == "Alarms" else f"{label} alarms"
        stream_table(book, run, table, sheet_name, zone, row_limit=row_limit, progress=progress)
        notes.append((label, f"{table}: alarms counted per local day they were raised."))
    write_notes(book, run, clock, notes)
