"""Figures of the run report (matplotlib, Agg canvas, PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from twin.report.data import DAY_TYPES, VoltageGrid
from twin.studies.figures import new_figure, save_figure

__all__ = [
    "MAX_LAYOUT_BUSES",
    "plot_load_profile",
    "plot_network",
    "plot_voltage_heatmap",
    "voltage_norm",
]

VOLTAGE_CMAP = "RdBu"
"""Diverging map: red below 1.0 pu, white at 1.0 pu, blue above."""

MAX_LAYOUT_BUSES = 2_000
"""Without geodata, networks up to this size are laid out from their graph."""

_DAY_COLOURS = {"Weekday": "tab:blue", "Saturday": "tab:orange", "Sunday": "tab:green"}


def voltage_norm(values: np.ndarray, *, min_half_range_pu: float = 0.02) -> Normalize:
    """A colour scale centred at 1.0 pu, symmetric, covering ``values``.

    The half range is the largest deviation from 1.0 pu in ``values``, at
    least ``min_half_range_pu``, so that small spreads are not exaggerated.
    """
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    half = float(np.abs(finite - 1.0).max()) if finite.size else 0.0
    half = max(half, min_half_range_pu)
    return Normalize(vmin=1.0 - half, vmax=1.0 + half)


def plot_load_profile(profile: pd.DataFrame, path: Path, *, timezone: str) -> str:
    """Mean fleet demand over the day, one curve per day type, 10-90 % band.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`twin.report.data.profile_by_day_type`.
    path : pathlib.Path
        PNG to write.
    timezone : str
        Zone of the time-of-day axis.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.2)
    ax = figure.add_subplot()
    for day_type in DAY_TYPES:
        rows = profile[profile["day_type"] == day_type]
        if rows.empty:
            continue
        days = int(rows["days"].iloc[0])
        colour = _DAY_COLOURS[day_type]
        hour = rows["hour"].to_numpy()
        label = f"{day_type} (mean of {days} day{'s' if days != 1 else ''})"
        ax.plot(hour, rows["mean_kw"].to_numpy(), color=colour, linewidth=1.6, label=label)
        if days >= 3:
            ax.fill_between(
                hour, rows["p10_kw"].to_numpy(), rows["p90_kw"].to_numpy(), color=colour, alpha=0.15
            )
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_ylim(bottom=min(0.0, float(profile["mean_kw"].min()) if len(profile) else 0.0))
    ax.set_xlabel(f"local time of day at the interval start [h] ({timezone})")
    ax.set_ylabel("fleet net demand [kW]")
    ax.set_title("Fleet load profile by day type (metered, all households)")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_voltage_heatmap(
    grid: VoltageGrid, order: pd.DataFrame, path: Path, *, timezone: str
) -> str:
    """Bus voltage over time, buses in network order (rows) against time (columns).

    Parameters
    ----------
    grid : VoltageGrid
        The streamed (bus x time-bin) means.
    order : pandas.DataFrame
        Output of :func:`twin.report.data.bus_order` for ``grid.bus_ids``.
    path : pathlib.Path
        PNG to write.
    timezone : str
        Zone of the time axis.

    Returns
    -------
    str
        The PNG's file name.
    """
    position = pd.Series(np.arange(len(grid.bus_ids)), index=grid.bus_ids)
    rows = position.reindex(order["bus_id"]).to_numpy()
    image = grid.mean()[rows]
    norm = voltage_norm(image)
    figure = new_figure(9.0, 5.2)
    ax = figure.add_subplot()
    local = grid.bin_edges.tz_convert(timezone).tz_localize(None)
    x0, x1 = mdates.date2num(local[0]), mdates.date2num(local[-1])
    shown = ax.imshow(
        image,
        aspect="auto",
        cmap=VOLTAGE_CMAP,
        norm=norm,
        extent=(x0, x1, len(rows), 0),
    )
    ax.xaxis_date()
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    _feeder_marks(ax, order)
    ax.set_xlabel(f"interval end, local time ({timezone})")
    ax.set_ylabel("bus (by level, LV area, feeder, distance)")
    ax.set_title("Bus voltage over time")
    bar = figure.colorbar(shown, ax=ax, pad=0.01)
    bar.set_label("bus voltage [pu]")
    return save_figure(figure, path)


def _group_label(row: pd.Series, by_area: bool) -> str:
    if pd.notna(row["vn_kv"]) and row["vn_kv"] > 1.0:
        return "MV/HV"
    if by_area:
        area = row["transformer_id"]
        return "-" if pd.isna(area) or area < 0 else f"trafo {area:.0f}"
    feeder = row["feeder_id"]
    return "LV busbar" if pd.isna(feeder) or feeder < 0 else f"feeder {feeder:.0f}"


def _feeder_marks(ax: Axes, order: pd.DataFrame, max_labels: int = 25) -> None:
    """Lines between feeders (or LV areas when there are many) and labels when few."""
    frame = order.assign(
        level=np.where(order["vn_kv"].fillna(0.0) > 1.0, 1.0, 0.0),
        area=order["transformer_id"].astype("Float64").fillna(-9.0),
        feeder=order["feeder_id"].astype("Float64").fillna(-9.0),
    )
    by_feeder = frame[["level", "area", "feeder"]].diff().abs().sum(axis=1) > 0
    by_area = frame[["level", "area"]].diff().abs().sum(axis=1) > 0
    use_area = int(by_feeder.sum()) > 60
    change = np.flatnonzero((by_area if use_area else by_feeder).to_numpy())
    change = change[change > 0]
    bounds = np.concatenate([[0], change, [len(order)]])
    if len(change) > 40:
        ax.set_yticks([])
        return
    for row in change:
        ax.axhline(float(row), color="0.2", linewidth=0.4)
    if len(bounds) - 1 <= max_labels:
        centres = (bounds[:-1] + bounds[1:]) / 2.0
        labels = [_group_label(order.iloc[int(b)], use_area) for b in bounds[:-1]]
        ax.set_yticks(centres, labels, fontsize="x-small")
    else:
        ax.set_yticks([])


