"""Per prepaid account: disconnections, hours off supply, warnings, credit, top-ups, who.

One row per prepaid account (a premise has one per tenancy), with its
premise's attributes from ``truth/premise``. Disconnections are counted two
ways: as the customer lives them (``truth/supply_interruption`` spells of
cause ``prepaid`` on the account's meter while it was open) and as the
platform sees them (``external/relay_command``: a ``credit_exhausted``
command executed, until the next ``credit_restored`` executed, or the run
end). Rates per customer-year scale by the days the account was open in the
run (365.25 days a year).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from twin.services.prepaid.credit import TRANSACTION_KINDS
from twin.services.prepaid.measures import prepaid_figures
from twin.streams import epoch_us
from twin.studies.prepaid.data import PrepaidTables, to_minor
from twin.studies.prepaid.lengths import PUBLISHED, spell_lengths

__all__ = [
    "DAYS_PER_YEAR",
    "account_table",
    "breakdown",
    "platform_spells",
    "self_disconnection",
]

DAYS_PER_YEAR: Final = 365.25
"""Days of a customer-year."""

QUARTILES: Final = ("Q1 (lowest)", "Q2", "Q3", "Q4 (highest)")
"""Labels of the annual-consumption quartiles among a utility's prepaid premises."""

_PREMISE_COLUMNS: Final = ("occupancy_kind", "annual_kwh", "persons")


def _days_open(accounts: pd.DataFrame, tables: PrepaidTables) -> pd.Series:
    """Days each account was open within the run [d]."""
    opened = pd.to_datetime(accounts["opened_at"], utc=True).fillna(tables.start)
    closed = pd.to_datetime(accounts["closed_at"], utc=True).fillna(tables.end)
    first = np.maximum(epoch_us(opened), epoch_us(pd.Series([tables.start]))[0])
    last = np.minimum(epoch_us(closed), epoch_us(pd.Series([tables.end]))[0])
    return pd.Series(np.maximum(last - first, 0) / 86_400e6, index=accounts.index)


def _spells_by_account(tables: PrepaidTables) -> pd.DataFrame:
    """Each credit-disconnection spell with the account open on its meter at its start."""
    spells = tables.interruptions.copy()
    spells["length_s"], spells["ended"] = spell_lengths(spells, tables.end)
    accounts = tables.accounts[["account_id", "meter_id", "opened_at", "closed_at"]]
    joined = spells.merge(accounts, on="meter_id", how="inner")
    start = pd.to_datetime(joined["start"], utc=True)
    opened = pd.to_datetime(joined["opened_at"], utc=True).fillna(tables.start)
    closed = pd.to_datetime(joined["closed_at"], utc=True).fillna(tables.end)
    inside = (start >= opened) & ((start < closed) | (closed >= tables.end))
    return joined[inside].drop_duplicates(["meter_id", "start"])


def platform_spells(tables: PrepaidTables) -> pd.DataFrame:
    """Disconnections as the platform sees them: executed cut to executed restore.

    Returns
    -------
    pandas.DataFrame
        One row per executed ``credit_exhausted`` command: ``account_id``,
        ``meter_id``, ``utility``, ``off_at``, ``on_at`` (NaT while still off
        at the run end) and ``length_s`` (to the run end where still off).
    """
    cmds = tables.commands.dropna(subset=["executed_at"])
    cut = cmds[cmds["reason"] == "credit_exhausted"].rename(columns={"executed_at": "off_at"})
    back = cmds[cmds["reason"] == "credit_restored"].rename(columns={"executed_at": "on_at"})
    cut = cut.sort_values("off_at")[["account_id", "meter_id", "utility", "off_at"]]
    back = back.sort_values("on_at")[["meter_id", "on_at"]]
    paired = pd.merge_asof(
        cut, back, left_on="off_at", right_on="on_at", by="meter_id", direction="forward"
    )
    paired["length_s"] = (paired["on_at"].fillna(tables.end) - paired["off_at"]).dt.total_seconds()
    return paired


