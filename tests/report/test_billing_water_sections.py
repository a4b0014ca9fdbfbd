"""The report's billing and water and gas sections on short runs of the shipped demos."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from tests.report.test_report import _check_page
from tests.studies.synthetic_run import interval_ends, write_run
from twin.report import write_report
from twin.report.billing_section import billing_by_month, estimate_reasons, prepaid_subsection
from twin.report.water_gas_section import (
    NIGHT_HOURS,
    leak_truth,
    night_flow_suspects,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def tariffs_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five days across the February-March boundary: two bills per account."""
    scenario = twin.load_scenario(
        SCENARIOS / "tariffs_demo.yaml", ["time.duration=5d", "households.count=20"]
    )
    out = tmp_path_factory.mktemp("tariffs") / "run"
    twin.run(scenario, out=out, progress=False)
    return out


@pytest.fixture(scope="module")
def water_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = twin.load_scenario(SCENARIOS / "water_gas_demo.yaml", ["time.duration=3d"])
    out = tmp_path_factory.mktemp("water") / "run"
    twin.run(scenario, out=out, progress=False)
    return out


def _section_text(text: str, anchor: str) -> str:
    start = text.index(f'id="{anchor}"')
    end = text.find("<section", start)
    return unescape(text[start : end if end > 0 else len(text)])


def test_billing_section_of_the_tariffs_demo(tariffs_run: Path) -> None:
    text, page = _check_page(write_report(tariffs_run))
    assert "billing" in page.ids and "water-gas" not in page.ids
    assert {"billing_by_month.png", "household_bills.png"} <= set(page.images)
    section = _section_text(text, "billing")
    run = twin.open_run(tariffs_run)
    bills = run.table("external/bill")
    accounts = run.table("external/account")
    # the revenue figure's totals are the bill table's, to the minor unit
    monthly = billing_by_month(bills, run.clock.timezone)
    assert round(float(monthly["revenue"].sum()), 2) == round(float(bills["total"].sum()), 2)
    assert monthly["import_kwh"].sum() * 1e3 == pytest.approx(float(bills["import_wh"].sum()))
    assert set(monthly["month"]) == {"2025-02", "2025-03"}
    assert f"total revenue {bills['total'].sum():,.2f} CNY" in section
    assert f"{len(bills):,} bills" in section
    # accounts by payment kind and tariff, revenue by tariff and customer kind
    for tariff, kind in (("ladder", "household"), ("business", "commercial")):
        assert tariff in section and kind in section
        rows = bills.merge(accounts[["account_id", "customer_kind"]], on="account_id")
        rows = rows[(rows["tariff"] == tariff) & (rows["customer_kind"] == kind)]
        assert f"{rows['total'].sum():,.2f} CNY" in section
    estimated = int(bills["estimated"].sum())
    share = f"{estimated / len(bills) * 100:.1f} %"
    assert f"estimated bills{estimated:,} of {len(bills):,} ({share})" in re.sub(
        r"<[^>]+>", "", section
    )
    assert "median and 90th percentile" in section


def test_estimated_bills_name_the_missing_freeze(tariffs_run: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(tariffs_run, tmp_path / "run"))
    run = twin.open_run(copy)
    bills = run.table("external/bill")
    accounts = run.table("external/account").set_index("account_id")
    kinds = bills["account_id"].map(accounts["customer_kind"])
    # the factory's demand charge waits for the monthly freeze after the run's end
    factory = bills.index[(kinds == "factory") & bills["estimated"]]
    assert len(factory) and (estimate_reasons(run, bills)[factory] == "monthly").all()
    # drop a household's freeze at its month boundary: both bills that cut there lack it
    home = bills[kinds == "household"].iloc[0]
    path = copy / "internal" / "meter_register_daily.parquet"
    freezes = pq.read_table(path)
    gone = pc.and_(
        pc.equal(pc.cast(freezes["meter_id"], "string"), home["meter_id"]),
        pc.equal(freezes["freeze_time"], home["period_end"]),
    )
    assert pc.sum(gone).as_py() == 1
    pq.write_table(freezes.filter(pc.invert(gone)), path)
    cut = bills["meter_id"] == home["meter_id"]
    before = bills.index[cut & (bills["period_end"] == home["period_end"])]
    after = bills.index[cut & (bills["period_start"] == home["period_end"])]
    bills.loc[before.union(after), "estimated"] = True
    reasons = estimate_reasons(twin.open_run(copy), bills)
    assert list(reasons[before]) == ["end"] and list(reasons[after]) == ["start"]
    assert (reasons[factory] == "monthly").all()


