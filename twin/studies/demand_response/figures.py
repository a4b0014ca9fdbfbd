"""Figures of the demand-response study (Agg canvas, PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.studies.demand_response.baselines import BASELINES
from twin.studies.figures import new_figure, save_figure
from twin.studies.tradeoff import plot_tradeoff_panels

__all__ = ["plot_baseline_errors", "plot_event", "plot_tradeoff"]


def plot_event(loads: pd.DataFrame, path: Path, *, title: str, timezone: str) -> str:
    """The enrolled population's load around one event: metered, true actual and
    counterfactual, and each baseline; the event shaded.

    Parameters
    ----------
    loads : pandas.DataFrame
        The event's rows of ``loads.parquet``.
    path : pathlib.Path
        PNG to write.
    title : str
        Figure title.
    timezone : str
        Local time zone of the axis.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(9.0, 4.0)
    ax = figure.subplots()
    x = pd.DatetimeIndex(loads["interval_end"]).tz_convert(timezone).tz_localize(None)
    ax.plot(x, loads["metered_kw"], color="black", linewidth=1.8, label="metered (actual)")
    ax.plot(
        x,
        loads["counterfactual_kw"],
        color="tab:red",
        linewidth=1.8,
        label="counterfactual (truth)",
    )
    styles = zip(
        BASELINES,
        ("--", "-.", ":", (0, (5, 1))),
        ("tab:blue", "tab:orange", "tab:green", "tab:purple"),
        strict=True,
    )
    for name, style, color in styles:
        if f"{name}_kw" in loads:
            ax.plot(x, loads[f"{name}_kw"], linestyle=style, color=color, linewidth=1.2, label=name)
    inside = loads["in_event"].to_numpy(dtype=bool)
    if inside.any():
        step = x[1] - x[0] if len(x) > 1 else pd.Timedelta(minutes=15)
        low, high = x[inside][0] - step, x[inside][-1]
        ax.axvspan(low, high, color="0.85", zorder=0, label="event")  # type: ignore[arg-type]
    ax.set_ylabel("enrolled population [kW]")
    ax.set_xlabel(f"local time ({timezone})")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncols=2)
    figure.autofmt_xdate()
    return save_figure(figure, path)


def plot_baseline_errors(summary: dict[str, Any], path: Path) -> str:
    """Bias, MAPE and RMSE of each baseline's estimated reduction, over events and areas.

    Parameters
    ----------
    summary : dict
        :func:`~twin.studies.demand_response.scoring.error_summary`.
    path : pathlib.Path
        PNG to write.
    """
    figure = new_figure(11.0, 3.6)
    axes = figure.subplots(1, 3)
    names = list(BASELINES)
    x = np.arange(len(names))
    for ax, (metric, label) in zip(
        axes,
        (("bias_kw", "bias [kW]"), ("mape_percent", "MAPE [%]"), ("rmse_kw", "RMSE [kW]")),
        strict=True,
    ):
        for offset, level in ((-0.2, "events"), (0.2, "areas")):
            values = [summary[n][level][metric] for n in names]
            heights = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            ax.bar(x + offset, np.nan_to_num(heights), width=0.4, label=f"per {level[:-1]}")
        ax.axhline(0, color="0.3", linewidth=0.8)
        ax.set_xticks(x, [n.replace("_", " ") for n in names], rotation=25, ha="right", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize="small")
    figure.suptitle("Error of the estimated reduction against the delivered one (truth)")
    return save_figure(figure, path)


def plot_tradeoff(frame: pd.DataFrame, metrics: dict[str, str], path: Path) -> str:
    """One panel per trade-off metric (:func:`twin.studies.tradeoff.plot_tradeoff_panels`)."""
    return plot_tradeoff_panels(frame, metrics, path, title="Demand-response")
