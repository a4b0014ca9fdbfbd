"""The prepaid tables of a run, read once and made uniform for the prepaid study.

Reads ``external/account`` (prepaid rows only), ``external/prepaid_transaction``,
``external/credit_balance_daily``, ``external/relay_command``,
``truth/supply_interruption`` (cause ``prepaid`` only) and, where present,
``truth/premise``. A table written before prepaid covered several utilities
has no ``utility`` column: every row is then ``electricity``. The opening
credit of a new account and the currency's minor unit come from the run's
resolved scenario (``manifest.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.errors import TwinError
from twin.services.billing.money import minor_unit_of
from twin.streams import RunDirectory

__all__ = [
    "ELECTRICITY",
    "PREPAID_TABLES",
    "PrepaidTables",
    "load_prepaid_tables",
    "to_minor",
    "utility_order",
    "with_utility",
]

ELECTRICITY: Final = "electricity"
"""The utility of a row in a table without a ``utility`` column."""

DEFAULT_DECIMALS: Final = 2
"""Minor unit (decimals) assumed for a currency neither ISO 4217 list nor the scenario gives."""

PREPAID_TABLES: Final = (
    "external/account",
    "external/prepaid_transaction",
    "external/credit_balance_daily",
    "external/relay_command",
    "truth/supply_interruption",
)
"""The tables the prepaid study needs."""


@dataclass(frozen=True)
class PrepaidTables:
    """A run's prepaid tables, each with a ``utility`` column.

    Attributes
    ----------
    accounts : pandas.DataFrame
        Prepaid accounts (``external/account`` rows with ``payment`` ``prepaid``).
    transactions, balances, commands : pandas.DataFrame
        ``external/prepaid_transaction``, ``external/credit_balance_daily``
        (``date`` as local ``datetime64``), ``external/relay_command``.
    interruptions : pandas.DataFrame
        ``truth/supply_interruption`` rows of cause ``prepaid``.
    premises : pandas.DataFrame or None
        ``truth/premise`` where the run has it.
    start, end : pandas.Timestamp
        The run's start and end (UTC).
    timezone : str
        The run's time zone (local days and months).
    decimals : int
        Decimals of the currency's minor unit.
    opening_credit : dict
        Utility -> a new account's credit [currency], None where unknown.
    """

    accounts: pd.DataFrame
    transactions: pd.DataFrame
    balances: pd.DataFrame
    commands: pd.DataFrame
    interruptions: pd.DataFrame
    premises: pd.DataFrame | None
    start: pd.Timestamp
    end: pd.Timestamp
    timezone: str
    decimals: int
    opening_credit: dict[str, float | None]

    @property
    def days(self) -> float:
        """Run length [d]."""
        return float((self.end - self.start).total_seconds() / 86_400)

    @property
    def utilities(self) -> tuple[str, ...]:
        """Utilities with prepaid accounts, electricity first."""
        return utility_order(self.accounts["utility"])


def with_utility(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``utility`` column (all :data:`ELECTRICITY` where it has none)."""
    if "utility" in frame.columns:
        return frame.assign(utility=frame["utility"].fillna(ELECTRICITY).astype(str))
    return frame.assign(utility=ELECTRICITY)


def utility_order(values: pd.Series) -> tuple[str, ...]:
    """The distinct utilities of ``values``: electricity first, then by name."""
    names = sorted(set(values.astype(str)))
    return tuple(sorted(names, key=lambda u: (u != ELECTRICITY, u)))


def to_minor(amount: Any, decimals: int) -> NDArray[np.int64]:
    """Currency amounts as whole minor units (the tables hold minor units / 10**decimals)."""
    return np.round(np.asarray(amount, dtype=np.float64) * 10.0**decimals).astype(np.int64)


def _decimals(scenario: dict[str, Any], currency: str | None) -> int:
    tariffs = scenario.get("tariffs") or {}
    given = tariffs.get("minor_unit")
    if isinstance(given, int):
        return given
    known = minor_unit_of(currency or str(tariffs.get("currency", "")))
    return DEFAULT_DECIMALS if known is None else known


def _opening_credit(scenario: dict[str, Any], utility: str) -> float | None:
    """A new household account's credit: ``prepaid.opening_credit`` for electricity,
    times ``prepaid.water.amount_scale`` for water; None where the scenario does not say.

    Other customers' credit is scaled by their annual energy
    (:mod:`twin.engine.prepaid_population`), which the tables do not give: their
    accounts are left out of the identity check
    (:func:`~twin.studies.prepaid.money.money_identity`).
    """
    section = scenario.get("prepaid")
    if not isinstance(section, dict) or section.get("opening_credit") is None:
        return None
    opening = float(section["opening_credit"])
    if utility == ELECTRICITY:
        return opening
    water = section.get(utility)
    if not isinstance(water, dict) or water.get("amount_scale") is None:
        return None
    return opening * float(water["amount_scale"])


def load_prepaid_tables(run: RunDirectory) -> PrepaidTables:
    """Read a run's prepaid tables (see the module).

    Parameters
    ----------
    run : twin.streams.RunDirectory
        A finished run.

    Returns
    -------
    PrepaidTables

    Raises
    ------
    TwinError
        When the run lacks a prepaid table or has no prepaid account (a run
        without a ``prepaid:`` section).
    """
    if not run.has("external/account"):
        raise TwinError(
            f"run {str(run.path)!r} has no external/account table: it has no accounts, so no "
            "prepaid ones; run a scenario with `tariffs:` and `prepaid:` sections "
            "(such as scenarios/prepaid_town.yaml)"
        )
    accounts = with_utility(run.table("external/account"))
    accounts = accounts[accounts["payment"].astype(str) == "prepaid"].reset_index(drop=True)
    if accounts.empty:
        raise TwinError(
            f"run {str(run.path)!r} has no prepaid accounts (no external/account row with "
            "payment 'prepaid'); the prepaid study needs a run of a scenario with a "
            "`prepaid:` section (such as scenarios/prepaid_town.yaml)"
        )
    run.require(list(PREPAID_TABLES), purpose="the prepaid study")
    balances = with_utility(run.table("external/credit_balance_daily"))
    balances["date"] = pd.to_datetime(balances["date"])
    interruptions = with_utility(run.table("truth/supply_interruption"))
    interruptions = interruptions[interruptions["cause"].astype(str) == "prepaid"]
    scenario = run.manifest.get("scenario") or {}
    currencies = accounts["currency"].dropna().astype(str)
    currency = currencies.iloc[0] if len(currencies) else None
    clock = run.clock
    return PrepaidTables(
        accounts=accounts,
        transactions=with_utility(run.table("external/prepaid_transaction")),
        balances=balances,
        commands=with_utility(run.table("external/relay_command")),
        interruptions=interruptions.reset_index(drop=True),
        premises=run.optional_table("truth/premise"),
        start=clock.start,
        end=clock.end,
        timezone=clock.timezone,
        decimals=_decimals(scenario, currency),
        opening_credit={
            u: _opening_credit(scenario, u) for u in utility_order(accounts["utility"])
        },
    )
