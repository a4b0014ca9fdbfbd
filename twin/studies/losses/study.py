"""``twin study losses RUN_DIR``: transformer-area line losses and theft suspects.

Detection reads only ``internal/`` (an :class:`~twin.studies.inputs.InternalData`):
``area_meter_interval`` (required), ``meter_interval``, ``meter_point``, and
``network_bus``/``network_branch`` for the technical estimate. ``truth/theft``
and ``truth/area_power_flow`` are read afterwards, only to score.

Outputs in ``RUN_DIR/studies/losses/`` (written atomically): ``metrics.json``,
``area_daily.parquet`` (one row per area and local day), ``suspects.parquet``
(the candidate meters of the flagged areas, ranked by the method and the
regression and the baseline), ``loss_rate_days.png``, ``technical_split.png`` and, where the run
has its truth, ``precision_at_k.png``.

References
----------
.. [1] State Grid transformer-area line-loss KPI, qualified band 0-10 %, LV
   typical 3-6 % (DOMAIN.md, "Losses and theft").
.. [2] W. Han, Y. Xiao, "NFD: A practical scheme to detect non-technical loss
   fraud in smart grid", Proc. IEEE ICC 2014, pp. 605-609.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.streams import RunClock, RunDirectory, jsonable, open_run, staged_folder, write_json
from twin.studies.inputs import InternalData, TruthData
from twin.studies.losses.balance import AreaBalance
from twin.studies.losses.daily import area_day_records, finish_area_daily
from twin.studies.losses.days import LocalDay, group_days, local_days
from twin.studies.losses.evidence import AreaDays
from twin.studies.losses.feeders import build_feeders
from twin.studies.losses.figures import (
    plot_loss_rate_days,
    plot_precision_at_k,
    plot_technical_split,
)
from twin.studies.losses.flags import area_summary, flag_areas
from twin.studies.losses.metrics import (
    day_counts,
    method_block,
    overall_rates,
    robustness_table,
    score_block,
)
from twin.studies.losses.ranking import RankingInputs, rank_suspects
from twin.studies.losses.readings import (
    AREA_TABLE,
    METER_TABLE,
    POINT_TABLE,
    assessed_areas,
    read_meter_register,
    read_window,
)
from twin.studies.losses.scoring import (
    metered_thieves,
    precision_curve,
    read_theft,
    technical_check,
)
from twin.studies.losses.series import AreaSeries, MeterTotals, block_length
from twin.studies.losses.settings import DEFAULT_SETTINGS, LossSettings

__all__ = ["STUDY_NAME", "run_losses_study"]

STUDY_NAME: Final = "losses"
TOP_SUSPECTS: Final = 10
"""Suspects listed in metrics.json (all are in suspects.parquet)."""


def _require(run: RunDirectory) -> None:
    """Raise a :class:`TwinError` naming what the run lacks, area meters first."""
    if not run.has(AREA_TABLE):
        raise TwinError(
            f"run {str(run.path)!r} has no {AREA_TABLE}; the losses study needs area check "
            "meters (customers are metered by default, the check meter at the LV side of "
            "each distribution transformer is what the line loss is measured against); "
            f"the run has {run.tables}"
        )
    run.require([METER_TABLE, POINT_TABLE], purpose="the losses study")


@dataclass
class _FirstPass:
    """What the pass over every local day keeps."""

    records: pd.DataFrame
    series: AreaSeries
    totals: MeterTotals


def _first_pass(
    internal: InternalData,
    days: list[LocalDay],
    balance: AreaBalance,
    area_ids: np.ndarray,
    meter_ids: pd.Index,
    settings: LossSettings,
) -> _FirstPass:
    """Balance every area on every local day; keep the series the ranking needs."""
    clock = internal.clock
    series = AreaSeries.empty(len(area_ids), clock.n_intervals)
    totals = MeterTotals.empty(len(meter_ids))
    areas = pd.Index(area_ids)
    parts = []
    for group in group_days(days, len(meter_ids)):
        start, stop = group[0].first, group[-1].stop
        all_meters = read_window(internal, METER_TABLE, "meter_id", meter_ids, clock, start, stop)
        all_areas = read_window(internal, AREA_TABLE, "transformer_id", areas, clock, start, stop)
        for day in group:
            meters = all_meters.part(day.first - start, day.stop - start)
            area = all_areas.part(day.first - start, day.stop - start)
            window = balance.window(meters, area)
            series.store(day.first, window, with_transformer=settings.include_transformer_losses)
            totals.add(meters, day.first, clock.n_intervals)
            parts.append(
                area_day_records(
                    window, area_ids, balance.meters_per_area, day=day.day, full_day=day.full
                )
            )
    return _FirstPass(pd.concat(parts, ignore_index=True), series, totals)


@dataclass
class _Detection:
    """What the study finds from ``internal/`` alone."""

    days: list[LocalDay]
    daily: pd.DataFrame
    flagged: pd.Series
    ranked: pd.DataFrame
    fits: list[dict[str, Any]]
    notes: list[str]

    @property
    def flagged_ids(self) -> list[int]:
        """``transformer_id`` of the flagged areas."""
        return [int(t) for t in self.flagged.index[self.flagged.to_numpy()]]

    @property
    def suspects(self) -> pd.DataFrame:
        """The ranked candidates of the flagged areas (``suspects.parquet``)."""
        chosen = self.ranked["transformer_id"].isin(self.flagged_ids)
        return self.ranked[chosen].reset_index(drop=True)


def _network(internal: InternalData) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """``internal/network_bus`` (one row per bus) and ``network_branch``, where present."""
    buses = branches = None
    if internal.has("internal/network_bus"):
        buses = internal.table("internal/network_bus").drop_duplicates("bus_id")
    if internal.has("internal/network_branch"):
        branches = internal.table("internal/network_branch")
    return buses, branches


def _detect(internal: InternalData, where: str, settings: LossSettings) -> _Detection:
    """Balance, flag and rank from the internal tables only."""
    clock = internal.clock
    area_ids = assessed_areas(internal)
    if not len(area_ids) or clock.n_intervals <= 0:
        raise TwinError(
            f"table {AREA_TABLE} of run {where!r} has no reading of an LV area "
            "(transformer_id >= 0) or the run has no interval; expected one row per area "
            "and interval"
        )
    register = read_meter_register(internal, area_ids)
    feeders = build_feeders(area_ids, *_network(internal), settings)
    days = local_days(clock)
    balance = AreaBalance(register, feeders, clock.interval_s)
    first = _first_pass(internal, days, balance, area_ids, register.meter_ids, settings)
    daily = finish_area_daily(first.records, settings)
    flagged = flag_areas(
        daily,
        non_technical_share=settings.non_technical_share,
        rate_high=settings.qualified_band[1],
        day_share=settings.flag_day_share,
    )
    inputs = RankingInputs(
        internal,
        clock,
        register,
        first.totals,
        first.series,
        days,
        [(g[0].first, g[-1].stop) for g in group_days(days, len(register))],
        block_length(clock.n_intervals, settings.regression_max_rows),
        _abnormal_mask(daily, area_ids, days, clock.n_intervals),
        _area_days(daily, area_ids, days),
    )
    to_rank = _indices(area_ids, _areas_to_rank(daily, settings, flagged))
    ranked, fits = rank_suspects(inputs, to_rank, area_ids)
    return _Detection(days, daily, flagged, ranked, fits, [*register.notes, *feeders.notes])


def run_losses_study(
    run_dir: str | Path, *, settings: LossSettings = DEFAULT_SETTINGS
) -> dict[str, Any]:
    """Line loss per transformer area and day, technical estimate, abnormal areas, suspects.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run with ``internal/area_meter_interval``,
        ``internal/meter_interval`` and ``internal/meter_point``.
    settings : LossSettings
        Thresholds and assumptions (:data:`~twin.studies.losses.settings.DEFAULT_SETTINGS`).

    Returns
    -------
    dict
        The content of ``studies/losses/metrics.json``.

    Raises
    ------
    TwinError
        When ``run_dir`` is not a finished run, lacks a required table, or has
        no area meter reading.
    """
    run = open_run(run_dir)
    _require(run)
    internal = InternalData(run)
    found = _detect(internal, str(run.path), settings)
    suspects = found.suspects
    summary = area_summary(found.daily, found.flagged)
    metrics = _metrics(run, found.daily, summary, suspects, found.fits, settings, found.notes)
    # Scoring: the truth is read only from here on.
    truth = TruthData(run)
    theft = read_theft(truth)
    supply = found.daily.groupby("transformer_id")["supply_wh"].sum()
    check = technical_check(
        truth,
        found.daily,
        _day_of_interval(internal.clock, found.days),
        interval_s=internal.clock.interval_s,
    )
    metrics["technical_check"] = check or {"available": False, "note": "no truth/area_power_flow"}
    curves = _score(metrics, theft, found.flagged, suspects, supply, settings)
    metrics["robustness"] = robustness_table(found.daily, found.ranked, theft, supply, settings)
    _write(run, metrics, found.daily, suspects, summary, curves, settings)
    result: dict[str, Any] = jsonable(metrics)
    return result


def _abnormal_mask(
    daily: pd.DataFrame, area_ids: np.ndarray, days: list[LocalDay], n_intervals: int
) -> np.ndarray:
    """bool (areas x intervals): the interval lies on an abnormal day of its area."""
    mask = np.zeros((len(area_ids), n_intervals), dtype=bool)
    window = {d.day: (d.first, d.stop) for d in days}
    rows = daily[daily["abnormal"].astype(bool)]
    area = pd.Index(area_ids).get_indexer(pd.Index(rows["transformer_id"]))
    for a, day in zip(area, rows["day"], strict=True):
        first, stop = window[day]
        mask[a, first:stop] = True
    return mask


def _area_days(daily: pd.DataFrame, area_ids: np.ndarray, days: list[LocalDay]) -> AreaDays:
    """The complete and abnormal days of every area (rows in ``area_ids`` order)."""
    shape = (len(area_ids), len(days))
    complete, abnormal = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    area = pd.Index(area_ids).get_indexer(pd.Index(daily["transformer_id"]))
    day = pd.Index([d.day for d in days]).get_indexer(pd.Index(daily["day"]))
    known = (area >= 0) & (day >= 0)
    done = daily["complete"].astype(bool).to_numpy()
    complete[area[known], day[known]] = done[known]
    abnormal[area[known], day[known]] = (daily["abnormal"].astype(bool).to_numpy() & done)[known]
    return AreaDays(abnormal=abnormal, complete=complete)


def _indices(area_ids: np.ndarray, wanted: list[int]) -> list[int]:
    """Positions of ``wanted`` transformer ids in ``area_ids``."""
    return [int(i) for i in np.flatnonzero(np.isin(area_ids, wanted))]


def _areas_to_rank(daily: pd.DataFrame, settings: LossSettings, flagged: pd.Series) -> list[int]:
    """Areas flagged at the study's thresholds or at any of the robustness settings."""
    wanted = set(flagged.index[flagged.to_numpy()])
    for share in settings.robustness_non_technical:
        for days in settings.robustness_day_shares:
            other = flag_areas(
                daily,
                non_technical_share=share,
                rate_high=settings.qualified_band[1],
                day_share=days,
            )
            wanted |= set(other.index[other.to_numpy()])
    return sorted(int(t) for t in wanted)


