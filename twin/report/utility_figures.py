"""Figures of the report's billing and water and gas sections (matplotlib, Agg canvas, PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.studies.figures import new_figure, save_figure

__all__ = ["plot_bill_histogram", "plot_billing_by_month", "plot_water_gas_profile"]


def plot_billing_by_month(monthly: pd.DataFrame, path: Path, *, currency: str) -> str:
    """Billed import [kWh] and revenue [currency] by month, bars stacked by tariff.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of :func:`twin.report.billing_section.billing_by_month`.
    path : pathlib.Path
        PNG to write.
    currency : str
        ISO 4217 code of the revenue.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 5.0)
    energy_ax, revenue_ax = figure.subplots(2, 1, sharex=True)
    months = sorted(monthly["month"].unique())
    x = np.arange(len(months))
    for ax, column, label in (
        (energy_ax, "import_kwh", "billed import [kWh]"),
        (revenue_ax, "revenue", f"revenue [{currency}]"),
    ):
        table = monthly.pivot_table(
            index="month", columns="tariff", values=column, aggfunc="sum", fill_value=0.0
        ).reindex(months, fill_value=0.0)
        bottom = np.zeros(len(months))
        for tariff in table.columns:
            values = table[tariff].to_numpy(dtype=np.float64)
            ax.bar(x, values, bottom=bottom, width=0.6, label=str(tariff))
            bottom += values
        for xi, total in zip(x, bottom, strict=True):
            ax.annotate(f"{total:,.0f}", (xi, total), ha="center", va="bottom", fontsize="small")
        ax.set_ylabel(label)
        ax.set_ylim(0, max(float(bottom.max()) * 1.15, 1.0))
        ax.grid(axis="y", alpha=0.3)
    energy_ax.legend(title="tariff", fontsize="small", loc="upper left")
    revenue_ax.set_xticks(x, months)
    revenue_ax.set_xlabel("local month of the bill's period start")
    energy_ax.set_title("Billed energy and revenue by month")
    return save_figure(figure, path)


def plot_bill_histogram(
    values: np.ndarray, path: Path, *, currency: str, counted: str = "bills"
) -> str:
    """Histogram of household bills with the median and the 90th percentile.

    Parameters
    ----------
    values : numpy.ndarray
        Bills [currency units].
    path : pathlib.Path
        PNG to write.
    currency : str
        ISO 4217 code.
    counted : str
        What a value is (``bills``, ``accounts``), for the count axis.
    """
    figure = new_figure(8.0, 4.2)
    ax = figure.add_subplot()
    values = np.asarray(values, dtype=np.float64)
    ax.hist(values, bins=min(30, max(5, values.size // 3)), color="tab:blue", alpha=0.75)
    for q, style, name in ((0.5, "-", "median"), (0.9, "--", "90th percentile")):
        level = float(np.quantile(values, q))
        ax.axvline(level, color="black", linestyle=style, label=f"{name} {level:,.2f} {currency}")
    ax.set_xlabel(f"monthly bill [{currency}]")
    ax.set_ylabel(counted)
    ax.set_title("Household monthly bills")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_water_gas_profile(
    profiles: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, *, timezone: str
) -> str:
    """Mean flow per metered home by local hour: water [l/h] and gas [m3/h], one panel each.

    Parameters
    ----------
    profiles : dict
        ``"water"`` and/or ``"gas"`` to (sum of flows, number of readings) by local hour.
    path : pathlib.Path
        PNG to write.
    timezone : str
        Zone of the time-of-day axis.
    """
    units = {"water": ("l/h", "tab:blue"), "gas": ("m3/h", "tab:orange")}
    figure = new_figure(8.0, 2.6 * len(profiles) + 0.6)
    axes = np.atleast_1d(figure.subplots(len(profiles), 1, sharex=True))
    hours = np.arange(24) + 0.5
    for ax, (kind, (sums, counts)) in zip(axes, profiles.items(), strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        unit, colour = units[kind]
        ax.step(hours, mean, where="mid", color=colour)
        ax.fill_between(hours, mean, step="mid", color=colour, alpha=0.25)
        ax.set_ylabel(f"{kind} [{unit}]")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[-1].set_xlim(0, 24)
    axes[-1].set_xticks(range(0, 25, 3))
    axes[-1].set_xlabel(f"local hour of the day ({timezone})")
    axes[0].set_title("Mean flow per metered home by hour of the day")
    return save_figure(figure, path)
