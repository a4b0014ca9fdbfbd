"""The post-run billing stage: external/account and external/bill.

Run after the simulation when the scenario has a ``tariffs`` section. Accounts of
prepaid premises (:mod:`twin.engine.prepaid`) are listed with payment ``prepaid``
and get no bills. The
accounts come from the metered premises and the households' moves; the
bills are computed from the legal frozen registers the run has just
written, read back from its own tables (:mod:`twin.services.billing`). A
shard bills its own meters, whose accounts and bills depend on nothing
else, so a sharded run's merged tables are the unsharded run's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from twin.engine.components import Components
from twin.engine.money_summary import bill_money
from twin.meters.time_switch import tariff_count
from twin.scenario import Scenario
from twin.services.billing.accounts import account_frame, tenancies
from twin.services.billing.bills import DAILY, MONTHLY, BillingCalendar, bill_columns, bill_frame
from twin.streams import RunWriter
from twin.streams.schemas import bill_schema, schema_for

__all__ = ["ACCOUNT", "BILL", "write_bills"]

ACCOUNT = "external/account"
BILL = "external/bill"


def write_bills(scenario: Scenario, parts: Components, writer: RunWriter) -> dict[str, Any]:
    """Write external/account and external/bill of a finished (metering) run.

    Returns
    -------
    dict
        The run summary's money figures (:func:`~twin.engine.money_summary.bill_money`).
    """
    tariffs = scenario.tariffs
    assert tariffs is not None
    axis = parts.axis
    points = writer.read_back("internal/meter_point", ["premise_id", "meter_id", "customer_kind"])
    stays = _stays(parts, len(points), axis.duration_s)
    accounts = account_frame(
        points,
        stays,
        plan_of=tariffs.plan_of(),
        currency=tariffs.currency,
        run_start=axis.start,
        duration_s=axis.duration_s,
        prepaid=_prepaid_premises(parts, len(points)),
    )
    billed = accounts[accounts["payment"] == "postpaid"].reset_index(drop=True)
    n_tariffs = tariff_count(scenario.meters.tariff_windows())
    calendar = BillingCalendar(
        run_start=axis.start,
        freezes=axis.interval_end_utc[axis.ends_at_local_midnight],
        timezone=axis.timezone,
        tariffs=n_tariffs,
    )
    registers = [
        "import_total_wh",
        *(f"import_t{i}_wh" for i in range(1, n_tariffs + 1)),
        "export_total_wh",
    ]
    daily = writer.read_back(DAILY, ["meter_id", "freeze_time", *registers])
    monthly = writer.read_back(MONTHLY, ["meter_id", "freeze_time", "max_demand_w"])
    bills = bill_frame(
        billed, daily, monthly, tariffs.price_plans(), calendar, decimals=tariffs.decimals
    )
    _append(writer, ACCOUNT, accounts, schema_for(ACCOUNT))
    schema = bill_schema(n_tariffs)
    assert schema.names == bill_columns(n_tariffs)
    _append(writer, BILL, bills, schema)
    return bill_money(bills, tariffs.currency, tariffs.decimals)


def _stays(parts: Components, n: int, duration_s: int) -> pd.DataFrame:
    """Tenancies of every local premise: households between their gaps without a
    tenant, everyone else the whole run (households are the first premises)."""
    periods = parts.households.vacancy_periods()
    gaps = periods[periods["kind"] == "between_tenants"]
    return tenancies(
        n,
        gaps["premise"].to_numpy(np.int64),
        gaps["start_s"].to_numpy(np.int64),
        gaps["end_s"].to_numpy(np.int64),
        duration_s,
    )


def _prepaid_premises(parts: Components, n: int) -> np.ndarray | None:
    """bool per local premise: its electricity is prepaid; None without prepaid."""
    if parts.prepaid is None:
        return None
    mask = np.zeros(n, dtype=bool)
    mask[parts.prepaid.meter] = True
    return mask


def _append(writer: RunWriter, name: str, frame: pd.DataFrame, schema: pa.Schema) -> None:
    table = writer.table(name, schema)
    table.append_batch(pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False))
