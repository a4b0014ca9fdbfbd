"""The vectorised theft fleet (layer 2): what N thieves' meters see, interval by interval.

One :class:`TheftFleet` holds every theft of a run. The engine hands
:meth:`TheftFleet.metered_kw` the true mean power of every metered point and
feeds the meters what it returns; the power flow keeps the true power.
Illegal connections have no meter: :meth:`TheftFleet.illegal_kw` gives their
power, which the engine adds as load rows of their own. A step is numpy over
the thieves of each kind (a fixed handful of groups), no loop over thieves.

State kept for every thief, active or not: the import power of the current
local day (its sum, for the mean of ``h4`` and ``h5``; by slot, for ``h6``)
and the mean of the previous day. ``h4`` and ``h5`` use the previous local
day's mean import power, or the current day's running mean (this interval
included) until a day has ended; ``h6`` reports the previous day reversed,
and the true value on the first day (:func:`~twin.devices.theft.kernel.h6_streaming_kw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from twin.clock import SECONDS_PER_DAY, IntervalTime, TimeAxis
from twin.devices.checks import one_of, raise_problems
from twin.devices.theft.kernel import (
    active_fraction,
    bypass_kw,
    draw_illegal_connections,
    h1_kw,
    h2_kw,
    h3_kw,
    h4_kw,
    h5_kw,
    h6_streaming_kw,
    illegal_connection_kw,
    metered_import_kw,
    window_fraction,
)
from twin.devices.theft.params import TheftParams

__all__ = ["THEFT_KINDS", "TheftFleet", "TheftKind"]

TheftKind = Literal["h1", "h2", "h3", "h4", "h5", "h6", "bypass", "illegal_connection"]
THEFT_KINDS: Final = get_args(TheftKind)
"""Kinds of theft: the six attack shapes of Jokar et al. (2016), a meter
bypass, and an unmetered illegal connection."""

_ILLEGAL: Final = THEFT_KINDS.index("illegal_connection")
_WH_PER_KW_S: Final = 1000.0 / 3600.0


def _nan_except(values: NDArray[np.float64], keep: NDArray[np.bool_]) -> NDArray[np.float64]:
    return np.where(keep, values, np.nan)


def _kind_codes(kind: Sequence[str]) -> tuple[NDArray[np.int8], list[str]]:
    """Code of each kind in :data:`THEFT_KINDS`, and the message of each unknown value."""
    codes = np.zeros(len(kind), dtype=np.int8)
    problems: list[str] = []
    for i, value in enumerate(kind):
        if value in THEFT_KINDS:
            codes[i] = THEFT_KINDS.index(value)
        else:
            message = (
                f"kind given an invalid value {value!r}; expected one of {one_of(THEFT_KINDS)}"
            )
            if message not in problems:
                problems.append(message)
    return codes, problems


class TheftFleet:
    """N thefts in front of meters, and illegal connections with none.

    Create with :meth:`create`; call :meth:`metered_kw` and :meth:`illegal_kw`
    once per interval, in order.

    Attributes
    ----------
    n : int
        Number of thefts (thieves).
    meter : numpy.ndarray
        Position of each thief's meter in the metered fleet, int64 ``(n,)``;
        -1 for illegal connections.
    kind : numpy.ndarray
        Kind of each theft, one of :data:`THEFT_KINDS` (str ``(n,)``).
    start_s, end_s : numpy.ndarray
        Active span ``[start_s, end_s)`` [s since run start], int64 ``(n,)``.
    bus : numpy.ndarray
        Where an illegal connection taps the grid (the engine's bus
        position), int64 ``(n,)``; -1 where not given and for metered thieves.
    illegal : numpy.ndarray
        Positions of the illegal connections among the thieves, int64; the
        order of :meth:`illegal_kw`'s result.
    ratio : numpy.ndarray
        ``r`` of ``h1`` [-], NaN for other kinds.
    off_start_h, off_duration_h : numpy.ndarray
        Daily off window of ``h2`` [h], NaN for other kinds.
    bypass_share : numpy.ndarray
        Share of the load around the meter of a ``bypass`` [-], NaN otherwise.
    illegal_kw_on, illegal_start_h, illegal_duration_h : numpy.ndarray
        Power while on [kW] and daily on window [h] of an illegal connection,
        NaN otherwise.
    cover_open : numpy.ndarray
        The tampering raises a meter cover-open event when the theft starts
        (bool ``(n,)``; False for illegal connections, which have no meter).
    neutral_mismatch : numpy.ndarray
        The theft shows as a phase/neutral current mismatch (bool ``(n,)``);
        meaningful at three-phase meters only, False for illegal connections.
    true_wh, metered_wh : numpy.ndarray
        Energy that flowed and that the meter saw while each theft was active
        (prorated) [Wh], ``(n,)``; an illegal connection's metered energy is 0.

    References
    ----------
    .. [1] P. Jokar, N. Arianpoo, V. C. M. Leung, "Electricity theft detection
       in AMI using customers' consumption patterns", IEEE Transactions on
       Smart Grid 7(1), 216-226, 2016.
    """

    def __init__(
        self,
        *,
        meter: NDArray[np.int64],
        kind_code: NDArray[np.int8],
        start_s: NDArray[np.int64],
        end_s: NDArray[np.int64],
        bus: NDArray[np.int64],
        axis: TimeAxis,
        params: TheftParams,
        rng: np.random.Generator,
    ) -> None:
        """Draw each theft's parameters and set up the state; use :meth:`create` instead."""
        n = int(meter.size)
        self.n = n
        self.meter = meter
        self.kind = np.asarray(THEFT_KINDS, dtype=str)[kind_code]
        self.start_s = start_s
        self.end_s = end_s
        self.bus = bus
        self._params = params
        self._rng = rng
        p = params
        is_kind = {k: kind_code == i for i, k in enumerate(THEFT_KINDS)}
        # One draw per thief for every parameter, whatever its kind, in a fixed order.
        self.ratio = _nan_except(rng.uniform(*p.h1_ratio_range, n), is_kind["h1"])
        self.off_start_h = _nan_except(rng.uniform(*p.h2_start_h_range, n), is_kind["h2"])
        self.off_duration_h = _nan_except(rng.uniform(*p.h2_duration_h_range, n), is_kind["h2"])
        self.bypass_share = _nan_except(rng.uniform(*p.bypass_share_range, n), is_kind["bypass"])
        kw, on_h, on_dur_h = draw_illegal_connections(
            n,
            rng=rng,
            kw_range=p.illegal_kw_range,
            start_h_range=p.illegal_start_h_range,
            duration_h_range=p.illegal_duration_h_range,
        )
        illegal = is_kind["illegal_connection"]
        self.illegal_kw_on = _nan_except(kw, illegal)
        self.illegal_start_h = _nan_except(on_h, illegal)
        self.illegal_duration_h = _nan_except(on_dur_h, illegal)
        self.cover_open = (rng.random(n) < p.cover_open_probability) & ~illegal
        self.neutral_mismatch = (rng.random(n) < p.neutral_mismatch_probability) & ~illegal
        self.true_wh = np.zeros(n)
        self.metered_wh = np.zeros(n)
        self.illegal = np.flatnonzero(illegal).astype(np.int64)
        # Metered thieves, and each kind's positions among them.
        self._metered = np.flatnonzero(~illegal).astype(np.int64)
        self._meter_m = meter[self._metered]
        code_m = kind_code[self._metered]
        self._group = {k: np.flatnonzero(code_m == i) for i, k in enumerate(THEFT_KINDS[:-1])}
        # State: the current local day's import (sum, and by slot for h6), the previous day's.
        self._slot_s = axis.interval_s
        self._n_slots = -(-SECONDS_PER_DAY // axis.interval_s)
        self._day: int | None = None
        self._last_metered = -1
        self._last_illegal = -1
        self._day_sum_kw = np.zeros(self._metered.size)
        self._day_count = 0
        self._prev_mean_kw = np.full(self._metered.size, np.nan)
        n_h6 = self._group["h6"].size
        self._h6_today_kw = np.full((n_h6, self._n_slots), np.nan)
        self._h6_previous_kw = np.full((n_h6, self._n_slots), np.nan)

    @classmethod
    def create(
        cls,
        meter: ArrayLike,
        kind: Sequence[str],
        start_s: ArrayLike,
        end_s: ArrayLike,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        params: TheftParams | None = None,
        bus: ArrayLike | None = None,
    ) -> TheftFleet:
        """Check the thefts and draw their parameters and side signals.

        Parameters
        ----------
        meter : array_like
            Position of each thief's meter in the metered fleet (int,
            ``(n,)``), each metered thief at its own meter; -1 for an
            illegal connection, which has none.
        kind : sequence of str
            Kind of each theft, one of :data:`THEFT_KINDS`.
        start_s, end_s : array_like
            When each theft is active, ``[start_s, end_s)`` [s since run
            start] (int, ``(n,)``), ``end_s >= start_s``.
        rng : numpy.random.Generator
            The fleet's generator: the draws here, and the ratios ``h3`` and
            ``h4`` draw every interval.
        axis : TimeAxis
            The run's interval grid (its interval sets the slots of a day).
        params : TheftParams, optional
            Ranges and probabilities; default ``TheftParams()``.
        bus : array_like, optional
            Where each illegal connection taps the grid (the engine's bus
            position, int ``(n,)``); ignored for metered thieves. Default -1
            (the engine places them).

        Returns
        -------
        TheftFleet

        Raises
        ------
        ValueError
            If the inputs' lengths differ, or, listing every problem, a kind
            is unknown, a span ends before it starts, or a meter position is
            negative, repeated, or not -1 for an illegal connection.
        """
        meter_arr = np.asarray(meter, dtype=np.int64).reshape(-1)
        n = meter_arr.size
        kinds = [kind] if isinstance(kind, str) else [str(k) for k in kind]
        start = np.asarray(start_s, dtype=np.int64).reshape(-1)
        end = np.asarray(end_s, dtype=np.int64).reshape(-1)
        bus_arr = (
            np.full(n, -1, dtype=np.int64)
            if bus is None
            else np.asarray(bus, dtype=np.int64).reshape(-1)
        )
        for name, size in (("kind", len(kinds)), ("start_s", start.size), ("end_s", end.size)):
            if size != n:
                raise ValueError(f"{name} given {size} values; expected {n}, one per meter value")
        if bus_arr.size != n:
            raise ValueError(f"bus given {bus_arr.size} values; expected {n}, one per meter value")
        codes, problems = _kind_codes(kinds)
        illegal = codes == _ILLEGAL
        late = np.flatnonzero(end < start)
        metered = meter_arr[~illegal]
        values, counts = np.unique(metered, return_counts=True)
        checks = [(not problems, "; ".join(problems))]
        checks += [
            (
                not late.size,
                f"end_s given values before start_s at thieves {late.tolist()}; "
                "expected end_s >= start_s",
            ),
            (
                bool(np.all(metered >= 0)),
                f"meter given negative positions {metered[metered < 0].tolist()} for metered "
                "thieves; expected positions >= 0",
            ),
            (
                bool(np.all(counts == 1)),
                f"meter given repeated positions {values[counts > 1].tolist()}; expected "
                "each metered thief at its own meter",
            ),
            (
                bool(np.all(meter_arr[illegal] == -1)),
                "meter given positions for illegal connections; expected -1 (they have no meter)",
            ),
        ]
        raise_problems("TheftFleet", checks)
        return cls(
            meter=meter_arr,
            kind_code=codes,
            start_s=start,
            end_s=end,
            bus=np.where(illegal, bus_arr, -1),
            axis=axis,
            params=TheftParams() if params is None else params,
            rng=rng,
        )

    def metered_kw(self, t: IntervalTime, true_kw: ArrayLike) -> NDArray[np.float64]:
        """What every metered point's meter sees over interval ``t`` [kW].

        Parameters
        ----------
        t : IntervalTime
            The interval; call once per interval, in order.
        true_kw : array_like
            True mean power of every metered point this interval [kW],
            ``(n_meters,)``, import positive (negative for exporters).

        Returns
        -------
        numpy.ndarray
            A new float64 array equal to ``true_kw`` except at the meters of
            thieves active during ``t``: there the theft's shape replaces the
            import part (:func:`~twin.devices.theft.kernel.metered_import_kw`),
            so the meter sees between 0 and the true import and export is
            untouched; a theft active for part of the interval is prorated.

        Raises
        ------
        ValueError
            If ``t`` does not come after the previous call's interval, or
            ``true_kw`` is not 1-D or too short for the thieves' meters.
        """
        if t.index <= self._last_metered:
            raise ValueError(
                f"interval index given {t.index}; expected > {self._last_metered}, "
                "one call per interval, in order"
            )
        x_all = np.asarray(true_kw, dtype=np.float64)
        if x_all.ndim != 1 or (self._meter_m.size and int(self._meter_m.max()) >= x_all.size):
            raise ValueError(
                f"true_kw given shape {x_all.shape}; expected one value per metered point, "
                f"at least {int(self._meter_m.max(initial=-1)) + 1}"
            )
        self._last_metered = t.index
        out = x_all.copy()
        if t.day_of_year != self._day:
            self._new_day(t.day_of_year)
        if not self._metered.size:
            return out
        x = x_all[self._meter_m]
        imp = np.maximum(x, 0.0)
        self._day_sum_kw += imp
        self._day_count += 1
        mean = np.where(
            np.isnan(self._prev_mean_kw), self._day_sum_kw / self._day_count, self._prev_mean_kw
        )
        shaped = self._shapes(t, imp, mean)
        seen = metered_import_kw(x, shaped)
        share = active_fraction(
            t.start_s, t.dt_s, self.start_s[self._metered], self.end_s[self._metered]
        )
        out[self._meter_m] = x + share * (seen - x)
        wh = share * (t.dt_s * _WH_PER_KW_S)
        self.true_wh[self._metered] += wh * x
        self.metered_wh[self._metered] += wh * seen
        return out

    def _shapes(
        self, t: IntervalTime, imp: NDArray[np.float64], mean: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Each metered thief's attack shape of the import ``imp`` [kW] (uncapped)."""
        p, g, m = self._params, self._group, self._metered
        shaped = np.empty(imp.size)
        shaped[g["h1"]] = h1_kw(imp[g["h1"]], self.ratio[m[g["h1"]]])
        off = window_fraction(
            t.local_hour,
            t.dt_s / 3600.0,
            self.off_start_h[m[g["h2"]]],
            self.off_duration_h[m[g["h2"]]],
        )
        shaped[g["h2"]] = h2_kw(imp[g["h2"]], off)
        # r_t for every h3 and h4 thief each interval, active or not.
        shaped[g["h3"]] = h3_kw(imp[g["h3"]], self._rng.uniform(*p.h3_ratio_range, g["h3"].size))
        shaped[g["h4"]] = h4_kw(mean[g["h4"]], self._rng.uniform(*p.h4_ratio_range, g["h4"].size))
        shaped[g["h5"]] = h5_kw(mean[g["h5"]])
        slot = min(round(t.local_hour * 3600.0) // self._slot_s, self._n_slots - 1)
        shaped[g["h6"]] = h6_streaming_kw(imp[g["h6"]], self._h6_previous_kw, slot)
        self._h6_today_kw[:, slot] = imp[g["h6"]]
        shaped[g["bypass"]] = bypass_kw(imp[g["bypass"]], self.bypass_share[m[g["bypass"]]])
        return shaped

    def _new_day(self, day_of_year: int) -> None:
        """Roll the day state: today's mean and readings become the previous day's."""
        if self._day is not None and self._day_count:
            self._prev_mean_kw = self._day_sum_kw / self._day_count
            self._h6_previous_kw, self._h6_today_kw = self._h6_today_kw, self._h6_previous_kw
            self._h6_today_kw.fill(np.nan)
        self._day_sum_kw = np.zeros(self._metered.size)
        self._day_count = 0
        self._day = day_of_year

    def illegal_kw(self, t: IntervalTime) -> NDArray[np.float64]:
        """Power of each illegal connection over interval ``t`` [kW].

        Parameters
        ----------
        t : IntervalTime
            The interval; call once per interval, in order.

        Returns
        -------
        numpy.ndarray
            float64 ``(len(illegal),)``, in the order of :attr:`illegal`:
            the connection's daily on/off profile times the share of the
            interval it is active (0 when inactive). Nothing of it is metered.

        Raises
        ------
        ValueError
            If ``t`` does not come after the previous call's interval.
        """
        if t.index <= self._last_illegal:
            raise ValueError(
                f"interval index given {t.index}; expected > {self._last_illegal}, "
                "one call per interval, in order"
            )
        self._last_illegal = t.index
        idx = self.illegal
        on = illegal_connection_kw(
            t.local_hour,
            t.dt_s / 3600.0,
            self.illegal_kw_on[idx],
            self.illegal_start_h[idx],
            self.illegal_duration_h[idx],
        )
        p_kw = on * active_fraction(t.start_s, t.dt_s, self.start_s[idx], self.end_s[idx])
        self.true_wh[idx] += p_kw * (t.dt_s * _WH_PER_KW_S)
        return p_kw

    def records(self) -> pd.DataFrame:
        """One row per theft: what it was and the energy it hid so far.

        Returns
        -------
        pandas.DataFrame
            Columns ``thief`` (position, int64), ``meter`` (int64, -1 for an
            illegal connection), ``kind`` (str), ``start_s`` and ``end_s``
            (int64), ``true_wh`` and ``metered_wh`` (float64): the energy that
            flowed and that the meter saw while the theft was active
            (prorated), from the power :meth:`metered_kw` and
            :meth:`illegal_kw` saw. ``true_wh - metered_wh`` is the energy
            stolen.
        """
        return pd.DataFrame(
            {
                "thief": np.arange(self.n, dtype=np.int64),
                "meter": self.meter.copy(),
                "kind": self.kind.astype(object),
                "start_s": self.start_s.copy(),
                "end_s": self.end_s.copy(),
                "true_wh": self.true_wh.copy(),
                "metered_wh": self.metered_wh.copy(),
            }
        )
