"""Scores of the losses study against the simulator's truth (read only here, at the end).

Area level: an area is positive when its theft (true minus metered energy of
every theft of the area, illegal connections included) reaches a small share
of its supply over the run; precision and recall of the flagged areas.
Meter level: the candidate meters of the flagged areas ranked by the method's
score (and by the loss regression's and the baseline's), precision and recall at ``k`` (``k`` = the
number of metered thieves in the flagged areas, 5 and 10) and the energy of
the thieves found. Illegal connections have no meter: they count at the area
level only.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from twin.studies.inputs import TruthData

__all__ = [
    "FIXED_KS",
    "METHOD_ORDER",
    "area_positive",
    "area_scores",
    "first_in_area",
    "meter_scores",
    "metered_thieves",
    "precision_curve",
    "ranked",
    "read_theft",
    "technical_check",
]

THEFT_TABLE: Final = "truth/theft"
FLOW_TABLE: Final = "truth/area_power_flow"
FIXED_KS: Final = (5, 10)
METHOD_ORDER: Final = {
    "method": ["score", "stolen_wh"],
    "regression": ["stolen_wh", "residual_corr"],
    "baseline": ["baseline_drop"],
}
"""Sort keys (descending) of each ranking."""


def read_theft(truth: TruthData) -> pd.DataFrame | None:
    """``truth/theft`` with ``stolen_wh`` = true - metered [Wh], or None when absent."""
    if not truth.has(THEFT_TABLE):
        return None
    frame = truth.table(THEFT_TABLE)
    frame["meter_id"] = frame["meter_id"].fillna("").astype(str)
    frame["stolen_wh"] = frame["true_wh"].astype(float) - frame["metered_wh"].astype(float)
    return frame


def area_positive(theft: pd.DataFrame, supply_wh: pd.Series, min_share: float) -> pd.Series:
    """Whether each area (``supply_wh``'s index) has theft of at least ``min_share`` of supply."""
    stolen = theft.groupby("transformer_id")["stolen_wh"].sum()
    stolen = stolen.reindex(supply_wh.index, fill_value=0.0)
    result: pd.Series = (stolen > 0) & (stolen >= min_share * supply_wh.clip(lower=0))
    return result


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def area_scores(flagged: pd.Series, positive: pd.Series) -> dict[str, Any]:
    """Precision and recall of the flagged areas against the positive ones.

    Parameters
    ----------
    flagged, positive : pandas.Series
        bool by ``transformer_id`` over the assessed areas.
    """
    positive = positive.reindex(flagged.index, fill_value=False)
    tp = int((flagged & positive).sum())
    n_flagged, n_positive = int(flagged.sum()), int(positive.sum())
    return {
        "assessed": len(flagged),
        "positive": n_positive,
        "flagged": n_flagged,
        "true_positive": tp,
        "false_positive": n_flagged - tp,
        "false_negative": n_positive - tp,
        "precision": _ratio(tp, n_flagged),
        "recall": _ratio(tp, n_positive),
    }


def metered_thieves(theft: pd.DataFrame) -> pd.Series:
    """Stolen energy [Wh] of every meter with a theft (illegal connections left out)."""
    metered = theft[(theft["meter_id"] != "") & (theft["stolen_wh"] > 0)]
    result: pd.Series = metered.groupby("meter_id")["stolen_wh"].sum()
    return result


def ranked(suspects: pd.DataFrame, ranking: str) -> pd.DataFrame:
    """The suspects in one ranking's global order (best first, NaN last)."""
    keys = METHOD_ORDER[ranking]
    return suspects.sort_values(
        [*keys, "meter_id"],
        ascending=[*([False] * len(keys)), True],
        na_position="last",
        kind="stable",
    )


def meter_scores(
    suspects: pd.DataFrame, thieves: pd.Series, ranking: str, ks: list[int]
) -> list[dict[str, Any]]:
    """Precision, recall and energy recovered at each ``k`` of one ranking.

    Parameters
    ----------
    suspects : pandas.DataFrame
        The candidate meters of the flagged areas.
    thieves : pandas.Series
        Stolen energy [Wh] by meter id, every metered thief of the run.
    ranking : str
        A key of :data:`METHOD_ORDER`.
    ks : list of int
        The cut-offs.
    """
    order = ranked(suspects, ranking)["meter_id"].astype(str).to_numpy()
    in_flagged = int(np.isin(thieves.index.to_numpy(), order).sum())
    total_stolen = float(thieves.sum())
    out = []
    for k in ks:
        top = order[:k]
        hits = thieves.reindex(top).dropna()
        out.append(
            {
                "k": k,
                "hits": len(hits),
                "precision": len(hits) / k if k else None,
                "recall": _ratio(len(hits), len(thieves)),
                "recall_in_flagged_areas": _ratio(len(hits), in_flagged),
                "energy_recovered_wh": float(hits.sum()),
                "energy_recovered_share": float(hits.sum()) / total_stolen
                if total_stolen > 0
                else None,
            }
        )
    return out


def first_in_area(suspects: pd.DataFrame, thieves: pd.Series, rank_column: str) -> float | None:
    """Share of the flagged areas holding a metered thief whose rank-1 meter is a thief."""
    areas = suspects.loc[suspects["meter_id"].isin(thieves.index), "transformer_id"].unique()
    if not len(areas):
        return None
    top = suspects[(suspects[rank_column] == 1) & suspects["transformer_id"].isin(areas)]
    return float(top["meter_id"].isin(thieves.index).sum()) / len(areas)


def precision_curve(suspects: pd.DataFrame, thieves: pd.Series, ranking: str) -> np.ndarray:
    """Precision at every ``k`` from 1 to the number of suspects, for one ranking."""
    order = ranked(suspects, ranking)["meter_id"].astype(str)
    hits = order.isin(thieves.index).to_numpy().astype(np.float64)
    result: np.ndarray = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return result


def technical_check(
    truth: TruthData, daily: pd.DataFrame, local_day: pd.Series, *, interval_s: int
) -> dict[str, Any] | None:
    """The technical estimate against the simulator's line losses, over complete area-days.

    Parameters
    ----------
    truth : TruthData
        The run's truth (``truth/area_power_flow``).
    daily : pandas.DataFrame
        The area-day table (``line_loss_wh`` = the LV line estimate).
    local_day : pandas.Series
        Local day of each interval end (indexed by UTC interval end).
    interval_s : int
        Interval length [s].

    Returns
    -------
    dict or None
        Estimated and true LV line losses [Wh] and their ratio, overall and per
        area; None when the run has no ``truth/area_power_flow``.
    """
    if not truth.has(FLOW_TABLE):
        return None
    flow = truth.table(FLOW_TABLE, columns=["transformer_id", "interval_end", "line_loss_kw"])
    hours = interval_s / 3600.0
    flow["day"] = local_day.reindex(pd.DatetimeIndex(flow["interval_end"])).to_numpy()
    flow["true_wh"] = flow["line_loss_kw"] * 1e3 * hours
    true = flow.groupby(["transformer_id", "day"])["true_wh"].sum().rename("true_line_loss_wh")
    done = daily[daily["complete"].astype(bool)].join(true, on=["transformer_id", "day"])
    columns = ["line_loss_wh", "true_line_loss_wh"]
    per_area = done.groupby("transformer_id", as_index=False)[columns].sum()
    estimate = float(per_area["line_loss_wh"].sum())
    actual = float(per_area["true_line_loss_wh"].sum())
    return {
        "estimated_line_loss_wh": estimate,
        "true_line_loss_wh": actual,
        "ratio": estimate / actual if actual > 0 else None,
        "per_area": [
            {
                "transformer_id": tid,
                "estimated_wh": est,
                "true_wh": act,
                "ratio": est / act if act > 0 else None,
            }
            for tid, est, act in zip(
                per_area["transformer_id"].to_numpy(dtype=np.int64).tolist(),
                per_area["line_loss_wh"].to_numpy(dtype=np.float64).tolist(),
                per_area["true_line_loss_wh"].to_numpy(dtype=np.float64).tolist(),
                strict=True,
            )
        ],
    }