def _layout(buses: pd.DataFrame, branches: pd.DataFrame | None) -> pd.DataFrame | None:
    """x, y of each bus: the geodata, else a seeded graph layout of a small network."""
    xy = buses[["bus_id", "x", "y"]].copy() if {"x", "y"} <= set(buses) else None
    if xy is not None and np.isfinite(xy[["x", "y"]].to_numpy(dtype=np.float64)).all(axis=1).any():
        return xy
    if branches is None or len(buses) > MAX_LAYOUT_BUSES:
        return None
    graph = nx.Graph()
    graph.add_nodes_from(buses["bus_id"].astype(int))
    graph.add_edges_from(zip(branches["from_bus_id"], branches["to_bus_id"], strict=True))
    small = len(graph) <= 300
    pos = nx.kamada_kawai_layout(graph) if small else nx.spring_layout(graph, seed=0)
    return pd.DataFrame(
        {
            "bus_id": list(pos),
            "x": [float(p[0]) for p in pos.values()],
            "y": [float(p[1]) for p in pos.values()],
        }
    )


def plot_network(
    buses: pd.DataFrame,
    branches: pd.DataFrame | None,
    extremes: pd.DataFrame,
    path: Path,
) -> str | None:
    """The network with each bus coloured by its minimum voltage over the run.

    Parameters
    ----------
    buses : pandas.DataFrame
        ``internal/network_bus`` (``bus_id``, ``x``, ``y``, ``vn_kv``).
    branches : pandas.DataFrame or None
        ``internal/network_branch`` (lines and transformers as segments).
    extremes : pandas.DataFrame
        ``bus_id``, ``vm_min_pu`` [pu].
    path : pathlib.Path
        PNG to write.

    Returns
    -------
    str or None
        The PNG's file name, or None when the buses have no coordinates and
        the network is too large to lay out.
    """
    xy = _layout(buses, branches)
    if xy is None:
        return None
    where = xy.set_index("bus_id")[["x", "y"]]
    data = xy.merge(extremes[["bus_id", "vm_min_pu"]], on="bus_id", how="left")
    data = data[np.isfinite(data[["x", "y"]].to_numpy(dtype=np.float64)).all(axis=1)]
    stretch = _y_stretch(data)
    width = float(np.ptp(data["x"])) if len(data) else 1.0
    height = float(np.ptp(data["y"])) * stretch if len(data) else 1.0
    shape = height / width if width > 0 else 1.0
    figure = new_figure(8.6, float(np.clip(7.0 * shape + 1.0, 4.5, 10.5)))
    ax = figure.add_subplot()
    if branches is not None and len(branches):
        for kind, style in (("line", ("0.55", 0.7, "-")), ("trafo", ("black", 1.4, "--"))):
            part = branches[branches["kind"] == kind]
            a = where.reindex(part["from_bus_id"]).to_numpy()
            b = where.reindex(part["to_bus_id"]).to_numpy()
            ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
            segments = np.stack([a[ok], b[ok]], axis=1)
            colour, line_width, line = style
            ax.add_collection(
                LineCollection(
                    list(segments), colors=colour, linewidths=line_width, linestyles=line
                )
            )
    known = data["vm_min_pu"].notna()
    size = float(np.clip(3000.0 / max(len(data), 1), 3.0, 40.0))
    if (~known).any():
        ax.scatter(
            data.loc[~known, "x"], data.loc[~known, "y"], s=size, c="0.75", label="no voltage data"
        )
    norm = voltage_norm(data.loc[known, "vm_min_pu"].to_numpy())
    few = len(data) <= 500
    shown = ax.scatter(
        data.loc[known, "x"],
        data.loc[known, "y"],
        s=size,
        c=data.loc[known, "vm_min_pu"],
        cmap=VOLTAGE_CMAP,
        norm=norm,
        edgecolors="0.2" if few else "none",
        linewidths=0.3 if few else 0.0,
        zorder=3,
    )
    if known.any():
        low = data.loc[data.loc[known, "vm_min_pu"].idxmin()]
        ax.scatter(
            [low["x"]],
            [low["y"]],
            s=size * 6 + 30,
            facecolors="none",
            edgecolors="black",
            linewidths=1.2,
            zorder=4,
            label=f"lowest: bus {int(low['bus_id'])}, {low['vm_min_pu']:.3f} pu",
        )
    ax.set_aspect(stretch)
    ax.autoscale_view()
    ax.ticklabel_format(useOffset=False)
    ax.set_title("Network, buses coloured by their minimum voltage over the run")
    ax.set_xlabel("x (longitude for geodata)")
    ax.set_ylabel("y (latitude for geodata)")
    bar = figure.colorbar(shown, ax=ax, shrink=0.8, pad=0.01)
    bar.set_label("minimum bus voltage [pu]")
    ax.legend(loc="best", fontsize="small")
    return save_figure(figure, path)


def _y_stretch(data: pd.DataFrame) -> float:
    """Axes aspect for equal distances: 1/cos(latitude) for lon/lat geodata, else 1."""
    x = data["x"].to_numpy(dtype=np.float64)
    y = data["y"].to_numpy(dtype=np.float64)
    if x.size == 0:
        return 1.0
    looks_geo = bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))
    span = max(float(np.ptp(x)), float(np.ptp(y)))
    if looks_geo and 0 < span < 5:
        return float(1.0 / np.cos(np.radians(float(np.mean(y)))))
    return 1.0
