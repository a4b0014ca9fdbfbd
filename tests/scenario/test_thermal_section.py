"""The households.thermal section: defaults, round trip, and bad values named by their path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.devices.heating import ThermalParams
from twin.errors import ScenarioError
from twin.scenario.loading import validate_scenario_dict


def test_an_absent_section_makes_the_fleet_defaults() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict())
    assert scenario.households.thermal.params() == ThermalParams()


def test_given_keys_reach_the_fleet_and_round_trip() -> None:
    thermal: dict[str, Any] = {
        "heat_pump": 0.4,
        "direct_electric": 0.1,
        "vacant_frost_heater": 0.2,
        "air_conditioning": 0.15,
        "water_heater": 0.3,
        "water_heater_timer": 0.25,
        "timer_window_h": [23, 7],
        "building_class_shares": {"unrenovated": 1, "renovated": 1, "new": 2},
        "floor_area_m2": [80, 150],
        "comfort_c": [20, 21],
        "setback_k": [1, 2],
        "frost_c": 6,
        "cooling_c": [25, 26],
        "tank_litres": [100, 150],
        "tank_set_c": [58, 62],
        "hot_water_kwh_per_day": [3, 5],
    }
    scenario = validate_scenario_dict(tiny_scenario_dict(**{"households.thermal": thermal}))
    params = scenario.households.thermal.params()
    assert params.heat_pump == 0.4 and params.timer_window_h == (23, 7)
    assert params.class_weights().tolist() == [0.25, 0.25, 0.5]
    again = validate_scenario_dict(scenario.resolved_dict())
    assert again == scenario
    assert scenario.resolved_dict()["households"]["thermal"]["frost_c"] == 6


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("heat_pump", 1.5, "1.5"),
        ("water_heater", -0.1, "-0.1"),
        ("timer_window_h", [5, 5], "[5.0, 5.0]"),
        ("floor_area_m2", [200, 100], "[200.0, 100.0]"),
        ("tank_set_c", [30, 60], "40"),
        ("frost_c", 20, "20"),
        ("building_class_shares", {"old": 1.0}, "old"),
        ("building_class_shares", {"unrenovated": 0, "renovated": 0, "new": 0}, "zero"),
    ],
)
def test_bad_values_are_named_by_their_yaml_path(key: str, value: object, needle: str) -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{f"households.thermal.{key}": value}))
    problems = info.value.problems
    assert len(problems) == 1
    assert problems[0].path.startswith(f"households.thermal.{key}")
    assert needle in problems[0].message
    assert "Params" not in problems[0].message


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"heat_pump": 0.7, "direct_electric": 0.5}, "heat_pump + direct_electric = 1.2"),
        ({"comfort_c": [19, 25], "cooling_c": [24, 27]}, "cooling_c given [24.0, 27.0]"),
    ],
)
def test_inconsistent_keys_are_explained(changes: dict[str, Any], needle: str) -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{"households.thermal": changes}))
    problems = info.value.problems
    assert [p.path for p in problems] == ["households.thermal"]
    assert needle in problems[0].message


def test_the_fleet_parameters_check_every_field_at_once() -> None:
    with pytest.raises(ValueError, match="heat_pump given 2") as info:
        ThermalParams(heat_pump=2.0, tank_litres=(300.0, 100.0), frost_c=-3.0)
    message = str(info.value)
    assert "tank_litres given [300.0, 100.0]" in message and "frost_c given -3.0" in message
