"""``write_report``: the run report, ``RUN_DIR/report/index.html`` with its PNG figures.

The report reads the run only through :mod:`twin.streams` (tables streamed in
record batches, so any run fits in memory) and the studies' outputs under
``RUN_DIR/studies/`` where they have run. It is written into a hidden folder
and renamed into place, so a failure never leaves half a report.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import twin
from twin.report.alarms_section import alarms_section
from twin.report.billing_section import billing_section
from twin.report.data import accumulate_voltage_grid, bus_order, profile_by_day_type
from twin.report.demand_response_section import demand_response_section
from twin.report.figures import plot_load_profile, plot_network, plot_voltage_heatmap
from twin.report.html import FigureRef, Section, render_page
from twin.report.key_figures import key_figures
from twin.report.lighting_section import lighting_section
from twin.report.losses_section import LOSSES_CAPTIONS, losses_section
from twin.report.safety_section import safety_section
from twin.report.sections import (
    fmt_time,
    grid_loading_tables,
    power_quality_section,
    vacancy_section,
)
from twin.report.water_gas_section import water_gas_section
from twin.streams import RunClock, RunDirectory, open_run, staged_folder
from twin.studies.grid_loading.demand import FleetDemand, accumulate_fleet_demand
from twin.studies.grid_loading.figures import plot_transformer_duration
from twin.studies.grid_loading.transformers import transformer_info, transformer_summary

__all__ = ["write_report"]

STUDY_CAPTIONS = {
    "voltage_distribution.png": "Distribution of all buses' interval-mean voltages, with "
    "ANSI C84.1 Range A shaded and the EN 50160 limits where they fall in view.",
    "bus_voltage_range.png": "Minimum, mean and maximum voltage of every bus, buses ranked by "
    "their minimum.",
    "line_duration.png": "Line loading-duration curves: the most loaded line in each interval "
    "(black) and the five lines with the highest peaks.",
    "fleet_demand.png": "Metered fleet demand over the run, with EV charging and PV export "
    "where the run has them; the fleet peak is marked.",
    **LOSSES_CAPTIONS,
    "separability.png": "How hard the vacancy problem is: a generic classifier trained on "
    "another run (ROC curve, balanced accuracy against the range published for real homes) "
    "beside the detectors, and the home/away accuracy on lived-in homes, another question.",
}


@dataclass
class _Run:
    """What every part of the report needs to know about the run."""

    run: RunDirectory
    summary: dict[str, Any]
    clock: RunClock


def write_report(run_dir: str | Path) -> Path:
    """Write ``RUN_DIR/report/index.html`` and its PNG figures.

    The page opens with the run's key figures (households, period, energy,
    minimum and maximum bus voltage, peak transformer loading, fleet peak),
    then: the fleet load profile by day type; transformer loading-duration
    curves (and the grid-loading study where it has run); the bus-voltage
    heatmap (buses in network order against time) and the network drawn
    with each bus's minimum voltage; the power-quality, losses and vacancy
    studies where they have run; billing (accounts, billed energy and revenue,
    household bills, estimated bills) where the run has bills; water and gas
    (use, daily profile, reading quality, night-flow leak suspects) where it
    has those meters; street lighting where it has circuits; the alarms (per source,
    kind, severity and device, alarms per day, times to clear and acknowledge, the
    share with a true cause); the run's details. A figure whose table is absent is
    skipped with a note; the billing and water and gas sections are left out.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory.

    Returns
    -------
    pathlib.Path
        The written ``index.html``.

    Raises
    ------
    TwinError
        When ``run_dir`` is not a finished run directory.
    """
    run = open_run(run_dir)
    ctx = _Run(run, dict(run.manifest.get("summary") or {}), run.clock)
    destination = run.path / "report"
    with staged_folder(destination) as out:
        demand = _fleet_demand(ctx)
        voltage_sections, extremes = _voltage_sections(ctx, out)
        sections = [_load_section(ctx, demand, out), _loading_section(ctx, out), *voltage_sections]
        sections += [_power_quality(ctx, out), _losses(ctx, out), _vacancy(ctx, out)]
        for optional in (
            billing_section(ctx.run, out, timezone=ctx.clock.timezone),
            water_gas_section(ctx.run, out, timezone=ctx.clock.timezone),
            lighting_section(ctx.run, out, timezone=ctx.clock.timezone),
            alarms_section(ctx.run, out, timezone=ctx.clock.timezone),
            safety_section(ctx.run, out),
            demand_response_section(ctx.run, out),
        ):
            if optional is not None:  # left out of a run without bills or water/gas meters
                sections.append(optional)
        sections.append(_details_section(ctx))
        summary = ctx.summary
        title = f"gridtwin run report: {summary.get('name') or run.manifest.get('name', '')}"
        clock = ctx.clock
        subtitle = (
            f"{summary.get('network', 'network unknown')}, "
            f"{fmt_time(clock.start, clock.timezone)} to {fmt_time(clock.end, clock.timezone)} "
            f"({clock.timezone})"
        )
        page = render_page(
            title=title,
            subtitle=subtitle,
            key_figures=key_figures(
                ctx.run,
                summary,
                demand,
                extremes,
                timezone=clock.timezone,
                times=clock.interval_ends,
            ),
            sections=sections,
            footer=f"Written by gridtwin {twin.__version__} from {run.path.resolve()}.",
        )
        (out / "index.html").write_text(page, encoding="utf-8")
    return destination / "index.html"


def _fleet_demand(ctx: _Run) -> FleetDemand | None:
    if not ctx.run.has("internal/meter_interval") or ctx.clock.n_intervals == 0:
        return None
    return accumulate_fleet_demand(
        ctx.run.iter_frames(
            "internal/meter_interval",
            ["meter_id", "interval_end", "import_wh", "export_wh", "quality"],
        ),
        start_us=ctx.clock.start_us,
        interval_s=ctx.clock.interval_s,
        n_intervals=ctx.clock.n_intervals,
    )


def _load_section(ctx: _Run, demand: FleetDemand | None, out: Path) -> Section:
    section = Section(anchor="load", title="Fleet load profile")
    if demand is None:
        section.notes.append("No meter readings (internal/meter_interval): no load profile.")
        return section
    profile = profile_by_day_type(ctx.clock, demand.net_kw)
    name = plot_load_profile(profile, out / "load_profile.png", timezone=ctx.clock.timezone)
    section.figures.append(
        FigureRef(
            name,
            "Mean metered net demand of all households by local time of day, for weekdays, "
            "Saturdays and Sundays (shaded: 10th to 90th percentile over the days, where "
            "there are at least three). Interval readings of quality 'missing' are left out.",
        )
    )
    return section


def _loading_section(ctx: _Run, out: Path) -> Section:
    section = Section(anchor="loading", title="Grid loading")
    if not ctx.run.has("internal/transformer_interval"):
        section.notes.append("No internal/transformer_interval: no transformer loading.")
        return section
    frame = ctx.run.table(
        "internal/transformer_interval",
        columns=["transformer_id", "interval_end", "p_kw", "loading_percent"],
    )
    info = transformer_info(ctx.run.network_branches(), ctx.run.network_buses())
    summary, _ = transformer_summary(frame, info, interval_s=ctx.clock.interval_s)
    lv = summary[summary["kind"] == "MV/LV"]
    if lv.empty:
        lv = summary
    name = plot_transformer_duration(
        frame[frame["transformer_id"].isin(lv["transformer_id"])],
        lv,
        out / "transformer_duration.png",
        title="MV/LV transformer loading-duration curves",
    )
    section.figures.append(
        FigureRef(
            name,
            "Loading of each MV/LV transformer against the share of time it is reached or "
            "exceeded (interval means, % of rating); the most loaded are labelled.",
        )
    )
    metrics = ctx.run.study_metrics("grid-loading")
    if metrics is None:
        section.notes.append(
            "Run `twin study grid-loading RUN_DIR` for overload hours, line loading, peak "
            "coincidence and PV/EV contributions."
        )
        return section
    tables, notes = grid_loading_tables(metrics, ctx.clock.timezone)
    section.tables += tables
    section.notes += notes
    skip = {"transformer_duration.png"}
    section.figures += _copy_figures(ctx, "grid-loading", metrics, out, skip=skip)
    return section


def _voltage_sections(ctx: _Run, out: Path) -> tuple[list[Section], pd.DataFrame | None]:
    """The heatmap and network sections, and each bus's voltage extremes (None without)."""
    heat = Section(anchor="voltage", title="Bus voltages")
    net = Section(anchor="network", title="Network")
    if not ctx.run.has("internal/bus_voltage"):
        if ctx.run.has("internal/bus_voltage_daily"):
            heat.notes.append(
                "Only the buses' daily extremes were written (internal/bus_voltage_daily, "
                "outputs.bus_voltage: daily_extremes): the voltage heatmap and map need every "
                "interval (outputs.bus_voltage: all or lv)."
            )
        else:
            heat.notes.append(
                "No internal/bus_voltage (outputs.bus_voltage: none): no voltage heatmap or map."
            )
        return [heat], None
    grid = accumulate_voltage_grid(
        ctx.run.iter_frames("internal/bus_voltage", ["bus_id", "interval_end", "vm_pu"]),
        start=ctx.clock.start,
        interval_s=ctx.clock.interval_s,
        n_intervals=max(ctx.clock.n_intervals, 1),
    )
    buses = ctx.run.network_buses()
    branches = ctx.run.network_branches()
    order = bus_order(grid.bus_ids, buses, branches)
    per_bin = (grid.bin_edges[1] - grid.bin_edges[0]).total_seconds() / 60.0
    name = plot_voltage_heatmap(
        grid, order, out / "voltage_heatmap.png", timezone=ctx.clock.timezone
    )
    heat.figures.append(
        FigureRef(
            name,
            f"Bus voltage [pu] of every bus (rows) over time (columns of {per_bin:g} min), "
            "buses sorted by voltage level, LV transformer area, feeder and distance from "
            "the transformer; red below 1.0 pu, blue above. Lines separate feeders.",
        )
    )
    if buses is None:
        net.notes.append("No internal/network_bus: the network cannot be drawn.")
        heat.notes.append("No internal/network_bus: buses are in id order.")
        return [heat, net], grid.extremes()
    name_net = plot_network(buses, branches, grid.extremes(), out / "network.png")
    if name_net is None:
        net.notes.append("The buses have no coordinates and the network is too large to lay out.")
    else:
        net.figures.append(
            FigureRef(
                name_net,
                "The network (lines grey, transformers dashed) with each bus coloured by its "
                "minimum voltage over the run, on a scale centred at 1.0 pu; the lowest bus "
                "is marked.",
            )
        )
    return [heat, net], grid.extremes()


