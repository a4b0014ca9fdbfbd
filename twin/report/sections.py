"""Report sections built from the studies' ``metrics.json`` (where a study has run)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from twin.report.html import FigureRef, Section, Table

__all__ = [
    "fmt",
    "fmt_share",
    "fmt_time",
    "grid_loading_tables",
    "power_quality_section",
    "vacancy_section",
]


def fmt(value: Any, digits: int = 2, unit: str = "") -> str:
    """A number with ``digits`` decimals and thousands separators; '-' for None/NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.{digits}f}"
    else:
        return str(value)
    return f"{text} {unit}".rstrip()


def fmt_share(value: Any, digits: int = 1) -> str:
    """A fraction 0..1 as a percentage."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    return f"{float(value) * 100:.{digits}f} %"


def fmt_time(value: Any, timezone: str) -> str:
    """An ISO time stamp in local time, minutes resolution."""
    if value is None or value == "":
        return "-"
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(timezone).strftime("%Y-%m-%d %H:%M")


def power_quality_section(metrics: dict[str, Any], figures: list[FigureRef]) -> Section:
    """The power-quality study's compliance, ANSI share, worst buses and areas."""
    tables = [_compliance_table(metrics), _worst_buses_table(metrics)]
    areas = metrics.get("areas", [])
    if areas:
        tables.append(_areas_table(areas))
    method = metrics.get("method", {})
    notes = [str(method.get("averaging", ""))] + [str(n) for n in metrics.get("notes", [])]
    return Section(
        anchor="power-quality",
        title="Power quality (EN 50160, ANSI C84.1)",
        text=[
            "Per bus and week, EN 50160:2010 asks that 95 % of the mean voltages lie within "
            "±10 % of nominal (99 % for MV) and all within +10/−15 % (±15 % for MV). ANSI "
            "C84.1-2020 Range A is 0.95–1.05 pu. From `twin study power-quality`."
        ],
        tables=tables,
        figures=figures,
        notes=[n for n in notes if n],
    )


def _compliance_table(metrics: dict[str, Any]) -> Table:
    """The power-quality study's headline figures: compliant buses, Range A, extremes.

    Parameters
    ----------
    metrics : dict
        The study's ``metrics.json`` (shares as fractions 0..1, voltages in pu).

    Returns
    -------
    Table
        Quantity and value; shares as percentages, voltages in pu.
    """
    buses = metrics.get("buses", {})
    ansi = metrics.get("ansi_c84_1", {})
    voltage = metrics.get("voltage", {})
    return Table(
        header=["quantity", "value"],
        rows=[
            ["buses assessed (LV and MV)", fmt(buses.get("assessed"))],
            ["EN 50160 compliant buses", fmt(buses.get("compliant"))],
            ["share of compliant buses", fmt_share(buses.get("compliant_share"))],
            ["buses with a value beyond +10/−15 %", fmt(buses.get("with_hard_excursion"))],
            ["interval means in ANSI C84.1 Range A", fmt_share(ansi.get("range_a_share"), 2)],
            ["buses always in Range A", fmt(ansi.get("buses_always_in_range_a"))],
            [
                "lowest voltage",
                f"{fmt(voltage.get('vm_min_pu'), 4, 'pu')} "
                f"(bus {fmt(voltage.get('vm_min_bus_id'))})",
            ],
            [
                "highest voltage",
                f"{fmt(voltage.get('vm_max_pu'), 4, 'pu')} "
                f"(bus {fmt(voltage.get('vm_max_bus_id'))})",
            ],
        ],
        caption="Compliance",
    )


