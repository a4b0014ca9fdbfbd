"""The vectorised home-battery fleet (layer 2).

One :class:`StorageFleet` holds N batteries (one per premise index) and a
dispatch strategy; :meth:`StorageFleet.step` takes each premise's net load of
the interval (load minus PV, before the battery) and returns the battery
power, which the engine adds to the premise's load.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.positions import kept_positions, premise_indices
from twin.devices.storage.kernel import (
    self_consumption_setpoint_kw,
    split_round_trip,
    storage_step,
    tou_setpoint_kw,
)
from twin.devices.storage.params import StorageParams, Strategy

__all__ = ["StorageFleet"]


class StorageFleet:
    """N home batteries with a shared dispatch strategy.

    Attributes
    ----------
    n : int
        Number of batteries.
    premise : numpy.ndarray
        Premise index of each battery (int64 ``(n,)``).
    capacity_kwh : numpy.ndarray
        Usable capacity [kWh], ``(n,)``.
    p_max_kw : numpy.ndarray
        Charge/discharge power limit [kW], ``(n,)``.
    soc_min_kwh : numpy.ndarray
        Reserve never discharged [kWh], ``(n,)``.
    soc_kwh : numpy.ndarray
        Stored energy now [kWh], ``(n,)``.
    eta_charge, eta_discharge : float
        Efficiencies [-] (sqrt split of the round trip).
    strategy : str
        One of :data:`STRATEGIES`.

    References
    ----------
    .. [1] Weniger, Tjaden, Quaschning (2014), Energy Procedia 46, 78-87.
    .. [2] Hoppmann et al. (2014), RSER 39, 1101-1118.
    """

    def __init__(
        self,
        *,
        premise: NDArray[np.int64],
        capacity_kwh: NDArray[np.float64],
        p_max_kw: NDArray[np.float64],
        soc_min_kwh: NDArray[np.float64],
        soc_kwh: NDArray[np.float64],
        eta_round_trip: float,
        strategy: Strategy,
        charge_window_h: tuple[float, float],
        discharge_window_h: tuple[float, float],
    ) -> None:
        """Assemble a fleet; use :meth:`create` instead."""
        self.premise = premise
        self.n = int(capacity_kwh.size)
        self.capacity_kwh = capacity_kwh
        self.p_max_kw = p_max_kw
        self.soc_min_kwh = soc_min_kwh
        self.soc_kwh = soc_kwh
        self._eta_round_trip = eta_round_trip
        self.eta_charge, self.eta_discharge = split_round_trip(eta_round_trip)
        self.strategy = strategy
        self._charge_h = charge_window_h
        self._discharge_h = discharge_window_h

    @classmethod
    def create(
        cls,
        n: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        params: StorageParams | None = None,
        premise: ArrayLike | None = None,
        capacity_kwh: ArrayLike | None = None,
        p_max_kw: ArrayLike | None = None,
    ) -> StorageFleet:
        """Draw ``n`` batteries.

        Parameters
        ----------
        n : int
            Number of batteries, >= 1.
        rng : numpy.random.Generator
            The fleet's generator (used only here).
        axis : TimeAxis
            The run's interval grid.
        params : StorageParams, optional
            Capacities, power, efficiency, reserve and dispatch strategy;
            default ``StorageParams()``.
        premise : array_like, optional
            Premise index of each unit (int, ``(n,)``); default ``0 .. n-1``.
            The engine gathers per-premise quantities with it.
        capacity_kwh : array_like, optional
            Usable capacity per battery [kWh]; else drawn uniformly from
            ``params.capacity_choices_kwh``.
        p_max_kw : array_like, optional
            Power limit [kW], scalar or ``(n,)``; else ``params.c_rate_per_h``
            times the capacity.

        Returns
        -------
        StorageFleet

        Raises
        ------
        ValueError
            If ``n`` < 1 or a given per-battery value is out of range.
        """
        p = StorageParams() if params is None else params
        if n < 1:
            raise ValueError(f"n given {n!r}; expected >= 1")
        if capacity_kwh is None:
            cap = rng.choice(np.asarray(p.capacity_choices_kwh, dtype=np.float64), size=n)
        else:
            cap = np.broadcast_to(np.asarray(capacity_kwh, dtype=np.float64), (n,)).copy()
        if np.any(~(cap > 0)):
            raise ValueError("capacity_kwh given values <= 0; expected > 0")
        if p_max_kw is None:
            p_max = cap * p.c_rate_per_h
        else:
            p_max = np.broadcast_to(np.asarray(p_max_kw, dtype=np.float64), (n,)).copy()
        if np.any(~(p_max >= 0)):
            raise ValueError("p_max_kw given values < 0; expected >= 0")
        return cls(
            premise=premise_indices(premise, n),
            capacity_kwh=cap,
            p_max_kw=p_max,
            soc_min_kwh=cap * p.soc_min_fraction,
            soc_kwh=cap * p.soc_initial_fraction,
            eta_round_trip=p.eta_round_trip,
            strategy=p.strategy,
            charge_window_h=p.charge_window_h,
            discharge_window_h=p.discharge_window_h,
        )

    def take(self, batteries: ArrayLike, premise: ArrayLike) -> StorageFleet:
        """The fleet of the batteries ``batteries`` only (a shard's part of the fleet).

        Parameters
        ----------
        batteries : array_like
            Positions of the batteries to keep (int, increasing).
        premise : array_like
            Premise index of each kept battery in the new fleet.

        Returns
        -------
        StorageFleet
            The kept batteries with their parameters and stored energy.
        """
        idx = kept_positions(batteries, self.n, "batteries")
        return StorageFleet(
            premise=premise_indices(premise, idx.size),
            capacity_kwh=self.capacity_kwh[idx],
            p_max_kw=self.p_max_kw[idx],
            soc_min_kwh=self.soc_min_kwh[idx],
            soc_kwh=self.soc_kwh[idx].copy(),
            eta_round_trip=self._eta_round_trip,
            strategy=self.strategy,
            charge_window_h=self._charge_h,
            discharge_window_h=self._discharge_h,
        )

    def step(
        self, t: IntervalTime, net_load_kw: ArrayLike, mode: NDArray[np.int8] | None = None
    ) -> NDArray[np.float64]:
        """Dispatch every battery for interval ``t``.

        Parameters
        ----------
        t : IntervalTime
            The interval; call in order.
        net_load_kw : array_like
            Each premise's mean load minus PV over the interval, before the
            battery [kW], ``(n,)`` (the engine's estimate: this interval's
            household and PV powers).
        mode : numpy.ndarray, optional
            Demand response per battery (int8, :mod:`twin.devices.dr_control`):
            0 its own strategy, 1 charge at full power (before an event),
            2 discharge to cover the premise's load (during an event).

        Returns
        -------
        numpy.ndarray
            Battery power [kW], ``(n,)``, positive = charging; ``soc_kwh``
            is advanced to the interval end.
        """
        net = np.asarray(net_load_kw, dtype=np.float64)
        if net.shape != (self.n,):
            raise ValueError(f"net_load_kw given shape {net.shape}; expected ({self.n},)")
        if self.strategy == "self_consumption":
            p_set = self_consumption_setpoint_kw(net)
        else:
            p_set = tou_setpoint_kw(
                t.local_hour,
                self.p_max_kw,
                net,
                charge_window_h=self._charge_h,
                discharge_window_h=self._discharge_h,
            )
        if mode is not None and mode.any():
            p_set = np.where(mode == 1, self.p_max_kw, p_set)
            p_set = np.where(mode == 2, -np.maximum(net, 0.0), p_set)
        self.soc_kwh, p_kw = storage_step(
            self.soc_kwh,
            p_set,
            t.dt_s,
            self.capacity_kwh,
            self.p_max_kw,
            self.eta_charge,
            self.eta_discharge,
            soc_min_kwh=self.soc_min_kwh,
        )
        return p_kw
