"""What the report draws, computed from a run in bounded memory.

- the fleet's metered demand by local day type and time of day;
- bus voltages on a (bus x time-bin) grid for the heatmap, and each bus's
  minimum and maximum, in one streamed pass over ``internal/bus_voltage``;
- an order of the buses that follows the network: voltage level, LV
  transformer area, feeder, then distance from the transformer along lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from twin.streams import RunClock, interval_index

__all__ = [
    "DAY_TYPES",
    "VoltageGrid",
    "accumulate_voltage_grid",
    "bus_order",
    "profile_by_day_type",
]

DAY_TYPES = ("Weekday", "Saturday", "Sunday")
MAX_TIME_BINS = 800
"""Columns of the heatmap at most; longer runs average consecutive intervals."""


def profile_by_day_type(clock: RunClock, net_kw: np.ndarray) -> pd.DataFrame:
    """Mean fleet demand by local day type and time of day.

    Parameters
    ----------
    clock : twin.streams.RunClock
        The run's intervals; an interval's day and time of day are those of
        its start in the run's time zone.
    net_kw : numpy.ndarray
        Fleet net demand of each interval [kW].

    Returns
    -------
    pandas.DataFrame
        ``day_type`` (Weekday, Saturday, Sunday), ``hour`` (local time of day
        of the interval start [h]), ``mean_kw``, ``p10_kw``, ``p90_kw`` [kW]
        and ``days`` (how many days were averaged).
    """
    local = clock.local_interval_starts
    weekday = local.weekday.to_numpy()
    weekend = np.where(weekday == 5, DAY_TYPES[1], DAY_TYPES[2])
    day_type = np.where(weekday < 5, DAY_TYPES[0], weekend)
    frame = pd.DataFrame(
        {
            "day_type": day_type,
            "hour": local.hour + local.minute / 60.0,
            "date": local.date,
            "kw": net_kw,
        }
    ).dropna(subset=["kw"])
    grouped = frame.groupby(["day_type", "hour"], sort=True)["kw"]
    out = pd.DataFrame(
        {
            "mean_kw": grouped.mean(),
            "p10_kw": grouped.quantile(0.10),
            "p90_kw": grouped.quantile(0.90),
        }
    ).reset_index()
    days = frame.groupby("day_type")["date"].nunique()
    out["days"] = out["day_type"].map(days).astype(np.int64)
    return out


@dataclass
class VoltageGrid:
    """Bus voltages reduced for drawing.

    Attributes
    ----------
    bus_ids : numpy.ndarray
        int64 bus ids, one per row.
    sums, counts : numpy.ndarray
        Sum of finite voltages [pu] and their number per bus and time bin.
    bin_edges : pandas.DatetimeIndex
        Time-bin edges (UTC), one more than the columns.
    vm_min_pu, vm_max_pu : numpy.ndarray
        Each bus's minimum and maximum over the run [pu] (NaN without data).
    """

    bus_ids: np.ndarray
    sums: np.ndarray
    counts: np.ndarray
    bin_edges: pd.DatetimeIndex
    vm_min_pu: np.ndarray
    vm_max_pu: np.ndarray

    def mean(self) -> np.ndarray:
        """Mean voltage per bus and time bin [pu] (NaN where empty)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts > 0, self.sums / np.maximum(self.counts, 1), np.nan)

    def extremes(self) -> pd.DataFrame:
        """``bus_id``, ``vm_min_pu``, ``vm_max_pu`` per bus."""
        return pd.DataFrame(
            {"bus_id": self.bus_ids, "vm_min_pu": self.vm_min_pu, "vm_max_pu": self.vm_max_pu}
        )


