"""Headline metrics of the losses study: loss rates, flagged areas, scores where truth exists."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.studies.headline import read_headline

__all__ = ["HEADLINE_METRICS", "headline"]

HEADLINE_METRICS: Final = {
    "line_loss_rate": "line_loss_rate",
    "technical_rate": "technical_rate",
    "non_technical_rate": "non_technical_rate",
    "areas_assessed": "areas_assessed",
    "flagged_areas": "flagged_area_count",
    "area_precision": "area_precision",
    "area_recall": "area_recall",
    "meter_precision_at_k": "meter_precision_at_k",
    "meter_recall_at_k": "meter_recall_at_k",
    "energy_recovered_wh": "energy_recovered_wh",
}
"""Headline metric -> key in ``studies/losses/metrics.json``. Rates are energy-weighted
fractions of the areas' supply over complete area-days; the scores (NaN without
``truth/theft``) are fractions 0..1 and ``energy_recovered_wh`` is in Wh."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The losses study's headline metrics from ``study_dir/metrics.json`` (NaN where absent)."""
    return read_headline(study_dir, HEADLINE_METRICS)
