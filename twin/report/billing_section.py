"""The report's billing section: accounts, billed energy and revenue, household bills.

Reads ``external/account`` and ``external/bill`` (written by the billing
stage of a run with ``tariffs``), the prepaid accounts' figures
(:mod:`twin.report.prepaid_section`), and the freeze times of
``internal/meter_register_daily`` to say why a bill is ``estimated``. Bills
and accounts are one row per account and month, small beside the interval
tables, so they are read whole. The section is left out of a run without
bills.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.report.html import FigureRef, Section, Table
from twin.report.prepaid_section import prepaid_subsection
from twin.report.sections import fmt, fmt_share
from twin.report.utility_figures import plot_bill_histogram, plot_billing_by_month
from twin.streams import RunDirectory

__all__ = [
    "DAYS_PER_MONTH",
    "ESTIMATE_REASONS",
    "billing_by_month",
    "billing_section",
    "complete_month",
    "estimate_reasons",
    "prepaid_subsection",
    "revenue_by_tariff",
]

DAYS_PER_MONTH = 365.25 / 12
"""Days of a mean calendar month: part-month bills are scaled to it for the histogram."""

ESTIMATE_REASONS = {
    "start": "the daily freeze that opens the period was not received",
    "end": "the daily freeze that closes the period was not received",
    "monthly": "the monthly freeze with the maximum demand was not received or lies after "
    "the run's end (no demand charge)",
}
"""Why a bill is ``estimated``, by the freeze it lacked (see twin/services/billing/bills.py)."""

_BILL_COLUMNS = [
    "account_id",
    "meter_id",
    "tariff",
    "currency",
    "period_start",
    "period_end",
    "import_wh",
    "total",
    "estimated",
]


def billing_section(run: RunDirectory, out: Path, *, timezone: str) -> Section | None:
    """The billing section, or None when the run has no bills.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run.
    out : pathlib.Path
        Folder of the page, where the figures are written.
    timezone : str
        The run's time zone: months are local calendar months.
    """
    if not run.has("external/bill"):
        return None
    bills = run.table("external/bill", _BILL_COLUMNS)
    accounts = run.optional_table("external/account")
    if accounts is None:
        accounts = pd.DataFrame(columns=["account_id", "customer_kind", "tariff", "payment"])
    section = Section(
        anchor="billing",
        title="Billing",
        text=[
            "Accounts and their monthly bills as the billing stage wrote them from the legal "
            "register freezes (external/account, external/bill): revenue is the bills' "
            "total, energy their metered import; months are local calendar months of the "
            "period start."
        ],
    )
    if bills.empty:
        section.notes.append("external/bill has no rows: nothing was billed.")
        _add_prepaid(section, run, out, accounts)
        return section
    currencies = sorted(bills["currency"].astype(str).unique())
    if len(currencies) > 1:
        section.notes.append(
            f"Bills in several currencies ({', '.join(currencies)}): summed apart."
        )
    currency = currencies[0]
    kind = accounts.set_index("account_id")["customer_kind"] if len(accounts) else pd.Series()
    bills["customer_kind"] = bills["account_id"].map(kind).fillna("unknown").astype(str)
    section.tables.append(_accounts_table(accounts))
    monthly = billing_by_month(bills[bills["currency"] == currency], timezone)
    name = plot_billing_by_month(monthly, out / "billing_by_month.png", currency=currency)
    total = float(monthly["revenue"].sum())
    section.figures.append(
        FigureRef(
            name,
            f"Billed import [kWh] and revenue [{currency}] by local month of the period start, "
            f"stacked by tariff; {len(bills):,} bills, total revenue {total:,.2f} {currency}.",
        )
    )
    section.tables.append(_revenue_table(revenue_by_tariff(bills), currency))
    section.figures += _household_histogram(bills, out, timezone=timezone, currency=currency)
    section.tables.append(_estimated_table(bills, estimate_reasons(run, bills)))
    _add_prepaid(section, run, out, accounts)
    return section


def _add_prepaid(section: Section, run: RunDirectory, out: Path, accounts: pd.DataFrame) -> None:
    """Add the prepaid accounts' tables, figures and notes to the section."""
    tables, figures, notes = prepaid_subsection(run, out, accounts)
    section.tables += tables
    section.figures += figures
    section.notes += notes