def _worst_buses_table(metrics: dict[str, Any]) -> Table:
    """The power-quality study's worst buses, as it ranks them.

    Parameters
    ----------
    metrics : dict
        The study's ``metrics.json`` (``worst_buses``: voltages in pu, shares 0..1).

    Returns
    -------
    Table
        One row per listed bus; voltages in pu, shares as percentages.
    """
    return Table(
        header=[
            "bus",
            "level",
            "LV area",
            "feeder",
            "min [pu]",
            "max [pu]",
            "worst week in ±10 %",
            "beyond limits",
            "Range A",
            "EN 50160",
        ],
        rows=[
            [
                fmt(b.get("bus_id")),
                str(b.get("voltage_level") or "-"),
                fmt(b.get("transformer_id")),
                fmt(b.get("feeder_id")),
                fmt(b.get("vm_min_pu"), 4),
                fmt(b.get("vm_max_pu"), 4),
                fmt_share(b.get("worst_week_within_10_share")),
                fmt(b.get("hard_excursions")),
                fmt_share(b.get("ansi_range_a_share")),
                {True: "complies", False: "fails"}.get(b.get("en50160_compliant"), "-"),
            ]
            for b in metrics.get("worst_buses", [])
        ],
        caption="Worst buses",
    )


def _areas_table(areas: list[dict[str, Any]]) -> Table:
    """Compliance per LV transformer area, lowest minimum voltage first, at most 25.

    Parameters
    ----------
    areas : list of dict
        The study's ``areas`` (voltages in pu, shares 0..1).

    Returns
    -------
    Table
        One row per area; voltages in pu, shares as percentages.
    """
    return Table(
        header=[
            "LV transformer",
            "buses",
            "compliant",
            "min [pu]",
            "max [pu]",
            "in Range A",
        ],
        rows=[
            [
                fmt(a.get("transformer_id")),
                fmt(a.get("buses")),
                fmt_share(a.get("compliant_share")),
                fmt(a.get("vm_min_pu"), 4),
                fmt(a.get("vm_max_pu"), 4),
                fmt_share(a.get("ansi_range_a_share"), 2),
            ]
            for a in sorted(areas, key=lambda a: a.get("vm_min_pu") or 9.0)[:25]
        ],
        caption="By LV transformer area (lowest minimum voltage first, at most 25)",
    )


def grid_loading_tables(metrics: dict[str, Any], timezone: str) -> tuple[list[Table], list[str]]:
    """Tables and notes of the grid-loading study for the report's loading section."""
    tables = [_loading_table(metrics, timezone)]
    top = metrics.get("transformers", {}).get("top", [])
    if top:
        tables.append(_top_transformers_table(top, timezone))
    return tables, _grid_loading_notes(metrics)


def _loading_table(metrics: dict[str, Any], timezone: str) -> Table:
    """Overloads of transformers and lines, and the peak coincidence.

    Parameters
    ----------
    metrics : dict
        The grid-loading study's ``metrics.json`` (loadings in % of rating,
        hours in h, powers in kW).
    timezone : str
        Time zone the peak time is shown in.

    Returns
    -------
    Table
        Quantity and value; the line and meter rows only where the study has them.
    """
    trafos = metrics.get("transformers", {})
    lines = metrics.get("lines", {})
    coincidence = metrics.get("peak_coincidence", {})
    meters = coincidence.get("meters", {})
    trafo_peaks = coincidence.get("transformers", {})
    rows = [
        [
            "transformers (by kind)",
            ", ".join(f"{v} {k}" for k, v in trafos.get("by_kind", {}).items()),
        ],
        ["transformers overloaded (> 100 %)", fmt(trafos.get("overloaded"))],
        ["transformer overload hours, total", fmt(trafos.get("overload_hours_total"), 2, "h")],
        ["hours above 150 % (IEC 60076-7 limit)", fmt(trafos.get("hours_above_150_total"), 2, "h")],
    ]
    if lines.get("available"):
        rows += [
            ["lines", fmt(lines.get("count"))],
            [
                "peak line loading",
                f"{fmt(lines.get('peak_loading_percent'), 1, '%')} "
                f"(line {fmt(lines.get('peak_line_id'))})",
            ],
            ["lines overloaded (> 100 %)", fmt(lines.get("overloaded"))],
            ["line overload hours, total", fmt(lines.get("overload_hours_total"), 2, "h")],
        ]
    if meters.get("available"):
        rows += [
            [
                "fleet peak (metered net demand)",
                f"{fmt(meters.get('fleet_peak_kw'), 1, 'kW')} "
                f"at {fmt_time(meters.get('fleet_peak_time'), timezone)}",
            ],
            ["sum of the meters' own peaks", fmt(meters.get("sum_of_meter_peaks_kw"), 1, "kW")],
            ["coincidence factor, meters", fmt(meters.get("coincidence_factor"), 3)],
        ]
    if trafo_peaks.get("coincidence_factor") is not None:
        rows.append(
            ["coincidence factor, MV/LV transformers", fmt(trafo_peaks["coincidence_factor"], 3)]
        )
    return Table(header=["quantity", "value"], rows=rows, caption="Loading and coincidence")


