"""Monthly bills of postpaid accounts from the legal frozen registers.

A bill covers one account and one calendar month in local time, cut at the
account's opening and closing and at the run's ends. Only the legal
registers the head-end verified are read (internal/meter_register_daily and
internal/meter_register_monthly, IEC 62056 / OBIS 1-0:1.8.n, 2.8.0, 1.6.0),
never interval data, app data or truth. Everything is computed at once over
all bills with numpy and pandas; the only Python loops run over the price
plans and the tiers of a plan.

Cuts lie on the daily freezes (local midnight), the only register readings
there are: an account opened at the run start begins at the meters'
installation reading (every register 0 at the run start); an account opened
by a move-in begins at the freeze of the midnight that starts the move-in day;
one closed by a move-out ends at the freeze of the midnight that ends the
move-out day (a gap between tenants lasts at least a day, so the two never
overlap); an account open at the run's end ends at the last freeze of the
run. A month boundary is the monthly freeze (the first local midnight of a
month).

A freeze that is missing where a cut needs it (a rejected block, a
concentrator that never delivered it) is replaced by the next freeze
received for the meter, or, when none followed, by the last one before it;
the bill is then flagged ``estimated``. Because every cut of a meter maps to
a reading in time order, the energy that moves out of one bill lands in the
neighbouring bill: nothing is lost or counted twice.

Charges (each rounded half-up to the currency's minor unit):

- energy: flat, per tariff register (time-of-use), or in tiers of the
  cumulative import of the account in the tier period (calendar month or
  year); the tier bounds are prorated by the days the account is billed in
  that period (a part year, a part month);
- demand: per kW of the meter's monthly maximum demand (1-0:1.6.0, from the
  monthly freeze that closes the month), prorated by the bill's days in
  the month; a month whose closing freeze is missing (not received, or after
  the run's end) gives no demand charge and an ``estimated`` bill;
- standing: per day (local calendar days, fractions at a run start that is
  not midnight);
- export credit: per kWh exported (1-0:2.8.0);
- total = energy + demand + standing - export credit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from twin.scenario.tariff_models import TariffPlan
from twin.services.billing.money import round_half_up

__all__ = [
    "DAILY",
    "MONTHLY",
    "BillingCalendar",
    "bill_columns",
    "bill_frame",
]

DAILY = "internal/meter_register_daily"
MONTHLY = "internal/meter_register_monthly"
_US_PER_DAY = 86_400 * 10**6
_CHARGES = ("energy_charge", "demand_charge", "standing_charge", "export_credit", "total")


def bill_columns(tariffs: int) -> list[str]:
    """Columns of external/bill for meters with ``tariffs`` tariff registers."""
    return [
        "account_id",
        "meter_id",
        "tariff",
        "currency",
        "period_start",
        "period_end",
        "import_wh",
        *(f"import_wh_t{i}" for i in range(1, tariffs + 1)),
        "export_wh",
        "max_demand_w",
        *_CHARGES,
        "computed_from",
        "estimated",
    ]


@dataclass(frozen=True)
class BillingCalendar:
    """When a run's registers are frozen.

    Attributes
    ----------
    run_start : pandas.Timestamp
        The run's start (time-zone aware); every register reads 0 then.
    freezes : numpy.ndarray
        ``datetime64[us]`` UTC times of the daily freezes the meters make in
        the run (each local midnight on the interval grid), ascending.
    timezone : str
        The local time zone of the calendar.
    tariffs : int
        Tariff registers of the meters (1 .. 4).
    """

    run_start: pd.Timestamp
    freezes: NDArray[np.datetime64]
    timezone: str
    tariffs: int

    @property
    def cuts(self) -> NDArray[np.int64]:
        """Times a bill may start or end [us since 1970, UTC]: the start, then the freezes."""
        start = self.run_start.tz_convert("UTC").value // 1000
        freezes = np.asarray(self.freezes, dtype="datetime64[us]").astype(np.int64)
        return np.concatenate([[start], freezes[freezes > start]]).astype(np.int64)

    @property
    def month_starts(self) -> NDArray[np.int64]:
        """The monthly freezes (the first local midnight of a month) [us since 1970, UTC]."""
        freezes = self.cuts[1:]
        return freezes[self.local(freezes).day == 1]

    def local(self, us: NDArray[np.int64]) -> pd.DatetimeIndex:
        """Local wall-clock times (naive) of UTC microseconds."""
        utc = pd.DatetimeIndex(np.asarray(us, dtype="datetime64[us]")).tz_localize("UTC")
        return utc.tz_convert(self.timezone).tz_localize(None)


def _spans(accounts: pd.DataFrame, cal: BillingCalendar) -> tuple[NDArray[np.int64], ...]:
    """First and last cut of each account [us]: the freezes around its opening and closing."""
    cuts = cal.cuts
    opened = accounts["opened_at"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    closed = accounts["closed_at"].to_numpy(dtype="datetime64[us]")
    still_open = np.isnat(closed)
    closed_us = np.where(still_open, cuts[-1], closed.astype(np.int64))
    start = cuts[np.maximum(np.searchsorted(cuts, opened, side="right") - 1, 0)]
    after = np.searchsorted(cuts, closed_us, side="left")
    end = np.where(after < cuts.size, cuts[np.minimum(after, cuts.size - 1)], cuts[-1])
    return start, np.minimum(end, cuts[-1])


def _periods(accounts: pd.DataFrame, cal: BillingCalendar) -> pd.DataFrame:
    """Each account's bill periods: its span split at the month boundaries inside it."""
    start, end = _spans(accounts, cal)
    keep = end > start
    row = np.flatnonzero(keep)
    start, end = start[keep], end[keep]
    months = cal.month_starts
    first = np.searchsorted(months, start, side="right")
    last = np.searchsorted(months, end, side="left")
    count = last - first + 1
    rep = np.repeat(np.arange(row.size), count)
    j = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    inner = first[rep] + j  # index into months of the boundary ending period j
    padded = np.append(months, -1)  # -1: no such month boundary in the run
    p_start = np.where(j == 0, start[rep], padded[np.maximum(inner - 1, 0)])
    p_end = np.where(j == count[rep] - 1, end[rep], padded[np.minimum(inner, months.size)])
    demand_at = np.searchsorted(months, p_end, side="left")
    return pd.DataFrame(
        {
            "account": row[rep],
            "start_us": p_start,
            "end_us": p_end,
            "demand_freeze_us": padded[demand_at],
        }
    )


