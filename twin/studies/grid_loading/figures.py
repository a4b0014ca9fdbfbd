"""Figures of the grid-loading study (matplotlib, Agg canvas)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from twin.studies.figures import new_figure, save_figure

__all__ = ["plot_demand", "plot_line_duration", "plot_transformer_duration"]

HIGHLIGHT = 6
"""Curves drawn in colour with a legend; the rest are thin grey lines."""


def _limits(ax: Axes, top: float) -> None:
    ax.axhline(100.0, color="tab:red", linestyle="--", linewidth=1.0, label="rating (100 %)")
    if top >= 140.0:
        label = "IEC 60076-7 limit (150 %)"
        ax.axhline(150.0, color="tab:red", linestyle=":", linewidth=1.0, label=label)


def plot_transformer_duration(
    frame: pd.DataFrame, summary: pd.DataFrame, path: Path, *, title: str
) -> str:
    """Loading-duration curve of each transformer: loading against share of time.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``internal/transformer_interval`` rows of the transformers to draw.
    summary : pandas.DataFrame
        Their rows of the study's transformer summary (``kind``,
        ``peak_loading_percent``), which picks the highlighted curves.
    path : pathlib.Path
        PNG to write.
    title : str
        Figure title.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.5)
    ax = figure.add_subplot()
    ranked = summary.sort_values("peak_loading_percent", ascending=False)
    highlight = set(ranked["transformer_id"].head(HIGHLIGHT).tolist())
    top = 0.0
    for trafo_id, group in frame.groupby("transformer_id", sort=True):
        loading = np.sort(group["loading_percent"].dropna().to_numpy(dtype=np.float64))[::-1]
        if loading.size == 0:
            continue
        share = np.arange(1, loading.size + 1) / loading.size * 100.0
        top = max(top, float(loading[0]))
        if trafo_id in highlight:
            row = summary.set_index("transformer_id").loc[trafo_id]
            label = f"trafo {trafo_id} ({row['kind']}, peak {row['peak_loading_percent']:.0f} %)"
            ax.step(share, loading, where="post", linewidth=1.6, label=label)
        else:
            ax.step(share, loading, where="post", linewidth=0.6, color="0.7")
    _limits(ax, top)
    ax.set_xlim(0.0, 100.0)
    ax.set_ylim(0.0, max(110.0, top * 1.08))
    ax.set_xlabel("share of time the loading is reached or exceeded [%]")
    ax.set_ylabel("transformer loading [% of rating]")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_line_duration(
    envelope_percent: np.ndarray, curves: pd.DataFrame, path: Path, *, interval_min: float
) -> str:
    """Duration curve of the most loaded line in each interval, and of the top lines.

    Parameters
    ----------
    envelope_percent : numpy.ndarray
        Highest line loading of each interval [%].
    curves : pandas.DataFrame
        ``line_id``, ``time_share`` [0..1], ``loading_percent`` of the lines
        to draw (from the 0.5 % histograms).
    path : pathlib.Path
        PNG to write.
    interval_min : float
        Interval length [min], for the caption of the envelope.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.5)
    ax = figure.add_subplot()
    env = np.sort(envelope_percent[np.isfinite(envelope_percent)])[::-1]
    top = float(env[0]) if env.size else 0.0
    if env.size:
        share = np.arange(1, env.size + 1) / env.size * 100.0
        label = f"most loaded line in each {interval_min:g}-min interval"
        ax.step(share, env, where="post", color="black", linewidth=1.8, label=label)
    for line_id, group in curves.groupby("line_id", sort=False):
        x = group["time_share"].to_numpy() * 100.0
        ax.plot(x, group["loading_percent"].to_numpy(), linewidth=1.0, label=f"line {line_id}")
    _limits(ax, top)
    ax.set_xlim(0.0, 100.0)
    ax.set_ylim(0.0, max(110.0, top * 1.08))
    ax.set_xlabel("share of time the loading is reached or exceeded [%]")
    ax.set_ylabel("line loading [% of max_i_ka]")
    ax.set_title("Line loading-duration curves")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_demand(
    times: pd.DatetimeIndex,
    series: dict[str, np.ndarray],
    path: Path,
    *,
    timezone: str,
    peak_index: int | None,
) -> str:
    """Fleet demand over the run (local time), with EV and PV parts where present.

    Parameters
    ----------
    times : pandas.DatetimeIndex
        Interval ends (UTC).
    series : dict of str to numpy.ndarray
        Curves to draw by label [kW]; the first is the fleet's net demand.
    path : pathlib.Path
        PNG to write.
    timezone : str
        Zone of the time axis.
    peak_index : int or None
        Interval of the fleet peak, marked.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(9.0, 4.2)
    ax = figure.add_subplot()
    local = times.tz_convert(timezone).tz_localize(None)
    for k, (label, values) in enumerate(series.items()):
        ax.plot(local, values, linewidth=1.4 if k == 0 else 1.0, label=label)
    if peak_index is not None:
        first = next(iter(series.values()))
        label = f"fleet peak {first[peak_index]:.0f} kW"
        at = slice(peak_index, peak_index + 1)
        ax.plot(local[at], first[at], "v", color="tab:red", label=label)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_xlabel(f"interval end, local time ({timezone})")
    ax.set_ylabel("mean power in interval [kW]")
    ax.set_title("Metered fleet demand")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return save_figure(figure, path)