def _metrics(
    run: RunDirectory,
    daily: pd.DataFrame,
    summary: pd.DataFrame,
    suspects: pd.DataFrame,
    fits: list[dict[str, Any]],
    settings: LossSettings,
    notes: list[str],
) -> dict[str, Any]:
    """metrics.json before scoring: headline first (the CLI prints it), then the blocks."""
    counts = day_counts(daily)
    flagged_ids = summary.loc[summary["flagged"], "transformer_id"].astype(int).tolist()
    top = suspects.sort_values(["score", "stolen_wh"], ascending=False).head(TOP_SUSPECTS)
    return {
        "study": STUDY_NAME,
        "run": str(run.path),
        **overall_rates(daily),
        "areas_assessed": len(summary),
        "flagged_area_count": len(flagged_ids),
        "incomplete_days": counts["incomplete"],
        "area_precision": None,
        "area_recall": None,
        "meter_precision_at_k": None,
        "meter_recall_at_k": None,
        "regression_precision_at_k": None,
        "regression_recall_at_k": None,
        "baseline_precision_at_k": None,
        "baseline_recall_at_k": None,
        "energy_recovered_wh": None,
        "regression_energy_recovered_wh": None,
        "baseline_energy_recovered_wh": None,
        "method": method_block(settings, run.clock.interval_s),
        "thresholds": settings.as_dict(),
        "days": counts,
        "flagged_areas": flagged_ids,
        "areas": summary.to_dict(orient="records"),
        "suspects": {
            "candidates": len(suspects),
            "fits": fits,
            "top": top[
                [
                    "transformer_id",
                    "meter_id",
                    "customer_class",
                    "score",
                    "evidence",
                    "stolen_wh",
                    "rank",
                ]
            ].to_dict(orient="records"),
        },
        "notes": notes,
    }


