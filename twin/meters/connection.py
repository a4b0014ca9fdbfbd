"""How a meter is connected: phases and current transformers.

Direct-connected meters carry the customer's current through the meter;
above about 100 A a meter is transformer-operated (CT metering): it sees the
secondary current of a current transformer with a 5 A secondary, and the
head-end multiplies by the CT ratio [1]_. Primary ratings come from the
standard series of IEC 61869-2 [2]_ (10, 12.5, 15, 20, 25, 30, 40, 50, 60,
75 A and their decimal multiples); the smallest primary at or above the
customer's peak current times a margin is chosen.

References
----------
.. [1] IEC 62053-21/-22 (direct and transformer-operated static meters);
   DL/T 448-2016, "Technical administrative code of electric energy metering".
.. [2] IEC 61869-2:2012, "Instrument transformers - Part 2: Additional
   requirements for current transformers", clause 5.3.201 (rated primary currents).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CT_THRESHOLD_A",
    "VOLTAGE_LN_V",
    "ct_ratio",
    "peak_current_a",
]

VOLTAGE_LN_V = 230.0
"""Nominal line-to-neutral voltage of LV networks (IEC 60038) [V]."""

CT_THRESHOLD_A = 100.0
"""Peak current above which a meter is transformer-operated [A]."""

CT_SECONDARY_A = 5.0
"""Rated secondary current of the metering CTs [A]."""

CT_MARGIN = 1.2
"""Primary rating at least this many times the peak current [-] (judgement: headroom for growth)."""

_SERIES = np.array([10, 12.5, 15, 20, 25, 30, 40, 50, 60, 75], dtype=np.float64)
_PRIMARIES_A = np.concatenate([_SERIES * 10**d for d in range(0, 4)])


def peak_current_a(
    peak_kw: ArrayLike,
    phases: ArrayLike,
    power_factor: float = 0.95,
    voltage_ln_v: ArrayLike = VOLTAGE_LN_V,
) -> NDArray[np.float64]:
    """Peak line current [A] of a load of ``peak_kw`` on 1 or 3 phases.

    ``I = P / (n_phases * U_ln * pf)``, with ``U_ln`` 230 V in LV networks
    (or the bus's nominal line-to-neutral voltage [V]).
    """
    p_w = np.asarray(peak_kw, dtype=np.float64) * 1e3
    n = np.asarray(phases, dtype=np.float64)
    u = np.asarray(voltage_ln_v, dtype=np.float64)
    return np.asarray(p_w / (n * u * power_factor), dtype=np.float64)


def ct_ratio(peak_current: ArrayLike, threshold_a: ArrayLike = CT_THRESHOLD_A) -> NDArray[np.int32]:
    """CT ratio (primary / 5 A) of each meter, 1 for direct connection.

    Parameters
    ----------
    peak_current : array_like
        Peak line current [A].
    threshold_a : array_like, default :data:`CT_THRESHOLD_A`
        Current above which the meter is transformer-operated [A] (0 at
        medium voltage, where every meter is).

    Returns
    -------
    numpy.ndarray
        int32 ratio: 1 at or below :data:`CT_THRESHOLD_A`, else the smallest
        standard primary >= ``CT_MARGIN`` times the current, over 5 A (the
        largest primary where even that is short).
    """
    i = np.asarray(peak_current, dtype=np.float64)
    at = np.searchsorted(_PRIMARIES_A, i * CT_MARGIN)
    primary = _PRIMARIES_A[np.minimum(at, _PRIMARIES_A.size - 1)]
    ratio = np.rint(primary / CT_SECONDARY_A)
    return np.where(i > np.asarray(threshold_a, dtype=np.float64), ratio, 1).astype(np.int32)
