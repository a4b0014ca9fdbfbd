"""Safety study: early warning before failures, false alarms, failures prevented, operations;
a sweep's policy trade-off.

``run_safety_study(RUN_DIR)`` writes ``RUN_DIR/studies/safety/``; over a sweep
directory ``twin study safety SWEEP_DIR`` adds the trade-off table
(:func:`write_safety_tradeoff`). :func:`safety_figures` gives the headline
figures of a run without writing anything (for a report section).
"""

from twin.studies.safety.alarms import alarm_summary, alarm_table
from twin.studies.safety.breakdown import by_hazard_kind, by_sensor
from twin.studies.safety.data import SafetyTables, load_safety_tables
from twin.studies.safety.early_warning import (
    failure_table,
    hazard_table,
    lead_summary,
    prevention_summary,
)
from twin.studies.safety.figures import funnel_counts
from twin.studies.safety.headline import HEADLINE_METRICS, headline_figures
from twin.studies.safety.operations import (
    backlog_daily,
    crew_summary,
    operations_summary,
    work_order_table,
)
from twin.studies.safety.study import (
    STUDY_NAME,
    SafetySummary,
    run_safety_study,
    safety_figures,
    safety_summary,
)
from twin.studies.safety.tradeoff import POLICY_KEYS, tradeoff_table, write_safety_tradeoff

__all__ = [
    "HEADLINE_METRICS",
    "POLICY_KEYS",
    "STUDY_NAME",
    "SafetySummary",
    "SafetyTables",
    "alarm_summary",
    "alarm_table",
    "backlog_daily",
    "by_hazard_kind",
    "by_sensor",
    "crew_summary",
    "failure_table",
    "funnel_counts",
    "hazard_table",
    "headline_figures",
    "lead_summary",
    "load_safety_tables",
    "operations_summary",
    "prevention_summary",
    "run_safety_study",
    "safety_figures",
    "safety_summary",
    "tradeoff_table",
    "work_order_table",
    "write_safety_tradeoff",
]
