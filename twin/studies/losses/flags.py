"""Abnormal areas: the areas whose complete days are abnormal often enough.

An area is flagged when at least ``flag_day_share`` of its complete days are
abnormal (:func:`twin.studies.losses.daily.mark_abnormal`) and it has at
least one complete day. Rates over several days are energy-weighted (total
loss / total supply), as the KPI is reported over a month [1]_.

References
----------
.. [1] State Grid transformer-area line-loss management (DOMAIN.md, "Losses
   and theft").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.studies.losses.daily import mark_abnormal

__all__ = ["area_summary", "flag_areas"]


def flag_areas(
    daily: pd.DataFrame, *, non_technical_share: float, rate_high: float, day_share: float
) -> pd.Series:
    """Whether each area is flagged, by ``transformer_id``.

    Parameters
    ----------
    daily : pandas.DataFrame
        The area-day table.
    non_technical_share : float
        Threshold on the non-technical remainder of a day [share of supply].
    rate_high : float
        Upper end of the qualified band [-].
    day_share : float
        Share of complete days that must be abnormal [-].

    Returns
    -------
    pandas.Series
        bool, indexed by ``transformer_id`` (every area of ``daily``).
    """
    abnormal = mark_abnormal(daily, non_technical_share=non_technical_share, rate_high=rate_high)
    frame = pd.DataFrame(
        {
            "transformer_id": daily["transformer_id"],
            "complete": daily["complete"].astype(bool),
            "abnormal": abnormal,
        }
    )
    counts = frame.groupby("transformer_id", sort=True)[["complete", "abnormal"]].sum()
    share = counts["abnormal"] / counts["complete"].where(counts["complete"] > 0)
    flagged: pd.Series = (share >= day_share).fillna(False).astype(bool)
    return flagged


def _weighted(part: pd.Series, whole: pd.Series) -> float:
    """``sum(part) / sum(whole)``; NaN without a known part or a positive whole."""
    total = float(whole.sum())
    if total <= 0 or part.isna().all():
        return float("nan")
    return float(part.sum()) / total


def area_summary(daily: pd.DataFrame, flagged: pd.Series) -> pd.DataFrame:
    """One row per area: days, energy-weighted rates over its complete days, the flag.

    Parameters
    ----------
    daily : pandas.DataFrame
        The area-day table.
    flagged : pandas.Series
        :func:`flag_areas` at the study's thresholds.

    Returns
    -------
    pandas.DataFrame
        ``transformer_id``, ``days``, ``complete_days``, ``abnormal_days``,
        ``abnormal_share``, ``qualified_days``, ``supply_wh`` and ``loss_wh``
        (complete days), ``line_loss_rate``, ``technical_rate``,
        ``non_technical_rate`` [-], ``customer_valid_share`` [-] (all days),
        ``flagged``.
    """
    rows = []
    for _, group in daily.groupby("transformer_id", sort=True):
        area = int(group["transformer_id"].iloc[0])
        done = group[group["complete"].astype(bool)]
        n_complete = len(done)
        abnormal = int(group["abnormal"].sum())
        expected = group["customer_intervals"].sum()
        valid = (group["customer_valid_share"] * group["customer_intervals"]).sum()
        rows.append(
            {
                "transformer_id": area,
                "days": len(group),
                "complete_days": n_complete,
                "abnormal_days": abnormal,
                "abnormal_share": abnormal / n_complete if n_complete else np.nan,
                "qualified_days": int(group["qualified"].sum()),
                "supply_wh": float(done["supply_wh"].sum()),
                "loss_wh": float(done["loss_wh"].sum()),
                "line_loss_rate": _weighted(done["loss_wh"], done["supply_wh"]),
                "technical_rate": _weighted(done["technical_wh"], done["supply_wh"]),
                "non_technical_rate": _weighted(done["non_technical_wh"], done["supply_wh"]),
                "customer_valid_share": float(valid / expected) if expected else np.nan,
                "flagged": bool(flagged.get(area, False)),
            }
        )
    return pd.DataFrame(rows)
