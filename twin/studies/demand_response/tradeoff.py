"""The demand-response trade-off over a sweep of its keys.

``twin study demand-response SWEEP_DIR`` writes the robustness table every
study has (:mod:`twin.studies.robustness`) and, beside it,
``tradeoff.parquet`` (and ``.csv``): one row per swept combination with the
value of each swept key among :data:`POLICY_KEYS` (enrolment share, event
duration, signal latency: whichever the sweep varies), the number of runs
(seeds) and the mean, standard deviation, minimum and maximum over seeds of
:data:`~twin.studies.demand_response.headline.TRADEOFF_METRICS`: what an
event delivers, the transformer peak it removes, the rebound it makes, how
wrong the standard baselines are about it and how many signals were acted
on. ``tradeoff.png`` draws them with the spread over seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pandas as pd

from twin.studies.demand_response.figures import plot_tradeoff
from twin.studies.demand_response.headline import TRADEOFF_METRICS
from twin.studies.tradeoff import policy_tradeoff_table, write_tradeoff

__all__ = ["POLICY_KEYS", "tradeoff_table", "write_demand_response_tradeoff"]

POLICY_KEYS: Final = (
    "demand_response.programmes.0.enrollment",
    "demand_response.programmes.0.events.0.duration",
    "demand_response.programmes.0.event_duration",
    "comms.latency_median_s",
)
"""The scenario keys whose trade-off the table is about (those the sweep varies)."""

STUDY: Final = "demand-response"


def tradeoff_table(table: pd.DataFrame, parameters: list[str], design: str) -> pd.DataFrame:
    """The trade-off table of a sweep.

    Parameters
    ----------
    table : pandas.DataFrame
        ``sweep.parquet`` with the demand-response study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``value`` (the combination as text), each swept key of
        :data:`POLICY_KEYS` (its value; missing for the base run of a
        one-at-a-time sweep), ``runs``, then ``<metric>_mean``, ``_sd``,
        ``_min`` and ``_max`` of each trade-off metric.
    """
    return policy_tradeoff_table(
        table,
        parameters,
        design,
        study=STUDY,
        metrics=TRADEOFF_METRICS,
        policy_keys=POLICY_KEYS,
    )


def write_demand_response_tradeoff(
    out: Path, table: pd.DataFrame, parameters: list[str], design: str
) -> dict[str, Any]:
    """Write ``tradeoff.parquet``, ``tradeoff.csv`` and ``tradeoff.png`` into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's (staged) ``studies/demand-response/`` folder.
    table : pandas.DataFrame
        ``sweep.parquet`` with the study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    dict
        The ``tradeoff`` block of the sweep's ``metrics.json``.
    """
    frame = tradeoff_table(table, parameters, design)
    return write_tradeoff(
        out,
        frame,
        TRADEOFF_METRICS,
        plot_tradeoff,
        policy_keys=[key for key in POLICY_KEYS if key in parameters],
    )
