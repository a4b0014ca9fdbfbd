"""The safety section: defaults, the sweepable keys, and every bad value named by its path."""

from __future__ import annotations

import pytest

from tests.conftest import tiny_scenario_dict
from twin.errors import ScenarioError
from twin.scenario.loading import apply_overrides, parse_overrides, validate_scenario_dict


def _load(safety: object, **extra: object) -> object:
    return validate_scenario_dict(tiny_scenario_dict(safety=safety, **extra))


def test_an_empty_section_takes_the_standards_defaults() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict(safety={}))
    assert scenario.safety is not None
    p = scenario.safety.params()
    assert p.residual_current.threshold == 300.0  # GB 50116 / GB 14287.2
    assert p.cable_temperature.threshold == 70.0  # PVC rating
    assert p.residual_current.delay_s == 1800 and p.cable_temperature.delay_s == 900
    assert p.shares == {"commercial": 1.0, "apartment_building": 1.0, "household": 0.0}
    assert (p.operations.shift_start_h, p.operations.shift_end_h) == (8, 17)
    assert p.operations.travel_s == 2700 and p.operations.repair_s == 7200
    assert validate_scenario_dict(tiny_scenario_dict()).safety is None


def test_the_sweepable_keys_take_overrides() -> None:
    data = apply_overrides(
        tiny_scenario_dict(safety={}),
        parse_overrides(
            [
                "safety.sensors.residual_current.threshold_ma=500",
                "safety.sensors.cable_temperature.threshold_c=90",
                "safety.operations.crews=5",
            ]
        ),
    )
    p = validate_scenario_dict(data).safety
    assert p is not None
    assert p.sensors.residual_current.threshold_ma == 500
    assert p.sensors.cable_temperature.threshold_c == 90
    assert p.operations.crews == 5


@pytest.mark.parametrize(
    ("safety", "path", "fragment"),
    [
        ({"colour": 1}, "safety.colour", "unknown key"),
        ({"premises": {"households": -0.1}}, "safety.premises.households", "-0.1"),
        ({"path": "carrier_pigeon"}, "safety.path", "carrier_pigeon"),
        ({"sensors": {"residual_current": {"threshold_ma": 5}}}, "threshold_ma", "5"),
        (
            {"sensors": {"residual_current": {"threshold_ma": 30}}},
            "safety",
            "natural leakage",
        ),
        ({"sensors": {"residual_current": {"delay": "10min"}}}, "residual_current", "delay"),
        ({"sensors": {"cable_temperature": {"reporting_interval": "20min"}}}, "safety", "20min"),
        ({"sensors": {"arc_fault": {"delay": "5min"}}}, "arc_fault.delay", "5min"),
        ({"operations": {"shift": "17-08"}}, "safety.operations.shift", "17-08"),
        ({"operations": {"crews": 0}}, "safety.operations.crews", "0"),
    ],
)
def test_bad_values_are_named(safety: dict[str, object], path: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        _load(safety)
    text = str(err.value)
    assert path in text and fragment in text


def test_the_smallest_building_is_the_engines() -> None:
    from twin.devices.safety.params import SMALLEST_BUILDING_DWELLINGS
    from twin.engine.buildings import APARTMENT_MIN_DWELLINGS

    assert SMALLEST_BUILDING_DWELLINGS == APARTMENT_MIN_DWELLINGS
