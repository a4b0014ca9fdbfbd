"""PV physics (layer 1): PVWatts DC per kWp by orientation, inverter, volt-watt.

Pure functions, numpy in and out, no state. The DC chain follows pvlib's
PVWatts ModelChain [1]_ [2]_: solar position at the middle of every weather
hour, Hay-Davies transposition to the plane of array, the physical
incidence-angle modifier on the beam, the SAPM cell temperature (close-mount
glass/glass, a rooftop), PVWatts DC with a power temperature coefficient,
and PVWatts system losses. The inverter is PVWatts' part-load efficiency
curve with an AC limit. Over-voltage curtailment is the volt-watt function
of IEEE 1547-2018 (Category B defaults) [3]_, which EN 50549-1 also offers
as P(U) [4]_.

References
----------
.. [1] Holmgren, Hansen, Mikofski (2018), "pvlib python: a python package for
   modeling solar energy systems", JOSS 3(29), 884 (pvlib 0.16).
.. [2] Dobos, A. P. (2014), "PVWatts Version 5 Manual", NREL/TP-6A20-62641.
.. [3] IEEE Std 1547-2018, "Interconnection and Interoperability of
   Distributed Energy Resources with Associated Electric Power Systems
   Interfaces", 5.4.2 and Table 10 (volt-watt: full power up to 1.06 pu,
   linear to 0 (or P_min) at 1.10 pu); 6.4 (over-voltage trip OV1 1.10 pu)
   and 4.10 (enter service 0.917-1.05 pu after 300 s).
.. [4] EN 50549-1:2019, "Requirements for generating plants to be connected
   in parallel with distribution networks - Part 1: LV", 4.7.4
   (voltage-related active power reduction) and 4.9 (interface protection:
   the 10-min mean over-voltage function at 1.10 Un, after EN 50160).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pvlib  # type: ignore[import-untyped]
from numpy.typing import ArrayLike, NDArray

from twin.devices.weather import Weather

__all__ = [
    "PVWATTS_LOSSES_PERCENT",
    "dc_kw_per_kwp_hourly",
    "inverter_ac_kw",
    "volt_watt_fraction",
]

PVWATTS_LOSSES_PERCENT: Final = 14.08
"""Default PVWatts system losses [%] (pvlib.pvsystem.pvwatts_losses defaults)."""

CLOSE_MOUNT: Final = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][
    "close_mount_glass_glass"
]
"""SAPM cell-temperature parameters of a roof-mounted module (a, b, deltaT)."""


def dc_kw_per_kwp_hourly(
    weather: Weather,
    tilt_deg: ArrayLike,
    azimuth_deg: ArrayLike,
    *,
    gamma_pdc_per_c: float = -0.0037,
    losses_percent: float = PVWATTS_LOSSES_PERCENT,
    albedo: float = 0.2,
) -> NDArray[np.float64]:
    """PVWatts DC output per kWp for every weather hour and orientation.

    Parameters
    ----------
    weather : Weather
        Typical-year hourly weather (hour ``i`` covers ``[i, i + 1)`` h).
    tilt_deg : array_like
        Surface tilt from horizontal [deg], shape ``(m,)``.
    azimuth_deg : array_like
        Surface azimuth [deg], clockwise from north (180 = south), ``(m,)``.
    gamma_pdc_per_c : float
        Power temperature coefficient [1/degC].
    losses_percent : float
        PVWatts system losses (soiling, wiring, mismatch, ...) [%].
    albedo : float
        Ground reflectance [-].

    Returns
    -------
    numpy.ndarray
        DC power per kWp of DC nameplate after losses [kW/kWp], shape
        ``(8760, m)``, >= 0.

    References
    ----------
    .. [1] pvlib 0.16: ``irradiance.get_total_irradiance`` (haydavies),
       ``iam.physical``, ``temperature.sapm_cell``, ``pvsystem.pvwatts_dc``.
    """
    tilt = np.atleast_1d(np.asarray(tilt_deg, dtype=np.float64))[None, :]
    azimuth = np.atleast_1d(np.asarray(azimuth_deg, dtype=np.float64))[None, :]
    times = weather.hour_midpoints
    sun = pvlib.solarposition.get_solarposition(
        times, weather.latitude_deg, weather.longitude_deg, weather.altitude_m
    )
    zenith = sun["apparent_zenith"].to_numpy()[:, None]
    sun_azimuth = sun["azimuth"].to_numpy()[:, None]
    dni_extra = np.asarray(pvlib.irradiance.get_extra_radiation(times))[:, None]
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, zenith, sun_azimuth,
        weather.dni_w_m2[:, None], weather.ghi_w_m2[:, None], weather.dhi_w_m2[:, None],
        dni_extra=dni_extra, model="haydavies", albedo=albedo,
    )  # fmt: skip
    aoi = pvlib.irradiance.aoi(tilt, azimuth, zenith, sun_azimuth)
    effective = np.nan_to_num(
        np.asarray(poa["poa_direct"]) * pvlib.iam.physical(aoi) + np.asarray(poa["poa_diffuse"])
    )
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"]))
    temp_cell = pvlib.temperature.sapm_cell(
        poa_global, weather.temp_air_c[:, None], weather.wind_speed_m_s[:, None], **CLOSE_MOUNT
    )
    dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, 1.0, gamma_pdc_per_c)
    return np.maximum(np.asarray(dc, dtype=np.float64) * (1.0 - losses_percent / 100.0), 0.0)


def inverter_ac_kw(
    dc_kw: NDArray[np.float64],
    ac_max_kw: NDArray[np.float64],
    *,
    eta_inv_nom: float = 0.96,
    eta_inv_ref: float = 0.9637,
) -> NDArray[np.float64]:
    """PVWatts inverter: part-load efficiency, then the AC limit.

    Parameters
    ----------
    dc_kw : numpy.ndarray
        DC input power [kW], >= 0.
    ac_max_kw : numpy.ndarray
        Inverter AC rating [kW], > 0 (broadcast against ``dc_kw``).
    eta_inv_nom : float
        Nominal inverter efficiency [-].
    eta_inv_ref : float
        Reference efficiency of the PVWatts curve [-].

    Returns
    -------
    numpy.ndarray
        AC output [kW], ``0 <= ac <= ac_max_kw``; equal to
        ``pvlib.inverter.pvwatts(dc, ac_max / eta_inv_nom)``.

    References
    ----------
    .. [1] Dobos (2014), PVWatts Version 5 Manual, eq. 10-11.
    """
    pdc0 = ac_max_kw / eta_inv_nom
    zeta = np.maximum(dc_kw, 1e-12) / pdc0
    eta = (eta_inv_nom / eta_inv_ref) * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)
    ac = np.minimum(np.maximum(eta * dc_kw, 0.0), ac_max_kw)
    return np.asarray(ac, dtype=np.float64)


def volt_watt_fraction(
    vm_pu: NDArray[np.float64] | float,
    *,
    v_start_pu: float = 1.06,
    v_end_pu: float = 1.10,
    p_end_fraction: float = 0.0,
) -> NDArray[np.float64]:
    """Volt-watt limit on active power as a fraction of the rated AC power.

    Parameters
    ----------
    vm_pu : numpy.ndarray or float
        Bus voltage magnitude [pu].
    v_start_pu : float
        Voltage where curtailment begins (V1) [pu]; IEEE 1547-2018 Cat. B
        default 1.06.
    v_end_pu : float
        Voltage where the limit reaches ``p_end_fraction`` (V2) [pu]; default 1.10.
    p_end_fraction : float
        Limit at and above ``v_end_pu`` (P2) [-]; 0 for a PV inverter that
        cannot absorb power (IEEE 1547-2018 Table 10: min(0.2, P_min)).

    Returns
    -------
    numpy.ndarray
        The fraction [-], 1 below ``v_start_pu``, linear to
        ``p_end_fraction`` at ``v_end_pu``, flat above.

    References
    ----------
    .. [1] IEEE Std 1547-2018, 5.4.2 and Table 10.
    .. [2] EN 50549-1:2019, 4.7.4.
    """
    v = np.asarray(vm_pu, dtype=np.float64)
    slope = (1.0 - p_end_fraction) / (v_end_pu - v_start_pu)
    return np.asarray(np.clip(1.0 - (v - v_start_pu) * slope, p_end_fraction, 1.0))
