"""The report's section of the losses study (transformer-area line loss and theft suspects)."""

from __future__ import annotations

from typing import Any

from twin.report.html import FigureRef, Section, Table
from twin.report.sections import fmt, fmt_share

__all__ = ["LOSSES_CAPTIONS", "losses_section"]

LOSSES_CAPTIONS = {
    "loss_rate_days.png": "Line-loss rate of every LV transformer area (rows) and local day "
    "(columns), coloured by the classes of the State Grid qualified band (0-10 %; LV "
    "typical 3-6 %); grey area-days are incomplete and not judged; flagged areas are starred.",
    "technical_split.png": "Technical (I²R estimate from the metered flows on the feeder "
    "tree) and non-technical (the remainder) loss of every area over its complete days, as "
    "a share of supply.",
    "precision_at_k.png": "Precision at k of the theft suspects of the flagged areas, ranked "
    "by the study's peer evidence, by the loss regression alone and by the consumption-drop "
    "baseline, against the simulator's truth.",
}


def losses_section(metrics: dict[str, Any], figures: list[FigureRef]) -> Section:
    """Key numbers, flagged areas, robustness and top suspects of the losses study.

    Parameters
    ----------
    metrics : dict
        ``studies/losses/metrics.json`` (rates and shares 0..1, energies in Wh).
    figures : list of FigureRef
        The study's figures, copied next to the page.
    """
    tables = [_key_table(metrics)]
    flagged = [a for a in metrics.get("areas", []) if a.get("flagged")]
    if flagged:
        tables.append(_areas_table(flagged))
    robustness = metrics.get("robustness", [])
    if robustness and "area_precision" in robustness[0]:
        tables.append(_robustness_table(robustness))
    top = metrics.get("suspects", {}).get("top", [])
    if top:
        tables.append(_suspects_table(top))
    method = metrics.get("method", {})
    notes = [str(method.get(k, "")) for k in ("technical", "transformer", "suspects", "regression")]
    return Section(
        anchor="losses",
        title="Line losses and theft",
        text=[
            "Transformer-area line loss per local day (area check meter against the "
            "customers' meters), its technical part estimated from the metered flows on each "
            "feeder tree, abnormal areas, and theft suspects inside them, scored against the "
            "simulator's truth. From `twin study losses`."
        ],
        tables=tables,
        figures=figures,
        notes=[n for n in (*notes, *map(str, metrics.get("notes", []))) if n],
    )


def _kwh(value: Any) -> str:
    return "-" if value is None else fmt(float(value) / 1e3, 1, "kWh")


def _key_table(metrics: dict[str, Any]) -> Table:
    """The study's headline: rates, areas, days, and the scores where the run has its truth."""
    days = metrics.get("days", {})
    scoring = metrics.get("scoring", {})
    k = scoring.get("k_true")
    rows = [
        ["line-loss rate, all complete area-days", fmt_share(metrics.get("line_loss_rate"), 2)],
        ["technical part (estimate)", fmt_share(metrics.get("technical_rate"), 2)],
        ["non-technical part", fmt_share(metrics.get("non_technical_rate"), 2)],
        ["areas assessed", fmt(metrics.get("areas_assessed"))],
        ["areas flagged", fmt(metrics.get("flagged_area_count"))],
        [
            "area-days complete / incomplete",
            f"{fmt(days.get('complete'))} / {fmt(days.get('incomplete'))}",
        ],
        ["area-days outside the qualified band", fmt(days.get("not_qualified"))],
    ]
    if scoring.get("available"):
        rows += [
            [
                "area precision / recall",
                f"{fmt(metrics.get('area_precision'), 2)} / {fmt(metrics.get('area_recall'), 2)}",
            ],
            [
                f"meter precision at k = {fmt(k)}: method / regression / baseline",
                f"{fmt(metrics.get('meter_precision_at_k'), 2)} / "
                f"{fmt(metrics.get('regression_precision_at_k'), 2)} / "
                f"{fmt(metrics.get('baseline_precision_at_k'), 2)}",
            ],
            [
                f"meter recall at k = {fmt(k)}: method / regression / baseline",
                f"{fmt(metrics.get('meter_recall_at_k'), 2)} / "
                f"{fmt(metrics.get('regression_recall_at_k'), 2)} / "
                f"{fmt(metrics.get('baseline_recall_at_k'), 2)}",
            ],
            [
                "stolen energy found in the top k: method / regression / baseline",
                f"{_kwh(metrics.get('energy_recovered_wh'))} / "
                f"{_kwh(metrics.get('regression_energy_recovered_wh'))} / "
                f"{_kwh(metrics.get('baseline_energy_recovered_wh'))}",
            ],
            ["stolen energy, all thefts (truth)", _kwh(scoring.get("stolen_wh_total"))],
        ]
    else:
        rows.append(["scores", str(scoring.get("note", "not scored"))])
    return Table(header=["quantity", "value"], rows=rows, caption="Line losses")


def _areas_table(areas: list[dict[str, Any]]) -> Table:
    """The flagged areas, highest loss rate first, at most 25."""
    ranked = sorted(areas, key=lambda a: -(a.get("line_loss_rate") or 0.0))[:25]
    return Table(
        header=[
            "LV transformer",
            "complete days",
            "abnormal",
            "loss rate",
            "technical",
            "non-technical",
        ],
        rows=[
            [
                fmt(a.get("transformer_id")),
                fmt(a.get("complete_days")),
                fmt_share(a.get("abnormal_share")),
                fmt_share(a.get("line_loss_rate"), 2),
                fmt_share(a.get("technical_rate"), 2),
                fmt_share(a.get("non_technical_rate"), 2),
            ]
            for a in ranked
        ],
        caption="Flagged areas (highest loss rate first, at most 25)",
    )


def _robustness_table(rows: list[dict[str, Any]]) -> Table:
    """The scores at the neighbouring thresholds."""
    return Table(
        header=[
            "non-technical >",
            "abnormal days ≥",
            "flagged",
            "area P / R",
            "k",
            "P@k method / regression / baseline",
        ],
        rows=[
            [
                fmt_share(r.get("non_technical_share"), 0),
                fmt_share(r.get("flag_day_share"), 0),
                fmt(r.get("flagged_areas")) + (" (study)" if r.get("study_setting") else ""),
                f"{fmt(r.get('area_precision'), 2)} / {fmt(r.get('area_recall'), 2)}",
                fmt(r.get("k")),
                f"{fmt(r.get('method_precision_at_k'), 2)} / "
                f"{fmt(r.get('regression_precision_at_k'), 2)} / "
                f"{fmt(r.get('baseline_precision_at_k'), 2)}",
            ]
            for r in rows
        ],
        caption="Robustness: the scores at neighbouring thresholds",
    )


def _suspects_table(top: list[dict[str, Any]]) -> Table:
    """The top suspects by the method's score (the largest evidence z-score)."""
    return Table(
        header=[
            "meter",
            "LV transformer",
            "class",
            "score (z)",
            "evidence",
            "regression's stolen estimate",
            "rank in area",
        ],
        rows=[
            [
                str(s.get("meter_id")),
                fmt(s.get("transformer_id")),
                str(s.get("customer_class") or "-"),
                fmt(s.get("score"), 1),
                str(s.get("evidence") or "-"),
                _kwh(s.get("stolen_wh")),
                fmt(s.get("rank")),
            ]
            for s in top
        ],
        caption="Top suspects (largest deviation from their peers)",
    )