def _top_transformers_table(top: list[dict[str, Any]], timezone: str) -> Table:
    """The most loaded transformers, as the grid-loading study lists them.

    Parameters
    ----------
    top : list of dict
        The study's ``transformers.top`` (ratings in kVA, loadings in % of
        rating, hours in h).
    timezone : str
        Time zone the peak times are shown in.

    Returns
    -------
    Table
        One row per transformer.
    """
    return Table(
        header=[
            "transformer",
            "kind",
            "rating [kVA]",
            "peak [%]",
            "peak at (local)",
            "p95 [%]",
            "h > 80 %",
            "h > 100 %",
            "reverse flow [h]",
        ],
        rows=[
            [
                fmt(t.get("transformer_id")),
                str(t.get("kind")),
                fmt(t.get("sn_kva"), 0),
                fmt(t.get("peak_loading_percent"), 1),
                fmt_time(t.get("peak_time"), timezone),
                fmt(t.get("p95_loading_percent"), 1),
                fmt(t.get("hours_above_80"), 2),
                fmt(t.get("hours_above_100"), 2),
                fmt(t.get("reverse_flow_hours"), 2),
            ]
            for t in top
        ],
        caption="Most loaded transformers",
    )


def _grid_loading_notes(metrics: dict[str, Any]) -> list[str]:
    """The PV and EV contributions in a sentence each, then the study's notes.

    Parameters
    ----------
    metrics : dict
        The grid-loading study's ``metrics.json`` (energies in MWh, powers in kW).

    Returns
    -------
    list of str
        The notes of the loading section.
    """
    notes = []
    contributions = metrics.get("contributions", {})
    for key, label in (("pv", "PV"), ("ev", "EV")):
        part = contributions.get(key, {})
        if part.get("present") and part.get("computed", True):
            notes.append(_contribution_note(key, part))
        elif part.get("note"):
            notes.append(f"{label}: {part['note']}")
    if contributions.get("note"):
        note = str(contributions["note"])
        notes.append(note[:1].upper() + note[1:] + ".")
    notes += [str(n) for n in metrics.get("notes", [])]
    return notes


def _contribution_note(key: str, part: dict[str, Any]) -> str:
    """One sentence on the PV (``key="pv"``) or EV (``key="ev"``) contribution.

    Parameters
    ----------
    key : str
        ``"pv"`` or ``"ev"``.
    part : dict
        The study's ``contributions.pv`` or ``contributions.ev`` (energies in
        MWh, powers in kW, shares 0..1).

    Returns
    -------
    str
        The sentence.
    """
    if key == "pv":
        return (
            f"PV: {fmt(part.get('premises_with_pv'))} premises, export "
            f"{fmt(part.get('export_mwh'), 3, 'MWh')}, peak export "
            f"{fmt(part.get('peak_export_kw'), 1, 'kW')}."
        )
    return (
        f"EV: {fmt(part.get('sessions'))} sessions, "
        f"{fmt(part.get('energy_mwh'), 3, 'MWh')}, "
        f"{fmt_share(part.get('share_of_fleet_peak'))} of the fleet peak."
    )


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if not prefix:
                out += _flatten(value, f"{name}.")
        elif not isinstance(value, list):
            out.append((name, value))
    return out


