"""Scenario models: durations, time axis, overrides and defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import tiny_scenario_dict
from twin.errors import ScenarioError
from twin.scenario import format_duration, load_scenario, parse_duration
from twin.scenario.loading import validate_scenario_dict


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15min", 900), ("1h", 3600), ("7d", 604_800), ("90s", 90), ("2w", 1_209_600)],
)
def test_durations_round_trip(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(seconds) == seconds  # a bare whole number is seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("bad", ["15", "min", "1.5h", "-1d", -15, 1.5, True, None, "7 days"])
def test_bad_durations_name_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_time_axis_has_interval_end_stamps_in_utc() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict())
    axis = scenario.time.axis()
    assert axis.n_intervals == 96
    # 2025-03-03 00:00 Berlin is 2025-03-02 23:00 UTC; the first interval ends 15 min later
    assert pd.Timestamp(axis.interval_end_utc[0]) == pd.Timestamp("2025-03-02 23:15")
    assert axis.ends_at_local_midnight.sum() == 1 and axis.ends_at_local_midnight[-1]


def test_end_instead_of_duration_and_dst_day() -> None:
    data = tiny_scenario_dict(**{"time.duration": None, "time.end": "2025-03-31T00:00:00"})
    data["time"]["start"] = "2025-03-30T00:00:00"  # spring-forward day in Berlin: 23 hours
    axis = validate_scenario_dict(data).time.axis()
    assert axis.n_intervals == 23 * 4
    assert axis.ends_at_local_midnight[-1]


def test_offset_start_without_timezone() -> None:
    data = tiny_scenario_dict(**{"time.timezone": None, "time.start": "2025-01-01T00:00:00+01:00"})
    axis = validate_scenario_dict(data).time.axis()
    assert axis.local_hour[0] == 0.0


def test_overrides_are_validated_like_the_file(write_scenario: Any) -> None:
    path: Path = write_scenario(tiny_scenario_dict())
    scenario = load_scenario(path, ["households.count=12", "time.interval=30min"], seed=3)
    assert scenario.households.count == 12
    assert scenario.time.interval == 1800
    assert scenario.seed == 3
    with pytest.raises(ScenarioError, match=r"households\.count"):
        load_scenario(path, ["households.count=-1"])


def test_resolved_dict_round_trips() -> None:
    scenario = validate_scenario_dict(tiny_scenario_dict())
    again = validate_scenario_dict(scenario.resolved_dict())
    assert again == scenario
    assert scenario.resolved_dict()["time"]["interval"] == "15min"


def test_unquoted_yaml_times_are_accepted(write_scenario: Any) -> None:
    text = (
        "name: t\ntime:\n  start: 2025-06-16T00:00:00\n  end: 2025-06-18\n"
        "  timezone: Europe/Berlin\ngrid: {network: cigre_lv}\n"
    )
    scenario = load_scenario(write_scenario(text))
    assert scenario.time.axis().n_intervals == 2 * 96
    again = load_scenario(write_scenario(tiny_scenario_dict()), ["time.start=2025-06-16T00:00:00"])
    assert again.time.start == "2025-06-16T00:00:00"


def test_overrides_index_into_lists() -> None:
    from twin.scenario.loading import apply_overrides

    data = {"faults": [{"kind": "tamper", "start": "1d"}]}
    assert apply_overrides(data, [("faults.0.start", "2d")])["faults"][0]["start"] == "2d"
    with pytest.raises(ScenarioError, match="index from 0 to 0"):
        apply_overrides(data, [("faults.3.start", "2d")])
