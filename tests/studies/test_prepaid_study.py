"""The prepaid study on a short prepaid run: every figure against the tables, computed
again independently; a run without prepaid accounts; several utilities; a sweep's
trade-off; the report's prepaid part."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin
from tests.conftest import tiny_scenario_dict
from tests.engine.test_prepaid_run import _data
from twin.cli import main
from twin.report import write_report
from twin.scenario.loading import validate_scenario_dict
from twin.services.prepaid.measures import prepaid_figures
from twin.studies.prepaid import (
    kaplan_meier,
    length_summary,
    load_prepaid_tables,
    prepaid_summary,
    run_prepaid_study,
)
from twin.studies.registry import read_headlines, study_columns
from twin.sweep import SweepSpec
from twin.sweep.runner import _sweep_table, run_one

DAYS = 10


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten winter days, 40 homes, 60 % prepaid, many at risk: disconnections, moves, refunds."""
    data = _data()
    data["time"]["duration"] = f"{DAYS}d"
    # households' prepaid electricity only (the utilities test builds a water split itself)
    for key in ("water", "customers"):
        del data["prepaid"][key]
    del data["water"], data["tariffs"]["water"], data["customers"]["added"]
    out = tmp_path_factory.mktemp("prepaid_study") / "run"
    twin.run(validate_scenario_dict(data), out=out, progress=False)
    run_prepaid_study(out)
    return out


@pytest.fixture(scope="module")
def study(run_dir: Path) -> dict[str, Any]:
    metrics: dict[str, Any] = json.loads((run_dir / "studies/prepaid/metrics.json").read_text())
    return metrics


@pytest.fixture(scope="module")
def premises(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "studies/prepaid/premises.parquet")


def _cents(x: Any) -> np.ndarray:
    return np.round(np.asarray(x, dtype=np.float64) * 100).astype(np.int64)


def test_outputs_are_written(run_dir: Path, study: dict[str, Any]) -> None:
    folder = run_dir / "studies" / "prepaid"
    assert {"metrics.json", "premises.parquet", "money_daily.parquet"} <= {
        p.name for p in folder.iterdir()
    }
    assert study["utilities"] == ["electricity"]
    for figure in study["outputs"]["figures"]:
        assert (folder / figure).stat().st_size > 1000
    assert study["published"]["self_disconnecting_share_year"]["value"] == 0.16
    assert study["published"]["share_over_24h"]["value"] == 0.20


def test_disconnections_per_account_add_up_to_the_tables(
    run_dir: Path, study: dict[str, Any], premises: pd.DataFrame
) -> None:
    run = twin.open_run(run_dir)
    accounts = run.table("external/account")
    prepaid = accounts[accounts["payment"] == "prepaid"]
    cmds = run.table("external/relay_command")
    cut = cmds[(cmds["reason"] == "credit_exhausted") & cmds["executed_at"].notna()]
    spells = run.table("truth/supply_interruption")
    spells = spells[spells["cause"] == "prepaid"]
    assert len(cut) > 3 and len(spells) > 3
    assert set(premises["account_id"]) == set(prepaid["account_id"])
    assert premises["platform_cuts"].sum() == len(cut)
    assert premises["disconnections"].sum() == len(spells)
    per_account = cut.groupby("account_id").size()
    got = premises.set_index("account_id")["platform_cuts"]
    assert (got[per_account.index] == per_account).all()
    end = run.clock.end
    hours = (spells["end"].fillna(end) - spells["start"]).dt.total_seconds().sum() / 3600
    assert premises["hours_off"].sum() == pytest.approx(hours)
    block = study["self_disconnection"]["electricity"]
    assert block["disconnections"] == len(spells) and block["hours_off"] == pytest.approx(hours)
    # the platform sees the relay open from the executed cut to the executed restore
    assert premises["platform_hours_off"].sum() == pytest.approx(hours, rel=0.05)


def test_rates_scale_by_the_days_each_account_was_open(
    study: dict[str, Any], premises: pd.DataFrame
) -> None:
    assert premises["days_open"].between(0, DAYS).all()
    assert (premises["days_open"] < DAYS).any()  # moves closed or opened some mid-run
    open_years = premises["days_open"] / 365.25
    np.testing.assert_allclose(premises["hours_off_per_year"], premises["hours_off"] / open_years)
    block = study["self_disconnection"]["electricity"]
    assert block["customer_years"] == pytest.approx(open_years.sum())
    assert block["hours_off_per_customer_year"] == pytest.approx(
        premises["hours_off"].sum() / open_years.sum()
    )


