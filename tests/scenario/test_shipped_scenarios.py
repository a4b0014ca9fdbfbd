"""Every scenario (scenarios/) and sweep file (scenarios/sweeps/) shipped is valid as it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.scenario import load_scenario
from twin.sweep import SweepSpec

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FILES = sorted([*SCENARIOS.glob("*.yaml"), *SCENARIOS.glob("sweeps/*.yaml")])


def test_there_are_shipped_scenarios() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_a_shipped_file_is_valid(path: Path) -> None:
    if SweepSpec.is_sweep_file(path):
        spec = SweepSpec.from_file(path)
        runs = spec.runs()
        assert runs and all(spec.scenario(run).name for run in runs[:3])
    else:
        assert load_scenario(path).name == path.stem


def test_the_tariffs_demo_prices_every_customer_kind() -> None:
    scenario = load_scenario(SCENARIOS / "tariffs_demo.yaml")
    assert scenario.tariffs is not None and scenario.tariffs.currency == "CNY"
    plans = scenario.tariffs.price_plans()
    assert set(scenario.tariffs.plan_of().values()) <= set(plans)
    assert {p.kind for p in plans.values()} == {"tiered", "time_of_use"}
    assert any(p.demand_per_kw > 0 for p in plans.values())


def test_the_prepaid_town_puts_half_the_homes_on_prepaid() -> None:
    scenario = load_scenario(SCENARIOS / "prepaid_town.yaml")
    assert scenario.tariffs is not None and scenario.tariffs.currency == "GBP"
    assert scenario.prepaid is not None and scenario.prepaid.share == 0.5
    assert scenario.time.duration_s <= 90 * 86_400  # a fast shipped run


def test_the_prepaid_town_runs_briefly_with_its_prepaid_tables(tmp_path: Path) -> None:
    import twin

    scenario = load_scenario(SCENARIOS / "prepaid_town.yaml", ["time.duration=5d"])
    run = twin.run(scenario, out=tmp_path / "town", progress=False)
    accounts = run.table("external/account")
    assert (accounts["payment"] == "prepaid").any()
    for name in (
        "external/prepaid_transaction",
        "external/credit_balance_daily",
        "external/relay_command",
        "truth/supply_interruption",
    ):
        assert name in run.tables
    balances = run.table("external/credit_balance_daily")
    assert set(balances["account_id"]) == set(
        accounts.loc[accounts["payment"] == "prepaid", "account_id"]
    )
