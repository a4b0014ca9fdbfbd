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

import numpy as np
import pandas as pd

from twin.studies.robustness import combination_labels, robustness_table
from twin.studies.safety.figures import plot_tradeoff
from twin.studies.safety.headline import TRADEOFF_METRICS

__all__ = ["POLICY_KEYS", "tradeoff_table", "write_safety_tradeoff"]

POLICY_KEYS: Final = (
    "safety.sensors.residual_current.threshold_ma",
    "safety.sensors.cable_temperature.threshold_c",
    "safety.operations.crews",
)
"""The scenario keys whose trade-off the table is about (those the sweep varies)."""

_STATS: Final = ("mean", "sd", "min", "max")


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
    frame = robustness_table(table, parameters, design, "safety")
    keys = [key for key in POLICY_KEYS if key in parameters]
    parameter, value = combination_labels(table, parameters, design)
    labelled = table.assign(_parameter=parameter, _value=value)
    first = labelled.drop_duplicates(["_parameter", "_value"]).set_index(["_parameter", "_value"])
    index = pd.MultiIndex.from_frame(frame[["parameter", "value"]])
    for key in keys:
        frame[key] = first[key].reindex(index).to_numpy(dtype=np.float64)
    columns = ["parameter", "value", *keys, "runs"] + [
        f"{metric}_{stat}" for metric in TRADEOFF_METRICS for stat in _STATS
    ]
    return frame[columns].reset_index(drop=True)


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
    frame.to_parquet(out / "tradeoff.parquet", index=False)
    frame.to_csv(out / "tradeoff.csv", index=False, float_format="%.6g")
    figure = plot_tradeoff(frame, dict(TRADEOFF_METRICS), out / "tradeoff.png")
    return {
        "tradeoff": {
            "table": "tradeoff.parquet",
            "figure": figure,
            "policy_keys": [key for key in POLICY_KEYS if key in parameters],
            "metrics": dict(TRADEOFF_METRICS),
            "rows": frame.to_dict(orient="records"),
        }
    }
