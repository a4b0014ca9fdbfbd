"""What empty homes still draw: standby, the fridge, a timer lamp, frost protection.

A dwelling that nobody lives in is rarely at 0 W. The hard cases for a
vacancy detector come from here (the shares and ranges are keys of
:class:`~twin.devices.households.behaviour.VacantBehaviour`):

- most empty homes keep a router, an alarm or a doorbell transformer on
  (``standby_w``), and many the fridge (``fridge_kept_on``), whose compressor
  cycles: its interval means follow an AR(1) process with a correlation
  time of tens of minutes (``fridge_cycle_min``), so consecutive intervals
  are alike, as in metered data; a few homes are switched off at the main
  breaker (``switched_off``);
- some have a lamp on a timer that comes on at dusk and goes off in the
  late evening, a little earlier or later each day (``timer_lights``);
- some are kept frost-free (or dry) by a thermostat-controlled electric
  heater or dehumidifier: hundreds of kWh a quarter in winter, above every
  energy threshold, but without any occupancy pattern. The heater's
  thermostat runs on the thermal building model with the weather
  (:mod:`twin.devices.heating`, ``households.thermal.vacant_frost_heater``).

Visits by caretakers and agents, cleanings and renovation work are in
:mod:`twin.devices.households.visits`. None of it is occupancy: the home
stays vacant and nobody counts as present.

References
----------
.. [1] Central Statistics Office (Ireland), "Domestic Electricity
   Connections and Vacancy", 2021-2023: a dwelling counts as vacant below
   180 kWh a quarter, "the consumption of a fridge"; dwellings above it with
   nobody living there are a known source of undercount.
.. [2] Commission Delegated Regulation (EU) 2019/2016 (fridge energy
   labels) and Commission Regulation (EC) No 1275/2008 (standby limits).
.. [3] M. Pipattanasomporn, M. Kuzlu, S. Rahman, Y. Teklu, "Load profiles of
   selected major household appliances and their demand response
   opportunities", IEEE Trans. Smart Grid 5(2), 742-750, 2014 (fridge
   compressor cycles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from twin.devices.households.behaviour import VacantBehaviour
from twin.members import Members

__all__ = [
    "FRIDGE_CV_15MIN",
    "JITTER_DAY_STRIDE",
    "TIMER_DUSK_DARKNESS",
    "VacantHomes",
    "evening_day",
    "fridge_ar_step",
    "normal_table",
    "timer_light_on",
]

FRIDGE_CV_15MIN: Final = 0.25
"""CV of a fridge's 15-min mean around its long-run mean [-] (assumed): the
compressor runs a third to a half of the time, in cycles of tens of minutes."""

TIMER_DUSK_DARKNESS: Final = 0.5
"""Lighting fraction (:func:`~twin.devices.households.kernel.lighting_fraction`) at
which a timer lamp's dusk sensor switches it on [-]: the sun about 3 degrees up."""

JITTER_DAY_STRIDE: Final = 389
"""Step through the jitter table from one day to the next (odd, so every entry is used)."""


