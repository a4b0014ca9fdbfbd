"""Figures of a run's prepaid accounts, to compare with published statistics.

- Self-disconnection: the share of prepaid premises whose relay opened for
  exhausted credit at least once. A run shorter than a year gives the share
  within the run, a lower bound of the yearly share (a premise that
  self-disconnects in the run does so in the year); scaling it as if every
  premise had the same constant rate, ``1 - (1 - p) ** (365 / days)``, gives
  an upper bound (households who self-disconnect are largely the same ones
  month after month: Citizens Advice 2018 found most self-disconnecting
  households do so repeatedly). Both are reported.
- Long disconnections: the share of credit disconnections (supply
  interruptions of cause ``prepaid``) lasting over 24 h; one still on at
  the run end counts when it had already lasted 24 h, and is left out
  otherwise (censored).

References
----------
Citizens Advice (2018), "Switched on: improving support for prepayment
consumers who self-disconnect" (16 % of prepayment customers
self-disconnected in the last year). Citizens Advice (2022), "Kept in the
dark" (about one in five disconnections lasted over 24 hours).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["LONG_S", "PrepaidFigures", "prepaid_figures", "share_longer_than"]

LONG_S = 86_400
"""A disconnection over this long is a long one [s]."""


@dataclass(frozen=True)
class PrepaidFigures:
    """Self-disconnection and disconnection-length figures of a run."""

    prepaid_premises: int
    self_disconnected: int
    share_in_run: float
    share_year_upper: float
    disconnections: int
    long_share: float


def prepaid_figures(
    accounts: pd.DataFrame,
    commands: pd.DataFrame,
    interruptions: pd.DataFrame,
    *,
    run_end: pd.Timestamp,
    days: float,
) -> PrepaidFigures:
    """Figures from external/account, external/relay_command and truth/supply_interruption.

    Parameters
    ----------
    accounts, commands, interruptions : pandas.DataFrame
        The run's tables (columns ``meter_id``, ``payment``; ``meter_id``,
        ``reason``; ``start``, ``end``).
    run_end : pandas.Timestamp
        The run's end (UTC).
    days : float
        Run length [d].
    """
    prepaid = set(accounts.loc[accounts["payment"] == "prepaid", "meter_id"].astype(str))
    cut = commands[commands["reason"] == "credit_exhausted"]
    hit = set(cut["meter_id"].astype(str)) & prepaid
    n = len(prepaid)
    p = len(hit) / n if n else 0.0
    upper = 1.0 - (1.0 - p) ** (365.0 / days) if days > 0 else p
    end = pd.to_datetime(interruptions["end"], utc=True)
    start = pd.to_datetime(interruptions["start"], utc=True)
    length = (end.fillna(run_end) - start).dt.total_seconds().to_numpy()
    long_share, known = share_longer_than(length, end.notna().to_numpy(), LONG_S)
    return PrepaidFigures(n, len(hit), p, upper, known, 0.0 if long_share is None else long_share)


def share_longer_than(
    length_s: np.ndarray, ended: np.ndarray, threshold_s: float
) -> tuple[float | None, int]:
    """Share of disconnections lasting over ``threshold_s``, censored at the run end.

    A disconnection still on at the run end (``ended`` False, its length
    counted to the run end) counts when it already lasted over the
    threshold, and is left out otherwise: its length is not known.

    Parameters
    ----------
    length_s : numpy.ndarray
        Length of each disconnection [s] (to the run end where still on).
    ended : numpy.ndarray of bool
        Whether each ended within the run.
    threshold_s : float
        The length to exceed [s].

    Returns
    -------
    share : float or None
        The share 0..1 (None without any disconnection of known class).
    known : int
        How many disconnections it is the share of.
    """
    length = np.asarray(length_s, dtype=np.float64)
    known = np.asarray(ended, dtype=bool) | (length > threshold_s)
    if not known.any():
        return None, 0
    return float(np.mean(length[known] > threshold_s)), int(known.sum())
