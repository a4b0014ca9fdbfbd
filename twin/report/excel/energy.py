"""The energy workbook: daily, monthly and annual energy per meter, LV area and transformer.

Sheets: ``Summary`` (the run's energy per local day, with charts), ``Meters
daily`` / ``monthly`` / ``annual``, ``Areas daily`` / ..., ``Transformers
daily`` / ..., and ``Notes`` (where every figure comes from). Annual sheets
appear when the run lasts a year or more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from twin.report.excel.book import Book, Column, SheetWriter
from twin.report.excel.daily import SOURCE_REGISTERS, Progress, daily_energy, roll_up
from twin.report.excel.local_time import interval_day, local_naive, month_of
from twin.streams import RunClock, RunDirectory

__all__ = ["TOP_AREAS", "write_energy_workbook"]

TOP_AREAS = 5
"""LV areas drawn in the summary chart: the ones with the most imported energy."""

YEAR_S = 365 * 86_400
"""A run at least this long [s] gets annual sheets."""

WH_PER_KWH = 1_000.0


@dataclass
class _Energy:
    """Daily frames of the run, and what the notes say about them."""

    meters: pd.DataFrame
    areas: pd.DataFrame | None
    transformers: pd.DataFrame | None
    notes: list[tuple[str, str]] = field(default_factory=list)


def _meters(run: RunDirectory, clock: RunClock, progress: Progress | None) -> pd.DataFrame:
    daily = daily_energy(
        run,
        "internal/meter_interval",
        "internal/meter_register_daily",
        ["meter_id"],
        clock,
        progress,
    )
    if run.has("internal/meter_point"):
        points = run.table(
            "internal/meter_point", ["meter_id", "premise_id", "customer_kind", "transformer_id"]
        )
        daily = daily.merge(points, on="meter_id", how="left")
    for column in ("premise_id", "customer_kind", "transformer_id"):
        if column not in daily:
            daily[column] = None
    return daily


def _transformers(run: RunDirectory, clock: RunClock, progress: Progress | None) -> pd.DataFrame:
    """Transformer energy per local day from ``p_kw`` x interval [kWh], peak and loading."""
    hours = clock.interval_s / 3_600
    parts = []
    columns = ["transformer_id", "interval_end", "p_kw", "loading_percent"]
    for batch in run.iter_frames("internal/transformer_interval", columns):
        p_kw = batch["p_kw"].astype(float)
        part = pd.DataFrame(
            {
                "transformer_id": batch["transformer_id"],
                "day": interval_day(batch["interval_end"], clock.interval_s, clock.timezone),
                "import_kwh": p_kw.clip(lower=0) * hours,
                "export_kwh": (-p_kw).clip(lower=0) * hours,
                "peak_kw": p_kw,
                "max_loading_percent": batch["loading_percent"].astype(float),
                "intervals": 1,
            }
        )
        parts.append(part.groupby(["transformer_id", "day"], sort=False).agg(_TRAFO_AGG))
        if progress is not None:
            progress(len(batch))
    if not parts:
        return pd.DataFrame(columns=["transformer_id", "day", *_TRAFO_AGG])
    frame = pd.concat(parts).groupby(level=[0, 1]).agg(_TRAFO_AGG).reset_index()
    return frame.sort_values(["day", "transformer_id"], ignore_index=True)


_TRAFO_AGG = {
    "import_kwh": "sum",
    "export_kwh": "sum",
    "peak_kw": "max",
    "max_loading_percent": "max",
    "intervals": "sum",
}


def _read(run: RunDirectory, clock: RunClock, progress: Progress | None) -> _Energy:
    meters = _meters(run, clock, progress)
    n_reg = int((meters["source"] == SOURCE_REGISTERS).sum())
    notes = [
        (
            "Customer meters",
            "internal/meter_register_daily: a day's energy is the difference of the registers "
            "frozen at the local midnights around it (registers start at 0 Wh at the run's "
            f"start); {n_reg:,} of {len(meters):,} meter-days. Days without both freezes "
            "(rejected blocks, the last partial day) sum internal/meter_interval instead; "
            "column Source says which.",
        )
    ]
    areas = None
    if run.has("internal/area_meter_interval"):
        areas = daily_energy(
            run,
            "internal/area_meter_interval",
            "internal/area_meter_register_daily",
            ["transformer_id", "meter_id"],
            clock,
            progress,
        )
        notes.append(
            (
                "LV areas",
                "the area check meter at each transformer's LV side: "
                "internal/area_meter_register_daily differences, else "
                "internal/area_meter_interval.",
            )
        )
    else:
        notes.append(("LV areas", "the run has no internal/area_meter_interval: no area sheets."))
    transformers = None
    if run.has("internal/transformer_interval"):
        transformers = _transformers(run, clock, progress)
        notes.append(
            (
                "Transformers",
                "internal/transformer_interval: energy = p_kw x interval length, import where "
                "p_kw > 0 (towards the LV side), export (reverse flow) where p_kw < 0; peak P "
                "and maximum loading of the day's intervals.",
            )
        )
    return _Energy(meters, areas, transformers, notes)


def _summary_frame(energy: _Energy) -> tuple[pd.DataFrame, list[str]]:
    """Energy per local day: customer import and export, then the top areas' import [kWh]."""
    meters = energy.meters.groupby("day")[["import_wh", "export_wh"]].sum() / WH_PER_KWH
    frame = meters.rename(columns={"import_wh": "import_kwh", "export_wh": "export_kwh"})
    areas: list[str] = []
    if energy.areas is not None and len(energy.areas):
        totals = energy.areas.groupby("transformer_id")["import_wh"].sum()
        top = totals.sort_values(ascending=False, kind="stable").index[:TOP_AREAS]
        pivot = (
            energy.areas[energy.areas["transformer_id"].isin(top)]
            .pivot_table(index="day", columns="transformer_id", values="import_wh", aggfunc="sum")
            .reindex(columns=top)
            / WH_PER_KWH
        )
        areas = [f"Area {t} import [kWh]" for t in top]
        pivot.columns = areas
        frame = frame.join(pivot, how="outer")
    return frame.reset_index(), areas


