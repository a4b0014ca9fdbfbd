"""Headline metrics of the grid-loading study: peaks, overloads, coincidence."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.studies.headline import read_headline

__all__ = ["HEADLINE_METRICS", "headline"]

HEADLINE_METRICS: Final = {
    "transformer_peak_loading_percent": "transformers.peak_loading_percent",
    "transformers_overloaded": "transformers.overloaded",
    "transformer_overload_hours": "transformers.overload_hours_total",
    "transformer_hours_above_150": "transformers.hours_above_150_total",
    "line_peak_loading_percent": "lines.peak_loading_percent",
    "lines_overloaded": "lines.overloaded",
    "line_overload_hours": "lines.overload_hours_total",
    "transformer_coincidence_factor": "peak_coincidence.transformers.coincidence_factor",
    "meter_coincidence_factor": "peak_coincidence.meters.coincidence_factor",
}
"""Headline metric -> dotted key in ``studies/grid-loading/metrics.json``. Loadings in
% of rating (interval means); hours summed over transformers or lines [h]; coincidence
factors are the peak of the summed demand over the sum of the individual peaks."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The grid-loading study's headline metrics from ``study_dir/metrics.json``."""
    return read_headline(study_dir, HEADLINE_METRICS)
