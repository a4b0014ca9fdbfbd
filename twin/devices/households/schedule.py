"""When homes stand empty: holidays, changes of tenant and seasonal homes.

Everything here is drawn once, when a fleet is created, as *episodes*: spans
of run time during which nobody lives at or uses a premise. The fleet turns
each episode into two :class:`~twin.devices.households.events.HouseholdEvent`
s (start and end) and reports the episodes as the ground-truth vacancy
periods.

- Holidays of occupied homes: ``holiday_weeks_per_year`` in blocks of one or
  two weeks, mostly Saturday to Saturday, more of them in summer and around
  Christmas (seasonality of trips after Eurostat tourism statistics [1]_).
- Changes of tenant: move-outs as a Poisson process of ``move_rate_per_year``,
  each followed by an empty gap of days to weeks (lognormal, median 14 days,
  2 to 120 days; German rental turnover leaves flats empty for a few weeks
  [2]_) and a move-in.
- Weekend/seasonal (second) homes: occupied on some weekends and for one
  summer stay (``second_home_summer_days``, default two to five weeks); every
  stretch between stays is a vacancy episode. A share
  (``second_home_weekend_homes``, default half) are weekend homes (a weekend
  cottage, the city flat of a weekly commuter) used on a share of all
  weekends drawn per home (``second_home_weekend_use``, default 50-90 %),
  all year; the others are holiday homes, used on a few weekends (more in
  summer, :data:`SEASONAL_WEEKEND_P`). A weekend next to public holidays is
  used as the long weekend it is (Easter, Ascension with its bridge day).

Episodes are drawn in a window that starts 120 days before the run, so a run
can start in the middle of one; times are floored onto the interval grid.

References
----------
.. [1] Eurostat, "Seasonality in the tourist accommodation sector", Statistics
   Explained, 2019 data: nights spent by residents peak in July and August.
.. [2] BBSR, "Wohnungsleerstand in Deutschland", 2019: fluctuation vacancy of
   market flats of about 1-3 % of the stock, i.e. weeks between tenants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.members import Members

__all__ = [
    "EPISODE_KINDS",
    "Episodes",
    "LocalCalendar",
    "draw_holidays",
    "draw_moves",
    "draw_seasonal_absences",
    "holiday_probability",
    "resolve_conflicts",
]

EPISODE_KINDS: Final = ("holiday", "between_tenants", "seasonal", "long_term_vacant")

PAD_DAYS: Final = 120
"""Days before the run start from which episodes are drawn."""

HOLIDAY_MONTH_WEIGHT: Final = (0.5, 0.6, 0.8, 1.1, 1.0, 1.2, 2.2, 2.2, 1.1, 1.1, 0.5, 1.2)
"""Relative chance that a holiday starts in each month (Jan..Dec) [1]_."""

HOLIDAY_BLOCK_DAYS: Final = (7, 14)
"""Holiday block lengths [d], equally likely: 1.5 weeks on average."""

SEASONAL_WEEKEND_P: Final = (0.15, 0.15, 0.25, 0.35, 0.5, 0.55, 0.55, 0.55, 0.5, 0.35, 0.2, 0.25)
"""Chance that a holiday home is used on a weekend, by month (Jan..Dec)."""

MIN_SEPARATION_S: Final = 2 * SECONDS_PER_DAY
"""Minimum occupied time between two episodes of one premise [s]."""

MIN_TENANCY_S: Final = 60 * SECONDS_PER_DAY
"""Minimum time between two move-outs of one premise [s]."""


@dataclass(frozen=True)
class Episodes:
    """Spans of run time during which premises stand empty.

    Attributes
    ----------
    premise : numpy.ndarray
        Fleet index of each episode, int64.
    start_s, end_s : numpy.ndarray
        Start and end [s since run start], int64, on the interval grid; not
        clipped to the run (a start may be negative).
    kind : numpy.ndarray
        One of :data:`EPISODE_KINDS` per episode, object.
    """

    premise: NDArray[np.int64]
    start_s: NDArray[np.int64]
    end_s: NDArray[np.int64]
    kind: NDArray[np.object_]

    @classmethod
    def empty(cls) -> Episodes:
        """No episodes."""
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.copy(), np.zeros(0, dtype=object))

    @classmethod
    def concat(cls, parts: list[Episodes]) -> Episodes:
        """All episodes of ``parts``, sorted by premise and start."""
        if not parts:
            return cls.empty()
        premise = np.concatenate([p.premise for p in parts])
        start = np.concatenate([p.start_s for p in parts])
        end = np.concatenate([p.end_s for p in parts])
        kind = np.concatenate([p.kind for p in parts])
        order = np.lexsort((start, premise))
        return cls(premise[order], start[order], end[order], kind[order])

    def __len__(self) -> int:
        return int(self.premise.size)

    def active_at(self, time_s: int) -> NDArray[np.bool_]:
        """Which episodes cover ``time_s`` (start <= time < end)."""
        return (self.start_s <= time_s) & (time_s < self.end_s)

    def restrict(self, members: Members) -> Episodes:
        """The episodes of member premises, their premises as member positions.

        Parameters
        ----------
        members : Members
            The premises kept; ``premise`` holds full-fleet positions.

        Returns
        -------
        Episodes
            In the same order (member positions keep the full fleet's order);
            ``self`` when every premise is a member.
        """
        if members.is_all:
            return self
        keep, local = members.localise(self.premise)
        return Episodes(local, self.start_s[keep], self.end_s[keep], self.kind[keep])


class LocalCalendar:
    """Local dates around a run and their conversion to run seconds.

    Day ``0`` is the local date of the run start; negative days lie before it.

    Parameters
    ----------
    axis : TimeAxis
        The run's interval grid.
    holidays : numpy.ndarray, optional
        Public holidays, days since 1970-01-01 (default none).
    """

    def __init__(self, axis: TimeAxis, holidays: NDArray[np.int64] | None = None) -> None:
        self.axis = axis
        local_start = axis.start.tz_convert(axis.timezone)
        self.date0 = pd.Timestamp(local_start.tz_localize(None).normalize())
        self.first_day = -PAD_DAYS
        self.last_day = -(-axis.duration_s // SECONDS_PER_DAY) + 1
        self.days = np.arange(self.first_day, self.last_day + 1, dtype=np.int64)
        dates = self.date0 + pd.to_timedelta(self.days, unit="D")
        self.weekday = np.asarray(dates.dayofweek, dtype=np.int64)
        self.month = np.asarray(dates.month, dtype=np.int64)
        self.year = np.asarray(dates.year, dtype=np.int64)
        self.day_of_year = np.asarray(dates.dayofyear, dtype=np.int64)
        epoch_day = np.asarray(dates.values.astype("datetime64[D]").astype(np.int64))
        self.holiday = np.isin(epoch_day, holidays if holidays is not None else [])

    def days_off(self) -> NDArray[np.bool_]:
        """Weekends, public holidays and bridge days, per day of the window.

        A bridge day is a Friday after a holiday Thursday or a Monday before
        a holiday Tuesday: the working day many take off to join a holiday
        to the weekend (Ascension Thursday in Germany).
        """
        before = np.roll(self.holiday, 1)
        after = np.roll(self.holiday, -1)
        before[0] = after[-1] = False
        bridge = ((self.weekday == 4) & before) | ((self.weekday == 0) & after)
        return np.asarray((self.weekday >= 5) | self.holiday | bridge)

    def stretch_of(self, day: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First and last day of the stretch of days off (:meth:`days_off`) around ``day``.

        A day that is not off is its own stretch.
        """
        off = self.days_off()
        index = np.arange(self.n_days)
        first = np.maximum.accumulate(np.where(off, -1, index))
        last = np.minimum.accumulate(np.where(off, self.n_days, index)[::-1])[::-1]
        row = self.row(np.asarray(day, dtype=np.int64))
        start = np.where(off[row], first[row] + 1, row)
        end = np.where(off[row], last[row] - 1, row)
        return start + self.first_day, end + self.first_day

    @property
    def n_days(self) -> int:
        """Number of days in the window."""
        return int(self.days.size)

    @property
    def years(self) -> float:
        """Window length [yr]."""
        return self.n_days / 365.25

    def row(self, day: NDArray[np.int64]) -> NDArray[np.int64]:
        """Position of ``day`` in the window arrays (clipped into the window)."""
        return np.clip(day - self.first_day, 0, self.n_days - 1)

    def run_seconds(self, day: NDArray[np.int64], hour: NDArray[np.float64]) -> NDArray[np.int64]:
        """Run seconds of local ``hour`` [h] on ``day``, floored onto the interval grid.

        Non-existent local times (spring forward) move forward; ambiguous ones
        (fall back) take standard time.
        """
        day = np.asarray(day, dtype=np.int64)
        if day.size == 0:
            return np.zeros(0, dtype=np.int64)
        offset_ns = day * SECONDS_PER_DAY * 10**9 + np.round(
            np.asarray(hour, dtype=np.float64) * 3.6e12
        ).astype(np.int64)
        naive = pd.DatetimeIndex(self.date0.value + offset_ns)
        aware = naive.tz_localize(
            self.axis.timezone,
            ambiguous=np.zeros(day.size, dtype=bool),
            nonexistent="shift_forward",
        )
        seconds = (
            aware.tz_convert("UTC").tz_localize(None).to_numpy().astype(np.int64)
            - self.axis.start_utc_ns
        ) // 10**9
        dt = self.axis.interval_s
        return np.asarray(seconds // dt * dt, dtype=np.int64)


def holiday_probability(
    day_of_year: NDArray[np.int64], weeks_per_year: float
) -> NDArray[np.float64]:
    """Chance that an occupied home is away on holiday on a day of the year.

    The convolution of the start-day density (:data:`HOLIDAY_MONTH_WEIGHT`)
    with the block lengths, times the blocks per year; it integrates to
    ``7 * weeks_per_year`` days over a year. Used to calibrate energy.

    Parameters
    ----------
    day_of_year : numpy.ndarray
        Day of year (1..366).
    weeks_per_year : float
        Holiday weeks per year [wk/yr].

    Returns
    -------
    numpy.ndarray
        Probability [-] per day, in [0, 0.95].
    """
    month_of_day = np.asarray(pd.date_range("2023-01-01", periods=365, freq="D").month) - 1
    density = np.asarray(HOLIDAY_MONTH_WEIGHT, dtype=np.float64)[month_of_day]
    density /= density.sum()
    blocks_per_year = 7.0 * weeks_per_year / float(np.mean(HOLIDAY_BLOCK_DAYS))
    away = np.zeros(365, dtype=np.float64)
    for length in HOLIDAY_BLOCK_DAYS:
        for lag in range(length):
            away += np.roll(density, lag) / len(HOLIDAY_BLOCK_DAYS)
    away *= blocks_per_year
    index = np.clip(np.asarray(day_of_year, dtype=np.int64), 1, 365) - 1
    return np.minimum(away[index], 0.95)


def _stratified_counts(rng: np.random.Generator, n: int, mean: float) -> NDArray[np.int64]:
    """Counts with the given mean and the least spread: floor(mean) or one more."""
    base = int(np.floor(mean))
    return base + (rng.random(n) < mean - base).astype(np.int64)


def draw_holidays(
    premises: NDArray[np.int64],
    rng: np.random.Generator,
    calendar: LocalCalendar,
    weeks_per_year: float,
) -> Episodes:
    """Candidate holidays of occupied homes (overlaps are resolved later).

    Parameters
    ----------
    premises : numpy.ndarray
        Fleet indices of the homes that take holidays.
    rng : numpy.random.Generator
        Source of randomness.
    calendar : LocalCalendar
        Window of local dates around the run.
    weeks_per_year : float
        Holiday weeks per home and year [wk/yr].

    Returns
    -------
    Episodes
        Kind ``"holiday"``: leave between 06:00 and 12:00, come back between
        12:00 and 20:00, one or two weeks later.
    """
    blocks = weeks_per_year * 7.0 / float(np.mean(HOLIDAY_BLOCK_DAYS)) * calendar.years
    counts = _stratified_counts(rng, premises.size, blocks)
    owner = np.repeat(premises, counts)
    m = owner.size
    weight = np.asarray(HOLIDAY_MONTH_WEIGHT, dtype=np.float64)[calendar.month - 1]
    start_day = rng.choice(calendar.days, size=m, p=weight / weight.sum())
    weekday = calendar.weekday[calendar.row(start_day)]
    to_saturday = (5 - weekday) % 7
    start_day = start_day + np.where(rng.random(m) < 0.6, to_saturday, 0)
    length = rng.choice(np.asarray(HOLIDAY_BLOCK_DAYS, dtype=np.int64), size=m)
    leave = calendar.run_seconds(start_day, rng.uniform(6.0, 12.0, m))
    back = calendar.run_seconds(start_day + length, rng.uniform(12.0, 20.0, m))
    return Episodes(owner, leave, back, np.full(m, "holiday", dtype=object))


def draw_moves(
    premises: NDArray[np.int64],
    rng: np.random.Generator,
    calendar: LocalCalendar,
    rate_per_year: float,
) -> Episodes:
    """Candidate gaps between tenants (overlaps are resolved later).

    Parameters
    ----------
    premises : numpy.ndarray
        Fleet indices of the homes that can change tenant.
    rng : numpy.random.Generator
        Source of randomness.
    calendar : LocalCalendar
        Window of local dates around the run.
    rate_per_year : float
        Move-outs per home and year [1/yr].

    Returns
    -------
    Episodes
        Kind ``"between_tenants"``: move out between 09:00 and 15:00, move in
        2 to 120 days later (lognormal, median 14 days) between 10:00 and 18:00.
    """
    counts = rng.poisson(rate_per_year * calendar.years, size=premises.size)
    owner = np.repeat(premises, counts)
    m = owner.size
    out_day = rng.integers(calendar.first_day, calendar.last_day + 1, size=m)
    gap_days = np.clip(np.round(rng.lognormal(np.log(14.0), 0.8, size=m)), 2, 120)
    out_s = calendar.run_seconds(out_day, rng.uniform(9.0, 15.0, m))
    in_s = calendar.run_seconds(out_day + gap_days.astype(np.int64), rng.uniform(10.0, 18.0, m))
    return Episodes(owner, out_s, in_s, np.full(m, "between_tenants", dtype=object))


def draw_seasonal_absences(
    premises: NDArray[np.int64],
    rng: np.random.Generator,
    calendar: LocalCalendar,
    *,
    weekend_homes: float = 0.5,
    weekend_use: tuple[float, float] = (0.5, 0.9),
    summer_days: tuple[float, float] = (14.0, 35.0),
) -> Episodes:
    """Absences of weekend/seasonal homes: everything between their stays.

    Stays: weekends (arrive Friday 16:00-22:00, leave Sunday 14:00-20:00;
    over a long weekend, from the evening before its first day off to its
    last, :meth:`LocalCalendar.stretch_of`: Easter from Thursday to Monday,
    Ascension from Wednesday to Sunday) with
    the monthly chance :data:`SEASONAL_WEEKEND_P` (holiday homes) or a chance
    drawn per home from ``weekend_use`` (the share ``weekend_homes`` that are
    weekend homes), and one summer stay a year (starting 20 June to
    10 August, of ``summer_days``). Stays closer than a day are merged, so
    every absence lasts at least a day.

    Parameters
    ----------
    premises : numpy.ndarray
        Fleet indices of the seasonal homes.
    rng : numpy.random.Generator
        Source of randomness.
    calendar : LocalCalendar
        Window of local dates around the run.
    weekend_homes : float, default 0.5
        Share of weekend homes [-].
    weekend_use : (float, float), default (0.5, 0.9)
        Range of a weekend home's chance of use per weekend [-].
    summer_days : (float, float), default (14, 35)
        Range of the summer stay's length [d], whole days.

    Returns
    -------
    Episodes
        Kind ``"seasonal"``, covering the whole window outside the stays.
    """
    n = premises.size
    fridays = calendar.days[calendar.weekday == 4]
    p_weekend = np.asarray(SEASONAL_WEEKEND_P)[calendar.month[calendar.row(fridays)] - 1]
    weekend_home = rng.random(n) < weekend_homes
    p_home = rng.uniform(*weekend_use, n)
    p_used = np.where(weekend_home[:, None], p_home[:, None], p_weekend[None, :])
    used = rng.random((n, fridays.size)) < p_used
    who, which = np.nonzero(used)
    first_off, last_off = calendar.stretch_of(fridays[which] + 1)
    w_start = calendar.run_seconds(first_off - 1, rng.uniform(16.0, 22.0, who.size))
    w_end = calendar.run_seconds(last_off, rng.uniform(14.0, 20.0, who.size))
    years = np.unique(calendar.year)
    june20 = np.asarray(
        [(pd.Timestamp(year=int(y), month=6, day=20) - calendar.date0).days for y in years],
        dtype=np.int64,
    )
    s_who = np.repeat(np.arange(n), years.size)
    s_day = np.tile(june20, n) + rng.integers(0, 52, size=s_who.size)
    s_len = np.round(rng.uniform(*summer_days, size=s_who.size)).astype(np.int64)
    s_start = calendar.run_seconds(s_day, rng.uniform(12.0, 20.0, s_who.size))
    s_end = calendar.run_seconds(s_day + s_len, rng.uniform(10.0, 16.0, s_who.size))

    stay_who = np.concatenate([who, s_who])
    stay_start = np.concatenate([w_start, s_start])
    stay_end = np.concatenate([w_end, s_end])
    window_start = int(calendar.run_seconds(np.asarray([calendar.first_day]), np.zeros(1))[0])
    window_end = int(calendar.run_seconds(np.asarray([calendar.last_day + 1]), np.zeros(1))[0])
    order = np.lexsort((stay_start, stay_who))
    out_p: list[int] = []
    out_a: list[int] = []
    out_b: list[int] = []
    # Walk the sorted stays once; each home's absences fill the gaps.
    bounds = np.searchsorted(stay_who[order], np.arange(n + 1))
    for home in range(n):
        cursor = window_start
        for j in order[bounds[home] : bounds[home + 1]]:
            a, b = int(stay_start[j]), int(stay_end[j])
            if a - cursor >= SECONDS_PER_DAY:
                out_p.append(int(premises[home]))
                out_a.append(cursor)
                out_b.append(a)
                cursor = b
            else:
                cursor = max(cursor, b)
        if window_end - cursor > 0:
            out_p.append(int(premises[home]))
            out_a.append(cursor)
            out_b.append(window_end)
    m = len(out_p)
    return Episodes(
        np.asarray(out_p, dtype=np.int64),
        np.asarray(out_a, dtype=np.int64),
        np.asarray(out_b, dtype=np.int64),
        np.full(m, "seasonal", dtype=object),
    )


def resolve_conflicts(moves: Episodes, holidays: Episodes) -> Episodes:
    """Keep a consistent set of episodes per premise.

    Moves are kept first, in start order per premise: one that ends after
    it starts, at least :data:`MIN_TENANCY_S` after the previous kept
    move-out and :data:`MIN_SEPARATION_S` after its end. Then holidays, in
    start order per premise: one that ends after it starts and keeps
    :data:`MIN_SEPARATION_S` of occupied time from the last kept holiday and
    from every kept move. Episodes that the interval grid squeezed to
    nothing are dropped.

    Each rule looks back only at the premise's own kept episodes, so the
    candidates are taken in rounds, the ``j``-th of every premise at once.

    Parameters
    ----------
    moves, holidays : Episodes
        Candidates.

    Returns
    -------
    Episodes
        Non-overlapping episodes, sorted by premise and start.
    """
    keep_moves = np.zeros(len(moves), dtype=bool)
    last_start = _Latest(moves.premise, holidays.premise)
    last_end = _Latest(moves.premise, holidays.premise)
    for j in _rounds(moves):
        p, a, b = moves.premise[j], moves.start_s[j], moves.end_s[j]
        ok = (
            (b > a)
            & (a >= last_start.of(p) + MIN_TENANCY_S)
            & (a >= last_end.of(p) + MIN_SEPARATION_S)
        )
        keep_moves[j[ok]] = True
        last_start.set(p[ok], a[ok])
        last_end.set(p[ok], b[ok])
    near_move = _near_kept_moves(moves, keep_moves, holidays)
    keep_hol = np.zeros(len(holidays), dtype=bool)
    last_holiday = _Latest(moves.premise, holidays.premise)
    for j in _rounds(holidays):
        p, a, b = holidays.premise[j], holidays.start_s[j], holidays.end_s[j]
        ok = (b > a) & ~near_move[j] & (a >= last_holiday.of(p) + MIN_SEPARATION_S)
        keep_hol[j[ok]] = True
        last_holiday.set(p[ok], b[ok])

    def _take(e: Episodes, mask: NDArray[np.bool_]) -> Episodes:
        return Episodes(e.premise[mask], e.start_s[mask], e.end_s[mask], e.kind[mask])

    return Episodes.concat([_take(moves, keep_moves), _take(holidays, keep_hol)])


_NEVER: Final = -(2**62)
"""A time [s] long before any episode: no earlier kept episode."""


class _Latest:
    """A time per premise [s], :data:`_NEVER` until set."""

    def __init__(self, *premises: NDArray[np.int64]) -> None:
        size = 1 + max((int(p.max()) for p in premises if p.size), default=0)
        self._at = np.full(size, _NEVER, dtype=np.int64)

    def of(self, premise: NDArray[np.int64]) -> NDArray[np.int64]:
        return self._at[premise]

    def set(self, premise: NDArray[np.int64], time_s: NDArray[np.int64]) -> None:
        self._at[premise] = time_s


def _rounds(e: Episodes) -> list[NDArray[np.intp]]:
    """Positions of the episodes in start order per premise, in rounds: round ``j`` holds
    the ``j``-th episode of every premise that has one (each premise at most once)."""
    order = np.lexsort((e.start_s, e.premise))
    if not order.size:
        return []
    premise = e.premise[order]
    first = np.flatnonzero(np.r_[True, premise[1:] != premise[:-1]])
    rank = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
    by_rank = np.argsort(rank, kind="stable")
    return np.split(order[by_rank], np.flatnonzero(np.diff(rank[by_rank])) + 1)


def _near_kept_moves(
    moves: Episodes, kept: NDArray[np.bool_], holidays: Episodes
) -> NDArray[np.bool_]:
    """Each holiday comes within :data:`MIN_SEPARATION_S` of a kept move of its premise."""
    order = np.flatnonzero(kept)
    order = order[np.lexsort((moves.start_s[order], moves.premise[order]))]
    premise, x, y = moves.premise[order], moves.start_s[order], moves.end_s[order]
    lo = np.searchsorted(premise, holidays.premise, side="left")
    hi = np.searchsorted(premise, holidays.premise, side="right")
    a, b = holidays.start_s, holidays.end_s
    near = np.zeros(len(holidays), dtype=bool)
    for k in range(int((hi - lo).max(initial=0))):
        i = np.flatnonzero(lo + k < hi)
        m = lo[i] + k
        near[i] |= (a[i] < y[m] + MIN_SEPARATION_S) & (x[m] < b[i] + MIN_SEPARATION_S)
    return near
