"""Rows of the prepaid tables, collected as the run goes and appended to the run's tables.

external/prepaid_transaction, external/credit_balance_daily, external/relay_command
and truth/supply_interruption. Transactions, balances and interruptions are
appended at every local midnight; relay commands, whose state changes while
they travel, at the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from twin.streams import RunWriter
from twin.streams.schemas import schema_for

__all__ = ["Command", "PrepaidRecorder"]

ACCOUNT = "external/account"
TRANSACTION = "external/prepaid_transaction"
BALANCE = "external/credit_balance_daily"
COMMAND = "external/relay_command"
INTERRUPTION = "truth/supply_interruption"


@dataclass
class Command:
    """A relay command and what became of it (times in s since the run start, NaN: none)."""

    command_id: str
    meter_id: str
    account_id: str
    reason: str
    sent_s: float
    delivered_s: float = np.nan
    executed_s: float = np.nan
    attempts: int = 0
    state: str = "pending"


@dataclass
class PrepaidRecorder:
    """Collects the prepaid rows of a run and appends them to its tables.

    Parameters
    ----------
    writer : RunWriter
        The run's writer.
    start : pandas.Timestamp
        The run's start (UTC).
    currency : str
        ISO 4217 code of every amount.
    decimals : int
        Minor unit of the currency.
    utility : str
        ``electricity`` or ``water``: the ``utility`` column of every row.
    """

    writer: RunWriter
    start: pd.Timestamp
    currency: str
    decimals: int
    utility: str = "electricity"
    _tx: list[tuple[str, str, str, float, str, int]] = field(default_factory=list)
    _bal: list[tuple[str, str, np.datetime64, int, int, int, int]] = field(default_factory=list)
    _intr: list[tuple[str, str, float, float]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)

    def transaction(
        self, tx_id: str, account: str, meter: str, t_s: float, kind: str, minor: int
    ) -> None:
        """One prepaid transaction of ``minor`` minor units at ``t_s``."""
        self._tx.append((tx_id, account, meter, t_s, kind, int(minor)))

    def balance(
        self, account: str, meter: str, day: np.datetime64, balance: int, consumed: int,
        topped: int, warnings: int,
    ) -> None:  # fmt: skip
        """One account's day: closing balance, consumed, topped up [minor units], warnings."""
        self._bal.append((account, meter, day, balance, consumed, topped, warnings))

    def interruption(self, premise: str, meter: str, start_s: float, end_s: float) -> None:
        """A supply interruption of the premise (``end_s`` NaN: still on at the run end)."""
        self._intr.append((premise, meter, start_s, end_s))

    def flush(self) -> None:
        """Append what has been collected (transactions, balances, interruptions)."""
        scale = 10.0**self.decimals
        if self._tx:
            tx = list(zip(*self._tx, strict=True))
            self._append(
                TRANSACTION,
                {
                    "transaction_id": list(tx[0]),
                    "account_id": list(tx[1]),
                    "meter_id": list(tx[2]),
                    "time": self._stamps(tx[3]),
                    "kind": list(tx[4]),
                    "amount": np.asarray(tx[5], dtype=np.int64) / scale,
                    "currency": [self.currency] * len(tx[0]),
                    "utility": self.utility,
                },
            )
            self._tx.clear()
        if self._bal:
            b = list(zip(*self._bal, strict=True))
            self._append(
                BALANCE,
                {
                    "account_id": list(b[0]),
                    "meter_id": list(b[1]),
                    "date": np.asarray(b[2], dtype="datetime64[D]"),
                    "balance": np.asarray(b[3], dtype=np.int64) / scale,
                    "consumed": np.asarray(b[4], dtype=np.int64) / scale,
                    "topped_up": np.asarray(b[5], dtype=np.int64) / scale,
                    "warnings": np.asarray(b[6], dtype=np.int64),
                    "currency": [self.currency] * len(b[0]),
                    "utility": self.utility,
                },
            )
            self._bal.clear()
        if self._intr:
            i = list(zip(*self._intr, strict=True))
            self._append(
                INTERRUPTION,
                {
                    "premise_id": list(i[0]),
                    "meter_id": list(i[1]),
                    "start": self._stamps(i[2]),
                    "end": self._stamps(i[3]),
                    "cause": ["prepaid"] * len(i[0]),
                    "utility": self.utility,
                },
            )
            self._intr.clear()

    def finish(self) -> None:
        """Append the rest and every relay command with its final state."""
        self.flush()
        c = self.commands
        self._append(
            COMMAND,
            {
                "command_id": [x.command_id for x in c],
                "meter_id": [x.meter_id for x in c],
                "account_id": [x.account_id for x in c],
                "reason": [x.reason for x in c],
                "sent_at": self._stamps([x.sent_s for x in c]),
                "delivered_at": self._stamps([x.delivered_s for x in c]),
                "executed_at": self._stamps([x.executed_s for x in c]),
                "attempts": np.asarray([x.attempts for x in c], dtype=np.int64),
                "state": [x.state for x in c],
                "utility": self.utility,
            },
        )
        for name in (TRANSACTION, BALANCE, INTERRUPTION):  # present, even when empty
            self._append(name, None)

    def accounts(self, frame: pd.DataFrame) -> None:
        """Append rows of external/account (accounts no billing stage lists)."""
        self._append(ACCOUNT, {c: frame[c] for c in frame.columns})

    def _stamps(self, seconds: Any) -> pd.DatetimeIndex:
        s = np.asarray(seconds, dtype=np.float64)
        us = np.where(np.isnan(s), 0, np.round(s * 1e6)).astype(np.int64)
        stamps = pd.to_datetime(self.start.value // 1000 + us, unit="us", utc=True)
        return pd.DatetimeIndex(stamps.where(~np.isnan(s)))

    def _append(self, name: str, columns: dict[str, Any] | None) -> None:
        schema = schema_for(name)
        table = self.writer.table(name, schema)
        frame = None if columns is None else pd.DataFrame(columns)
        if frame is None or frame.empty:
            return
        table.append_batch(pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False))
