"""The blocks of the losses study's ``metrics.json``: method, days, areas, scores, robustness."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.studies.losses.flags import flag_areas
from twin.studies.losses.scoring import (
    FIXED_KS,
    area_positive,
    area_scores,
    first_in_area,
    meter_scores,
    metered_thieves,
)
from twin.studies.losses.settings import LossSettings

__all__ = ["day_counts", "method_block", "overall_rates", "robustness_table", "score_block"]


def method_block(settings: LossSettings, interval_s: int) -> dict[str, Any]:
    """How the study works, its assumptions and sources (``method`` of metrics.json)."""
    low, high = settings.qualified_band
    return {
        "interval_s": interval_s,
        "line_loss": "per area and local day: supply = area meter import + export of the "
        "area's meters; sales = import of the area's meters + area meter export; loss = "
        "supply - sales; rate = loss / supply",
        "kpi": f"State Grid transformer-area line-loss KPI: qualified band {low * 100:g}-"
        f"{high * 100:g} %, LV areas typically {settings.typical_lv_band[0] * 100:g}-"
        f"{settings.typical_lv_band[1] * 100:g} % (as quoted in DOMAIN.md, 'Losses and theft')",
        "complete_day": "the whole local day in the run, every area-meter interval ok or "
        "backfilled, at most max_customer_missing_share of the meters' intervals missing or "
        "absent (estimated readings count; their share is reported)",
        "technical": "backward sweep of the metered net powers on each area's radial feeder "
        "tree (networkx, from the transformer's LV busbar); per line I = P / (sqrt(3) V pf), "
        f"loss = 3 I^2 R = P^2 R / (V^2 pf^2), pf = {settings.power_factor}; balanced three-"
        "phase flows from interval means, so a lower bound (unbalance of single-phase "
        "customers and variation inside an interval add losses)",
        "transformer": "copper loss P^2 R / (V^2 pf^2) of the power the area meter measures, "
        "R referred to the LV side; iron loss from the network's pfe_kw, else "
        f"{settings.iron_loss_share * 100:g} % of the rating; "
        + (
            "included in the technical estimate"
            if settings.include_transformer_losses
            else "reported apart, not subtracted: the area meter is on the transformer's LV side"
        ),
        "non_technical": "measured loss - technical estimate",
        "abnormal_day": f"rate above {high * 100:g} % or non-technical remainder above "
        f"{settings.non_technical_share * 100:g} % of supply (complete days only)",
        "flagged_area": f"abnormal on at least {settings.flag_day_share * 100:g} % of its "
        "complete days",
        "suspects": "score = the largest of six robust z-scores of the meter against its "
        "peer group (its customer class among the candidates; median and 1.4826 MAD): loss "
        "(the regression's beta), drop (fall of daily use on the area's abnormal days against "
        "its normal days, relative to the peers' over the same days), zero (share of zero "
        "readings), flat (load factor), jitter (minus the lag-1 autocorrelation), mirror "
        "(correlation of a day with the previous day reversed); the shapes compared as "
        "changes from the meter's own normal days where the area has a week of each, as "
        "levels otherwise; rank by score; generation meters are not candidates",
        "regression": "NNLS regression of the area's interval loss on the technical estimate, "
        "a loss per time-of-day slot and each candidate meter's interval consumption, over "
        "the area's abnormal days (all its days when they give too few rows) (after Han and "
        "Xiao, 'NFD', IEEE ICC 2014); stolen_wh = beta x the meter's consumption on those "
        "days = estimated stolen energy [Wh]",
        "baseline": "relative drop of the mean interval consumption from the first to the "
        "second half of the run (largest first)",
        "detection_reads": "internal/ only; truth/ is read afterwards, to score",
    }


def day_counts(daily: pd.DataFrame) -> dict[str, Any]:
    """Area-days: complete, incomplete by reason, unqualified, negative, abnormal."""
    complete = daily["complete"].astype(bool)
    rate = daily["line_loss_rate"]
    reasons = daily.loc[~complete, "incomplete_reason"].value_counts()
    return {
        "area_days": len(daily),
        "complete": int(complete.sum()),
        "incomplete": int((~complete).sum()),
        "incomplete_by_reason": {str(k): int(v) for k, v in reasons.items()},
        "qualified": int(daily["qualified"].sum()),
        "not_qualified": int((complete & ~daily["qualified"].astype(bool)).sum()),
        "negative_rate": int((rate < 0).sum()),
        "abnormal": int(daily["abnormal"].sum()),
        "customer_estimated_share": _weighted(daily, "customer_estimated_share"),
        "customer_missing_share": _weighted(daily, "customer_missing_share"),
    }


def _weighted(daily: pd.DataFrame, column: str) -> float | None:
    weight = daily["customer_intervals"]
    total = float(weight.sum())
    return float((daily[column].fillna(0) * weight).sum()) / total if total else None


def overall_rates(daily: pd.DataFrame) -> dict[str, float | None]:
    """Energy-weighted loss, technical and non-technical rates over all complete area-days."""
    done = daily[daily["complete"].astype(bool)]
    supply = float(done["supply_wh"].sum())

    def rate(column: str) -> float | None:
        if supply <= 0 or done[column].isna().all():
            return None
        return float(done[column].sum()) / supply

    return {
        "line_loss_rate": rate("loss_wh"),
        "technical_rate": rate("technical_wh"),
        "non_technical_rate": rate("non_technical_wh"),
    }


def score_block(
    flagged: pd.Series,
    suspects: pd.DataFrame,
    theft: pd.DataFrame,
    supply_wh: pd.Series,
    settings: LossSettings,
) -> dict[str, Any]:
    """Area and meter scores at the study's thresholds.

    Parameters
    ----------
    flagged : pandas.Series
        bool by ``transformer_id``.
    suspects : pandas.DataFrame
        The candidates of the flagged areas with both rankings.
    theft : pandas.DataFrame
        ``truth/theft`` with ``stolen_wh``.
    supply_wh : pandas.Series
        Supply of each area over the run [Wh].
    settings : LossSettings
        ``truth_min_share`` defines a positive area.
    """
    positive = area_positive(theft, supply_wh, settings.truth_min_share)
    thieves = metered_thieves(theft)
    in_flagged = int(thieves.index.isin(suspects["meter_id"]).sum())
    ks = sorted({in_flagged, *FIXED_KS} - {0})
    unassessed = set(theft["transformer_id"].astype(int)) - set(flagged.index.astype(int))
    kinds = theft.groupby("kind")["stolen_wh"].agg(["count", "sum"])
    return {
        "available": True,
        "positive_area": f"theft of at least {settings.truth_min_share * 100:g} % of the "
        "area's supply over the run (illegal connections included)",
        "areas": area_scores(flagged, positive),
        "theft_areas_without_area_meter": sorted(unassessed),
        "thefts_by_kind": {
            str(k): {"count": int(r["count"]), "stolen_wh": float(r["sum"])}
            for k, r in kinds.iterrows()
        },
        "stolen_wh_total": float(theft["stolen_wh"].sum()),
        "metered_thieves": len(thieves),
        "metered_thieves_in_flagged_areas": in_flagged,
        "illegal_connections": int((theft["meter_id"] == "").sum()),
        "k_true": in_flagged,
        "method": {
            "at_k": meter_scores(suspects, thieves, "method", ks),
            "thief_first_in_area": first_in_area(suspects, thieves, "rank"),
        },
        "regression": {
            "at_k": meter_scores(suspects, thieves, "regression", ks),
            "thief_first_in_area": first_in_area(suspects, thieves, "regression_rank"),
        },
        "baseline": {
            "at_k": meter_scores(suspects, thieves, "baseline", ks),
            "thief_first_in_area": first_in_area(suspects, thieves, "baseline_rank"),
        },
    }


def robustness_table(
    daily: pd.DataFrame,
    ranked: pd.DataFrame,
    theft: pd.DataFrame | None,
    supply_wh: pd.Series,
    settings: LossSettings,
) -> list[dict[str, Any]]:
    """The scores at neighbouring thresholds: non-technical share x day share.

    Parameters
    ----------
    daily : pandas.DataFrame
        The area-day table.
    ranked : pandas.DataFrame
        Suspects of every area flagged at any of the settings.
    theft : pandas.DataFrame or None
        ``truth/theft`` with ``stolen_wh``; None gives the flag counts only.
    supply_wh : pandas.Series
        Supply of each area over the run [Wh].
    settings : LossSettings
        The grid of thresholds and the study's own.
    """
    rows = []
    high = settings.qualified_band[1]
    positive = None if theft is None else area_positive(theft, supply_wh, settings.truth_min_share)
    thieves = None if theft is None else metered_thieves(theft)
    for share in settings.robustness_non_technical:
        for days in settings.robustness_day_shares:
            flagged = flag_areas(daily, non_technical_share=share, rate_high=high, day_share=days)
            row: dict[str, Any] = {
                "non_technical_share": share,
                "flag_day_share": days,
                "study_setting": bool(
                    np.isclose(share, settings.non_technical_share)
                    and np.isclose(days, settings.flag_day_share)
                ),
                "flagged_areas": int(flagged.sum()),
            }
            if positive is not None and thieves is not None:
                row.update(_scores_at(flagged, positive, ranked, thieves))
            rows.append(row)
    return rows


def _scores_at(
    flagged: pd.Series, positive: pd.Series, ranked: pd.DataFrame, thieves: pd.Series
) -> dict[str, Any]:
    """Area precision/recall and meter scores at k = thieves in the flagged areas."""
    areas = area_scores(flagged, positive)
    ids = flagged.index[flagged.to_numpy()]
    suspects = ranked[ranked["transformer_id"].isin(ids)]
    k = int(thieves.index.isin(suspects["meter_id"]).sum())
    out: dict[str, Any] = {
        "area_precision": areas["precision"],
        "area_recall": areas["recall"],
        "k": k,
    }
    for ranking in ("method", "regression", "baseline"):
        at = meter_scores(suspects, thieves, ranking, [k])[0] if k else {}
        out[f"{ranking}_precision_at_k"] = at.get("precision")
        out[f"{ranking}_recall_at_k"] = at.get("recall")
        out[f"{ranking}_energy_recovered_wh"] = at.get("energy_recovered_wh", 0.0)
    return out
