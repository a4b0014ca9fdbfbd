"""Fleet demand from the legal interval readings, streamed, and its peak coincidence.

``internal/meter_interval`` is the largest table of a run (meters x
intervals), so it is reduced batch by batch to the fleet's import and export
per interval, each meter's own peak, and the net demand of each LV
transformer area per interval.

References
----------
.. [1] H. L. Willis, Power Distribution Planning Reference Book, 2nd ed.,
   Marcel Dekker, 2004, ch. 3: coincidence factor = peak of the sum of loads /
   sum of the individual peaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.streams import interval_index

__all__ = ["MAX_AREA_SERIES", "FleetDemand", "accumulate_fleet_demand", "ev_power_kw"]

MAX_AREA_SERIES = 2_000
"""Above this many LV areas the per-area demand series are not kept (memory)."""


@dataclass
class FleetDemand:
    """The fleet's metered demand per interval.

    Attributes
    ----------
    interval_s : int
        Interval length [s].
    import_kw, export_kw : numpy.ndarray
        Mean fleet import and export power of each interval [kW].
    readings : numpy.ndarray
        Readings (quality other than ``missing``) per interval.
    meter_ids : pandas.Index
        The meters seen, in the order of ``meter_peak_kw``.
    meter_peak_kw : numpy.ndarray
        Each meter's highest interval-mean net demand (import - export) [kW].
    area_ids : numpy.ndarray
        LV transformer areas with a series in ``area_net_kw`` (may be empty).
    area_net_kw : numpy.ndarray
        Net demand per area and interval [kW], shape (areas, intervals).
    meter_area : numpy.ndarray
        Area of each meter of ``meter_ids`` (-1 where unknown).
    """

    interval_s: int
    import_kw: np.ndarray
    export_kw: np.ndarray
    readings: np.ndarray
    meter_ids: pd.Index
    meter_peak_kw: np.ndarray
    area_ids: np.ndarray
    area_net_kw: np.ndarray
    meter_area: np.ndarray

    @property
    def net_kw(self) -> np.ndarray:
        """Fleet net demand per interval [kW]."""
        return self.import_kw - self.export_kw

    def coincidence(self) -> dict[str, object]:
        """Coincidence factor of the whole fleet and of each LV area.

        Returns
        -------
        dict
            ``meters``, ``fleet_peak_kw``, ``fleet_peak_interval`` (index),
            ``sum_of_meter_peaks_kw``, ``coincidence_factor`` (fleet peak /
            sum of meter peaks, 0..1), ``diversity_factor`` (its inverse) and
            ``areas``: the same per LV transformer area.
        """
        net = self.net_kw
        if net.size == 0 or not np.isfinite(net).any():
            return {"meters": len(self.meter_ids), "coincidence_factor": None, "areas": []}
        at = int(np.nanargmax(net))
        total = float(self.meter_peak_kw[self.meter_peak_kw > 0].sum())
        cf = float(net[at]) / total if total > 0 else None
        areas = []
        for k, area in enumerate(self.area_ids):
            peaks = self.meter_peak_kw[self.meter_area == area]
            area_total = float(peaks[peaks > 0].sum())
            series = self.area_net_kw[k]
            peak = float(np.nanmax(series)) if series.size else float("nan")
            areas.append(
                {
                    "transformer_id": int(area),
                    "meters": int(peaks.size),
                    "peak_kw": peak,
                    "sum_of_meter_peaks_kw": area_total,
                    "coincidence_factor": peak / area_total if area_total > 0 else None,
                }
            )
        return {
            "meters": len(self.meter_ids),
            "fleet_peak_kw": float(net[at]),
            "fleet_peak_interval": at,
            "sum_of_meter_peaks_kw": total,
            "coincidence_factor": cf,
            "diversity_factor": 1.0 / cf if cf else None,
            "areas": areas,
        }


def accumulate_fleet_demand(
    frames: Iterable[pd.DataFrame],
    *,
    start_us: int,
    interval_s: int,
    n_intervals: int,
    meter_area: pd.Series | None = None,
) -> FleetDemand:
    """Reduce ``internal/meter_interval`` batches to a :class:`FleetDemand`.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        Batches with ``meter_id``, ``interval_end`` (UTC), ``import_wh``,
        ``export_wh`` [Wh] and ``quality``; rows of quality ``missing`` are
        left out.
    start_us : int
        Run start [µs since the Unix epoch].
    interval_s : int
        Interval length [s].
    n_intervals : int
        Intervals in the run.
    meter_area : pandas.Series, optional
        LV transformer id by meter id (from ``internal/meter_point``).
    """
    to_kw = 3_600.0 / interval_s / 1_000.0
    interval_us = interval_s * 1_000_000
    meters = pd.Index([], dtype=object)
    peak_wh = np.empty(0)
    imp = np.zeros(n_intervals)
    exp = np.zeros(n_intervals)
    count = np.zeros(n_intervals, dtype=np.int64)
    areas = np.empty(0, dtype=np.int64)
    if meter_area is not None:
        areas = np.unique(meter_area.to_numpy(dtype=np.int64))
        areas = areas[areas >= 0]
        if areas.size > MAX_AREA_SERIES:
            areas = np.empty(0, dtype=np.int64)
    area_wh = np.zeros((areas.size, n_intervals))
    for frame in frames:
        if "quality" in frame:
            frame = frame[frame["quality"].astype(str) != "missing"]
        if frame.empty:
            continue
        column = frame["meter_id"].astype("category")
        names = column.cat.categories.astype(str)
        known = meters.get_indexer(names)
        if (known < 0).any():
            meters = meters.append(pd.Index(names[known < 0]))
            peak_wh = np.concatenate([peak_wh, np.full(len(meters) - peak_wh.size, -np.inf)])
            known = meters.get_indexer(names)
        codes = column.cat.codes.to_numpy()
        position = np.where(codes >= 0, known[codes], -1)
        index = interval_index(frame["interval_end"], start_us=start_us, interval_us=interval_us)
        keep = (index >= 0) & (index < n_intervals) & (position >= 0)
        index, position = index[keep], position[keep]
        i_wh = frame["import_wh"].to_numpy(dtype=np.float64)[keep]
        e_wh = frame["export_wh"].to_numpy(dtype=np.float64)[keep]
        imp += np.bincount(index, weights=i_wh, minlength=n_intervals)
        exp += np.bincount(index, weights=e_wh, minlength=n_intervals)
        count += np.bincount(index, minlength=n_intervals)
        np.maximum.at(peak_wh, position, i_wh - e_wh)
        if areas.size and meter_area is not None:
            area = meter_area.reindex(meters[position]).to_numpy(dtype=np.float64)
            k = np.searchsorted(areas, np.nan_to_num(area, nan=-1).astype(np.int64))
            k = np.clip(k, 0, areas.size - 1)
            hit = areas[k] == area
            flat = np.bincount(
                k[hit] * n_intervals + index[hit],
                weights=(i_wh - e_wh)[hit],
                minlength=areas.size * n_intervals,
            )
            area_wh += flat.reshape(areas.size, n_intervals)
    meter_area_arr = np.full(len(meters), -1, dtype=np.int64)
    if meter_area is not None and len(meters):
        mapped = meter_area.reindex(meters).to_numpy(dtype=np.float64)
        meter_area_arr = np.nan_to_num(mapped, nan=-1).astype(np.int64)
    return FleetDemand(
        interval_s=interval_s,
        import_kw=np.where(count > 0, imp * to_kw, np.nan),
        export_kw=np.where(count > 0, exp * to_kw, np.nan),
        readings=count,
        meter_ids=meters,
        meter_peak_kw=np.where(np.isfinite(peak_wh), peak_wh * to_kw, np.nan),
        area_ids=areas,
        area_net_kw=area_wh * to_kw,
        meter_area=meter_area_arr,
    )


def ev_power_kw(
    start_us: np.ndarray,
    stop_us: np.ndarray,
    energy_wh: np.ndarray,
    *,
    run_start_us: int,
    interval_s: int,
    n_intervals: int,
) -> np.ndarray:
    """Mean charging power per interval when each session draws its energy evenly.

    Each session's energy is spread at constant power over
    ``[start, stop)``; the energy falling in each interval is integrated
    exactly (piecewise-linear cumulative energy at the interval bounds).

    Parameters
    ----------
    start_us, stop_us : numpy.ndarray
        Session start and stop [µs since the Unix epoch].
    energy_wh : numpy.ndarray
        Energy of each session [Wh].
    run_start_us : int
        Run start [µs since the Unix epoch].
    interval_s : int
        Interval length [s].
    n_intervals : int
        Intervals in the run.

    Returns
    -------
    numpy.ndarray
        Mean power of all sessions in each interval [kW].
    """
    t0 = (np.asarray(start_us, dtype=np.float64) - run_start_us) / 1e6
    t1 = (np.asarray(stop_us, dtype=np.float64) - run_start_us) / 1e6
    energy = np.asarray(energy_wh, dtype=np.float64)
    ok = np.isfinite(t0) & np.isfinite(t1) & np.isfinite(energy) & (t1 > t0)
    t0, t1, energy = t0[ok], t1[ok], energy[ok]
    rate = energy / (t1 - t0)  # Wh per second
    times = np.concatenate([t0, t1])
    slope = np.concatenate([rate, -rate])
    order = np.argsort(times, kind="stable")
    times, slope = times[order], slope[order]
    cum_slope = np.concatenate([[0.0], np.cumsum(slope)])
    cum_moment = np.concatenate([[0.0], np.cumsum(slope * times)])
    bounds = np.arange(n_intervals + 1, dtype=np.float64) * interval_s
    k = np.searchsorted(times, bounds, side="right")
    energy_at = bounds * cum_slope[k] - cum_moment[k]  # Wh delivered up to each bound
    return np.diff(energy_at) * 3_600.0 / interval_s / 1_000.0
