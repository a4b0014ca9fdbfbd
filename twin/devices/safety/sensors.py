"""What the sensors read: the true quantity plus measurement noise (layer 1).

A residual-current detector reads within a few per cent and a few mA and
sees switching transients (inrush of capacitive loads) as short spikes; a
cable-temperature detector reads within about a degree; an arc fault
detector counts nuisance bursts from brush motors and switches as arcs.
GB 14287.2 and GB 14287.3 set the detectors' alarm accuracy (within 5 % of the
setting for residual current); the spike and burst figures are assumptions.
Noise is drawn from uniform numbers the caller takes from per-sensor streams
(:class:`~twin.random_streams.ItemStreams`), :data:`UNIFORMS` per reading; a rare
event's size comes from the same uniform that decided it.

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

__all__ = ["UNIFORMS", "measure"]

RESIDUAL_NOISE: Final = (2.0, 0.03)
"""Residual-current reading noise: sd = 2 mA + 3 % of the value [mA] (assumed, within the
5 % of GB 14287.2)."""
TRANSIENT_PROBABILITY: Final = 0.003
"""Probability a residual-current reading catches a switching transient [-] (assumed)."""
TRANSIENT_MEDIAN_MA: Final = 250.0
"""Median size of such a transient [mA] (assumed; lognormal, sigma 0.6)."""
TEMPERATURE_NOISE_C: Final = 1.0
"""Cable-temperature reading noise, sd [degC] (assumed)."""
NUISANCE_PROBABILITY: Final = 0.0001
"""Probability an arc-fault report holds a nuisance burst [-] (assumed)."""
NUISANCE_MEDIAN_ARCS: Final = 20.0
"""Median arcs of a nuisance burst [-] (assumed; lognormal, sigma 0.8)."""


def _normal(u: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(ndtri(np.clip(u, 1e-12, 1 - 1e-12)), dtype=np.float64)


UNIFORMS: Final = {"residual_current": 2, "cable_temperature": 1, "arc_fault": 1}
"""Uniform numbers a reading of each kind takes from its sensor's stream."""


def _rare(u: NDArray[np.float64], p: float, median: float, sigma: float) -> NDArray[np.float64]:
    """A lognormal size where ``u < p`` (``u / p`` is then uniform and gives the size), else 0."""
    out = np.zeros(u.size)
    hit = np.flatnonzero(u < p)
    if hit.size:
        out[hit] = median * np.exp(sigma * _normal(u[hit] / p))
    return out


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
        Uniform numbers in [0, 1), shape ``(n, UNIFORMS[kind])``.
    minutes : float
        Minutes the report covers (arc counts become a rate over them).
    """
    x = np.asarray(true, dtype=np.float64)
    if kind == "residual_current":
        sd = RESIDUAL_NOISE[0] + RESIDUAL_NOISE[1] * x
        spike = _rare(u[:, 1], TRANSIENT_PROBABILITY, TRANSIENT_MEDIAN_MA, 0.6)
        return np.maximum(x + sd * _normal(u[:, 0]) + spike, 0.0)
    if kind == "cable_temperature":
        return x + TEMPERATURE_NOISE_C * _normal(u[:, 0])
    if kind == "arc_fault":
        burst = np.rint(_rare(u[:, 0], NUISANCE_PROBABILITY, NUISANCE_MEDIAN_ARCS, 0.8))
        return x + burst / minutes
    raise ValueError(f"kind given {kind!r}; expected a sensor kind")