def billing_by_month(bills: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Billed import and revenue by local month of the period start and tariff.

    Parameters
    ----------
    bills : pandas.DataFrame
        ``external/bill`` rows (``period_start`` UTC, ``import_wh`` [Wh],
        ``total`` [currency units]) of one currency.
    timezone : str
        The run's time zone.

    Returns
    -------
    pandas.DataFrame
        ``month`` (``YYYY-MM``), ``tariff``, ``bills``, ``import_kwh`` [kWh],
        ``revenue`` [currency units], sorted by month and tariff.
    """
    month = bills["period_start"].dt.tz_convert(timezone).dt.strftime("%Y-%m")
    grouped = bills.assign(month=month, tariff=bills["tariff"].astype(str)).groupby(
        ["month", "tariff"], sort=True
    )
    out = grouped.agg(
        bills=("total", "size"), import_wh=("import_wh", "sum"), revenue=("total", "sum")
    ).reset_index()
    out["import_kwh"] = out.pop("import_wh").astype(np.float64) / 1e3
    return out[["month", "tariff", "bills", "import_kwh", "revenue"]]


def revenue_by_tariff(bills: pd.DataFrame) -> pd.DataFrame:
    """Bills, import [kWh] and revenue [currency units] by currency, tariff and customer kind."""
    grouped = bills.groupby(["currency", "tariff", "customer_kind"], sort=True)
    out = grouped.agg(
        accounts=("account_id", "nunique"),
        bills=("total", "size"),
        import_wh=("import_wh", "sum"),
        revenue=("total", "sum"),
    ).reset_index()
    out["import_kwh"] = out.pop("import_wh").astype(np.float64) / 1e3
    return out


def complete_month(bills: pd.DataFrame, timezone: str) -> pd.Series:
    """Whether each bill covers a whole local calendar month."""
    start = bills["period_start"].dt.tz_convert(timezone)
    end = bills["period_end"].dt.tz_convert(timezone)
    first = start.dt.normalize() == start
    first &= start.dt.day == 1
    next_month = (start.dt.tz_localize(None) + pd.offsets.MonthBegin(1)).dt.tz_localize(
        timezone, ambiguous="NaT", nonexistent="shift_forward"
    )
    return pd.Series(first.to_numpy() & (end == next_month).to_numpy(), index=bills.index)


def estimate_reasons(run: RunDirectory, bills: pd.DataFrame) -> pd.Series:
    """Why each estimated bill is estimated: a key of :data:`ESTIMATE_REASONS`.

    A cut at a daily freeze the run does not hold (the run start reads the
    installation registers, not a freeze) names that freeze; otherwise the
    bill lacked the monthly freeze that gives its maximum demand.

    Returns
    -------
    pandas.Series
        Indexed as the estimated rows of ``bills``.
    """
    estimated = bills[bills["estimated"].astype(bool)]
    if estimated.empty:
        return pd.Series(dtype=object)
    reason = pd.Series("monthly", index=estimated.index, dtype=object)
    if not run.has("internal/meter_register_daily"):
        return reason
    freezes = run.table("internal/meter_register_daily", ["meter_id", "freeze_time"])
    held = pd.MultiIndex.from_arrays(
        [freezes["meter_id"].astype(str), freezes["freeze_time"]]
    ).unique()
    run_start = bills["period_start"].min()
    meter = estimated["meter_id"].astype(str)
    for cut in ("end", "start"):  # the start wins where both are missing
        stamp = estimated[f"period_{cut}"]
        have = pd.MultiIndex.from_arrays([meter, stamp]).isin(held)
        reason[~have & (stamp != run_start).to_numpy()] = cut
    return reason


def _accounts_table(accounts: pd.DataFrame) -> Table:
    """Accounts by payment kind and tariff, with their customer kinds."""
    rows = []
    if len(accounts):
        closed = accounts["closed_at"].notna() if "closed_at" in accounts else False
        frame = accounts.assign(open=~closed)
        for (payment, tariff), group in frame.groupby(["payment", "tariff"], sort=True):
            kinds = ", ".join(sorted(group["customer_kind"].astype(str).unique()))
            rows.append(
                [str(payment), str(tariff), kinds, fmt(len(group), 0), fmt(group["open"].sum(), 0)]
            )
    return Table(
        header=["payment", "tariff", "customer kinds", "accounts", "open at the run's end"],
        rows=rows,
        caption="Accounts by payment kind and tariff",
    )


def _revenue_table(revenue: pd.DataFrame, currency: str) -> Table:
    rows = [
        [
            str(r["tariff"]),
            str(r["customer_kind"]),
            fmt(int(r["accounts"])),
            fmt(int(r["bills"])),
            fmt(float(r["import_kwh"]), 1),
            f"{fmt(float(r['revenue']), 2)} {r['currency']}",
            fmt(float(r["revenue"]) / r["import_kwh"], 4) if r["import_kwh"] > 0 else "-",
        ]
        for r in revenue.to_dict("records")
    ]
    return Table(
        header=[
            "tariff",
            "customer kind",
            "accounts",
            "bills",
            "import [kWh]",
            "revenue",
            "mean price [per kWh]",
        ],
        rows=rows,
        caption=f"Revenue by tariff and customer kind ({currency} unless said)",
    )


def _household_histogram(
    bills: pd.DataFrame, out: Path, *, timezone: str, currency: str
) -> list[FigureRef]:
    """The households' monthly bills: whole months where there are, else each account's
    bills over the run scaled to a mean month."""
    homes = bills[(bills["customer_kind"] == "household") & (bills["currency"] == currency)]
    if homes.empty:
        return []
    whole = complete_month(homes, timezone)
    if whole.any():
        values = homes.loc[whole, "total"].to_numpy(dtype=np.float64)
        what = f"{len(values):,} household bills of whole calendar months"
    else:
        days = (homes["period_end"] - homes["period_start"]).dt.total_seconds() / 86_400.0
        per_account = homes.assign(days=days).groupby("account_id")[["total", "days"]].sum()
        per_account = per_account[per_account["days"] > 0]
        values = (per_account["total"] / per_account["days"] * DAYS_PER_MONTH).to_numpy(
            dtype=np.float64
        )
        what = (
            f"{len(values):,} household accounts' bills over the run, scaled to a month of "
            f"{DAYS_PER_MONTH:.2f} days (the run has no whole calendar month)"
        )
    if values.size == 0:
        return []
    counted = "bills" if whole.any() else "accounts"
    name = plot_bill_histogram(
        values, out / "household_bills.png", currency=currency, counted=counted
    )
    return [
        FigureRef(
            name,
            f"Distribution of the households' monthly bills [{currency}]: {what}; "
            "median and 90th percentile marked.",
        )
    ]


def _estimated_table(bills: pd.DataFrame, reasons: pd.Series) -> Table:
    n = len(bills)
    estimated = int(bills["estimated"].astype(bool).sum())
    rows = [["estimated bills", f"{fmt(estimated, 0)} of {fmt(n, 0)} ({fmt_share(estimated / n)})"]]
    counts = reasons.value_counts()
    for key, text in ESTIMATE_REASONS.items():
        if counts.get(key, 0):
            rows.append([f"because {text}", fmt(int(counts[key]), 0)])
    return Table(
        header=["bills", "count"],
        rows=rows,
        caption="Estimated bills (a register freeze a cut needed was missing)",
    )
