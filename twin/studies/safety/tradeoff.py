"""The safety policy trade-off over a sweep of the safety keys.

``twin study safety SWEEP_DIR`` writes the robustness table every study has
(:mod:`twin.studies.robustness`) and, beside it, ``tradeoff.parquet`` (and
``.csv``): one row per swept combination with the value of each swept safety
key among :data:`POLICY_KEYS`, the number of runs (seeds) and the mean, the
standard deviation, the minimum and the maximum over seeds of what a safety
policy trades (:data:`~twin.studies.safety.headline.TRADEOFF_METRICS`): the
share of failures prevented, false alarms per sensor-year, the median
warning before a failure, the share of failures warned and the median time
from alarm to completed work. ``tradeoff.png`` draws them, the prevented share
against the false alarms with the spread over seeds on both axes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pandas as pd

from twin.studies.safety.figures import plot_tradeoff
from twin.studies.safety.headline import TRADEOFF_METRICS
from twin.studies.tradeoff import policy_tradeoff_table, write_tradeoff

__all__ = ["POLICY_KEYS", "tradeoff_table", "write_safety_tradeoff"]

POLICY_KEYS: Final = (
    "safety.sensors.residual_current.threshold_ma",
    "safety.sensors.cable_temperature.threshold_c",
    "safety.operations.crews",
)
"""The scenario keys whose trade-off the table is about (those the sweep varies)."""


def tradeoff_table(table: pd.DataFrame, parameters: list[str], design: str) -> pd.DataFrame:
    """The trade-off table of a sweep.

    Parameters
    ----------
    table : pandas.DataFrame
        ``sweep.parquet`` with the safety study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``value`` (the combination as text), each swept key of
        :data:`POLICY_KEYS` (its value in the combination; NaN for the base
        run of a one-at-a-time sweep), ``runs``, then ``<metric>_mean``,
        ``_sd``, ``_min`` and ``_max`` of each trade-off metric.
    """
    return policy_tradeoff_table(
        table,
        parameters,
        design,
        study="safety",
        metrics=TRADEOFF_METRICS,
        policy_keys=POLICY_KEYS,
    )


def write_safety_tradeoff(
    out: Path, table: pd.DataFrame, parameters: list[str], design: str
) -> dict[str, Any]:
    """Write ``tradeoff.parquet``, ``tradeoff.csv`` and ``tradeoff.png`` into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's (staged) ``studies/safety/`` folder.
    table : pandas.DataFrame
        ``sweep.parquet`` with the safety study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    dict
        The ``tradeoff`` block of the sweep's ``metrics.json``: files, the
        swept policy keys, metrics and the table's rows.
    """
    frame = tradeoff_table(table, parameters, design)
    return write_tradeoff(
        out,
        frame,
        TRADEOFF_METRICS,
        plot_tradeoff,
        policy_keys=[key for key in POLICY_KEYS if key in parameters],
    )