def test_water_gas_section_of_the_demo(water_run: Path) -> None:
    text, page = _check_page(write_report(water_run))
    assert "water-gas" in page.ids and "billing" not in page.ids
    assert "water_gas_profile.png" in page.images
    section = _section_text(text, "water-gas")
    assert "metered homes" in section and "per home and day" in section
    assert "120-150 l" in section  # the published range, per home when persons are unknown
    for quality in ("ok", "backfilled", "missing"):
        assert f"<th>{quality}</th>" in section
    assert "Leak suspects" in section
    assert "precision / recall of the night-flow rule" in section
    assert "not a study" in section
    leaks = twin.open_run(water_run).table("truth/water_leak")
    truth_row = re.sub(r"<[^>]+>", "", section)
    assert f"meters with a leak during the run (truth){leaks['meter_id'].nunique():,}" in truth_row
    water = twin.open_run(water_run).table("internal/water_interval")
    assert f"{len(water):,}" in section  # readings in the quality table


def test_sections_are_absent_without_their_tables(tmp_path: Path) -> None:
    trafo = pd.DataFrame(
        {
            "transformer_id": 0,
            "interval_end": interval_ends(8),
            "p_kw": 1.0,
            "q_kvar": 0.0,
            "loading_percent": np.arange(8.0),
        }
    )
    run = write_run(tmp_path / "run", {"internal/transformer_interval": trafo}, n_intervals=8)
    text, page = _check_page(write_report(run))
    assert "billing" not in page.ids and "water-gas" not in page.ids
    assert "billing_by_month.png" not in text and "water_gas_profile.png" not in text


def _nights(volumes: dict[str, list[float]], dates: list[str]) -> pd.DataFrame:
    """Night readings: per meter, one hourly volume per night hour of each date."""
    hours = list(range(*NIGHT_HOURS))
    rows = []
    for meter, per_night in volumes.items():
        for date, volume in zip(dates, per_night, strict=True):
            for hour in hours:
                rows.append((meter, pd.Timestamp(date).date(), hour, volume, np.isnan(volume)))
    return pd.DataFrame(rows, columns=["meter_id", "night", "hour", "volume", "missing"])


def test_night_flow_rule_and_its_truth() -> None:
    dates = ["2025-02-03", "2025-02-04", "2025-02-05"]
    night = _nights(
        {
            "W1": [2.0, 3.0, 0.0],  # flow on two of three nights: a suspect
            "W2": [0.0, 1.0, 0.0],  # one of three: not
            "W3": [5.0, np.nan, np.nan],  # one complete night only, with flow: a suspect
        },
        dates,
    )
    meters = night_flow_suspects(night).set_index("meter_id")
    assert meters["nights"].to_dict() == {"W1": 3, "W2": 3, "W3": 1}
    assert meters["suspect"].to_dict() == {"W1": True, "W2": False, "W3": True}
    leaks = pd.DataFrame(
        {
            "meter_id": ["W1", "W2"],
            "start": pd.to_datetime(["2025-02-01 00:00", "2025-02-05 02:30"], utc=True),
            "end": pd.to_datetime(["2025-03-01 00:00", "2025-02-09 00:00"], utc=True),
        }
    )
    truth = leak_truth(leaks, night, "Europe/Berlin")
    assert truth.to_dict() == {"W1": True, "W2": False, "W3": False}


def test_no_prepaid_part_without_prepaid_accounts(tmp_path: Path) -> None:
    """Postpaid accounts only (or none): the prepaid part adds nothing and reads no table;
    a prepaid run's part is checked against the study in tests/studies/test_prepaid_study.py."""
    run = twin.RunDirectory(tmp_path)  # no manifest, no tables: nothing may be read
    accounts = pd.DataFrame({"payment": ["postpaid", "postpaid"]})
    assert prepaid_subsection(run, tmp_path, accounts) == ([], [], [])
    assert prepaid_subsection(run, tmp_path, accounts.iloc[:0]) == ([], [], [])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 400),  # days after the start
            st.sampled_from(["flat", "ladder"]),
            st.integers(0, 10**7),  # import [Wh]
            st.integers(-(10**6), 10**7),  # total [cents]
        ),
        min_size=1,
        max_size=40,
    )
)
def test_monthly_totals_are_the_bills(rows: list[tuple[int, str, int, int]]) -> None:
    start = pd.Timestamp("2025-01-01", tz="Asia/Shanghai").tz_convert("UTC")
    bills = pd.DataFrame(
        {
            "period_start": [start + pd.Timedelta(days=d) for d, *_ in rows],
            "tariff": [t for _, t, _, _ in rows],
            "import_wh": np.array([w for *_, w, _ in rows], dtype=np.int64),
            "total": [c / 100 for *_, c in rows],
        }
    )
    monthly = billing_by_month(bills, "Asia/Shanghai")
    assert monthly["bills"].sum() == len(bills)
    assert round(monthly["revenue"].sum(), 2) == round(bills["total"].sum(), 2)
    assert monthly["import_kwh"].sum() * 1e3 == pytest.approx(bills["import_wh"].sum())
    assert monthly["month"].min() >= "2025-01"
