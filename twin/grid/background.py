"""Background injections: everything on the network that no meter stands behind.

Unmetered loads (the loads of a run that keeps them as background) and
loads whose meter only observes them (medium-voltage customers without a
model of their own) follow their SimBench profiles, unmetered static
generators theirs, and storage elements are held at 0
(:func:`~twin.grid.network.prepare_net` sets them so). Residential loads and
metered loads (LV customers, modelled MV customers) are 0 here: the fleets
supply them. Metered generators are 0 too;
:meth:`BackgroundInjections.generation_kw` gives their output to their
meters. Networks without profiles keep every element at its rated
``p_mw``/``q_mvar``.

The profile year is SimBench's 2016 at 15 min. An interval is mapped onto it by
its local start time: the date of 2016 with the same day kind (weekday, public
holidays as Sundays) nearest to the run date's day of year
(:func:`~twin.grid.profiles.profile_day_of_year`), and the time of day
(:func:`~twin.grid.profiles.profile_rows`). A Monday of the run reads a
Monday of 2016 at most three days away, a public holiday a Sunday.
"""

from __future__ import annotations

import numpy as np

from twin.clock import TimeAxis
from twin.grid.network import GridModel
from twin.grid.profiles import profile_day_of_year, profile_rows

__all__ = ["BackgroundInjections"]


