"""The money line of a run's summary: what was billed and what prepaid accounts bought.

Amounts are integers of the currency's minor unit, so that the shards of a
run add up to exactly the whole run's figures (:func:`merge_money`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["bill_money", "merge_money", "money_lines"]


def bill_money(bills: pd.DataFrame, currency: str, decimals: int) -> dict[str, Any]:
    """Bills issued and their total [minor units] from an external/bill frame."""
    total = np.round(bills["total"].to_numpy(dtype=np.float64) * 10.0**decimals)
    return {
        "currency": currency,
        "decimals": decimals,
        "bills": len(bills),
        "billed": int(total.astype(np.int64).sum()),
    }


def merge_money(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The money figures of a whole run from its shards' (integers summed)."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, int) and key != "decimals":
                out[key] = out.get(key, 0) + value
            else:
                out.setdefault(key, value)
    return out


def money_lines(m: dict[str, Any]) -> list[str]:
    """Summary lines of the money figures (none without tariffs)."""
    if not m:
        return []
    scale, cur = 10.0 ** int(m["decimals"]), m["currency"]

    def amount(key: str) -> str:
        return f"{m.get(key, 0) / scale:,.{int(m['decimals'])}f} {cur}"

    lines = [f"  bills             {m['bills']:,} postpaid bill(s), {amount('billed')}"]
    for utility, label in (("electricity", "prepaid power"), ("water", "prepaid water")):
        if f"{utility}_accounts" not in m:
            continue
        lines.append(
            f"  {label:<18s}{m[f'{utility}_accounts']:,} account(s): sales "
            f"{amount(f'{utility}_sale')}, returns {amount(f'{utility}_return')}, consumed "
            f"{amount(f'{utility}_consumed')}; {m[f'{utility}_cuts']:,} disconnection(s)"
        )
    return lines
