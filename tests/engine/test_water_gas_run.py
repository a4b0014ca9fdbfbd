"""Water and gas meters in a run: their tables, ids, qualities, and sharded runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin
from twin.engine import build_site
from twin.engine.sharding import plan_shards

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "water_gas_demo.yaml"
TABLES = ("internal/water_interval", "internal/gas_interval", "truth/water_leak")


def _scenario(tmp_path: Path, changes: dict[str, Any]) -> twin.Scenario:
    data = yaml.safe_load(DEMO.read_text())
    data.update(changes)
    path = tmp_path / "water_gas_demo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return twin.load_scenario(path)


def test_the_demo_writes_water_and_gas_tables(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path, {"time": {**yaml.safe_load(DEMO.read_text())["time"], "duration": "1d"}}
    )
    run = twin.run(scenario, out=tmp_path / "run", progress=False)
    for table in TABLES:
        assert table in run.tables
    water = run.table("internal/water_interval")
    gas = run.table("internal/gas_interval")
    meters = run.table("internal/meter_interval")
    # hourly readings of every meter, stamped at the hour
    assert len(water) == water["meter_id"].nunique() * 24
    assert (water["interval_end"].dt.minute == 0).all()
    assert set(water["quality"].astype(str)) <= {"ok", "backfilled", "missing"}
    assert water["meter_id"].astype(str).str.fullmatch(r"W\d{6}").all()
    assert gas["meter_id"].astype(str).str.fullmatch(r"G\d{6}").all()
    assert (water["meter_id"].astype(str).str[1:] == water["premise_id"].astype(str).str[1:]).all()
    # kept out of the electricity tables
    assert not meters["meter_id"].astype(str).str.match(r"[WG]").any()
    ok = water["quality"].astype(str) != "missing"
    assert water.loc[ok, "volume_l"].notna().all() and (water.loc[ok, "volume_l"] >= 0).all()
    assert water.loc[~ok, "volume_l"].isna().all()
    assert (gas["volume_m3"].dropna() >= 0).all()
    assert np.allclose(gas["volume_m3"].dropna() * 1000, np.round(gas["volume_m3"].dropna() * 1000))


def test_without_the_sections_there_are_no_such_tables(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text())
    data.pop("water")
    data.pop("gas")
    data["time"]["duration"] = "2h"
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    run = twin.run(twin.load_scenario(path), out=tmp_path / "run", progress=False)
    assert not set(TABLES) & set(run.tables)


@pytest.mark.slow
def test_sharded_runs_give_the_unsharded_tables(tmp_path: Path) -> None:
    time = {**yaml.safe_load(DEMO.read_text())["time"], "duration": "1d"}
    scenario = _scenario(tmp_path, {"time": time, "grid": {"network": "cigre_lv", "mv": "fixed"}})
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    plans = plan_shards(scenario, 2, build_site(scenario))
    parts = [
        twin.run(scenario, out=tmp_path / f"shard{p.index}", progress=False, shard=p) for p in plans
    ]
    for table in TABLES:
        expected = _canonical(whole.table(table))
        got = _canonical(pd.concat([p.table(table) for p in parts], ignore_index=True))
        pd.testing.assert_frame_equal(got, expected)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    keys = [c for c in ("meter_id", "interval_end", "start") if c in frame.columns]
    return frame.sort_values(keys).reset_index(drop=True)
