"""Losses study: transformer-area line loss per day, technical estimate, theft suspects.

Suspects are scored by their strongest deviation from their peers
(:mod:`twin.studies.losses.evidence`: the loss regression of
:mod:`twin.studies.losses.suspects`, the drop of use on the area's abnormal
days and the shapes of :mod:`twin.studies.losses.shapes`).

``run_losses_study(RUN_DIR)`` writes ``RUN_DIR/studies/losses/``.
"""

from twin.studies.losses.days import LocalDay, local_days
from twin.studies.losses.evidence import EVIDENCE, AreaDays, Evidence, suspect_evidence
from twin.studies.losses.feeders import FeederModel, build_feeders, downstream_matrix
from twin.studies.losses.settings import DEFAULT_SETTINGS, LossSettings
from twin.studies.losses.shapes import DayStats, shape_values
from twin.studies.losses.study import STUDY_NAME, run_losses_study
from twin.studies.losses.suspects import consumption_drop, fit_area_losses
from twin.studies.losses.technical import (
    branch_flows_w,
    iron_loss_w,
    loss_coefficient_per_w,
    three_phase_loss_w,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "EVIDENCE",
    "STUDY_NAME",
    "AreaDays",
    "DayStats",
    "Evidence",
    "FeederModel",
    "LocalDay",
    "LossSettings",
    "branch_flows_w",
    "build_feeders",
    "consumption_drop",
    "downstream_matrix",
    "fit_area_losses",
    "iron_loss_w",
    "local_days",
    "loss_coefficient_per_w",
    "run_losses_study",
    "shape_values",
    "suspect_evidence",
    "three_phase_loss_w",
]