def test_self_disconnection_and_lengths_are_the_measures_figures(
    run_dir: Path, study: dict[str, Any]
) -> None:
    run = twin.open_run(run_dir)
    spells = run.table("truth/supply_interruption")
    figures = prepaid_figures(
        run.table("external/account"),
        run.table("external/relay_command"),
        spells[spells["cause"] == "prepaid"],
        run_end=run.clock.end,
        days=DAYS,
    )
    cut, length = study["self_disconnection"]["electricity"], study["lengths"]["electricity"]
    assert cut["self_disconnected"] == figures.self_disconnected
    assert cut["share_in_run"] == pytest.approx(figures.share_in_run)
    assert length["share_over_24h"] == pytest.approx(figures.long_share)
    assert length["share_over_24h_of"] == figures.disconnections
    assert 0 <= length["share_over_24h"] <= length["share_over_1h"] <= 1


def test_money_identity_holds_and_money_adds_up(
    run_dir: Path, study: dict[str, Any], premises: pd.DataFrame
) -> None:
    money = study["money"]["electricity"]
    assert money["identity"]["max_abs_residual_minor"] == 0
    assert money["identity"]["accounts_checked"] == len(premises)
    assert (premises["residual_minor"] == 0).all()
    run = twin.open_run(run_dir)
    tx = run.table("external/prepaid_transaction")
    cents = tx.assign(c=_cents(tx["amount"])).groupby("kind")["c"].sum()
    revenue = cents.get("sale", 0) - cents.get("return", 0) + cents.get("correction", 0)
    assert _cents(money["revenue"]) == revenue
    assert _cents(money["refunds"]) == cents.get("refund", 0)
    daily = pd.read_parquet(run_dir / "studies/prepaid/money_daily.parquet")
    assert _cents(daily["revenue"]).sum() == revenue
    balances = run.table("external/credit_balance_daily").sort_values("date")
    assert _cents(daily["consumed"]).sum() == _cents(balances["consumed"]).sum()
    last_day = balances[balances["date"] == balances["date"].max()]
    owed = -last_day["balance"].clip(upper=0).sum()
    assert money["arrears_at_end"] == pytest.approx(owed)
    assert 0 <= money["emergency_outstanding_at_end"] <= money["arrears_at_end"]
    months = money["by_month"]
    assert sum(m["revenue"] for m in months) == pytest.approx(money["revenue"])


def test_who_is_hit_covers_every_account(study: dict[str, Any], premises: pd.DataFrame) -> None:
    who = study["who"]["electricity"]
    for by in ("by_occupancy_kind", "by_consumption_quartile"):
        rows = who[by]
        assert sum(r["accounts"] for r in rows) == premises[by[3:]].notna().sum()
        assert sum(r["disconnections"] for r in rows) <= premises["disconnections"].sum()
    quartiles = premises.drop_duplicates("premise_id")["consumption_quartile"].value_counts()
    assert quartiles.max() - quartiles.min() <= 1  # quartiles of the prepaid premises
    by_persons = who["by_persons"]  # truth/premise gives the residents of each home
    assert sum(r["accounts"] for r in by_persons) == premises["persons"].notna().sum()


def test_headline_metrics_are_sweep_columns(run_dir: Path, study: dict[str, Any]) -> None:
    row = read_headlines(run_dir, ["prepaid"])
    assert list(row) == list(study_columns("prepaid"))
    assert row["prepaid_identity_max_residual_minor"] == 0.0
    assert row["prepaid_self_disconnection_share"] == pytest.approx(
        study["self_disconnection"]["electricity"]["share_in_run"]
    )


def test_kaplan_meier_uses_censored_spells_while_they_last() -> None:
    done = np.ones(5, dtype=bool)
    times, survival = kaplan_meier(np.array([1.0, 2, 3, 4, 5]), done)
    np.testing.assert_allclose(survival, [0.8, 0.6, 0.4, 0.2, 0.0])
    # a spell censored at 2.5 leaves the risk set after 2: 4/5, 3/5, then 3/5 * 1/2
    times, survival = kaplan_meier(np.array([1.0, 2, 2.5, 3, 4]), done & [1, 1, 0, 1, 1])
    np.testing.assert_allclose(times, [1, 2, 3, 4])
    np.testing.assert_allclose(survival, [0.8, 0.6, 0.3, 0.0])
    start = pd.Timestamp("2025-01-01", tz="UTC")
    spells = pd.DataFrame(
        {
            "start": [start] * 3,
            "end": [start + pd.Timedelta("30min"), start + pd.Timedelta("30h"), pd.NaT],
        }
    )
    summary = length_summary(spells, start + pd.Timedelta("10h"))
    # still on after 10 h: counted over 1 h, unknown for 24 h
    assert summary["share_over_1h"] == pytest.approx(2 / 3)
    assert summary["share_over_24h"] == pytest.approx(1 / 2)
    assert summary["still_off_at_end"] == 1


