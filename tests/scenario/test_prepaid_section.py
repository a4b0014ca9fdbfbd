"""The ``prepaid:`` section: defaults, and bad input exits 2 naming the YAML path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main
from twin.scenario.loading import validate_scenario_dict


def _prepaid(section: dict[str, Any]) -> dict[str, Any]:
    return tiny_scenario_dict(tariffs={"currency": "GBP"}, prepaid=section)


def test_an_empty_section_takes_the_documented_defaults() -> None:
    scenario = validate_scenario_dict(_prepaid({}))
    p = scenario.prepaid
    assert p is not None
    assert p.share == 0.3 and p.emergency_credit == 5.0 and p.warning_thresholds == [5.0, 2.0]
    assert p.friendly.night == (18.0, 8.0) and p.friendly.weekends and p.friendly.holidays
    assert p.reconnect.confirmation and p.reconnect.confirmation_delay == 900
    c = p.topup.cadence
    assert c.weekly + c.payday + c.reactive == pytest.approx(1.0)
    assert validate_scenario_dict(tiny_scenario_dict()).prepaid is None


def test_thresholds_are_kept_highest_first() -> None:
    p = validate_scenario_dict(_prepaid({"warning_thresholds": [1, 4, 2]})).prepaid
    assert p is not None and p.warning_thresholds == [4.0, 2.0, 1.0]


BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown_key", {"shares": 0.3}, ["prepaid.shares", "unknown key", "share"]),
    ("unknown_nested", {"topup": {"amounts": {}}}, ["prepaid.topup.amounts", "amount"]),
    ("share_above_one", {"share": 1.5}, ["prepaid.share", "1.5"]),
    (
        "cadence_not_summing",
        {"topup": {"cadence": {"weekly": 0.5, "payday": 0.3, "reactive": 0.1}}},
        ["prepaid.topup.cadence", "sum to 1", "0.9"],
    ),
    ("at_risk_share", {"topup": {"at_risk_share": -0.1}}, ["prepaid.topup.at_risk_share"]),
    ("reaction", {"topup": {"warning_reaction": 2}}, ["prepaid.topup.warning_reaction"]),
    ("error_rate", {"topup": {"operator_error_rate": 0.9}}, ["prepaid.topup.operator_error_rate"]),
    ("weights", {"topup": {"weekday_weights": [0] * 7}}, ["prepaid.topup.weekday_weights"]),
    ("payday", {"topup": {"payday_of_month": [31]}}, ["prepaid.topup.payday_of_month", "31"]),
    ("hours", {"topup": {"hours": [20, 8]}}, ["prepaid.topup.hours", "start < end"]),
    (
        "amount_bounds",
        {"topup": {"amount": {"minimum": 50, "maximum": 10}}},
        ["prepaid.topup.amount", "maximum"],
    ),
    ("night", {"friendly": {"night": [18, 25]}}, ["prepaid.friendly.night", "[0, 24)"]),
    ("threshold", {"warning_thresholds": [5, -1]}, ["prepaid.warning_thresholds", "-1"]),
    ("delay", {"reconnect": {"confirmation_delay": "soon"}}, ["prepaid.reconnect", "soon"]),
    ("return_rate", {"topup": {"return_rate": 0.7}}, ["prepaid.topup.return_rate", "0.7"]),
    ("customer_kind", {"customers": {"shop": 0.2}}, ["prepaid.customers", "'shop'", "commercial"]),
    ("customer_share", {"customers": {"factory": 2}}, ["prepaid.customers", "factory", "[0, 1]"]),
    ("water_share", {"water": {"share": -1}}, ["prepaid.water.share", "-1"]),
    ("valve", {"water": {"valve": {"attempts": 0}}}, ["prepaid.water.valve.attempts"]),
    ("water_needs_meters", {"water": {}}, ["prepaid.water needs a water section"]),
]


@pytest.mark.parametrize(("case", "section", "fragments"), BAD, ids=[c[0] for c in BAD])
def test_bad_prepaid_input_exits_2_naming_the_path(
    case: str,
    section: dict[str, Any],
    fragments: list[str],
    write_scenario: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["validate", str(write_scenario(_prepaid(section)))])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in message:\n{err}"


def test_a_negative_water_price_exits_2(
    write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tiny_scenario_dict(
        tariffs={"currency": "GBP", "water": {"price_per_m3": -2}},
        water={},
        prepaid={"water": {}},
    )
    assert main(["validate", str(write_scenario(data))]) == 2
    err = capsys.readouterr().err
    assert "tariffs.water.price_per_m3" in err and "-2" in err


def test_prepaid_water_with_meters_and_a_price_is_valid() -> None:
    data = tiny_scenario_dict(tariffs={"water": {}}, water={}, prepaid={"water": {}})
    p = validate_scenario_dict(data).prepaid
    assert p is not None and p.water is not None and p.water.amount_scale == 0.4
