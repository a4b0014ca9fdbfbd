"""Credit kernels of prepaid accounts: prices per register, charges in minor units and
the friendly-credit calendar.

Charges are kept exact (float minor units since the account opened) and the
account is debited the change of their half-up rounded total, so that the
sum of the debits is the rounded total to the minor unit whatever the
number of intervals (no drift of per-interval rounding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.scenario.tariff_models import TariffPlan

__all__ = ["TRANSACTION_KINDS", "friendly_mask", "prepaid_prices", "rounded_minor"]

TRANSACTION_KINDS = ("sale", "return", "correction", "emergency", "refund")
"""Kinds of external/prepaid_transaction, in the order reports list them."""

_NOISE = 6
"""Decimals of a minor unit kept before rounding (as :mod:`twin.services.billing.money`)."""


def prepaid_prices(plan: TariffPlan, registers: int) -> NDArray[np.float64]:
    """Energy price per tariff register of a plan as a prepaid meter applies it [currency/kWh].

    A flat plan prices every register alike, a time-of-use plan each register
    at its own price. A tiered plan is applied at its first tier's price:
    a prepayment meter debits as energy flows and does not know the
    cumulative energy of the tier period across tenancies (a simplification;
    the first tier covers about 80 % of households' use, NDRC 2012).
    Demand charges and export credit do not apply to prepaid accounts.

    Parameters
    ----------
    plan : TariffPlan
        The premise's plan.
    registers : int
        Tariff registers of the meters (1 .. 4).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(registers,)``.
    """
    if plan.kind == "time_of_use":
        prices = np.asarray(plan.register_prices_per_kwh, dtype=np.float64)
        if prices.size != registers:
            raise ValueError(f"plan prices {prices.size} registers; expected {registers}")
        return prices
    if plan.kind == "tiered":
        assert plan.tiers is not None
        return np.full(registers, plan.tiers[0].price_per_kwh, dtype=np.float64)
    assert plan.price_per_kwh is not None
    return np.full(registers, plan.price_per_kwh, dtype=np.float64)


def rounded_minor(exact_minor: NDArray[np.float64]) -> NDArray[np.int64]:
    """Half-up rounding (away from zero) of amounts in minor units to whole minor units."""
    scaled = np.round(np.asarray(exact_minor, dtype=np.float64), _NOISE)
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


def friendly_mask(
    local: pd.DatetimeIndex,
    *,
    night: tuple[float, float] | None,
    weekends: bool,
    holidays: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Whether each local time lies in a friendly-credit period.

    Parameters
    ----------
    local : pandas.DatetimeIndex
        Times in the local time zone (tz-aware).
    night : tuple of float, optional
        ``[start, end)`` local hours of the nightly period, wrapping midnight
        when ``start > end``; None for none.
    weekends : bool
        Saturdays and Sundays are friendly.
    holidays : numpy.ndarray
        Public holidays, int64 days since 1970 (local dates); friendly all day.

    Returns
    -------
    numpy.ndarray
        bool per time.
    """
    hour = np.asarray(local.hour + local.minute / 60.0 + local.second / 3600.0, dtype=np.float64)
    out = np.zeros(hour.size, dtype=bool)
    if night is not None:
        start, end = night
        out |= (hour >= start) | (hour < end) if start > end else (hour >= start) & (hour < end)
    if weekends:
        out |= np.asarray(local.weekday >= 5, dtype=bool)
    if holidays.size:
        day = local.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
        out |= np.isin(day, holidays)
    return out
