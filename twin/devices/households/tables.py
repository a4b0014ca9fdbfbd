"""Look-up tables that make a fleet step cheap.

Everything that depends only on the calendar (time of day, day type, season,
daylight) and on the archetype is computed once per run, here. A fleet step
then needs a handful of vectorised gathers, whatever the fleet size.

Rows: every occupancy profile comes in :data:`SHIFTS_H` variants (homes that
get up earlier or later), plus one ``vacant`` row whose homes are always away.
The row of a home times three plus its state indexes the flat per-interval
tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.households.kernel import (
    appliance_intensity,
    lighting_fraction,
    seasonal_factor,
    solar_elevation_deg,
)
from twin.devices.households.occupancy import (
    HOME_ACTIVE,
    HOME_INACTIVE,
    N_STATES,
    PROFILE_NAMES,
    DayType,
    marginal_state_probabilities,
    renewal_probability,
    transition_matrices,
)

__all__ = [
    "AWAY_BACKGROUND",
    "INACTIVE_BACKGROUND",
    "LIGHTING_RATIO",
    "SEASON_EXPONENT",
    "SHIFTS_H",
    "SHIFT_PROBABILITY",
    "CalendarFeatures",
    "StepTables",
    "expected_activity_hours",
    "profile_row",
]

SHIFTS_H: Final = (-1.0, -0.5, 0.0, 0.5, 1.0)
"""Personal schedule shifts [h] (later is positive)."""

SHIFT_PROBABILITY: Final = (0.1, 0.2, 0.4, 0.2, 0.1)
"""Share of homes per schedule shift."""

AWAY_BACKGROUND: Final = 0.06
"""Activity level while away [-]: timer-run washing and dish washing, devices
left on. Always-on loads (pumps, freezers, network) are in the baseload."""

INACTIVE_BACKGROUND: Final = 0.12
"""Activity level while at home but asleep or inactive [-]: the same plus
chargers, a reading lamp, night-time appliance cycles. With the baseload it
sets the fleet's night level: BDEW H25's night minimum is 0.59 of the weekday
mean, the fleet's 0.59 (README)."""

LIGHTING_RATIO: Final = 0.30
"""Lighting power of an active home in full darkness, relative to its
appliance scale [-]; gives lighting some 10 % of household electricity, as in
German end-use surveys (BDEW/co2online about 9-11 %)."""

SEASON_EXPONENT: Final = 0.6
"""Damping of the BDEW dynamisation on appliance use [-]: lighting carries part
of the seasonal swing itself, through daylight."""

N_VARIANTS: Final = len(SHIFTS_H)
N_ROWS: Final = len(PROFILE_NAMES) * N_VARIANTS + 1
VACANT_ROW: Final = N_ROWS - 1
WEEKDAY, WEEKEND = 0, 1
# Transition kinds: (day type of the previous interval, of this interval).
_TRANSITION_KINDS: Final = (
    (WEEKDAY, WEEKDAY),
    (WEEKEND, WEEKEND),
    (WEEKDAY, WEEKEND),
    (WEEKEND, WEEKDAY),
)
_DAY_NAMES: Final[tuple[DayType, DayType]] = ("weekday", "weekend")


def profile_row(profile_index: NDArray[np.int64], variant: NDArray[np.int64]) -> NDArray[np.int64]:
    """Row of a profile (index into ``PROFILE_NAMES``) and schedule variant."""
    return np.asarray(profile_index, dtype=np.int64) * N_VARIANTS + np.asarray(variant)


