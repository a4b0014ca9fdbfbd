"""Lighting circuits in a run: energy balance with the power flow, lost commands,
bad input, and a sharded run's lighting tables."""

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
from twin.scenario.loading import validate_scenario_dict

TABLES = [
    "internal/lighting_circuit",
    "internal/lighting_circuit_interval",
    "external/lighting_command",
    "truth/lamp_failure",
]


def _data(**lighting: Any) -> dict[str, Any]:
    return {
        "name": "lit",
        "seed": 5,
        "time": {
            "start": "2025-11-10T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "1d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", "latitude_deg": 52.5},
        "households": {"count": 20},
        "lighting": {
            "longitude_deg": 13.4,
            "streetlights": {
                "lamp": "sodium",
                "dimming": [{"from": "00:00", "to": "05:00", "level": 0.5}],
                "failures": {"burn_out": 5.0, "day_burner": 2.0, "cycling": 3.0},
            },
            **lighting,
        },
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[twin.Run, twin.Run]:
    folder = tmp_path_factory.mktemp("lighting")
    data = _data(commands=[{"at": "12h", "action": "on"}, {"at": "13h", "action": "auto"}])
    lit = twin.run(validate_scenario_dict(data), out=folder / "lit", progress=False)
    dark = {k: v for k, v in data.items() if k != "lighting"}
    plain = twin.run(validate_scenario_dict(dark), out=folder / "plain", progress=False)
    return lit, plain


def test_the_power_flow_load_rows_carry_the_cabinet_meters_power(
    runs: tuple[twin.Run, twin.Run],
) -> None:
    lit, plain = runs
    for name in TABLES:
        assert name in lit.tables and name not in plain.tables
    readings = lit.table("internal/lighting_circuit_interval")
    per_interval = readings.groupby("interval_end")["power_w"].sum() / 1e3
    flows = lit.table("truth/power_flow").set_index("interval_end")["load_p_kw"]
    base = plain.table("truth/power_flow").set_index("interval_end")["load_p_kw"]
    np.testing.assert_allclose((flows - base).to_numpy(), per_interval.to_numpy(), atol=1e-6)
    # energy: the integer registers lose less than one Wh per circuit
    wh = readings.groupby("circuit_id")["energy_wh"].sum()
    exact = readings.groupby("circuit_id")["power_w"].sum() * 0.25
    assert ((exact - wh) >= 0).all() and ((exact - wh) < 1).all()


def test_a_command_switches_on_in_daylight(runs: tuple[twin.Run, twin.Run]) -> None:
    lit, _ = runs
    commands = lit.table("external/lighting_command")
    assert (commands["state"] == "executed").all()
    readings = lit.table("internal/lighting_circuit_interval")
    circuits = lit.table("internal/lighting_circuit").set_index("circuit_id")
    t = pd.Timestamp("2025-11-10T11:45:00Z")  # 12:30-12:45 local: on, full power
    at = readings[readings["interval_end"] == t].set_index("circuit_id")
    full = circuits["lamps"] * circuits["lamp_system_w"]
    failures = lit.table("truth/lamp_failure")
    burn = failures[(failures["kind"] == "burn_out") & (failures["start"] < t)]
    assert (at["power_w"] <= full + 1e-6 + 115.0 * len(failures)).all()
    assert (at["power_w"] >= full - 115.0 * len(burn) - 1e-6).all()


def test_commands_lost_in_comms_never_act(tmp_path: Path) -> None:
    data = _data(commands=[{"at": "12h", "action": "on"}])
    data["lighting"]["streetlights"]["failures"] = {"burn_out": 0, "day_burner": 0, "cycling": 0}
    data["comms"] = {"technology": "hplc", "loss": 0.999, "retries": 0}
    run = twin.run(validate_scenario_dict(data), out=tmp_path / "lost", progress=False)
    commands = run.table("external/lighting_command")
    assert (commands["state"] == "lost").all() and commands["executed_at"].isna().all()
    readings = run.table("internal/lighting_circuit_interval")
    noon = readings[readings["interval_end"].dt.hour.between(10, 13)]
    assert (noon["power_w"] == 0).all() and not noon["on"].any()


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
    ("lighting", "path"),
    [
        ({"circuits": [{"bus": 99999, "lamps": 10}]}, "lighting.circuits.0.bus"),
        ({"reading_interval": "10min"}, "lighting.reading_interval"),
    ],
    ids=["missing-bus", "reading-interval"],
)
def test_bad_lighting_input_exits_2_naming_the_yaml_path(
    tmp_path: Path, lighting: dict[str, Any], path: str
) -> None:
    done = _twin_run(tmp_path, _data(**lighting))
    assert done.returncode == 2, done.stderr
    assert path in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_sharded_run_has_the_same_lighting_tables(
    runs: tuple[twin.Run, twin.Run], tmp_path: Path
) -> None:
    data = _data(commands=[{"at": "12h", "action": "on"}, {"at": "13h", "action": "auto"}])
    shards, merged = run_and_merge_two_shards(validate_scenario_dict(data), tmp_path)
    # the circuits are split between the shards (their tables moved into the merged run)
    assert all(0 < s.manifest["row_counts"]["internal/lighting_circuit"] < 3 for s in shards)
    assert_same_tables(runs[0], merged, TABLES)


def test_the_report_section_saves_energy_and_scores_detection(
    runs: tuple[twin.Run, twin.Run], tmp_path: Path
) -> None:
    from twin.report.lighting_section import detect_lamp_faults, lighting_section

    lit, plain = runs
    assert lighting_section(plain, tmp_path, timezone="Europe/Berlin") is None
    section = lighting_section(lit, tmp_path, timezone="Europe/Berlin")
    assert section is not None
    rows = dict(section.tables[0].rows)
    assert rows["energy saved against it"].endswith("%")
    assert "detection recall (circuit-days)" in rows
    flags = detect_lamp_faults(
        lit.table("internal/lighting_circuit"), lit.table("internal/lighting_circuit_interval")
    )
    truth = lit.table("truth/lamp_failure")
    # a day-burner flagged only on a circuit that has one in truth
    day = set(flags.loc[flags["kind"] == "day_burner", "circuit_id"])
    assert day <= set(truth.loc[truth["kind"] == "day_burner", "circuit_id"])
