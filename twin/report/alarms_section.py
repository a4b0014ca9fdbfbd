"""The report's alarms section: the platform's one alarm stream, per source, kind and device.

Reads ``external/alarm`` (what the platform raised, acknowledged and
cleared) and ``truth/alarm_cause`` only to say how many alarms had a true
cause behind them (anything but ``false``: a hazard, a lamp failure, the
true quantity past its threshold). Times to clear and to acknowledge are
medians over the alarms cleared / acknowledged within the run; alarms
still open at the run end are counted apart. Left out of a run without the
alarm tables (an older run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from twin.report.html import FigureRef, Section, Table
from twin.report.sections import fmt, fmt_share
from twin.streams import RunDirectory
from twin.studies.figures import new_figure, save_figure

__all__ = ["alarm_frame", "alarms_section", "plot_alarms_per_day"]

SEVERITIES: Final = ("critical", "major", "minor", "warning")
TOP_DEVICES: Final = 10
"""Devices listed in the table of the most alarmed devices."""


def alarm_frame(run: RunDirectory) -> pd.DataFrame:
    """``external/alarm`` with its truth cause and the times to clear and acknowledge [h].

    Columns added: ``cause``, ``cause_id`` (null without ``truth/alarm_cause``),
    ``true_cause`` (bool), ``clear_h``, ``ack_h`` (NaN while not).
    """
    alarms = run.table("external/alarm")
    if "truth/alarm_cause" in run.tables:
        alarms = alarms.merge(run.table("truth/alarm_cause"), on="alarm_id", how="left")
    else:
        alarms["cause"] = pd.Series([None] * len(alarms), dtype=object)
        alarms["cause_id"] = pd.Series([None] * len(alarms), dtype=object)
    alarms["true_cause"] = alarms["cause"].notna() & (alarms["cause"] != "false")
    raised = alarms["raised_at"]
    alarms["clear_h"] = (alarms["cleared_at"] - raised).dt.total_seconds() / 3600.0
    alarms["ack_h"] = (alarms["acknowledged_at"] - raised).dt.total_seconds() / 3600.0
    return alarms


def _median(values: pd.Series, scale: float = 1.0) -> float:
    v = values.dropna()
    return float(np.median(v) * scale) if len(v) else float("nan")


def _true_share(frame: pd.DataFrame) -> float:
    known = frame["cause"].notna()
    return float(frame.loc[known, "true_cause"].mean()) if known.any() else float("nan")


def plot_alarms_per_day(alarms: pd.DataFrame, path: Path, *, timezone: str) -> str:
    """Stacked bars: alarms raised per local day and source; returns the file name."""
    day = alarms["raised_at"].dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    counts = pd.crosstab(day, alarms["source"]).sort_index()
    figure = new_figure(8.0, 3.8)
    ax = figure.add_subplot()
    bottom = np.zeros(len(counts))
    x = np.arange(len(counts))
    for source in counts.columns:
        values = counts[source].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, label=str(source), width=0.8)
        bottom += values
    step = max(1, len(counts) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([d.strftime("%Y-%m-%d") for d in counts.index[::step]], rotation=30)
    ax.set_ylabel("alarms raised")
    ax.set_title("Alarms raised per local day, by source")
    ax.legend(fontsize=8, ncols=min(len(counts.columns), 4))
    return save_figure(figure, path)


def alarms_section(run: RunDirectory, out: Path, *, timezone: str) -> Section | None:
    """The alarms section (None for a run without an alarm table)."""
    if "external/alarm" not in run.tables:
        return None
    alarms = alarm_frame(run)
    section = Section(
        anchor="alarms",
        title="Alarms",
        text=[
            "Every alarm the platform raised (external/alarm), whatever its source: meter "
            "voltages outside EN 50160, transformer overloads, lamp faults from the cabinet "
            "meters, prepaid low credit and self-disconnections, faulted EV charge points, "
            "meter events received by the head-end, and electrical-safety sensors where the "
            "run has them. Severities follow ITU-T X.733; 'true cause' is the share with "
            "something real behind the alarm (truth/alarm_cause: a hazard, a lamp failure or "
            "the true quantity past its threshold, not measurement error alone)."
        ],
    )
    if alarms.empty:
        section.notes.append("No alarm was raised in this run.")
        return section
    days = max((run.clock.end - run.clock.start) / pd.Timedelta("1d"), 1e-9)
    open_ = alarms["cleared_at"].isna()
    section.tables.append(
        Table(
            header=["", "value"],
            rows=[
                ["alarms raised", fmt(len(alarms), 0)],
                ["alarms per day", fmt(len(alarms) / days, 1)],
                ["open at the run end", fmt(int(open_.sum()), 0)],
                ["acknowledged", fmt(int(alarms["acknowledged_at"].notna().sum()), 0)],
                ["with a true cause", fmt_share(_true_share(alarms))],
                ["median time to clear [h]", fmt(_median(alarms["clear_h"]), 2)],
                ["median time to acknowledge [min]", fmt(_median(alarms["ack_h"], 60.0), 1)],
            ],
        )
    )
    section.tables.append(_by_source(alarms))
    section.tables.append(_by_kind(alarms))
    section.tables.append(_top_devices(alarms))
    name = plot_alarms_per_day(alarms, out / "alarms_per_day.png", timezone=timezone)
    section.figures.append(FigureRef(name, "Alarms raised per local day, stacked by source."))
    section.notes.append(
        "Times to clear and acknowledge are medians over the alarms cleared or "
        "acknowledged within the run; an alarm still open at the run end is not in them. "
        "The operator desk acknowledges major and critical alarms in its shift "
        "(scenario alarms.desk); minor alarms and warnings are not acknowledged."
    )
    return section


def _by_source(alarms: pd.DataFrame) -> Table:
    rows = []
    for source, g in alarms.groupby("source", sort=True):
        sev = g["severity"].value_counts()
        rows.append(
            [
                str(source),
                fmt(len(g), 0),
                *(fmt(int(sev.get(s, 0)), 0) for s in SEVERITIES),
                fmt(int(g["cleared_at"].isna().sum()), 0),
                fmt_share(_true_share(g)),
                fmt(_median(g["clear_h"]), 2),
                fmt(_median(g["ack_h"], 60.0), 1),
            ]
        )
    return Table(
        header=[
            "source",
            "alarms",
            *SEVERITIES,
            "open at end",
            "true cause",
            "median clear [h]",
            "median ack [min]",
        ],
        rows=rows,
        caption="Alarms per source and severity",
    )


def _by_kind(alarms: pd.DataFrame) -> Table:
    rows = []
    for (source, kind), g in alarms.groupby(["source", "kind"], sort=True):
        rows.append(
            [
                f"{source}: {kind}",
                "/".join(s for s in SEVERITIES if (g["severity"] == s).any()),
                fmt(len(g), 0),
                fmt(int(g["device_id"].nunique()), 0),
                fmt_share(_true_share(g)),
                fmt(_median(g["clear_h"]), 2),
            ]
        )
    return Table(
        header=["kind", "severity", "alarms", "devices", "true cause", "median clear [h]"],
        rows=rows,
        caption="Alarms per kind",
        numeric=True,
    )


def _top_devices(alarms: pd.DataFrame) -> Table:
    g = alarms.groupby(["source", "device_id"], sort=False)
    top = (
        pd.DataFrame(
            {
                "alarms": g.size(),
                "kinds": g["kind"].agg(lambda k: ", ".join(sorted(set(map(str, k))))),
                "open": g["cleared_at"].agg(lambda c: int(c.isna().sum())),
                "hours": g["clear_h"].sum(min_count=1),
            }
        )
        .reset_index()
        .sort_values(["alarms", "source", "device_id"], ascending=[False, True, True])
        .head(TOP_DEVICES)
    )
    rows = [
        [f"{device} ({source})", fmt(int(n), 0), str(kinds), fmt(int(o), 0), fmt(float(h), 1)]
        for device, source, n, kinds, o, h in zip(
            top["device_id"].astype(str),
            top["source"].astype(str),
            top["alarms"].to_numpy(dtype=np.int64),
            top["kinds"],
            top["open"].to_numpy(dtype=np.int64),
            top["hours"].to_numpy(dtype=np.float64),
            strict=True,
        )
    ]
    return Table(
        header=["device", "alarms", "kinds", "open at end", "hours in alarm (cleared)"],
        rows=rows,
        caption=f"The {TOP_DEVICES} devices with the most alarms",
    )
