"""Figures of the prepaid study (matplotlib, Agg canvas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.services.prepaid.measures import LONG_S
from twin.studies.figures import new_figure, save_figure
from twin.studies.prepaid.lengths import PUBLISHED, SHORT_S, kaplan_meier, spell_lengths
from twin.studies.tradeoff import plot_tradeoff_panels

__all__ = ["plot_disconnection_lengths", "plot_money_daily", "plot_tradeoff"]


def plot_disconnection_lengths(
    interruptions: pd.DataFrame, run_end: pd.Timestamp, path: Path, *, utility: str
) -> str:
    """Share of credit disconnections lasting longer than t (Kaplan-Meier), log time axis.

    Parameters
    ----------
    interruptions : pandas.DataFrame
        One utility's ``truth/supply_interruption`` spells of cause ``prepaid``.
    run_end : pandas.Timestamp
        The run's end (UTC): spells still on are censored there.
    path : pathlib.Path
        PNG to write.
    utility : str
        For the title.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(7.5, 4.0)
    ax = figure.add_subplot()
    length, ended = spell_lengths(interruptions, run_end)
    times, survival = kaplan_meier(length, ended)
    if times.size == 0:
        ax.text(0.5, 0.5, "no ended credit disconnection", ha="center", transform=ax.transAxes)
        return save_figure(figure, path)
    hours = np.concatenate([[times[0] / 3600.0], times / 3600.0])
    share = np.concatenate([[1.0], survival]) * 100.0
    ax.step(hours, share, where="post", color="tab:blue", label="the run (Kaplan-Meier)")
    censored = length[~ended] / 3600.0
    if censored.size:
        ax.plot(
            censored,
            np.interp(censored, hours, share),
            "|",
            color="tab:blue",
            markersize=10,
            label="still off at the run end",
        )
    for limit, label in ((SHORT_S, "1 h"), (LONG_S, "24 h")):
        ax.axvline(limit / 3600.0, color="0.5", linestyle=":", linewidth=1)
        ax.text(limit / 3600.0, 102, label, ha="center", fontsize=8, color="0.4")
    published = float(PUBLISHED["share_over_24h"]["value"]) * 100.0
    ax.plot([LONG_S / 3600.0], [published], "D", color="tab:red", label="Citizens Advice 2022")
    ax.set_xscale("log")
    ax.set_xlim(left=min(0.25, float(hours[0])))
    ax.set_ylim(0, 108)
    ax.set_xlabel("length of the disconnection [h]")
    ax.set_ylabel("share lasting longer [%]")
    ax.set_title(f"How long {utility} credit disconnections last ({len(length)} spells)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return save_figure(figure, path)


def plot_money_daily(daily: pd.DataFrame, path: Path, *, utility: str) -> str:
    """Revenue and refunds per day, with credit held and arrears at each day's end.

    Parameters
    ----------
    daily : pandas.DataFrame
        One utility's rows of ``money_daily``.
    path : pathlib.Path
        PNG to write.
    utility : str
        For the title.

    Returns
    -------
    str
        The PNG's file name.
    """
    figure = new_figure(8.0, 4.2)
    ax = figure.add_subplot()
    currency = str(daily["currency"].iloc[0]) if len(daily) else ""
    dates = pd.to_datetime(daily["date"])
    ax.bar(dates, daily["revenue"], color="tab:green", alpha=0.6, label="revenue of the day")
    ax.bar(dates, -daily["refunds"], color="tab:gray", alpha=0.6, label="refunds of the day")
    ax.plot(dates, daily["credit_held"], color="tab:blue", label="credit held (end of day)")
    ax.plot(dates, -daily["arrears"], color="tab:red", label="arrears (end of day)")
    ax.plot(
        dates,
        -daily["emergency_outstanding"],
        color="tab:orange",
        linestyle="--",
        label="of which emergency credit",
    )
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylabel(f"[{currency}]")
    ax.set_title(f"Prepaid {utility}: money by local day")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncols=2)
    figure.autofmt_xdate()
    return save_figure(figure, path)


def plot_tradeoff(frame: pd.DataFrame, metrics: dict[str, str], path: Path) -> str:
    """One panel per trade-off metric (:func:`twin.studies.tradeoff.plot_tradeoff_panels`)."""
    return plot_tradeoff_panels(frame, metrics, path, title="Prepaid policy")
