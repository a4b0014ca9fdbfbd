"""internal/meter_power_quality in a run: voltages from the power flow within the meters'
error, currents that give back the metered energy, single-phase meters on L1 only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import twin
from tests.conftest import tiny_scenario_dict
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.meters.power_quality import VOLTAGE_ERROR_LIMIT
from twin.scenario.loading import validate_scenario_dict
from twin.streams.schemas import SCHEMAS

TABLE = "internal/meter_power_quality"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[twin.Run, twin.Run]:
    folder = tmp_path_factory.mktemp("pq")
    short = {"time.start": "2025-06-02T09:00:00", "time.duration": "6h", "pv.share": 0.3}
    on = tiny_scenario_dict(**short, **{"outputs.meter_power_quality": "all"})
    off = tiny_scenario_dict(**short)
    return (
        twin.run(validate_scenario_dict(on), out=folder / "on", progress=False),
        twin.run(validate_scenario_dict(off), out=folder / "off", progress=False),
    )


def _table(run: twin.Run, name: str) -> pd.DataFrame:
    df = run.table(name)
    df["meter_id"] = df["meter_id"].astype(str)
    return df


def test_one_row_per_meter_and_interval_and_none_by_default(
    runs: tuple[twin.Run, twin.Run],
) -> None:
    on, off = runs
    assert TABLE in on.tables and TABLE not in off.tables
    pq = _table(on, TABLE)
    assert len(pq) == len(on.table("internal/meter_point")) * 24
    assert not pq.duplicated(["meter_id", "interval_end"]).any()
    # the rest of the run is untouched by the extra table
    for name in ("internal/meter_interval", "internal/bus_voltage"):
        pd.testing.assert_frame_equal(on.table(name), off.table(name))
    fields = SCHEMAS[TABLE]
    assert fields.field("voltage_l1_v").metadata == {b"obis": b"1-0:32.24.0"}
    assert fields.field("current_l3_a").metadata == {b"obis": b"1-0:71.24.0"}


def test_voltages_are_the_bus_voltage_within_the_meters_error(
    runs: tuple[twin.Run, twin.Run],
) -> None:
    on, _ = runs
    pq = _table(on, TABLE)
    points = _table(on, "internal/meter_point")[["meter_id", "bus_id", "phases"]]
    buses = on.table("internal/bus_voltage")
    both = pq.merge(points, on="meter_id").merge(buses, on=["bus_id", "interval_end"])
    assert len(both) == len(pq)
    for phase in (1, 2, 3):
        rows = both if phase == 1 else both[both["phases"] == 3]
        ratio = rows[f"voltage_l{phase}_v"] / (rows["vm_pu"] * 230.0) - 1.0
        assert ratio.abs().max() <= VOLTAGE_ERROR_LIMIT + 1e-6
        assert ratio.abs().max() > 0.2 * VOLTAGE_ERROR_LIMIT  # the error is there
    three = both[both["phases"] == 3]
    assert (three["voltage_l1_v"] != three["voltage_l2_v"]).any()  # only by meter error


def test_single_phase_meters_have_no_l2_and_l3(runs: tuple[twin.Run, twin.Run]) -> None:
    on, _ = runs
    pq = _table(on, TABLE).merge(_table(on, "internal/meter_point"), on="meter_id")
    single, three = pq[pq["phases"] == 1], pq[pq["phases"] == 3]
    assert len(single) and len(three)
    for column in ("voltage_l2_v", "voltage_l3_v", "current_l2_a", "current_l3_a"):
        assert single[column].isna().all() and three[column].notna().all()
    assert pq[["voltage_l1_v", "current_l1_a", "power_factor"]].notna().all().all()
    assert pq["power_factor"].between(0.5, 1.0).all()


def test_current_times_voltage_times_pf_is_the_metered_power(
    runs: tuple[twin.Run, twin.Run],
) -> None:
    on, _ = runs
    pq = _table(on, TABLE)
    readings = _table(on, "internal/meter_interval")
    both = pq.merge(readings, on=["meter_id", "interval_end"])
    assert len(both) == len(pq) and (both["quality"] == "ok").all()
    per_phase = [
        (both[f"current_l{j}_a"] * both[f"voltage_l{j}_v"]).fillna(0.0) * both["power_factor"]
        for j in (1, 2, 3)
    ]
    wh = sum(per_phase) * 0.25
    # the register rounds to whole Wh; export counts as its magnitude
    assert (wh - (both["import_wh"] + both["export_wh"])).abs().max() <= 1.0 + 1e-3
    assert both["export_wh"].sum() > 0  # the generators and PV homes are in it
    # three-phase meters per phase: the phase registers of internal/meter_phase_interval
    phases = _table(on, "internal/meter_phase_interval")
    joined = both.assign(**{f"w{j}": per_phase[j - 1] * 0.25 for j in (1, 2, 3)}).merge(
        phases, on=["meter_id", "interval_end"]
    )
    importing = joined[joined["export_wh"] == 0]
    assert len(importing) > 0
    for j in (1, 2, 3):
        assert (importing[f"w{j}"] - importing[f"import_l{j}_wh"]).abs().max() <= 1.0 + 1e-3


def test_a_sharded_run_with_mv_meters_writes_the_unsharded_rows(tmp_path: Path) -> None:
    data = {
        "name": "mvpq",
        "seed": 5,
        "time": {"start": "2025-07-07T10:00:00", "timezone": "Europe/Berlin", "duration": "2h"},
        "grid": {"network": "simbench:1-MVLV-rural-all-0-sw", "mv": "fixed"},
        "households": {"count": 300},
        "outputs": {"meter_power_quality": "all", "bus_voltage": "none", "line_loading": "none"},
    }
    scenario = validate_scenario_dict(data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    _, merged = run_and_merge_two_shards(scenario, tmp_path)
    assert_same_tables(whole, merged, [TABLE])
    # the MV meters (outside every LV area, not solved with them) read the held MV voltage
    points = _table(whole, "internal/meter_point")
    mv = points.loc[points["transformer_id"] < 0, "meter_id"]
    pq = _table(whole, TABLE)
    at_mv = pq[pq["meter_id"].isin(mv)]
    assert len(mv) > 0 and len(at_mv) == len(mv) * 8
    nominal = 20e3 / np.sqrt(3.0)
    assert at_mv["voltage_l1_v"].between(0.9 * nominal, 1.1 * nominal).all()
