"""A study's robustness over a sweep: how its headline metrics move as each parameter grows.

``twin study NAME SWEEP_DIR`` on a sweep directory (``sweep.parquet``,
``sweep.yaml``, ``runs/``) makes sure the study ran on every complete run
(it runs it, with its default options, where it has not), then writes
``SWEEP_DIR/studies/NAME/``:

- ``robustness.csv``: one row per parameter and value (a
  ``one_at_a_time`` sweep: the base run, then each parameter alone; a grid:
  one row per combination), with the number of runs (seeds) and, per
  headline metric, the mean, standard deviation, minimum and maximum over
  those runs;
- ``robustness.png``: the metrics against each parameter's value, the
  spread over seeds as error bars;
- ``metrics.json``: the sweep, the runs used and the worst value of each
  metric over the sweep;
- whatever the study's own ``sweep_function`` adds (the prepaid study's
  policy trade-off, :mod:`twin.studies.prepaid.tradeoff`).

Reading several seeds per value is what makes a robustness table honest: a
difference smaller than the spread over seeds is not a difference.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from twin.errors import TwinError
from twin.streams import staged_folder, write_json
from twin.studies.figures import new_figure, save_figure
from twin.studies.registry import (
    STUDIES,
    headline_module,
    read_headlines,
    run_study,
    study_columns,
    sweep_function,
)

__all__ = [
    "BASE",
    "combination_labels",
    "is_sweep_dir",
    "robustness_table",
    "run_robustness",
]

BASE: Final = "base"
"""Parameter name of the base run's row in a one-at-a-time robustness table."""

_STATS: Final = ("mean", "sd", "min", "max")


def is_sweep_dir(path: str | Path) -> bool:
    """True when ``path`` is a sweep directory (``sweep.parquet`` and ``sweep.yaml``)."""
    folder = Path(path)
    return (folder / "sweep.parquet").is_file() and (folder / "sweep.yaml").is_file()


