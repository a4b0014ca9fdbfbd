"""Small synthetic register series and accounts for the billing tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from twin.services.billing.bills import BillingCalendar


def calendar(start: str, days: int, *, tz: str = "UTC", tariffs: int = 2) -> BillingCalendar:
    """A run from local midnight ``start`` for ``days`` days, frozen at every local midnight."""
    first = pd.Timestamp(start, tz=tz)
    midnights = pd.date_range(first + pd.Timedelta(days=1), periods=days, freq="D")
    midnights = pd.DatetimeIndex([pd.Timestamp(d.date(), tz=tz) for d in midnights])
    stamps = midnights.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")
    return BillingCalendar(run_start=first, freezes=stamps, timezone=tz, tariffs=tariffs)


def registers(
    cal: BillingCalendar,
    meter: str,
    import_wh: Sequence[Sequence[int]],
    export_wh: Sequence[int] | None = None,
    *,
    drop: Sequence[int] = (),
) -> pd.DataFrame:
    """Daily freezes of ``meter`` from per-day energies: ``import_wh[day][register - 1]``.

    ``drop`` lists the days (0-based) whose freeze never arrived.
    """
    per_day = np.asarray(import_wh, dtype=np.int64).reshape(len(import_wh), -1)
    cum = np.cumsum(per_day, axis=0)
    n = per_day.shape[0]
    exp = np.cumsum(np.zeros(n, np.int64) if export_wh is None else np.asarray(export_wh))
    frame = pd.DataFrame(
        {
            "meter_id": meter,
            "freeze_time": pd.to_datetime(cal.freezes[:n], utc=True),
            "import_total_wh": cum.sum(axis=1),
            **{f"import_t{i + 1}_wh": cum[:, i] for i in range(per_day.shape[1])},
            "export_total_wh": exp,
        }
    )
    return frame.drop(index=list(drop)).reset_index(drop=True)


def monthly(meter: str, rows: Sequence[tuple[str, float]], tz: str = "UTC") -> pd.DataFrame:
    """Monthly freezes of ``meter``: (local first-of-month midnight, max demand [W])."""
    return pd.DataFrame(
        {
            "meter_id": [meter] * len(rows),
            "freeze_time": pd.to_datetime(
                [pd.Timestamp(t, tz=tz).tz_convert("UTC") for t, _ in rows], utc=True
            ),
            "max_demand_w": [float(w) for _, w in rows],
        }
    )


def no_monthly() -> pd.DataFrame:
    return monthly("M000001", [])


def accounts(
    rows: Sequence[tuple[str, str, str, str, str | None]], tz: str = "UTC"
) -> pd.DataFrame:
    """Accounts (account_id, meter_id, tariff, opened_at, closed_at or None), local times."""

    def stamp(t: str | None) -> pd.Timestamp:
        return pd.NaT if t is None else pd.Timestamp(t, tz=tz).tz_convert("UTC")

    return pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "meter_id": [r[1] for r in rows],
            "tariff": [r[2] for r in rows],
            "currency": "EUR",
            "opened_at": pd.to_datetime([stamp(r[3]) for r in rows], utc=True),
            "closed_at": pd.to_datetime([stamp(r[4]) for r in rows], utc=True),
        }
    )
