"""The report's demand-response section: what the events delivered, and what a utility sees.

Computed with the demand-response study's own functions
(:mod:`twin.studies.demand_response`), so the report and ``twin study
demand-response`` give the same figures: the events, their dispatch, the
reduction delivered against the truth counterfactual, the transformer peak
and rebound, and the error of each standard baseline (estimated from the
utility's own data only). Left out of a run without demand-response events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from twin.report.html import FigureRef, Section, Table
from twin.report.sections import fmt, fmt_share
from twin.streams import RunDirectory
from twin.studies.demand_response.baselines import BASELINES
from twin.studies.demand_response.data import load_dr_tables, load_dr_truth
from twin.studies.demand_response.figures import plot_baseline_errors, plot_event
from twin.studies.demand_response.study import dr_summary

__all__ = ["demand_response_section"]

EVENT_FIGURES: Final = 2
"""Events drawn in the report (the study draws more)."""


def demand_response_section(run: RunDirectory, out: Path) -> Section | None:
    """The demand-response section (None for a run without demand-response events)."""
    if "external/dr_event" not in run.tables:
        return None
    tables = load_dr_tables(run)
    summary = dr_summary(tables, load_dr_truth(run), run=str(run.path))
    m = summary.metrics
    h = m["headline"]
    section = Section(
        anchor="demand-response",
        title="Demand response",
        text=[
            "The events the platform called (external/dr_event), whom it signalled and who "
            "acted (external/dr_dispatch), and what the events really took off the grid: "
            "the signalled homes' true load against their counterfactual without the event "
            "(truth/dr_counterfactual, which only the twin can know). The baselines estimate "
            "the same reduction the way a utility must, from its own meter data only; their "
            "error against the truth is the table below. `twin study demand-response RUN_DIR` "
            "writes every event's figure and the full tables."
        ],
    )
    if not m["events"]["count"]:
        section.notes.append("The run's programmes called no event.")
        return section
    section.tables.append(
        Table(
            header=["", "value"],
            rows=[
                ["events", fmt(h["events"], 0)],
                ["signals delivered", fmt_share(h["delivered_share"])],
                ["signals acted on", fmt_share(h["acted_share"])],
                ["opted out", fmt_share(h["opted_out_share"])],
                ["median signal latency [s]", fmt(h["median_latency_s"], 1)],
                ["reduction delivered per event, mean [kW]", fmt(h["delivered_kw_mean"], 2)],
                ["energy reduced in events (truth) [kWh]", fmt(h["delivered_kwh"], 1)],
                ["transformer peak reduction, mean [kW]", fmt(h["peak_reduction_kw_mean"], 2)],
                ["largest rebound peak after an event [kW]", fmt(h["rebound_peak_kw_max"], 2)],
                ["drawn back before or after, of that reduced", fmt_share(h["shifted_share"])],
                ["customers' savings in price events", fmt(h["customer_savings"], 2)],
                ["homes colder than their comfort limit (truth)", fmt(h["comfort_violations"], 0)],
            ],
        )
    )
    rows = []
    for name, label in BASELINES.items():
        block = (m["baselines"].get(name) or {}).get("events") or {}
        rows.append(
            [
                label,
                fmt(block.get("bias_kw"), 2),
                fmt(block.get("mape_percent"), 1),
                fmt(block.get("rmse_kw"), 2),
            ]
        )
    section.tables.append(
        Table(header=["baseline", "bias [kW]", "MAPE [%]", "RMSE [kW]"], rows=rows)
    )
    section.figures.append(
        FigureRef(
            plot_baseline_errors(m["baselines"], out / "dr_baseline_errors.png"),
            "Each baseline's error in the reduction it estimates, against the truth",
        )
    )
    loads = summary.loads
    keys = list(dict.fromkeys(loads["event"]))[:EVENT_FIGURES] if len(loads) else []
    for i, key in enumerate(keys):
        name = plot_event(
            loads[loads["event"] == key],
            out / f"dr_event_{i + 1}.png",
            title=f"Event {key}: signalled homes",
            timezone=tables.clock.timezone,
        )
        section.figures.append(
            FigureRef(name, f"Event {key}: metered, true and counterfactual load, baselines")
        )
    section.notes += [str(n) for n in m.get("notes") or []]
    return section
