"""Malformed scenarios: exit code 2, a message naming path and value, no traceback, no run left."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main


def _with(**changes: Any) -> dict[str, Any]:
    return tiny_scenario_dict(**changes)


def _without(path: str) -> dict[str, Any]:
    data = tiny_scenario_dict()
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[part]
    del node[parts[-1]]
    return data


# (id, scenario mapping or raw YAML text, extra CLI args, fragments the message must contain)
CASES: list[tuple[str, dict[str, Any] | str | None, list[str], list[str]]] = [
    ("missing_file", None, [], ["does not exist"]),
    ("yaml_syntax", "name: x\ntime: {start: [\n", [], ["not valid YAML", "line"]),
    (
        "python_tag",
        "name: !!python/object/apply:os.system ['echo pwned']\n",
        [],
        ["not valid YAML", "python"],
    ),
    ("not_a_mapping", "- a\n- b\n", [], ["expected a mapping"]),
    ("empty_file", "", [], ["empty"]),
    ("unknown_top_key", _with(colour="red"), [], ["colour", "unknown key", "households"]),
    ("unknown_nested_key", _with(**{"households.cuont": 3}), [], ["households.cuont", "count"]),
    ("unknown_safety_key", _with(safety={"share": 0.3}), [], ["safety.share", "unknown key"]),
    ("wrong_type", _with(**{"households.count": "many"}), [], ["households.count", "many"]),
    ("negative_count", _with(**{"households.count": -5}), [], ["households.count", "-5"]),
    ("zero_count", _with(**{"households.count": 0}), [], ["households.count", "given 0"]),
    ("absurd_count", _with(**{"households.count": 10**9}), [], ["households.count", "1000000000"]),
    (
        "interval_not_dividing_day",
        _with(**{"time.interval": "7min"}),
        [],
        ["time.interval", "7min", "divide"],
    ),
    ("bad_duration", _with(**{"time.duration": "7 days"}), [], ["time.duration", "7 days", "7d"]),
    (
        "bad_bus_voltage_preset",
        _with(**{"outputs.bus_voltage": "hourly"}),
        [],
        ["outputs.bus_voltage", "hourly", "daily_extremes"],
    ),
    (
        "bad_line_loading_preset",
        _with(**{"outputs.line_loading": "lv"}),
        [],
        ["outputs.line_loading", "'lv'", "daily_extremes"],
    ),
    (
        "end_before_start",
        _with(**{"time.duration": None, "time.end": "2025-03-01T00:00:00"}),
        [],
        ["time", "2025-03-01", "not after"],
    ),
    (
        "no_time_zone",
        _with(**{"time.timezone": None}),
        [],
        ["time.start", "2025-03-03T00:00:00", "UTC offset", "+01:00", "time.timezone"],
    ),
    ("unknown_zone", _with(**{"time.timezone": "Mars/Olympus"}), [], ["time.timezone", "Mars"]),
    ("missing_grid", _without("grid"), [], ["grid", "required"]),
    (
        "unknown_network",
        _with(**{"grid.network": "simbench:1-LV-urban66--0-sw"}),
        [],
        ["grid.network", "urban66", "twin networks"],
    ),
    (
        "missing_json_model",
        _with(**{"grid.network": "models/nowhere.json"}),
        [],
        ["grid.network", "nowhere.json"],
    ),
    (
        "too_many_households",
        _with(**{"households.count": 5000}),
        [],
        ["households.count", "5000"],
    ),
    ("bad_name", _with(name="../escape"), [], ["name", "../escape"]),
    (
        "unknown_station_bus",
        _with(**{"ev.public_stations": [{"bus": 99999}]}),
        [],
        ["ev.public_stations.0.bus", "99999"],
    ),
    (
        "unknown_customer_kind",
        _with(**{"customers.mix": {"commercial": 0.5, "brewery": 0.5}}),
        [],
        ["customers.mix", "brewery", "base_station"],
    ),
    (
        "customer_shares_not_summing",
        _with(**{"customers.mix": {"commercial": 0.5, "factory": 0.2}}),
        [],
        ["customers.mix", "summing to 0.7", "summing to 1"],
    ),
    (
        "added_customer_unknown_kind",
        _with(**{"customers.added": [{"kind": "spaceport", "bus": 3}]}),
        [],
        ["customers.added.0.kind", "spaceport"],
    ),
    (
        "added_customer_missing_bus",
        _with(**{"customers.added": [{"kind": "factory", "bus": 99999}]}),
        [],
        ["customers.added.0.bus", "99999"],
    ),
    (
        "added_customer_wrong_class",
        _with(**{"customers.added": [{"kind": "factory", "bus": 3, "customer_class": "G4"}]}),
        [],
        ["customers.added.0", "G4", "factory"],
    ),
    (
        "unknown_holiday_country",
        _with(**{"customers.holidays.country": "XX"}),
        [],
        ["customers.holidays", "XX"],
    ),
    (
        "theft_matching_no_meter",
        _with(faults=[{"kind": "theft", "start": "1h", "customer_kinds": ["factory"]}]),
        [],
        ["faults.0.customer_kinds", "factory", "no meters"],
    ),
    (
        "theft_index_not_a_customer",
        _with(faults=[{"kind": "theft", "start": "1h", "target": [100000]}]),
        [],
        ["faults.0.target", "100000"],
    ),
    (
        "unknown_theft_shape",
        _with(faults=[{"kind": "theft", "start": "1h", "shapes": ["h9"]}]),
        [],
        ["faults.0", "h9"],
    ),
    ("power_factor_range", _with(**{"households.consumption.power_factor": 1.5}), [], ["1.5"]),
    (
        "latency_past_the_timeout",
        _with(**{"comms.technology": "hplc", "comms.latency_median_s": 600}),
        [],
        ["comms.latency_median_s", "600", "timeout of 30 s"],
    ),
    ("bad_set_syntax", _with(), ["--set", "households.count"], ["--set", "KEY.PATH=VALUE"]),
    ("bad_set_value", _with(), ["--set", "households.count=lots"], ["households.count", "lots"]),
    ("set_into_scalar", _with(), ["--set", "name.first=x"], ["name.first", "not a section"]),
]


@pytest.mark.parametrize(
    ("case", "content", "extra", "fragments"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_scenario_exits_2_with_clear_message(
    case: str,
    content: dict[str, Any] | str | None,
    extra: list[str],
    fragments: list[str],
    tmp_path: Path,
    write_scenario: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "missing.yaml" if content is None else write_scenario(content)
    out = tmp_path / "out" / "run"
    before = sorted(p.name for p in tmp_path.iterdir())

    code = main(["run", str(path), "--out", str(out), "--no-progress", *extra])

    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in message:\n{err}"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not out.exists()


def test_every_problem_is_reported_at_once(
    write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _with(**{"households.count": 0, "time.interval": "7min", "outputs.colour": 1})
    code = main(["validate", str(write_scenario(data))])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 problems" in err
    for path in ("households.count", "time.interval", "outputs.colour"):
        assert path in err


def test_validate_checks_station_buses(
    write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(_with(**{"ev.public_stations": [{"bus": 99999}]}))
    assert main(["validate", str(path)]) == 2
    assert "ev.public_stations.0.bus" in capsys.readouterr().err


def test_json_file_that_is_not_a_network(
    tmp_path: Path, write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bogus.json").write_text(json.dumps({"hello": "world"}))
    path = write_scenario(_with(**{"grid.network": "bogus.json"}))
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "grid.network" in err and "bogus.json" in err


def test_valid_scenario_validates(
    tiny_scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tiny_scenario_file)]) == 0
    assert "ok" in capsys.readouterr().out
