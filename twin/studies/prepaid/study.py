"""The prepaid study: self-disconnection, disconnection lengths, who is hit, and the money.

Reads a finished run's prepaid tables (:mod:`twin.studies.prepaid.data`) and
writes ``studies/prepaid/``: ``metrics.json``, ``premises.parquet`` (one row
per prepaid account, :func:`~twin.studies.prepaid.accounts.account_table`,
with its money-identity residual), ``money_daily.parquet``
(:func:`~twin.studies.prepaid.money.money_daily`) and, per utility, the
figures ``<utility>_disconnection_lengths.png`` and ``<utility>_money.png``.
Figures are per utility where the tables have a ``utility`` column,
electricity first.

References
----------
Citizens Advice (2018), "Switched on: improving support for prepayment
consumers who self-disconnect". Citizens Advice (2022), "Kept in the dark".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from twin.streams import jsonable, open_run, staged_folder, write_json
from twin.studies.prepaid.accounts import account_table, breakdown, self_disconnection
from twin.studies.prepaid.data import PrepaidTables, load_prepaid_tables
from twin.studies.prepaid.figures import plot_disconnection_lengths, plot_money_daily
from twin.studies.prepaid.lengths import PUBLISHED, length_summary
from twin.studies.prepaid.money import money_daily, money_identity, money_summary

__all__ = ["STUDY_NAME", "PrepaidSummary", "prepaid_summary", "run_prepaid_study"]

STUDY_NAME: Final = "prepaid"

BREAKDOWNS: Final = ("occupancy_kind", "consumption_quartile", "persons", "customer_kind")
"""Columns of ``premises.parquet`` by which metrics.json says who is hit (where present)."""


@dataclass(frozen=True)
class PrepaidSummary:
    """What the study computes from a run's prepaid tables.

    Attributes
    ----------
    tables : PrepaidTables
        The tables read.
    accounts : pandas.DataFrame
        One row per prepaid account (``premises.parquet``).
    daily : pandas.DataFrame
        Money per local day and utility (``money_daily.parquet``).
    metrics : dict
        The content of ``metrics.json`` (without ``outputs``).
    """

    tables: PrepaidTables
    accounts: pd.DataFrame
    daily: pd.DataFrame
    metrics: dict[str, Any]


def prepaid_summary(tables: PrepaidTables, *, run: str = "") -> PrepaidSummary:
    """Compute the study's tables and metrics from a run's prepaid tables.

    Parameters
    ----------
    tables : PrepaidTables
        :func:`~twin.studies.prepaid.data.load_prepaid_tables`.
    run : str
        The run's path, for metrics.json.

    Returns
    -------
    PrepaidSummary
    """
    accounts = account_table(tables)
    identity = money_identity(tables)
    accounts = accounts.merge(identity[["account_id", "residual_minor"]], on="account_id")
    daily = money_daily(tables)
    utilities = tables.utilities
    spells = tables.interruptions
    metrics: dict[str, Any] = {
        "study": STUDY_NAME,
        "run": run,
        "period": {
            "start": tables.start.isoformat(),
            "end": tables.end.isoformat(),
            "days": tables.days,
            "timezone": tables.timezone,
        },
        "utilities": list(utilities),
        "self_disconnection": {u: self_disconnection(tables, accounts, u) for u in utilities},
        "lengths": {
            u: length_summary(spells[spells["utility"] == u], tables.end) for u in utilities
        },
        "who": {
            u: {
                f"by_{by}": breakdown(accounts[accounts["utility"] == u], by)
                for by in BREAKDOWNS
                if by in accounts.columns
            }
            for u in utilities
        },
        "money": {u: money_summary(daily, identity, u) for u in utilities},
        "published": PUBLISHED,
        "method": _method(),
        "notes": _notes(tables, accounts),
    }
    return PrepaidSummary(tables, accounts, daily, metrics)


def run_prepaid_study(run_dir: str | Path) -> dict[str, Any]:
    """Study a run's prepaid accounts (see the module); writes ``studies/prepaid/``.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run of a scenario with a ``prepaid:`` section.

    Returns
    -------
    dict
        The content of ``studies/prepaid/metrics.json``.

    Raises
    ------
    TwinError
        Not a finished run, a prepaid table missing, or no prepaid account.
    """
    run = open_run(run_dir)
    summary = prepaid_summary(load_prepaid_tables(run), run=str(run.path))
    metrics = summary.metrics
    spells = summary.tables.interruptions
    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        summary.accounts.to_parquet(staging / "premises.parquet", index=False)
        summary.daily.to_parquet(staging / "money_daily.parquet", index=False)
        figures = []
        for utility in summary.tables.utilities:
            figures.append(
                plot_disconnection_lengths(
                    spells[spells["utility"] == utility],
                    summary.tables.end,
                    staging / f"{utility}_disconnection_lengths.png",
                    utility=utility,
                )
            )
            figures.append(
                plot_money_daily(
                    summary.daily[summary.daily["utility"] == utility],
                    staging / f"{utility}_money.png",
                    utility=utility,
                )
            )
        metrics["outputs"] = {
            "premises": "premises.parquet",
            "money_daily": "money_daily.parquet",
            "figures": figures,
        }
        write_json(staging / "metrics.json", metrics)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _method() -> dict[str, str]:
    """How the study counts (the ``method`` block of metrics.json)."""
    return {
        "self_disconnected": "a prepaid premise whose relay got an executed or sent "
        "credit_exhausted command at least once in the run (share_in_run, a lower bound "
        "of the yearly share; share_year_upper scales it as a constant rate)",
        "disconnections": "truth/supply_interruption spells of cause prepaid on the account's "
        "meter while it was open; platform_* from executed credit_exhausted to the next "
        "executed credit_restored relay command",
        "censoring": "a spell still on at the run end counts for a share over a length when "
        "it already lasted that long, and is left out otherwise; the median is Kaplan-Meier",
        "per_customer_year": "totals over the accounts' days open in the run / 365.25",
        "revenue": "sales - returns + corrections; emergency grants move no money",
        "arrears": "negative closing balances, summed as a positive amount; emergency_outstanding"
        " is the part up to each account's emergency grant",
        "identity": "opening + sales - returns + corrections - consumed - refunds - closing "
        "per account in minor units; must be 0",
    }


def _notes(tables: PrepaidTables, accounts: pd.DataFrame) -> list[str]:
    notes: list[str] = []
    if tables.days < 365:
        notes.append(
            f"the run covers {tables.days:g} days: the self-disconnection share within it is a "
            "lower bound of a yearly share such as the published 16 %"
        )
    unknown = [u for u, credit in tables.opening_credit.items() if credit is None]
    if unknown:
        notes.append(
            f"the scenario gives no opening credit for {unknown}: their money identity is "
            "not checked"
        )
    if tables.premises is None:
        notes.append("truth/premise is absent: who is hit is not broken down")
    elif "persons" not in accounts.columns:
        notes.append("truth/premise has no persons column: no breakdown by persons")
    return notes
