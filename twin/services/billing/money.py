"""Currencies and rounding of charges to a currency's minor unit.

The minor unit is the number of decimals of a currency's smallest unit, as
ISO 4217 lists it ("minor unit" column): 2 for EUR (cents), 0 for JPY, 3 for
KWD. Each charge of a bill is rounded half-up (half away from zero) to it,
the commercial rounding of invoices (as in DIN 1333 and most tax rules).

References
----------
ISO 4217:2015, Codes for the representation of currencies, Table A.1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MINOR_UNITS", "minor_unit_of", "round_half_up"]

MINOR_UNITS: dict[str, int] = {
    "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2,
    "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "INR": 2, "ISK": 0,
    "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "NOK": 2, "NZD": 2, "OMR": 3,
    "PLN": 2, "RON": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2,
    "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip
"""ISO 4217 minor units of common currencies; any other needs ``tariffs.minor_unit``."""

_NOISE_DECIMALS = 6
"""Decimals (of the minor unit) kept before rounding, so that a product such as
2.675 stored as 2.67499999... still rounds up: binary floating point noise is
far below 1e-6 of a cent for any realistic bill."""


def minor_unit_of(currency: str) -> int | None:
    """ISO 4217 minor unit of ``currency`` (None when not in :data:`MINOR_UNITS`)."""
    return MINOR_UNITS.get(currency)


def round_half_up(amount: ArrayLike, decimals: int) -> NDArray[np.float64]:
    """Round to ``decimals`` decimals, halves away from zero (half-up for charges >= 0).

    Parameters
    ----------
    amount : array_like
        Amounts in currency units.
    decimals : int
        The currency's minor unit (0 .. 4).

    Returns
    -------
    numpy.ndarray
        float64 amounts, each a whole number of minor units.
    """
    scale = 10.0**decimals
    scaled = np.round(np.asarray(amount, dtype=np.float64) * scale, _NOISE_DECIMALS)
    whole = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    return np.asarray(whole / scale, dtype=np.float64)