def test_utilities_are_reported_apart_electricity_first(run_dir: Path) -> None:
    """With a ``utility`` column, figures are per utility; a missing one means electricity."""
    tables = load_prepaid_tables(twin.open_run(run_dir))
    water_meters = set(tables.accounts["meter_id"].iloc[::3])

    def mark(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(
            utility=np.where(frame["meter_id"].isin(water_meters), "water", "electricity")
        )

    split = dataclasses.replace(
        tables,
        accounts=mark(tables.accounts),
        transactions=mark(tables.transactions),
        balances=mark(tables.balances),
        commands=mark(tables.commands),
        interruptions=mark(tables.interruptions),
        opening_credit={"electricity": tables.opening_credit["electricity"], "water": None},
    )
    whole = prepaid_summary(tables).metrics
    parts = prepaid_summary(split).metrics
    assert parts["utilities"] == ["electricity", "water"]
    for key in ("disconnections", "platform_cuts", "accounts", "self_disconnected"):
        total = sum(parts["self_disconnection"][u][key] for u in parts["utilities"])
        assert total == whole["self_disconnection"]["electricity"][key]
    revenue = sum(parts["money"][u]["revenue"] for u in parts["utilities"])
    assert revenue == pytest.approx(whole["money"]["electricity"]["revenue"])
    assert parts["money"]["electricity"]["identity"]["max_abs_residual_minor"] == 0
    assert parts["money"]["water"]["identity"]["max_abs_residual_minor"] is None
    assert any("no opening credit" in note for note in parts["notes"])


def test_a_run_without_prepaid_accounts_exits_2(tmp_path: Path) -> None:
    data = tiny_scenario_dict(**{"tariffs.currency": "EUR"})
    out = tmp_path / "postpaid"
    twin.run(validate_scenario_dict(data), out=out, progress=False)
    done = subprocess.run(
        [sys.executable, "-m", "twin", "study", "prepaid", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "no prepaid accounts" in done.stderr and "Traceback" not in done.stderr
    assert not (out / "studies" / "prepaid").exists()


def test_report_shows_the_studys_figures(run_dir: Path, study: dict[str, Any]) -> None:
    page = write_report(run_dir)
    text = unescape(page.read_text())
    cut = study["self_disconnection"]["electricity"]
    assert "Prepaid electricity: self-disconnection and how long it lasts" in text
    assert f"{cut['share_in_run'] * 100:.1f} % ({cut['self_disconnected']} of" in text
    assert "16 % a year (Citizens Advice 2018)" in text
    assert (page.parent / "prepaid_electricity_disconnection_lengths.png").is_file()
    assert f"{study['money']['electricity']['revenue']:,.2f} GBP" in text


@pytest.mark.slow
def test_the_trade_off_over_a_sweep_of_the_prepaid_keys(tmp_path: Path) -> None:
    """Two runs in process (the sweep's own per-run task, no Dask): night null or a list."""
    data = _data()
    data["time"]["duration"] = "5d"
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(data))
    spec = SweepSpec(
        base, {"prepaid.friendly.night": [None, [18, 8]]}, seeds=1, studies=("prepaid",)
    )
    folder = tmp_path / "sweep"
    runs = spec.runs()
    rows = [run_one(spec, run, folder / "runs") for run in runs]
    assert [row["status"] for row in rows] == ["complete", "complete"], rows
    table = _sweep_table(runs, rows)
    table.to_parquet(folder / "sweep.parquet", index=False)
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec.describe()))
    assert main(["study", "prepaid", str(folder)]) == 0
    out = folder / "studies" / "prepaid"
    trade = pd.read_parquet(out / "tradeoff.parquet")
    assert trade["value"].tolist() == ["null", "[18, 8]"]
    assert trade["runs"].tolist() == [1, 1]
    for i, run in enumerate(runs):
        written = folder / "runs" / run.run_id / "studies" / "prepaid" / "metrics.json"
        metrics = json.loads(written.read_text())
        cut = metrics["self_disconnection"]["electricity"]
        assert trade.at[i, "self_disconnection_share_mean"] == pytest.approx(cut["share_in_run"])
        money = metrics["money"]["electricity"]
        assert trade.at[i, "revenue_mean"] == pytest.approx(money["revenue"])
    described = json.loads((out / "metrics.json").read_text())
    assert described["tradeoff"]["table"] == "tradeoff.parquet"
    assert (out / "tradeoff.png").stat().st_size > 1000
    assert (out / "robustness.csv").is_file()
