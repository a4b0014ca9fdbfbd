"""The ``tariffs:`` section: defaults, assignment, and bad input through ``twin validate``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main
from twin.scenario.loading import validate_scenario_dict
from twin.scenario.tariff_models import BILLED_KINDS, DEFAULT_ASSIGN

_TOU = {"tariff": 2, "start": "08:00", "end": "20:00"}
_LADDER = [
    {"from_kwh": 0, "to_kwh": 2880, "price_per_kwh": 0.4883},
    {"from_kwh": 2880, "to_kwh": 4800, "price_per_kwh": 0.5383},
    {"from_kwh": 4800, "price_per_kwh": 0.7883},
]


def _tariffs(section: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return tiny_scenario_dict(tariffs=section, **changes)


def test_absent_section_means_no_tariffs() -> None:
    assert validate_scenario_dict(tiny_scenario_dict()).tariffs is None


def test_empty_section_gives_the_built_in_plans() -> None:
    tariffs = validate_scenario_dict(_tariffs({})).tariffs
    assert tariffs is not None
    assert tariffs.currency == "EUR" and tariffs.decimals == 2
    assert tariffs.plan_of() == DEFAULT_ASSIGN
    assert set(DEFAULT_ASSIGN.values()) <= set(tariffs.price_plans())
    assert tariffs.price_plans()["industrial"].demand_per_kw > 0


def test_given_plans_fill_unassigned_kinds_with_the_first_plan() -> None:
    section = {
        "currency": "CNY",
        "plans": {
            "ladder": {"kind": "tiered", "tier_period": "year", "tiers": _LADDER},
            "shop": {"kind": "time_of_use", "register_prices_per_kwh": [0.3, 0.9]},
        },
        "assign": {"commercial": "shop", "household": "ladder"},
    }
    tariffs = validate_scenario_dict(_tariffs(section, **{"meters.tariffs": [_TOU]})).tariffs
    assert tariffs is not None
    plan_of = tariffs.plan_of()
    assert set(plan_of) == set(BILLED_KINDS)
    assert plan_of["commercial"] == "shop" and plan_of["factory"] == "ladder"
    assert plan_of["generation"] == "ladder"  # the households' plan
    assert tariffs.decimals == 2


def test_generation_follows_the_household_plan_not_the_default() -> None:
    section = {
        "plans": {"a": {"price_per_kwh": 0.2}, "b": {"price_per_kwh": 0.3, "export_per_kwh": 0.1}},
        "assign": {"household": "b"},
    }
    tariffs = validate_scenario_dict(_tariffs(section)).tariffs
    assert tariffs is not None
    assert tariffs.plan_of()["generation"] == "b" and tariffs.plan_of()["factory"] == "a"


def test_minor_unit_comes_from_iso_4217_or_the_scenario() -> None:
    jpy = validate_scenario_dict(_tariffs({"currency": "JPY"})).tariffs
    assert jpy is not None and jpy.decimals == 0
    own = validate_scenario_dict(_tariffs({"currency": "XAU", "minor_unit": 3})).tariffs
    assert own is not None and own.decimals == 3


BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown_key", {"colour": "red"}, ["tariffs.colour", "unknown key", "currency"]),
    (
        "unknown_plan_key",
        {"plans": {"home": {"price_per_kwh": 0.3, "vat": 0.19}}},
        ["tariffs.plans.home.vat", "unknown key", "standing_per_day"],
    ),
    (
        "unknown_assigned_plan",
        {"plans": {"home": {"price_per_kwh": 0.3}}, "assign": {"household": "hom"}},
        ["tariffs", "assign.household", "'hom'", "['home']"],
    ),
    (
        "unknown_kind_assigned",
        {"plans": {"home": {"price_per_kwh": 0.3}}, "assign": {"brewery": "home"}},
        ["tariffs.assign.brewery", "unknown key", "base_station"],
    ),
    (
        "unknown_default_plan",
        {"plans": {"home": {"price_per_kwh": 0.3}}, "default_plan": "nope"},
        ["tariffs", "default_plan", "'nope'"],
    ),
    (
        "negative_price",
        {"plans": {"home": {"price_per_kwh": -0.3}}},
        ["tariffs.plans.home.price_per_kwh", "-0.3", "greater than or equal to 0"],
    ),
    (
        "negative_standing_charge",
        {"plans": {"home": {"price_per_kwh": 0.3, "standing_per_day": -1}}},
        ["tariffs.plans.home.standing_per_day", "-1"],
    ),
    (
        "negative_register_price",
        {"plans": {"home": {"kind": "time_of_use", "register_prices_per_kwh": [0.2, -0.1]}}},
        ["tariffs.plans.home.register_prices_per_kwh", "register_prices_per_kwh.1", "-0.1"],
    ),
    (
        "negative_tier_price",
        {
            "plans": {
                "home": {
                    "kind": "tiered",
                    "tiers": [
                        {"from_kwh": 0, "to_kwh": 200, "price_per_kwh": -0.5},
                        {"from_kwh": 200, "price_per_kwh": 0.6},
                    ],
                }
            }
        },
        ["tariffs.plans.home.tiers.0.price_per_kwh", "-0.5"],
    ),
    (
        "overlapping_tiers",
        {
            "plans": {
                "home": {
                    "kind": "tiered",
                    "tiers": [_LADDER[0], {**_LADDER[1], "from_kwh": 2000}, _LADDER[2]],
                }
            }
        },
        ["tariffs.plans.home.tiers", "tiers.1.from_kwh", "2000", "overlaps", "2880"],
    ),
    (
        "tiers_with_a_gap",
        {
            "plans": {
                "home": {
                    "kind": "tiered",
                    "tiers": [_LADDER[0], _LADDER[1], {**_LADDER[2], "from_kwh": 5000}],
                }
            }
        },
        ["tariffs.plans.home.tiers", "tiers.2.from_kwh", "5000", "gap", "4800"],
    ),
    (
        "tiers_not_from_zero",
        {
            "plans": {
                "home": {"kind": "tiered", "tiers": [{**_LADDER[0], "from_kwh": 10}, *_LADDER[1:]]}
            }
        },
        ["tariffs.plans.home.tiers", "tiers.0.from_kwh", "expected 0"],
    ),
    (
        "last_tier_closed",
        {"plans": {"home": {"kind": "tiered", "tiers": [_LADDER[0], _LADDER[1]]}}},
        ["tariffs.plans.home.tiers", "tiers.1.to_kwh", "open"],
    ),
    (
        "price_of_another_kind",
        {"plans": {"home": {"price_per_kwh": 0.3, "tiers": _LADDER}}},
        ["tariffs.plans.home", "'tiers'", "kind 'tiered'"],
    ),
    (
        "kind_without_its_prices",
        {"plans": {"home": {"kind": "time_of_use"}}},
        ["tariffs.plans.home", "register_prices_per_kwh", "missing"],
    ),
    (
        "tou_prices_not_matching_registers",
        {"plans": {"home": {"kind": "time_of_use", "register_prices_per_kwh": [0.2, 0.3, 0.4]}}},
        [
            "tariffs.plans.home.register_prices_per_kwh",
            "3 price(s)",
            "1 tariff register",
            "meters.tariffs",
        ],
    ),
    ("bad_currency", {"currency": "euro"}, ["tariffs.currency", "euro"]),
    ("currency_without_minor_unit", {"currency": "XAU"}, ["tariffs", "XAU", "minor_unit"]),
    ("prepaid_payment", {"payment": "prepaid"}, ["tariffs.payment", "prepaid", "postpaid"]),
    ("no_plans", {"plans": {}}, ["tariffs.plans", "no plans"]),
]


@pytest.mark.parametrize(("case", "section", "fragments"), BAD, ids=[c[0] for c in BAD])
def test_bad_tariffs_exit_2_naming_the_path(
    case: str,
    section: dict[str, Any],
    fragments: list[str],
    write_scenario: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["validate", str(write_scenario(_tariffs(section)))])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in message:\n{err}"


def test_a_prepaid_section_needs_tariffs(
    write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(write_scenario(tiny_scenario_dict(prepaid={"share": 0.2})))])
    assert code == 2
    assert "prepaid needs a tariffs section" in capsys.readouterr().err
