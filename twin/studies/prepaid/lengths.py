"""How long credit disconnections last: shares over 1 h and 24 h, median, survival curve.

A disconnection is a ``truth/supply_interruption`` spell of cause
``prepaid``. One still on at the run end is censored there: for a share
over a length it counts when it had already lasted that long and is left
out otherwise (:func:`twin.services.prepaid.measures.share_longer_than`);
the median and the survival curve are Kaplan-Meier estimates, which use a
censored spell for as long as it is known to have lasted.

References
----------
Kaplan, E. L. and Meier, P. (1958), "Nonparametric estimation from
incomplete observations", J. Am. Stat. Assoc. 53, 457-481.
Citizens Advice (2022), "Kept in the dark": about one in five prepayment
disconnections lasted over 24 hours.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.services.prepaid.measures import LONG_S, share_longer_than

__all__ = [
    "PUBLISHED",
    "SHORT_S",
    "kaplan_meier",
    "length_summary",
    "spell_lengths",
]

SHORT_S: Final = 3_600
"""A disconnection over this long is reported apart (over an hour) [s]."""

PUBLISHED: Final[dict[str, dict[str, Any]]] = {
    "self_disconnecting_share_year": {
        "value": 0.16,
        "source": "Citizens Advice (2018), Switched on: 16 % of prepayment customers "
        "self-disconnected in the last year (GB)",
    },
    "share_over_24h": {
        "value": 0.20,
        "source": "Citizens Advice (2022), Kept in the dark: about one in five "
        "disconnections lasted over 24 hours (GB)",
    },
}
"""Published figures the study's figures stand beside (shares 0..1)."""


def spell_lengths(
    interruptions: pd.DataFrame, run_end: pd.Timestamp
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each spell's length [s] (to the run end where still on) and whether it ended."""
    start = pd.to_datetime(interruptions["start"], utc=True)
    end = pd.to_datetime(interruptions["end"], utc=True)
    length = np.asarray(
        (end.fillna(run_end) - start).dt.total_seconds().to_numpy(), dtype=np.float64
    )
    ended: NDArray[np.bool_] = end.notna().to_numpy(dtype=bool)
    return length, ended


def kaplan_meier(
    length_s: NDArray[np.float64], ended: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kaplan-Meier survival of disconnection lengths.

    Parameters
    ----------
    length_s : numpy.ndarray
        Lengths [s] (censored ones to the run end).
    ended : numpy.ndarray of bool
        False for a spell censored at the run end.

    Returns
    -------
    times_s, survival : numpy.ndarray
        The distinct lengths of ended spells [s] and the share still off
        just after each (a step function, 1 before the first).
    """
    length = np.asarray(length_s, dtype=np.float64)
    done = np.asarray(ended, dtype=bool)
    times = np.unique(length[done])
    if times.size == 0:
        return times, np.ones(0)
    at_risk = (length[None, :] >= times[:, None]).sum(axis=1)
    events = (length[done][None, :] == times[:, None]).sum(axis=1)
    return times, np.cumprod(1.0 - events / at_risk)


def _km_median_s(times: NDArray[np.float64], survival: NDArray[np.float64]) -> float | None:
    below = np.flatnonzero(survival <= 0.5)
    return float(times[below[0]]) if below.size else None


def length_summary(interruptions: pd.DataFrame, run_end: pd.Timestamp) -> dict[str, Any]:
    """The length block of one utility's disconnections.

    Parameters
    ----------
    interruptions : pandas.DataFrame
        Its ``truth/supply_interruption`` spells of cause ``prepaid``.
    run_end : pandas.Timestamp
        The run's end (UTC).

    Returns
    -------
    dict
        ``disconnections``, ``still_off_at_end``, ``share_over_1h`` and
        ``share_over_24h`` (with the count each is a share of),
        ``median_h`` (Kaplan-Meier; None when over half are still off),
        ``longest_h``, ``hours_off`` (the total, to the run end) and the
        published share over 24 h.
    """
    length, ended = spell_lengths(interruptions, run_end)
    over_1h, known_1h = share_longer_than(length, ended, SHORT_S)
    over_24h, known_24h = share_longer_than(length, ended, LONG_S)
    times, survival = kaplan_meier(length, ended)
    median = _km_median_s(times, survival)
    return {
        "disconnections": int(length.size),
        "still_off_at_end": int((~ended).sum()),
        "share_over_1h": over_1h,
        "share_over_1h_of": known_1h,
        "share_over_24h": over_24h,
        "share_over_24h_of": known_24h,
        "published_share_over_24h": PUBLISHED["share_over_24h"]["value"],
        "median_h": None if median is None else median / 3600.0,
        "longest_h": float(length.max() / 3600.0) if length.size else None,
        "hours_off": float(length.sum() / 3600.0),
    }
