"""Home-battery physics and dispatch rules (layer 1): pure, vectorised functions.

Sign convention: battery power is positive when charging (a load seen from
the bus), negative when discharging. Efficiencies are applied on the battery
side: charging ``E_in`` [kWh] from the AC side stores ``eta_charge * E_in``;
delivering ``E_out`` to the AC side takes ``E_out / eta_discharge`` from the
store. A round-trip efficiency ``eta_rt`` is split as
``eta_charge = eta_discharge = sqrt(eta_rt)`` [1]_.

References
----------
.. [1] Weniger, Tjaden, Quaschning (2014), "Sizing of residential PV battery
   systems", Energy Procedia 46, 78-87 (self-consumption dispatch, AC-side
   efficiency model).
.. [2] Hoppmann, Volland, Schmidt, Hoffmann (2014), "The economic viability
   of battery storage for residential solar photovoltaic systems", Renewable
   and Sustainable Energy Reviews 39, 1101-1118 (time-of-use arbitrage).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["self_consumption_setpoint_kw", "split_round_trip", "storage_step", "tou_setpoint_kw"]


def split_round_trip(eta_round_trip: float) -> tuple[float, float]:
    """Charge and discharge efficiencies from a round-trip efficiency (sqrt split).

    Parameters
    ----------
    eta_round_trip : float
        AC-to-AC round-trip efficiency [-], in (0, 1].

    Returns
    -------
    eta_charge, eta_discharge : float
        Each ``sqrt(eta_round_trip)`` [-].
    """
    if not 0.0 < eta_round_trip <= 1.0:
        raise ValueError(f"eta_round_trip given {eta_round_trip!r}; expected in (0, 1]")
    eta = float(np.sqrt(eta_round_trip))
    return eta, eta


def storage_step(
    soc_kwh: ArrayLike,
    p_set_kw: ArrayLike,
    dt_s: float,
    capacity_kwh: ArrayLike,
    p_max_kw: ArrayLike,
    eta_charge: ArrayLike,
    eta_discharge: ArrayLike,
    *,
    soc_min_kwh: ArrayLike = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Advance batteries by one interval at a constant power set-point.

    Parameters
    ----------
    soc_kwh : array_like
        Stored energy at the interval start [kWh], within
        ``[soc_min_kwh, capacity_kwh]``.
    p_set_kw : array_like
        Requested AC power [kW]; positive charges, negative discharges.
    dt_s : float
        Interval length [s], > 0.
    capacity_kwh : array_like
        Usable capacity [kWh], > 0.
    p_max_kw : array_like
        Power limit in both directions [kW], >= 0.
    eta_charge, eta_discharge : array_like
        Charge and discharge efficiencies [-], in (0, 1].
    soc_min_kwh : array_like
        Lowest allowed stored energy [kWh], ``0 <= soc_min <= capacity``.

    Returns
    -------
    soc_kwh : numpy.ndarray
        Stored energy at the interval end [kWh], within
        ``[soc_min_kwh, capacity_kwh]``.
    p_kw : numpy.ndarray
        Mean AC power actually exchanged [kW], ``|p_kw| <= p_max_kw``, same
        sign as the set-point (or 0), with
        ``soc_end - soc = eta_charge * E_in - E_out / eta_discharge`` where
        ``E_in = max(p_kw, 0) * dt_s / 3600`` and
        ``E_out = max(-p_kw, 0) * dt_s / 3600``.

    References
    ----------
    .. [1] Weniger et al. (2014), Energy Procedia 46, 78-87.
    """
    soc = np.asarray(soc_kwh, dtype=np.float64)
    cap = np.asarray(capacity_kwh, dtype=np.float64)
    soc_min = np.asarray(soc_min_kwh, dtype=np.float64)
    p_max = np.asarray(p_max_kw, dtype=np.float64)
    hours = dt_s / 3600.0
    eta_c_h = np.asarray(eta_charge, dtype=np.float64) * hours  # stored kWh per kW charged
    h_eta_d = hours / np.asarray(eta_discharge, dtype=np.float64)  # kWh taken per kW delivered
    # Set-point within the power limit, the room left and the energy above the reserve.
    p = np.minimum(np.asarray(p_set_kw, dtype=np.float64), p_max)
    p = np.maximum(p, -p_max)
    p = np.minimum(p, np.maximum(cap - soc, 0.0) / eta_c_h)
    p = np.maximum(p, -np.maximum(soc - soc_min, 0.0) / h_eta_d)
    new_soc = soc + np.where(p > 0.0, p * eta_c_h, p * h_eta_d)
    # Float rounding must never leave the window (the limits above are exact in theory).
    new_soc = np.minimum(np.maximum(new_soc, soc_min), cap)
    return new_soc, p


def self_consumption_setpoint_kw(net_load_kw: ArrayLike) -> NDArray[np.float64]:
    """Set-point that absorbs PV surplus and covers deficit: ``-net_load_kw``.

    Parameters
    ----------
    net_load_kw : array_like
        Premise load minus PV generation [kW]; negative = surplus.

    Returns
    -------
    numpy.ndarray
        Battery set-point [kW] (positive = charge); :func:`storage_step`
        applies the limits.
    """
    return -np.asarray(net_load_kw, dtype=np.float64)


def _in_window(hour: float, window_h: tuple[float, float]) -> bool:
    start, end = window_h
    return start <= hour < end if start <= end else (hour >= start or hour < end)


def tou_setpoint_kw(
    local_hour: float,
    p_max_kw: ArrayLike,
    net_load_kw: ArrayLike,
    *,
    charge_window_h: tuple[float, float] = (1.0, 5.0),
    discharge_window_h: tuple[float, float] = (17.0, 21.0),
) -> NDArray[np.float64]:
    """Time-of-use arbitrage: charge at full power in the cheap window,
    cover the premise's import in the expensive one, idle otherwise.

    Parameters
    ----------
    local_hour : float
        Local clock hour at the interval start [h].
    p_max_kw : array_like
        Power limit [kW].
    net_load_kw : array_like
        Premise load minus PV [kW].
    charge_window_h, discharge_window_h : tuple of float
        ``[start, end)`` local hours [h]; may wrap midnight (start > end).

    Returns
    -------
    numpy.ndarray
        Set-point [kW] (positive = charge).

    References
    ----------
    .. [1] Hoppmann et al. (2014), RSER 39, 1101-1118.
    """
    p_max = np.asarray(p_max_kw, dtype=np.float64)
    net = np.asarray(net_load_kw, dtype=np.float64)
    shape = np.broadcast_shapes(p_max.shape, net.shape)
    if _in_window(local_hour, charge_window_h):
        return np.broadcast_to(p_max, shape).astype(np.float64)
    if _in_window(local_hour, discharge_window_h):
        return np.broadcast_to(-np.maximum(net, 0.0), shape).astype(np.float64)
    return np.zeros(shape)
