"""Headline metrics of the prepaid study (electricity accounts)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.studies.headline import read_headline

__all__ = ["HEADLINE_METRICS", "ROBUSTNESS_METRICS", "TRADEOFF_METRICS", "headline"]

HEADLINE_METRICS: Final = {
    "self_disconnection_share": "self_disconnection.electricity.share_in_run",
    "self_disconnection_share_year_upper": "self_disconnection.electricity.share_year_upper",
    "disconnections_per_customer_year": (
        "self_disconnection.electricity.disconnections_per_customer_year"
    ),
    "hours_off_per_customer_year": "self_disconnection.electricity.hours_off_per_customer_year",
    "share_over_1h": "lengths.electricity.share_over_1h",
    "long_disconnection_share": "lengths.electricity.share_over_24h",
    "median_disconnection_h": "lengths.electricity.median_h",
    "revenue": "money.electricity.revenue",
    "arrears_at_end": "money.electricity.arrears_at_end",
    "emergency_outstanding_at_end": "money.electricity.emergency_outstanding_at_end",
    "identity_max_residual_minor": "money.electricity.identity.max_abs_residual_minor",
}
"""Headline metric -> dotted key in ``studies/prepaid/metrics.json``, for the electricity
accounts. Shares are fractions 0..1 (the self-disconnection share is of prepaid
premises within the run; the long share of disconnections over 24 h, censored at the
run end), rates per prepaid customer-year, money in the run's currency."""

TRADEOFF_METRICS: Final = {
    "self_disconnection_share": "self-disconnecting premises (share in run)",
    "long_disconnection_share": "disconnections over 24 h (share)",
    "hours_off_per_customer_year": "hours off supply per customer-year",
    "arrears_at_end": "arrears at the run end",
    "emergency_outstanding_at_end": "emergency credit outstanding at the end",
    "revenue": "revenue (sales - returns + corrections)",
}
"""The metrics of the trade-off table over a sweep of the prepaid keys, with their labels."""

ROBUSTNESS_METRICS: Final = (
    "self_disconnection_share",
    "long_disconnection_share",
    "share_over_1h",
)
"""Metrics the robustness figure plots (fractions on one axis); the table holds every one."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The prepaid study's headline metrics from ``study_dir/metrics.json``."""
    return read_headline(study_dir, HEADLINE_METRICS)