@dataclass(frozen=True)
class VacantHomes:
    """What each home draws whenever it stands empty (drawn once, per premise).

    Attributes
    ----------
    standby_kw : numpy.ndarray
        Standby [kW]; 0 where switched off.
    fridge_kw : numpy.ndarray
        Long-run mean of the fridge [kW]; 0 where it is off or the home switched off.
    fridge_phi : numpy.ndarray
        Lag-one autocorrelation of the fridge's interval means at the run's
        interval [-]: ``exp(-dt / tau)``.
    fridge_x0 : numpy.ndarray
        AR(1) state at the run start (standard normal).
    timer_kw : numpy.ndarray
        Power of the lamp on a timer [kW]; 0 where there is none or the home is switched off.
    timer_off_h : numpy.ndarray
        Local hour at which the timer switches off [h], 18..26.
    timer_offset : numpy.ndarray
        Each home's start in the daily jitter table, int64.
    switched_off : numpy.ndarray
        Main breaker off while empty, bool.
    """

    standby_kw: NDArray[np.float64]
    fridge_kw: NDArray[np.float64]
    fridge_phi: NDArray[np.float64]
    fridge_x0: NDArray[np.float64]
    timer_kw: NDArray[np.float64]
    timer_off_h: NDArray[np.float64]
    timer_offset: NDArray[np.int64]
    switched_off: NDArray[np.bool_]

    @classmethod
    def draw(
        cls, rng: np.random.Generator, n: int, behaviour: VacantBehaviour, interval_s: int
    ) -> VacantHomes:
        """Draw the empty-home behaviour of ``n`` premises.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        n : int
            Number of premises (the full fleet).
        behaviour : VacantBehaviour
            Shares and ranges.
        interval_s : int
            The run's interval [s].

        Returns
        -------
        VacantHomes
            ``behaviour.switched_off`` of the homes at 0 W; of the others,
            ``fridge_kept_on`` with a fridge and ``timer_lights`` with a timer lamp.
        """
        b = behaviour
        on = rng.random(n) >= b.switched_off
        fridge = on & (rng.random(n) < b.fridge_kept_on)
        timer = on & (rng.random(n) < b.timer_lights)
        standby_w = rng.uniform(*b.standby_w, n)
        fridge_w = rng.uniform(*b.fridge_w, n)
        tau_s = rng.uniform(*b.fridge_cycle_min, n) * 60.0
        timer_w = rng.uniform(*b.timer_light_w, n)
        return cls(
            standby_kw=on * standby_w / 1e3,
            fridge_kw=fridge * fridge_w / 1e3,
            fridge_phi=np.exp(-interval_s / tau_s),
            fridge_x0=rng.standard_normal(n),
            timer_kw=timer * timer_w / 1e3,
            timer_off_h=rng.uniform(*b.timer_off_h, n),
            timer_offset=rng.integers(0, 1024, n).astype(np.int64),
            switched_off=~on,
        )

    def restrict(self, members: Members) -> VacantHomes:
        """The member premises' rows (``self`` when every premise is a member)."""
        if members.is_all:
            return self
        take = members.take
        return VacantHomes(
            take(self.standby_kw),
            take(self.fridge_kw),
            take(self.fridge_phi),
            take(self.fridge_x0),
            take(self.timer_kw),
            take(self.timer_off_h),
            take(self.timer_offset),
            take(self.switched_off),
        )

    @property
    def mean_kw(self) -> NDArray[np.float64]:
        """Long-run mean of standby and fridge [kW] (without timer lamp, visits or heater)."""
        return self.standby_kw + self.fridge_kw

    def labels(self) -> NDArray[np.object_]:
        """What each home draws while empty: ``switched_off``, or ``standby`` with
        ``+fridge`` and ``+timer_light`` where they apply (object array)."""
        base = np.where(self.switched_off, "switched_off", "standby").astype(object)
        base = np.where(self.fridge_kw > 0, base + "+fridge", base)
        return np.where(self.timer_kw > 0, base + "+timer_light", base).astype(object)


def normal_table(size: int = 1024) -> NDArray[np.float64]:
    """Standard normal quantiles at ``(i + 0.5) / size``, rescaled to variance one.

    A uniformly drawn index gives a standard normal innovation with one look-up.
    """
    z = ndtri((np.arange(size) + 0.5) / size)
    return np.asarray(z / z.std(), dtype=np.float64)


def fridge_ar_step(
    x: NDArray[np.float64],
    phi: NDArray[np.float64],
    gain: NDArray[np.float64],
    innovation: NDArray[np.float64],
) -> NDArray[np.float64]:
    """One step of the stationary AR(1) process of the fridge's interval means, in place.

    ``x <- phi * x + gain * innovation`` with ``gain = sqrt(1 - phi**2)``, so a
    standard normal ``x`` stays standard normal with lag-one autocorrelation ``phi``.

    Parameters
    ----------
    x : numpy.ndarray
        State [-], overwritten.
    phi, gain : numpy.ndarray
        Autocorrelation and innovation gain per home [-].
    innovation : numpy.ndarray
        Standard normal draws.

    Returns
    -------
    numpy.ndarray
        ``x``.
    """
    x *= phi
    x += gain * innovation
    return x


def evening_day(local_hour: NDArray[np.float64]) -> NDArray[np.int64]:
    """Evening counter per interval: increments at each local noon (from 0).

    An evening and the night after it share a number, so a timer's daily
    jitter does not change at midnight.
    """
    since_noon = np.mod(np.asarray(local_hour, dtype=np.float64) - 12.0, 24.0)
    wraps = np.concatenate([[False], np.diff(since_noon) < 0])
    return np.cumsum(wraps).astype(np.int64)


def timer_light_on(
    local_hour: float,
    dark: bool,
    off_h: NDArray[np.float64],
    jitter_h: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Whether timer lamps are on: after dusk and before their (jittered) off time.

    Parameters
    ----------
    local_hour : float
        Local time of the interval's midpoint [h].
    dark : bool
        The sun is down (the lamp's dusk sensor has switched it on).
    off_h : numpy.ndarray
        Off time per lamp [h, local], 18..26 (past 24: after midnight).
    jitter_h : numpy.ndarray
        Today's shift of the off time [h].

    Returns
    -------
    numpy.ndarray
        bool per lamp; never in the morning (off before 06:00 at the latest).
    """
    since_noon = (local_hour - 12.0) % 24.0
    if not dark or since_noon >= 18.0:
        return np.zeros(off_h.shape, dtype=bool)
    return since_noon < off_h - 12.0 + jitter_h