class BackgroundInjections:
    """Per-interval injections of everything but the households.

    Parameters
    ----------
    grid : GridModel
        The network.
    axis : TimeAxis
        The run's interval grid.
    metered_loads : numpy.ndarray, optional
        ``net.load`` rows of the network's own loads that a fleet supplies
        (besides the residential ones): LV customers and the modelled
        medium-voltage customers.
    metered_sgens : numpy.ndarray, optional
        ``net.sgen`` rows behind a generation meter.
    holidays : numpy.ndarray, optional
        Public holidays of the site, days since 1970-01-01; they read a Sunday
        of the profile year. Default: none.
    observed_loads : numpy.ndarray, optional
        ``net.load`` rows of the network's own loads behind a meter that only
        observes them (medium-voltage customers of a class without a model of
        its own): they stay in the background, and :meth:`observed_load_kw`
        gives their power to their meters.
    fed_by_meters : numpy.ndarray, optional
        bool per entry of ``metered_sgens``: the fleet feeds its output to the
        grid (0 here); False keeps it in the background (a meter that only
        observes). Default: all fed.

    Examples
    --------
    >>> background = BackgroundInjections(grid, axis)  # doctest: +SKIP
    >>> load_p_mw, load_q_mvar, sgen_p_mw = background.at(0)  # doctest: +SKIP
    """

    def __init__(
        self,
        grid: GridModel,
        axis: TimeAxis,
        *,
        metered_loads: np.ndarray | None = None,
        metered_sgens: np.ndarray | None = None,
        fed_by_meters: np.ndarray | None = None,
        observed_loads: np.ndarray | None = None,
        holidays: np.ndarray | None = None,
    ) -> None:
        self._grid = grid
        self._axis = axis
        net = grid.net
        keep = ~np.asarray(grid.residential, dtype=bool)  # the network's own loads
        own = keep.size  # rows appended later (stations, added customers) are not background
        if metered_loads is not None:
            rows = np.asarray(metered_loads, dtype=np.int64)
            keep[rows[rows < own]] = False
        self._load_p_mw = np.where(keep, net.load["p_mw"].to_numpy(dtype=np.float64)[:own], 0.0)
        self._load_q_mvar = np.where(keep, net.load["q_mvar"].to_numpy(dtype=np.float64)[:own], 0.0)
        rated = net.sgen["p_mw"].to_numpy(dtype=np.float64)
        self._metered_sgens = (
            np.zeros(0, dtype=np.int64)
            if metered_sgens is None
            else np.asarray(metered_sgens, dtype=np.int64)
        )
        self._metered_sgen_kw = rated[self._metered_sgens] * 1e3
        self._sgen_p_mw = rated.copy()
        fed = (
            np.ones(self._metered_sgens.size, dtype=bool)
            if fed_by_meters is None
            else np.asarray(fed_by_meters, dtype=bool)
        )
        self._sgen_p_mw[self._metered_sgens[fed]] = 0.0
        self._cached: tuple[int, np.ndarray | None] = (-1, None)
        self._observed = (
            np.zeros(0, dtype=np.int64)
            if observed_loads is None
            else np.asarray(observed_loads, dtype=np.int64)
        )
        self._profiles = grid.profiles
        days, which = np.unique(axis.local_day, return_inverse=True)
        no_holidays = np.zeros(0, dtype=np.int64)
        self._day_of_year = profile_day_of_year(
            days, no_holidays if holidays is None else holidays
        )[which]
        self._second_of_day = np.rint(np.asarray(axis.local_hour) * 3600.0).astype(np.int64)

    @property
    def metered_rated_kw(self) -> np.ndarray:
        """Rated power of each metered generator (``metered_sgens`` order) [kW]."""
        return self._metered_sgen_kw.copy()

    @property
    def has_profiles(self) -> bool:
        """True when the injections follow SimBench profiles."""
        return self._profiles is not None

    def factors(self, index: int) -> np.ndarray | None:
        """Profile factors of interval ``index`` per profile column [-], None without profiles."""
        if self._profiles is None:
            return None
        if self._cached[0] == index:
            return self._cached[1]
        rows, weights = profile_rows(
            int(self._day_of_year[index]),
            int(self._second_of_day[index]),
            self._axis.interval_s,
            n_rows=self._profiles.n_rows,
            step_s=self._profiles.step_s,
        )
        factors = self._profiles.factors(rows, weights)
        self._cached = (index, factors)
        return factors

    def observed_load_kw(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Active and reactive power of each observed load (``observed_loads`` order)
        in interval ``index`` [kW], [kvar]."""
        rows = self._observed
        p, q = self._load_p_mw[rows] * 1e3, self._load_q_mvar[rows] * 1e3
        f = self.factors(index)
        if f is None or self._profiles is None:
            return p, q
        table = self._profiles
        return p * f[table.load_p_column[rows]], q * f[table.load_q_column[rows]]

    def generation_kw(self, index: int) -> np.ndarray:
        """Output of each metered generator (``metered_sgens`` order) in interval ``index`` [kW]."""
        f = self.factors(index)
        if f is None or self._profiles is None:
            return self._metered_sgen_kw.copy()
        return self._metered_sgen_kw * f[self._profiles.sgen_p_column[self._metered_sgens]]

    def at(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Injections of interval ``index``.

        Parameters
        ----------
        index : int
            Interval number, 0 <= index < ``axis.n_intervals``.

        Returns
        -------
        load_p_mw : numpy.ndarray
            Active power of each of the network's own ``net.load`` rows [MW]
            (rows appended later, such as public charging stations, are not
            included), residential and metered rows 0, consumption positive.
            A fresh array the caller may change.
        load_q_mvar : numpy.ndarray
            Reactive power of the same rows [Mvar], residential rows 0.
        sgen_p_mw : numpy.ndarray
            Active power of every ``net.sgen`` row [MW], generation positive;
            generators fed by their meters 0.
        """
        if not 0 <= index < self._axis.n_intervals:
            raise IndexError(
                f"interval index {index} is out of range; expected 0 <= index < "
                f"{self._axis.n_intervals}"
            )
        f = self.factors(index)
        if f is None or self._profiles is None:
            return self._load_p_mw.copy(), self._load_q_mvar.copy(), self._sgen_p_mw.copy()
        table = self._profiles
        return (
            self._load_p_mw * f[table.load_p_column],
            self._load_q_mvar * f[table.load_q_column],
            self._sgen_p_mw * f[table.sgen_p_column],
        )