def _fill_missing(sweep_dir: Path, table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Run study ``name`` on every complete run whose columns are all NaN; re-read them."""
    columns = list(study_columns(name))
    complete = table["status"].isin(["complete", "reused"])
    missing = complete & table[columns].isna().all(axis=1)
    table = table.copy()
    table["study_error"] = table["study_error"].fillna("").astype(str)
    rows = table.index[missing]
    for i in tqdm(rows, desc=f"{name} study on the sweep's runs", disable=rows.size < 2):
        run_dir = sweep_dir / "runs" / str(table.at[i, "run_id"])
        try:
            run_study(name, run_dir)
        except TwinError as exc:
            table.at[i, "study_error"] = f"{name}: {exc}"
            continue
        values = read_headlines(run_dir, [name])
        for column in columns:
            table.at[i, column] = values[column]
    return table


def combination_labels(
    table: pd.DataFrame, parameters: list[str], design: str
) -> tuple[pd.Series, pd.Series]:
    """Each run's row label in a robustness table: its ``parameter`` and ``value`` text.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of ``sweep.parquet`` (one per run).
    parameters : list of str
        The sweep's parameters (columns of ``table``).
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.

    Returns
    -------
    parameter, value : pandas.Series
        On ``table``'s index. One at a time: :data:`BASE` and ``""`` for the base
        run, else the one parameter given and its value; a grid: the parameters
        joined by ``&`` and their values joined by ``,``.
    """
    given = table[parameters].notna() if parameters else pd.DataFrame(index=table.index)
    if design == "one_at_a_time":
        parameter = pd.Series(BASE, index=table.index, dtype=object)
        value = pd.Series("", index=table.index, dtype=object)
        for key in parameters:
            parameter[given[key]] = key
            value[given[key]] = table.loc[given[key], key].map(_text)
        return parameter, value
    parameter = pd.Series(" & ".join(parameters), index=table.index, dtype=object)
    value = (
        table[parameters].apply(lambda row: ", ".join(_text(v) for v in row), axis=1)
        if parameters and len(table)
        else pd.Series("", index=table.index, dtype=object)
    )
    return parameter, value


def robustness_table(
    table: pd.DataFrame, parameters: list[str], design: str, name: str
) -> pd.DataFrame:
    """Summarise a sweep table's headline columns of study ``name`` per parameter value.

    Parameters
    ----------
    table : pandas.DataFrame
        ``sweep.parquet`` (one row per run), with the study's columns filled.
    parameters : list of str
        The sweep's parameters (dotted scenario paths, columns of ``table``).
    design : {"grid", "one_at_a_time"}
        How the sweep combined them.
    name : str
        The study.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter``, ``value`` (text), ``runs``, then per headline
        metric ``<metric>_mean``, ``_sd``, ``_min``, ``_max``. A one-at-a-time
        sweep gives the base row (``parameter`` :data:`BASE`) then each
        parameter's values in the order run; a grid, one row per combination
        (``parameter`` the parameters joined by ``&``).
    """
    prefix = STUDIES[name].prefix + "_"
    metrics = [c[len(prefix) :] for c in study_columns(name)]
    usable = table[table[list(study_columns(name))].notna().any(axis=1)].copy()
    parameter, value = combination_labels(usable, parameters, design)
    usable["parameter"], usable["value"] = parameter, value
    order = list(dict.fromkeys(zip(parameter, value, strict=True)))
    records = []
    for key, val in order:
        rows = usable[(usable["parameter"] == key) & (usable["value"] == val)]
        record: dict[str, Any] = {"parameter": key, "value": val, "runs": len(rows)}
        for metric in metrics:
            x = rows[prefix + metric].to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            stats = (
                (x.mean(), x.std(ddof=1) if x.size > 1 else math.nan, x.min(), x.max())
                if x.size
                else (math.nan,) * 4
            )
            record.update({f"{metric}_{s}": float(v) for s, v in zip(_STATS, stats, strict=True)})
        records.append(record)
    return pd.DataFrame.from_records(records)


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list | tuple | np.ndarray):
        return "[" + ", ".join(_text(v) for v in list(value)) + "]"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) >= 1 else f"{value:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _figure(frame: pd.DataFrame, metrics: list[str], path: Path) -> str:
    """Each parameter's panel: the metrics against its values, error bars = sd over seeds."""
    params = [p for p in dict.fromkeys(frame["parameter"]) if p != BASE]
    panels = max(1, len(params))
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    figure = new_figure(4.0 * columns, 3.2 * rows)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    base = frame[frame["parameter"] == BASE]
    for ax, param in zip(axes, params or [""], strict=False):
        part = frame[frame["parameter"] == param] if param else frame
        x = np.arange(len(part))
        for metric in metrics:
            line = ax.errorbar(
                x,
                part[f"{metric}_mean"],
                yerr=part[f"{metric}_sd"].fillna(0.0),
                marker="o",
                capsize=3,
                label=metric,
            )
            if len(base):
                ax.axhline(
                    float(base[f"{metric}_mean"].iloc[0]),
                    color=line[0].get_color(),
                    linestyle=":",
                    linewidth=1,
                )
        ax.set_xticks(x, part["value"].tolist(), rotation=30, ha="right")
        ax.set_title(param.split(".")[-1] if param else "runs", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[len(params or [""]) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8)
    figure.suptitle("Robustness over the sweep (dotted: the base run; bars: sd over seeds)")
    return save_figure(figure, path)


def run_robustness(
    name: str, sweep_dir: str | Path, *, metrics: list[str] | None = None
) -> dict[str, Any]:
    """Write the robustness table of study ``name`` over a sweep (see the module).

    Parameters
    ----------
    name : str
        A study of :data:`twin.studies.registry.STUDIES`.
    sweep_dir : str or pathlib.Path
        A sweep directory written by ``twin sweep``.
    metrics : list of str, optional
        Headline metrics to plot (default the study's ``ROBUSTNESS_METRICS``
        or all its headline metrics); the table holds every one.

    Returns
    -------
    dict
        What ``metrics.json`` holds.

    Raises
    ------
    twin.errors.TwinError
        Not a sweep directory, or no run that the study could score.
    """
    folder = Path(sweep_dir)
    if not is_sweep_dir(folder):
        raise TwinError(f"{folder}: not a sweep directory; expected sweep.parquet and sweep.yaml")
    described = yaml.safe_load((folder / "sweep.yaml").read_text()) or {}
    parameters = sorted(described.get("parameters") or {})
    if described.get("sample"):
        parameters = sorted(described["sample"].get("ranges", {}))
    design = str(described.get("design", "grid"))
    table = _fill_missing(folder, pd.read_parquet(folder / "sweep.parquet"), name)
    frame = robustness_table(table, parameters, design, name)
    if frame.empty:
        errors = sorted({e for e in table["study_error"].astype(str) if e})
        raise TwinError(
            f"{folder}: the {name} study could score none of the sweep's runs"
            + (f"; first reason: {errors[0]}" if errors else "")
        )
    prefix = STUDIES[name].prefix + "_"
    headline = [c[len(prefix) :] for c in study_columns(name)]
    chosen = metrics or list(getattr(headline_module(name), "ROBUSTNESS_METRICS", headline))
    result: dict[str, Any] = {
        "sweep": str(folder),
        "design": design,
        "parameters": parameters,
        "runs_scored": int(frame["runs"].sum()),
        "runs_failed": int((table["study_error"].astype(str) != "").sum()),
        "range": {
            m: [float(np.nanmin(frame[f"{m}_min"])), float(np.nanmax(frame[f"{m}_max"]))]
            for m in headline
            if frame[f"{m}_min"].notna().any()
        },
    }
    with staged_folder(folder / "studies" / name) as out:
        frame.to_csv(out / "robustness.csv", index=False, float_format="%.6g")
        result["figure"] = _figure(frame, chosen, out / "robustness.png")
        extra = sweep_function(name)
        if extra is not None:
            result.update(extra(out, table, parameters, design))
        write_json(out / "metrics.json", result)
    return result
