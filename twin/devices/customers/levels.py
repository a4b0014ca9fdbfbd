"""How big each customer is: the terms of its power, its expected peak and its phases.

A customer's power in an interval is ``(b + a * X + it_kw * cooling) * F``
(see :mod:`twin.devices.customers.fleet`); :class:`CustomerLevels` solves
``a``, ``b``, ``it_kw`` and the cooling slope so that the expected energy
over a calendar year is the customer's drawn annual energy, and derives
the expected peak and the phase connection from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.devices.customers.classes import CUSTOMER_KINDS
from twin.devices.customers.draws import CustomerDraws, PerCustomer
from twin.devices.customers.kernel import mean_one_lognormal
from twin.devices.customers.params import CustomerParams
from twin.devices.customers.shapes import ROWS, reference_stats

__all__ = ["PEAK_Z", "CustomerLevels"]

PEAK_Z: Final = 2.326
"""``peak_kw`` allows for the 99th percentile of a customer's noise factors [-]."""

_HOURS_PER_YEAR: Final = 8760.0
_BASE_STATION: Final = CUSTOMER_KINDS.index("base_station")
_FACTORY: Final = CUSTOMER_KINDS.index("factory")
_BASE_STATION_ROW: Final = ROWS.index("base_station")


@dataclass(frozen=True)
class CustomerLevels:
    """Per customer of the full fleet: shape row, power terms, peak and phases.

    Attributes
    ----------
    row : numpy.ndarray
        Row of :data:`~twin.devices.customers.shapes.ROWS` (intp).
    annual_kwh : numpy.ndarray
        Drawn annual energy [kWh/yr].
    a : numpy.ndarray
        Weight of the shape: [kWh/yr] for BDEW rows (their shape is in kW
        per kWh/yr), [kW] for the others.
    b : numpy.ndarray
        Shape-independent power [kW]: a factory's base load, a base
        station's fixed IT power; 0 for BDEW classes.
    it_kw : numpy.ndarray
        Mean IT power of a base station [kW] (0 for the others).
    cool_k : numpy.ndarray
        Cooling power per kelvin above the set point, share of IT power [1/K].
    peak_kw : numpy.ndarray
        Expected peak demand [kW].
    three_phase : numpy.ndarray
        bool: connected on three phases.
    phase_share : numpy.ndarray
        ``(n, 3)`` share of the power on L1, L2, L3.
    """

    row: NDArray[np.intp]
    annual_kwh: NDArray[np.float64]
    a: NDArray[np.float64]
    b: NDArray[np.float64]
    it_kw: NDArray[np.float64]
    cool_k: NDArray[np.float64]
    peak_kw: NDArray[np.float64]
    three_phase: NDArray[np.bool_]
    phase_share: NDArray[np.float64]

    @classmethod
    def solve(
        cls,
        names: NDArray[np.object_],
        given_kwh: NDArray[np.float64],
        temp_air_c: NDArray[np.float64],
        c: PerCustomer,
        d: CustomerDraws,
        p: CustomerParams,
        year: int,
    ) -> CustomerLevels:
        """Levels of every customer, normalised over the calendar ``year`` of the run start.

        BDEW classes keep demandlib's annual normalisation (the shape summed
        over a year is 1 per kWh/yr), raised by the energy their closed days
        save; a factory's production load is set by its shift pattern's
        mean over the year and its base share; a base station's IT power by
        the cooling of the reference climate.
        """
        ref_mean, ref_closed, ref_max = reference_stats(year, p)
        kind = c.kind_code
        is_bs, is_factory = kind == _BASE_STATION, kind == _FACTORY
        row = np.asarray([ROWS.index(n) if n in ROWS else 0 for n in names.tolist()], np.intp)
        row = np.where(is_bs, _BASE_STATION_ROW, row)
        variant = 2 * (d.n_shifts - 1) + d.saturday
        row = np.where(is_factory, _BASE_STATION_ROW + 1 + variant, row).astype(np.intp)
        annual = given_kwh * d.level
        mix = (1.0 - c.closed_share) * ref_mean[row] + c.closed_share * ref_closed[row]
        mean_kw = annual / _HOURS_PER_YEAR

        # BDEW classes: the profile at the annual energy, less what closed days save.
        a = annual * ref_mean[row] / mix
        b = np.zeros(annual.size)
        peak = a * ref_max[row]
        # Factories: production load P above a base load of base_share * P.
        prod_kw = mean_kw / (d.base_share + (1.0 - d.base_share) * mix)
        a = np.where(is_factory, prod_kw * (1.0 - d.base_share), a)
        b = np.where(is_factory, prod_kw * d.base_share, b)
        peak = np.where(is_factory, prod_kw, peak)
        # Base stations: IT power (fixed + traffic) and cooling in the reference climate.
        s = p.base_station_traffic_share
        cool_k = np.where(is_bs, p.base_station_cooling_per_k * d.cooling_factor, 0.0)
        fan, cap = p.base_station_fan_share, p.base_station_cooling_max
        ref_cool = np.minimum(fan + cool_k * p.base_station_reference_excess_k, cap)
        it_kw = np.where(is_bs, mean_kw / (1.0 + ref_cool), 0.0)
        hot = float(temp_air_c.max(initial=p.base_station_set_point_c))
        hot_cool = np.minimum(fan + cool_k * (hot - p.base_station_set_point_c), cap)
        a = np.where(is_bs, it_kw * s / mix, a)
        b = np.where(is_bs, it_kw * (1.0 - s), b)
        peak = np.where(is_bs, b + a * ref_max[row] + it_kw * hot_cool, peak)
        peak = peak * mean_one_lognormal(PEAK_Z, np.sqrt(c.daily_sigma**2 + c.noise_sigma**2))

        three = is_factory | (peak > p.single_phase_max_kw) | (d.phase_u >= p.single_phase_share)
        phase_share = np.where(three[:, None], d.three_phase_share, np.eye(3)[d.phase])
        return cls(
            row=row,
            annual_kwh=annual,
            a=a,
            b=b,
            it_kw=it_kw,
            cool_k=cool_k,
            peak_kw=peak,
            three_phase=three,
            phase_share=phase_share,
        )
