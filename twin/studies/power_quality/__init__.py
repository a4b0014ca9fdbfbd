"""Power-quality study: EN 50160:2010 and ANSI C84.1-2020 supply-voltage compliance per bus.

``run_power_quality_study(RUN_DIR)`` writes ``RUN_DIR/studies/power-quality/``.
"""

from twin.studies.power_quality.compliance import (
    accumulate_bus_weeks,
    bus_summary,
    week_compliance,
)
from twin.studies.power_quality.limits import (
    ANSI_RANGE_A_PU,
    ANSI_RANGE_B_PU,
    EN50160_LIMITS,
    En50160Limits,
    averaging_note,
    voltage_level,
)
from twin.studies.power_quality.study import STUDY_NAME, run_power_quality_study

__all__ = [
    "ANSI_RANGE_A_PU",
    "ANSI_RANGE_B_PU",
    "EN50160_LIMITS",
    "STUDY_NAME",
    "En50160Limits",
    "accumulate_bus_weeks",
    "averaging_note",
    "bus_summary",
    "run_power_quality_study",
    "voltage_level",
    "week_compliance",
]
