"""Prepaid money: revenue, refunds, credit held, arrears and the money identity per account.

Per local day and utility (``money_daily.parquet``): the flows of the day
from ``external/prepaid_transaction`` (sales, returns, corrections, revenue =
sales - returns + corrections, refunds, emergency credit granted) and
``external/credit_balance_daily`` (consumed), and the stocks at the day's
end from the closing balances: credit held (positive balances), arrears
(negative balances, summed as a positive amount: emergency or friendly
credit owed) and the part of the arrears that is emergency credit (each
account's negative balance up to the largest emergency grant it had).

The money identity per account, in whole minor units::

    opening + sales - returns + corrections = consumed + refunds + closing

(emergency grants move no money and are outside it); the study reports the
largest absolute residual, which must be 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.studies.prepaid.data import PrepaidTables, to_minor

__all__ = ["FLOWS", "STOCKS", "money_by_month", "money_daily", "money_identity", "money_summary"]

FLOWS = (
    "sales",
    "returns",
    "corrections",
    "revenue",
    "refunds",
    "emergency_granted",
    "consumed",
)
"""Columns of ``money_daily`` that are amounts of the day [currency]."""

STOCKS = ("credit_held", "arrears", "emergency_outstanding", "accounts_in_arrears")
"""Columns of ``money_daily`` that are states at the day's end."""

_KIND_OF = {
    "sale": "sales",
    "return": "returns",
    "correction": "corrections",
    "refund": "refunds",
    "emergency": "emergency_granted",
}


def money_daily(tables: PrepaidTables) -> pd.DataFrame:
    """Flows and end-of-day stocks per local day and utility (see the module).

    Returns
    -------
    pandas.DataFrame
        ``date`` (local day), ``utility``, ``currency``, :data:`FLOWS` and
        :data:`STOCKS` [currency; counts for ``accounts_in_arrears``],
        ``accounts`` (with a balance row that day).
    """
    scale = 10.0**tables.decimals
    tx = tables.transactions
    local = pd.to_datetime(tx["time"], utc=True).dt.tz_convert(tables.timezone)
    tx = tx.assign(
        date=local.dt.tz_localize(None).dt.normalize(),
        column=tx["kind"].map(_KIND_OF),
        minor=to_minor(tx["amount"], tables.decimals),
    ).dropna(subset=["column"])
    flows = tx.pivot_table(
        index=["date", "utility"], columns="column", values="minor", aggfunc="sum", fill_value=0
    )
    days = tables.balances.assign(
        minor=to_minor(tables.balances["balance"], tables.decimals),
        consumed_minor=to_minor(tables.balances["consumed"], tables.decimals),
    )
    grants = tables.transactions[tables.transactions["kind"] == "emergency"]
    largest = grants.groupby("account_id")["amount"].max()
    caps = pd.Series(to_minor(largest, tables.decimals), index=largest.index, dtype=np.int64)
    owed = np.maximum(-days["minor"].to_numpy(), 0)
    days["held"] = np.maximum(days["minor"].to_numpy(), 0)
    days["owed"] = owed
    days["emergency_owed"] = np.minimum(
        owed, days["account_id"].map(caps).fillna(0).to_numpy(dtype=np.int64)
    )
    days["in_arrears"] = (owed > 0).astype(np.int64)
    stocks = days.groupby(["date", "utility"]).agg(
        consumed=("consumed_minor", "sum"),
        credit_held=("held", "sum"),
        arrears=("owed", "sum"),
        emergency_outstanding=("emergency_owed", "sum"),
        accounts_in_arrears=("in_arrears", "sum"),
        accounts=("account_id", "nunique"),
    )
    frame = stocks.join(flows, how="outer").fillna(0).reset_index()
    for column in ("sales", "returns", "corrections", "refunds", "emergency_granted"):
        if column not in frame:
            frame[column] = 0
    frame["revenue"] = frame["sales"] - frame["returns"] + frame["corrections"]
    money = [c for c in (*FLOWS, *STOCKS) if c != "accounts_in_arrears"]
    frame[money] = frame[money].to_numpy(dtype=np.float64) / scale
    frame[["accounts_in_arrears", "accounts"]] = frame[["accounts_in_arrears", "accounts"]].astype(
        np.int64
    )
    currency = tables.accounts.groupby("utility")["currency"].first()
    frame["currency"] = frame["utility"].map(currency).astype(str)
    columns = ["date", "utility", "currency", *FLOWS, *STOCKS, "accounts"]
    return frame[columns].sort_values(["utility", "date"]).reset_index(drop=True)


