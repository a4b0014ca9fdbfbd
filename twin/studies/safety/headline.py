"""Headline metrics of the safety study."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from twin.studies.headline import metric_at, read_headline

__all__ = [
    "HEADLINE_METRICS",
    "ROBUSTNESS_METRICS",
    "TRADEOFF_METRICS",
    "headline",
    "headline_figures",
]

HEADLINE_METRICS: Final = {
    "failures": "early_warning.failures",
    "warned_share": "early_warning.warned_share",
    "warned_24h_share": "early_warning.warned_24h_share",
    "median_lead_time_h": "early_warning.lead_h.median",
    "prevented": "prevention.prevented",
    "failed": "prevention.failed",
    "prevented_share": "prevention.prevented_share",
    "detected_share": "prevention.detected_share",
    "alarms_per_sensor_year": "alarms.alarms_per_sensor_year",
    "false_alarms_per_sensor_year": "alarms.false_alarms_per_sensor_year",
    "precision": "alarms.precision",
    "work_orders": "operations.work_orders",
    "median_alarm_to_arrival_h": "operations.alarm_to_arrival_h.median",
    "median_alarm_to_completion_h": "operations.alarm_to_completion_h.median",
    "p90_alarm_to_completion_h": "operations.alarm_to_completion_h.p90",
    "backlog_max": "operations.backlog.max",
    "crew_utilisation": "operations.crews.utilisation",
}
"""Headline metric -> dotted key in ``studies/safety/metrics.json``. Shares are fractions
0..1 (warned shares of all failures, the prevented share of the hazards that would have
failed within the run, the detected share of all hazards, precision of all safety alarms),
rates per sensor-year, times in hours, utilisation a fraction of the crews' shift hours."""

TRADEOFF_METRICS: Final = {
    "prevented_share": "failures prevented (share)",
    "false_alarms_per_sensor_year": "false alarms per sensor-year",
    "median_lead_time_h": "median warning before a failure [h]",
    "warned_share": "failures warned (share)",
    "median_alarm_to_completion_h": "median alarm to completed work [h]",
}
"""The metrics of the trade-off table over a sweep of the safety keys, with their labels."""

ROBUSTNESS_METRICS: Final = ("prevented_share", "warned_share", "precision")
"""Metrics the robustness figure plots (fractions on one axis); the table holds every one."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The safety study's headline metrics from ``study_dir/metrics.json``."""
    return read_headline(study_dir, HEADLINE_METRICS)


def headline_figures(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The headline metrics from a safety study's metrics (NaN where empty).

    For a report section: ``headline_figures(safety_summary(tables).metrics)``,
    or :func:`twin.studies.safety.safety_figures` on a run.
    """
    return {name: metric_at(metrics, dotted) for name, dotted in HEADLINE_METRICS.items()}
