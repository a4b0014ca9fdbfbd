"""The finance workbook: bills and revenue, prepaid sales and returns, arrears.

Sheets, each where the run has its table: ``Revenue by month`` (with a
chart) and ``Revenue by tariff`` and ``Bills`` (``external/bill``);
``Prepaid daily`` and ``Prepaid monthly`` (``external/prepaid_transaction``);
``Arrears daily`` (``external/credit_balance_daily``); ``Notes`` last.
Months and days are local, from a bill's period start and a transaction's time.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from twin.report.excel.book import Book, Column, SheetWriter
from twin.report.excel.daily import Progress
from twin.report.excel.energy import write_notes
from twin.report.excel.local_time import local_naive, month_of
from twin.report.excel.streamed import stream_table
from twin.services.prepaid.credit import TRANSACTION_KINDS
from twin.streams import RunClock, RunDirectory

__all__ = ["FINANCE_TABLES", "PREPAID_KINDS", "write_finance_workbook"]

BILLS = "external/bill"
PREPAID = "external/prepaid_transaction"
BALANCES = "external/credit_balance_daily"
FINANCE_TABLES = (BILLS, PREPAID)
"""A run with neither has no tariffs, and no finance workbook."""

CHARGES = ["energy_charge", "demand_charge", "standing_charge", "export_credit", "total"]
PREPAID_KINDS = TRANSACTION_KINDS
"""Kinds of prepaid transaction, in column order."""
_NET_SIGN = {"sale": 1, "return": -1, "correction": 1, "emergency": 0, "refund": -1}
"""How each kind counts in net sales: emergency credit is advanced, not paid, so it is left out."""


def _unit(currencies: list[str]) -> str:
    """The money unit of the headers: the currency when there is one, else the column's."""
    return currencies[0] if len(currencies) == 1 else "see Currency"


def _bill_frame(run: RunDirectory, zone: str) -> pd.DataFrame:
    """Bills with their local month, kWh and the account's customer kind (a small table)."""
    columns = ["account_id", "meter_id", "tariff", "currency", "period_start", "import_wh"]
    schema = run.dataset(BILLS).schema
    columns += [c for c in [*CHARGES, "export_wh"] if c in schema.names]
    bills = pd.concat(
        [f for f in run.iter_frames(BILLS, columns)] or [pd.DataFrame(columns=columns)]
    )
    bills["month"] = month_of(local_naive(bills["period_start"], zone))
    kinds = None
    if run.has("external/account"):
        kinds = run.table("external/account", ["account_id", "customer_kind"])
        kinds = kinds.drop_duplicates("account_id").astype({"account_id": str})
        bills = bills.astype({"account_id": str}).merge(kinds, on="account_id", how="left")
    elif run.has("internal/meter_point"):
        kinds = run.table("internal/meter_point", ["meter_id", "customer_kind"])
        bills = bills.astype({"meter_id": str}).merge(kinds, on="meter_id", how="left")
    if "customer_kind" not in bills:
        bills["customer_kind"] = ""
    bills["customer_kind"] = bills["customer_kind"].fillna("")
    bills["import_kwh"] = bills["import_wh"].astype(float) / 1_000.0
    bills["bills"] = 1
    for column in ("tariff", "currency"):
        bills[column] = bills[column].astype(str)
    return bills.reset_index(drop=True)


def _money(unit: str, names: list[str]) -> list[Column]:
    return [Column(f"{n.replace('_', ' ').capitalize()} [{unit}]", "money", 14) for n in names]


def _write_revenue(book: Book, bills: pd.DataFrame, zone: str, limit: int) -> None:
    unit = _unit(sorted(bills["currency"].unique()))
    charges = [c for c in CHARGES if c in bills]
    by_month = (
        bills.groupby(["month", "currency"])[["bills", "import_kwh", *charges]].sum().reset_index()
    )
    columns = [
        Column(f"Month [{zone}]", "month", 10),
        Column("Currency", "text", 9),
        Column("Bills", "int", 8),
        Column("Billed import [kWh]", "kwh", 16),
        *_money(unit, charges),
    ]
    sheet = SheetWriter(book, "Revenue by month", columns, row_limit=limit)
    sheet.write_frame(by_month)
    if len(by_month) and "total" in charges:
        name, last = sheet.sheets[0], sheet.last_row
        chart = book.workbook.add_chart({"type": "column"})
        c = 4 + charges.index("total")
        chart.add_series(
            {
                "name": "Revenue",
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, c, last, c],
            }
        )
        chart.set_title({"name": f"Billed revenue per month [{unit}]"})
        chart.set_x_axis({"num_format": "yyyy-mm"})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_legend({"none": True})
        sheet.sheet.insert_chart(1, len(columns) + 1, chart)
    by_tariff = (
        bills.groupby(["month", "tariff", "customer_kind", "currency"])[
            ["bills", "import_kwh", *charges]
        ]
        .sum()
        .reset_index()
    )
    columns = [
        Column(f"Month [{zone}]", "month", 10),
        Column("Tariff", "text", 16),
        Column("Customer kind", "text", 13),
        Column("Currency", "text", 9),
        Column("Bills", "int", 8),
        Column("Billed import [kWh]", "kwh", 16),
        *_money(unit, charges),
    ]
    SheetWriter(book, "Revenue by tariff", columns, row_limit=limit).write_frame(by_tariff)


_PLURAL = {
    "sale": "Sales",
    "return": "Returns",
    "correction": "Corrections",
    "emergency": "Emergency credit",
    "refund": "Refunds",
}
"""Sheet headers of the transaction kinds."""


