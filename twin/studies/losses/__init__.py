"""Losses study: transformer-area line loss per day, technical estimate, theft suspects.

``run_losses_study(RUN_DIR)`` writes ``RUN_DIR/studies/losses/``.
"""

from twin.studies.losses.days import LocalDay, local_days
from twin.studies.losses.feeders import FeederModel, build_feeders, downstream_matrix
from twin.studies.losses.settings import DEFAULT_SETTINGS, LossSettings
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
    "STUDY_NAME",
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
    "three_phase_loss_w",
]
