"""End-to-end metering infrastructure: comms, faults, campaigns, tamper, scoreboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import twin
from tests.conftest import tiny_scenario_dict
from twin.errors import ScenarioError
from twin.scenario.loading import validate_scenario_dict

DAYS = 4
FAULTS: dict[str, Any] = {
    "time.duration": f"{DAYS}d",
    "comms": {"technology": "hplc", "outage_rate_per_year": 12},
    "meters": {
        "tariffs": [{"tariff": 2, "start": "07:00", "end": "22:00", "days": "weekday"}],
        "management": {"app_power_every": "1h"},
        "firmware_campaigns": [
            {"to_version": "2.0", "start": "1d", "waves": 2, "share": 0.5},
            {"to_version": "MC-2", "core": "metrology", "start": "2d", "share": [1, 2]},
        ],
        "remote_disconnects": [{"meters": [3, 4], "at": "30h", "duration": "5h"}],
    },
    "faults": [
        {"kind": "concentrator_outage", "target": 1.0, "start": "1d", "duration": "36h"},
        {
            "kind": "compromised_management",
            "target": [5, 6, 7],
            "start": "0s",
            "duration": "10d",
            "alter_probability": 0.4,
            "drop_probability": 0.3,
            "replay_probability": 0.3,
        },
        {"kind": "management_crash", "target": [8], "start": "12h"},
        {"kind": "management_hang", "target": [9], "start": "2d", "duration": "6h"},
        {"kind": "clock_drift", "target": [10], "start": "0s", "drift_ppm": 3000},
        {"kind": "tamper", "target": [11], "start": "3d"},
        {"kind": "firmware_failure", "target": [12], "start": "2d"},
    ],
}


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    scenario = validate_scenario_dict(tiny_scenario_dict(**FAULTS))
    return twin.run(scenario, out=tmp_path_factory.mktemp("ami") / "run", progress=False)


def test_every_interval_once_and_honest_energy_exact(faulty_run: twin.Run) -> None:
    df = faulty_run.table("internal/meter_interval")
    n_int = DAYS * 96
    assert (df.groupby("meter_id", observed=True).size() == n_int).all()
    assert not df.duplicated(["meter_id", "interval_end"]).any()
    truth = faulty_run.table("truth/meter").set_index("meter_id")
    truth = truth[truth.index.str.startswith("M")]  # customer meters (A...: area check meters)
    valid = df[df["quality"].isin(["ok", "backfilled"])]
    touched = set(df.loc[~df["quality"].isin(["ok", "backfilled"]), "meter_id"])
    honest = [m for m in truth.index if m not in touched]
    assert len(honest) >= 25
    received = valid.groupby("meter_id", observed=True)["import_wh"].sum()
    np.testing.assert_array_equal(received[honest], truth.loc[honest, "final_import_wh"])
    assert (valid["received_at"] >= valid["interval_end"]).all()
    assert set(df["quality"].astype(str)) >= {"ok", "backfilled", "estimated"}
    est = df[df["quality"] == "estimated"]
    assert set(est["meter_id"]) <= {"M000006", "M000007", "M000008"}
    assert est["meter_time"].isna().all() and valid["meter_time"].notna().all()


def test_registers_monotone_and_freezes_match_the_readings(faulty_run: twin.Run) -> None:
    daily = faulty_run.table("internal/meter_register_daily").sort_values(
        ["meter_id", "freeze_time"]
    )
    assert (daily.groupby("meter_id", observed=True)["import_total_wh"].diff().dropna() >= 0).all()
    tariff_sum = daily[["import_t1_wh", "import_t2_wh"]].sum(axis=1)
    assert (tariff_sum == daily["import_total_wh"]).all()
    assert daily["import_t3_wh"].isna().all()
    readings = faulty_run.table("internal/meter_interval")
    honest = readings.groupby("meter_id", observed=True)["quality"].agg(
        lambda q: set(q.astype(str)) <= {"ok", "backfilled"}
    )
    for row in daily[daily["meter_id"].isin(honest[honest].index)].itertuples():
        mine = readings[(readings["meter_id"] == row.meter_id)]
        upto = mine.loc[mine["interval_end"] <= row.freeze_time, "import_wh"].sum()
        assert upto == row.import_total_wh


def test_truth_keeps_true_energy_and_the_measuring_error(faulty_run: twin.Run) -> None:
    truth = faulty_run.table("truth/meter")
    assert set(truth["accuracy_class"]) == {"B"}
    assert truth["error_percent"].abs().max() <= 2.0
    truth = truth[truth["meter_id"].str.startswith("M")]  # the area check meters' truth is
    energy = faulty_run.table("truth/meter_energy_daily")  # truth/area_power_flow
    assert len(energy) == len(faulty_run.table("internal/meter_point")) * DAYS
    true_total = energy.groupby("meter_id", observed=True)["true_import_wh"].sum()
    measured = truth.set_index("meter_id")["final_import_wh"]
    error = truth.set_index("meter_id")["error_percent"] / 100
    expected = true_total.reindex(measured.index) * (1 + error)
    assert (np.abs(measured - expected) < 1.0).all()


def test_firmware_campaigns_events_and_legal_core(faulty_run: twin.Run) -> None:
    fw = faulty_run.table("internal/firmware_update")
    metrology = fw[fw["core"] == "metrology"]
    assert set(metrology["result"]) == {"refused"} and len(metrology) == 2
    mgmt = fw[fw["core"] == "management"]
    assert set(mgmt["result"]) <= {"success", "failed_rolled_back"}
    assert (mgmt["finished_at"] > mgmt["started_at"]).all()
    assert not fw.duplicated(["meter_id", "attempt_id"]).any()
    assert "failed_rolled_back" in set(mgmt.loc[mgmt["meter_id"] == "M000013", "result"])
    truth = faulty_run.table("truth/meter")
    assert set(truth["legal_firmware_id"]) == {"MC-1.00"}  # never changes
    events = faulty_run.table("internal/meter_event")
    names = set(events["event"])
    assert {"firmware_change_refused", "remote_disconnection", "remote_connection"} <= names
    assert {"power_down", "power_up", "meter_cover_opened", "clock_set"} <= names
    assert not events.duplicated(["meter_id", "seq_no"]).any()
    assert set(events["obis"]) <= {f"0-0:99.98.{i}" for i in (0, 1, 2, 4)}
    relay = events[events["event"] == "remote_disconnection"]
    assert set(relay["meter_id"]) == {"M000004", "M000005"}


def test_relay_open_cuts_the_premise_load(faulty_run: twin.Run) -> None:
    df = faulty_run.table("internal/meter_interval")
    start = pd.Timestamp("2025-03-03", tz="Europe/Berlin").tz_convert("UTC")
    window = (df["interval_end"] > start + pd.Timedelta("30h15min")) & (
        df["interval_end"] <= start + pd.Timedelta("35h")
    )
    cut = df[window & df["meter_id"].isin(["M000004", "M000005"])]
    assert len(cut) > 0 and (cut["import_wh"] == 0).all()


def test_scoreboard_and_app_streams(faulty_run: twin.Run) -> None:
    board = faulty_run.manifest["scoreboard"]
    assert board["tampered_records"]["injected"] > 0 and board["tampered_records"]["accepted"] == 0
    # What the head-end detected, as the table it wrote shows it, against what was injected:
    # meters 5, 6 and 7 (M000006-M000008) tamper with every block they forward (their
    # probabilities sum to 1), so every reading of theirs, and no other, is estimated:
    # whole daily blocks (96 readings each) refused by the head-end's verification.
    compromised = board["faults"]["compromised_management"]
    assert compromised["injected"] == compromised["tampering"] == 3
    readings = faulty_run.table("internal/meter_interval")
    flagged = readings.loc[readings["quality"] == "estimated", "meter_id"].astype(str)
    assert set(flagged) == {"M000006", "M000007", "M000008"}
    assert (flagged.value_counts() == DAYS * 96).all()
    assert len(flagged) == 96 * board["blocks"]["rejected"]
    for kind in ("concentrator_outage", "clock_drift", "tamper", "firmware_failure"):
        assert board["faults"][kind]["detected"] == board["faults"][kind]["injected"] > 0
    assert board["faults"]["compromised_management"]["detected"] > 0
    assert board["data"]["backfilled"] > 0
    assert 0 < board["data"]["completeness_percent"] <= 100
    assert sum(board["firmware"].values()) == len(faulty_run.table("internal/firmware_update"))
    lines = "\n".join(faulty_run.summary.lines())
    assert "data completeness" in lines and "tampered records" in lines
    app = faulty_run.table("external/app_power")
    assert len(app) > 0 and app["p_kw"].notna().all()
    daily = faulty_run.table("external/app_daily")
    assert (daily["idle_hours"] <= 24).all() and (daily["energy_wh"] >= 0).all()
    stats = faulty_run.table("internal/comm_stats")
    assert (stats["successes"] <= stats["attempts"]).all()
    assert (stats["backlog"] >= 0).all()


def test_faults_are_validated_with_their_path(tmp_path: Path) -> None:
    bad = tiny_scenario_dict(faults=[{"kind": "meteor", "start": "1d"}])
    with pytest.raises(ScenarioError, match=r"faults\.0"):
        validate_scenario_dict(bad)
    bad = tiny_scenario_dict(
        faults=[{"kind": "compromised_management", "start": "1d", "alter_probability": 2}]
    )
    with pytest.raises(ScenarioError, match="alter_probability"):
        validate_scenario_dict(bad)
