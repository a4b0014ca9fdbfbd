"""Per-phase quantities of three-phase meters: phase energy, phase and neutral currents.

A three-phase meter measures each phase; with the load shared over the phases
by ``share`` (rows summing to 1) at a power factor ``pf``, phase ``j`` draws
``P_j = share_j * P`` and its RMS current is ``I_j = P_j / (U_ln * pf)``. The
neutral carries the phasor sum of the phase currents; with equal power
factors the phase angles stay 120 degrees apart, so

``I_N = |I_1 + a I_2 + a^2 I_3|``, ``a = exp(j 2 pi / 3)``,
``I_N^2 = I_1^2 + I_2^2 + I_3^2 - I_1 I_2 - I_2 I_3 - I_3 I_1``

(a balanced load has no neutral current) [1]_. A meter whose phase is
bypassed still carries the full return current in its neutral: the
neutral-current mismatch that three-phase meters flag.

References
----------
.. [1] J. C. Das, "Power System Analysis: Short-Circuit Load Flow and
   Harmonics", 2nd ed., CRC Press, 2012, ch. 2 (symmetrical components).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.meters.connection import VOLTAGE_LN_V

__all__ = ["neutral_current_a", "phase_currents_a", "split_phase_wh"]


def phase_currents_a(
    p_kw: ArrayLike,
    share: ArrayLike,
    power_factor: ArrayLike,
    voltage_ln_v: ArrayLike = VOLTAGE_LN_V,
) -> NDArray[np.float64]:
    """RMS current of each phase [A], shape ``(n, 3)``, from the mean power [kW] (imports only).

    Parameters
    ----------
    p_kw : array_like
        Mean active power per meter [kW], ``(n,)``; export counts as its magnitude.
    share : array_like
        Share of the power on each phase, ``(n, 3)``, rows summing to 1.
    power_factor : array_like
        Displacement power factor per meter, ``(n,)``, in (0, 1].
    voltage_ln_v : array_like, default 230
        Nominal line-to-neutral voltage per meter [V].
    """
    p_w = np.abs(np.asarray(p_kw, dtype=np.float64)) * 1e3
    pf = np.asarray(power_factor, dtype=np.float64)
    u = np.asarray(voltage_ln_v, dtype=np.float64)
    return np.asarray(
        np.asarray(share, dtype=np.float64) * (p_w / (u * pf))[:, None],
        dtype=np.float64,
    )


def neutral_current_a(currents_a: ArrayLike) -> NDArray[np.float64]:
    """Neutral current [A] of phase currents ``(n, 3)`` 120 degrees apart, ``(n,)``."""
    i = np.asarray(currents_a, dtype=np.float64)
    i1, i2, i3 = i[:, 0], i[:, 1], i[:, 2]
    squared = i1 * i1 + i2 * i2 + i3 * i3 - i1 * i2 - i2 * i3 - i3 * i1
    return np.asarray(np.sqrt(np.maximum(squared, 0.0)), dtype=np.float64)


def split_phase_wh(total_wh: ArrayLike, share: ArrayLike) -> NDArray[np.int64]:
    """Integer energy per phase summing exactly to ``total_wh`` (largest remainder), ``(n, 3)``.

    Parameters
    ----------
    total_wh : array_like
        int64 energy per meter [Wh], ``(n,)``, >= 0.
    share : array_like
        Share per phase, ``(n, 3)``, rows summing to 1.
    """
    total = np.asarray(total_wh, dtype=np.int64)
    quota = np.asarray(share, dtype=np.float64) * total[:, None]
    whole = np.floor(quota).astype(np.int64)
    left = total - whole.sum(axis=1)
    # give the left-over watt-hours to the largest fractional parts (ties: lower phase):
    # a phase's rank is the number of phases ahead of it, and it gets one if rank < left
    frac = quota - whole
    width = frac.shape[1]
    for i in range(width):
        ahead = np.zeros(frac.shape[0], dtype=np.int64)
        for j in range(width):
            if j != i:
                ahead += frac[:, j] >= frac[:, i] if j < i else frac[:, j] > frac[:, i]
        whole[:, i] += ahead < left
    return whole
