"""Household water demand: per-person draws by time of day, occupancy and season (layer 1).

A home's people draw water only while somebody is at home: fully while
somebody is active (showers, toilets, kitchen taps, washing machine and
dishwasher), a little while everybody is at home and inactive (a toilet
flush at night), nothing while the home is empty (away, holiday, vacant).
The intensity while active follows a diurnal weight (:data:`HOURLY_WEIGHT`)
with a morning peak (showers and toilets before work and school) and an
evening peak (cooking, dishes, baths, laundry), the shape of measured
residential end-use patterns [2]_ [3]_. Each home's intensity is normalised so
that a day with its occupancy profile's typical presence uses
``persons x litres_per_person_day`` (times the season factor): a household
out all day uses less at home, as it does.

A year's mean use per person in German homes is about 125 l/d (BDEW
Wasserstatistik [1]_); European countries lie at 120-150 l/d (EEA [4]_).
Summer use is higher (gardens, more showers): :func:`season_factor` is a
mean-one cosine peaking in mid-July [5]_.

References
----------
.. [1] BDEW (2023), "Wasserstatistik": household and small-business use of
   drinking water in Germany, about 125 litres per inhabitant per day (2022).
.. [2] E. J. M. Blokker, J. H. G. Vreeburg, J. C. van Dijk (2010), "Simulating
   residential water demand with a stochastic end-use model", Journal of Water
   Resources Planning and Management 136(1), 19-26 (SIMDEUM: end uses,
   frequencies, volumes and their diurnal pattern, morning and evening peaks).
.. [3] W. B. DeOreo, P. Mayer et al. (2016), "Residential End Uses of Water,
   Version 2", Water Research Foundation, Denver (hourly use pattern: morning
   peak 7-9 h, evening peak 18-21 h; volumes per event; leaks).
.. [4] European Environment Agency (2018), "European waters - assessment of
   status and pressures", household water use 120-150 l per person per day in
   most European countries.
.. [5] DVGW W 410 (2008), "Wasserbedarf - Kennwerte und Einflussgroessen":
   seasonal variation of domestic demand, summer maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EVENT_LITRES",
    "HOURLY_WEIGHT",
    "INACTIVE_WEIGHT",
    "PERSONS",
    "SEASON_PEAK_DAY",
    "expected_daily_weight",
    "persons_of",
    "season_factor",
    "state_weights",
]

PERSONS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "single": 1,
        "working_couple": 2,
        "retired": 2,
        "family": 4,
        "shift_worker": 2,
        "long_hours_worker": 1,
        "student": 1,
        "seasonal": 2,
        "long_term_vacant": 0,
    }
)
"""People living in a home by occupancy kind [-]. Single, working couple, retired and
family as the household model's CREST stand-ins
(:data:`twin.devices.households.validation.OCCUPANTS`: a family is two adults and two
children, Destatis Mikrozensus 2023: 3.9 members); a shift worker lives with a partner,
long-hours workers and students alone, a seasonal home hosts a couple (assumed); nobody
lives in a long-term vacant home."""

# fmt: off
HOURLY_WEIGHT: Final = np.array((
    0.4, 0.3, 0.3, 0.3, 0.4, 0.8, 2.0, 2.4, 1.9, 1.4, 1.1, 1.0,
    1.0, 0.9, 0.8, 0.8, 0.9, 1.1, 1.3, 1.4, 1.3, 1.2, 1.0, 0.7,
), dtype=np.float64)
# fmt: on
"""Relative water use per hour of local time while somebody is at home and active [-]:
showers and toilets in the morning, kitchen, dishes, baths and laundry in the evening,
shaped after the diurnal patterns of SIMDEUM [2]_ and REU2016 [3]_ (assumed numbers,
not copied data; the occupancy chain adds the presence pattern on top)."""

INACTIVE_WEIGHT: Final = 0.05
"""Water use while everybody at home is inactive (asleep), relative to active [-]:
the odd toilet flush at night (assumed)."""

EVENT_LITRES: Final = 7.0
"""Mean volume of one water-use event [l]: toilet flushes (6 l), tap uses (1-2 l),
showers (40-60 l), washing-machine and dishwasher cycles (40-50 l, 10-15 l); about
16-18 events a person a day at 125 l (frequencies and volumes after SIMDEUM [2]_)."""

SEASON_AMPLITUDE: Final = 0.10
"""Amplitude of the seasonal cosine of household water use [-]: +10 % in mid-July,
-10 % in mid-January (assumed, after DVGW W 410 [5]_ monthly factors)."""

SEASON_PEAK_DAY: Final = 196
"""Day of the year of the seasonal maximum (15 July) [-]."""

_DAY_TYPE_WEIGHTS: Final = (5.0 / 7.0, 2.0 / 7.0)
"""Share of weekdays and weekend days in a week [-]."""


def season_factor(day_of_year: ArrayLike) -> NDArray[np.float64]:
    """Mean-one seasonal factor of water use [-] (:data:`SEASON_AMPLITUDE`).

    Parameters
    ----------
    day_of_year : array_like
        Day of the year, 1..366.
    """
    doy = np.asarray(day_of_year, dtype=np.float64)
    return np.asarray(
        1.0 + SEASON_AMPLITUDE * np.cos(2.0 * np.pi * (doy - SEASON_PEAK_DAY) / 365.25),
        dtype=np.float64,
    )


def state_weights(
    local_hour: float,
    hourly: NDArray[np.float64] = HOURLY_WEIGHT,
    inactive: float = INACTIVE_WEIGHT,
) -> NDArray[np.float64]:
    """Use per occupancy state (away, inactive, active) at a local hour [-].

    ``hourly`` is the 24 hourly weights while active (default water's
    :data:`HOURLY_WEIGHT`), ``inactive`` the share of it while everybody at
    home is inactive.
    """
    w = float(hourly[int(local_hour) % 24])
    return np.array([0.0, inactive * w, w])


def expected_daily_weight(
    marginals: NDArray[np.float64],
    interval_s: int,
    hourly: NDArray[np.float64] = HOURLY_WEIGHT,
    inactive: float = INACTIVE_WEIGHT,
) -> NDArray[np.float64]:
    """Expected weight-hours of a day per occupancy profile row [h].

    ``sum over slots of dt_h * hourly(hour) * (P_inactive * inactive + P_active)``,
    averaged over weekdays and weekend days; dividing a home's daily volume (or
    energy) by it gives its use per weight-hour (see :func:`state_weights`).

    Parameters
    ----------
    marginals : numpy.ndarray
        ``(2, slots, rows, 3)`` state probabilities of the occupancy chain
        (:attr:`twin.devices.households.HouseholdFleet.state_marginals`).
    interval_s : int
        Length of a slot [s].

    Returns
    -------
    numpy.ndarray
        ``(rows,)`` float64, >= 0.
    """
    slots = marginals.shape[1]
    dt_h = interval_s / 3600.0
    hour = ((np.arange(slots) + 0.5) * dt_h).astype(np.int64) % 24
    w = np.asarray(hourly)[hour] * dt_h
    per_state = np.array([0.0, inactive, 1.0])
    by_day = np.einsum("s,dsrk,k->dr", w, marginals, per_state)
    return np.asarray(np.tensordot(np.asarray(_DAY_TYPE_WEIGHTS), by_day, axes=1))


def persons_of(kinds: NDArray[np.object_]) -> NDArray[np.int64]:
    """People per home from its occupancy kind (:data:`PERSONS`; unknown kinds: 2)."""
    return np.fromiter((PERSONS.get(str(k), 2) for k in kinds), dtype=np.int64, count=kinds.size)
