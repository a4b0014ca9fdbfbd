"""Area-day line-loss table: loss rate, technical and non-technical parts, completeness.

A day is the scenario's local calendar day. An area-day is *complete* when
the run covers the whole local day, every interval of the area check meter
is ``ok`` or ``backfilled``, and at most a small share of its meters'
intervals are ``missing`` or absent (``estimated`` readings count, and their
share is reported as coverage). An incomplete area-day keeps its sums of
what was read but gets NaN loss, rate and non-technical loss, never a wrong
number.

The rate is judged against the State Grid "qualified" band of the
transformer-area line-loss KPI (0-10 %; LV areas typically 3-6 %, as
DOMAIN.md, "Losses and theft", quotes it) [1]_.

References
----------
.. [1] State Grid transformer-area ("tai qu") line-loss management KPI: loss
   rate per area and day, "qualified" band commonly quoted as 0-10 %.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from twin.studies.losses.balance import WindowBalance
from twin.studies.losses.settings import LossSettings

__all__ = ["AREA_DAILY_COLUMNS", "area_day_records", "finish_area_daily", "mark_abnormal"]

AREA_DAILY_COLUMNS = (
    "transformer_id",
    "day",
    "supply_wh",
    "sales_wh",
    "loss_wh",
    "line_loss_rate",
    "technical_wh",
    "non_technical_wh",
    "complete",
    "abnormal",
)
"""The leading columns of ``area_daily.parquet``; more follow."""


def area_day_records(
    balance: WindowBalance,
    area_ids: np.ndarray,
    meters_per_area: np.ndarray,
    *,
    day: dt.date,
    full_day: bool,
) -> pd.DataFrame:
    """One row per area of the day a window covers: the sums of its intervals.

    Parameters
    ----------
    balance : WindowBalance
        The window's area x interval balance.
    area_ids : numpy.ndarray
        ``transformer_id`` of each area.
    meters_per_area : numpy.ndarray
        Meters registered in each area.
    day : datetime.date
        The local day.
    full_day : bool
        Whether the window covers the whole local day.
    """
    n = balance.supply_wh.shape[1]
    return pd.DataFrame(
        {
            "transformer_id": np.asarray(area_ids, dtype=np.int64),
            "day": day,
            "intervals": n,
            "full_day": full_day,
            "supply_wh": balance.supply_wh.sum(axis=1),
            "sales_wh": balance.sales_wh.sum(axis=1),
            "line_loss_wh": balance.line_loss_wh.sum(axis=1),
            "trafo_copper_wh": balance.trafo_copper_wh.sum(axis=1),
            "trafo_iron_wh": balance.trafo_iron_wh.sum(axis=1),
            "area_meter_bad_intervals": n - balance.area_valid.sum(axis=1),
            "customer_intervals": np.asarray(meters_per_area, dtype=np.int64) * n,
            "customer_missing_intervals": balance.customers_missing.sum(axis=1),
            "customer_estimated_intervals": balance.customers_estimated.sum(axis=1),
        }
    )


def _reason(frame: pd.DataFrame, settings: LossSettings, missing_share: pd.Series) -> pd.Series:
    """Why an area-day is incomplete ('' when it is complete)."""
    reasons = pd.Series("", index=frame.index, dtype=object)
    for mask, text in (
        (missing_share > settings.max_customer_missing_share, "customer readings missing"),
        (frame["area_meter_bad_intervals"] > 0, "area meter not ok"),
        (~frame["full_day"].astype(bool), "partial day"),
    ):
        reasons = reasons.where(~mask, text)
    return reasons


def finish_area_daily(records: pd.DataFrame, settings: LossSettings) -> pd.DataFrame:
    """The area-day table from the per-day sums of :func:`area_day_records`.

    Parameters
    ----------
    records : pandas.DataFrame
        The rows of every window.
    settings : LossSettings
        The completeness threshold, the qualified band, whether transformer
        losses are part of the technical estimate.

    Returns
    -------
    pandas.DataFrame
        :data:`AREA_DAILY_COLUMNS`, then ``line_loss_wh``, ``trafo_copper_wh``,
        ``trafo_iron_wh``, the coverage shares (``customer_valid_share``,
        ``customer_estimated_share``, ``customer_missing_share``),
        ``area_meter_bad_intervals``, ``incomplete_reason``, ``qualified``
        and ``non_technical_share``. Energies [Wh], shares and rates [-].
    """
    frame = records.sort_values(["transformer_id", "day"], ignore_index=True)
    expected = frame["customer_intervals"].where(frame["customer_intervals"] > 0)
    missing = frame["customer_missing_intervals"] / expected
    estimated = frame["customer_estimated_intervals"] / expected
    frame["customer_missing_share"] = missing
    frame["customer_estimated_share"] = estimated
    frame["customer_valid_share"] = 1.0 - missing - estimated
    frame["incomplete_reason"] = _reason(frame, settings, missing.fillna(1.0))
    complete = (frame["incomplete_reason"] == "") & (frame["supply_wh"] > 0)
    frame.loc[(frame["incomplete_reason"] == "") & ~complete, "incomplete_reason"] = "no supply"
    frame["complete"] = complete
    technical = frame["line_loss_wh"]
    if settings.include_transformer_losses:
        technical = technical + frame["trafo_copper_wh"] + frame["trafo_iron_wh"]
    frame["technical_wh"] = technical
    loss = (frame["supply_wh"] - frame["sales_wh"]).where(complete)
    frame["loss_wh"] = loss
    frame["line_loss_rate"] = loss / frame["supply_wh"].where(complete)
    frame["non_technical_wh"] = loss - technical
    frame["non_technical_share"] = frame["non_technical_wh"] / frame["supply_wh"].where(complete)
    low, high = settings.qualified_band
    rate = frame["line_loss_rate"]
    frame["qualified"] = complete & (rate >= low) & (rate <= high)
    frame["abnormal"] = mark_abnormal(
        frame, non_technical_share=settings.non_technical_share, rate_high=high
    )
    rest = [c for c in frame.columns if c not in AREA_DAILY_COLUMNS]
    return frame[[*AREA_DAILY_COLUMNS, *rest]]


def mark_abnormal(
    daily: pd.DataFrame, *, non_technical_share: float, rate_high: float
) -> pd.Series:
    """Whether each complete area-day is abnormal.

    Abnormal: the loss rate is above the qualified band, or the non-technical
    remainder exceeds ``non_technical_share`` of the supply. Incomplete days
    are never abnormal (they are not judged). A negative rate is outside the
    band too (a metering or register fault, not theft) and is reported by
    ``qualified``, not here.

    Parameters
    ----------
    daily : pandas.DataFrame
        The area-day table (``complete``, ``line_loss_rate``,
        ``non_technical_share``).
    non_technical_share : float
        Threshold on the non-technical remainder [share of supply].
    rate_high : float
        Upper end of the qualified band [-].
    """
    rate = daily["line_loss_rate"]
    remainder = daily["non_technical_share"]
    above = (rate > rate_high) | (remainder > non_technical_share)
    result: pd.Series = daily["complete"].astype(bool) & above.fillna(False).astype(bool)
    return result
