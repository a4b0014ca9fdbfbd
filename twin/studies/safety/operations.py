"""Operations after an alarm: work orders, response times, backlog and crew utilisation.

Read from the platform's side only (``external/work_order`` and the safety
alarms): a work order's response times run from its alarm's ``raised_at`` to
the crew's ``arrived_at`` and to ``completed_at``. The backlog is the number
of work orders open (created, not completed) at the end of each local day.
A crew is busy from a work order's ``dispatched_at`` to its ``completed_at``
(travel and repair; the run end for one still in progress); its utilisation
is busy time over its working time, ``safety.operations.crews`` times the
shift's hours on each local day of the run.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.streams import epoch_us
from twin.studies.safety.alarms import hours_between, quantiles_h, share
from twin.studies.safety.data import Operations

__all__ = [
    "OPEN",
    "OUTCOMES",
    "backlog_daily",
    "crew_summary",
    "operations_summary",
    "shift_hours",
    "work_order_table",
]

OUTCOMES: Final = ("repaired", "no_fault_found", "too_late")
"""Outcomes of a completed work order (``external/work_order.outcome``)."""

OPEN: Final = "open"
"""Outcome label of a work order without an outcome (not completed by the run end)."""


def work_order_table(work_orders: pd.DataFrame, alarms: pd.DataFrame) -> pd.DataFrame:
    """The work orders raised for safety alarms, with their response times.

    Parameters
    ----------
    work_orders : pandas.DataFrame
        ``external/work_order``.
    alarms : pandas.DataFrame
        The safety alarms (``alarm_id``, ``raised_at``).

    Returns
    -------
    pandas.DataFrame
        The work orders whose ``alarm_id`` is a safety alarm, then
        ``raised_at`` (the alarm's), ``outcome_label`` (the outcome, or
        :data:`OPEN`), ``queue_h`` (created to dispatched), ``to_arrival_h``
        and ``to_completion_h`` (from the alarm [h]; NaN while not).
    """
    raised = alarms.drop_duplicates("alarm_id").set_index("alarm_id")["raised_at"]
    frame = work_orders[work_orders["alarm_id"].isin(raised.index)].copy()
    frame["raised_at"] = pd.to_datetime(frame["alarm_id"].map(raised), utc=True)
    frame["outcome_label"] = frame["outcome"].astype(object).fillna(OPEN).astype(str)
    frame["queue_h"] = hours_between(frame["dispatched_at"], frame["created_at"])
    frame["to_arrival_h"] = hours_between(frame["arrived_at"], frame["raised_at"])
    frame["to_completion_h"] = hours_between(frame["completed_at"], frame["raised_at"])
    return frame.sort_values(["created_at", "work_order_id"], kind="stable").reset_index(drop=True)


def _local_days(start: pd.Timestamp, end: pd.Timestamp, timezone: str) -> pd.DatetimeIndex:
    """Local midnights of every local day the run touches (tz-aware, local)."""
    first = start.tz_convert(timezone).normalize()
    last = (end - pd.Timedelta(microseconds=1)).tz_convert(timezone).normalize()
    return pd.date_range(first, last, freq="D")


def backlog_daily(
    orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, timezone: str
) -> pd.DataFrame:
    """Work orders created, completed and open per local day of the run.

    Parameters
    ----------
    orders : pandas.DataFrame
        :func:`work_order_table`.
    start, end : pandas.Timestamp
        The run's start and end (UTC).
    timezone : str
        The run's time zone.

    Returns
    -------
    pandas.DataFrame
        ``date`` (local), ``created``, ``completed`` (that day), ``open_at_end``
        (created and not completed at the day's end, or at the run end for the
        last day).
    """
    days = _local_days(start, end, timezone)
    ends = _us((days + pd.DateOffset(days=1)).tz_convert("UTC"))
    ends = np.minimum(ends, _us(pd.DatetimeIndex([end]))[0])
    starts = np.concatenate([_us(pd.DatetimeIndex([start])), ends[:-1]])
    created = _us(orders["created_at"])
    completed = _us(orders["completed_at"])

    def within(times: NDArray[np.int64]) -> NDArray[np.int64]:
        inside = (times[None, :] >= starts[:, None]) & (times[None, :] < ends[:, None])
        return inside.sum(axis=1).astype(np.int64)

    is_open = (created[None, :] < ends[:, None]) & (completed[None, :] >= ends[:, None])
    return pd.DataFrame(
        {
            "date": days.tz_localize(None).date,
            "created": within(created),
            "completed": within(completed),
            "open_at_end": is_open.sum(axis=1).astype(np.int64),
        }
    )


_NEVER: Final = np.iinfo(np.int64).max
"""A missing time, later than every time [µs]."""


def _us(stamps: Any) -> NDArray[np.int64]:
    """Timestamps as int64 [µs since the epoch, UTC]; a missing one as :data:`_NEVER`."""
    times = pd.to_datetime(pd.Series(stamps), utc=True)
    out = np.full(len(times), _NEVER, dtype=np.int64)
    known = times.notna().to_numpy()
    out[known] = epoch_us(times[known])
    return out


def shift_hours(
    operations: Operations, start: pd.Timestamp, end: pd.Timestamp, timezone: str
) -> float | None:
    """Hours of one crew's shifts that fall within the run [h] (None without a shift).

    Each local day's shift runs from its start hour to its end hour (the next
    day's when the end is not after the start); only its part between the
    run's start and end counts.
    """
    if operations.shift is None:
        return None
    begin, _ = operations.shift
    length_h = operations.shift_h or 0.0
    days = _local_days(start - pd.Timedelta(days=1), end, timezone)
    on = _us(days) + int(begin * 3_600_000_000)
    off = on + int(length_h * 3_600_000_000)
    lo = np.maximum(on, _us(pd.DatetimeIndex([start]))[0])
    hi = np.minimum(off, _us(pd.DatetimeIndex([end]))[0])
    seconds = np.clip(hi - lo, 0, None) / 1e6
    return float(seconds.sum() / 3600.0)


def crew_summary(
    orders: pd.DataFrame,
    operations: Operations,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
) -> dict[str, Any]:
    """Crews' busy time, utilisation and capacity.

    Returns
    -------
    dict
        ``crews``, ``shift_h`` (a crew's hours a day), ``jobs_per_crew_day``
        (from the scenario, None where not given); ``busy_h`` (dispatched to
        completed, the run end while in progress, within the run);
        ``available_h`` (crews x shift hours within the run); ``utilisation``
        (busy / available, None where not derivable); ``jobs_by_crew``
        (work orders per crew number); ``capacity_jobs`` (crews x jobs per
        crew-day x days) and ``demand_over_capacity`` (work orders / capacity).
    """
    crews = operations.crews
    first, last = _us(pd.DatetimeIndex([start, end]))
    dispatched = np.maximum(_us(orders["dispatched_at"]), first)
    finished = np.minimum(_us(orders["completed_at"]), last)
    busy_h = float(np.clip(finished - dispatched, 0, None).sum() / 3.6e9)
    per_crew = orders["crew"].dropna().astype(np.int64).value_counts().sort_index()
    hours = shift_hours(operations, start, end, timezone)
    available = None if crews is None or hours is None else crews * hours
    days = (end - start).total_seconds() / 86_400
    capacity = (
        None
        if crews is None or operations.jobs_per_crew_day is None
        else crews * operations.jobs_per_crew_day * days
    )
    return {
        "crews": crews,
        "shift_h": operations.shift_h,
        "jobs_per_crew_day": operations.jobs_per_crew_day,
        "busy_h": busy_h,
        "available_h": available,
        "utilisation": share(busy_h, available) if available else None,
        "jobs_by_crew": {str(k): int(v) for k, v in per_crew.items()},
        "capacity_jobs": capacity,
        "demand_over_capacity": share(len(orders), capacity) if capacity else None,
    }


def operations_summary(orders: pd.DataFrame, backlog: pd.DataFrame) -> dict[str, Any]:
    """Work orders by outcome and state, response times and backlog.

    Parameters
    ----------
    orders : pandas.DataFrame
        :func:`work_order_table`.
    backlog : pandas.DataFrame
        :func:`backlog_daily`.

    Returns
    -------
    dict
        ``work_orders``; ``by_outcome`` (each of :data:`OUTCOMES` and
        :data:`OPEN`); ``by_state``; ``queue_h``, ``alarm_to_arrival_h`` and
        ``alarm_to_completion_h`` (``n``, ``median``, ``p90`` [h]);
        ``backlog`` (``mean``, ``max`` of the open work orders at the end of
        each local day, ``at_end``).
    """
    outcomes = orders["outcome_label"].value_counts()
    states = orders["state"].astype(object).fillna("").astype(str).value_counts()
    open_end = backlog["open_at_end"].to_numpy(dtype=np.float64)
    return {
        "work_orders": len(orders),
        "by_outcome": {k: int(outcomes.get(k, 0)) for k in (*OUTCOMES, OPEN)},
        "by_state": {str(k): int(v) for k, v in states.sort_index().items()},
        "queue_h": quantiles_h(orders["queue_h"]),
        "alarm_to_arrival_h": quantiles_h(orders["to_arrival_h"]),
        "alarm_to_completion_h": quantiles_h(orders["to_completion_h"]),
        "backlog": {
            "mean": float(open_end.mean()) if open_end.size else None,
            "max": int(open_end.max()) if open_end.size else None,
            "at_end": int(open_end[-1]) if open_end.size else None,
        },
    }
