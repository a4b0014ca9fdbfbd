"""Headline metrics of the vacancy study (the headline detector at the headline resolution)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.studies.headline import read_headline

__all__ = ["HEADLINE_METRICS", "ROBUSTNESS_METRICS", "headline"]

HEADLINE_METRICS: Final = {
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "true_rate": "true_vacancy_rate",
    "estimated_rate": "estimated_vacancy_rate",
    "rate_error_pp": "rate_error_pp",
    "low_consumer_fp_rate": "low_consumer_fp_rate",
    "separability_balanced_accuracy": "separability.balanced_accuracy",
    "separability_roc_auc": "separability.roc_auc",
}
"""Headline metric -> key in ``studies/vacancy/metrics.json``. Rates and scores are
fractions 0..1; ``rate_error_pp`` is estimated minus true vacancy rate in percentage
points; ``separability_*`` is how well a generic classifier trained on another run
separates vacant from occupied homes (NaN where the study had no training run)."""


ROBUSTNESS_METRICS: Final = ("f1", "precision", "recall")
"""Metrics the robustness figure plots (fractions on one axis); the table holds every one."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The vacancy study's headline metrics from ``study_dir/metrics.json`` (NaN where absent)."""
    return read_headline(study_dir, HEADLINE_METRICS)
