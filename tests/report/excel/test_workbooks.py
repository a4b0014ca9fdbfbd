"""Excel export: workbooks read back with openpyxl and pandas give the Parquet tables' totals."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import twin
from tests.conftest import tiny_scenario_dict
from tests.studies.synthetic_run import write_run
from twin.cli import main
from twin.report.excel import export_workbooks
from twin.scenario.loading import validate_scenario_dict

ZONE = "Europe/Berlin"
FAULTY = {
    # three local days over the spring DST change and a month end
    "time.duration": "3d",
    "time.start": "2025-03-30T00:00:00",
    "comms": {"technology": "hplc", "outage_rate_per_year": 12},
    "meters": {
        "tariffs": [{"tariff": 2, "start": "07:00", "end": "22:00", "days": "weekday"}],
        "remote_disconnects": [{"meters": [3, 4], "at": "30h", "duration": "5h"}],
    },
    "faults": [
        {
            "kind": "compromised_management",
            "target": [5, 6],
            "start": "0s",
            "duration": "10d",
            "alter_probability": 0.4,
            "drop_probability": 0.3,
            "replay_probability": 0.3,
        },
        {"kind": "tamper", "target": [11], "start": "1d"},
    ],
}


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = validate_scenario_dict(tiny_scenario_dict(**FAULTY))
    out = tmp_path_factory.mktemp("export") / "run"
    return twin.run(scenario, out=out, progress=False).path


@pytest.fixture(scope="module")
def exported(real_run: Path) -> Path:
    export_workbooks(real_run, "all", progress=False)
    return real_run / "export"


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name)


def _by(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    return frame.groupby(key)[value].sum().sort_index()


def test_energy_per_meter_area_and_transformer_equals_the_tables(
    real_run: Path, exported: Path
) -> None:
    run = twin.open_run(real_run)
    book = exported / "energy.xlsx"
    readings = run.table("internal/meter_interval")
    readings["meter_id"] = readings["meter_id"].astype(str)
    for column, header in (("import_wh", "Import [kWh]"), ("export_wh", "Export [kWh]")):
        truth = _by(readings, "meter_id", column).astype(float) / 1000
        for sheet in ("Meters daily", "Meters monthly"):
            got = _by(_sheet(book, sheet), "Meter", header)
            pd.testing.assert_series_equal(got, truth, check_names=False, atol=1e-9)
    daily = _sheet(book, "Meters daily")
    assert set(daily["Source"]) == {"registers", "intervals"}  # rejected blocks fall back
    assert daily.columns[0] == f"Day [{ZONE}]"
    assert daily.groupby(f"Day [{ZONE}]")["Intervals"].first().tolist() == [92, 96, 96, 4]
    estimated = (readings["quality"] == "estimated").sum()
    assert daily["Estimated intervals"].sum() == estimated > 0
    areas = run.table("internal/area_meter_interval")
    got = _sheet(book, "Areas monthly")["Import into the area [kWh]"].sum()
    assert got == pytest.approx(areas["import_wh"].sum() / 1000, abs=1e-9)
    trafo = run.table("internal/transformer_interval")
    hours = run.clock.interval_s / 3600
    monthly = _sheet(book, "Transformers monthly")
    assert monthly["Import [kWh]"].sum() == pytest.approx(trafo["p_kw"].clip(lower=0).sum() * hours)
    assert monthly["Maximum loading [%]"].max() == pytest.approx(trafo["loading_percent"].max())
    summary = _sheet(book, "Summary")
    assert summary["Customer import [kWh]"].sum() == pytest.approx(
        readings["import_wh"].sum() / 1000
    )


def test_sheets_are_typed_frozen_and_charted(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "energy.xlsx")
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-1] == "Notes"
    assert "Meters annual" not in book.sheetnames  # a 3-day run spans no year
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
    row = [cell for cell in book["Meters daily"][2]]
    assert row[0].is_date and row[0].number_format == "yyyy-mm-dd"
    assert row[5].data_type == "n" and row[5].number_format == "#,##0.000"
    assert book["Meters monthly"]["A2"].number_format == "yyyy-mm"
    assert len(book["Summary"]._charts) == 2
    alarms = openpyxl.load_workbook(exported / "alarms.xlsx")
    assert len(alarms["Summary"]._charts) == 1
    assert alarms["Events"]["C1"].value == f"Event time [{ZONE}]"
    assert alarms["Events"]["C2"].is_date


def test_event_counts_and_list_equal_the_event_log(real_run: Path, exported: Path) -> None:
    events = twin.open_run(real_run).table("internal/meter_event")
    assert len(events) > 0
    book = exported / "alarms.xlsx"
    listed = _sheet(book, "Events")
    assert len(listed) == len(events)
    per_day = _sheet(book, "Events per day")
    assert per_day["Events"].sum() == len(events)
    totals = _sheet(book, "Summary").set_index("Event")["Events"].sort_index()
    expected = events.groupby("event").size().sort_index()
    pd.testing.assert_series_equal(totals, expected, check_names=False, check_dtype=False)
    first = events.sort_values(["event_time", "meter_id", "seq_no"]).iloc[0]
    local = first["event_time"].tz_convert(ZONE).tz_localize(None)
    assert listed[f"Event time [{ZONE}]"].min() == local


def _finance_run(real_run: Path, dest: Path) -> Path:
    """A copy of the run with bills, accounts and prepaid transactions in the agreed schema."""
    shutil.copytree(real_run, dest, ignore=shutil.ignore_patterns("export"))
    points = twin.open_run(dest).table("internal/meter_point")
    rng = np.random.default_rng(3)
    starts = pd.to_datetime(["2025-03-29T23:00Z", "2025-03-31T22:00Z"])
    ends = pd.to_datetime(["2025-03-31T22:00Z", "2025-04-01T23:00Z"])
    rows = []
    for k, point in enumerate(points.itertuples()):
        for start, end in zip(starts, ends, strict=True):
            charges = np.round(rng.uniform(0, 20, 4), 2)
            rows.append(
                {
                    "account_id": f"ACC{point.premise_id[1:]}-1",
                    "meter_id": point.meter_id,
                    "tariff": "flat" if k % 2 else "tou",
                    "currency": "EUR",
                    "period_start": start,
                    "period_end": end,
                    "import_wh": int(rng.integers(0, 20_000)),
                    "import_wh_t1": 0,
                    "export_wh": 0,
                    "max_demand_w": 1000,
                    "energy_charge": charges[0],
                    "demand_charge": charges[1],
                    "standing_charge": charges[2],
                    "export_credit": charges[3],
                    "total": round(charges[0] + charges[1] + charges[2] - charges[3], 2),
                    "computed_from": "internal/meter_register_daily",
                }
            )
    (dest / "external").mkdir(exist_ok=True)
    pd.DataFrame(rows).to_parquet(dest / "external" / "bill.parquet", index=False)
    accounts = pd.DataFrame(
        {
            "account_id": [f"ACC{p[1:]}-1" for p in points["premise_id"]],
            "meter_id": points["meter_id"],
            "customer_kind": points["customer_kind"],
            "currency": "EUR",
        }
    )
    accounts.to_parquet(dest / "external" / "account.parquet", index=False)
    n = 60
    prepaid = pd.DataFrame(
        {
            "transaction_id": np.arange(n),
            "account_id": accounts["account_id"].iloc[np.arange(n) % len(accounts)].to_numpy(),
            "time": pd.Timestamp("2025-03-29T23:30Z") + pd.to_timedelta(np.arange(n) * 3, "h")[:n],
            "kind": np.array(["sale", "sale", "return", "correction", "emergency", "refund"])[
                np.arange(n) % 6
            ],
            "amount": np.round(rng.uniform(1, 50, n), 2),
        }
    )
    prepaid.to_parquet(dest / "external" / "prepaid_transaction.parquet", index=False)
    balances = pd.DataFrame(
        {
            "account_id": np.tile(accounts["account_id"].to_numpy(), 3),
            "date": np.repeat(pd.to_datetime(["2025-03-30", "2025-03-31", "2025-04-01"]).date, 40),
            "balance": np.round(rng.uniform(-20, 80, 3 * len(accounts)), 2),
            "consumed": 1.0,
            "topped_up": 0.0,
        }
    )
    balances.to_parquet(dest / "external" / "credit_balance_daily.parquet", index=False)
    return dest


def test_finance_revenue_and_prepaid_equal_the_tables(real_run: Path, tmp_path: Path) -> None:
    run = _finance_run(real_run, tmp_path / "run")
    result = export_workbooks(run, "finance", progress=False)
    book = result.written["finance"]
    bills = pd.read_parquet(run / "external" / "bill.parquet")
    by_month = _sheet(book, "Revenue by month")
    assert by_month["Total [EUR]"].sum() == pytest.approx(bills["total"].sum())
    assert by_month[f"Month [{ZONE}]"].dt.month.tolist() == [3, 4]
    by_tariff = _sheet(book, "Revenue by tariff")
    assert _by(by_tariff, "Tariff", "Total [EUR]").to_dict() == pytest.approx(
        _by(bills, "tariff", "total").to_dict()
    )
    assert set(by_tariff["Customer kind"]) <= set(
        twin.open_run(run).table("internal/meter_point")["customer_kind"]
    )
    assert len(_sheet(book, "Bills")) == len(bills)
    prepaid = pd.read_parquet(run / "external" / "prepaid_transaction.parquet")
    for sheet in ("Prepaid daily", "Prepaid monthly"):
        frame = _sheet(book, sheet)
        assert frame["Sales [EUR]"].sum() == pytest.approx(
            prepaid.loc[prepaid["kind"] == "sale", "amount"].sum()
        )
        assert frame["Transactions"].sum() == len(prepaid)
        net = prepaid["amount"] * prepaid["kind"].map(
            {"sale": 1, "correction": 1, "return": -1, "refund": -1, "emergency": 0}
        )
        assert frame["Net sales [EUR]"].sum() == pytest.approx(net.sum())
    balances = pd.read_parquet(run / "external" / "credit_balance_daily.parquet")
    arrears = _sheet(book, "Arrears daily")
    assert arrears["Accounts in arrears"].sum() == (balances["balance"] < 0).sum()
    assert arrears["Arrears [EUR]"].sum() == pytest.approx(-balances["balance"].clip(upper=0).sum())
    charts = openpyxl.load_workbook(book)["Revenue by month"]._charts
    assert len(charts) == 1


def test_sheets_split_at_the_row_limit_with_their_headers(real_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(real_run, run, ignore=shutil.ignore_patterns("export"))
    whole = export_workbooks(run, "energy", progress=False).written["energy"]
    reference = _sheet(whole, "Meters daily")
    result = export_workbooks(run, "energy", row_limit=50, progress=False)
    book = result.written["energy"]
    parts = [s for s in result.sheets["energy"] if s.startswith("Meters daily")]
    assert parts[:3] == ["Meters daily", "Meters daily (2)", "Meters daily (3)"]
    assert len(parts) == -(-len(reference) // 49)
    frames = [_sheet(book, s) for s in parts]
    assert all(len(f) == 49 for f in frames[:-1])
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), reference)
    loaded = openpyxl.load_workbook(book, read_only=False)
    for name in parts:
        assert loaded[name].freeze_panes == "A2"
        assert loaded[name]["A2"].number_format == "yyyy-mm-dd"


def test_a_year_long_run_has_annual_sheets(tmp_path: Path) -> None:
    hours = 366 * 24
    ends = pd.date_range("2025-01-06T01:00Z", periods=hours, freq="1h")
    readings = pd.DataFrame(
        {
            "meter_id": np.repeat(["M1", "M2"], hours),
            "interval_end": np.tile(ends, 2),
            "import_wh": np.tile(np.arange(hours) % 7, 2),
            "export_wh": 0,
            "quality": "ok",
        }
    ).sort_values(["interval_end", "meter_id"])
    run = write_run(
        tmp_path / "run", {"internal/meter_interval": readings}, interval_s=3600, n_intervals=hours
    )
    book = export_workbooks(run, "energy", progress=False).written["energy"]
    annual = _sheet(book, "Meters annual")
    assert annual["Year [UTC]"].tolist() == [2025, 2025, 2026, 2026]
    assert annual["Import [kWh]"].sum() == pytest.approx(readings["import_wh"].sum() / 1000)


@pytest.mark.parametrize(
    "args",
    [
        ["--xlsx", "--report", "bogus"],
        ["--xlsx", "--report", "finance"],  # the run has no tariffs
        [],  # no format
    ],
    ids=["unknown-report", "no-tariffs", "no-format"],
)
def test_bad_input_exits_2_and_writes_nothing(
    args: list[str], real_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(real_run, run, ignore=shutil.ignore_patterns("export"))
    code = main(["export", str(run), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("twin export: ")
    assert not (run / "export").exists()


def test_not_a_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "half").mkdir()
    assert main(["export", str(tmp_path / "half"), "--xlsx"]) == 2
    assert "half" in capsys.readouterr().err
    assert not (tmp_path / "half" / "export").exists()


def test_all_skips_finance_and_a_failure_leaves_nothing(
    real_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = tmp_path / "run"
    shutil.copytree(real_run, run, ignore=shutil.ignore_patterns("export"))
    assert main(["export", str(run), "--xlsx", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "finance  skipped: the run has no tariffs" in out
    assert sorted(p.name for p in (run / "export").iterdir()) == ["alarms.xlsx", "energy.xlsx"]
    shutil.rmtree(run / "export")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("twin.report.excel.workbooks._WRITERS", {"energy": boom, "alarms": boom})
    assert main(["export", str(run), "--xlsx", "--report", "energy"]) == 1
    assert not (run / "export").exists()
