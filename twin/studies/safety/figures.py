"""Figures of the safety study (matplotlib, Agg canvas)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from twin.studies.figures import new_figure, save_figure
from twin.studies.safety.alarms import CAUSES, UNKNOWN
from twin.studies.safety.early_warning import EARLY_H

__all__ = ["FUNNEL_STAGES", "funnel_counts", "plot_funnel", "plot_lead_times", "plot_tradeoff"]

FUNNEL_STAGES: Final = (
    "alarms",
    "with a work order",
    "crew arrived",
    "completed",
    "repaired",
    "no fault found",
    "too late",
)
"""Stages of the alarm -> work order -> outcome funnel, in order."""

_CAUSE_COLOURS: Final = {
    "hazard": "tab:red",
    "condition": "tab:orange",
    "false": "tab:gray",
    "lamp_failure": "tab:olive",
    UNKNOWN: "tab:purple",
}


def plot_lead_times(failures: pd.DataFrame, path: Path) -> str:
    """Share of failures warned at least t ahead, over log t, all and per hazard kind.

    Parameters
    ----------
    failures : pandas.DataFrame
        The study's failure table (``warned``, ``lead_h``, ``hazard_kind``).
    path : pathlib.Path
        PNG to write.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(7.5, 4.2)
    ax = figure.add_subplot()
    lead = failures.loc[failures["warned"], "lead_h"].to_numpy(dtype=np.float64)
    if not len(failures) or not lead.size:
        text = "no failure in the run" if not len(failures) else "no failure was warned"
        ax.text(0.5, 0.5, text, ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return save_figure(figure, path)
    low = max(min(float(lead.min()), EARLY_H) / 2.0, 1.0 / 60.0)
    high = max(float(lead.max()), EARLY_H) * 1.5
    grid = np.geomspace(low, high, 200)
    groups = [("all failures", failures)] + [
        (str(kind), part) for kind, part in failures.groupby("hazard_kind", sort=True)
    ]
    for i, (label, part) in enumerate(groups):
        x = part.loc[part["warned"], "lead_h"].to_numpy(dtype=np.float64)
        warned = (x[None, :] >= grid[:, None]).sum(axis=1) / max(len(part), 1) * 100.0
        ax.plot(
            grid,
            warned,
            color="black" if i == 0 else None,
            linewidth=2.0 if i == 0 else 1.2,
            linestyle="-" if i == 0 else "--",
            label=f"{label} ({len(part)}, {len(part) - x.size} missed)",
        )
    ax.axvline(EARLY_H, color="0.5", linestyle=":", linewidth=1)
    ax.text(EARLY_H, 102, f"{EARLY_H:g} h", ha="center", fontsize=8, color="0.4")
    ax.set_xscale("log")
    ax.set_ylim(0, 108)
    ax.set_xlabel("warning at least this long before the failure [h]")
    ax.set_ylabel("share of failures [%]")
    ax.set_title(f"Early warning before failures ({len(failures)} failures)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return save_figure(figure, path)


def funnel_counts(alarms: pd.DataFrame) -> pd.DataFrame:
    """Alarms at each stage of :data:`FUNNEL_STAGES`, one column per true cause.

    Parameters
    ----------
    alarms : pandas.DataFrame
        The study's alarm table (``cause``, ``work_order``, ``arrived_at``,
        ``completed_at``, ``outcome``).

    Returns
    -------
    pandas.DataFrame
        Index the stages; columns the causes present (hazard, condition, false,
        ...), each alarm counted at every stage it reached.
    """
    outcome = alarms["outcome"].astype(object)
    stages = {
        "alarms": pd.Series(True, index=alarms.index),
        "with a work order": alarms["work_order"].notna(),
        "crew arrived": alarms["arrived_at"].notna(),
        "completed": alarms["completed_at"].notna(),
        "repaired": outcome == "repaired",
        "no fault found": outcome == "no_fault_found",
        "too late": outcome == "too_late",
    }
    causes = [c for c in (*CAUSES, UNKNOWN) if (alarms["cause"] == c).any()]
    return pd.DataFrame(
        {
            cause: [int((mask & (alarms["cause"] == cause)).sum()) for mask in stages.values()]
            for cause in causes
        },
        index=list(stages),
        dtype=np.int64,
    )


def plot_funnel(alarms: pd.DataFrame, path: Path) -> str:
    """The alarm -> work order -> outcome funnel, each bar split by the alarms' true cause.

    Returns
    -------
    str
        The PNG's file name.
    """
    counts = funnel_counts(alarms)
    figure = new_figure(7.5, 4.0)
    ax = figure.add_subplot()
    y = np.arange(len(FUNNEL_STAGES))
    left = np.zeros(len(FUNNEL_STAGES))
    for cause in counts.columns:
        values = counts[cause].to_numpy(dtype=np.float64)
        ax.barh(y, values, left=left, color=_CAUSE_COLOURS.get(cause), label=f"cause {cause}")
        left += values
    for yi, total in zip(y, left, strict=True):
        ax.text(float(total), float(yi), f" {int(total)}", va="center", fontsize=8)
    ax.set_yticks(y, list(FUNNEL_STAGES))
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max()), 1.0) * 1.12)
    ax.set_xlabel("safety alarms")
    ax.set_title("From alarm to work order to outcome (by the alarm's true cause)")
    ax.grid(alpha=0.3, axis="x")
    if len(counts.columns):
        ax.legend(fontsize="small", loc="lower right")
    return save_figure(figure, path)


