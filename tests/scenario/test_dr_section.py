"""The ``demand_response:`` section: defaults, and bad input exits 2 naming the YAML path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main
from twin.scenario.loading import validate_scenario_dict


def _programme(**changes: Any) -> dict[str, Any]:
    programme: dict[str, Any] = {
        "name": "cpp",
        "kind": "price",
        "enrollment": 0.5,
        "events": [{"start": "2025-03-03T17:00", "duration": "2h", "price_per_kwh": 0.6}],
    }
    programme.update(changes)
    return programme


def _dr(*programmes: dict[str, Any]) -> dict[str, Any]:
    return tiny_scenario_dict(demand_response={"programmes": list(programmes)})


def test_absent_is_off_and_defaults_are_documented() -> None:
    assert validate_scenario_dict(tiny_scenario_dict()).demand_response is None
    section = validate_scenario_dict(_dr(_programme())).demand_response
    assert section is not None
    p = section.programmes[0]
    assert p.notice == 86_400 and p.comfort_c == 2.0 and p.ignore_share == 0.0
    assert p.devices == ["ev", "storage", "heat_pump", "water_heater", "wet_appliances"]
    assert p.wet_appliance_max_delay == 3 * 3600
    assert p.events[0].level == 2 and p.duration_of(0) == 7200
    assert not p.allow_negative_prices


def test_event_duration_overrides_every_event() -> None:
    section = validate_scenario_dict(_dr(_programme(event_duration="4h"))).demand_response
    assert section is not None and section.programmes[0].duration_of(0) == 4 * 3600


def test_negative_prices_pass_when_allowed() -> None:
    events = [{"start": "2025-03-03T12:00", "duration": "1h", "price_per_kwh": -0.05}]
    data = _dr(_programme(events=events, allow_negative_prices=True))
    assert validate_scenario_dict(data).demand_response is not None


OVERLAP = [
    {"start": "2025-03-03T17:00", "duration": "2h"},
    {"start": "2025-03-03T18:00", "duration": "1h"},
]

BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown_key", _programme(enrolment=0.2), ["demand_response.programmes.0", "enrolment"]),
    ("share_above_one", _programme(enrollment=1.5), ["programmes.0.enrollment", "1.5"]),
    ("ignore_negative", _programme(ignore_share=-0.1), ["programmes.0.ignore_share", "-0.1"]),
    ("opt_out", _programme(opt_out_probability=2), ["programmes.0.opt_out_probability"]),
    ("overlap", _programme(events=OVERLAP), ["demand_response.programmes.0", "overlap"]),
    (
        "negative_price",
        _programme(events=[{"start": "2025-03-03T12:00", "duration": "1h", "price_per_kwh": -1}]),
        ["demand_response.programmes.0", "price_per_kwh", "-1", "allow_negative_prices"],
    ),
    ("device", _programme(devices=["fridge"]), ["programmes.0.devices", "fridge"]),
    ("kind", _programme(kind="bribe"), ["programmes.0.kind", "bribe"]),
    (
        "wet_delay",
        _programme(wet_appliance_max_delay="13h"),
        ["programmes.0.wet_appliance_max_delay", "46800", "43200"],
    ),
    ("start", _programme(events=[{"start": "5pm", "duration": "1h"}]), ["events.0.start", "5pm"]),
    (
        "price_trigger",
        _programme(trigger={"loading_percent": 80, "duration": "2h"}),
        ["demand_response.programmes.0", "trigger"],
    ),
    (
        "history",
        _programme(
            kind="peak_shaving", trigger={"loading_percent": 80, "duration": "2h", "history": "36h"}
        ),
        ["programmes.0.trigger.history", "36h"],
    ),
]


@pytest.mark.parametrize(("case", "programme", "fragments"), BAD, ids=[c[0] for c in BAD])
def test_bad_dr_input_exits_2_naming_the_path(
    case: str,
    programme: dict[str, Any],
    fragments: list[str],
    write_scenario: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["validate", str(write_scenario(_dr(programme)))])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in message:\n{err}"


def test_duplicate_programme_names_exit_2(
    write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(write_scenario(_dr(_programme(), _programme())))])
    err = capsys.readouterr().err
    assert code == 2 and "demand_response" in err and "'cpp' twice" in err
