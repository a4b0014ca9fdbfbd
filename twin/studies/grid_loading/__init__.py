"""Grid-loading study: transformer and line loading, overload hours, peak coincidence, PV/EV.

``run_grid_loading_study(RUN_DIR)`` writes ``RUN_DIR/studies/grid-loading/``.
"""

from twin.studies.grid_loading.demand import FleetDemand, accumulate_fleet_demand, ev_power_kw
from twin.studies.grid_loading.lines import LineLoading, accumulate_line_loading
from twin.studies.grid_loading.study import STUDY_NAME, run_grid_loading_study
from twin.studies.grid_loading.transformers import (
    LOADING_THRESHOLDS_PERCENT,
    duration_curve,
    transformer_coincidence,
    transformer_info,
    transformer_summary,
)

__all__ = [
    "LOADING_THRESHOLDS_PERCENT",
    "STUDY_NAME",
    "FleetDemand",
    "LineLoading",
    "accumulate_fleet_demand",
    "accumulate_line_loading",
    "duration_curve",
    "ev_power_kw",
    "run_grid_loading_study",
    "transformer_coincidence",
    "transformer_info",
    "transformer_summary",
]