def money_by_month(daily: pd.DataFrame) -> pd.DataFrame:
    """:func:`money_daily` per local calendar month: flows summed, stocks at the last day."""
    frame = daily.assign(month=daily["date"].dt.to_period("M").astype(str))
    flows = frame.groupby(["utility", "month"])[list(FLOWS)].sum()
    last = frame.sort_values("date").groupby(["utility", "month"])[list(STOCKS)].last()
    return flows.join(last).reset_index()


def money_identity(tables: PrepaidTables) -> pd.DataFrame:
    """Residual of the money identity per account [minor units] (see the module).

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``utility``, ``residual_minor`` (nullable Int64: NA
        where the scenario does not give the utility's opening credit).
    """
    d = tables.decimals
    tx = tables.transactions.assign(minor=to_minor(tables.transactions["amount"], d))
    sums = tx.pivot_table(
        index="account_id", columns="kind", values="minor", aggfunc="sum", fill_value=0
    )
    columns = ["account_id", "utility", "customer_kind"]
    accounts = tables.accounts[[c for c in columns if c in tables.accounts]].copy()
    got = sums.reindex(accounts["account_id"]).fillna(0).astype(np.int64)

    def kind(name: str) -> np.ndarray:
        return got[name].to_numpy() if name in got else np.zeros(len(got), dtype=np.int64)

    days = tables.balances.sort_values("date").groupby("account_id")
    consumed = days["consumed"].apply(lambda s: int(to_minor(s, d).sum()))
    closing = days["balance"].last()
    opening = accounts["utility"].map(tables.opening_credit)
    if "customer_kind" in accounts:  # other customers' opening credit scales with their use
        opening = opening.where(accounts["customer_kind"].astype(str) == "household")
        accounts = accounts.drop(columns="customer_kind")
    residual = (
        to_minor(opening.fillna(0.0), d)
        + kind("sale")
        - kind("return")
        + kind("correction")
        - accounts["account_id"].map(consumed).fillna(0).to_numpy(dtype=np.int64)
        - kind("refund")
        - to_minor(accounts["account_id"].map(closing).fillna(0.0), d)
    )
    accounts["residual_minor"] = pd.array(residual, dtype="Int64")
    accounts.loc[opening.isna().to_numpy(), "residual_minor"] = pd.NA
    return accounts.reset_index(drop=True)


def money_summary(daily: pd.DataFrame, identity: pd.DataFrame, utility: str) -> dict[str, Any]:
    """The money block of one utility: totals, stocks at the run end, months, identity."""
    mine = daily[daily["utility"] == utility]
    checked = identity.loc[identity["utility"] == utility, "residual_minor"].dropna()
    last = mine[mine["date"] == mine["date"].max()] if len(mine) else mine
    months = money_by_month(mine)
    return {
        "currency": str(mine["currency"].iloc[0]) if len(mine) else None,
        **{f"{c}": float(mine[c].sum()) for c in FLOWS},
        "credit_held_at_end": float(last["credit_held"].sum()),
        "arrears_at_end": float(last["arrears"].sum()),
        "emergency_outstanding_at_end": float(last["emergency_outstanding"].sum()),
        "accounts_in_arrears_at_end": int(last["accounts_in_arrears"].sum()),
        "by_month": months.drop(columns="utility").to_dict(orient="records"),
        "identity": {
            "accounts_checked": len(checked),
            "accounts_unchecked": int((identity["utility"] == utility).sum() - len(checked)),
            "max_abs_residual_minor": int(checked.abs().max()) if len(checked) else None,
        },
    }