def plot_tradeoff(frame: pd.DataFrame, metrics: dict[str, str], path: Path) -> str:
    """The policy trade-off: prevented share against false alarms, and each metric's bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        The trade-off table (``value``, ``<metric>_mean``, ``<metric>_sd``).
    metrics : dict
        Metric -> label; must hold ``prevented_share`` and
        ``false_alarms_per_sensor_year`` (the scatter's axes).
    path : pathlib.Path
        PNG to write.

    Returns
    -------
    str
        The PNG's file name.
    """
    others = [m for m in metrics if m not in ("prevented_share", "false_alarms_per_sensor_year")]
    panels = 1 + len(others)
    figure = new_figure(4.3 * min(panels, 3), 0.8 + (0.3 * len(frame) + 2.6) * -(-panels // 3))
    axes = figure.subplots(-(-panels // 3), min(panels, 3), squeeze=False).ravel()
    ax = axes[0]

    def column(metric: str, stat: str) -> np.ndarray:
        return frame[f"{metric}_{stat}"].to_numpy(dtype=np.float64)

    x, y = column("false_alarms_per_sensor_year", "mean"), column("prevented_share", "mean")
    ax.errorbar(
        x,
        y,
        xerr=np.nan_to_num(column("false_alarms_per_sensor_year", "sd")),
        yerr=np.nan_to_num(column("prevented_share", "sd")),
        fmt="o",
        capsize=3,
    )
    for xi, yi, label in zip(x, y, frame["value"], strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            ax.annotate(str(label), (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(metrics["false_alarms_per_sensor_year"], fontsize=8)
    ax.set_ylabel(metrics["prevented_share"], fontsize=8)
    ax.set_title("prevented against false alarms", fontsize=9)
    ax.grid(alpha=0.3)
    rows = np.arange(len(frame))
    for ax, metric in zip(axes[1:], others, strict=False):
        mean = np.nan_to_num(column(metric, "mean"))
        sd = np.nan_to_num(column(metric, "sd"))
        ax.barh(rows, mean, xerr=sd, color="tab:blue", alpha=0.7)
        ax.set_yticks(rows, frame["value"].tolist(), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(metrics[metric], fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes[panels:]:
        ax.set_visible(False)
    keys = [key for p in dict.fromkeys(frame["parameter"]) for key in str(p).split(" & ")]
    names = ", ".join(key.split(".")[-1] for key in dict.fromkeys(keys))
    figure.suptitle(f"Safety policy trade-off over {names} (labels: values; bars: sd over seeds)")
    return save_figure(figure, path)
