"""The report's electrical-safety section: sensors, early warning, failures prevented, work.

Computed with the safety study's own functions (:mod:`twin.studies.safety`),
so the report and ``twin study safety`` give the same figures: the
platform's side (``internal/safety_sensor``, ``external/alarm``,
``external/work_order``) and the truth only to score (hazards, failures and
what each alarm had behind it). Left out of a run without safety sensors.
"""

from __future__ import annotations

from pathlib import Path

from twin.report.html import FigureRef, Section, Table
from twin.report.sections import fmt, fmt_share
from twin.streams import RunDirectory
from twin.studies.safety.data import load_safety_tables
from twin.studies.safety.figures import plot_funnel, plot_lead_times
from twin.studies.safety.study import safety_summary

__all__ = ["safety_section"]


def safety_section(run: RunDirectory, out: Path) -> Section | None:
    """The electrical-safety section (None for a run without safety sensors)."""
    if "internal/safety_sensor" not in run.tables:
        return None
    summary = safety_summary(load_safety_tables(run), run=str(run.path))
    h = summary.metrics["headline"]
    sensors = summary.metrics["sensors"]
    section = Section(
        anchor="safety",
        title="Electrical safety and fire early warning",
        text=[
            "Residual-current, cable-temperature and arc-fault sensors at the fitted "
            "premises (internal/safety_sensor), their alarms (source 'safety' in "
            "external/alarm) and the crews' work orders (external/work_order), scored against "
            "the hazards and failures the twin knows (truth/safety_hazard, "
            "truth/safety_failure). A failure is warned when an alarm caused by its hazard "
            "was raised before it; a failure is prevented when a repair ended a hazard that "
            "would have failed within the run had nobody acted. `twin study safety RUN_DIR` "
            "writes the full tables; a sweep over thresholds and crews shows the trade-off."
        ],
    )
    section.tables.append(
        Table(
            header=["", "value"],
            rows=[
                ["sensors", fmt(sensors["count"], 0)],
                ["failures (fires and protective trips)", fmt(h["failures"], 0)],
                ["failures warned beforehand", fmt_share(h["warned_share"])],
                ["failures warned at least 24 h ahead", fmt_share(h["warned_24h_share"])],
                ["median warning before a failure [h]", fmt(h["median_lead_time_h"], 1)],
                ["failures prevented by a repair", fmt(h["prevented"], 0)],
                ["share of due failures prevented", fmt_share(h["prevented_share"])],
                ["alarm precision (a hazard behind it)", fmt_share(h["precision"])],
                ["false alarms per sensor-year", fmt(h["false_alarms_per_sensor_year"], 2)],
                ["work orders", fmt(h["work_orders"], 0)],
                ["median alarm to completed work [h]", fmt(h["median_alarm_to_completion_h"], 1)],
                ["crew utilisation", fmt_share(h["crew_utilisation"])],
            ],
        )
    )
    for name, plot, frame, caption in (
        (
            "safety_lead_times.png",
            plot_lead_times,
            summary.failures,
            "Warning before each failure (failures without a warning at zero)",
        ),
        (
            "safety_funnel.png",
            plot_funnel,
            summary.alarms,
            "Safety alarms, the work orders they led to and their outcomes",
        ),
    ):
        section.figures.append(FigureRef(plot(frame, out / name), caption))
    for note in summary.metrics.get("notes") or []:
        section.notes.append(str(note))
    return section