def _transaction_sums(tables: PrepaidTables) -> pd.DataFrame:
    tx = tables.transactions.assign(minor=to_minor(tables.transactions["amount"], tables.decimals))
    sums = tx.pivot_table(
        index="account_id", columns="kind", values="minor", aggfunc="sum", fill_value=0
    )
    counts = tx.pivot_table(
        index="account_id", columns="kind", values="minor", aggfunc="size", fill_value=0
    )
    out = pd.DataFrame(index=sums.index)
    for kind in TRANSACTION_KINDS:
        out[f"{kind}_minor"] = sums.get(kind, 0)
        out[f"{kind}_count"] = counts.get(kind, 0)
    return out


def account_table(tables: PrepaidTables) -> pd.DataFrame:
    """One row per prepaid account (``premises.parquet``; see the module).

    Returns
    -------
    pandas.DataFrame
        Ids, ``utility``, ``customer_kind``, ``days_open`` [d];
        ``disconnections``, ``hours_off``, ``longest_off_h`` (truth);
        ``platform_cuts``, ``platform_hours_off`` (relay commands);
        ``disconnections_per_year``, ``hours_off_per_year`` [per customer-year];
        ``warnings``, ``emergency_grants``, ``emergency_credit`` [currency],
        ``topups``, ``topup_amount`` [currency], ``returns``, ``corrections``,
        ``refunds`` [currency], ``closing_balance`` [currency], ``consumed``
        [currency]; and the premise's ``occupancy_kind``, ``annual_kwh``,
        ``persons`` (where ``truth/premise`` has them) and
        ``consumption_quartile``.
    """
    accounts = tables.accounts
    scale = 10.0**tables.decimals
    out = accounts[
        ["account_id", "premise_id", "meter_id", "utility", "customer_kind", "tariff"]
    ].copy()
    out["opened_at"], out["closed_at"] = accounts["opened_at"], accounts["closed_at"]
    out["days_open"] = _days_open(accounts, tables).to_numpy()
    years = out["days_open"].to_numpy() / DAYS_PER_YEAR
    spells = _spells_by_account(tables).groupby("account_id")["length_s"]
    out["disconnections"] = out["account_id"].map(spells.size()).fillna(0).astype(np.int64)
    out["hours_off"] = out["account_id"].map(spells.sum()).fillna(0.0) / 3600.0
    out["longest_off_h"] = out["account_id"].map(spells.max()).fillna(0.0) / 3600.0
    seen = platform_spells(tables).groupby("account_id")["length_s"]
    out["platform_cuts"] = out["account_id"].map(seen.size()).fillna(0).astype(np.int64)
    out["platform_hours_off"] = out["account_id"].map(seen.sum()).fillna(0.0) / 3600.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["disconnections_per_year"] = np.where(years > 0, out["disconnections"] / years, np.nan)
        out["hours_off_per_year"] = np.where(years > 0, out["hours_off"] / years, np.nan)
    days = tables.balances.groupby("account_id")
    out["warnings"] = out["account_id"].map(days["warnings"].sum()).fillna(0).astype(np.int64)
    last = tables.balances.sort_values("date").groupby("account_id")["balance"].last()
    out["closing_balance"] = out["account_id"].map(last)
    out["consumed"] = out["account_id"].map(days["consumed"].sum()).fillna(0.0)
    sums = _transaction_sums(tables).reindex(out["account_id"]).fillna(0)
    out["emergency_grants"] = sums["emergency_count"].to_numpy(dtype=np.int64)
    out["emergency_credit"] = sums["emergency_minor"].to_numpy() / scale
    out["topups"] = sums["sale_count"].to_numpy(dtype=np.int64)
    out["topup_amount"] = sums["sale_minor"].to_numpy() / scale
    out["returns"] = sums["return_minor"].to_numpy() / scale
    out["corrections"] = sums["correction_minor"].to_numpy() / scale
    out["refunds"] = sums["refund_minor"].to_numpy() / scale
    return _with_premises(out, tables.premises)


