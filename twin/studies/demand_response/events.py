"""One demand-response event: what the utility estimates it delivered, and what it delivered.

For each event (:func:`analyse_event`):

- the *population* is every premise signalled for it (``external/dr_dispatch``),
  whether or not the signal arrived or was acted on: the utility settles the
  enrolled population, not the premises it hopes responded;
- a *resource* is the population of one transformer area
  (``internal/meter_point``), the aggregation the baselines estimate
  (:mod:`~twin.studies.demand_response.baselines`); the estimated reduction
  of a baseline is its mean over the event's intervals of baseline minus the
  metered load (``internal/meter_interval``, import - export);
- the *delivered* reduction (truth) is the mean over the event's intervals
  of the population's ``p_kw - p_kw_actual`` (``truth/dr_counterfactual``):
  a premise that did not act has the two equal, so this is the sum over the
  acting premises; per area by ``truth/premise``'s transformer;
- at each of the population's transformers, the counterfactual load is the
  measured ``internal/transformer_interval`` load plus the counterfactual
  difference of every enrolled premise under it: the event's peak reduction
  (counterfactual peak minus actual peak over the event), the rebound (the
  highest load in the :data:`REBOUND_H` hours after the event against the
  counterfactual's highest there) and the energy shifted (reduced in the
  event, drawn extra in the 24 h after and before it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.studies.demand_response.baselines import (
    ADJUSTMENT_WINDOW_H,
    BASELINES,
    LOOKBACK_DAYS,
    MATCH_DAYS,
    REGRESSION_DAYS,
    EventWindow,
    control_group_baseline,
    regression_baseline,
    x_of_y_baseline,
)
from twin.studies.demand_response.calendar import Calendar
from twin.studies.demand_response.data import (
    HOUSEHOLD,
    DrTables,
    DrTruth,
    MeterLoad,
    read_meter_load,
    read_transformer_load,
)

__all__ = ["AROUND_H", "REBOUND_H", "EventResult", "analyse_event", "event_intervals"]

AROUND_H: Final = 6.0
"""Hours before the start and after the end of an event that its figure and load table show."""

REBOUND_H: Final = 6.0
"""Hours after an event in which its rebound peak is sought [h] (an assumption)."""

SHIFT_H: Final = 24.0
"""Hours before and after an event over which the energy it shifted is counted [h]
(the span ``truth/dr_counterfactual`` covers)."""

ALL: Final = "all"
"""The area label of an event's whole population."""


