"""Electrical safety in a run: alarms traced to hazards and failures, work orders that
end hazards, a sharded run's safety tables, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.report.safety_section import safety_section
from twin.scenario.loading import validate_scenario_dict
from twin.studies.safety.study import safety_figures

TABLES = [
    "internal/safety_sensor",
    "internal/safety_reading",
    "truth/safety_hazard",
    "truth/safety_failure",
    "external/work_order",
    "external/safety_alarm",
    "truth/alarm_cause",
]


def _data(**safety: Any) -> dict[str, Any]:
    return {
        "name": "safe",
        "seed": 3,
        "time": {
            "start": "2025-07-01T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "3d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", "latitude_deg": 52.5},
        "households": {"count": 60},
        "comms": {"technology": "hplc"},
        "safety": {
            "premises": {"commercial": 1.0, "apartment_buildings": 1.0, "households": 0.5},
            "hazards": {
                "insulation_ageing": 20,
                "insulation_damage": 10,
                "overload": 10,
                "arcing": 10,
                "undersized_share": 0.1,
            },
            # as many crews as LV areas: each crew's patch lies in one shard
            "operations": {"crews": 3, "jobs_per_crew_day": 3},
            **safety,
        },
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    folder = tmp_path_factory.mktemp("safety")
    return twin.run(validate_scenario_dict(_data()), out=folder / "safe", progress=False)


def _alarms(run: twin.Run) -> pd.DataFrame:
    return run.table("external/safety_alarm").merge(run.table("truth/alarm_cause"), on="alarm_id")


def test_the_tables_are_written_with_their_keys(run: twin.Run) -> None:
    for name in TABLES:
        assert name in run.tables, name
    sensors = run.table("internal/safety_sensor")
    assert sensors["sensor_id"].is_unique
    assert set(sensors["kind"]) == {"residual_current", "cable_temperature", "arc_fault"}
    assert sensors.loc[sensors["building_id"].notna(), "meter_id"].isna().all()
    readings = run.table("internal/safety_reading")
    assert (readings["received_at"] > readings["reading_end"]).all()
    assert set(readings["sensor_id"].astype(str)) <= set(sensors["sensor_id"])
    assert run.table("truth/safety_hazard")["hazard_id"].is_unique


def test_every_alarm_is_acknowledged_cleared_or_open_in_order(run: twin.Run) -> None:
    alarms = _alarms(run)
    assert len(alarms) > 5
    assert alarms["acknowledged_time"].notna().all()  # major or above: a work order each
    assert (alarms["acknowledged_time"] >= alarms["raised_time"]).all()
    cleared = alarms["cleared_time"].notna()
    assert (alarms.loc[cleared, "cleared_time"] > alarms.loc[cleared, "raised_time"]).all()
    # one open alarm per sensor at most
    assert not alarms.loc[~cleared, "device_id"].duplicated().any()


def test_hazard_alarms_name_a_hazard_on_that_sensor_after_its_onset(run: twin.Run) -> None:
    alarms = _alarms(run)
    hazards = run.table("truth/safety_hazard").set_index("hazard_id")
    caused = alarms[alarms["cause"] == "hazard"]
    assert len(caused) > 0 and set(alarms["cause"]) <= {"hazard", "condition", "false"}
    assert caused["cause_id"].isin(hazards.index).all()
    h = hazards.loc[caused["cause_id"]]
    assert (h["sensor_id"].to_numpy() == caused["device_id"].to_numpy()).all()
    assert (caused["raised_time"].to_numpy() > h["onset"].to_numpy()).all()
    assert alarms.loc[alarms["cause"] != "hazard", "cause_id"].isna().all()


def test_failures_are_traceable_from_alarms_through_hazards(run: twin.Run) -> None:
    hazards = run.table("truth/safety_hazard").set_index("hazard_id")
    failures = run.table("truth/safety_failure")
    assert len(failures) > 0 and failures["failure_id"].is_unique
    h = hazards.loc[failures["hazard_id"]]
    assert (h["failure_id"].to_numpy() == failures["failure_id"].to_numpy()).all()
    assert (h["end_reason"] == "failure").all()
    assert (h["end"].to_numpy() == failures["time"].to_numpy()).all()
    assert (h["would_fail_at"].to_numpy() == failures["time"].to_numpy()).all()
    assert set(failures["kind"]) <= {"fire", "protective_trip"}
    alarms = _alarms(run)
    chain = alarms.merge(failures, left_on="cause_id", right_on="hazard_id")
    assert len(chain) > 0, "no failure was alarmed first"
    assert (chain["raised_time"] <= chain["time"]).all()
    # a repaired hazard never failed; one prevented in time would have failed later
    repaired = hazards[hazards["end_reason"] == "repaired"]
    assert len(repaired) > 0 and repaired["failure_id"].isna().all()
    later = repaired["would_fail_at"].notna()
    assert (repaired.loc[later, "would_fail_at"] > repaired.loc[later, "end"]).all()


def test_work_orders_follow_their_alarms_and_end_hazards(run: twin.Run) -> None:
    orders = run.table("external/work_order")
    alarms = _alarms(run).set_index("alarm_id")
    hazards = run.table("truth/safety_hazard")
    assert len(orders) > 0 and orders["work_order_id"].is_unique
    assert orders["alarm_id"].isin(alarms.index).all()
    first = alarms.loc[orders["alarm_id"]]
    assert (first["work_order_id"].to_numpy() == orders["work_order_id"].to_numpy()).all()
    assert (orders["created_at"].to_numpy() == first["raised_time"].to_numpy()).all()
    done = orders[orders["state"] == "completed"]
    assert (done["created_at"] <= done["dispatched_at"]).all()
    assert (done["dispatched_at"] < done["arrived_at"]).all()
    assert (done["arrived_at"] < done["completed_at"]).all()
    assert orders.loc[orders["state"] != "completed", "outcome"].isna().all()
    assert set(done["outcome"]) <= {"repaired", "no_fault_found", "too_late"}
    local = done["dispatched_at"].dt.tz_convert("Europe/Berlin").dt.hour
    assert local.between(8, 16).all()
    assert (
        orders.groupby(
            [orders["crew"], orders["dispatched_at"].dt.tz_convert("Europe/Berlin").dt.date]
        )
        .size()
        .max()
        <= 3
    )
    for _, o in done[done["outcome"] == "repaired"].iterrows():
        mine = hazards[(hazards["premise_id"] == o["premise_id"])]
        assert ((mine["end_reason"] == "repaired") & (mine["end"] == o["completed_at"])).any()
    for _, o in done[done["outcome"] == "too_late"].iterrows():
        mine = hazards[(hazards["premise_id"] == o["premise_id"])]
        assert ((mine["end_reason"] == "failure") & (mine["end"] <= o["arrived_at"])).any() or (
            (mine["end_reason"] == "failure") & (mine["end"] <= o["completed_at"])
        ).any()


def test_a_sharded_run_has_the_same_safety_tables(run: twin.Run, tmp_path: Path) -> None:
    shards, merged = run_and_merge_two_shards(validate_scenario_dict(_data()), tmp_path)
    counts = [s.manifest["row_counts"].get("internal/safety_sensor", 0) for s in shards]
    assert all(c > 0 for c in counts)
    assert_same_tables(run, merged, [*TABLES, "external/alarm"])


def _twin_run(tmp_path: Path, data: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return subprocess.run(
        [sys.executable, "-m", "twin", "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


@pytest.mark.parametrize(
    ("safety", "path"),
    [
        (
            {"sensors": {"residual_current": {"reporting_interval": "10min"}}},
            "safety.sensors.residual_current.reporting_interval",
        ),
        (
            {"sensors": {"residual_current": {"threshold_ma": 30}}},
            "safety.sensors.residual_current.threshold_ma",
        ),
        ({"premises": {"commercial": 1.5}}, "safety.premises.commercial"),
        (
            {"sensors": {"cable_temperature": {"delay": "20min"}}},
            "safety.sensors.cable_temperature",
        ),
    ],
    ids=["reporting-interval", "threshold-below-leakage", "share", "delay"],
)
def test_bad_safety_input_exits_2_naming_the_yaml_path(
    tmp_path: Path, safety: dict[str, Any], path: str
) -> None:
    done = _twin_run(tmp_path, _data(**safety))
    assert done.returncode == 2, done.stderr
    assert path in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_readings_are_the_premises_truth_plus_noise(run: twin.Run) -> None:
    readings = run.table("internal/safety_reading")
    sensors = run.table("internal/safety_sensor").set_index("sensor_id")
    kind = sensors.loc[readings["sensor_id"].astype(str), "kind"].to_numpy()
    temp = readings.loc[kind == "cable_temperature", "value"].to_numpy()
    assert np.nanmin(temp) > 5 and np.median(temp) < 70
    rc = readings.loc[kind == "residual_current", "value"].to_numpy()
    assert (rc >= 0).all() and np.median(rc) < 300


def test_readings_through_the_meters_wait_for_the_concentrator_a_gateway_does_not(
    tmp_path: Path,
) -> None:
    data = _data()
    data["time"]["duration"] = "1d"
    data["faults"] = [
        {"kind": "concentrator_outage", "target": [1], "start": "6h", "duration": "6h"}
    ]
    core = twin.run(validate_scenario_dict(data), out=tmp_path / "core", progress=False)
    data["safety"]["path"] = "iot_gateway"
    gateway = twin.run(validate_scenario_dict(data), out=tmp_path / "gw", progress=False)
    n_core = len(core.table("internal/safety_reading"))
    n_gateway = len(gateway.table("internal/safety_reading"))
    sensors = core.table("internal/safety_sensor")
    expected = len(sensors) * 96
    assert n_core < n_gateway <= expected  # the outage loses the meters' reports
    assert set(gateway.table("internal/safety_sensor")["path"]) == {"iot_gateway"}
    latency = (
        gateway.table("internal/safety_reading")["received_at"]
        - gateway.table("internal/safety_reading")["reading_end"]
    ).dt.total_seconds()
    assert latency.median() < 10 and (latency > 0).all()


def test_the_shipped_safety_town_runs_briefly(tmp_path: Path) -> None:
    from twin.scenario import load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / "safety_town.yaml"
    scenario = load_scenario(path, ["time.duration=2d"])
    assert scenario.safety is not None and scenario.time.duration_s == 2 * 86_400
    run = twin.run(scenario, out=tmp_path / "town", progress=False)
    sensors = run.table("internal/safety_sensor")
    assert sensors["building_id"].notna().any() and sensors["meter_id"].notna().any()
    for name in TABLES[:3]:
        assert name in run.tables


def test_the_report_section_gives_the_study_figures(run: twin.Run, tmp_path: Path) -> None:
    section = safety_section(run, tmp_path)
    assert section is not None and section.anchor == "safety"
    rows = {row[0]: row[1] for row in section.tables[0].rows}
    figures = safety_figures(run.path)
    assert rows["failures (fires and protective trips)"] == f"{figures['failures']:,.0f}"
    assert rows["work orders"] == f"{figures['work_orders']:,.0f}"
    assert all((tmp_path / f.file).is_file() for f in section.figures)
