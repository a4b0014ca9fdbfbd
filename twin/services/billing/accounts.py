"""Customer accounts: who the platform bills for a premise, and from when to when.

Every metered customer premise has an account from the run start. A
household's move-out (the start of a ``between_tenants`` episode) closes its
account and the next move-in opens a new one; between tenants the premise has
no account. A long-term vacant home or a second home keeps its account open
all along: the owner pays at least the standing charge. Other customers and
generation meters keep one account for the whole run.

Account ids are ``ACC`` + the premise number + ``-`` + the tenancy number
(1 for the first account of the premise in the run), so the same premise
gets the same ids in a sharded run; water accounts (prepaid water) start ``ACW``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["ACCOUNT_COLUMNS", "account_frame", "tenancies"]

ACCOUNT_COLUMNS = (
    "account_id",
    "premise_id",
    "meter_id",
    "customer_kind",
    "tariff",
    "payment",
    "currency",
    "opened_at",
    "closed_at",
    "opened_by",
    "closed_by",
    "utility",
)
"""Columns of external/account."""


def tenancies(
    n: int, gap_premise: NDArray[np.int64], gap_start_s: NDArray[np.int64],
    gap_end_s: NDArray[np.int64], duration_s: int,
) -> pd.DataFrame:  # fmt: skip
    """Stretches of the run between the gaps without a tenant, per premise.

    Parameters
    ----------
    n : int
        Number of premises (positions ``0 .. n-1``).
    gap_premise, gap_start_s, gap_end_s : numpy.ndarray
        Gaps between tenants clipped to the run (from a move-out to the next
        move-in) [s since the run start], not overlapping per premise.
    duration_s : int
        Run length [s].

    Returns
    -------
    pandas.DataFrame
        ``premise``, ``start_s``, ``end_s`` (``start_s < end_s``) and
        ``tenancy`` (1, 2, ... per premise), sorted by premise and start.
    """
    premise = np.arange(n, dtype=np.int64)
    opens_p = np.concatenate([premise, np.asarray(gap_premise, dtype=np.int64)])
    opens_t = np.concatenate([np.zeros(n, np.int64), np.asarray(gap_end_s, dtype=np.int64)])
    closes_p = np.concatenate([np.asarray(gap_premise, dtype=np.int64), premise])
    closes_t = np.concatenate(
        [np.asarray(gap_start_s, dtype=np.int64), np.full(n, duration_s, np.int64)]
    )
    a = np.lexsort((opens_t, opens_p))
    b = np.lexsort((closes_t, closes_p))
    frame = pd.DataFrame({"premise": opens_p[a], "start_s": opens_t[a], "end_s": closes_t[b]})
    frame = frame[frame["end_s"] > frame["start_s"]].reset_index(drop=True)
    frame["tenancy"] = frame.groupby("premise").cumcount().to_numpy(np.int64) + 1
    return frame


def account_frame(
    premises: pd.DataFrame,
    stays: pd.DataFrame,
    *,
    plan_of: dict[str, str],
    currency: str,
    run_start: pd.Timestamp,
    duration_s: int,
    prepaid: NDArray[np.bool_] | None = None,
    utility: str = "electricity",
) -> pd.DataFrame:
    """external/account from the premises and their tenancies.

    Parameters
    ----------
    premises : pandas.DataFrame
        ``premise_id``, ``meter_id``, ``customer_kind``, one row per metered premise.
    stays : pandas.DataFrame
        :func:`tenancies` of the premises (``premise`` = row of ``premises``);
        a premise without a row here has no account.
    plan_of : dict
        Customer kind -> plan name.
    currency : str
        ISO 4217 code.
    run_start : pandas.Timestamp
        The run's start.
    duration_s : int
        Run length [s].
    prepaid : numpy.ndarray, optional
        bool per row of ``premises``: its accounts pay in advance (payment
        ``prepaid``); default none.
    utility : str
        ``electricity``, or ``water`` for the water accounts of prepaid water
        meters, whose ids start ``ACW`` instead of ``ACC``.

    Returns
    -------
    pandas.DataFrame
        :data:`ACCOUNT_COLUMNS`, one row per account, by premise and tenancy.
    """
    row = stays["premise"].to_numpy(np.int64)
    premise_id = premises["premise_id"].to_numpy(dtype=object)[row]
    start_s = stays["start_s"].to_numpy(np.int64)
    end_s = stays["end_s"].to_numpy(np.int64)
    tenancy = stays["tenancy"].to_numpy(np.int64)
    number = pd.Series(premise_id, dtype=object).str[1:].to_numpy(dtype=object)
    kind = premises["customer_kind"].astype(str).to_numpy(dtype=object)[row]
    start_us = run_start.tz_convert("UTC").value // 1000
    closed = end_s < duration_s
    opened_at = pd.to_datetime((start_us + start_s * 10**6).astype("datetime64[us]"), utc=True)
    closed_at = pd.to_datetime(
        np.where(closed, (start_us + end_s * 10**6), np.iinfo(np.int64).min).astype(
            "datetime64[us]"
        ),
        utc=True,
    )
    prefix = "ACW" if utility == "water" else "ACC"
    return pd.DataFrame(
        {
            "account_id": prefix + number + "-" + tenancy.astype(str).astype(object),
            "premise_id": premise_id,
            "meter_id": premises["meter_id"].astype(str).to_numpy(dtype=object)[row],
            "customer_kind": kind,
            "tariff": pd.Series(kind, dtype=object).map(plan_of).to_numpy(dtype=object),
            "payment": (
                "postpaid"
                if prepaid is None
                else np.where(np.asarray(prepaid, dtype=bool)[row], "prepaid", "postpaid").astype(
                    object
                )
            ),
            "currency": currency,
            "opened_at": opened_at,
            "closed_at": closed_at,
            "opened_by": np.where(start_s == 0, "run_start", "move_in").astype(object),
            "closed_by": np.where(closed, "move_out", "").astype(object),
            "utility": utility,
        }
    )
