"""Technical losses of an LV area from metered power: the I²R kernels.

The flows are those of a backward sweep on the radial feeder tree: every line
carries the summed metered net power of the meters downstream of it (the
voltage drop is neglected, so one sweep suffices). A three-phase line at
nominal line-to-line voltage ``V`` carrying active power ``P`` at power factor
``pf`` has the current ``I = P / (sqrt(3) V pf)`` and the loss
``3 I² R = P² R / (V² pf²)`` [1]_ [2]_.

References
----------
.. [1] D. Shirmohammadi, H. W. Hong, A. Semlyen, G. X. Luo, "A
   compensation-based power flow method for weakly meshed distribution and
   transmission networks", IEEE Trans. Power Systems 3(2), 1988 (backward
   sweep of branch flows on a radial feeder).
.. [2] W. H. Kersting, Distribution System Modeling and Analysis, 4th ed.,
   CRC Press, 2017, ch. 3 (line losses of a distribution feeder).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "branch_flows_w",
    "iron_loss_w",
    "loss_coefficient_per_w",
    "three_phase_loss_w",
]


def loss_coefficient_per_w(r_ohm: ArrayLike, vn_kv: ArrayLike, power_factor: float) -> NDArray:
    """``R / (V² pf²)``: the loss of a branch per squared watt carried [1/W].

    Parameters
    ----------
    r_ohm : array_like
        Series resistance of each branch (one phase conductor) [ohm].
    vn_kv : array_like
        Nominal line-to-line voltage of each branch [kV].
    power_factor : float
        Power factor of the flow [-].

    Returns
    -------
    numpy.ndarray
        float64; ``loss_w = coefficient * p_w**2``.
    """
    r = np.asarray(r_ohm, dtype=np.float64)
    v = np.asarray(vn_kv, dtype=np.float64) * 1e3
    result: NDArray = r / (v**2 * power_factor**2)
    return result


def three_phase_loss_w(
    p_w: ArrayLike, r_ohm: ArrayLike, vn_kv: ArrayLike, power_factor: float
) -> NDArray:
    """Loss of a balanced three-phase branch carrying active power ``p_w`` [W].

    ``I = P / (sqrt(3) V pf)``, ``loss = 3 I² R = P² R / (V² pf²)``.

    Parameters
    ----------
    p_w : array_like
        Active power carried [W] (either direction).
    r_ohm : array_like
        Series resistance per phase [ohm].
    vn_kv : array_like
        Nominal line-to-line voltage [kV].
    power_factor : float
        Power factor [-].

    Returns
    -------
    numpy.ndarray
        Loss [W], broadcast over the inputs.

    Examples
    --------
    >>> float(three_phase_loss_w(10_000.0, 0.1, 0.4, 1.0))  # 10 kW on 0.1 ohm at 400 V
    62.5
    """
    p = np.asarray(p_w, dtype=np.float64)
    result: NDArray = loss_coefficient_per_w(r_ohm, vn_kv, power_factor) * p**2
    return result


def branch_flows_w(downstream: sp.spmatrix | sp.sparray, node_p_w: NDArray) -> NDArray:
    """Active power carried by every branch of radial trees: the backward sweep.

    Parameters
    ----------
    downstream : scipy.sparse matrix, shape (branches, nodes)
        1 where the node lies at or below the branch's far end (see
        :func:`twin.studies.losses.feeders.downstream_matrix`).
    node_p_w : numpy.ndarray, shape (nodes, intervals)
        Net metered power drawn at each node [W] (negative: injected).

    Returns
    -------
    numpy.ndarray, shape (branches, intervals)
        Power through each branch, away from the transformer [W].
    """
    result: NDArray = np.asarray(downstream @ node_p_w, dtype=np.float64)
    return result


def iron_loss_w(sn_kva: ArrayLike, share: float, pfe_kw: ArrayLike | None = None) -> NDArray:
    """No-load (iron) loss of transformers [W]: their own ``pfe_kw`` where known.

    Parameters
    ----------
    sn_kva : array_like
        Rating [kVA].
    share : float
        No-load loss as a share of the rating, used where ``pfe_kw`` is
        missing or NaN [-].
    pfe_kw : array_like, optional
        Iron loss of each transformer [kW].

    Returns
    -------
    numpy.ndarray
        Iron loss [W]; NaN where the rating is unknown and no ``pfe_kw`` is given.
    """
    default = np.asarray(sn_kva, dtype=np.float64) * 1e3 * share
    if pfe_kw is None:
        return default
    given = np.asarray(pfe_kw, dtype=np.float64) * 1e3
    result: NDArray = np.where(np.isfinite(given), given, default)
    return result
