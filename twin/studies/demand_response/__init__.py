"""Demand-response study: delivered reduction, the utility's baselines and their errors,
transformer peaks and rebound, dispatch quality; a sweep's trade-off.

``run_demand_response_study(RUN_DIR)`` writes ``RUN_DIR/studies/demand-response/``;
over a sweep directory ``twin study demand-response SWEEP_DIR`` adds the
trade-off table (:func:`write_demand_response_tradeoff`).
"""

from twin.studies.demand_response.baselines import (
    BASELINES,
    EventWindow,
    control_group_baseline,
    regression_baseline,
    x_of_y_baseline,
)
from twin.studies.demand_response.calendar import Calendar, make_calendar
from twin.studies.demand_response.data import (
    DrTables,
    DrTruth,
    MeterLoad,
    load_dr_tables,
    load_dr_truth,
    read_meter_load,
)
from twin.studies.demand_response.headline import HEADLINE_METRICS, headline_figures
from twin.studies.demand_response.scoring import error_summary
from twin.studies.demand_response.study import (
    STUDY_NAME,
    DrSummary,
    demand_response_figures,
    dr_summary,
    run_demand_response_study,
)
from twin.studies.demand_response.tradeoff import (
    POLICY_KEYS,
    tradeoff_table,
    write_demand_response_tradeoff,
)

__all__ = [
    "BASELINES",
    "HEADLINE_METRICS",
    "POLICY_KEYS",
    "STUDY_NAME",
    "Calendar",
    "DrSummary",
    "DrTables",
    "DrTruth",
    "EventWindow",
    "MeterLoad",
    "control_group_baseline",
    "demand_response_figures",
    "dr_summary",
    "error_summary",
    "headline_figures",
    "load_dr_tables",
    "load_dr_truth",
    "make_calendar",
    "read_meter_load",
    "regression_baseline",
    "run_demand_response_study",
    "tradeoff_table",
    "write_demand_response_tradeoff",
    "x_of_y_baseline",
]
