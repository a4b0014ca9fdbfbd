"""Figures of the power-quality study (matplotlib, Agg canvas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from twin.studies.figures import new_figure, save_figure
from twin.studies.power_quality.limits import ANSI_RANGE_A_PU

__all__ = ["plot_bus_voltage_range", "plot_voltage_distribution"]


def _view(low_pu: float, high_pu: float) -> tuple[float, float]:
    """Axis range around the data [pu]: Range A always, EN 50160 limits the data come near."""
    lo = min(low_pu - 0.01, ANSI_RANGE_A_PU[0] - 0.01)
    hi = max(high_pu + 0.01, ANSI_RANGE_A_PU[1] + 0.01)
    for limit in (0.90, 0.85):
        if low_pu - 0.02 < limit:
            lo = min(lo, limit - 0.005)
    for limit in (1.10, 1.15):
        if high_pu + 0.02 > limit:
            hi = max(hi, limit + 0.005)
    return lo, hi


def _limit_lines(ax: Axes, lo: float, hi: float, *, vertical: bool) -> None:
    """Shade ANSI Range A and draw the EN 50160 limits that fall inside [lo, hi]."""
    span = ax.axvspan if vertical else ax.axhspan
    line = ax.axvline if vertical else ax.axhline
    span(*ANSI_RANGE_A_PU, color="tab:green", alpha=0.08, label="ANSI C84.1 Range A")
    drawn: set[str] = set()
    for value, style, label in (
        (0.90, "--", "EN 50160 ±10 %"),
        (1.10, "--", "EN 50160 ±10 %"),
        (0.85, ":", "EN 50160 −15 % (LV, MV)"),
        (1.15, ":", "EN 50160 +15 % (MV)"),
    ):
        if lo <= value <= hi:
            line(
                value,
                color="tab:red",
                linestyle=style,
                linewidth=1.0,
                label=None if label in drawn else label,
            )
            drawn.add(label)
    line(1.0, color="0.4", linewidth=0.8)


def plot_voltage_distribution(
    histogram: np.ndarray, edges_pu: np.ndarray, path: Path, *, interval_min: float
) -> str:
    """Histogram of all buses' interval-mean voltages with the standards' limits.

    Parameters
    ----------
    histogram : numpy.ndarray
        Counts per bin.
    edges_pu : numpy.ndarray
        Bin edges [pu].
    path : pathlib.Path
        PNG to write.
    interval_min : float
        Interval length [min], for the axis label.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.2)
    ax = figure.add_subplot()
    total = histogram.sum()
    used = np.flatnonzero(histogram)
    if total == 0 or used.size == 0:
        ax.text(0.5, 0.5, "no finite bus voltage", ha="center", transform=ax.transAxes)
        return save_figure(figure, path)
    factor = max(1, (used[-1] - used[0] + 1) // 60)  # about 60 bars over the data
    n = len(histogram) // factor * factor
    counts = histogram[:n].reshape(-1, factor).sum(axis=1)
    counts[-1] += histogram[n:].sum()
    edges = edges_pu[: n + 1 : factor]
    share = counts / total * 100.0
    lo, hi = _view(float(edges_pu[used[0]]), float(edges_pu[used[-1] + 1]))
    width = float(edges[1] - edges[0])
    label = f"interval means ({width:g} pu bins)"
    ax.stairs(share, edges, fill=True, color="tab:blue", alpha=0.75, label=label)
    _limit_lines(ax, lo, hi, vertical=True)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("bus voltage, interval mean [pu]")
    ax.set_ylabel("share of bus-intervals [%]")
    ax.set_title(f"Distribution of bus voltages, all buses, {interval_min:g}-min means")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_bus_voltage_range(buses: pd.DataFrame, path: Path) -> str:
    """Minimum, mean and maximum voltage of each bus, buses sorted by their minimum.

    Parameters
    ----------
    buses : pandas.DataFrame
        Output of :func:`~twin.studies.power_quality.compliance.bus_summary`.
    path : pathlib.Path
        PNG to write.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.2)
    ax = figure.add_subplot()
    data = buses.dropna(subset=["vm_min_pu"]).sort_values("vm_min_pu", ignore_index=True)
    rank = np.arange(1, len(data) + 1)
    vmin = data["vm_min_pu"].to_numpy(dtype=np.float64)
    vmax = data["vm_max_pu"].to_numpy(dtype=np.float64)
    ax.fill_between(rank, vmin, vmax, step="mid", color="tab:blue", alpha=0.3, label="min to max")
    ax.plot(
        rank, data["vm_mean_pu"].to_numpy(), drawstyle="steps-mid", color="tab:blue", label="mean"
    )
    if len(data):
        lo, hi = _view(float(np.nanmin(vmin)), float(np.nanmax(vmax)))
        _limit_lines(ax, lo, hi, vertical=False)
        ax.set_ylim(lo, hi)
        ax.set_xlim(0.5, len(data) + 0.5)
    ax.set_xlabel("bus, ranked by its minimum voltage")
    ax.set_ylabel("bus voltage [pu]")
    ax.set_title("Voltage range of every bus over the run")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)
