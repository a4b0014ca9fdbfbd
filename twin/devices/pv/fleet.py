"""The vectorised rooftop-PV fleet (layer 2): N inverters driven by typical-year weather.

At :meth:`PvFleet.create` the systems' orientations are binned into classes
(default 5 deg tilt x 15 deg azimuth); the PVWatts DC output per kWp of every
class is computed once per weather hour with pvlib and averaged onto the
run's intervals (:func:`~twin.devices.weather.average_hourly`). A step is
then one gather, the inverter curve, the volt-watt limit and the over-voltage
trip state: numpy over all systems, no loop.

Voltage feedback uses the *previous* power flow: ``step(t, vm_pu_prev)``
takes each premise's bus voltage of interval ``k - 1`` (None = nominal).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from twin.clock import IntervalTime, TimeAxis
from twin.devices.positions import kept_positions, premise_indices
from twin.devices.pv.kernel import dc_kw_per_kwp_hourly, inverter_ac_kw, volt_watt_fraction
from twin.devices.pv.params import PvParams
from twin.devices.weather import average_hourly, load_weather

__all__ = ["PV_STATUSES", "PvFleet"]

PV_STATUSES: Final = ("tripped", "reconnected")
"""Values of the ``status`` column of :meth:`PvFleet.status_changes`."""


def _draw(
    given: ArrayLike | None, n: int, draw: NDArray[np.float64], name: str
) -> NDArray[np.float64]:
    if given is None:
        return draw
    arr = np.broadcast_to(np.asarray(given, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} given non-finite values; expected finite numbers")
    return arr


class PvFleet:
    """N rooftop PV systems: PVWatts DC, inverter AC limit, volt-watt, OV trip.

    Create with :meth:`create`; call :meth:`step` once per interval, in order.

    Attributes
    ----------
    n : int
        Number of systems.
    premise : numpy.ndarray
        Premise index of each system (int64 ``(n,)``).
    kwp : numpy.ndarray
        DC nameplate [kWp], float64 ``(n,)``.
    tilt_deg, azimuth_deg : numpy.ndarray
        Drawn orientation [deg] (azimuth clockwise from north), ``(n,)``.
    dc_ac_ratio : numpy.ndarray
        DC nameplate over inverter AC rating [-], ``(n,)``.
    ac_max_kw : numpy.ndarray
        Inverter AC rating [kW] = ``kwp / dc_ac_ratio``, ``(n,)``.
    tripped : numpy.ndarray
        Over-voltage protection open (bool ``(n,)``).
    available_kw : numpy.ndarray
        Last step's AC power before volt-watt and trip [kW].
    curtailed_kwh : numpy.ndarray
        Energy lost to volt-watt and trips since the run start [kWh].

    References
    ----------
    .. [1] pvlib 0.16 PVWatts chain; Dobos (2014), NREL/TP-6A20-62641.
    .. [2] IEEE Std 1547-2018 (volt-watt Table 10; OV1 trip 1.10 pu; enter
       service <= 1.05 pu after 300 s).
    .. [3] EN 50549-1:2019 4.7.4 and 4.9; VDE-AR-N 4105:2018 (10-min mean
       over-voltage 1.10 Un).
    """

    def __init__(
        self,
        *,
        premise: NDArray[np.int64],
        axis: TimeAxis,
        kwp: NDArray[np.float64],
        tilt_deg: NDArray[np.float64],
        azimuth_deg: NDArray[np.float64],
        dc_ac_ratio: NDArray[np.float64],
        orientation_class: NDArray[np.intp],
        dc_table: NDArray[np.float32],
        volt_watt_pu: tuple[float, float],
        trip_pu: float,
        trip_window_s: int,
        reconnect_pu: float,
        reconnect_delay_s: int,
    ) -> None:
        """Assemble a fleet; use :meth:`create` instead."""
        self.premise = premise
        self.n = int(kwp.size)
        self.kwp = kwp
        self.tilt_deg = tilt_deg
        self.azimuth_deg = azimuth_deg
        self.dc_ac_ratio = dc_ac_ratio
        self.ac_max_kw = kwp / dc_ac_ratio
        self._axis = axis
        self._trip_window_s = trip_window_s
        self._cls = orientation_class
        self._table = dc_table
        self._vw = volt_watt_pu
        self._trip_pu = trip_pu
        self._reconnect_pu = reconnect_pu
        self._delay_s = reconnect_delay_s
        self._window = max(1, -(-trip_window_s // axis.interval_s))
        self._ring = np.ones((self._window, self.n), dtype=np.float64)
        self._ring_sum = np.full(self.n, float(self._window))
        self.tripped = np.zeros(self.n, dtype=bool)
        self._ok_since = np.full(self.n, np.nan)
        self.available_kw = np.zeros(self.n)
        self.curtailed_kwh = np.zeros(self.n)
        self._changes: list[tuple[NDArray[np.int64], NDArray[np.int64], str, NDArray]] = []

    @classmethod
    def create(
        cls,
        n: int,
        *,
        rng: np.random.Generator,
        axis: TimeAxis,
        params: PvParams | None = None,
        premise: ArrayLike | None = None,
        kwp: ArrayLike | None = None,
        tilt_deg: ArrayLike | None = None,
        azimuth_deg: ArrayLike | None = None,
        dc_ac_ratio: ArrayLike | None = None,
    ) -> PvFleet:
        """Draw ``n`` systems and precompute their orientation classes' output.

        Parameters
        ----------
        n : int
            Number of systems, >= 1.
        rng : numpy.random.Generator
            The fleet's generator (used only here).
        axis : TimeAxis
            The run's interval grid (any year; the interval divides a day).
        params : PvParams, optional
            Weather, rating and orientation distributions, inverter and
            protection settings; default ``PvParams()``.
        premise : array_like, optional
            Premise index of each unit (int, ``(n,)``); default ``0 .. n-1``.
            The engine gathers per-premise quantities with it.
        kwp : array_like, optional
            DC nameplate per system [kWp]; else drawn from ``params``.
        tilt_deg : array_like, optional
            Tilt per system [deg]; else drawn from ``params``.
        azimuth_deg : array_like, optional
            Azimuth per system [deg] (180 = south); else drawn from ``params``.
        dc_ac_ratio : array_like, optional
            DC nameplate over inverter AC rating per system [-], > 0, scalar
            or ``(n,)``; default ``params.dc_ac_ratio``.

        Returns
        -------
        PvFleet

        Raises
        ------
        ValueError
            If ``n`` < 1 or a given per-system value is out of range.
        """
        p = PvParams() if params is None else params
        if n < 1:
            raise ValueError(f"n given {n!r}; expected >= 1")
        ratio = np.broadcast_to(
            np.asarray(p.dc_ac_ratio if dc_ac_ratio is None else dc_ac_ratio, dtype=np.float64),
            (n,),
        )
        if np.any(~(ratio > 0)):
            raise ValueError(f"dc_ac_ratio given {dc_ac_ratio!r}; expected > 0")
        kwp_arr = _draw(
            kwp, n, np.clip(p.kwp_median * rng.lognormal(0.0, p.kwp_sigma, n), 1.0, 30.0), "kwp"
        )
        tilt = _draw(
            tilt_deg, n, np.clip(rng.normal(p.tilt_mean_deg, p.tilt_sd_deg, n), 0, 60), "tilt"
        )
        az = _draw(
            azimuth_deg,
            n,
            np.clip(rng.normal(p.azimuth_mean_deg, p.azimuth_sd_deg, n), 60, 300),
            "az",
        )
        if np.any(kwp_arr <= 0):
            raise ValueError("kwp given values <= 0; expected > 0")
        keys = np.stack(
            [np.round(tilt / p.tilt_bin_deg) * p.tilt_bin_deg, np.round(az / p.azimuth_bin_deg)],
            axis=1,
        )
        classes, inverse = np.unique(keys, axis=0, return_inverse=True)
        site = load_weather(p.weather)
        hourly = dc_kw_per_kwp_hourly(
            site,
            classes[:, 0],
            (classes[:, 1] * p.azimuth_bin_deg) % 360.0,
            gamma_pdc_per_c=p.gamma_pdc_per_c,
            losses_percent=p.losses_percent,
            albedo=p.albedo,
        )
        table = average_hourly(hourly, axis, site.utc_offset_h).astype(np.float32)
        return cls(
            premise=premise_indices(premise, n),
            axis=axis,
            kwp=kwp_arr,
            tilt_deg=tilt,
            azimuth_deg=az,
            dc_ac_ratio=ratio.astype(np.float64),
            orientation_class=inverse.reshape(-1).astype(np.intp),
            dc_table=table,
            volt_watt_pu=p.volt_watt_pu,
            trip_pu=p.trip_pu,
            trip_window_s=p.trip_window_s,
            reconnect_pu=p.reconnect_pu,
            reconnect_delay_s=p.reconnect_delay_s,
        )

    def take(self, systems: ArrayLike, premise: ArrayLike) -> PvFleet:
        """The fleet of the systems ``systems`` only (a shard's part of the fleet).

        The systems keep their drawn parameters, orientation class (the
        whole fleet's class table is shared, so each system's output is
        computed from the same numbers) and protection state.

        Parameters
        ----------
        systems : array_like
            Positions of the systems to keep (int, increasing).
        premise : array_like
            Premise index of each kept system in the new fleet.

        Returns
        -------
        PvFleet
        """
        idx = kept_positions(systems, self.n, "systems")
        out = PvFleet(
            premise=premise_indices(premise, idx.size),
            axis=self._axis,
            kwp=self.kwp[idx],
            tilt_deg=self.tilt_deg[idx],
            azimuth_deg=self.azimuth_deg[idx],
            dc_ac_ratio=self.dc_ac_ratio[idx],
            orientation_class=self._cls[idx],
            dc_table=self._table,
            volt_watt_pu=self._vw,
            trip_pu=self._trip_pu,
            trip_window_s=self._trip_window_s,
            reconnect_pu=self._reconnect_pu,
            reconnect_delay_s=self._delay_s,
        )
        out._ring = self._ring[:, idx].copy()
        out._ring_sum = self._ring_sum[idx].copy()
        out.tripped = self.tripped[idx].copy()
        out._ok_since = self._ok_since[idx].copy()
        out.available_kw = self.available_kw[idx].copy()
        out.curtailed_kwh = self.curtailed_kwh[idx].copy()
        return out

    @property
    def n_classes(self) -> int:
        """Number of distinct orientation classes computed with pvlib."""
        return int(self._table.shape[1])

    def step(
        self, t: IntervalTime, vm_pu_prev: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Mean AC output of every system over interval ``t`` [kW], >= 0.

        Parameters
        ----------
        t : IntervalTime
            The interval; call in order.
        vm_pu_prev : numpy.ndarray, optional
            Bus voltage of each system's premise from the previous
            interval's power flow [pu], ``(n,)`` (the engine passes
            ``vm_pu_by_premise[fleet.premise]``); None means nominal (1.0).

        Returns
        -------
        numpy.ndarray
            Generation [kW], float64 ``(n,)`` (positive = export to the bus):
            ``min(available, volt-watt limit x rating)`` while connected.
            A system trips at the interval start when its mean voltage over
            the last ``trip_window_s`` exceeds ``trip_pu`` and reconnects,
            prorated inside the interval, ``reconnect_delay_s`` after the
            voltage first came back to ``reconnect_pu`` or below.
        """
        k = t.index
        if not 0 <= k < self._table.shape[0]:
            raise IndexError(f"interval index given {k}; expected 0 .. {self._table.shape[0] - 1}")
        dc = self._table[k].take(self._cls) * self.kwp
        avail = inverter_ac_kw(dc, self.ac_max_kw)
        self.available_kw = avail
        if vm_pu_prev is None:
            on = self._update_trips(t, None) if self.tripped.any() else None
            return avail.copy() if on is None else avail * on
        vm = np.asarray(vm_pu_prev, dtype=np.float64)
        if vm.shape != (self.n,):
            raise ValueError(f"vm_pu_prev given shape {vm.shape}; expected ({self.n},)")
        on = self._update_trips(t, vm)
        p_kw = avail.copy()
        high = np.flatnonzero(vm > self._vw[0])
        if high.size:
            limit = volt_watt_fraction(vm[high], v_start_pu=self._vw[0], v_end_pu=self._vw[1])
            p_kw[high] = np.minimum(avail[high], limit * self.ac_max_kw[high])
        if on is not None:
            p_kw *= on
        if high.size or on is not None:
            self.curtailed_kwh += (avail - p_kw) * (t.dt_s / 3600.0)
        return p_kw

    def _update_trips(
        self, t: IntervalTime, vm: NDArray[np.float64] | None
    ) -> NDArray[np.float64] | None:
        """Advance the protection; the share of the interval each system is on, or
        None when every system is on for all of it."""
        start, end = t.start_s, t.start_s + t.dt_s
        v = np.ones(self.n) if vm is None else vm
        if self._window == 1:
            mean = v
        else:
            slot = t.index % self._window
            self._ring_sum += v - self._ring[slot]
            self._ring[slot] = v
            mean = self._ring_sum / self._window
        tripped = self.tripped
        high = mean > self._trip_pu
        new = np.flatnonzero(high & ~tripped) if high.any() else np.zeros(0, np.intp)
        if not new.size and not tripped.any():
            return None
        on = np.ones(self.n)
        idx = np.flatnonzero(tripped)
        if idx.size:
            ok = v[idx] <= self._reconnect_pu
            since = self._ok_since[idx]
            since = np.where(ok & np.isnan(since), float(start), since)
            since[~ok] = np.nan
            back_at = since + self._delay_s
            back = back_at < end
            on[idx] = 0.0
            self._ok_since[idx] = since
            if back.any():
                won = idx[back]
                at = np.maximum(back_at[back], start)
                on[won] = (end - at) / t.dt_s
                self._record(won, at, "reconnected", v[won])
                tripped[won] = False
                self._ok_since[won] = np.nan
        if new.size:
            on[new] = 0.0
            self._record(new, np.full(new.size, float(start)), "tripped", mean[new])
            tripped[new] = True
        return on

    def _record(
        self, idx: NDArray[np.intp], time_s: NDArray[np.float64], status: str, vm: NDArray
    ) -> None:
        self._changes.append(
            (self.premise[idx], np.ceil(time_s).astype(np.int64), status, vm.astype(float))
        )

    def status_changes(self) -> dict[str, NDArray]:
        """Drain the protection status changes since the last call (columnar).

        Returns
        -------
        dict of numpy.ndarray
            ``premise`` (int64), ``time_s`` (int64, s since run start),
            ``status`` (object: ``"tripped"`` / ``"reconnected"``),
            ``vm_pu`` (float64: the mean voltage that tripped it, or the
            voltage it reconnected at), sorted by time then premise.
        """
        changes, self._changes = self._changes, []
        if not changes:
            return {
                "premise": np.zeros(0, np.int64),
                "time_s": np.zeros(0, np.int64),
                "status": np.zeros(0, object),
                "vm_pu": np.zeros(0),
            }
        premise = np.concatenate([c[0] for c in changes])
        time_s = np.concatenate([c[1] for c in changes])
        status = np.concatenate([np.full(c[0].size, c[2], dtype=object) for c in changes])
        vm = np.concatenate([c[3] for c in changes])
        order = np.lexsort((premise, time_s))
        return {
            "premise": premise[order],
            "time_s": time_s[order],
            "status": status[order],
            "vm_pu": vm[order],
        }
