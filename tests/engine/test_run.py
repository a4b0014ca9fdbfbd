"""End-to-end runs: tables, reproducibility, failures leave nothing (each LV area's energy
balance is tests/engine/test_energy_balance.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import twin
from tests.conftest import REPO, tiny_scenario_dict
from twin.cli import main
from twin.scenario.loading import validate_scenario_dict

TABLES = [
    "external/alarm",
    "external/app_daily",
    "external/safety_alarm",
    "internal/area_meter_interval",
    "internal/area_meter_register_daily",
    "internal/bus_voltage",
    "internal/comm_stats",
    "internal/firmware_update",
    "internal/line_interval",
    "internal/meter_event",
    "internal/meter_interval",
    "internal/meter_phase_interval",
    "internal/meter_point",
    "internal/meter_register_daily",
    "internal/meter_register_monthly",
    "internal/network_branch",
    "internal/network_bus",
    "internal/transformer_interval",
    "truth/alarm_cause",
    "truth/area_power_flow",
    "truth/meter",
    "truth/meter_energy_daily",
    "truth/occupancy",
    "truth/power_flow",
    "truth/premise",
    "truth/vacancy",
]


def _run(tmp_path: Path, name: str = "run", **changes: Any) -> twin.Run:
    scenario = validate_scenario_dict(tiny_scenario_dict(**changes))
    return twin.run(scenario, out=tmp_path / name, progress=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> twin.Run:
    return _run(tmp_path_factory.mktemp("tiny"))


def test_run_writes_every_table(tiny_run: twin.Run) -> None:
    assert tiny_run.tables == TABLES
    manifest = tiny_run.manifest
    assert manifest["seed"] == 7
    assert manifest["scenario"]["households"]["count"] == 30
    assert {"numpy", "pandapower", "gridtwin"} <= set(manifest["versions"])
    counts = manifest["row_counts"]
    # 1-LV-semiurb4: 30 households, 9 commercial loads and a rooftop PV system, one LV area
    kinds = tiny_run.table("internal/meter_point")["customer_kind"].value_counts().to_dict()
    assert kinds == {"household": 30, "commercial": 9, "generation": 1}
    assert counts["internal/meter_interval"] == 40 * 96
    assert counts["internal/meter_register_daily"] == 40  # one local midnight in the run
    assert counts["truth/premise"] == 40
    assert counts["truth/power_flow"] == 96
    assert counts["internal/area_meter_interval"] == 96
    assert counts["truth/area_power_flow"] == 96
    n_bus = counts["internal/bus_voltage"] // 96
    assert counts["internal/bus_voltage"] == n_bus * 96 and n_bus > 30


def test_interval_readings_follow_the_contract(tiny_run: twin.Run) -> None:
    df = tiny_run.table("internal/meter_interval")
    assert set(df["quality"].astype(str)) == {"ok"}
    assert str(df["interval_end"].dt.tz) == "UTC"
    assert (df["received_at"] >= df["interval_end"]).all()
    assert df["import_wh"].dtype == np.int64
    assert not df.duplicated(["meter_id", "interval_end"]).any()
    first = df["interval_end"].min()
    assert first == pd.Timestamp("2025-03-02 23:15", tz="UTC")  # Berlin midnight + 15 min


def test_interval_energy_matches_the_frozen_registers(tiny_run: twin.Run) -> None:
    intervals = tiny_run.table("internal/meter_interval")
    daily = tiny_run.table("internal/meter_register_daily")
    summed = intervals.groupby("meter_id", observed=True)["import_wh"].sum()
    frozen = daily.set_index("meter_id")["import_total_wh"]
    pd.testing.assert_series_equal(
        summed.sort_index(), frozen.sort_index(), check_names=False, check_index_type=False
    )
    assert tiny_run.summary.import_mwh == pytest.approx(summed.sum() / 1e6)


def test_premises_are_on_the_network_and_power_flows_converge(tiny_run: twin.Run) -> None:
    premise = tiny_run.table("truth/premise")
    bus = tiny_run.table("internal/bus_voltage")
    assert set(premise["bus_id"]) <= set(bus["bus_id"])
    assert (premise["transformer_id"] >= 0).all()
    flows = tiny_run.table("truth/power_flow")
    assert flows["converged"].all()
    assert bus["vm_pu"].min() > 0.9 and bus["vm_pu"].max() < 1.1
    trafo = tiny_run.table("internal/transformer_interval")
    assert (trafo["loading_percent"] > 0).all()


def test_occupancy_spells_tile_the_run_and_match_vacancy(tiny_run: twin.Run) -> None:
    spells = tiny_run.table("truth/occupancy").sort_values(["premise_id", "start"])
    start, end = (
        pd.Timestamp("2025-03-02 23:00", tz="UTC"),
        pd.Timestamp("2025-03-03 23:00", tz="UTC"),
    )
    for _, one in spells.groupby("premise_id", observed=True):
        assert one["start"].iloc[0] == start and one["end"].iloc[-1] == end
        assert (one["start"].iloc[1:].to_numpy() == one["end"].iloc[:-1].to_numpy()).all()
        assert (one["present"].iloc[1:].to_numpy() != one["present"].iloc[:-1].to_numpy()).all()
    assert spells["premise_id"].nunique() == 30
    vacancy = tiny_run.table("truth/vacancy")
    for row in vacancy.itertuples():
        home = spells[(spells["premise_id"] == row.premise_id) & spells["present"]]
        overlap = (home["start"] < row.end) & (home["end"] > row.start)
        assert not overlap.any()


def test_network_and_meter_point_tables_line_up(tiny_run: twin.Run) -> None:
    buses = tiny_run.table("internal/network_bus")
    branches = tiny_run.table("internal/network_branch")
    points = tiny_run.table("internal/meter_point")
    assert set(points["bus_id"]) <= set(buses["bus_id"])
    assert set(branches["from_bus_id"]) | set(branches["to_bus_id"]) <= set(buses["bus_id"])
    assert buses[["x", "y"]].notna().all().all()  # SimBench ships geodata
    premise = tiny_run.table("truth/premise")
    merged = points.merge(premise, on="meter_id", suffixes=("", "_truth"))
    assert (merged["bus_id"] == merged["bus_id_truth"]).all()
    lines = tiny_run.table("internal/line_interval")
    assert len(lines) == (branches["kind"] == "line").sum() * 96


def test_same_seed_same_tables_other_seed_other_tables(tmp_path: Path, tiny_run: twin.Run) -> None:
    again = _run(tmp_path, "again")
    other = _run(tmp_path, "other", seed=8)
    for table in ("internal/meter_interval", "internal/bus_voltage", "truth/vacancy"):
        pd.testing.assert_frame_equal(tiny_run.table(table), again.table(table))
    a = tiny_run.table("internal/meter_interval")["import_wh"].to_numpy()
    b = other.table("internal/meter_interval")["import_wh"].to_numpy()
    assert not np.array_equal(a, b)


def test_a_crash_leaves_no_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_scenario: Any, capsys: Any
) -> None:
    from twin.meters import MetrologyCores

    calls = {"n": 0}
    original = MetrologyCores.integrate

    def failing(self: MetrologyCores, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("simulated hardware fault")
        original(self, *args, **kwargs)

    monkeypatch.setattr(MetrologyCores, "integrate", failing)
    path = write_scenario(tiny_scenario_dict())
    out = tmp_path / "out" / "crash"
    code = main(["run", str(path), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "internal error" in err and "Traceback" not in err
    assert not out.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_cli_run_prints_a_summary(tmp_path: Path, write_scenario: Any, capsys: Any) -> None:
    path = write_scenario(tiny_scenario_dict())
    out = tmp_path / "cli"
    code = main(
        [
            "run",
            str(path),
            "--out",
            str(out),
            "--set",
            "households.count=10",
            "--seed",
            "3",
            "--no-progress",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    for word in (
        "households",
        "10",
        "intervals",
        "energy",
        "bus voltage",
        "peak transformer",
        "wall time",
    ):
        assert word in text
    assert twin.open_run(out).manifest["seed"] == 3


CITY_HOUSEHOLDS = 20_000
"""Households of a shipped scenario above which the smoke run keeps only this many."""


@pytest.mark.slow
@pytest.mark.parametrize(
    "scenario_file", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.stem
)
def test_shipped_scenarios_run_at_reduced_size(scenario_file: Path, tmp_path: Path) -> None:
    scenario = twin.load_scenario(scenario_file, ["time.duration=1d"])
    count = scenario.households.count
    if isinstance(count, int) and count > CITY_HOUSEHOLDS:  # a city: its network, fewer homes
        scenario = twin.load_scenario(
            scenario_file, ["time.duration=1d", f"households.count={CITY_HOUSEHOLDS}"]
        )
    result = twin.run(scenario, out=tmp_path / scenario_file.stem, progress=False)
    assert result.summary.non_converged_intervals == 0
    assert result.summary.households > 0


def test_a_non_converged_interval_is_recorded_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twin.grid.solver import LightSim2gridSolver

    original = LightSim2gridSolver.step  # under both the joint and the per-area power flow
    calls = {"n": 0}

    def overloaded(self: LightSim2gridSolver, load_p: Any, load_q: Any, sgen_p: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:  # a hundredfold load: Newton-Raphson cannot converge
            return original(self, load_p * 100, load_q * 100, sgen_p)
        return original(self, load_p, load_q, sgen_p)

    monkeypatch.setattr(LightSim2gridSolver, "step", overloaded)
    result = _run(tmp_path, **{"grid.solver": "lightsim2grid"})
    flows = result.table("truth/power_flow")
    assert flows["converged"].tolist().count(False) == 1
    assert result.summary.non_converged_intervals == 1
    bus = result.table("internal/bus_voltage")
    stamp = flows.loc[~flows["converged"], "interval_end"].iloc[0]
    assert bus.loc[bus["interval_end"] == stamp, "vm_pu"].isna().all()
    assert bus.loc[bus["interval_end"] != stamp, "vm_pu"].notna().all()
    n_meters = len(result.table("internal/meter_point"))
    assert result.table("internal/meter_interval").shape[0] == n_meters * 96  # metering goes on


def test_truth_premise_labels_the_hard_cases(tiny_run: twin.Run) -> None:
    # look_empty and vacant_behaviour: strings for households, null for other customers.
    premise = tiny_run.table("truth/premise")
    homes = premise[premise["occupancy_kind"].notna()]
    assert len(homes) == 30
    assert homes["look_empty"].notna().all() and homes["vacant_behaviour"].notna().all()
    others = premise[premise["occupancy_kind"].isna()]
    assert others["look_empty"].isna().all() and others["vacant_behaviour"].isna().all()
    ltv = homes[homes["occupancy_kind"] == "long_term_vacant"]
    assert len(ltv) == 1  # 4 % of 30
    assert ltv["vacant_behaviour"].str.match(r"^(switched_off|standby)").all()
    assert (homes.loc[homes["occupancy_kind"] == "long_term_vacant", "look_empty"] == "").all()
