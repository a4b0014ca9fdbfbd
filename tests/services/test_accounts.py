"""Accounts: one per tenancy of a household, one for the whole run otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.services.billing.accounts import ACCOUNT_COLUMNS, account_frame, tenancies

DAY = 86_400


def test_tenancies_are_the_stretches_between_gaps() -> None:
    # premise 0: no gap; 1: a gap from day 2 to day 5; 2: empty at the start until day 1,
    # then a gap from day 6 to the end; 3: empty all run (no tenancy)
    stays = tenancies(
        4,
        np.asarray([1, 2, 2, 3]),
        np.asarray([2, 0, 6, 0]) * DAY,
        np.asarray([5, 1, 10, 10]) * DAY,
        10 * DAY,
    )
    got = [tuple(int(x) for x in r) for r in stays.itertuples(index=False)]
    assert got == [
        (0, 0, 10 * DAY, 1),
        (1, 0, 2 * DAY, 1),
        (1, 5 * DAY, 10 * DAY, 2),
        (2, 1 * DAY, 6 * DAY, 1),
    ]


def test_account_frame_names_and_dates() -> None:
    premises = pd.DataFrame(
        {
            "premise_id": ["P000001", "P000002", "P000003"],
            "meter_id": ["M000001", "M000002", "M000003"],
            "customer_kind": ["household", "household", "generation"],
        }
    )
    stays = tenancies(3, np.asarray([1]), np.asarray([2 * DAY]), np.asarray([5 * DAY]), 10 * DAY)
    start = pd.Timestamp("2025-03-01", tz="Europe/Berlin")
    a = account_frame(
        premises,
        stays,
        plan_of={"household": "home", "generation": "feed"},
        currency="EUR",
        run_start=start,
        duration_s=10 * DAY,
    )
    assert tuple(a.columns) == ACCOUNT_COLUMNS
    assert list(a["account_id"]) == ["ACC000001-1", "ACC000002-1", "ACC000002-2", "ACC000003-1"]
    assert list(a["tariff"]) == ["home", "home", "home", "feed"]
    assert list(a["opened_by"]) == ["run_start", "run_start", "move_in", "run_start"]
    assert list(a["closed_by"]) == ["", "move_out", "", ""]
    assert a["closed_at"][1] == start + pd.Timedelta(days=2)
    assert a["opened_at"][2] == start + pd.Timedelta(days=5)
    assert a["closed_at"].isna().tolist() == [True, False, True, True]
    assert (a["payment"] == "postpaid").all()