def _register_names(tariffs: int) -> list[str]:
    return [
        "import_total_wh",
        *(f"import_t{i}_wh" for i in range(1, tariffs + 1)),
        "export_total_wh",
    ]


def _readings(
    meter: NDArray[np.object_], at_us: NDArray[np.int64], daily: pd.DataFrame,
    cal: BillingCalendar,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:  # fmt: skip
    """Registers read for each (meter, cut): the freeze at the cut, else the next one
    received, else the last one before. Returns the registers ``(n, k)`` and the
    freeze time used [us]."""
    names = _register_names(cal.tariffs)
    start_us = int(cal.cuts[0])
    meters = pd.unique(meter)
    avail = pd.concat(
        [
            pd.DataFrame(
                {"meter_id": meters, "t": start_us, **{c: 0 for c in names}}
            ),  # installation reading
            pd.DataFrame(
                {
                    "meter_id": daily["meter_id"].astype(str).to_numpy(dtype=object),
                    "t": daily["freeze_time"].to_numpy(dtype="datetime64[us]").astype(np.int64),
                    **{c: daily[c].to_numpy(dtype=np.int64) for c in names},
                }
            ),
        ],
        ignore_index=True,
    )
    avail = avail[avail["t"] >= start_us].drop_duplicates(["meter_id", "t"])
    avail = avail.sort_values("t", kind="stable", ignore_index=True)
    avail["used_us"] = avail["t"]
    query = pd.DataFrame({"meter_id": meter, "t": np.asarray(at_us, np.int64)})
    query["q"] = np.arange(len(query))
    query = query.sort_values("t", kind="stable", ignore_index=True)
    found = pd.merge_asof(query, avail, on="t", by="meter_id", direction="forward")
    lost = found["used_us"].isna().to_numpy()
    if lost.any():
        back = pd.merge_asof(query[lost], avail, on="t", by="meter_id", direction="backward")
        found.loc[lost, [*names, "used_us"]] = back[[*names, "used_us"]].to_numpy()
    found = found.sort_values("q", ignore_index=True)
    return found[names].to_numpy(dtype=np.int64), found["used_us"].to_numpy(dtype=np.int64)


def _tier_energy_wh(
    bills: pd.DataFrame, plan: TariffPlan, rows: NDArray[np.bool_], cal: BillingCalendar
) -> NDArray[np.float64]:
    """Energy of each of ``plan``'s tiers in each bill of ``rows`` [Wh], ``(n, tiers)``."""
    assert plan.tiers is not None
    sub = bills.loc[rows, ["account", "import_wh", "days", "start_us"]].copy()
    local = cal.local(sub["start_us"].to_numpy())
    if plan.tier_period == "year":
        sub["key"] = local.year
        period_days = np.where(local.is_leap_year, 366.0, 365.0)
    else:
        sub["key"] = local.year * 12 + local.month
        period_days = np.asarray(local.days_in_month, dtype=np.float64)
    group = sub.groupby(["account", "key"], sort=False)
    share = group["days"].transform("sum").to_numpy(np.float64) / period_days
    after = group["import_wh"].cumsum().to_numpy(np.float64)
    before = after - sub["import_wh"].to_numpy(np.float64)
    lows = np.asarray([t.from_kwh for t in plan.tiers]) * 1e3
    highs = np.asarray([np.inf if t.to_kwh is None else t.to_kwh for t in plan.tiers]) * 1e3
    lo = lows[None, :] * share[:, None]
    hi = highs[None, :] * share[:, None]
    return np.clip(after[:, None], lo, hi) - np.clip(before[:, None], lo, hi)


def bill_frame(
    accounts: pd.DataFrame,
    daily: pd.DataFrame,
    monthly: pd.DataFrame,
    plans: dict[str, TariffPlan],
    cal: BillingCalendar,
    *,
    decimals: int,
) -> pd.DataFrame:
    """external/bill: every account's bills.

    Parameters
    ----------
    accounts : pandas.DataFrame
        external/account (:func:`~twin.services.billing.accounts.account_frame`).
    daily : pandas.DataFrame
        internal/meter_register_daily as written (``meter_id``, ``freeze_time``
        and the register columns [Wh]).
    monthly : pandas.DataFrame
        internal/meter_register_monthly as written (``max_demand_w`` [W]).
    plans : dict
        Plan name -> :class:`~twin.scenario.tariff_models.TariffPlan`.
    cal : BillingCalendar
        The run's freezes and tariff registers.
    decimals : int
        The currency's minor unit.

    Returns
    -------
    pandas.DataFrame
        :func:`bill_columns`, by account and period start.
    """
    p = _periods(accounts, cal)
    acc = accounts.iloc[p["account"].to_numpy()].reset_index(drop=True)
    meter = acc["meter_id"].astype(str).to_numpy(dtype=object)
    start_us, end_us = p["start_us"].to_numpy(np.int64), p["end_us"].to_numpy(np.int64)
    r0, used0 = _readings(meter, start_us, daily, cal)
    r1, used1 = _readings(meter, end_us, daily, cal)
    delta = r1 - r0
    n_t = cal.tariffs
    bills = pd.DataFrame(
        {
            "account": p["account"].to_numpy(),
            "start_us": start_us,
            "import_wh": delta[:, 0],
            **{f"import_wh_t{i}": delta[:, i] for i in range(1, n_t + 1)},
            "export_wh": delta[:, n_t + 1],
        }
    )
    wall = cal.local(end_us) - cal.local(start_us)
    bills["days"] = np.asarray(wall / pd.Timedelta(days=1), dtype=np.float64)
    month_start = cal.local(start_us)
    month_days = np.asarray(month_start.days_in_month, dtype=np.float64)

    demand = _max_demand_w(meter, p["demand_freeze_us"].to_numpy(np.int64), monthly)
    demand_known = demand >= 0
    bills["max_demand_w"] = np.maximum(demand, 0)

    energy = np.zeros(len(bills))
    demand_charge = np.zeros(len(bills))
    standing = np.zeros(len(bills))
    export = np.zeros(len(bills))
    needs_demand = np.zeros(len(bills), dtype=bool)
    tariff = acc["tariff"].astype(str).to_numpy(dtype=object)
    for name, plan in plans.items():
        rows = tariff == name
        if not rows.any():
            continue
        if plan.kind == "flat":
            assert plan.price_per_kwh is not None
            energy[rows] = bills.loc[rows, "import_wh"].to_numpy() * plan.price_per_kwh / 1e3
        elif plan.kind == "time_of_use":
            assert plan.register_prices_per_kwh is not None
            prices = np.asarray(plan.register_prices_per_kwh, dtype=np.float64)
            wh = delta[rows][:, 1 : 1 + prices.size]
            energy[rows] = wh @ prices / 1e3
        else:
            assert plan.tiers is not None
            prices = np.asarray([t.price_per_kwh for t in plan.tiers], dtype=np.float64)
            energy[rows] = _tier_energy_wh(bills, plan, rows, cal) @ prices / 1e3
        kw = bills.loc[rows, "max_demand_w"].to_numpy(np.float64) / 1e3
        share = bills.loc[rows, "days"].to_numpy() / month_days[rows]
        demand_charge[rows] = kw * plan.demand_per_kw * share
        needs_demand[rows] = plan.demand_per_kw > 0
        standing[rows] = bills.loc[rows, "days"].to_numpy() * plan.standing_per_day
        export[rows] = bills.loc[rows, "export_wh"].to_numpy() * plan.export_per_kwh / 1e3

    charges = {
        "energy_charge": round_half_up(energy, decimals),
        "demand_charge": round_half_up(demand_charge, decimals),
        "standing_charge": round_half_up(standing, decimals),
        "export_credit": round_half_up(export, decimals),
    }
    total = (
        charges["energy_charge"]
        + charges["demand_charge"]
        + charges["standing_charge"]
        - charges["export_credit"]
    )
    charges["total"] = round_half_up(total, decimals)
    exact = (used0 == start_us) & (used1 == end_us)
    months = cal.month_starts
    from_monthly = exact & np.isin(used0, months) & np.isin(used1, months)
    out = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy(dtype=object),
            "meter_id": meter,
            "tariff": tariff,
            "currency": acc["currency"].astype(str).to_numpy(dtype=object),
            "period_start": pd.to_datetime(start_us.astype("datetime64[us]"), utc=True),
            "period_end": pd.to_datetime(end_us.astype("datetime64[us]"), utc=True),
            "import_wh": bills["import_wh"].to_numpy(np.int64),
            **{
                f"import_wh_t{i}": bills[f"import_wh_t{i}"].to_numpy(np.int64)
                for i in range(1, n_t + 1)
            },
            "export_wh": bills["export_wh"].to_numpy(np.int64),
            "max_demand_w": bills["max_demand_w"].to_numpy(np.int64),
            **charges,
            "computed_from": np.where(from_monthly, MONTHLY, DAILY).astype(object),
            "estimated": ~exact | (needs_demand & ~demand_known),
        }
    )
    return out.sort_values(["account_id", "period_start"], ignore_index=True)


def _max_demand_w(
    meter: NDArray[np.object_], freeze_us: NDArray[np.int64], monthly: pd.DataFrame
) -> NDArray[np.int64]:
    """The meter's maximum demand from the monthly freeze at ``freeze_us`` [W]; -1 where
    that freeze is missing (not received, or no month end in the run)."""
    table = pd.DataFrame(
        {
            "meter_id": monthly["meter_id"].astype(str).to_numpy(dtype=object),
            "t": monthly["freeze_time"].to_numpy(dtype="datetime64[us]").astype(np.int64),
            "w": np.rint(monthly["max_demand_w"].to_numpy(dtype=np.float64, na_value=0.0)),
        }
    ).drop_duplicates(["meter_id", "t"])
    query = pd.DataFrame({"meter_id": meter, "t": freeze_us})
    found = query.merge(table, on=["meter_id", "t"], how="left")
    return np.asarray(found["w"].fillna(-1).to_numpy(), dtype=np.int64)
