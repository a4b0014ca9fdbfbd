"""The suspects table: every candidate meter of the areas to rank, scored two ways.

For each area, the loss regression of :mod:`twin.studies.losses.suspects`
on the blocks of its abnormal days where the area meter and every candidate
meter have a reading (all its usable blocks when the abnormal days give too
few rows), and the naive consumption-drop baseline; ranks within the area
for both. A theft that starts or stops during the run is a loss that is
there on some days only: fitted over every day, a constant ``beta`` would be
pulled towards zero by the days without it, and the loss spread over the
meters that share the area's daily shape.
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
from twin.studies.losses.readings import MeterRegister
from twin.studies.losses.series import AreaSeries, MeterTotals, collect_consumption
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
    "premise_id",
    "customer_kind",
    "customer_class",
    "beta",
    "residual_corr",
    "metered_wh",
    "baseline_drop",
)
"""Columns of ``suspects.parquet``: score = estimated stolen energy [Wh]."""


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
    windows : sequence of (first, stop)
        The windows of intervals read at once (whole local days).
    block : int
        Intervals per regression row.
    abnormal : numpy.ndarray, shape (areas, intervals)
        bool: the interval lies on an abnormal day of its area.
    """

    internal: InternalData
    clock: RunClock
    register: MeterRegister
    totals: MeterTotals
    series: AreaSeries
    windows: Sequence[tuple[int, int]]
    block: int
    abnormal: NDArray[np.bool_]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in SUSPECT_COLUMNS})


def _rows(
    inputs: RankingInputs, area: int, readable: NDArray[np.bool_], meters: int
) -> tuple[NDArray[np.bool_], str]:
    """The blocks an area is fitted on, and which days they come from.

    Its abnormal days' usable blocks where they are at least twice the
    unknowns of the fit (``meters`` + 2), else every usable block.
    """
    _, _, abnormal = inputs.series.blocks(area, inputs.block, among=inputs.abnormal[area])
    rows = abnormal & readable
    if rows.sum() >= 2 * (meters + 2):
        return rows, "abnormal days"
    _, _, valid = inputs.series.blocks(area, inputs.block)
    return valid & readable, "all days"


def _shares(
    loss: NDArray[np.float64],
    technical: NDArray[np.float64],
    consumption: NDArray[np.float64],
    fit: LossFit,
) -> dict[str, float | None]:
    """Shares of the fitted loss the meters, the constant and the technical term explain.

    A loss explained mostly by the constant, or spread thinly over many
    meters, points at an unmetered load (an illegal connection) rather than
    at one meter.
    """
    total = float(loss.sum())
    if total <= 0 or not np.isfinite(fit.beta).all():
        keys = ("meters_share", "top_meter_share", "constant_share", "technical_share")
        return dict.fromkeys(keys)
    stolen = fit.beta * consumption.sum(axis=1)
    return {
        "meters_share": float(stolen.sum()) / total,
        "top_meter_share": float(stolen.max(initial=0.0)) / total,
        "constant_share": fit.constant_wh * len(loss) / total,
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
        :data:`SUSPECT_COLUMNS`, one row per candidate meter.
    fits : list of dict
        Per area: rows fitted, technical scale, constant loss per row [Wh].
    """
    register = inputs.register
    candidate = np.isin(register.area_index, list(area_indices)) & ~register.is_generation
    positions = np.flatnonzero(candidate)
    if not len(positions):
        return _empty(), []
    ids = register.meter_ids[positions]
    consumption, readable = collect_consumption(
        inputs.internal, inputs.clock, ids, inputs.windows, inputs.block
    )
    parts, fits = [], []
    for area in area_indices:
        mine = np.flatnonzero(register.area_index[positions] == area)
        if not len(mine):
            continue
        rows, days = _rows(inputs, area, np.asarray(readable[mine].all(axis=0)), len(mine))
        loss, technical, _ = inputs.series.blocks(area, inputs.block)
        fit = fit_area_losses(loss[rows], consumption[mine][:, rows].T, technical[rows])
        meters = positions[mine]
        parts.append(
            pd.DataFrame(
                {
                    "transformer_id": int(area_ids[area]),
                    "meter_id": register.meter_ids[meters].to_numpy(dtype=object),
                    "premise_id": register.premise_id[meters],
                    "customer_kind": register.customer_kind[meters],
                    "customer_class": register.customer_class[meters],
                    "beta": fit.beta,
                    "residual_corr": fit.residual_corr,
                    "metered_wh": inputs.totals.import_wh[meters],
                    "fitted_wh": consumption[mine][:, rows].sum(axis=1),
                    "baseline_drop": consumption_drop(
                        inputs.totals.half_wh[meters], inputs.totals.half_n[meters]
                    ),
                }
            )
        )
        fits.append(
            {
                "transformer_id": int(area_ids[area]),
                "rows": fit.rows,
                "block_intervals": inputs.block,
                "rows_from": days,
                "technical_scale": fit.technical_scale,
                "constant_wh_per_row": fit.constant_wh,
                **_shares(loss[rows], technical[rows], consumption[mine][:, rows], fit),
            }
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["score"] = frame["beta"] * frame.pop("fitted_wh")
    frame["rank"] = rank_in_area(frame, ["score", "residual_corr"])
    frame["baseline_rank"] = rank_in_area(frame, ["baseline_drop"])
    return frame[list(SUSPECT_COLUMNS)], fits
