"""Scenario sections make their fleet's parameter object; its defaults are the section's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.devices.ev import HOME_SESSIONS, EvParams
from twin.devices.households import HouseholdParams
from twin.devices.pv import PvParams
from twin.devices.storage import StorageParams
from twin.errors import ScenarioError
from twin.scenario.loading import validate_scenario_dict

DEFAULTS: dict[str, object] = {
    "households": HouseholdParams(),
    "pv": PvParams(),
    "storage": StorageParams(),
    "ev": EvParams(),
}


def bare() -> dict[str, Any]:
    """A scenario of the required keys only: every fleet section absent."""
    data = tiny_scenario_dict()
    del data["households"]
    return data


@pytest.mark.parametrize("section", list(DEFAULTS))
def test_an_absent_section_makes_the_fleet_defaults(section: str) -> None:
    data = bare()
    assert section not in data
    scenario = validate_scenario_dict(data)
    assert getattr(scenario, section).params() == DEFAULTS[section]


def test_the_documented_pv_weather_is_the_fleet_default() -> None:
    assert validate_scenario_dict(bare()).pv.params().weather == "dwd_try2010_04"
    assert PvParams().weather == "dwd_try2010_04"


def test_ev_sessions_per_week_is_the_fleet_home_session_rate() -> None:
    ev = validate_scenario_dict(bare()).ev
    assert ev.sessions_per_week / 7 == HOME_SESSIONS.sessions_per_day
    assert ev.params().home_sessions == HOME_SESSIONS


def test_given_values_reach_the_parameters() -> None:
    data = tiny_scenario_dict(
        **{
            "households.consumption.annual_kwh_median": 3_500,
            "households.occupancy": {"retired": 1.0, "family": 0.0},
            "households.vacancy.seasonal": 0.1,
            "pv.weather": "greensboro_tmy3",
            "pv.reconnect_delay": "10min",
            "storage.capacity_choices_kwh": [8.0],
            "storage.strategy": "time_of_use",
            "ev.sessions_per_week": 7,
            "ev.energy_median_kwh": 20.0,
            "ev.fault_rates_per_year": {"InternalError": 1.0},
        }
    )
    scenario = validate_scenario_dict(data)
    households = scenario.households.params()
    assert households.annual_kwh_median == 3_500
    assert (households.archetype_shares["retired"], households.archetype_shares["family"]) == (1, 0)
    assert households.seasonal == 0.1
    pv = scenario.pv.params()
    assert (pv.weather, pv.reconnect_delay_s) == ("greensboro_tmy3", 600)
    storage = scenario.storage.params()
    assert (storage.capacity_choices_kwh, storage.strategy) == ((8.0,), "time_of_use")
    ev = scenario.ev.params()
    assert ev.home_sessions.sessions_per_day == 1.0
    assert ev.home_sessions.energy_median_kwh == 20.0
    assert dict(ev.fault_rates_per_year) == {"InternalError": 1.0}


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("households.consumption.power_factor", 1.5, "households.consumption.power_factor"),
        ("households.vacancy.long_term_vacant", -0.1, "households.vacancy.long_term_vacant"),
        ("pv.kwp_median", -1.0, "pv.kwp_median"),
        ("pv.weather", "mars", "pv.weather"),
        ("storage.eta_round_trip", 1.5, "storage.eta_round_trip"),
        ("storage.charge_window_h", [3, 3], "storage.charge_window_h"),
        ("ev.repair_mean_h", 0, "ev.repair_mean_h"),
        ("ev.policy", "smart", "ev.policy"),
    ],
)
def test_bad_values_are_named_by_their_yaml_path(key: str, value: object, path: str) -> None:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(tiny_scenario_dict(**{key: value}))
    problems = info.value.problems
    assert [p.path for p in problems] == [path]
    assert "Params" not in problems[0].message
