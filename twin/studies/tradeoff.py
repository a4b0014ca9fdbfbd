"""A policy trade-off over a sweep: one row per swept combination, the spread over seeds.

The studies that answer a policy question (prepaid, safety, demand
response) write, beside the robustness table every study has
(:mod:`twin.studies.robustness`), ``tradeoff.parquet`` (and ``.csv``): one
row per swept combination with the value of each swept policy key, the
number of runs (seeds) and the statistics over seeds of the metrics the
policy trades; ``tradeoff.png`` draws them with the study's own figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from twin.studies.figures import new_figure, save_figure
from twin.studies.robustness import combination_labels, robustness_table

__all__ = ["STATS", "plot_tradeoff_panels", "policy_tradeoff_table", "write_tradeoff"]

STATS: Final = ("mean", "sd", "min", "max")
"""The statistics over seeds of each metric (columns ``<metric>_<stat>``)."""

Plot = Callable[[pd.DataFrame, dict[str, str], Path], str]


def _values(column: pd.Series) -> pd.Series:
    """Numbers where every value is one, else text (durations such as ``2h``)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() == column.notna().sum():
        return numbers.astype("float64")
    return column.map(lambda v: None if v is None or v != v else str(v))


def policy_tradeoff_table(
    table: pd.DataFrame,
    parameters: list[str],
    design: str,
    *,
    study: str,
    metrics: Mapping[str, str],
    policy_keys: Sequence[str] = (),
    stats: Sequence[str] = STATS,
) -> pd.DataFrame:
    """The trade-off table of a sweep.

    Parameters
    ----------
    table : pandas.DataFrame
        ``sweep.parquet`` with the study's columns filled.
    parameters : list of str
        The swept keys.
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.
    study : str
        The study's name (its columns in the sweep table).
    metrics : mapping
        The metrics the policy trades (name -> label).
    policy_keys : sequence of str
        Scenario keys given a column of their own when the sweep varies them.
    stats : sequence of str
        Statistics over seeds kept per metric (of :data:`STATS`).

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``value`` (the combination as text), each swept policy
        key (its value: numbers, or text such as ``2h``; missing for the base
        run of a one-at-a-time sweep), ``runs``, then ``<metric>_<stat>``.
    """
    frame = robustness_table(table, parameters, design, study)
    keys = [key for key in policy_keys if key in parameters]
    if keys:
        parameter, value = combination_labels(table, parameters, design)
        labelled = table.assign(_parameter=parameter, _value=value)
        first = labelled.drop_duplicates(["_parameter", "_value"]).set_index(
            ["_parameter", "_value"]
        )
        index = pd.MultiIndex.from_frame(frame[["parameter", "value"]])
        for key in keys:
            frame[key] = _values(first[key].reindex(index).reset_index(drop=True)).to_numpy()
    columns = ["parameter", "value", *keys, "runs"] + [
        f"{metric}_{stat}" for metric in metrics for stat in stats
    ]
    return frame[columns].reset_index(drop=True)


def write_tradeoff(
    out: Path,
    frame: pd.DataFrame,
    metrics: Mapping[str, str],
    plot: Plot,
    *,
    policy_keys: list[str] | None = None,
) -> dict[str, Any]:
    """Write ``tradeoff.parquet``, ``tradeoff.csv`` and ``tradeoff.png`` (``plot``) into ``out``.

    Returns
    -------
    dict
        The ``tradeoff`` block of the sweep's ``metrics.json``: files, the swept policy
        keys (where given), the metrics and the table's rows.
    """
    frame.to_parquet(out / "tradeoff.parquet", index=False)
    frame.to_csv(out / "tradeoff.csv", index=False, float_format="%.6g")
    figure = plot(frame, dict(metrics), out / "tradeoff.png")
    block: dict[str, Any] = {"table": "tradeoff.parquet", "figure": figure}
    if policy_keys is not None:
        block["policy_keys"] = policy_keys
    block["metrics"] = dict(metrics)
    block["rows"] = frame.to_dict(orient="records")
    return {"tradeoff": block}


def plot_tradeoff_panels(
    frame: pd.DataFrame, metrics: Mapping[str, str], path: Path, *, title: str
) -> str:
    """One panel per trade-off metric: its mean per swept combination, sd over seeds as bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        The trade-off table (``value``, ``parameter``, ``<metric>_mean``, ``<metric>_sd``).
    metrics : mapping
        Metric -> axis label.
    path : pathlib.Path
        PNG to write.
    title : str
        What the trade-off is of (``Prepaid policy``); the swept keys follow.

    Returns
    -------
    str
        The PNG's file name.
    """
    panels = len(metrics)
    columns = min(3, panels)
    rows = int(np.ceil(panels / columns))
    figure = new_figure(4.2 * columns, 0.6 + (0.35 * len(frame) + 1.2) * rows)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    y = np.arange(len(frame))
    for ax, (metric, label) in zip(axes, metrics.items(), strict=False):
        mean = frame[f"{metric}_mean"].fillna(0.0).to_numpy(dtype=np.float64)
        sd = frame[f"{metric}_sd"].fillna(0.0).to_numpy(dtype=np.float64)
        ax.barh(y, mean, xerr=sd, color="tab:blue", alpha=0.7)
        if len(mean) and (mean >= 0).all():  # a zero metric still shows its axis from 0
            ax.set_xlim(0, max(float((mean + sd).max()) * 1.08, 1e-3))
        ax.set_yticks(y, frame["value"].tolist(), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes[panels:]:
        ax.set_visible(False)
    names = " & ".join(str(p).split(".")[-1] for p in dict.fromkeys(frame["parameter"]))
    figure.suptitle(f"{title} trade-off over {names} (bars: sd over seeds)")
    return save_figure(figure, path)
