"""Headline metrics of the demand-response study."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from twin.studies.headline import metric_at, read_headline

__all__ = [
    "HEADLINE_METRICS",
    "ROBUSTNESS_METRICS",
    "TRADEOFF_METRICS",
    "headline",
    "headline_figures",
]

HEADLINE_METRICS: Final = {
    "events": "events.count",
    "delivered_kw_mean": "delivered.kw_mean",
    "delivered_kwh": "delivered.kwh",
    "peak_reduction_kw_mean": "peak.reduction_kw_mean",
    "rebound_peak_kw_max": "peak.rebound_peak_kw_max",
    "shifted_share": "energy.shifted_share",
    "caiso_10_of_10_bias_kw": "baselines.caiso_10_of_10.events.bias_kw",
    "caiso_10_of_10_mape_percent": "baselines.caiso_10_of_10.events.mape_percent",
    "pjm_high_4_of_5_mape_percent": "baselines.pjm_high_4_of_5.events.mape_percent",
    "control_group_bias_kw": "baselines.control_group.events.bias_kw",
    "control_group_mape_percent": "baselines.control_group.events.mape_percent",
    "regression_mape_percent": "baselines.regression.events.mape_percent",
    "delivered_share": "dispatch.delivered_share",
    "acted_share": "dispatch.acted_share",
    "opted_out_share": "dispatch.opted_out_share",
    "median_latency_s": "dispatch.median_latency_s",
    "customer_savings": "money.customer_savings",
    "comfort_violations": "comfort.violations",
}
"""Headline metric -> dotted key in ``studies/demand-response/metrics.json``. Reductions
in kW are means over an event's intervals (delivered: the truth; then averaged over the
events), energies in kWh, errors of the estimated reduction against the delivered one
(bias in kW, MAPE in %), shares fractions 0..1 of the signals sent, latency in seconds,
savings in the run's currency (price events only)."""

TRADEOFF_METRICS: Final = {
    "delivered_kw_mean": "delivered reduction per event [kW]",
    "peak_reduction_kw_mean": "transformer peak reduction [kW]",
    "rebound_peak_kw_max": "largest rebound peak [kW]",
    "caiso_10_of_10_mape_percent": "10-in-10 error (MAPE %)",
    "control_group_mape_percent": "control-group error (MAPE %)",
    "acted_share": "signals acted on (share)",
}
"""The metrics of the trade-off table over a sweep of the demand-response keys."""

ROBUSTNESS_METRICS: Final = ("delivered_share", "acted_share", "opted_out_share")
"""Metrics the robustness figure plots (fractions on one axis); the table holds every one."""


def headline(study_dir: str | Path) -> dict[str, float]:
    """The demand-response study's headline metrics from ``study_dir/metrics.json``."""
    return read_headline(study_dir, HEADLINE_METRICS)


def headline_figures(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The headline metrics from a demand-response study's metrics (NaN where empty).

    For a report section: ``headline_figures(dr_summary(...).metrics)``, or
    :func:`twin.studies.demand_response.demand_response_figures` on a run.
    """
    return {name: metric_at(metrics, dotted) for name, dotted in HEADLINE_METRICS.items()}