def _day_of_interval(clock: RunClock, days: list[LocalDay]) -> pd.Series:
    """Local day of every interval, indexed by its UTC interval end."""
    labels = np.empty(clock.n_intervals, dtype=object)
    for day in days:
        labels[day.first : day.stop] = day.day
    return pd.Series(labels, index=clock.interval_ends)


def _score(
    metrics: dict[str, Any],
    theft: pd.DataFrame | None,
    flagged: pd.Series,
    suspects: pd.DataFrame,
    supply: pd.Series,
    settings: LossSettings,
) -> dict[str, np.ndarray]:
    """Fill the scores of ``metrics`` from ``truth/theft``; return the precision-at-k curves."""
    if theft is None:
        metrics["scoring"] = {"available": False, "note": "the run has no truth/theft"}
        return {}
    scores = score_block(flagged, suspects, theft, supply, settings)
    metrics["scoring"] = scores
    k = scores["k_true"]
    at: dict[str, dict[str, Any]] = {
        ranking: next((row for row in scores[ranking]["at_k"] if row["k"] == k), {})
        for ranking in ("method", "regression", "baseline")
    }
    metrics.update(
        {
            "area_precision": scores["areas"]["precision"],
            "area_recall": scores["areas"]["recall"],
            "meter_precision_at_k": at["method"].get("precision"),
            "meter_recall_at_k": at["method"].get("recall"),
            "regression_precision_at_k": at["regression"].get("precision"),
            "regression_recall_at_k": at["regression"].get("recall"),
            "baseline_precision_at_k": at["baseline"].get("precision"),
            "baseline_recall_at_k": at["baseline"].get("recall"),
            "energy_recovered_wh": at["method"].get("energy_recovered_wh"),
            "regression_energy_recovered_wh": at["regression"].get("energy_recovered_wh"),
            "baseline_energy_recovered_wh": at["baseline"].get("energy_recovered_wh"),
        }
    )
    thieves = metered_thieves(theft)
    return {
        "method (peer evidence)": precision_curve(suspects, thieves, "method"),
        "loss regression": precision_curve(suspects, thieves, "regression"),
        "baseline (consumption drop)": precision_curve(suspects, thieves, "baseline"),
    }


