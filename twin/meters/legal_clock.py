"""Legal clocks of the metrology cores: a fixed drift per meter, set by the head-end.

A meter's real-time clock runs fast or slow by a constant rate (crystal
tolerance; IEC 62054-21 asks for +/- 0.5 s/day, about 5.8 ppm, at reference
temperature). The offset against true time grows linearly until the
head-end sets the clock (a clock-set event in the legal log,
DL/T 698.45 event 3016, IEC 62056 standard event log).

References
----------
IEC 62054-21:2004, Time switches, 5.6 (accuracy of the time base).
IEC 62056-6-2, clock object 0-0:1.0.0 (interface class 8).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LegalClocks"]


class LegalClocks:
    """Drifting clocks of ``n`` meters.

    Parameters
    ----------
    drift_ppm : numpy.ndarray
        Rate error per meter [ppm]; positive runs fast.
    """

    def __init__(self, drift_ppm: np.ndarray):
        self.drift_ppm = np.asarray(drift_ppm, dtype=np.float64).copy()
        n = self.drift_ppm.shape[0]
        self._offset0_s = np.zeros(n, dtype=np.float64)
        self._since_s = np.zeros(n, dtype=np.float64)
        self.syncs = np.zeros(n, dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of clocks."""
        return int(self.drift_ppm.shape[0])

    def offset_s(self, t_s: float, meters: np.ndarray | None = None) -> np.ndarray:
        """Meter time minus true time at true time ``t_s`` [s]."""
        sel = slice(None) if meters is None else meters
        return self._offset0_s[sel] + self.drift_ppm[sel] * 1e-6 * (t_s - self._since_s[sel])

    def set_drift(self, meters: np.ndarray, drift_ppm: float, t_s: float) -> None:
        """Change the drift of some clocks from ``t_s`` on (the offset reached is kept)."""
        self._offset0_s[meters] = self.offset_s(t_s, meters)
        self._since_s[meters] = t_s
        self.drift_ppm[meters] = drift_ppm

    def set_time(self, meters: np.ndarray, t_s: float) -> np.ndarray:
        """Set the clocks of ``meters`` to true time; returns the offsets they had [s]."""
        old = self.offset_s(t_s, meters)
        self._offset0_s[meters] = 0.0
        self._since_s[meters] = t_s
        self.syncs[meters] += 1
        return old