def _write_summary(book: Book, energy: _Energy, zone: str) -> None:
    frame, areas = _summary_frame(energy)
    columns = [
        Column(f"Day [{zone}]", "date", 12),
        Column("Customer import [kWh]", "kwh", 16),
        Column("Customer export [kWh]", "kwh", 16),
        *(Column(name, "kwh", 16) for name in areas),
    ]
    sheet = SheetWriter(book, "Summary", columns)
    sheet.write_frame(frame)
    last = max(sheet.last_row, 1)
    name = sheet.sheets[0]
    chart = book.workbook.add_chart({"type": "column"})
    for c, label in ((1, "Import"), (2, "Export")):
        chart.add_series(
            {
                "name": f"Customer {label.lower()}",
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, c, last, c],
            }
        )
    chart.set_title({"name": "Energy of all customer meters per day"})
    chart.set_y_axis({"name": "kWh", "num_format": "#,##0"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy-mm-dd"})
    chart.set_size({"width": 720, "height": 320})
    sheet.sheet.insert_chart(1, len(columns) + 1, chart)
    if areas:
        lines = book.workbook.add_chart({"type": "line"})
        for k, label in enumerate(areas):
            c = 3 + k
            lines.add_series(
                {
                    "name": label.removesuffix(" import [kWh]"),
                    "categories": [name, 1, 0, last, 0],
                    "values": [name, 1, c, last, c],
                }
            )
        lines.set_title({"name": f"Import of the {len(areas)} largest LV areas per day"})
        lines.set_y_axis({"name": "kWh", "num_format": "#,##0"})
        lines.set_x_axis({"date_axis": True, "num_format": "yyyy-mm-dd"})
        lines.set_size({"width": 720, "height": 320})
        sheet.sheet.insert_chart(18, len(columns) + 1, lines)


_QUALITY = [
    Column("Intervals", "int", 10),
    Column("Missing intervals", "int", 10),
    Column("Estimated intervals", "int", 10),
    Column("Source", "text", 11),
]


def _period_column(period: str, zone: str) -> list[Column]:
    if period == "day":
        return [Column(f"Day [{zone}]", "date", 12)]
    if period == "month":
        return [Column(f"Month [{zone}]", "month", 10)]
    return [Column(f"Year [{zone}]", "year", 8)]


def _kwh(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["import_kwh"] = frame["import_wh"] / WH_PER_KWH
    frame["export_kwh"] = frame["export_wh"] / WH_PER_KWH
    return frame


def _write_meters(book: Book, daily: pd.DataFrame, period: str, zone: str, limit: int) -> None:
    keys = ["meter_id", "premise_id", "customer_kind", "transformer_id"]
    if period == "day":
        frame = daily.assign(days=1)
    else:
        frame = roll_up(daily.fillna({"premise_id": "", "customer_kind": ""}), keys, period)
    frame = _kwh(frame)
    columns = [
        *_period_column(period, zone),
        Column("Meter", "text", 11),
        Column("Premise", "text", 11),
        Column("Customer kind", "text", 13),
        Column("Transformer", "int", 11),
        *([Column("Days", "int", 6)] if period != "day" else []),
        Column("Import [kWh]", "kwh"),
        Column("Export [kWh]", "kwh"),
        *_QUALITY,
    ]
    order = _energy_order(period, keys)
    sheet = SheetWriter(book, f"Meters {_ADJ[period]}", columns, row_limit=limit)
    sheet.write_frame(frame[order])


_ADJ = {"day": "daily", "month": "monthly", "year": "annual"}


def _energy_order(period: str, keys: list[str]) -> list[str]:
    """Columns of a meter or area energy sheet, in the order of its header."""
    days = ["days"] if period != "day" else []
    quality = ["expected", "missing", "estimated", "source"]
    return [period, *keys, *days, "import_kwh", "export_kwh", *quality]


def _write_areas(book: Book, daily: pd.DataFrame, period: str, zone: str, limit: int) -> None:
    keys = ["transformer_id", "meter_id"]
    frame = daily.assign(days=1) if period == "day" else roll_up(daily, keys, period)
    frame = _kwh(frame)
    columns = [
        *_period_column(period, zone),
        Column("Transformer", "int", 11),
        Column("Area meter", "text", 11),
        *([Column("Days", "int", 6)] if period != "day" else []),
        Column("Import into the area [kWh]", "kwh", 16),
        Column("Export from the area [kWh]", "kwh", 16),
        *_QUALITY,
    ]
    order = _energy_order(period, keys)
    sheet = SheetWriter(book, f"Areas {_ADJ[period]}", columns, row_limit=limit)
    sheet.write_frame(frame[order])


def _write_transformers(
    book: Book, daily: pd.DataFrame, period: str, zone: str, limit: int
) -> None:
    frame = daily.copy()
    if period != "day":
        frame[period] = month_of(frame["day"]) if period == "month" else frame["day"].dt.year
        frame = (
            frame.groupby([period, "transformer_id"])
            .agg({**_TRAFO_AGG, "day": "count"})
            .rename(columns={"day": "days"})
            .reset_index()
        )
    frame["net_kwh"] = frame["import_kwh"] - frame["export_kwh"]
    columns = [
        *_period_column(period, zone),
        Column("Transformer", "int", 11),
        *([Column("Days", "int", 6)] if period != "day" else []),
        Column("Import [kWh]", "kwh"),
        Column("Export (reverse flow) [kWh]", "kwh", 16),
        Column("Net [kWh]", "kwh"),
        Column("Peak P [kW]", "kw"),
        Column("Maximum loading [%]", "percent", 12),
        Column("Intervals", "int", 10),
    ]
    order = [
        period,
        "transformer_id",
        *(["days"] if period != "day" else []),
        "import_kwh",
        "export_kwh",
        "net_kwh",
        "peak_kw",
        "max_loading_percent",
        "intervals",
    ]
    sheet = SheetWriter(book, f"Transformers {_ADJ[period]}", columns, row_limit=limit)
    sheet.write_frame(frame[order])


def write_notes(
    book: Book, run: RunDirectory, clock: RunClock, notes: list[tuple[str, str]]
) -> None:
    """The ``Notes`` sheet: the run, its period and zone, where each sheet's figures come from."""
    start, end = local_naive(pd.Series([clock.start, clock.end]), clock.timezone)
    rows: list[tuple[str, str]] = [
        ("Run", str(run.manifest.get("name", run.path.name))),
        ("Run directory", str(run.path)),
        ("Seed", str(run.manifest.get("seed", ""))),
        ("Time zone", f"{clock.timezone}: every date and time in this workbook is local"),
        ("Period", f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} local"),
        ("Interval", f"{clock.interval_s // 60} min, {clock.n_intervals:,} intervals"),
        *notes,
    ]
    sheet = SheetWriter(book, "Notes", [Column("Item", "text", 18), Column("Note", "text", 120)])
    for row in rows:
        sheet.write_row(row)


def write_energy_workbook(
    book: Book,
    run: RunDirectory,
    clock: RunClock,
    *,
    row_limit: int,
    progress: Progress | None = None,
) -> None:
    """Write the energy workbook's sheets into ``book`` (see the module docstring)."""
    energy = _read(run, clock, progress)
    zone = clock.timezone
    periods = ["day", "month"] + (
        ["year"] if clock.n_intervals * clock.interval_s >= YEAR_S else []
    )
    _write_summary(book, energy, zone)
    for period in periods:
        _write_meters(book, energy.meters, period, zone, row_limit)
    if energy.areas is not None:
        for period in periods:
            _write_areas(book, energy.areas, period, zone, row_limit)
    if energy.transformers is not None:
        for period in periods:
            _write_transformers(book, energy.transformers, period, zone, row_limit)
    write_notes(book, run, clock, energy.notes)