@dataclass(frozen=True)
class CalendarFeatures:
    """Per-interval calendar facts of a time axis that the load model needs.

    Attributes
    ----------
    slot : numpy.ndarray
        Interval of the local day, int64, ``0 .. 86400/dt - 1``.
    day_type : numpy.ndarray
        0 weekday, 1 weekend (local), int64.
    transition_kind : numpy.ndarray
        Index into the transition kinds (day type before and now), int64.
    season : numpy.ndarray
        Seasonal appliance factor [-].
    darkness : numpy.ndarray
        Lighting fraction [-] at the interval midpoint.
    day_of_year : numpy.ndarray
        Local day of year, int64.
    """

    slot: NDArray[np.int64]
    day_type: NDArray[np.int64]
    transition_kind: NDArray[np.int64]
    season: NDArray[np.float64]
    darkness: NDArray[np.float64]
    day_of_year: NDArray[np.int64]

    @classmethod
    def of(
        cls, axis: TimeAxis, latitude_deg: float, holidays: NDArray[np.int64] | None = None
    ) -> CalendarFeatures:
        """Features of every interval of ``axis`` at ``latitude_deg`` [deg].

        Public ``holidays`` (days since 1970-01-01; default none) are weekend
        days, as Sundays are in the BDEW profiles.

        Solar time is approximated by local *standard* time (clock time less
        any daylight-saving shift); longitude within the zone and the equation
        of time are neglected (errors up to about an hour).
        """
        dt = axis.interval_s
        per_day = SECONDS_PER_DAY // dt
        hour = axis.local_hour
        slot = np.floor(hour * (3600.0 / dt) + 1e-6).astype(np.int64) % per_day
        off = np.isin(axis.local_day, holidays) if holidays is not None else False
        day_type = ((axis.weekday >= 5) | off).astype(np.int64)
        prev = np.concatenate([day_type[:1], day_type[:-1]])
        kind = np.where(prev == day_type, day_type, 2 + prev)
        doy = axis.day_of_year.astype(np.int64)
        solar_hour = np.mod(hour - _daylight_saving_h(axis) + dt / 7200.0, 24.0)
        elevation = solar_elevation_deg(doy, solar_hour, latitude_deg)
        return cls(
            slot=slot,
            day_type=day_type,
            transition_kind=kind.astype(np.int64),
            season=seasonal_factor(doy) ** SEASON_EXPONENT,
            darkness=lighting_fraction(elevation),
            day_of_year=doy,
        )


def _daylight_saving_h(axis: TimeAxis) -> NDArray[np.float64]:
    """Daylight-saving shift of local clock time at each interval start [h]."""
    utc_s = (
        axis.start_utc_ns // 10**9 + np.arange(axis.n_intervals, dtype=np.int64) * axis.interval_s
    )
    utc_hour = np.mod(utc_s, SECONDS_PER_DAY) / 3600.0
    offset = np.mod(axis.local_hour - utc_hour + 12.0, 24.0) - 12.0
    year_utc = pd.date_range(axis.start.tz_convert("UTC"), periods=53, freq="7D")
    year_local = year_utc.tz_convert(axis.timezone).tz_localize(None)
    year_offsets_h = np.asarray((year_local - year_utc.tz_localize(None)).total_seconds()) / 3600.0
    year_offsets_h = np.mod(year_offsets_h + 12.0, 24.0) - 12.0
    standard = min(float(year_offsets_h.min()), float(offset.min()))
    return offset - standard


