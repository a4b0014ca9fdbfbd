"""One attempt of a platform command over the downlink: lost, late, or its latency.

Shared by the commands the platform sends one at a time as SimPy processes
(prepaid reconnections, lighting commands): an attempt fails when the
area's concentrator is down, when the channel loses it (probability
``loss``) or when its lognormal latency exceeds the technology's timeout;
otherwise it arrives after that latency (see :mod:`twin.comms.technology`
for the technologies' figures).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from twin.comms.technology import Technology

__all__ = ["attempt_latencies_s", "attempt_latency_s"]


def attempt_latency_s(
    tech: Technology, loss: float, u: float, z: float, *, up: bool
) -> float | None:
    """Latency of one downlink attempt [s], or None when the attempt fails.

    Parameters
    ----------
    tech : Technology
        Latency median [s], lognormal sigma [-] and timeout [s].
    loss : float
        Probability the attempt is lost [-].
    u, z : float
        Two uniform numbers in [0, 1): the loss draw and the latency draw.
    up : bool
        The concentrator of the device's area is up.
    """
    latency = tech.latency_median_s * float(np.exp(tech.latency_sigma * _normal(z)))
    if not up or u < loss or latency > tech.timeout_s:
        return None
    return latency


def _normal(u: float) -> float:
    """Standard normal quantile of a uniform number in [0, 1)."""
    return float(ndtri(min(max(u, 1e-12), 1 - 1e-12)))


def attempt_latencies_s(
    tech: Technology,
    loss: float,
    u: NDArray[np.float64],
    z: NDArray[np.float64],
    *,
    up: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`attempt_latency_s` for many attempts at once.

    Returns
    -------
    latency_s : numpy.ndarray
        Each attempt's latency [s] (whether or not it arrives).
    arrives : numpy.ndarray
        bool: the attempt arrives (``attempt_latency_s`` would not return None).
    """
    zz = np.clip(np.asarray(z, dtype=np.float64), 1e-12, 1 - 1e-12)
    latency = tech.latency_median_s * np.exp(tech.latency_sigma * ndtri(zz))
    arrives = np.asarray(up, dtype=bool) & (np.asarray(u) >= loss) & (latency <= tech.timeout_s)
    return latency, arrives