def _write(
    run: RunDirectory,
    metrics: dict[str, Any],
    daily: pd.DataFrame,
    suspects: pd.DataFrame,
    summary: pd.DataFrame,
    curves: dict[str, np.ndarray],
    settings: LossSettings,
) -> None:
    """Write the study folder atomically: tables, figures, then metrics.json."""
    flagged = [int(t) for t in metrics["flagged_areas"]]
    with staged_folder(run.study_folder(STUDY_NAME)) as staging:
        daily.to_parquet(staging / "area_daily.parquet", index=False)
        suspects.to_parquet(staging / "suspects.parquet", index=False)
        figures = [
            plot_loss_rate_days(
                daily,
                staging / "loss_rate_days.png",
                band=settings.qualified_band,
                typical=settings.typical_lv_band,
                flagged=flagged,
            ),
            plot_technical_split(
                summary,
                staging / "technical_split.png",
                band=settings.qualified_band,
                threshold=settings.non_technical_share,
            ),
        ]
        if curves and len(suspects):
            k = int(metrics["scoring"]["k_true"])
            figures.append(plot_precision_at_k(curves, staging / "precision_at_k.png", k_true=k))
        metrics["outputs"] = {
            "area_daily": "area_daily.parquet",
            "suspects": "suspects.parquet",
            "figures": figures,
        }
        write_json(staging / "metrics.json", metrics)
