"""The demand-response study: delivered reduction, baselines and their errors, peaks, dispatch.

Reads a finished run through the run reader: the estimation side only what a
utility holds (:func:`~twin.studies.demand_response.data.load_dr_tables`),
the truth only to score (:func:`~twin.studies.demand_response.data.load_dr_truth`),
and writes ``studies/demand-response/``:

- ``metrics.json``: events, delivered reduction (truth), each baseline's error
  (:mod:`~twin.studies.demand_response.scoring`), transformer peaks and
  rebound, energy shifted, dispatch quality, customer savings of price
  events, method and notes;
- ``events.parquet`` (one row per event: population, dispatch, delivered and
  each baseline's estimated reduction, energy, savings), ``errors.parquet``
  (per event, area and baseline: estimated, delivered, error, APE),
  ``transformers.parquet`` (per event and transformer: peaks, rebound,
  energy) and ``loads.parquet`` (the population's load around each event:
  metered, true actual and counterfactual, baselines);
- figures: ``event_<programme>_<event_id>.png`` per event (the first
  :data:`MAX_EVENT_FIGURES`) and ``baseline_errors.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from twin.streams import jsonable, open_run, staged_folder, write_json
from twin.studies.demand_response.baselines import (
    ADJUSTMENT_CAP,
    BASELINES,
    CONTROL_NEIGHBOURS,
    LOOKBACK_DAYS,
    MATCH_DAYS,
    REGRESSION_DAYS,
)
from twin.studies.demand_response.calendar import make_calendar
from twin.studies.demand_response.comfort import comfort_summary, comfort_table
from twin.studies.demand_response.data import (
    NO_AREA,
    DrTables,
    DrTruth,
    load_dr_tables,
    load_dr_truth,
)
from twin.studies.demand_response.events import REBOUND_H, SHIFT_H, EventResult, analyse_event
from twin.studies.demand_response.figures import plot_baseline_errors, plot_event
from twin.studies.demand_response.headline import headline_figures
from twin.studies.demand_response.scoring import error_summary

__all__ = [
    "MAX_EVENT_FIGURES",
    "STUDY_NAME",
    "DrSummary",
    "demand_response_figures",
    "dr_summary",
    "run_demand_response_study",
]

STUDY_NAME: Final = "demand-response"
"""The study's name and its folder under ``RUN_DIR/studies/``."""

MAX_EVENT_FIGURES: Final = 12
"""Events drawn one figure each (the first by start); every event is in ``loads.parquet``."""

_ERROR_COLUMNS: Final = (
    "event", "area", "baseline", "estimated_kw", "delivered_kw", "error_kw", "ape_percent",
    "days_used", "fallback",
)  # fmt: skip


@dataclass(frozen=True)
class DrSummary:
    """What the study computes.

    Attributes
    ----------
    events, errors, transformers, loads : pandas.DataFrame
        The study's tables (see the module).
    comfort : pandas.DataFrame or None
        Per event and thermal quantity, the homes' largest temperature drops against
        the counterfactual and the comfort violations (None: not kept by the run).
    metrics : dict
        The content of ``metrics.json`` (without ``outputs``).
    """

    events: pd.DataFrame
    errors: pd.DataFrame
    transformers: pd.DataFrame
    loads: pd.DataFrame
    metrics: dict[str, Any]
    comfort: pd.DataFrame | None = None


