"""The suspects table: every candidate meter of the areas to rank, scored three ways.

For each area, the loss regression of :mod:`twin.studies.losses.suspects`
(with a loss term per time-of-day slot) on the blocks of its abnormal days
where the area meter and every candidate meter have a reading (all its
usable blocks when the abnormal days give too few rows). A theft that starts
or stops during the run is a loss that is there on some days only: fitted
over every day, a constant ``beta`` would be pulled towards zero by the days
without it. Then the evidence of :mod:`twin.studies.losses.evidence` (the
regression's ``beta``, the drop of use on the area's abnormal days and the
shape features, each against the meter's peers), whose largest z-score is
the study's ``score``; the regression's estimated stolen energy alone
(``stolen_wh``, ``regression_rank``); and the naive consumption-drop
baseline (``baseline_rank``). Ranks are within the area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.streams import RunClock
from twin.studies.inputs import InternalData
from twin.studies.losses.days import LocalDay
from twin.studies.losses.evidence import EVIDENCE, AreaDays, peer_groups, suspect_evidence
from twin.studies.losses.readings import MeterRegister
from twin.studies.losses.series import (
    AreaSeries,
    MeterTotals,
    block_slots,
    collect_consumption,
)
from twin.studies.losses.suspects import (
    LossFit,
    consumption_drop,
    fit_area_losses,
    rank_in_area,
)

__all__ = ["SUSPECT_COLUMNS", "RankingInputs", "rank_suspects"]

SUSPECT_COLUMNS = (
    "transformer_id",
    "meter_id",
    "score",
    "rank",
    "baseline_rank",
    "regression_rank",
    "premise_id",
    "customer_kind",
    "customer_class",
    "evidence",
    "reference",
    "peer_group",
    *(f"{name}_z" for name in EVIDENCE),
    "stolen_wh",
    "beta",
    "residual_corr",
    "metered_wh",
    "baseline_drop",
)
"""Columns of ``suspects.parquet`` (README, "Customers, area check meters, losses
and theft"): ``score`` = the largest evidence z-score [-], ``rank`` by it;
``stolen_wh`` = the regression's estimated stolen energy [Wh]."""


@dataclass(frozen=True)
class RankingInputs:
    """What the ranking needs from the first pass.

    Attributes
    ----------
    internal : InternalData
        The run's internal tables.
    clock : RunClock
        The interval grid.
    register : MeterRegister
        The meters and their areas.
    totals : MeterTotals
        Each meter's import over the run and per half.
    series : AreaSeries
        Each area's measured loss, technical estimate and usable intervals.
    days : sequence of LocalDay
        The run's local days, in order.
    windows : sequence of (first, stop)
        The windows of intervals read at once (whole local days, in order).
    block : int
        Intervals per regression row.
    abnormal : numpy.ndarray, shape (areas, intervals)
        bool: the interval lies on an abnormal day of its area.
    area_days : AreaDays
        The complete and abnormal days of every area (rows in the study's area order).
    """

    internal: InternalData
    clock: RunClock
    register: MeterRegister
    totals: MeterTotals
    series: AreaSeries
    days: Sequence[LocalDay]
    windows: Sequence[tuple[int, int]]
    block: int
    abnormal: NDArray[np.bool_]
    area_days: AreaDays


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in SUSPECT_COLUMNS})


def _rows(
    inputs: RankingInputs, area: int, readable: NDArray[np.bool_], unknowns: int
) -> tuple[NDArray[np.bool_], str]:
    """The blocks an area is fitted on, and which days they come from.

    Its abnormal days' usable blocks where they are at least twice the
    ``unknowns`` of the fit, else every usable block.
    """
    _, _, abnormal = inputs.series.blocks(area, inputs.block, among=inputs.abnormal[area])
    rows = abnormal & readable
    if rows.sum() >= 2 * unknowns:
        return rows, "abnormal days"
    _, _, valid = inputs.series.blocks(area, inputs.block)
    return valid & readable, "all days"


