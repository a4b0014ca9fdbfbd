"""What a customer fleet draws once, at creation: levels, timing, shifts, phases.

Every draw is made for the full fleet, in a fixed order, whatever the
members; :class:`~twin.devices.customers.CustomerFleet` restricts the
results to its members afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import TimeAxis
from twin.devices.checks import one_of
from twin.devices.customers.classes import CUSTOMER_CLASSES, CUSTOMER_KINDS, customer_kind_of
from twin.devices.customers.kernel import (
    closed_day_start_probability,
    mean_one_lognormal,
    ou_interval_lag1_correlation,
    ou_interval_mean_sd,
)
from twin.devices.customers.params import CustomerParams

__all__ = ["CustomerDraws", "PerCustomer", "check_inputs"]

_SECONDS_PER_DAY = 86_400


def check_inputs(
    classes: Sequence[str],
    annual_kwh: ArrayLike,
    axis: TimeAxis,
    temp_air_c: ArrayLike,
) -> tuple[NDArray[np.object_], NDArray[np.float64], NDArray[np.float64]]:
    """Validate the inputs of :meth:`CustomerFleet.create`; return them as arrays.

    Raises
    ------
    ValueError
        Naming the first offending input, its value and what is allowed.
    """
    listed = [classes] if isinstance(classes, str) else [str(c) for c in classes]
    names = np.asarray(listed, dtype=object).reshape(-1)
    unknown = [c for c in dict.fromkeys(names.tolist()) if c not in CUSTOMER_CLASSES]
    if unknown:
        raise ValueError(
            f"classes given an invalid value {unknown[0]!r}; "
            f"expected one of {one_of(CUSTOMER_CLASSES)}"
        )
    energy = np.asarray(annual_kwh, dtype=np.float64)
    if energy.ndim != 1 or energy.size != names.size:
        raise ValueError(
            f"annual_kwh given shape {energy.shape}; expected ({names.size},), one value "
            "per entry of classes"
        )
    bad = np.flatnonzero(~(np.isfinite(energy) & (energy > 0)))
    if bad.size:
        raise ValueError(
            f"annual_kwh given {float(energy[bad[0]])!r} at position {int(bad[0])}; "
            "expected finite values > 0 [kWh/yr]"
        )
    if axis.interval_s <= 0 or _SECONDS_PER_DAY % axis.interval_s:
        raise ValueError(
            f"axis.interval_s given {axis.interval_s!r}; expected a divisor of a day (86400 s)"
        )
    temp = np.asarray(temp_air_c, dtype=np.float64)
    if temp.shape != (axis.n_intervals,):
        raise ValueError(
            f"temp_air_c given shape {temp.shape}; expected ({axis.n_intervals},), one "
            "value per interval of the axis [degC]"
        )
    if not np.all(np.isfinite(temp)):
        raise ValueError("temp_air_c given non-finite values; expected finite temperatures [degC]")
    return names, energy, temp


@dataclass(frozen=True)
class PerCustomer:
    """Per-customer constants of a kind or class, spread over a fleet."""

    kind_code: NDArray[np.intp]
    power_factor: NDArray[np.float64]
    level_sigma: NDArray[np.float64]
    shift_sd_s: NDArray[np.float64]
    shift_max_s: NDArray[np.float64]
    daily_sigma: NDArray[np.float64]
    daily_phi: NDArray[np.float64]
    noise_sigma: NDArray[np.float64]
    noise_rho: NDArray[np.float64]
    closed_share: NDArray[np.float64]
    closed_start: NDArray[np.float64]

    @classmethod
    def spread(cls, names: NDArray[np.object_], p: CustomerParams, interval_s: int) -> PerCustomer:
        """Look up every class's and kind's constants for each customer."""
        kinds = [customer_kind_of(c) for c in CUSTOMER_CLASSES]
        class_code = np.asarray(
            [CUSTOMER_CLASSES.index(c) for c in names.tolist()], dtype=np.intp
        ).reshape(-1)
        kind_of_class = np.asarray([CUSTOMER_KINDS.index(k) for k in kinds], dtype=np.intp)
        kind_code = kind_of_class[class_code]
        var = [p.variation(k) for k in CUSTOMER_KINDS]

        def per_kind(values: list[float]) -> NDArray[np.float64]:
            return np.asarray(values, dtype=np.float64)[kind_code]

        tau_s = np.asarray([v.noise_tau_min * 60.0 for v in var])
        sigma_dt = ou_interval_mean_sd([v.noise_sigma_15min for v in var], tau_s, interval_s)
        rho = ou_interval_lag1_correlation(tau_s, interval_s)
        share = np.asarray([float(p.closed_day_probability.get(c, 0.0)) for c in CUSTOMER_CLASSES])[
            class_code
        ]
        return cls(
            kind_code=kind_code,
            power_factor=per_kind([p.power_factor(k) for k in CUSTOMER_KINDS]),
            level_sigma=per_kind([v.level_sigma for v in var]),
            shift_sd_s=per_kind([v.shift_sd_min * 60.0 for v in var]),
            shift_max_s=per_kind([v.shift_max_min * 60.0 for v in var]),
            daily_sigma=per_kind([v.daily_sigma for v in var]),
            daily_phi=per_kind([v.daily_phi for v in var]),
            noise_sigma=sigma_dt[kind_code],
            noise_rho=rho[kind_code],
            closed_share=share,
            closed_start=closed_day_start_probability(share, p.closed_day_persistence),
        )


@dataclass(frozen=True)
class CustomerDraws:
    """Everything drawn for a full fleet at creation, in the order it is drawn.

    Attributes
    ----------
    level : numpy.ndarray
        Mean-one lognormal factor of each customer's annual energy [-].
    shift_s : numpy.ndarray
        Timing offset [s]; positive opens and closes later.
    n_shifts : numpy.ndarray
        Shifts of a factory on workdays (1..3; drawn for everyone).
    saturday : numpy.ndarray
        A factory works a Saturday early shift (drawn for everyone).
    base_share : numpy.ndarray
        A factory's closed load as a share of its production load [-].
    cooling_factor : numpy.ndarray
        Mean-one lognormal spread of a base station's cooling slope [-].
    phase_u : numpy.ndarray
        Uniform draw: single-phase where below ``single_phase_share``.
    phase : numpy.ndarray
        Phase of a single-phase customer, 0..2 (L1..L3).
    three_phase_share : numpy.ndarray
        ``(n, 3)`` Dirichlet shares of a three-phase customer.
    daily_x, noise_y : numpy.ndarray
        Standard normal start states of the daily and interval AR(1) [-].
    closed : numpy.ndarray
        Closed on the first day (stationary share of the closure chain).
    """

    level: NDArray[np.float64]
    shift_s: NDArray[np.float64]
    n_shifts: NDArray[np.int64]
    saturday: NDArray[np.bool_]
    base_share: NDArray[np.float64]
    cooling_factor: NDArray[np.float64]
    phase_u: NDArray[np.float64]
    phase: NDArray[np.int8]
    three_phase_share: NDArray[np.float64]
    daily_x: NDArray[np.float64]
    noise_y: NDArray[np.float64]
    closed: NDArray[np.bool_]

    @classmethod
    def draw(cls, rng: np.random.Generator, c: PerCustomer, p: CustomerParams) -> CustomerDraws:
        """Draw for all ``n`` customers of the full fleet."""
        n = c.kind_code.size
        level = mean_one_lognormal(rng.standard_normal(n), c.level_sigma)
        shift = np.clip(rng.standard_normal(n) * c.shift_sd_s, -c.shift_max_s, c.shift_max_s)
        shares = np.asarray(p.factory_shift_shares, dtype=np.float64)
        n_shifts = rng.choice(3, size=n, p=shares / shares.sum()).astype(np.int64) + 1
        saturday = rng.random(n) < p.factory_saturday_share
        base_share = rng.uniform(*p.factory_base_share, size=n)
        cooling = mean_one_lognormal(rng.standard_normal(n), p.base_station_cooling_sigma)
        phase_u = rng.random(n)
        phase = rng.integers(0, 3, size=n).astype(np.int8)
        dirichlet = rng.dirichlet(np.full(3, p.three_phase_concentration), size=n)
        daily_x = rng.standard_normal(n)
        noise_y = rng.standard_normal(n)
        closed = rng.random(n) < c.closed_share
        return cls(
            level=level,
            shift_s=shift,
            n_shifts=n_shifts,
            saturday=saturday,
            base_share=base_share,
            cooling_factor=cooling,
            phase_u=phase_u,
            phase=phase,
            three_phase_share=dirichlet,
            daily_x=daily_x,
            noise_y=noise_y,
            closed=closed,
        )
