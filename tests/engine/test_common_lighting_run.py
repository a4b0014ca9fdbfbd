"""Common-area lighting of apartment buildings in a run: where the circuits hang, timer and
motion control, the power flow's load, bad input, and a sharded run's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import twin
from tests.engine.test_lighting_run import _twin_run
from tests.sweep.test_shards import assert_same_tables, run_and_merge_two_shards
from twin.engine import build_site
from twin.engine.buildings import apartment_buildings
from twin.scenario.loading import validate_scenario_dict

TABLES = [
    "internal/lighting_circuit",
    "internal/lighting_circuit_interval",
    "external/lighting_command",
    "truth/lamp_failure",
    "internal/meter_power_quality",
]
NO_FAILURES = {"burn_out": 0, "day_burner": 0, "cycling": 0}


def _data(common: dict[str, Any] | None, **outputs: Any) -> dict[str, Any]:
    """90 households on the CIGRE LV grid: six apartment buildings on three transformers."""
    lighting: dict[str, Any] = {
        "longitude_deg": 13.4,
        "streetlights": {"failures": NO_FAILURES},
    }
    if common is not None:
        lighting["common_areas"] = {"failures": NO_FAILURES, **common}
    return {
        "name": "stairs",
        "seed": 3,
        "time": {
            "start": "2025-11-10T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "1d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", "latitude_deg": 52.5},
        "households": {"count": 90},
        "lighting": lighting,
        "outputs": {"bus_voltage": "none", **outputs},
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, twin.Run]:
    folder = tmp_path_factory.mktemp("common")
    cases = {
        "timer": _data({"control": "timer"}),
        "motion": _data({"control": "motion", "standby_level": 0.2}, meter_power_quality="all"),
        "plain": _data(None),
    }
    return {
        name: twin.run(validate_scenario_dict(data), out=folder / name, progress=False)
        for name, data in cases.items()
    }


def _common(run: twin.Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    circuits = run.table("internal/lighting_circuit")
    common = circuits[circuits["purpose"] == "common_area"].set_index("circuit_id")
    readings = run.table("internal/lighting_circuit_interval")
    readings = readings[readings["circuit_id"].isin(common.index)]
    return common, readings


def test_one_circuit_on_each_apartment_buildings_bus(runs: dict[str, twin.Run]) -> None:
    site = build_site(validate_scenario_dict(_data({"control": "timer"})))
    buildings = apartment_buildings(site.points)
    assert buildings.n == 6
    common, _ = _common(runs["timer"])
    bus_id = site.grid.bus_id[buildings.bus]
    assert sorted(common["bus_id"]) == sorted(bus_id.tolist())
    assert sorted(common["building_id"]) == sorted(f"B{b}" for b in bus_id)
    lamps = dict(zip(bus_id.tolist(), buildings.dwellings.tolist(), strict=True))
    assert all(common["lamps"] == common["bus_id"].map(lamps))  # one luminaire per dwelling
    assert (common["lamp"] == "led").all() and (common["lamp_system_w"] == 12.0).all()
    circuits = runs["timer"].table("internal/lighting_circuit")
    street = circuits[circuits["purpose"] == "street"]
    assert street["building_id"].isna().all() and len(street) > 0
    # the streetlights keep their numbers; the common areas follow them
    assert list(circuits["circuit_id"]) == [f"C{i:06d}" for i in range(1, len(circuits) + 1)]
    assert set(runs["plain"].table("internal/lighting_circuit")["purpose"]) == {"street"}


def test_timer_circuits_burn_at_full_from_dusk_to_dawn(runs: dict[str, twin.Run]) -> None:
    common, readings = _common(runs["timer"])
    full_w = readings["circuit_id"].map(common["lamps"] * common["lamp_system_w"])
    # at full power exactly while the astronomical night lasts (the baseline's schedule)
    np.testing.assert_allclose(readings["power_w"] * 0.25, readings["baseline_wh"], atol=1e-9)
    local = readings["interval_end"].dt.tz_convert("Europe/Berlin").dt.hour
    assert (readings.loc[local.between(10, 14), "power_w"] == 0).all()
    night = local.isin([21, 22, 23, 1, 2, 3, 4])
    np.testing.assert_allclose(readings.loc[night, "power_w"], full_w[night])
    assert readings.loc[night, "on"].all() and not readings.loc[local == 12, "on"].any()


def test_motion_circuits_draw_between_standby_and_full_and_less_than_timer(
    runs: dict[str, twin.Run],
) -> None:
    common, motion = _common(runs["motion"])
    _, timer = _common(runs["timer"])
    lit_w = motion["baseline_wh"] / 0.25  # full power times the lit share of the interval
    assert (motion["power_w"] >= 0.2 * lit_w - 1e-9).all()
    assert (motion["power_w"] <= lit_w + 1e-9).all()
    assert (motion["power_w"] > 0.2 * lit_w + 1e-6).any()  # somebody passes now and then
    by_circuit = motion.groupby("circuit_id")["energy_wh"].sum()
    assert (by_circuit < timer.groupby("circuit_id")["energy_wh"].sum()).all()
    # the bigger building is busier: a higher mean level through the evening
    evening = motion[motion["interval_end"].dt.tz_convert("Europe/Berlin").dt.hour == 19]
    level = evening.groupby("circuit_id")["dimming_level"].mean()
    biggest, smallest = common["lamps"].idxmax(), common["lamps"].idxmin()
    assert level[biggest] > level[smallest]


def test_the_power_flow_sees_the_common_areas(runs: dict[str, twin.Run]) -> None:
    timer, plain = runs["timer"], runs["plain"]
    common, readings = _common(timer)
    flows = timer.table("truth/power_flow").set_index("interval_end")["load_p_kw"]
    base = plain.table("truth/power_flow").set_index("interval_end")["load_p_kw"]
    per_interval = readings.groupby("interval_end")["power_w"].sum() / 1e3
    np.testing.assert_allclose((flows - base).to_numpy(), per_interval.to_numpy(), atol=1e-5)
    # each transformer carries its buildings' lights (plus a little more loss)
    key = ["transformer_id", "interval_end"]
    t_lit = timer.table("internal/transformer_interval").set_index(key)["p_kw"]
    t_dark = plain.table("internal/transformer_interval").set_index(key)["p_kw"]
    readings = readings.assign(transformer_id=readings["circuit_id"].map(common["transformer_id"]))
    lights_kw = readings.groupby(key)["power_w"].sum() / 1e3
    rise = (t_lit - t_dark).loc[lights_kw.index]
    assert lights_kw.max() > 0.2
    np.testing.assert_allclose(rise, lights_kw, rtol=0.05, atol=1e-3)


@pytest.mark.parametrize(
    ("common", "path"),
    [
        ({"lamps_per_dwelling": -1}, "lighting.common_areas.lamps_per_dwelling"),
        ({"standby_level": 1.5}, "lighting.common_areas.standby_level"),
        ({"control": "daylight"}, "lighting.common_areas.control"),
    ],
    ids=["negative-lamps", "standby-above-1", "unknown-control"],
)
def test_bad_common_area_input_exits_2_naming_the_yaml_path(
    tmp_path: Path, common: dict[str, Any], path: str
) -> None:
    done = _twin_run(tmp_path, _data(common))
    assert done.returncode == 2, done.stderr
    assert path in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_sharded_run_writes_the_same_common_area_and_power_quality_tables(
    runs: dict[str, twin.Run], tmp_path: Path
) -> None:
    data = _data({"control": "motion", "standby_level": 0.2}, meter_power_quality="all")
    shards, merged = run_and_merge_two_shards(validate_scenario_dict(data), tmp_path)
    counts = [s.manifest["row_counts"].get("internal/lighting_circuit", 0) for s in shards]
    assert all(c > 0 for c in counts)  # the buildings are split between the shards
    assert_same_tables(runs["motion"], merged, TABLES)
