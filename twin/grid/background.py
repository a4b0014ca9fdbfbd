"""Background injections: everything on the network that is not a fleet household.

Non-residential loads (SimBench G, L and MV-area loads) follow their SimBench
profiles, the network's static generators (SimBench renewables) theirs, and
storage elements are held at 0 (:func:`~twin.grid.network.prepare_net` sets
them so). Residential loads are 0 here: the household fleet supplies them.
Networks without profiles keep every element at its rated ``p_mw``/``q_mvar``.

The profile year is SimBench's 2016 at 15 min. An interval is mapped onto it by
its local start time: day of year and time of day, wrapping around the year
(see :func:`~twin.grid.profiles.profile_rows`). Mapping by day of year keeps
the season but not the weekday: a Monday of the run may read a Saturday of
2016.
"""

from __future__ import annotations

import numpy as np

from twin.clock import TimeAxis
from twin.grid.network import GridModel
from twin.grid.profiles import profile_rows

__all__ = ["BackgroundInjections"]


class BackgroundInjections:
    """Per-interval injections of everything but the households.

    Parameters
    ----------
    grid : GridModel
        The network.
    axis : TimeAxis
        The run's interval grid.

    Examples
    --------
    >>> background = BackgroundInjections(grid, axis)  # doctest: +SKIP
    >>> load_p_mw, load_q_mvar, sgen_p_mw = background.at(0)  # doctest: +SKIP
    """

    def __init__(self, grid: GridModel, axis: TimeAxis) -> None:
        self._grid = grid
        self._axis = axis
        net = grid.net
        keep = ~np.asarray(grid.residential, dtype=bool)  # the network's own loads
        own = keep.size  # rows appended later (public charging stations) are not background
        self._load_p_mw = np.where(keep, net.load["p_mw"].to_numpy(dtype=np.float64)[:own], 0.0)
        self._load_q_mvar = np.where(keep, net.load["q_mvar"].to_numpy(dtype=np.float64)[:own], 0.0)
        self._sgen_p_mw = net.sgen["p_mw"].to_numpy(dtype=np.float64).copy()
        self._profiles = grid.profiles
        self._day_of_year = np.asarray(axis.day_of_year, dtype=np.int64)
        self._second_of_day = np.rint(np.asarray(axis.local_hour) * 3600.0).astype(np.int64)

    @property
    def has_profiles(self) -> bool:
        """True when the injections follow SimBench profiles."""
        return self._profiles is not None

    def factors(self, index: int) -> np.ndarray | None:
        """Profile factors of interval ``index`` per profile column [-], None without profiles."""
        if self._profiles is None:
            return None
        rows, weights = profile_rows(
            int(self._day_of_year[index]),
            int(self._second_of_day[index]),
            self._axis.interval_s,
            n_rows=self._profiles.n_rows,
            step_s=self._profiles.step_s,
        )
        return self._profiles.factors(rows, weights)

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
            included), residential rows 0, consumption positive. A fresh
            array the caller may change.
        load_q_mvar : numpy.ndarray
            Reactive power of the same rows [Mvar], residential rows 0.
        sgen_p_mw : numpy.ndarray
            Active power of every ``net.sgen`` row [MW], generation positive.
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
