"""Theft suspects inside a flagged area: a loss regression, and a naive baseline.

Method (after Han and Xiao's NFD [1]_): a meter that under-reports a
share ``r`` of its true use ``x`` records ``c = (1 - r) x``, and the area
loses ``r x = beta c`` with ``beta = r / (1 - r)``: the area's measured loss
grows in proportion to that meter's own recorded consumption. Per interval
(or block of intervals) ``t`` of an area's usable intervals,

    loss_t = a * technical_t + b_s(t) + sum_i beta_i * c_it + e_t,

fitted by non-negative least squares [2]_ (``a, b_s, beta_i >= 0``): ``a``
rescales the technical estimate (its power factor and unbalance are
assumptions), ``b_s`` is a loss of its own for every time-of-day slot ``s``
(seasonal dummies [4]_: an unmetered load that comes on at the same hours
every day, an illegal connection, lands there instead of being spread over
the meters whose use peaks at those hours; a single constant ``b`` without
slots), ``beta_i`` is meter ``i``'s stolen energy per recorded Wh. Only a
meter's day-to-day departures from its daily shape can then explain the loss.
``beta_i * sum_t c_it`` is meter ``i``'s estimated stolen energy [Wh] over the
rows fitted (the area's abnormal days, see :mod:`twin.studies.losses.ranking`);
ranked by it (ties broken by the correlation of the fit's residual with the
meter's consumption) it is the study's ``regression`` ranking, and ``beta_i``
one kind of evidence of the study's score (:mod:`twin.studies.losses.evidence`).

Baseline: the relative drop of a meter's mean consumption from the first to
the second half of the run, the simplest "consumption fell" rule of the
theft-detection literature [3]_. Generation meters are never suspects.

References
----------
.. [1] W. Han, Y. Xiao, "NFD: A practical scheme to detect non-technical loss
   fraud in smart grid", Proc. IEEE ICC 2014, pp. 605-609.
.. [2] C. L. Lawson, R. J. Hanson, Solving Least Squares Problems,
   Prentice-Hall, 1974, ch. 23 (NNLS; scipy.optimize.nnls).
.. [3] P. Jokar, N. Arianpoo, V. C. M. Leung, "Electricity theft detection
   in AMI using customers' consumption patterns", IEEE Trans. Smart Grid
   7(1), 2016 (theft shapes as a fall of the recorded consumption).
.. [4] R. J. Hyndman, G. Athanasopoulos, Forecasting: Principles and Practice,
   2nd ed., OTexts, 2018, section 5.4 (seasonal dummy variables).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import nnls

__all__ = ["LossFit", "consumption_drop", "fit_area_losses", "rank_in_area"]


@dataclass(frozen=True)
class LossFit:
    """The NNLS fit of one area's loss on its meters' consumption.

    Attributes
    ----------
    beta : numpy.ndarray
        Stolen energy per recorded Wh of each meter [-] (NaN without a fit).
    residual_corr : numpy.ndarray
        Correlation of the residual with each meter's consumption [-].
    technical_scale : float
        Factor on the technical estimate [-].
    constant_wh : float
        Unmetered loss per row not explained by the meters [Wh]: the constant,
        or with time-of-day slots the mean over the rows of the slot terms.
    rows : int
        Rows (intervals or blocks) fitted.
    """

    beta: NDArray[np.float64]
    residual_corr: NDArray[np.float64]
    technical_scale: float
    constant_wh: float
    rows: int


def _corr(residual: NDArray, consumption: NDArray) -> NDArray:
    """Pearson correlation of ``residual`` with every column of ``consumption`` (0 if flat)."""
    r = residual - residual.mean()
    c = consumption - consumption.mean(axis=0)
    scale = np.sqrt((r**2).sum() * (c**2).sum(axis=0))
    result: NDArray = np.divide(r @ c, scale, out=np.zeros(c.shape[1]), where=scale > 0)
    return result


def fit_area_losses(
    loss_wh: NDArray[np.float64],
    consumption_wh: NDArray[np.float64],
    technical_wh: NDArray[np.float64] | None = None,
    slot: NDArray[np.int64] | None = None,
) -> LossFit:
    """Fit an area's measured loss on its meters' consumption by NNLS.

    Parameters
    ----------
    loss_wh : numpy.ndarray, shape (rows,)
        Measured loss of the area per usable row [Wh].
    consumption_wh : numpy.ndarray, shape (rows, meters)
        Recorded import of each candidate meter per row [Wh].
    technical_wh : numpy.ndarray, shape (rows,), optional
        Technical estimate per row [Wh]; left out when None or not finite.
    slot : numpy.ndarray, shape (rows,), optional
        Time-of-day slot of each row: one non-negative term per slot present
        replaces the constant.

    Returns
    -------
    LossFit
        All-NaN ``beta`` when there are fewer rows than twice the unknowns.
    """
    rows, meters = consumption_wh.shape
    if slot is None or not rows:
        columns = [np.ones(rows)]
    else:
        present, code = np.unique(np.asarray(slot), return_inverse=True)
        columns = list((code[None, :] == np.arange(len(present))[:, None]).astype(np.float64))
    periodic = len(columns)
    with_technical = technical_wh is not None and bool(np.isfinite(technical_wh).all())
    if with_technical and technical_wh is not None:
        columns.insert(0, technical_wh)
    design = np.column_stack([*columns, consumption_wh]) if rows else np.zeros((0, 1 + meters))
    extra = len(columns)
    if rows < 2 * design.shape[1]:
        nan = np.full(meters, np.nan)
        return LossFit(nan, np.zeros(meters), np.nan, np.nan, rows)
    norm = np.linalg.norm(design, axis=0)
    usable = norm > 0
    coef = np.zeros(design.shape[1])
    solution, _ = nnls(design[:, usable] / norm[usable], loss_wh, maxiter=50 * design.shape[1])
    coef[usable] = solution / norm[usable]
    residual = loss_wh - design @ coef
    unmetered = design[:, extra - periodic : extra] @ coef[extra - periodic : extra]
    return LossFit(
        beta=coef[extra:],
        residual_corr=_corr(residual, consumption_wh),
        technical_scale=float(coef[0]) if with_technical else np.nan,
        constant_wh=float(unmetered.sum()) / rows,
        rows=rows,
    )


def consumption_drop(half_wh: NDArray[np.float64], half_n: NDArray[np.int64]) -> NDArray:
    """Relative drop of each meter's mean interval consumption, first to second half [-].

    ``1 - mean_second / mean_first``; NaN where the first half has no
    consumption or either half no valid interval.

    Parameters
    ----------
    half_wh : numpy.ndarray, shape (meters, 2)
        Valid import of each half [Wh].
    half_n : numpy.ndarray, shape (meters, 2)
        Valid intervals of each half.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(half_n > 0, half_wh / np.maximum(half_n, 1), np.nan)
        first = np.where(mean[:, 0] > 0, mean[:, 0], np.nan)
        result: NDArray = 1.0 - mean[:, 1] / first
    return result


def rank_in_area(frame: pd.DataFrame, keys: list[str]) -> NDArray[np.int64]:
    """Rank 1..n of each row within its ``transformer_id``, by ``keys`` descending.

    NaN sorts last; remaining ties keep the meter-id order.
    """
    order = frame.sort_values(
        ["transformer_id", *keys, "meter_id"],
        ascending=[True, *([False] * len(keys)), True],
        na_position="last",
        kind="stable",
    )
    ranks = order.groupby("transformer_id", sort=False).cumcount() + 1
    return np.asarray(ranks.reindex(frame.index).to_numpy(), dtype=np.int64)
