"""The prepaid part of the report's billing section: self-disconnection, lengths, money.

Computed from the run's prepaid tables with the prepaid study's own
functions (:func:`twin.studies.prepaid.prepaid_summary`), so that the page
and ``twin study prepaid`` give the same numbers whether or not the study
has run; per utility where the tables have a ``utility`` column,
electricity first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from twin.errors import TwinError
from twin.report.html import FigureRef, Table
from twin.report.sections import fmt, fmt_share
from twin.streams import RunDirectory
from twin.studies.prepaid.data import load_prepaid_tables
from twin.studies.prepaid.figures import plot_disconnection_lengths
from twin.studies.prepaid.study import prepaid_summary

__all__ = ["prepaid_subsection"]


def prepaid_subsection(
    run: RunDirectory, out: Path, accounts: pd.DataFrame
) -> tuple[list[Table], list[FigureRef], list[str]]:
    """The prepaid accounts' tables, figures and notes (nothing without prepaid accounts).

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run.
    out : pathlib.Path
        Folder of the page, where the figures are written.
    accounts : pandas.DataFrame
        ``external/account`` (its ``payment`` column says which are prepaid).

    Returns
    -------
    tables, figures, notes : list
        Per utility: self-disconnection and disconnection lengths beside the
        published figures, the money summary, the length distribution.
    """
    if not len(accounts) or not (accounts["payment"].astype(str) == "prepaid").any():
        return [], [], []
    try:
        summary = prepaid_summary(load_prepaid_tables(run))
    except TwinError as exc:
        return [], [], [f"Prepaid accounts, but their figures cannot be computed: {exc}"]
    metrics = summary.metrics
    tables: list[Table] = []
    figures: list[FigureRef] = []
    spells = summary.tables.interruptions
    for utility in summary.tables.utilities:
        cut, length = metrics["self_disconnection"][utility], metrics["lengths"][utility]
        tables.append(_disconnection_table(utility, cut, length))
        tables.append(_money_table(utility, metrics["money"][utility]))
        name = plot_disconnection_lengths(
            spells[spells["utility"] == utility],
            summary.tables.end,
            out / f"prepaid_{utility}_disconnection_lengths.png",
            utility=utility,
        )
        figures.append(
            FigureRef(
                name,
                f"Prepaid {utility}: share of credit disconnections lasting longer than a "
                f"length (Kaplan-Meier, censored at the run end), beside Citizens Advice "
                f"2022's one in five over 24 h; {length['disconnections']} disconnections.",
            )
        )
    notes = list(metrics["notes"])
    if run.study_metrics("prepaid") is None:
        notes.append(
            "`twin study prepaid RUN_DIR` adds the per-account table (premises.parquet), "
            "money by day and who is hit, by occupancy and consumption quartile."
        )
    return tables, figures, notes


def _disconnection_table(utility: str, cut: dict[str, Any], length: dict[str, Any]) -> Table:
    """Self-disconnection and lengths: what the run got beside the published figures."""
    rows = [
        [
            "prepaid premises self-disconnecting (in the run)",
            f"{fmt_share(cut['share_in_run'])} ({cut['self_disconnected']} of "
            f"{cut['prepaid_premises']})",
            f"{fmt_share(cut['published_share_year'], 0)} a year (Citizens Advice 2018)",
        ],
        [
            "the same scaled to a year as a constant rate (upper bound)",
            fmt_share(cut["share_year_upper"]),
            "",
        ],
        [
            "disconnections over 24 h",
            f"{fmt_share(length['share_over_24h'])} of {length['share_over_24h_of']}",
            f"{fmt_share(length['published_share_over_24h'], 0)} (Citizens Advice 2022)",
        ],
        [
            "disconnections over 1 h",
            f"{fmt_share(length['share_over_1h'])} of {length['share_over_1h_of']}",
            "",
        ],
        ["median length (Kaplan-Meier) [h]", fmt(length["median_h"], 1), ""],
        ["hours off supply per prepaid customer-year", fmt(cut["hours_off_per_customer_year"]), ""],
        [
            "disconnections per prepaid customer-year",
            fmt(cut["disconnections_per_customer_year"]),
            "",
        ],
    ]
    return Table(
        header=["figure", "got", "published"],
        rows=rows,
        caption=f"Prepaid {utility}: self-disconnection and how long it lasts",
        numeric=False,
    )


def _money_table(utility: str, money: dict[str, Any]) -> Table:
    """Revenue, refunds, credit held, arrears and the money identity."""
    currency = money["currency"] or ""
    residual = money["identity"]["max_abs_residual_minor"]
    rows = [
        ["revenue (sales - returns + corrections)", fmt(money["revenue"], unit=currency)],
        ["refunds", fmt(money["refunds"], unit=currency)],
        ["emergency credit granted", fmt(money["emergency_granted"], unit=currency)],
        ["credit held at the run end", fmt(money["credit_held_at_end"], unit=currency)],
        ["arrears at the run end", fmt(money["arrears_at_end"], unit=currency)],
        [
            "of which emergency credit",
            fmt(money["emergency_outstanding_at_end"], unit=currency),
        ],
        ["accounts in arrears at the run end", fmt(money["accounts_in_arrears_at_end"], 0)],
        [
            "money identity, largest residual [minor units]",
            "not checked" if residual is None else fmt(int(residual), 0),
        ],
    ]
    return Table(
        header=["money", "amount"],
        rows=rows,
        caption=f"Prepaid {utility}: money over the run",
    )
