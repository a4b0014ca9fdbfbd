"""Headline metrics of the power-quality study: EN 50160 compliance, ANSI ranges, extremes."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.studies.headline import read_headline

__all__ = ["HEADLINE_METRICS", "headline"]

HEADLINE_METRICS: Final = {
    "buses_assessed": "buses.assessed",
    "compliant_share": "buses.compliant_share",
    "non_compliant_buses": "buses.non_compliant",
    "buses_with_hard_excursion": "buses.with_hard_excursion",
    "ansi_range_a_share": "ansi_c84_1.range_a_share",
    "ansi_range_b_share": "ansi_c84_1.range_b_share",
    "vm_min_pu": "voltage.vm_min_pu",
    "vm_max_pu": "voltage.vm_max_pu",
    "missing_bus_intervals": "voltage.missing_bus_intervals",
}
"""Headline metric -> dotted key in ``studies/power-quality/metrics.json``. Shares are
fractions 0..1 (EN 50160:2010 compliance of the assessed LV and MV buses; ANSI
C84.1-2020 Range A and B shares of all bus-interval means); voltages in pu."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The power-quality study's headline metrics from ``study_dir/metrics.json``."""
    return read_headline(study_dir, HEADLINE_METRICS)