def _shares(
    loss: NDArray[np.float64],
    technical: NDArray[np.float64],
    consumption: NDArray[np.float64],
    fit: LossFit,
) -> dict[str, float | None]:
    """Shares of the fitted loss the meters, the time-of-day terms and the technical term explain.

    The time-of-day terms take any loss with a daily shape: an unmetered load
    on at the same hours every day, and the mean daily shape of every theft
    too, so their share alone does not single out an illegal connection.
    """
    total = float(loss.sum())
    if total <= 0 or not np.isfinite(fit.beta).all():
        keys = ("meters_share", "top_meter_share", "unmetered_share", "technical_share")
        return dict.fromkeys(keys)
    stolen = fit.beta * consumption.sum(axis=1)
    return {
        "meters_share": float(stolen.sum()) / total,
        "top_meter_share": float(stolen.max(initial=0.0)) / total,
        "unmetered_share": fit.constant_wh * len(loss) / total,
        "technical_share": float(np.nan_to_num(fit.technical_scale) * technical.sum()) / total,
    }


def rank_suspects(
    inputs: RankingInputs, area_indices: Sequence[int], area_ids: NDArray[np.int64]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Score and rank the candidate meters of the given areas.

    Parameters
    ----------
    inputs : RankingInputs
        The first pass's results.
    area_indices : sequence of int
        Indices of the areas to rank.
    area_ids : numpy.ndarray
        ``transformer_id`` of every area.

    Returns
    -------
    suspects : pandas.DataFrame
        :data:`SUSPECT_COLUMNS`, one row per candidate meter, by area and meter id.
    fits : list of dict
        Per area: rows fitted, technical scale, unmetered (time-of-day) loss
        per row [Wh] and the shares of the loss each part explains.
    """
    register = inputs.register
    candidate = np.isin(register.area_index, list(area_indices)) & ~register.is_generation
    positions = np.flatnonzero(candidate)
    if not len(positions):
        return _empty(), []
    ids = register.meter_ids[positions]
    readings = collect_consumption(
        inputs.internal, inputs.clock, ids, inputs.days, inputs.windows, inputs.block
    )
    consumption = readings.consumption_wh
    slot, n_slots = block_slots(inputs.clock, inputs.block)
    area = register.area_index[positions]
    beta = np.full(len(positions), np.nan)
    residual_corr = np.zeros(len(positions))
    fitted_wh = np.zeros(len(positions))
    fits = []
    for a in area_indices:
        mine = np.flatnonzero(area == a)
        if not len(mine):
            continue
        readable = np.asarray(readings.readable[mine].all(axis=0))
        rows, days = _rows(inputs, a, readable, len(mine) + n_slots + 1)
        loss, technical, _ = inputs.series.blocks(a, inputs.block)
        used = consumption[mine][:, rows]
        fit = fit_area_losses(loss[rows], used.T, technical[rows], slot=slot[rows])
        beta[mine], residual_corr[mine] = fit.beta, fit.residual_corr
        fitted_wh[mine] = used.sum(axis=1)
        fits.append(
            {
                "transformer_id": int(area_ids[a]),
                "rows": fit.rows,
                "block_intervals": inputs.block,
                "rows_from": days,
                "time_of_day_slots": n_slots,
                "technical_scale": fit.technical_scale,
                "unmetered_wh_per_row": fit.constant_wh,
                **_shares(loss[rows], technical[rows], used, fit),
            }
        )
    groups = peer_groups(register.customer_kind[positions], register.customer_class[positions])
    found = suspect_evidence(readings.stats, area, groups, inputs.area_days, beta)
    frame = pd.DataFrame(
        {
            "transformer_id": np.asarray(area_ids, dtype=np.int64)[area],
            "meter_id": ids.to_numpy(dtype=object),
            "score": found.score,
            "premise_id": register.premise_id[positions],
            "customer_kind": register.customer_kind[positions],
            "customer_class": register.customer_class[positions],
            "evidence": found.strongest,
            "reference": found.reference,
            "peer_group": found.peer_group,
            **{f"{name}_z": found.z[name] for name in EVIDENCE},
            "stolen_wh": beta * fitted_wh,
            "beta": beta,
            "residual_corr": residual_corr,
            "metered_wh": inputs.totals.import_wh[positions],
            "baseline_drop": consumption_drop(
                inputs.totals.half_wh[positions], inputs.totals.half_n[positions]
            ),
        }
    )
    frame = frame.sort_values(["transformer_id", "meter_id"], kind="stable", ignore_index=True)
    frame["rank"] = rank_in_area(frame, ["score", "stolen_wh"])
    frame["regression_rank"] = rank_in_area(frame, ["stolen_wh", "residual_corr"])
    frame["baseline_rank"] = rank_in_area(frame, ["baseline_drop"])
    return frame[list(SUSPECT_COLUMNS)], fits