def _utility_frames(run: RunDirectory, table: str, columns: list[str]) -> Iterator[pd.DataFrame]:
    """Batches of ``table`` with a ``utility`` column (all electricity in a run written
    before prepaid water existed)."""
    has = "utility" in run.dataset(table).schema.names
    for frame in run.iter_frames(table, [*columns, "utility"] if has else columns):
        frame["utility"] = frame["utility"].astype(str) if has else "electricity"
        yield frame


def _prepaid_by_day(run: RunDirectory, zone: str) -> pd.DataFrame:
    """Prepaid amounts per local day, utility and kind (``sale`` ... ``refund``, ``count``)."""
    parts = []
    for frame in _utility_frames(run, PREPAID, ["time", "kind", "amount"]):
        frame["day"] = local_naive(frame["time"], zone).dt.floor("D")
        frame["kind"] = frame["kind"].astype(str)
        frame["count"] = 1
        parts.append(frame.groupby(["day", "utility", "kind"])[["amount", "count"]].sum())
    if not parts:
        return pd.DataFrame(columns=["day", "utility", *PREPAID_KINDS, "transactions"])
    sums = pd.concat(parts).groupby(level=[0, 1, 2]).sum()
    amounts = sums["amount"].unstack("kind").reindex(columns=list(PREPAID_KINDS)).fillna(0.0)
    amounts["transactions"] = sums["count"].groupby(level=[0, 1]).sum()
    return amounts.reset_index()


def _net(frame: pd.DataFrame) -> pd.Series:
    """Net sales: sales and corrections less returns and refunds (their size, whatever sign)."""
    net = pd.Series(0.0, index=frame.index)
    for kind, sign in _NET_SIGN.items():
        net += sign * (frame[kind].abs() if sign < 0 else frame[kind])
    return net


def _write_prepaid(book: Book, run: RunDirectory, zone: str, unit: str, limit: int) -> None:
    daily = _prepaid_by_day(run, zone)
    for period, name in (("day", "Prepaid daily"), ("month", "Prepaid monthly")):
        frame = daily
        if period == "month":
            frame = daily.assign(month=month_of(daily["day"])).drop(columns="day")
            frame = frame.groupby(["month", "utility"]).sum().reset_index()
        frame = frame.assign(net=_net(frame))
        label = "Day" if period == "day" else "Month"
        columns = [
            Column(f"{label} [{zone}]", "date" if period == "day" else "month", 12),
            Column("Utility", "text", 11),
            *(Column(f"{_PLURAL[k]} [{unit}]", "money", 14) for k in PREPAID_KINDS),
            Column("Transactions", "int", 12),
            Column(f"Net sales [{unit}]", "money", 14),
        ]
        SheetWriter(book, name, columns, row_limit=limit).write_frame(frame)


def _write_arrears(book: Book, run: RunDirectory, zone: str, unit: str, limit: int) -> None:
    parts = []
    for frame in _utility_frames(run, BALANCES, ["date", "balance"]):
        balance = frame["balance"].astype(float)
        part = pd.DataFrame(
            {
                "day": pd.to_datetime(frame["date"]),
                "utility": frame["utility"],
                "accounts": 1,
                "in_arrears": (balance < 0).astype(np.int64),
                "arrears": (-balance).clip(lower=0),
            }
        )
        parts.append(part.groupby(["day", "utility"]).sum())
    totals = pd.concat(parts).groupby(level=[0, 1]).sum().reset_index() if parts else None
    columns = [
        Column(f"Day [{zone}]", "date", 12),
        Column("Utility", "text", 11),
        Column("Accounts", "int", 10),
        Column("Accounts in arrears", "int", 12),
        Column(f"Arrears [{unit}]", "money", 14),
    ]
    sheet = SheetWriter(book, "Arrears daily", columns, row_limit=limit)
    if totals is not None:
        sheet.write_frame(totals)


def write_finance_workbook(
    book: Book,
    run: RunDirectory,
    clock: RunClock,
    *,
    row_limit: int,
    progress: Progress | None = None,
) -> None:
    """Write the finance workbook's sheets into ``book`` (see the module docstring)."""
    zone = clock.timezone
    notes: list[tuple[str, str]] = []
    currencies: list[str] = []
    if run.has(BILLS):
        bills = _bill_frame(run, zone)
        currencies = sorted(bills["currency"].unique())
        _write_revenue(book, bills, zone, row_limit)
        unit = _unit(currencies)
        schema = run.dataset(BILLS).schema
        overrides = {
            c: Column(f"{c.replace('_', ' ').capitalize()} [{unit}]", "money", 14)
            for c in CHARGES
            if c in schema.names
        }
        stream_table(
            book,
            run,
            BILLS,
            "Bills",
            zone,
            row_limit=row_limit,
            progress=progress,
            overrides=overrides,
        )
        notes.append(
            (
                "Bills",
                f"{BILLS}: one bill per account and local calendar month, cut at account "
                "opening and closing; month of the period start. Revenue = bill totals "
                "(energy + demand + standing charges - export credit).",
            )
        )
    else:
        notes.append(("Bills", f"the run has no {BILLS} table: no revenue sheets."))
    if not currencies and run.has("external/account"):
        currencies = sorted(run.table("external/account", ["currency"])["currency"].unique())
    unit = _unit(currencies) if currencies else "currency units"
    if run.has(PREPAID):
        _write_prepaid(book, run, zone, unit, row_limit)
        if progress is not None:
            progress(int(run.dataset(PREPAID).count_rows()))
        notes.append(
            (
                "Prepaid",
                f"{PREPAID} summed per local day and kind; net sales = sales + corrections "
                "- returns - refunds; emergency credit is advanced credit, shown but not counted.",
            )
        )
    if run.has(BALANCES):
        _write_arrears(book, run, zone, unit, row_limit)
        notes.append(("Arrears", f"{BALANCES}: accounts with a negative balance, and its sum."))
    write_notes(book, run, clock, notes)
