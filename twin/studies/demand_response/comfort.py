"""Comfort during demand response: how much colder homes and hot-water tanks got.

Scored from the truth only (a utility does not see indoor or tank
temperatures): ``truth/dr_counterfactual`` keeps each enrolled home's indoor
and tank temperature at every interval end as it was (``*_actual``) and as it
would have been without the event. A home's drop is how much colder its
coldest moment was than the coldest it would have been, over the event and
the :data:`REBOUND_H` hours after it (a tank may keep falling after the event
while it recovers). Coldest against coldest, not interval against interval:
a tank whose reheating the event only delayed is not colder than its own
thermostat band, though the counterfactual tank was hot sooner. A *violation*
is a signalled home whose drop exceeded its programme's ``comfort_c`` (the
largest setback its thermal devices accept) by more than
:data:`TOLERANCE_K`.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from twin.studies.demand_response.data import DrTables, DrTruth, scenario_section
from twin.studies.demand_response.events import REBOUND_H

__all__ = ["TOLERANCE_K", "comfort_summary", "comfort_table"]

TOLERANCE_K: Final = 0.05
"""A drop within this of the comfort limit is not a violation [K] (float32 storage)."""


def _comfort_limits(tables: DrTables) -> dict[str, float]:
    """``comfort_c`` of each programme in the run's scenario [K] (absent: no limit)."""
    section = scenario_section(tables.run)
    return {
        str(p.get("name")): float(p["comfort_c"])
        for p in section.get("programmes") or []
        if p.get("comfort_c") is not None
    }


def comfort_table(tables: DrTables, truth: DrTruth) -> pd.DataFrame | None:
    """Per event and thermal quantity: homes, the largest and mean largest drop, violations.

    Returns
    -------
    pandas.DataFrame or None
        ``event``, ``quantity`` (``indoor``, ``tank``), ``homes`` (signalled homes that
        have it), ``max_drop_k``, ``mean_max_drop_k``, ``comfort_c``, ``violations``;
        None for a run whose counterfactual keeps no temperatures.
    """
    limits = _comfort_limits(tables)
    rows: list[dict[str, Any]] = []
    events = tables.events
    for key, programme, start, end in zip(
        events["event"], events["programme"], events["start"], events["end"], strict=True
    ):
        homes = set(tables.dispatch.loc[tables.dispatch["event"] == key, "premise_id"])
        frame = truth.counterfactual(start, end + pd.Timedelta(hours=REBOUND_H))
        if "indoor_c" not in frame.columns:
            return None
        frame = frame[frame["premise_id"].astype(str).isin(homes)]
        limit = limits.get(str(programme), float("nan"))
        for quantity in ("indoor", "tank"):
            by_home = frame.groupby(frame["premise_id"].astype(str))
            coldest = by_home[[f"{quantity}_c", f"{quantity}_c_actual"]].min().astype(np.float64)
            per_home = (coldest[f"{quantity}_c"] - coldest[f"{quantity}_c_actual"]).dropna()
            rows.append(
                {
                    "event": key,
                    "quantity": quantity,
                    "homes": len(per_home),
                    "max_drop_k": float(per_home.max()) if len(per_home) else float("nan"),
                    "mean_max_drop_k": float(per_home.mean()) if len(per_home) else float("nan"),
                    "comfort_c": limit,
                    "violations": int((per_home > limit + TOLERANCE_K).sum()),
                }
            )
    return pd.DataFrame.from_records(
        rows,
        columns=[
            "event", "quantity", "homes", "max_drop_k", "mean_max_drop_k", "comfort_c",
            "violations",
        ],
    )  # fmt: skip


def comfort_summary(table: pd.DataFrame) -> dict[str, Any]:
    """The ``comfort`` block of metrics.json: per quantity, over all events."""
    out: dict[str, Any] = {
        "measured": True,
        "tolerance_k": TOLERANCE_K,
        "violations": int(table["violations"].sum()),
    }
    for quantity in ("indoor", "tank"):
        part = table[table["quantity"] == quantity]
        scored = part[part["homes"] > 0]
        out[quantity] = {
            "home_events": int(scored["homes"].sum()),
            "max_drop_k": float(scored["max_drop_k"].max()) if len(scored) else None,
            "violations": int(scored["violations"].sum()),
            "violation_share": (
                float(scored["violations"].sum() / scored["homes"].sum()) if len(scored) else None
            ),
        }
    return out
