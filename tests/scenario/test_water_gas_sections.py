"""The water and gas sections: off when absent, defaults, and bad values named by their path."""

from __future__ import annotations

import pytest

from tests.conftest import tiny_scenario_dict
from twin.devices.gas import GasParams
from twin.errors import ScenarioError
from twin.scenario.loading import validate_scenario_dict


def test_absent_sections_are_off() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict())
    assert scenario.water is None and scenario.gas is None


def test_empty_sections_take_the_defaults_and_round_trip() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict(water={}, gas={}))
    assert scenario.water is not None and scenario.gas is not None
    assert scenario.water.reading_interval == 3600
    assert scenario.water.litres_per_person_day == 135.0
    assert scenario.gas.params() == GasParams()
    assert validate_scenario_dict(scenario.resolved_dict()) == scenario


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("water.share", 1.5, "1"),
        ("water.colour", "blue", "colour"),
        ("water.wmbus_loss", 1.0, "1"),
        ("water.leaks.flow_l_per_h", [30, 1], "[30.0, 1.0]"),
        ("water.leaks.rate", 1, "rate"),
        ("gas.boiler_efficiency", 2.0, "1.1"),
        ("gas.kwh_per_m3", 40, "15"),
        ("gas.log_depth", 0, "1"),
    ],
)
def test_bad_values_are_named_by_their_yaml_path(key: str, value: object, needle: str) -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{key: value}))
    problems = info.value.problems
    assert len(problems) == 1
    assert problems[0].path.startswith(key)
    assert needle in problems[0].message


def test_a_reading_interval_must_be_a_multiple_of_the_interval() -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{"gas.reading_interval": "20min"}))
    assert "gas.reading_interval '20min' is not a multiple" in info.value.problems[0].message