@dataclass(frozen=True)
class StepTables:
    """Per-(day type, slot) tables of the occupancy chain and the activity level.

    Attributes
    ----------
    marginals : numpy.ndarray
        ``(2, slots, rows, 3)`` target state probabilities.
    threshold_low, threshold_high : numpy.ndarray
        ``(4, slots, rows * 3)`` float32 cumulative transition probabilities
        P(next = away), P(next <= inactive), by transition kind, slot and
        ``row * 3 + state``. A uniform ``u`` gives the next state
        ``(u >= low) + (u >= high)``.
    activity : numpy.ndarray
        ``(2, slots, rows * 3)`` activity level per unit scale, before season.
    lighting : numpy.ndarray
        ``(rows * 3,)`` lighting level per unit scale in full darkness.
    """

    marginals: NDArray[np.float64]
    threshold_low: NDArray[np.float32]
    threshold_high: NDArray[np.float32]
    activity: NDArray[np.float64]
    lighting: NDArray[np.float64]

    @classmethod
    def build(cls, interval_s: int, *, renewal_time_s: float = 7_200.0) -> StepTables:
        """Tables for intervals of ``interval_s`` [s]."""
        per_day = SECONDS_PER_DAY // interval_s
        mid_hour = (np.arange(per_day) + 0.5) * interval_s / 3600.0
        marg = np.zeros((2, per_day, N_ROWS, N_STATES))
        act = np.zeros((2, per_day, N_ROWS, N_STATES))
        for d, day in enumerate(_DAY_NAMES):
            for p, name in enumerate(PROFILE_NAMES):
                for v, shift in enumerate(SHIFTS_H):
                    row = p * N_VARIANTS + v
                    marg[d, :, row] = marginal_state_probabilities(
                        name, day, mid_hour, shift_h=shift
                    )
                    act[d, :, row, 0] = AWAY_BACKGROUND
                    act[d, :, row, HOME_INACTIVE] = INACTIVE_BACKGROUND
                    act[d, :, row, HOME_ACTIVE] = appliance_intensity(mid_hour, day, shift_h=shift)
            marg[d, :, VACANT_ROW] = (1.0, 0.0, 0.0)
        light = np.zeros((N_ROWS, N_STATES))
        light[:VACANT_ROW, HOME_ACTIVE] = LIGHTING_RATIO

        renewal = renewal_probability(interval_s, renewal_time_s)
        low = np.empty((4, per_day, N_ROWS * N_STATES), dtype=np.float32)
        high = np.empty_like(low)
        for k, (before, now) in enumerate(_TRANSITION_KINDS):
            pi_to = marg[now]
            pi_from = np.roll(marg[before], 1, axis=0)
            matrices = transition_matrices(pi_from, pi_to, renewal)
            matrices[:, VACANT_ROW] = (1.0, 0.0, 0.0)
            cum = np.cumsum(matrices, axis=-1)
            low[k] = cum[..., 0].reshape(per_day, -1)
            high[k] = cum[..., 1].reshape(per_day, -1)
        return cls(
            marginals=marg,
            threshold_low=low,
            threshold_high=high,
            activity=act.reshape(2, per_day, -1),
            lighting=light.reshape(-1),
        )


def expected_activity_hours(
    tables: StepTables, features: CalendarFeatures, interval_s: int, present: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Expected activity-weighted hours per row over the given intervals.

    A home of row ``r`` and scale ``s`` [kW] is expected to use
    ``s * hours[r]`` [kWh] of occupancy-driven energy over the intervals of
    ``features``: the sum over intervals of the marginal state probabilities
    times the activity level (with season) and lighting (with darkness).

    Parameters
    ----------
    tables : StepTables
        Occupancy marginals and activity levels.
    features : CalendarFeatures
        Calendar of the intervals to sum over (typically a reference year).
    interval_s : int
        Interval length [s].
    present : numpy.ndarray
        Weight per interval [-]: the chance that the household is not away on
        holiday, shape ``(n_intervals,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows,)`` [h]; 0 for the vacant row.
    """
    per_day = SECONDS_PER_DAY // interval_s
    key = features.day_type * per_day + features.slot
    season_w = np.bincount(key, weights=features.season * present, minlength=2 * per_day)
    dark_w = np.bincount(key, weights=features.darkness * present, minlength=2 * per_day)
    marg = tables.marginals.reshape(2 * per_day, N_ROWS, N_STATES)
    act = tables.activity.reshape(2 * per_day, N_ROWS, N_STATES)
    light = tables.lighting.reshape(N_ROWS, N_STATES)
    activity = np.einsum("k,krs,krs->r", season_w, marg, act)
    lighting = np.einsum("k,krs,rs->r", dark_w, marg, light)
    return (activity + lighting) * (interval_s / 3600.0)
