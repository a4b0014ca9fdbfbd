"""What a meter measures for power-quality analysis: phase voltages, phase currents, power factor.

A meter measures the line-to-neutral voltage of each of its phases, the
RMS current of each phase and the power factor, averaged over the metering
interval. The twin's networks are balanced positive-sequence models
(pandapower ``runpp``), so every phase at a bus has the same voltage
magnitude ``vm_pu x U_n``; the per-phase readings differ only by the
meter's own voltage error (voltage unbalance is not modelled). The
current of phase ``j`` follows from the measured active power on it,
``I_j = |P| s_j / (U_j pf)``, so that ``I_j U_j pf`` gives back the measured
power of the phase.

The voltage error is a gain error of each phase's voltage channel, drawn
uniformly within the meter's class limit: IEC 61557-12 performance class
0.5 for voltage, the intrinsic uncertainty of a power metering and
monitoring device (PMD), ``+-0.5 %`` of the reading [1]_ (a meter's energy
accuracy class, IEC 62053-21/-22 [2]_, does not bound its voltage reading).

References
----------
.. [1] IEC 61557-12:2018, "Electrical safety in low voltage distribution
   systems up to 1 000 V a.c. and 1 500 V d.c. - Equipment for testing,
   measuring or monitoring of protective measures - Part 12: Power
   metering and monitoring devices (PMD)" (performance classes of the voltage
   measurement; class 0.5: +-0.5 % of reading).
.. [2] IEC 62053-21:2020 / IEC 62053-22:2020, "Electricity metering
   equipment - Particular requirements - Static meters for AC active
   energy (classes 0.5, 1 and 2 / 0.1S, 0.2S and 0.5S)".
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "VOLTAGE_ERROR_LIMIT",
    "draw_voltage_error",
    "phase_share",
    "power_factor_of",
    "power_quality_readings",
]

VOLTAGE_ERROR_LIMIT: Final = 0.005
"""Limit of a meter's voltage gain error [-]: IEC 61557-12 class 0.5 (+-0.5 % of reading),
assumed for every meter's voltage channels."""


def draw_voltage_error(
    rng: np.random.Generator, n: int, limit: float = VOLTAGE_ERROR_LIMIT
) -> NDArray[np.float64]:
    """Gain error of each phase's voltage channel [-], uniform in ``[-limit, limit]``, ``(n, 3)``.

    Draw for the whole fleet and restrict to the members (one draw per meter and phase).
    """
    return np.asarray(rng.uniform(-limit, limit, (n, 3)), dtype=np.float64)


def phase_share(phases: ArrayLike, share: ArrayLike) -> NDArray[np.float64]:
    """Share of each meter's power on L1, L2, L3, ``(n, 3)``: all on L1 for single-phase meters.

    Parameters
    ----------
    phases : array_like
        1 or 3 per meter, ``(n,)``.
    share : array_like
        Share per phase of the three-phase meters, ``(n, 3)``; ignored for single-phase ones.
    """
    single = np.asarray(phases) == 1
    out = np.array(share, dtype=np.float64, copy=True)
    out[single] = (1.0, 0.0, 0.0)
    return out


def power_factor_of(
    p_kw: ArrayLike, q_kvar: ArrayLike, fallback: ArrayLike, *, eps_kva: float = 1e-9
) -> NDArray[np.float64]:
    """Displacement power factor ``|P| / S`` of each meter's interval mean [-].

    Where the meter carries no power (``S <= eps_kva``) it keeps ``fallback``
    (its connection's rated power factor).
    """
    p = np.asarray(p_kw, dtype=np.float64)
    s = np.hypot(p, np.asarray(q_kvar, dtype=np.float64))
    carrying = s > eps_kva
    return np.asarray(
        np.where(carrying, np.abs(p) / np.where(carrying, s, 1.0), fallback), dtype=np.float64
    )


def power_quality_readings(
    vm_pu: ArrayLike,
    voltage_ln_v: ArrayLike,
    voltage_error: ArrayLike,
    measured_p_kw: ArrayLike,
    share: ArrayLike,
    power_factor: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Phase voltages [V] and phase currents [A] a meter reads, each ``(n, 3)``.

    Parameters
    ----------
    vm_pu : array_like
        Voltage magnitude at each meter's bus from the power flow [pu], ``(n,)``
        (NaN: unknown, and so are the readings).
    voltage_ln_v : array_like
        Nominal line-to-neutral voltage [V], ``(n,)``.
    voltage_error : array_like
        Gain error of each voltage channel [-], ``(n, 3)``.
    measured_p_kw : array_like
        Active power the meter measured (accuracy error included) [kW], ``(n,)``;
        export counts as its magnitude.
    share : array_like
        Share of the power per phase, ``(n, 3)`` (:func:`phase_share`).
    power_factor : array_like
        Power factor [-], ``(n,)``, in (0, 1].

    Returns
    -------
    voltage_v, current_a : numpy.ndarray
        ``U_j = vm_pu U_n (1 + e_j)`` and ``I_j = |P| s_j / (U_j pf)``; the
        current of a phase that carries no share is 0 (the caller blanks the
        phases a single-phase meter lacks).
    """
    u = (np.asarray(vm_pu, dtype=np.float64) * np.asarray(voltage_ln_v, dtype=np.float64))[
        :, None
    ] * (1.0 + np.asarray(voltage_error, dtype=np.float64))
    p_w = np.abs(np.asarray(measured_p_kw, dtype=np.float64)) * 1e3
    pf = np.asarray(power_factor, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        current = np.asarray(share, dtype=np.float64) * p_w[:, None] / (u * pf[:, None])
    return np.asarray(u, dtype=np.float64), np.asarray(current, dtype=np.float64)
