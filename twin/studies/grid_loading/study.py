"""The grid-loading study: transformer and line loading, overloads, peak coincidence.

Reads a finished run through :mod:`twin.streams`: ``internal/transformer_interval``
(required), ``internal/line_interval``, ``internal/meter_interval``,
``internal/meter_point``, ``internal/network_bus`` and
``internal/network_branch`` where present, and ``truth/premise`` only for the
PV/EV flags. Writes ``studies/grid-loading/``: ``metrics.json``,
``transformers.parquet``, ``transformer_duration.parquet``, and where the run
has the tables ``lines.parquet``, ``line_duration.parquet``,
``fleet_demand.parquet``, with figures.

References
----------
.. [1] IEC 60076-7:2018, Loading guide for mineral-oil-immersed power
   transformers (1.5 pu normal cyclic loading limit of distribution
   transformers).
.. [2] H. L. Willis, Power Distribution Planning Reference Book, 2nd ed.,
   2004, ch. 3 (coincidence and diversity of peak demand).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.streams import RunClock, RunDirectory, jsonable, open_run, staged_folder, write_json
from twin.studies.grid_loading.contributions import ev_contribution, pv_contribution
from twin.studies.grid_loading.demand import FleetDemand, accumulate_fleet_demand
from twin.studies.grid_loading.figures import (
    plot_demand,
    plot_line_duration,
    plot_transformer_duration,
)
from twin.studies.grid_loading.lines import LINE_BIN_EDGES_PERCENT, accumulate_line_loading
from twin.studies.grid_loading.transformers import (
    DURATION_POINTS,
    LOADING_THRESHOLDS_PERCENT,
    transformer_coincidence,
    transformer_info,
    transformer_summary,
)

__all__ = ["STUDY_NAME", "run_grid_loading_study"]

STUDY_NAME = "grid-loading"
TOP_N = 10
"""Transformers and lines listed in metrics.json (all are in the Parquet tables)."""


def run_grid_loading_study(run_dir: str | Path) -> dict[str, Any]:
    """Transformer and line loading, overload hours and peak coincidence of a run.

    Transformer loading-duration curves and hours above 80 %, 100 % (overload)
    and 150 % of rating (the IEC 60076-7 normal cyclic loading limit of
    distribution transformers) per transformer; the same for lines (hours
    above 100 %, duration curves from 0.5 % histograms, so that any run fits
    in memory); the coincidence factor of the meters' peaks (fleet and per LV
    transformer area) and of the MV/LV transformers' peaks; and the PV and EV
    contributions where the run has them. Loadings are interval means
    [% of rating]; hours are interval counts times the interval length.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run directory with ``internal/transformer_interval``.

    Returns
    -------
    dict
        The content of ``studies/grid-loading/metrics.json``.

    Raises
    ------
    TwinError
        When ``run_dir`` is not a finished run or lacks
        ``internal/transformer_interval``.
    """
    run = open_run(run_dir)
    run.require(["internal/transformer_interval"], purpose="the grid-loading study")
    clock = run.clock
    trafo_frame = run.table(
        "internal/transformer_interval",
        columns=["transformer_id", "interval_end", "p_kw", "loading_percent"],
    )
    info = transformer_info(run.network_branches(), run.network_buses())
    summary, duration = transformer_summary(trafo_frame, info, interval_s=clock.interval_s)
    lv_ids, notes = _lv_transformer_ids(summary)
    metrics = _base_metrics(run, summary, notes)
    lines = _lines(run, clock, metrics)
    demand = _demand(run, clock, metrics)
    metrics["peak_coincidence"] = {
        "transformers": transformer_coincidence(trafo_frame, lv_ids),
        "meters": _meter_coincidence(demand, clock.interval_ends),
    }
    ev_kw = _contributions(run, clock, summary, demand, metrics)

    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        figures = [_write_transformers(staging, trafo_frame, summary, duration, lv_ids)]
        if lines is not None:
            figures.append(_write_lines(staging, lines, interval_s=clock.interval_s))
        if demand is not None:
            figures.append(_write_demand(staging, clock, demand, ev_kw, metrics))
        metrics["outputs"] = {"figures": figures}
        write_json(staging / "metrics.json", metrics)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _lv_transformer_ids(summary: pd.DataFrame) -> tuple[list[Any], list[str]]:
    """The MV/LV transformers of the run, and a note where their kind is unknown.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`~twin.studies.grid_loading.transformers.transformer_summary`.

    Returns
    -------
    lv_ids : list
        ``transformer_id`` of every MV/LV transformer; all transformers when
        no kind is known (a run without network tables).
    notes : list of str
        The note for ``metrics.json`` in that case, else empty.
    """
    notes: list[str] = []
    lv_ids = summary.loc[summary["kind"] == "MV/LV", "transformer_id"].tolist()
    if not lv_ids:
        lv_ids = summary["transformer_id"].tolist()
        notes.append("transformer kinds unknown (no network tables): all are treated as MV/LV")
    return lv_ids, notes


def _base_metrics(run: RunDirectory, summary: pd.DataFrame, notes: list[str]) -> dict[str, Any]:
    """The head of ``metrics.json``: study, run, method and the transformer metrics.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run studied.
    summary : pandas.DataFrame
        One row per transformer (loadings in % of rating, hours in h).
    notes : list of str
        The list the study appends its notes to; stored as ``notes``.

    Returns
    -------
    dict
        The metrics so far; the later steps add lines, coincidence,
        contributions and outputs, in that order.
    """
    return {
        "study": STUDY_NAME,
        "run": str(run.path),
        "method": {
            "interval_s": run.clock.interval_s,
            "loading": "interval-mean loading in % of rating, as the power flow gives it",
            "thresholds_percent": list(LOADING_THRESHOLDS_PERCENT),
            "overload": "loading above 100 % of rating; hours = intervals x interval length",
            "iec_60076_7": "150 % is the normal cyclic loading limit of distribution "
            "transformers (IEC 60076-7:2018, Table 4)",
            "duration_curves": "loading reached or exceeded during each share of time, "
            "stored at 1 % steps; lines from 0.5 % histograms",
            "coincidence_factor": "peak of the summed demand / sum of individual peaks",
        },
        "transformers": _transformer_metrics(summary),
        "notes": notes,
    }


def _contributions(
    run: RunDirectory,
    clock: RunClock,
    summary: pd.DataFrame,
    demand: FleetDemand | None,
    metrics: dict[str, Any],
) -> np.ndarray | None:
    """Store the PV and EV contributions in ``metrics["contributions"]``.

    Parameters
    ----------
    run : twin.streams.RunDirectory
        The run studied (``truth/premise`` gives the PV/EV flags).
    clock : twin.streams.RunClock
        The run's clock.
    summary : pandas.DataFrame
        One row per transformer (reverse-flow hours in h).
    demand : FleetDemand or None
        The fleet's metered demand; None when the run has no meter readings.
    metrics : dict
        The metrics being built; gains ``contributions``.

    Returns
    -------
    numpy.ndarray or None
        The fleet's EV charging power per interval [kW], where the run has it.
    """
    premise = run.optional_table("truth/premise")
    if demand is None:
        metrics["contributions"] = {"note": "no meter readings: PV/EV contributions not computed"}
        return None
    times = clock.interval_ends
    pv = pv_contribution(premise, demand, summary, times)
    ev, ev_kw = ev_contribution(run, premise, demand, times, start_us=clock.start_us)
    metrics["contributions"] = {"pv": pv, "ev": ev}
    if not pv["present"] and not ev["present"]:
        metrics["contributions"]["note"] = "no PV/EV in this run"
    return ev_kw


def _write_transformers(
    staging: Path,
    trafo_frame: pd.DataFrame,
    summary: pd.DataFrame,
    duration: pd.DataFrame,
    lv_ids: list[Any],
) -> str:
    """Write the transformer tables and the MV/LV loading-duration figure.

    Parameters
    ----------
    staging : pathlib.Path
        The study folder being written.
    trafo_frame : pandas.DataFrame
        ``internal/transformer_interval`` rows (loading in % of rating).
    summary, duration : pandas.DataFrame
        One row per transformer, and the duration curves (loading in %).
    lv_ids : list
        The transformers drawn.

    Returns
    -------
    str
        The figure's file name.
    """
    summary.to_parquet(staging / "transformers.parquet", index=False)
    duration.to_parquet(staging / "transformer_duration.parquet", index=False)
    shown = trafo_frame[trafo_frame["transformer_id"].isin(lv_ids)]
    return plot_transformer_duration(
        shown,
        summary[summary["transformer_id"].isin(lv_ids)],
        staging / "transformer_duration.png",
        title="MV/LV transformer loading-duration curves",
    )


def _write_lines(
    staging: Path,
    lines: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
    *,
    interval_s: int,
) -> str:
    """Write the line tables and the duration figure of the five most loaded lines.

    Parameters
    ----------
    staging : pathlib.Path
        The study folder being written.
    lines : tuple
        Line summary, duration curves and per-interval envelope [%], as
        :func:`_lines` returns them.
    interval_s : int
        Interval length [s].

    Returns
    -------
    str
        The figure's file name.
    """
    table, curves, envelope = lines
    table.to_parquet(staging / "lines.parquet", index=False)
    curves.to_parquet(staging / "line_duration.parquet", index=False)
    top = table.nlargest(5, "peak_loading_percent")["line_id"]
    return plot_line_duration(
        envelope,
        curves[curves["line_id"].isin(top)],
        staging / "line_duration.png",
        interval_min=interval_s / 60.0,
    )


def _write_demand(
    staging: Path,
    clock: RunClock,
    demand: FleetDemand,
    ev_kw: np.ndarray | None,
    metrics: dict[str, Any],
) -> str:
    """Write the fleet's demand per interval and its figure.

    Parameters
    ----------
    staging : pathlib.Path
        The study folder being written.
    clock : twin.streams.RunClock
        The run's clock (interval ends, time zone).
    demand : FleetDemand
        The fleet's metered import, export and net demand [kW].
    ev_kw : numpy.ndarray or None
        EV charging power per interval [kW], where the run has it.
    metrics : dict
        The metrics built so far (PV presence, fleet peak interval).

    Returns
    -------
    str
        The figure's file name.
    """
    times = clock.interval_ends
    series = {"net demand": demand.net_kw}
    if ev_kw is not None:
        series["EV charging"] = ev_kw
    if metrics["contributions"]["pv"].get("present"):
        series["export (PV)"] = -demand.export_kw
    pd.DataFrame(
        {
            "interval_end": times,
            "import_kw": demand.import_kw,
            "export_kw": demand.export_kw,
            "net_kw": demand.net_kw,
            "ev_kw": ev_kw if ev_kw is not None else np.nan,
        }
    ).to_parquet(staging / "fleet_demand.parquet", index=False)
    peak = metrics["peak_coincidence"]["meters"].get("fleet_peak_interval")
    return plot_demand(
        times,
        series,
        staging / "fleet_demand.png",
        timezone=clock.timezone,
        peak_index=peak,
    )


_TOP_COLUMNS = (
    "transformer_id",
    "kind",
    "sn_kva",
    "peak_loading_percent",
    "peak_time",
    "mean_loading_percent",
    "p95_loading_percent",
    "hours_above_80",
    "hours_above_100",
    "hours_above_150",
    "reverse_flow_hours",
    "energy_mwh",
)


def _transformer_metrics(summary: pd.DataFrame) -> dict[str, Any]:
    if summary.empty:
        return {"count": 0}
    peak = summary.loc[summary["peak_loading_percent"].idxmax()]
    over = summary["hours_above_100"] > 0
    top = summary.nlargest(TOP_N, "peak_loading_percent")[list(_TOP_COLUMNS)]
    return {
        "count": len(summary),
        "by_kind": {str(k): int(v) for k, v in summary["kind"].value_counts().items()},
        "peak_loading_percent": peak["peak_loading_percent"],
        "peak_transformer_id": int(peak["transformer_id"]),
        "peak_time": peak["peak_time"],
        "overloaded": int(over.sum()),
        "overload_hours_total": float(summary["hours_above_100"].sum()),
        "hours_above_150_total": float(summary["hours_above_150"].sum()),
        "top": top.to_dict(orient="records"),
    }


def _lines(
    run: RunDirectory, clock: RunClock, metrics: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray] | None:
    """Line summary, duration curves and per-interval envelope, or None (noted)."""
    if not run.has("internal/line_interval"):
        metrics["lines"] = _daily_lines(run)
        return None
    acc = accumulate_line_loading(
        run.iter_frames("internal/line_interval", ["line_id", "interval_end", "loading_percent"]),
        start_us=clock.start_us,
        interval_us=clock.interval_us,
        n_intervals=clock.n_intervals,
    )
    table = acc.summary(interval_s=clock.interval_s)
    curve = acc.quantile_curve(DURATION_POINTS)
    curves = pd.DataFrame(
        {
            "line_id": np.repeat(acc.line_ids, len(DURATION_POINTS)),
            "time_share": np.tile(DURATION_POINTS, len(acc.line_ids)),
            "loading_percent": curve.ravel(),
        }
    )
    over = table["hours_above_100"] > 0
    top = table.nlargest(TOP_N, "peak_loading_percent")
    metrics["lines"] = {
        "available": True,
        "count": len(table),
        "peak_loading_percent": float(table["peak_loading_percent"].max()) if len(table) else None,
        "peak_line_id": int(top["line_id"].iloc[0]) if len(top) else None,
        "overloaded": int(over.sum()),
        "overload_hours_total": float(table["hours_above_100"].sum()),
        "histogram_resolution_percent": float(LINE_BIN_EDGES_PERCENT[1]),
        "top": top.to_dict(orient="records"),
    }
    return table, curves, acc.interval_max_percent


def _demand(run: RunDirectory, clock: RunClock, metrics: dict[str, Any]) -> FleetDemand | None:
    if not run.has("internal/meter_interval"):
        metrics["notes"].append("the run has no internal/meter_interval: no meter coincidence")
        return None
    meter_area = None
    for name in ("internal/meter_point", "truth/premise"):
        if run.has(name):
            points = run.table(name, columns=["meter_id", "transformer_id"])
            points = points.drop_duplicates("meter_id")
            meter_area = pd.Series(
                points["transformer_id"].to_numpy(dtype=np.int64),
                index=points["meter_id"].astype(str).to_numpy(),
            )
            metrics["method"]["meter_areas"] = f"meter to LV transformer from {name}"
            break
    return accumulate_fleet_demand(
        run.iter_frames(
            "internal/meter_interval",
            ["meter_id", "interval_end", "import_wh", "export_wh", "quality"],
        ),
        start_us=clock.start_us,
        interval_s=clock.interval_s,
        n_intervals=clock.n_intervals,
        meter_area=meter_area,
    )


def _meter_coincidence(demand: FleetDemand | None, times: pd.DatetimeIndex) -> dict[str, Any]:
    if demand is None:
        return {"available": False}
    result: dict[str, Any] = {"available": True, **demand.coincidence()}
    at = result.get("fleet_peak_interval")
    if isinstance(at, int):
        result["fleet_peak_time"] = times[at].isoformat()
    return result


def _daily_lines(run: RunDirectory) -> dict[str, Any]:
    """What a run without ``internal/line_interval`` says of its lines: the peaks of
    ``internal/line_daily`` where it has them (``outputs.line_loading: daily_extremes``)."""
    if not run.has("internal/line_daily"):
        return {"available": False, "note": "the run has no internal/line_interval"}
    daily = run.table("internal/line_daily", ["line_id", "loading_max_percent"])
    peaks = daily.groupby("line_id")["loading_max_percent"].max()
    peaks = peaks[np.isfinite(peaks.to_numpy())]
    return {
        "available": False,
        "note": "the run has only the lines' daily extremes (internal/line_daily, "
        "outputs.line_loading: daily_extremes): peaks only; durations and hours above "
        "100 % need internal/line_interval (outputs.line_loading: all)",
        "count": len(peaks),
        "peak_loading_percent": float(peaks.max()) if len(peaks) else None,
        "peak_line_id": int(peaks.idxmax()) if len(peaks) else None,
        "overloaded": int((peaks > 100.0).sum()),
    }
