"""What every vacancy detector returns, and the protocol it follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from twin.studies.vacancy.data import MeterSeries

__all__ = ["Detection", "Detector"]


@dataclass(frozen=True)
class Detection:
    """Per-meter verdicts of one detector over one window.

    Attributes
    ----------
    method : str
        Detector name (``cso_ireland``, ``state_grid``, ``interval_evidence``, ...).
    meter_id : numpy.ndarray
        Meter identifiers, object ``(n,)``, in the order of the series.
    vacant : numpy.ndarray
        Flagged as a vacant dwelling, bool ``(n,)``. Meters without enough
        data to decide are never flagged.
    score : numpy.ndarray
        The statistic the detector thresholds, float64 ``(n,)`` (``NaN``
        where undecided); its unit is ``score_unit``.
    decided : numpy.ndarray
        Enough measured data to decide, bool ``(n,)``.
    threshold : float
        Flag as vacant when ``score < threshold`` [``score_unit``].
    score_unit : str
        Unit or meaning of ``score``.
    details : dict
        Further per-meter columns for the premise table (arrays ``(n,)``).
    """

    method: str
    meter_id: NDArray[np.object_]
    vacant: NDArray[np.bool_]
    score: NDArray[np.float64]
    decided: NDArray[np.bool_]
    threshold: float
    score_unit: str
    details: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def estimated_vacancy_rate(self) -> float:
        """Share of meters flagged vacant [-]."""
        return float(self.vacant.mean()) if self.vacant.size else float("nan")


class Detector(Protocol):
    """A vacancy detector: sees only measured interval data, never the truth."""

    @property
    def name(self) -> str:
        """Short name used in the metrics and the premise table."""
        ...

    def detect(self, series: MeterSeries) -> Detection:
        """Flag the vacant dwellings of ``series``."""
        ...
