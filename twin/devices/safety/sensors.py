"""What the sensors read: the true quantity plus measurement noise (layer 1).

A residual-current detector reads within a few per cent and a few mA and
sees switching transients (inrush of capacitive loads) as short spikes; a
cable-temperature detector reads within about a degree; an arc fault
detector counts nuisance bursts from brush motors and switches as arcs.
GB 14287.2 and GB 14287.3 set the detectors' alarm accuracy (within 5 % of the
setting for residual current); the spike and burst figures are assumptions.
Noise is drawn from uniform numbers the caller takes from per-sensor streams
(:class:`~twin.random_streams.ItemStreams`), three per reading.

References
----------
.. [1] GB 14287.2-2014 and GB 14287.3-2014, "Electrical fire monitoring system -
   Part 2: Residual current ... detectors; Part 3: Temperature ... detectors".
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

__all__ = ["measure"]

RESIDUAL_NOISE: Final = (2.0, 0.03)
"""Residual-current reading noise: sd = 2 mA + 3 % of the value [mA] (assumed, within the
5 % of GB 14287.2)."""
TRANSIENT_PROBABILITY: Final = 0.003
"""Probability a residual-current reading catches a switching transient [-] (assumed)."""
TRANSIENT_MEDIAN_MA: Final = 250.0
"""Median size of such a transient [mA] (assumed; lognormal, sigma 0.6)."""
TEMPERATURE_NOISE_C: Final = 1.0
"""Cable-temperature reading noise, sd [degC] (assumed)."""
NUISANCE_PROBABILITY: Final = 0.0003
"""Probability an arc-fault report holds a nuisance burst [-] (assumed)."""
NUISANCE_MEDIAN_ARCS: Final = 20.0
"""Median arcs of a nuisance burst [-] (assumed; lognormal, sigma 0.8)."""


def _normal(u: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(ndtri(np.clip(u, 1e-12, 1 - 1e-12)), dtype=np.float64)


def measure(
    kind: str, true: NDArray[np.float64], u: NDArray[np.float64], minutes: float
) -> NDArray[np.float64]:
    """Readings of one sensor kind.

    Parameters
    ----------
    kind : str
        ``residual_current`` [mA], ``cable_temperature`` [degC] or ``arc_fault`` [1/min].
    true : numpy.ndarray
        The true quantity at each sensor.
    u : numpy.ndarray
        Uniform numbers in [0, 1), shape ``(n, 3)``.
    minutes : float
        Minutes the report covers (arc counts become a rate over them).
    """
    x = np.asarray(true, dtype=np.float64)
    if kind == "residual_current":
        sd = RESIDUAL_NOISE[0] + RESIDUAL_NOISE[1] * x
        spike = np.where(
            u[:, 1] < TRANSIENT_PROBABILITY,
            TRANSIENT_MEDIAN_MA * np.exp(0.6 * _normal(u[:, 2])),
            0.0,
        )
        return np.maximum(x + sd * _normal(u[:, 0]) + spike, 0.0)
    if kind == "cable_temperature":
        return x + TEMPERATURE_NOISE_C * _normal(u[:, 0])
    if kind == "arc_fault":
        burst = np.where(
            u[:, 1] < NUISANCE_PROBABILITY,
            np.rint(NUISANCE_MEDIAN_ARCS * np.exp(0.8 * _normal(u[:, 2]))),
            0.0,
        )
        return x + burst / minutes
    raise ValueError(f"kind given {kind!r}; expected a sensor kind")