def _with_premises(out: pd.DataFrame, premises: pd.DataFrame | None) -> pd.DataFrame:
    """Join the premise's attributes and each utility's consumption quartile."""
    if premises is not None:
        columns = ["premise_id", *(c for c in _PREMISE_COLUMNS if c in premises.columns)]
        attributes = premises[columns].drop_duplicates("premise_id")
        out = out.merge(attributes, on="premise_id", how="left")
    if "annual_kwh" not in out.columns:
        out["consumption_quartile"] = pd.Series(pd.NA, index=out.index, dtype="string")
        return out
    quartile = pd.Series(pd.NA, index=out.index, dtype="string")
    for _, group in out.groupby("utility"):
        per_premise = group.drop_duplicates("premise_id").set_index("premise_id")["annual_kwh"]
        if per_premise.notna().sum() < len(QUARTILES):
            continue
        ranks = per_premise.rank(method="first")
        labels = pd.qcut(ranks, len(QUARTILES), labels=list(QUARTILES)).astype("string")
        quartile[group.index] = group["premise_id"].map(labels).to_numpy()
    out["consumption_quartile"] = quartile
    return out


def self_disconnection(tables: PrepaidTables, table: pd.DataFrame, utility: str) -> dict[str, Any]:
    """The self-disconnection block of one utility.

    Parameters
    ----------
    tables : PrepaidTables
        The run's prepaid tables.
    table : pandas.DataFrame
        :func:`account_table`.
    utility : str
        Which utility.

    Returns
    -------
    dict
        Premises, those self-disconnected at least once, the share within the
        run and its yearly upper bound
        (:func:`twin.services.prepaid.measures.prepaid_figures`), the
        published share, disconnections and hours off (truth and platform),
        customer-years and the rates per customer-year.
    """
    mine = table[table["utility"] == utility]
    figures = prepaid_figures(
        tables.accounts[tables.accounts["utility"] == utility],
        tables.commands[tables.commands["utility"] == utility],
        tables.interruptions[tables.interruptions["utility"] == utility],
        run_end=tables.end,
        days=tables.days,
    )
    years = float(mine["days_open"].sum() / DAYS_PER_YEAR)
    return {
        "prepaid_premises": figures.prepaid_premises,
        "accounts": len(mine),
        "self_disconnected": figures.self_disconnected,
        "share_in_run": figures.share_in_run,
        "share_year_upper": figures.share_year_upper,
        "published_share_year": PUBLISHED["self_disconnecting_share_year"]["value"],
        "disconnections": int(mine["disconnections"].sum()),
        "platform_cuts": int(mine["platform_cuts"].sum()),
        "hours_off": float(mine["hours_off"].sum()),
        "platform_hours_off": float(mine["platform_hours_off"].sum()),
        "customer_years": years,
        "disconnections_per_customer_year": _rate(mine["disconnections"].sum(), years),
        "hours_off_per_customer_year": _rate(mine["hours_off"].sum(), years),
        "warnings_per_customer_year": _rate(mine["warnings"].sum(), years),
        "emergency_grants_per_customer_year": _rate(mine["emergency_grants"].sum(), years),
        "topups_per_customer_year": _rate(mine["topups"].sum(), years),
    }


def _rate(total: float, years: float) -> float | None:
    return float(total) / years if years > 0 else None


def breakdown(table: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Who is hit: accounts grouped by ``by`` (occupancy kind, quartile, persons).

    Returns
    -------
    list of dict
        Per group: accounts, premises, premises self-disconnected at least
        once and their share, disconnections, hours off, and the rates per
        customer-year.
    """
    if by not in table.columns or table[by].isna().all():
        return []
    rows = []
    for key, group in table.dropna(subset=[by]).groupby(by, sort=True):
        years = float(group["days_open"].sum() / DAYS_PER_YEAR)
        premises = group["premise_id"].nunique()
        hit = group.loc[group["disconnections"] > 0, "premise_id"].nunique()
        rows.append(
            {
                by: key.item() if isinstance(key, np.generic) else key,
                "accounts": len(group),
                "premises": int(premises),
                "self_disconnected": int(hit),
                "self_disconnected_share": hit / premises if premises else None,
                "disconnections": int(group["disconnections"].sum()),
                "hours_off": float(group["hours_off"].sum()),
                "disconnections_per_customer_year": _rate(group["disconnections"].sum(), years),
                "hours_off_per_customer_year": _rate(group["hours_off"].sum(), years),
                "mean_annual_kwh": float(group["annual_kwh"].mean())
                if "annual_kwh" in group
                else None,
            }
        )
    return rows