def accumulate_voltage_grid(
    frames: Iterable[pd.DataFrame],
    *,
    start: pd.Timestamp,
    interval_s: int,
    n_intervals: int,
    max_bins: int = MAX_TIME_BINS,
) -> VoltageGrid:
    """Stream ``internal/bus_voltage`` into a (bus x time-bin) grid and bus extremes.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        Batches with ``bus_id``, ``interval_end`` (UTC) and ``vm_pu`` [pu].
    start : pandas.Timestamp
        Run start (UTC).
    interval_s : int
        Interval length [s].
    n_intervals : int
        Intervals in the run.
    max_bins : int
        Most time bins; consecutive intervals are averaged into one bin.
    """
    n_intervals = max(n_intervals, 1)
    per_bin = int(np.ceil(n_intervals / max_bins))
    n_bins = int(np.ceil(n_intervals / per_bin))
    start_us = int(start.value // 1_000)
    interval_us = interval_s * 1_000_000
    ids = np.empty(0, dtype=np.int64)
    sums = np.zeros((0, n_bins))
    counts = np.zeros((0, n_bins), dtype=np.int64)
    vmin = np.empty(0)
    vmax = np.empty(0)
    for frame in frames:
        vm = frame["vm_pu"].to_numpy(dtype=np.float64)
        ok = np.isfinite(vm)
        bus = frame["bus_id"].to_numpy(dtype=np.int64)
        new = np.setdiff1d(np.unique(bus), ids)
        if new.size:
            ids = np.concatenate([ids, new])
            sums = np.vstack([sums, np.zeros((new.size, n_bins))])
            counts = np.vstack([counts, np.zeros((new.size, n_bins), dtype=np.int64)])
            vmin = np.concatenate([vmin, np.full(new.size, np.inf)])
            vmax = np.concatenate([vmax, np.full(new.size, -np.inf)])
        order = np.argsort(ids)
        row = order[np.searchsorted(ids, bus[ok], sorter=order)]
        ends = frame["interval_end"][ok]
        index = interval_index(ends, start_us=start_us, interval_us=interval_us)
        column = np.clip(index // per_bin, 0, n_bins - 1)
        flat = row * n_bins + column
        size = len(ids) * n_bins
        sums += np.bincount(flat, weights=vm[ok], minlength=size).reshape(len(ids), n_bins)
        counts += np.bincount(flat, minlength=size).reshape(len(ids), n_bins)
        np.minimum.at(vmin, row, vm[ok])
        np.maximum.at(vmax, row, vm[ok])
    edges = pd.date_range(
        start, periods=n_bins + 1, freq=pd.Timedelta(seconds=interval_s * per_bin)
    )
    return VoltageGrid(
        bus_ids=ids,
        sums=sums,
        counts=counts,
        bin_edges=edges,
        vm_min_pu=np.where(np.isfinite(vmin), vmin, np.nan),
        vm_max_pu=np.where(np.isfinite(vmax), vmax, np.nan),
    )


def _distance_from_transformers(branches: pd.DataFrame | None) -> pd.Series:
    """Distance of each bus from the LV side of the nearest transformer along lines [km]."""
    if branches is None or branches.empty:
        return pd.Series(dtype=np.float64)
    lines = branches[branches["kind"] == "line"]
    graph = nx.Graph()
    lengths = lines["length_km"].fillna(0.0).to_numpy(dtype=np.float64)
    for u, v, w in zip(lines["from_bus_id"], lines["to_bus_id"], lengths, strict=True):
        graph.add_edge(int(u), int(v), weight=float(w))
    sources = {int(b) for b in branches.loc[branches["kind"] == "trafo", "to_bus_id"]}
    sources &= set(graph.nodes)
    if not sources:
        return pd.Series(dtype=np.float64)
    distance = nx.multi_source_dijkstra_path_length(graph, sources, weight="weight")
    return pd.Series(distance, dtype=np.float64)


def bus_order(
    bus_ids: np.ndarray, buses: pd.DataFrame | None, branches: pd.DataFrame | None
) -> pd.DataFrame:
    """Order buses for drawing: voltage level (high first), LV area, feeder, distance.

    Returns
    -------
    pandas.DataFrame
        ``bus_id``, ``vn_kv`` [kV], ``transformer_id``, ``feeder_id``,
        ``distance_km`` [km from the transformer's LV busbar, NaN where not
        reached], sorted in drawing order.
    """
    frame = pd.DataFrame({"bus_id": np.asarray(bus_ids, dtype=np.int64)})
    if buses is not None:
        keep = [c for c in ("bus_id", "vn_kv", "transformer_id", "feeder_id") if c in buses]
        frame = frame.merge(buses[keep], on="bus_id", how="left")
    for column in ("vn_kv", "transformer_id", "feeder_id"):
        if column not in frame:
            frame[column] = np.nan
    frame["distance_km"] = frame["bus_id"].map(_distance_from_transformers(branches))
    frame["_vn"] = -frame["vn_kv"].fillna(0.0)
    keys = ["_vn", "transformer_id", "feeder_id", "distance_km", "bus_id"]
    frame = frame.sort_values(keys, na_position="last", kind="stable", ignore_index=True)
    return frame.drop(columns="_vn")