VACANCY_FIRST = (
    "precision",
    "recall",
    "f1",
    "true_vacancy_rate",
    "estimated_vacancy_rate",
    "method",
    "window",
)


def vacancy_section(metrics: dict[str, Any], figures: list[FigureRef]) -> Section:
    """The vacancy study's scores and figures, whatever else its metrics.json holds.

    Where the study measured how hard its problem is, a second table puts the
    generic classifier's separability (trained on another run) beside the
    published range, and the home/away accuracy on lived-in homes apart.
    """
    hardness_keys = {"separability", "home_away_occupancy", "training_run", "design_note"}
    items = _flatten({k: v for k, v in metrics.items() if k not in hardness_keys})
    ranked = sorted(
        items, key=lambda kv: VACANCY_FIRST.index(kv[0]) if kv[0] in VACANCY_FIRST else 99
    )
    rows = [[key, fmt(value, 3)] for key, value in ranked[:40]]
    text = [
        "Vacant dwellings detected from the internal interval readings only, scored "
        "against the simulator's truth. From `twin study vacancy`."
    ]
    if isinstance(metrics.get("design_note"), str):
        text.append(metrics["design_note"])
    tables = [Table(header=["metric", "value"], rows=rows, caption="Scores", numeric=True)]
    hardness = _vacancy_hardness_rows(metrics)
    if hardness:
        tables.append(
            Table(
                header=["measure", "value", "compare with"],
                rows=hardness,
                caption="How hard the problem is, apart from the detectors",
                numeric=False,
            )
        )
    return Section(
        anchor="vacancy", title="Vacancy detection", text=text, tables=tables, figures=figures
    )


def _vacancy_hardness_rows(metrics: dict[str, Any]) -> list[list[str]]:
    """Rows of the separability table (empty where the study did not measure it)."""
    rows: list[list[str]] = []
    sep = metrics.get("separability")
    if isinstance(sep, dict):
        if "balanced_accuracy" in sep:
            low, high = sep.get("published_range", [None, None])
            ci = sep.get("ci95", {})
            published = f"{fmt(low)}-{fmt(high)} published for real homes ({sep.get('position')})"
            for key, label in (("balanced_accuracy", "balanced accuracy"), ("roc_auc", "ROC AUC")):
                low_ci, high_ci = ci.get(key, [None, None])
                rows.append(
                    [
                        f"generic classifier, vacant vs occupied: {label}",
                        f"{fmt(sep.get(key), 3)} (95 % {fmt(low_ci)}-{fmt(high_ci)})",
                        published if key == "balanced_accuracy" else "0.5 is chance",
                    ]
                )
            rows.append(
                [
                    "homes trained / tested (vacant)",
                    f"{fmt(sep.get('homes_trained'))} ({fmt(sep.get('vacant_trained'))}) / "
                    f"{fmt(sep.get('homes_tested'))} ({fmt(sep.get('vacant_tested'))})",
                    "",
                ]
            )
        elif "skipped" in sep:
            rows.append(["generic classifier, vacant vs occupied", "skipped", str(sep["skipped"])])
    training = metrics.get("training_run")
    if isinstance(training, dict):
        rows.append(
            [
                "training run",
                f"seed {training.get('seed')} on {training.get('network')}",
                f"{training.get('origin')}; {training.get('note')}",
            ]
        )
    away = metrics.get("home_away_occupancy")
    if isinstance(away, dict) and "accuracy" in away:
        low, high = away.get("published_range", [None, None])
        rows.append(
            [
                "home/away per interval, lived-in homes (not vacancy)",
                f"{fmt(away['accuracy'], 3)} (always 'at home': "
                f"{fmt(away.get('always_home_accuracy'), 3)})",
                f"{fmt(low)}-{fmt(high)} published for real homes",
            ]
        )
    return rows
