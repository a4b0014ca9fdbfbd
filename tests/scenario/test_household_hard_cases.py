"""The keys of the hard cases (``households.vacancy`` and ``households.occupancy``) round-trip.

Every key of :class:`VacantBehaviour` and :class:`LookEmpty` is a scenario key
with the same default; a value set in the scenario reaches the fleet's
parameters, and a bad one is named by its YAML path.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.devices.households import HouseholdParams
from twin.devices.households.behaviour import RANGE_BOUNDS, LookEmpty, VacantBehaviour
from twin.errors import ScenarioError
from twin.scenario.loading import validate_scenario_dict

SECTIONS = {"vacancy": (VacantBehaviour, "vacant"), "occupancy": (LookEmpty, "look_empty")}
KEYS = [
    (section, f.name) for section, (cls, _) in SECTIONS.items() for f in dataclasses.fields(cls)
]


def other_value(name: str, default: Any) -> Any:
    """A valid value that differs from the default."""
    if name in RANGE_BOUNDS:
        lo, hi = RANGE_BOUNDS[name]
        return [lo + 0.4 * (hi - lo), lo + 0.6 * (hi - lo)]
    if name == "timer_jitter_min":
        return 33.0
    return 0.37 if default != 0.37 else 0.5


@pytest.mark.parametrize(("section", "name"), KEYS)
def test_every_key_has_the_fleet_default_and_round_trips(section: str, name: str) -> None:
    cls, attribute = SECTIONS[section]
    default = getattr(cls(), name)
    scenario = validate_scenario_dict(tiny_scenario_dict())
    params = scenario.households.params()
    assert getattr(getattr(params, attribute), name) == default
    value = other_value(name, default)
    scenario = validate_scenario_dict(tiny_scenario_dict(**{f"households.{section}.{name}": value}))
    got = getattr(getattr(scenario.households.params(), attribute), name)
    assert got == (tuple(value) if isinstance(value, list) else value)


def test_the_new_archetype_shares_round_trip() -> None:
    data = tiny_scenario_dict(
        **{"households.occupancy.student": 0.2, "households.occupancy.long_hours_worker": 0.1}
    )
    shares = validate_scenario_dict(data).households.params().archetype_shares
    assert (shares["student"], shares["long_hours_worker"]) == (0.2, 0.1)
    assert validate_scenario_dict(tiny_scenario_dict()).households.params() == HouseholdParams()


@pytest.mark.parametrize(("section", "name"), [k for k in KEYS if k[1] in RANGE_BOUNDS])
def test_a_range_with_low_above_high_is_named(section: str, name: str) -> None:
    lo, hi = RANGE_BOUNDS[name]
    value = [lo + 0.6 * (hi - lo), lo + 0.4 * (hi - lo)]
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{f"households.{section}.{name}": value}))
    problems = info.value.problems
    assert [p.path for p in problems] == [f"households.{section}.{name}"]
    assert "low <= high" in problems[0].message
    assert f"{value[0]!r}" in problems[0].message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("households.vacancy.switched_off", 1.5),
        ("households.vacancy.renovation", -0.1),
        ("households.vacancy.timer_off_h", [12, 23]),
        ("households.vacancy.renovation_hours", [7, 30]),
        ("households.vacancy.visit_hours", [1.0]),
        ("households.vacancy.timer_jitter_min", 600),
        ("households.occupancy.frequent_travellers", 2),
        ("households.occupancy.trip_nights", [0, 2]),
        ("households.occupancy.student", -1),
    ],
)
def test_bad_values_are_named_by_their_yaml_path(key: str, value: object) -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{key: value}))
    problems = info.value.problems
    assert len(problems) == 1 and problems[0].path.startswith(key)  # a short list: its item
    assert "VacantBehaviour" not in problems[0].message
    assert "LookEmpty" not in problems[0].message


def test_the_parameter_objects_name_every_bad_value() -> None:
    with pytest.raises(ValueError) as info:
        VacantBehaviour(visit_hours=(3.0, 1.0), switched_off=2.0, timer_jitter_min=-1.0)
    message = str(info.value)
    for part in ("visit_hours given [3.0, 1.0]", "switched_off given 2.0", "timer_jitter_min"):
        assert part in message
    with pytest.raises(ValueError, match=r"trip_nights given \[4.0, 2.0\]"):
        LookEmpty(trip_nights=(4.0, 2.0))
    # A YAML list is stored as a tuple of floats.
    assert VacantBehaviour(standby_w=[2, 4]).standby_w == (2.0, 4.0)  # type: ignore[arg-type]