def _copy_figures(
    ctx: _Run, study: str, metrics: dict[str, Any], out: Path, *, skip: set[str] | None = None
) -> list[FigureRef]:
    """Copy a study's PNGs next to the page (prefixed with the study name)."""
    folder = ctx.run.study_folder(study)
    listed = (metrics.get("outputs") or {}).get("figures")
    names = [str(n) for n in listed] if isinstance(listed, list) else []
    names += sorted(p.name for p in folder.glob("*.png") if p.name not in names)
    refs = []
    for name in names:
        source = folder / name
        if (skip and name in skip) or not source.is_file() or source.suffix != ".png":
            continue
        target = f"{study}-{name}"
        shutil.copyfile(source, out / target)
        caption = STUDY_CAPTIONS.get(name, name.removesuffix(".png").replace("_", " ").capitalize())
        refs.append(FigureRef(target, caption))
    return refs


def _power_quality(ctx: _Run, out: Path) -> Section:
    metrics = ctx.run.study_metrics("power-quality")
    if metrics is None:
        return Section(
            anchor="power-quality",
            title="Power quality (EN 50160, ANSI C84.1)",
            notes=["Run `twin study power-quality RUN_DIR` to add EN 50160 compliance per bus."],
        )
    return power_quality_section(metrics, _copy_figures(ctx, "power-quality", metrics, out))


