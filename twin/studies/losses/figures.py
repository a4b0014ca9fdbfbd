"""Figures of the losses study (matplotlib, Agg canvas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from twin.studies.figures import new_figure, save_figure

__all__ = ["plot_loss_rate_days", "plot_precision_at_k", "plot_technical_split"]

_RATE_COLOURS = ("#6a51a3", "#c7e9c0", "#74c476", "#fdae6b", "#d94801")
_INCOMPLETE = "#d9d9d9"


def _rate_classes(
    band: tuple[float, float], typical: tuple[float, float]
) -> tuple[list[float], list[str]]:
    """Bin edges of the heat map [-] and their labels."""
    low, high = band
    t_low, t_high = typical
    edges = [-1e9, low, t_low, t_high, high, 1e9]
    labels = [
        f"below {low * 100:g} % (negative loss)",
        f"{low * 100:g}-{t_low * 100:g} %",
        f"{t_low * 100:g}-{t_high * 100:g} % (LV typical)",
        f"{t_high * 100:g}-{high * 100:g} %",
        f"above {high * 100:g} % (not qualified)",
    ]
    return edges, labels


def plot_loss_rate_days(
    daily: pd.DataFrame,
    path: Path,
    *,
    band: tuple[float, float],
    typical: tuple[float, float],
    flagged: list[int],
) -> str:
    """Heat map of the line-loss rate of every area (rows) and local day (columns).

    Colours are the classes of the qualified band (State Grid 0-10 %, LV
    typical 3-6 %); incomplete area-days are grey; flagged areas are starred.

    Parameters
    ----------
    daily : pandas.DataFrame
        The area-day table (rates [-]).
    path : pathlib.Path
        The PNG to write.
    band, typical : tuple of float
        The qualified and the typical LV band [-].
    flagged : list of int
        ``transformer_id`` of the flagged areas.

    Returns
    -------
    str
        The file name.
    """
    grid = daily.pivot(index="transformer_id", columns="day", values="line_loss_rate")
    edges, labels = _rate_classes(band, typical)
    cmap = ListedColormap(list(_RATE_COLOURS)).with_extremes(bad=_INCOMPLETE)
    norm = BoundaryNorm(edges, cmap.N)
    height = min(2.5 + 0.22 * len(grid), 11.0)
    figure = new_figure(9.0, height)
    ax = figure.add_subplot()
    values = np.ma.masked_invalid(grid.to_numpy(dtype=np.float64))
    ax.pcolormesh(values, cmap=cmap, norm=norm, edgecolors="white", linewidth=0.3)
    ax.invert_yaxis()
    step = max(1, len(grid) // 30)
    rows = np.arange(0, len(grid), step)
    ax.set_yticks(rows + 0.5)
    ax.set_yticklabels(
        [f"{tid}{' *' if tid in flagged else ''}" for tid in grid.index.to_numpy()[rows]]
    )
    days = [pd.Timestamp(d) for d in grid.columns]
    day_step = max(1, len(days) // 12)
    ax.set_xticks(np.arange(0, len(days), day_step) + 0.5)
    ax.set_xticklabels([d.strftime("%m-%d") for d in days[::day_step]], rotation=45, ha="right")
    ax.set_xlabel("local day")
    ax.set_ylabel("LV transformer area (* flagged)")
    ax.set_title("Transformer-area line-loss rate per day")
    handles = [Patch(color=c, label=label) for c, label in zip(_RATE_COLOURS, labels, strict=True)]
    handles.append(Patch(color=_INCOMPLETE, label="incomplete day (not judged)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return save_figure(figure, path)


def plot_technical_split(
    summary: pd.DataFrame, path: Path, *, band: tuple[float, float], threshold: float
) -> str:
    """Technical and non-technical loss rate of every area over its complete days.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per area (``technical_rate``, ``non_technical_rate``,
        ``line_loss_rate`` [-], ``flagged``).
    path : pathlib.Path
        The PNG to write.
    band : tuple of float
        The qualified band [-].
    threshold : float
        The non-technical threshold [share of supply].

    Returns
    -------
    str
        The file name.
    """
    frame = summary.sort_values("line_loss_rate", ascending=False, na_position="last")
    x = np.arange(len(frame))
    technical = frame["technical_rate"].fillna(0.0).to_numpy() * 100
    remainder = frame["non_technical_rate"].fillna(0.0).to_numpy() * 100
    figure = new_figure(max(6.0, min(0.35 * len(frame) + 3.0, 14.0)), 4.5)
    ax = figure.add_subplot()
    ax.bar(x, technical, color="tab:blue", label="technical (estimate)")
    positive = np.clip(remainder, 0.0, None)
    ax.bar(x, positive, bottom=technical, color="tab:red", label="non-technical")
    ax.bar(x, np.clip(remainder, None, 0.0), color="tab:red", alpha=0.4)
    ax.plot(x, frame["line_loss_rate"].to_numpy() * 100, "k_", markersize=12, label="measured")
    ax.axhline(
        band[1] * 100,
        color="0.3",
        linestyle="--",
        linewidth=1.0,
        label=f"qualified band top ({band[1] * 100:g} %)",
    )
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(
        [
            f"{tid}{' *' if flag else ''}"
            for tid, flag in zip(frame["transformer_id"], frame["flagged"], strict=True)
        ],
        rotation=90 if len(frame) > 20 else 0,
    )
    ax.set_xlabel("LV transformer area (* flagged)")
    ax.set_ylabel("share of supply [%]")
    ax.set_title(
        "Technical and non-technical loss per area (complete days)\n"
        f"abnormal day: rate > {band[1] * 100:g} % or non-technical > "
        f"{threshold * 100:g} % of supply",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    return save_figure(figure, path)


def plot_precision_at_k(curves: dict[str, np.ndarray], path: Path, *, k_true: int) -> str:
    """Precision at k of the suspects' rankings (method, regression, baseline).

    Parameters
    ----------
    curves : dict of str to numpy.ndarray
        Precision at k = 1, 2, ... of each ranking.
    path : pathlib.Path
        The PNG to write.
    k_true : int
        The number of metered thieves in the flagged areas (marked).

    Returns
    -------
    str
        The file name.
    """
    figure = new_figure(7.0, 4.2)
    ax = figure.add_subplot()
    for (label, values), style in zip(curves.items(), ("-o", "--s"), strict=False):
        k = np.arange(1, len(values) + 1)
        ax.plot(k, values, style, markersize=3, label=label)
    if k_true > 0:
        ax.axvline(
            k_true, color="0.4", linestyle=":", label=f"k = thieves in flagged areas ({k_true})"
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("k (suspects inspected, best first)")
    ax.set_ylabel("precision at k")
    ax.set_title("Theft suspects in the flagged areas: precision at k")
    ax.legend(fontsize=8)
    return save_figure(figure, path)
