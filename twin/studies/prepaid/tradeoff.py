"""The prepaid policy trade-off over a sweep of the prepaid keys.

``twin study prepaid SWEEP_DIR`` writes the robustness table every study has
(:mod:`twin.studies.robustness`) and, beside it, ``tradeoff.parquet`` (and
``.csv``): one row per swept combination with the mean and the standard
deviation over seeds of what a prepaid policy trades: the share of prepaid
premises self-disconnecting, the share of disconnections over 24 h, hours
off supply per prepaid customer-year, arrears and emergency credit
outstanding at the run end, and revenue; ``tradeoff.png`` draws them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from twin.studies.prepaid.figures import plot_tradeoff
from twin.studies.prepaid.headline import TRADEOFF_METRICS
from twin.studies.tradeoff import policy_tradeoff_table, write_tradeoff

__all__ = ["tradeoff_table", "write_prepaid_tradeoff"]


def tradeoff_table(table: pd.DataFrame, parameters: list[str], design: str) -> pd.DataFrame:
    """The trade-off table of a sweep.

    Parameters
    ----------
    table : pandas.DataFrame
        ``sweep.parquet`` with the prepaid study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``value`` (the combination as text), ``runs``, then
        ``<metric>_mean`` and ``<metric>_sd`` of each trade-off metric.
    """
    return policy_tradeoff_table(
        table,
        parameters,
        design,
        study="prepaid",
        metrics=TRADEOFF_METRICS,
        stats=("mean", "sd"),
    )


def write_prepaid_tradeoff(
    out: Path, table: pd.DataFrame, parameters: list[str], design: str
) -> dict[str, Any]:
    """Write ``tradeoff.parquet``, ``tradeoff.csv`` and ``tradeoff.png`` into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's (staged) ``studies/prepaid/`` folder.
    table : pandas.DataFrame
        ``sweep.parquet`` with the prepaid study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    dict
        The ``tradeoff`` block of the sweep's ``metrics.json``: files, metrics
        and the table's rows.
    """
    frame = tradeoff_table(table, parameters, design)
    return write_tradeoff(
        out,
        frame,
        TRADEOFF_METRICS,
        plot_tradeoff,
    )