@dataclass
class EventResult:
    """What :func:`analyse_event` finds for one event.

    Attributes
    ----------
    row : dict
        The event's line of ``events.parquet``.
    errors : list of dict
        Its rows of ``errors.parquet``: per area (and ``all``) and baseline.
    transformers : list of dict
        Its rows of ``transformers.parquet``.
    loads : pandas.DataFrame
        The population's load around the event: actual, counterfactual, each baseline [kW].
    notes : list of str
        What could not be done as the standard says.
    """

    row: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    transformers: list[dict[str, Any]] = field(default_factory=list)
    loads: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def event_intervals(tables: DrTables, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
    """Run interval indices ``first``, ``stop`` of the intervals within ``[start, end)``
    (partly covered intervals at either end included)."""
    clock = tables.clock
    step = clock.interval_s
    first = math.floor((start - clock.start).total_seconds() / step)
    stop = math.ceil((end - clock.start).total_seconds() / step)
    return max(0, first), min(clock.n_intervals, stop)


def _window(tables: DrTables, calendar: Calendar, first: int, stop: int) -> EventWindow:
    per_h = 3600.0 / tables.clock.interval_s
    before = max(AROUND_H, ADJUSTMENT_WINDOW_H[0])
    low = max(0, first - round(before * per_h))
    high = min(tables.clock.n_intervals, stop + round(AROUND_H * per_h))
    target = np.arange(low, high, dtype=np.int64)
    event = (target >= first) & (target < stop)
    a0 = first - round(ADJUSTMENT_WINDOW_H[0] * per_h)
    a1 = first - round(ADJUSTMENT_WINDOW_H[1] * per_h)
    adjust = (target >= a0) & (target < a1)
    return EventWindow(target=target, event=event, adjust=adjust, day=int(calendar.day[first]))


def _by_area(kw: NDArray[np.float64], areas: NDArray[Any]) -> tuple[list[Any], NDArray[np.float64]]:
    """Sum premise rows into their areas (a missing reading counts as 0, NaN if all missing)."""
    labels = list(dict.fromkeys(areas.tolist()))
    index = {a: i for i, a in enumerate(labels)}
    rows = np.array([index[a] for a in areas.tolist()], dtype=np.int64)
    total = np.zeros((len(labels), kw.shape[1]))
    seen = np.zeros_like(total)
    np.add.at(total, rows, np.nan_to_num(kw))
    np.add.at(seen, rows, np.isfinite(kw))
    return labels, np.where(seen > 0, total, np.nan)


def _area_load(load: MeterLoad, areas: NDArray[Any]) -> tuple[list[Any], MeterLoad]:
    labels, kw = _by_area(load.kw, areas)
    return labels, MeterLoad([str(a) for a in labels], load.first, kw)


def _mean_event(values: NDArray[np.float64], event: NDArray[np.bool_]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore"):
        out: NDArray[np.float64] = np.nanmean(np.where(event, values, np.nan), axis=-1)
    return out


def _baselines(
    tables: DrTables,
    calendar: Calendar,
    window: EventWindow,
    population: pd.DataFrame,
) -> tuple[list[Any], dict[str, NDArray[np.float64]], dict[str, Any], NDArray[np.float64]]:
    """Each baseline per area over the window, what each used, and the areas' actual load."""
    per_day = calendar.slots_per_day
    meters = population["meter_id"].tolist()
    areas = population["transformer_id"].to_numpy(dtype=object)
    first = int(window.target[0]) - (max(LOOKBACK_DAYS, REGRESSION_DAYS) + 1) * per_day
    stop = int(window.target[-1]) + 1
    premise_load = read_meter_load(tables, meters, first, stop)
    labels, area_load = _area_load(premise_load, areas)
    actual = area_load.columns(window.target)
    out: dict[str, NDArray[np.float64]] = {}
    info: dict[str, Any] = {}
    out["caiso_10_of_10"], info["caiso_10_of_10"] = x_of_y_baseline(
        area_load, calendar, window, x=10, y=10, weekend=(4, 4), adjustment="multiplicative"
    )
    out["pjm_high_4_of_5"], info["pjm_high_4_of_5"] = x_of_y_baseline(
        area_load, calendar, window, x=4, y=5, high=True, weekend=(2, 3), adjustment="additive"
    )
    points = tables.points
    pool = points[
        (points["customer_kind"].astype(str) == HOUSEHOLD)
        & ~points["meter_id"].isin(tables.enrolled_meters)
    ]["meter_id"].tolist()
    controls = read_meter_load(
        tables, pool, int(window.target[0]) - (MATCH_DAYS + 1) * per_day, stop
    )
    per_premise, info["control_group"] = control_group_baseline(
        premise_load, controls, calendar, window
    )
    _, out["control_group"] = _by_area(per_premise, areas)
    out["regression"], info["regression"] = regression_baseline(
        area_load, calendar, window, tables.temperature_c
    )
    return labels, out, info, actual


def _truth(
    truth: DrTruth, tables: DrTables, population: pd.DataFrame, first: int, stop: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counterfactual rows of the whole enrolled fleet from 24 h before the event to 24 h
    after (interval index ``i``, ``diff_kw``) and those of the event's population."""
    clock = tables.clock
    span = round(SHIFT_H * 3600 / clock.interval_s)
    step = pd.Timedelta(seconds=clock.interval_s)
    low, high = clock.start + step * (first - span), clock.start + step * (stop + span)
    rows = truth.counterfactual(low, high)
    rows = rows.assign(
        i=clock.interval_index(rows["interval_end"]),
        diff_kw=rows["p_kw"] - rows["p_kw_actual"],
        transformer_id=rows["premise_id"].map(truth.premise_transformer),
    )
    mine = rows[rows["premise_id"].isin(set(population["premise_id"].astype(str)))]
    return rows, mine


def _transformer_rows(
    tables: DrTables, rows: pd.DataFrame, transformers: list[Any], first: int, stop: int
) -> list[dict[str, Any]]:
    """Peak, rebound and energy at each transformer (see the module)."""
    clock = tables.clock
    per_h = 3600.0 / clock.interval_s
    rebound_stop = stop + round(REBOUND_H * per_h)
    span = round(SHIFT_H * per_h)
    measured = read_transformer_load(tables, first - span, stop + span)
    diff = rows.groupby(["transformer_id", "i"])["diff_kw"].sum()
    out = []
    h = clock.interval_s / 3600.0
    for transformer in transformers:
        mine = measured[measured["transformer_id"] == transformer].set_index("i")["p_kw"]
        if mine.empty:
            continue
        delta = (
            diff.xs(transformer, level=0)
            if transformer in diff.index.get_level_values(0)
            else pd.Series(dtype=float)
        )
        actual = mine.sort_index()
        counter = actual + delta.reindex(actual.index).fillna(0.0)
        during = actual.index[(actual.index >= first) & (actual.index < stop)]
        after = actual.index[(actual.index >= stop) & (actual.index < rebound_stop)]
        before_all = actual.index[actual.index < first]
        after_all = actual.index[actual.index >= stop]
        row: dict[str, Any] = {"transformer_id": transformer}
        row["actual_peak_kw"] = _max(actual[during])
        row["counterfactual_peak_kw"] = _max(counter[during])
        row["peak_reduction_kw"] = _sub(row["counterfactual_peak_kw"], row["actual_peak_kw"])
        row["post_peak_kw"] = _max(actual[after])
        row["post_counterfactual_peak_kw"] = _max(counter[after])
        row["rebound_peak_kw"] = _sub(row["post_peak_kw"], row["post_counterfactual_peak_kw"])
        row["rebound_new_peak"] = bool(
            row["post_peak_kw"] is not None
            and row["counterfactual_peak_kw"] is not None
            and row["post_peak_kw"] > max(row["counterfactual_peak_kw"], row["actual_peak_kw"])
        )
        row["reduced_kwh"] = float((counter[during] - actual[during]).sum() * h)
        row["extra_after_kwh"] = float((actual[after_all] - counter[after_all]).sum() * h)
        row["extra_before_kwh"] = float((actual[before_all] - counter[before_all]).sum() * h)
        out.append(row)
    return out


def _max(values: pd.Series) -> float | None:
    return float(values.max()) if len(values) and values.notna().any() else None


def _sub(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _dispatch_row(population: pd.DataFrame) -> dict[str, Any]:
    signals = len(population)
    latency = (population["delivered"] - population["sent"]).dt.total_seconds()
    delivered = population["delivered"].notna()
    acted = population["acted"].notna()
    opted = population["opted_out"].fillna(False).astype(bool)
    return {
        "signals": signals,
        "delivered_share": float(delivered.mean()) if signals else None,
        "acted_share": float(acted.mean()) if signals else None,
        "opted_out_share": float(opted.mean()) if signals else None,
        "median_latency_s": float(latency.median()) if delivered.any() else None,
    }


def analyse_event(
    tables: DrTables, truth: DrTruth, calendar: Calendar, event: pd.Series
) -> EventResult:
    """Estimate and score one event (see the module).

    Parameters
    ----------
    tables : DrTables
        What the utility holds.
    truth : DrTruth
        The ground truth, for scoring only.
    calendar : Calendar
        The run's calendar.
    event : pandas.Series
        A row of ``tables.events``.

    Returns
    -------
    EventResult
    """
    key = str(event["event"])
    start, end = pd.Timestamp(event["start"]), pd.Timestamp(event["end"])
    first, stop = event_intervals(tables, start, end)
    h = tables.clock.interval_s / 3600.0
    population = tables.dispatch[tables.dispatch["event"] == key].drop_duplicates("premise_id")
    population = population.assign(premise_id=population["premise_id"].astype(str))
    row: dict[str, Any] = {
        "event": key,
        "event_id": str(event["event_id"]),
        "programme": str(event["programme"]),
        "kind": str(event["kind"]),
        "area": str(event["area"]),
        "start": start,
        "end": end,
        "duration_h": (end - start).total_seconds() / 3600.0,
        "price_per_kwh": None if pd.isna(event["price_per_kwh"]) else float(event["price_per_kwh"]),
        "premises": len(population),
        **_dispatch_row(population),
    }
    result = EventResult(row)
    if stop <= first:
        result.notes.append(f"event {key} lies outside the run: not scored")
        return result
    window = _window(tables, calendar, first, stop)
    rows, mine = _truth(truth, tables, population, first, stop)
    during = mine[(mine["i"] >= first) & (mine["i"] < stop)]
    n_event = stop - first
    delivered_area = during.groupby("transformer_id")["diff_kw"].sum() / n_event
    delivered = float(during["diff_kw"].sum() / n_event)
    row["delivered_kw"] = delivered
    row["delivered_kwh"] = delivered * n_event * h
    before = mine[mine["i"] < first]
    after = mine[mine["i"] >= stop]
    row["reduced_kwh"] = float(during["diff_kw"].sum() * h)
    row["extra_before_kwh"] = float(-before["diff_kw"].sum() * h)
    row["extra_after_kwh"] = float(-after["diff_kw"].sum() * h)
    row["acting_premises"] = int(during.loc[during["diff_kw"].abs() > 1e-9, "premise_id"].nunique())
    row["customer_savings"] = (
        None if row["price_per_kwh"] is None else row["price_per_kwh"] * row["delivered_kwh"]
    )
    if population.empty:
        result.notes.append(f"event {key}: no premise was signalled; nothing to estimate")
        return result
    labels, estimates, info, actual = _baselines(tables, calendar, window, population)
    for name in BASELINES:
        estimated_area = _mean_event(estimates[name] - actual, window.event)
        estimated = (
            float(np.nansum(estimated_area)) if np.isfinite(estimated_area).any() else math.nan
        )
        row[f"{name}_kw"] = estimated
        used = info[name]
        for area, est in [(ALL, estimated), *zip(labels, estimated_area.tolist(), strict=True)]:
            true = delivered if area == ALL else float(delivered_area.get(area, 0.0))
            result.errors.append(_error_row(key, area, name, est, true, used))
    x_info = info["caiso_10_of_10"]
    row["caiso_10_of_10_days"] = x_info["days_used"]
    row["caiso_10_of_10_fallback"] = bool(x_info["fallback"])
    if x_info["fallback"]:
        result.notes.append(
            f"event {key}: only {x_info['days_used']} eligible days of the "
            f"{x_info['days_wanted']} the 10-in-10 wants in the {LOOKBACK_DAYS} days before it; "
            "its baseline averages those"
            if x_info["days_used"]
            else f"event {key}: no eligible day before it; the X-of-Y baselines are empty"
        )
    if info["control_group"]["neighbours"] == 0:
        result.notes.append(f"event {key}: no non-enrolled household to match; no control group")
    row["regression_temperature"] = bool(info["regression"]["temperature"])
    row["baseline_info"] = info
    transformers = sorted(
        {t for t in rows["transformer_id"].dropna().unique()}
        & set(mine["transformer_id"].dropna().unique())
        | set(population["transformer_id"].dropna().unique())
    )
    result.transformers = [
        {"event": key, **r} for r in _transformer_rows(tables, rows, transformers, first, stop)
    ]
    result.loads = _loads(tables, window, key, actual, estimates, mine)
    return result


def _error_row(
    key: str, area: Any, name: str, estimated: float, delivered: float, used: dict[str, Any]
) -> dict[str, Any]:
    error = estimated - delivered
    ape = abs(error) / abs(delivered) * 100.0 if abs(delivered) > 1e-9 else math.nan
    return {
        "event": key,
        "area": str(area),
        "baseline": name,
        "estimated_kw": estimated,
        "delivered_kw": delivered,
        "error_kw": error,
        "ape_percent": ape,
        "days_used": used.get("days_used"),
        "fallback": bool(used.get("fallback", False)),
    }


def _loads(
    tables: DrTables,
    window: EventWindow,
    key: str,
    actual: NDArray[np.float64],
    estimates: dict[str, NDArray[np.float64]],
    mine: pd.DataFrame,
) -> pd.DataFrame:
    """The population's load around the event: metered, counterfactual (truth), baselines."""
    clock = tables.clock
    ends = clock.interval_ends[window.target]
    truth = mine.groupby("i")[["p_kw", "p_kw_actual"]].sum().reindex(window.target)
    frame = pd.DataFrame(
        {
            "event": key,
            "interval_end": ends,
            "in_event": window.event,
            "metered_kw": _total(actual),
            "actual_kw": truth["p_kw_actual"].to_numpy(),
            "counterfactual_kw": truth["p_kw"].to_numpy(),
        }
    )
    for name, values in estimates.items():
        frame[f"{name}_kw"] = _total(values)
    return frame


def _total(values: NDArray[np.float64]) -> NDArray[np.float64]:
    seen = np.isfinite(values).any(axis=0)
    return np.where(seen, np.nansum(values, axis=0), np.nan)
