"""People in empty homes who do not live there: caretakers, agents, cleaners, builders.

Drawn once, when a fleet is created, from the empty spells of its homes
(:class:`~twin.devices.households.schedule.Episodes`) and the keys of
:class:`~twin.devices.households.behaviour.VacantBehaviour`:

- caretaker or owner visits to ``visited`` of the long-term vacant homes:
  Poisson, ``visit_rate_per_week`` per home, ``visit_hours`` long, starting
  09:00-17:00 local;
- agent viewings while a flat is between tenants: ``viewings_per_week``,
  ``viewing_hours`` long, starting 09:00-19:00;
- a cleaning (or painting) day before the next tenant moves in, in
  ``cleaning`` of the gaps: ``cleaning_hours`` from 08:00-12:00 on the day
  before the move-in;
- renovation of ``renovation`` of the long-term vacant homes and of the
  gaps between tenants: ``renovation_weeks`` of work on working days
  (Monday to Friday; public holidays are not known here) within
  ``renovation_hours``, at ``renovation_kw`` with power tools switched on
  and off from interval to interval.

None of it is occupancy: the fleet's ``present`` and ``vacant`` do not
change, and the vacancy truth stays as it is.

References
----------
.. [1] BBSR, "Wohnungsleerstand in Deutschland", 2019 (flats empty between
   tenants for weeks, some for modernisation).
.. [2] AVV Baulaerm (1970) and the German Laendern's noise rules: building
   work on working days in the daytime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from twin.clock import SECONDS_PER_DAY, TimeAxis
from twin.devices.households.behaviour import VacantBehaviour
from twin.devices.households.schedule import Episodes, LocalCalendar
from twin.members import Members

__all__ = [
    "CARETAKER_START_H",
    "CLEANING_START_H",
    "RENOVATION_ON_SHARE",
    "VIEWING_START_H",
    "VISIT_KINDS",
    "RenovationWork",
    "VisitSchedule",
]

VISIT_KINDS: Final = ("caretaker", "viewing", "cleaning")
"""Kinds of visit, in the order of their code in :attr:`VisitSchedule.kind`."""

CARETAKER_START_H: Final = (9.0, 17.0)
"""Local start hours of caretaker visits [h] (assumed)."""

VIEWING_START_H: Final = (9.0, 19.0)
"""Local start hours of viewings [h]: office hours and early evenings (assumed)."""

CLEANING_START_H: Final = (8.0, 12.0)
"""Local start hours of a cleaning before a move-in [h] (assumed)."""

RENOVATION_ON_SHARE: Final = 0.75
"""Share of working intervals in which the builders draw power [-] (assumed): breaks,
work without tools. Taken from two random bits per home and interval."""


def _local_day(calendar: LocalCalendar, time_s: NDArray[np.int64]) -> NDArray[np.int64]:
    """Local day (``0`` = the run start's date) of run seconds, to within DST's hour."""
    midnight = int(calendar.run_seconds(np.zeros(1, dtype=np.int64), np.zeros(1))[0])
    return np.floor_divide(np.asarray(time_s, dtype=np.int64) - midnight, SECONDS_PER_DAY)


@dataclass(frozen=True)
class VisitSchedule:
    """Visits to empty homes, by interval (compressed sparse rows).

    Attributes
    ----------
    pointer : numpy.ndarray
        ``(n_intervals + 1,)`` int64: the visits under way in interval ``k``
        are entries ``pointer[k]:pointer[k+1]``.
    premise : numpy.ndarray
        Fleet index per entry, int64.
    kw : numpy.ndarray
        Mean visit power per entry [kW], float64.
    kind : numpy.ndarray
        Index into :data:`VISIT_KINDS` per entry, int8.
    """

    pointer: NDArray[np.int64]
    premise: NDArray[np.int64]
    kw: NDArray[np.float64]
    kind: NDArray[np.int8]

    @classmethod
    def draw(
        cls,
        episodes: Episodes,
        behaviour: VacantBehaviour,
        rng: np.random.Generator,
        axis: TimeAxis,
    ) -> VisitSchedule:
        """Draw the caretaker visits, viewings and cleanings of a run.

        Parameters
        ----------
        episodes : Episodes
            The fleet's empty spells (full-fleet positions): caretakers come to
            ``long_term_vacant`` homes, agents and cleaners to ``between_tenants`` gaps.
        behaviour : VacantBehaviour
            Shares, rates, lengths and powers.
        rng : numpy.random.Generator
            Source of randomness.
        axis : TimeAxis
            The run's interval grid.

        Returns
        -------
        VisitSchedule
            Every visit inside its empty spell, clipped to the run.
        """
        b = behaviour
        calendar = LocalCalendar(axis)
        run_days = max(1, int(-(-axis.duration_s // SECONDS_PER_DAY)))
        # Caretakers: long-term vacant homes, all through the run.
        ltv = episodes.premise[episodes.kind == "long_term_vacant"]
        visited = rng.random(ltv.size) < b.visited
        rate = visited * rng.uniform(*b.visit_rate_per_week, ltv.size)
        counts = rng.poisson(rate * axis.duration_s / (7 * SECONDS_PER_DAY))
        c_owner = np.repeat(ltv, counts)
        c_day = rng.integers(0, run_days, c_owner.size)
        c_start = calendar.run_seconds(c_day, rng.uniform(*CARETAKER_START_H, c_owner.size))
        c_hours = rng.uniform(*b.visit_hours, c_owner.size)
        c_kw = rng.uniform(*b.visit_kw, c_owner.size)
        # Agents and cleaners: gaps between tenants (the local days strictly inside).
        gap = episodes.kind == "between_tenants"
        g_owner, g_start, g_end = episodes.premise[gap], episodes.start_s[gap], episodes.end_s[gap]
        first_day = _local_day(calendar, g_start) + 1
        last_day = _local_day(calendar, g_end) - 1
        inner = np.maximum(last_day - first_day + 1, 0)
        views = rng.poisson(rng.uniform(*b.viewings_per_week, g_owner.size) * inner / 7.0)
        v_gap = np.repeat(np.arange(g_owner.size), views)
        v_day = first_day[v_gap] + np.floor(rng.random(v_gap.size) * inner[v_gap]).astype(np.int64)
        v_start = calendar.run_seconds(v_day, rng.uniform(*VIEWING_START_H, v_gap.size))
        v_hours = rng.uniform(*b.viewing_hours, v_gap.size)
        v_kw = rng.uniform(*b.visit_kw, v_gap.size)
        cleaned = (rng.random(g_owner.size) < b.cleaning) & (inner > 0)
        w_gap = np.flatnonzero(cleaned)
        w_start = calendar.run_seconds(
            last_day[w_gap], rng.uniform(*CLEANING_START_H, g_owner.size)[w_gap]
        )
        w_hours = rng.uniform(*b.cleaning_hours, g_owner.size)[w_gap]
        w_kw = rng.uniform(*b.cleaning_kw, g_owner.size)[w_gap]

        owner = np.concatenate([c_owner, g_owner[v_gap], g_owner[w_gap]]).astype(np.int64)
        start = np.concatenate([c_start, v_start, w_start])
        hours = np.concatenate([c_hours, v_hours, w_hours])
        kw = np.concatenate([c_kw, v_kw, w_kw])
        kind = np.repeat(np.arange(3, dtype=np.int8), [c_owner.size, v_gap.size, w_gap.size])
        # A visit ends inside its spell: a gap's visits before the move-in.
        spell_end = np.concatenate(
            [np.full(c_owner.size, axis.duration_s), g_end[v_gap], g_end[w_gap]]
        ).astype(np.int64)
        return cls._from_visits(axis, owner, start, hours, kw, kind, spell_end)

    @classmethod
    def _from_visits(
        cls,
        axis: TimeAxis,
        owner: NDArray[np.int64],
        start_s: NDArray[np.int64],
        hours: NDArray[np.float64],
        kw: NDArray[np.float64],
        kind: NDArray[np.int8],
        spell_end_s: NDArray[np.int64],
    ) -> VisitSchedule:
        """Spread visits over the intervals they cover (clipped to the run and their spell)."""
        n_int, dt = axis.n_intervals, axis.interval_s
        first = start_s // dt
        length = np.maximum(1, np.round(hours * 3600.0 / dt)).astype(np.int64)
        last = np.minimum(np.minimum(first + length, spell_end_s // dt), n_int)
        first = np.maximum(first, 0)
        span = np.maximum(last - first, 0)
        entry_k = np.repeat(first, span) + (
            np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        )
        order = np.argsort(entry_k, kind="stable")
        pointer = np.searchsorted(entry_k[order], np.arange(n_int + 1)).astype(np.int64)
        return cls(
            pointer,
            np.repeat(owner, span)[order],
            np.repeat(kw, span)[order].astype(np.float64),
            np.repeat(kind, span)[order].astype(np.int8),
        )

    def restrict(self, members: Members) -> VisitSchedule:
        """The visits to member premises, their premises as member positions.

        Parameters
        ----------
        members : Members
            The premises kept; ``premise`` holds full-fleet positions.

        Returns
        -------
        VisitSchedule
            Same intervals, entries in the same order within each;
            ``self`` when every premise is a member.
        """
        if members.is_all:
            return self
        keep, local = members.localise(self.premise)
        n_int = self.pointer.size - 1
        entry_k = np.repeat(np.arange(n_int, dtype=np.int64), np.diff(self.pointer))[keep]
        pointer = np.searchsorted(entry_k, np.arange(n_int + 1)).astype(np.int64)
        return VisitSchedule(pointer, local, self.kw[keep], self.kind[keep])

    def busy(self) -> NDArray[np.bool_]:
        """Whether any visit is under way, per interval, bool ``(n_intervals,)``."""
        return np.diff(self.pointer) > 0

    def at(self, index: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Premises visited in interval ``index`` and their visit power [kW]."""
        a, b = int(self.pointer[index]), int(self.pointer[index + 1])
        return self.premise[a:b], self.kw[a:b]

    def intervals(self) -> NDArray[np.int64]:
        """Interval index of every entry, int64."""
        return np.repeat(np.arange(self.pointer.size - 1, dtype=np.int64), np.diff(self.pointer))


@dataclass(frozen=True)
class RenovationWork:
    """Renovation spells of empty homes: builders on working days, in working hours.

    Attributes
    ----------
    premise : numpy.ndarray
        Fleet index per spell, int64.
    start_s, end_s : numpy.ndarray
        The spell [s since the run start], int64; work only inside it.
    kw : numpy.ndarray
        Mean power while working [kW], float64.
    hours : tuple of float
        Working hours ``(start, end)`` [h, local], the same for every spell.
    """

    premise: NDArray[np.int64]
    start_s: NDArray[np.int64]
    end_s: NDArray[np.int64]
    kw: NDArray[np.float64]
    hours: tuple[float, float]

    @classmethod
    def draw(
        cls,
        episodes: Episodes,
        behaviour: VacantBehaviour,
        rng: np.random.Generator,
        axis: TimeAxis,
    ) -> RenovationWork:
        """Draw the renovations of a run.

        ``renovation`` of the long-term vacant homes get a spell of
        ``renovation_weeks`` that overlaps the run, starting at a random
        local midnight; ``renovation`` of the gaps between tenants get one
        from the day after the move-out, cut at the move-in.

        Parameters
        ----------
        episodes : Episodes
            The fleet's empty spells (full-fleet positions).
        behaviour : VacantBehaviour
            Shares, lengths, power and working hours.
        rng : numpy.random.Generator
            Source of randomness.
        axis : TimeAxis
            The run's interval grid.
        """
        b = behaviour
        calendar = LocalCalendar(axis)
        run_days = max(1, int(-(-axis.duration_s // SECONDS_PER_DAY)))
        ltv = episodes.premise[episodes.kind == "long_term_vacant"]
        l_pick = rng.random(ltv.size) < b.renovation
        l_days = np.maximum(1, np.round(rng.uniform(*b.renovation_weeks, ltv.size) * 7.0))
        l_days = l_days.astype(np.int64)
        l_first = rng.integers(-l_days + 1, run_days)
        gap = episodes.kind == "between_tenants"
        g_owner, g_start, g_end = episodes.premise[gap], episodes.start_s[gap], episodes.end_s[gap]
        g_pick = rng.random(g_owner.size) < b.renovation
        g_days = np.maximum(1, np.round(rng.uniform(*b.renovation_weeks, g_owner.size) * 7.0))
        g_first = _local_day(calendar, g_start) + 1
        first = np.concatenate([l_first[l_pick], g_first[g_pick]])
        days = np.concatenate([l_days[l_pick], g_days[g_pick].astype(np.int64)])
        zero = np.zeros(first.size)
        start = calendar.run_seconds(first, zero)
        end = calendar.run_seconds(first + days, zero)
        end = np.concatenate([end[: l_pick.sum()], np.minimum(end[l_pick.sum() :], g_end[g_pick])])
        kw = rng.uniform(*b.renovation_kw, l_pick.size + g_pick.size)
        kw = np.concatenate([kw[: ltv.size][l_pick], kw[ltv.size :][g_pick]])
        keep = (end > start) & (end > 0) & (start < axis.duration_s)
        owner = np.concatenate([ltv[l_pick], g_owner[g_pick]]).astype(np.int64)
        return cls(owner[keep], start[keep], end[keep], kw[keep], b.renovation_hours)

    def restrict(self, members: Members) -> RenovationWork:
        """The spells of member premises, as member positions (``self`` for all)."""
        if members.is_all:
            return self
        keep, local = members.localise(self.premise)
        return RenovationWork(
            local, self.start_s[keep], self.end_s[keep], self.kw[keep], self.hours
        )

    def working(
        self, time_s: int, local_hour: float, working_day: bool
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Premises where builders work in an interval, and their mean power [kW].

        Parameters
        ----------
        time_s : int
            Start of the interval [s since the run start].
        local_hour : float
            Local time of its midpoint [h].
        working_day : bool
            Monday to Friday.
        """
        a, b = self.hours
        if not working_day or not a <= local_hour < b or self.premise.size == 0:
            return self.premise[:0], self.kw[:0]
        on = (self.start_s <= time_s) & (time_s < self.end_s)
        return self.premise[on], self.kw[on]
