"""Where a run's time goes: the stage clock, the profile in the manifest, ``--profile``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import twin
from tests.conftest import tiny_scenario_dict
from twin.engine.stage_clock import StageClock, merge_profiles, profile_lines
from twin.scenario.loading import validate_scenario_dict

ROOT = Path(__file__).resolve().parents[2]


def test_laps_count_the_time_since_the_last_lap_to_their_stage() -> None:
    clock = StageClock()
    time.sleep(0.02)
    clock.mark()  # the sleep before is not counted
    time.sleep(0.01)
    clock.lap("a")
    clock.lap("b")
    time.sleep(0.01)
    clock.lap("a")
    assert clock.seconds["a"] >= 0.02  # both sleeps after the mark, none before
    assert clock.seconds["b"] < clock.seconds["a"]
    profile = clock.profile(2, {"internal/x": 0.5, "internal/y": 0.0})
    assert profile["ms_per_interval"]["a"] == pytest.approx(clock.seconds["a"] / 2 * 1e3, abs=1e-3)
    assert profile["table_write_s"] == {"internal/x": 0.5}  # tables that wrote nothing left out


def test_shard_profiles_add_up_and_print_by_time() -> None:
    a = {"ms_per_interval": {"power flow": 2.0, "devices": 1.0}, "table_write_s": {"t": 1.0}}
    b = {"ms_per_interval": {"power flow": 1.5}, "table_write_s": {"t": 0.5, "u": 0.25}}
    merged = merge_profiles([a, b])
    assert merged == {
        "ms_per_interval": {"power flow": 3.5, "devices": 1.0},
        "table_write_s": {"t": 1.5, "u": 0.25},
    }
    lines = profile_lines(merged)
    assert lines[1].split()[:2] == ["power", "flow"] and "77.8%" in lines[1]
    assert lines[3].split()[:2] == ["all", "stages"]
    assert profile_lines({}) == []


def test_a_run_keeps_its_profile_and_the_cli_prints_it(tmp_path: Path) -> None:
    run = twin.run(
        validate_scenario_dict(tiny_scenario_dict(**{"time.duration": "6h"})),
        out=tmp_path / "run",
        progress=False,
    )
    stages = run.manifest["summary"]["profile"]["ms_per_interval"]
    assert {"devices", "power flow", "metrology", "management cores, comms, head-end"} <= set(
        stages
    )
    assert all(ms >= 0 for ms in stages.values())
    assert run.manifest["timings_s"]["flush"] >= 0
    # the loop's stages fit inside the simulate time
    assert sum(stages.values()) * run.summary.intervals / 1e3 <= run.summary.timings_s["simulate"]
    out = subprocess.run(
        [sys.executable, "-m", "twin", "run", str(ROOT / "scenarios" / "quickstart.yaml"), "--out",
         str(tmp_path / "cli"), "--profile", "--set", "time.duration=2h", "--no-progress"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "profile (wall time per simulated interval)" in out.stdout
    assert "power flow" in out.stdout