def _share(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _dispatch(dispatch: pd.DataFrame) -> dict[str, Any]:
    delivered = dispatch["delivered"].notna()
    latency = (dispatch["delivered"] - dispatch["sent"]).dt.total_seconds()
    return {
        "signals": len(dispatch),
        "delivered_share": _share(delivered),
        "acted_share": _share(dispatch["acted"].notna()),
        "opted_out_share": _share(dispatch["opted_out"].fillna(False).astype(bool)),
        "lost": int((~delivered).sum()),
        "median_latency_s": float(latency.median()) if delivered.any() else None,
        "p90_latency_s": float(latency.quantile(0.9)) if delivered.any() else None,
    }


def _mean(values: pd.Series) -> float | None:
    x = pd.to_numeric(values, errors="coerce").dropna()
    return float(x.mean()) if len(x) else None


def _max(values: pd.Series) -> float | None:
    x = pd.to_numeric(values, errors="coerce").dropna()
    return float(x.max()) if len(x) else None


def dr_summary(tables: DrTables, truth: DrTruth, *, run: str = "") -> DrSummary:
    """Estimate and score every event of a run (see the module).

    Parameters
    ----------
    tables : DrTables
        What the utility holds.
    truth : DrTruth
        The ground truth, for scoring only.
    run : str
        The run's path, for metrics.json.

    Returns
    -------
    DrSummary
    """
    calendar = make_calendar(tables.clock, tables.holidays, tables.events)
    comfort = comfort_table(tables, truth)
    results: list[EventResult] = [
        analyse_event(tables, truth, calendar, event) for _, event in tables.events.iterrows()
    ]
    events = pd.DataFrame.from_records([r.row for r in results])
    info = {r.row["event"]: r.row.pop("baseline_info", None) for r in results}
    events = events.drop(columns=["baseline_info"], errors="ignore")
    errors = pd.DataFrame.from_records(
        [e for r in results for e in r.errors], columns=list(_ERROR_COLUMNS)
    )
    transformers = pd.DataFrame.from_records([t for r in results for t in r.transformers])
    loads = [r.loads for r in results if not r.loads.empty]
    load_frame = pd.concat(loads, ignore_index=True) if loads else pd.DataFrame()
    notes = [n for r in results for n in r.notes]
    summary = error_summary(errors)
    delivered = events["delivered_kw"] if "delivered_kw" in events else pd.Series(dtype=float)
    reduced = float(events["reduced_kwh"].sum()) if "reduced_kwh" in events else 0.0
    after = float(events["extra_after_kwh"].sum()) if "extra_after_kwh" in events else 0.0
    before = float(events["extra_before_kwh"].sum()) if "extra_before_kwh" in events else 0.0
    priced = events[events["price_per_kwh"].notna()] if len(events) else events
    peak_rows = transformers if len(transformers) else pd.DataFrame(columns=["peak_reduction_kw"])
    metrics: dict[str, Any] = {
        "study": STUDY_NAME,
        "run": run,
        "period": {
            "start": tables.clock.start.isoformat(),
            "end": tables.clock.end.isoformat(),
            "timezone": tables.clock.timezone,
        },
        "programmes": sorted(set(tables.events["programme"].astype(str))),
        "events": {
            "count": len(tables.events),
            "scored": int(delivered.notna().sum()),
            "by_programme": {
                str(k): int(v) for k, v in tables.events.groupby("programme").size().items()
            },
            "by_kind": {str(k): int(v) for k, v in tables.events.groupby("kind").size().items()},
            "baseline_info": info,
        },
        "delivered": {
            "kw_mean": _mean(delivered),
            "kw_max": _max(delivered),
            "kwh": float(events["delivered_kwh"].sum()) if "delivered_kwh" in events else 0.0,
            "acting_premises_mean": _mean(events.get("acting_premises", pd.Series(dtype=float))),
        },
        "baselines": summary,
        "baseline_labels": dict(BASELINES),
        "regression_regressors": (
            "hour of day, hour on non-workdays, outdoor temperature from "
            f"{tables.temperature_source}"
            if tables.temperature_source
            else "hour of day and hour on non-workdays only (the run names no weather)"
        ),
        "peak": {
            "transformer_events": len(transformers),
            "reduction_kw_mean": _mean(peak_rows["peak_reduction_kw"]),
            "reduction_kw_max": _max(peak_rows["peak_reduction_kw"]),
            "rebound_peak_kw_max": _max(peak_rows.get("rebound_peak_kw", pd.Series(dtype=float))),
            "rebound_new_peaks": int(
                peak_rows.get("rebound_new_peak", pd.Series(dtype=bool)).sum()
            ),
        },
        "energy": {
            "reduced_kwh": reduced,
            "extra_after_kwh": after,
            "extra_before_kwh": before,
            "net_saved_kwh": reduced - after - before,
            "shifted_share": (after + before) / reduced if abs(reduced) > 1e-9 else None,
        },
        "comfort": (
            {
                "measured": False,
                "note": "the run's truth/dr_counterfactual keeps no indoor or tank temperatures",
            }
            if comfort is None
            else comfort_summary(comfort)
        ),
        "dispatch": _dispatch(tables.dispatch),
        "money": {
            "price_events": len(priced),
            "customer_savings": (float(priced["customer_savings"].sum()) if len(priced) else None),
        },
        "method": _method(),
        "notes": notes + _notes(tables, events),
    }
    metrics["headline"] = headline_figures(metrics)
    return DrSummary(events, errors, transformers, load_frame, metrics, comfort)


def demand_response_figures(run_dir: str | Path) -> dict[str, float]:
    """The study's headline figures on a run, computed without writing anything.

    For a report section; the same numbers as the sweep table's
    ``demand_response_...`` columns.
    """
    run = open_run(run_dir)
    return headline_figures(dr_summary(load_dr_tables(run), load_dr_truth(run)).metrics)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def run_demand_response_study(run_dir: str | Path) -> dict[str, Any]:
    """Study a run's demand-response events (see the module); writes ``studies/demand-response/``.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run of a scenario with a ``demand_response:`` section.

    Returns
    -------
    dict
        The content of ``metrics.json``.

    Raises
    ------
    TwinError
        Not a finished run, or a demand-response table missing.
    """
    run = open_run(run_dir)
    tables = load_dr_tables(run)
    summary = dr_summary(tables, load_dr_truth(run), run=str(run.path))
    metrics = summary.metrics
    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        summary.events.to_parquet(staging / "events.parquet", index=False)
        summary.errors.to_parquet(staging / "errors.parquet", index=False)
        summary.transformers.to_parquet(staging / "transformers.parquet", index=False)
        summary.loads.to_parquet(staging / "loads.parquet", index=False)
        if summary.comfort is not None:
            summary.comfort.to_parquet(staging / "comfort.parquet", index=False)
        figures = [plot_baseline_errors(metrics["baselines"], staging / "baseline_errors.png")]
        keys = list(dict.fromkeys(summary.loads["event"])) if len(summary.loads) else []
        for key in keys[:MAX_EVENT_FIGURES]:
            part = summary.loads[summary.loads["event"] == key]
            figures.append(
                plot_event(
                    part,
                    staging / f"event_{_safe(key)}.png",
                    title=f"Event {key}: enrolled population",
                    timezone=tables.clock.timezone,
                )
            )
        metrics["outputs"] = {
            "events": "events.parquet",
            "errors": "errors.parquet",
            "transformers": "transformers.parquet",
            "loads": "loads.parquet",
            "figures": figures,
        }
        write_json(staging / "metrics.json", metrics)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _method() -> dict[str, str]:
    """How the study counts (the ``method`` block of metrics.json)."""
    return {
        "population": "every premise signalled for an event (external/dr_dispatch), acted or not",
        "delivered": "truth: mean over the event's intervals of the population's p_kw - "
        "p_kw_actual (truth/dr_counterfactual); per area by truth/premise's transformer",
        "estimated": "baseline - metered load (internal/meter_interval import - export), mean "
        "over the event's intervals, per transformer area (internal/meter_point) and summed",
        "caiso_10_of_10": f"mean of the 10 most recent eligible weekdays (no holiday, no event "
        f"day) within {LOOKBACK_DAYS} days (4 of 4 weekend days for a weekend event), times the "
        f"actual/baseline ratio 4 h to 1 h before the event capped at +-{ADJUSTMENT_CAP:.0%}",
        "pjm_high_4_of_5": "the 4 of the 5 most recent eligible weekdays with the highest load "
        "over the event (2 of 3 on weekends), plus the mean actual - baseline 4 h to 1 h before",
        "control_group": f"each premise's own profile of the non-event days of the {MATCH_DAYS} "
        f"days before plus the mean change from their own profile of its {CONTROL_NEIGHBOURS} "
        "nearest non-enrolled households (hourly profile distance)",
        "regression": f"least squares per area on the non-event days of the {REGRESSION_DAYS} "
        "days before: hour of day, hour on non-workdays (and outdoor temperature, heating and "
        "cooling degrees where the run names its weather)",
        "errors": "estimated - delivered per event (area all) and per event area: bias (mean), "
        "MAPE (mean |error| / |delivered|, rows with delivered 0 left out), RMSE",
        "peak": "at each transformer of the population: counterfactual = measured "
        "internal/transformer_interval p_kw + the enrolled premises' p_kw - p_kw_actual; peak "
        f"reduction = counterfactual peak - measured peak in the event; rebound = measured "
        f"peak - counterfactual peak in the {REBOUND_H:g} h after",
        "energy": f"the population's reduction in the event and its extra draw in the "
        f"{SHIFT_H:g} h before and after; shifted_share = extra / reduced",
        "savings": "price_per_kwh x delivered energy, price events only",
        "dispatch": "over every signal: delivered, acted and opted-out shares, latency = "
        "delivered - sent",
    }


def _notes(tables: DrTables, events: pd.DataFrame) -> list[str]:
    notes: list[str] = []
    if tables.events.empty:
        notes.append("the run called no demand-response event: nothing to estimate or score")
    if tables.temperature_c is None:
        notes.append(
            "the run does not name its weather (pv.weather): the regression baseline uses hour "
            "of day and day type only"
        )
    if len(events) and "acting_premises" in events and (events["acting_premises"] == 0).any():
        quiet = events.loc[events["acting_premises"] == 0, "event"].tolist()
        notes.append(
            f"nobody acted in event(s) {quiet}: their delivered reduction is 0 and "
            "their percentage errors are left out of the MAPE"
        )
    if tables.holidays.size == 0:
        notes.append("the run names no holiday calendar: eligible days are Monday to Friday")
    if (tables.dispatch["transformer_id"] == NO_AREA).any():
        notes.append("some signalled meters are not in internal/meter_point: left out of areas")
    return notes