def _losses(ctx: _Run, out: Path) -> Section:
    metrics = ctx.run.study_metrics("losses")
    if metrics is None:
        note = "Run `twin study losses RUN_DIR` to add the transformer-area line losses."
        if not ctx.run.has("internal/area_meter_interval"):
            note = "No internal/area_meter_interval (no area check meters): no line losses."
        return Section(anchor="losses", title="Line losses and theft", notes=[note])
    return losses_section(metrics, _copy_figures(ctx, "losses", metrics, out))


def _vacancy(ctx: _Run, out: Path) -> Section:
    metrics = ctx.run.study_metrics("vacancy")
    if metrics is None:
        return Section(
            anchor="vacancy",
            title="Vacancy detection",
            notes=["Run `twin study vacancy RUN_DIR` to add vacancy detection scores."],
        )
    return vacancy_section(metrics, _copy_figures(ctx, "vacancy", metrics, out))


def _details_section(ctx: _Run) -> Section:
    manifest = ctx.run.manifest
    section = Section(anchor="details", title="Run details")
    scenario = ctx.run.scenario_yaml
    if scenario is not None:
        section.preformatted["Scenario (resolved)"] = scenario
    for key, label in (
        ("versions", "Package versions"),
        ("timings_s", "Timings [s]"),
        ("row_counts", "Rows per table"),
    ):
        value = manifest.get(key)
        if isinstance(value, dict):
            width = max((len(str(k)) for k in value), default=0)
            section.preformatted[label] = "\n".join(f"{k:<{width}}  {v}" for k, v in value.items())
    seed = manifest.get("seed")
    section.text.append(
        f"Seed {seed}; run directory {ctx.run.path.resolve()}; tables: {', '.join(ctx.run.tables)}."
    )
    return section
