"""Meter-to-head-end communication technologies: loss, latency, bit rate, retries.

Per-attempt figures, illustrative defaults from published field and
standard figures (override any of them in the scenario's ``comms`` section):

========== ====== ============== ======= ========== =====================================
technology loss   latency median  sigma  bit rate    source (order of magnitude)
========== ====== ============== ======= ========== =====================================
ideal      0      0.5 s          0       1 Mbit/s    no channel model (the default)
hplc       3 %    2 s            0.8     100 kbit/s  IEEE 1901.1-2018 / Q/GDW 11612 HPLC;
                                                     State Grid daily read success ~98-99 %
rf_mesh    5 %    4 s            1.0     50 kbit/s   IEEE 802.15.4g (Wi-SUN FAN) 50-150
                                                     kbit/s PHY, multi-hop delay
nb_iot     1 %    1.5 s          0.6     25 kbit/s   3GPP TS 36.306 Cat-NB1 (~26 kbit/s
                                                     DL); coverage-class retransmissions
========== ====== ============== ======= ========== =====================================

Latency is lognormal (median, sigma of its log); a failed attempt costs a
timeout before the next retry. A firmware image of ``S`` KiB downloads in
``8192 S / bit_rate`` seconds (+/- 20 % jitter).

Every number a meter's attempts and downloads need comes from that meter's
own stream (:class:`twin.random_streams.ItemStreams`), so what one meter sees does
not depend on which other meters are collected with it, or simulated at all.

References
----------
IEEE 1901.1-2018; IEEE 802.15.4g-2012; 3GPP TS 36.306 (UE categories).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.random_streams import ItemStreams

__all__ = ["TECHNOLOGIES", "Channel", "Technology"]


@dataclass(frozen=True)
class Technology:
    """Per-attempt channel figures of one technology."""

    name: str
    loss: float
    latency_median_s: float
    latency_sigma: float
    bit_rate_bps: float
    timeout_s: float


TECHNOLOGIES: dict[str, Technology] = {
    "ideal": Technology("ideal", 0.0, 0.5, 0.0, 1e6, 30.0),
    "hplc": Technology("hplc", 0.03, 2.0, 0.8, 100e3, 30.0),
    "rf_mesh": Technology("rf_mesh", 0.05, 4.0, 1.0, 50e3, 60.0),
    "nb_iot": Technology("nb_iot", 0.01, 1.5, 0.6, 25e3, 30.0),
}
"""Default figures per technology."""


class Channel:
    """Draws collection attempts for many meters at once.

    Parameters
    ----------
    technology : Technology
        Channel figures.
    retries : int
        Retries after a failed attempt, within one collection slot.
    streams : twin.random_streams.ItemStreams
        One stream per meter (items: the meters' fleet positions).
    """

    def __init__(self, technology: Technology, *, retries: int, streams: ItemStreams):
        self.technology = technology
        self.retries = retries
        self._streams = streams

    def attempt(self, meters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Up to ``1 + retries`` attempts for each of ``meters``.

        Parameters
        ----------
        meters : numpy.ndarray
            Meter positions (unique), into the channel's streams.

        Returns
        -------
        ok : numpy.ndarray
            bool: some attempt got through.
        attempts : numpy.ndarray
            Attempts made per meter (int).
        latency_s : numpy.ndarray
            Time from the first attempt to arrival [s] (timeouts of failed
            attempts plus the successful one's latency); NaN where all failed.
        """
        tech = self.technology
        tries = 1 + self.retries
        meters = np.asarray(meters, dtype=np.int64)
        m = meters.shape[0]
        if tech.loss > 0:
            lost = self._streams.random(meters, size=tries) < tech.loss
            first_ok = np.argmin(lost, axis=1)
            ok = np.logical_not(lost.all(axis=1))
        else:
            first_ok = np.zeros(m, dtype=np.int64)
            ok = np.ones(m, dtype=bool)
        attempts = np.where(ok, first_ok + 1, tries)
        one = tech.latency_median_s * np.exp(
            tech.latency_sigma * self._streams.standard_normal(meters)
        )
        latency = np.where(ok, first_ok * tech.timeout_s + one, np.nan)
        return ok, attempts, latency

    def download_s(self, image_kib: float, meters: np.ndarray) -> np.ndarray:
        """Download time of a firmware image of ``image_kib`` [KiB] for each of ``meters``
        (positions, unique) [s] (+/- 20 % jitter)."""
        base = image_kib * 8192.0 / self.technology.bit_rate_bps
        return base * self._streams.uniform(0.8, 1.2, np.asarray(meters, dtype=np.int64))
