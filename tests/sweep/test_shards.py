"""Sharded single runs on a real Dask LocalCluster: identical tables, MV coupling, errors."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from twin.cli import main
from twin.devices.der_totals import DerTotals
from twin.engine import build_site
from twin.engine.sharding import ShardPlan, deal_areas, merge_shards, plan_shards
from twin.errors import ScenarioError
from twin.scenario import Scenario
from twin.streams import RunDirectory, TableWriter, table_files
from twin.sweep import run_shard, run_sharded

TIMING_COLUMNS = {"truth/power_flow": ["solve_ms"]}
"""Wall-clock measurements: never the same twice, sharded or not."""


def _scenario(tmp_path: Path, name: str, data: dict[str, Any]) -> twin.Scenario:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return twin.load_scenario(path)


def _everything_on_cigre(**grid: Any) -> dict[str, Any]:
    """Households, PV, storage, EVs with a public station, and the AMI under faults."""
    return {
        "name": "sharded",
        "seed": 11,
        "time": {
            "start": "2025-01-30T00:00:00",
            "timezone": "Europe/Berlin",
            "duration": "3d",
            "interval": "15min",
        },
        "grid": {"network": "cigre_lv", **grid},
        "households": {"count": 90},
        "pv": {"share": 0.4},
        "storage": {"share": 0.5},
        "ev": {
            "share": 0.4,
            "policy": "managed",
            "public_stations": [{"bus": 30, "connectors": 2, "power_kw": 50}],
        },
        "meters": {
            "management": {"buffer_days": 2},
            "firmware_campaigns": [
                {
                    "to_version": "2.1.0",
                    "start": "1d",
                    "waves": 2,
                    "wave_interval": "12h",
                    "share": 0.5,
                    "failure_probability": 0.2,
                }
            ],
        },
        "comms": {"technology": "hplc", "loss": 0.1, "outage_rate_per_year": 40},
        "faults": [
            {"kind": "concentrator_outage", "target": [1], "start": "1d", "duration": "12h"},
            {"kind": "compromised_management", "target": [3, 50], "start": "12h", "duration": "2d"},
            {"kind": "management_crash", "target": 0.05, "start": "30h"},
            {"kind": "tamper", "target": [60], "start": "2d"},
        ],
    }


def _canonical(frame: pd.DataFrame, drop: list[str]) -> pd.DataFrame:
    frame = frame.drop(columns=drop)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame.sort_values(list(frame.columns), kind="stable", ignore_index=True)


def assert_same_tables(
    whole: RunDirectory, sharded: RunDirectory, tables: list[str] | None = None
) -> None:
    """The two runs hold the same tables (or just ``tables``), row for row."""
    if tables is None:
        assert whole.tables == sharded.tables
    for name in whole.tables if tables is None else tables:
        drop = TIMING_COLUMNS.get(name, [])
        a, b = whole.table(name), sharded.table(name)
        assert list(a.columns) == list(b.columns), name
        pd.testing.assert_frame_equal(
            _canonical(a, drop), _canonical(b, drop), check_exact=True, obj=name
        )


def run_and_merge_two_shards(scenario: Scenario, folder: Path) -> tuple[list[Any], RunDirectory]:
    """The scenario in two shards run one after the other in this process (no Dask),
    merged as a sharded run merges them: the shard runs and the merged run."""
    site = build_site(scenario)
    t0 = time.perf_counter()
    results = [
        twin.run(scenario, out=folder / f"shard-{p.index}", progress=False, shard=p)
        for p in plan_shards(scenario, 2, site)
    ]
    merged = merge_shards(
        scenario,
        site,
        [r.path for r in results],
        [dataclasses.asdict(r.summary) for r in results],
        [r.manifest for r in results],
        [r.der_totals for r in results if isinstance(r.der_totals, DerTotals)],
        folder / "merged",
        started=datetime.now(UTC),
        sharding={"shards": 2, "mv": "fixed", "transformers": [], "premises": []},
        timings={},
        t0=t0,
        merge_tic=time.perf_counter(),
    )
    return results, merged


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One 2-worker LocalCluster for the module (workers keep networks cached)."""
    import logging

    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address


def test_areas_are_dealt_evenly() -> None:
    units = [(5,), (7,), (9,), (11,)]
    weights = np.asarray([10, 40, 25, 25])
    # heaviest first, each to the lightest shard: 50 and 50
    assert deal_areas(units, weights, 2) == [(5, 7), (9, 11)]
    assert deal_areas([(5, 7), (9, 11)], np.asarray([50, 50]), 2) == [(5, 7), (9, 11)]
    with pytest.raises(ValueError, match=r"expected 1 \.\. 4"):
        deal_areas(units, weights, 5)


@given(
    weights=st.lists(st.integers(0, 10_000), min_size=1, max_size=40),
    count=st.integers(1, 40),
)
@settings(max_examples=200, deadline=None)
def test_every_area_goes_to_exactly_one_shard_and_work_is_balanced(
    weights: list[int], count: int
) -> None:
    count = min(count, len(weights))
    units = [(2 * i, 2 * i + 1) for i in range(len(weights))]
    groups = deal_areas(units, np.asarray(weights), count)
    assert len(groups) == count
    dealt = sorted(a for g in groups for a in g)
    assert dealt == sorted(a for u in units for a in u)  # each area once
    load = [sum(weights[a // 2] for a in g[::2]) for g in groups]
    # longest processing time first: no shard exceeds another by more than the heaviest unit
    assert max(load) - min(load) <= max(weights)


@pytest.mark.slow
def test_lv_network_shards_write_the_unsharded_tables(tmp_path: Path, scheduler: str) -> None:
    scenario = _scenario(tmp_path, "lv", _everything_on_cigre())
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    sharded = run_sharded(
        scenario, 2, out=tmp_path / "sharded", scheduler=scheduler, progress=False, echo=str
    )
    assert sharded.manifest["sharding"]["mv"] == "fixed"
    assert sorted(sharded.manifest["sharding"]["premises"]) != [0, 90]
    assert_same_tables(whole, sharded)
    # every kind of data really happened
    assert (whole.table("internal/meter_interval")["quality"] != "ok").any()
    sessions = whole.table("external/ev_session")
    assert len(sessions) > 0 and (sessions["stop_reason"] == "EndOfRun").any()  # open at the end
    assert len(whole.table("internal/firmware_update")) > 0
    # the same summary, value for value, fleet-wide DER figures included
    measured = {"solver", "wall_s", "timings_s", "profile"}
    same = {k: v for k, v in dataclasses.asdict(whole.summary).items() if k not in measured}
    got = {k: v for k, v in dataclasses.asdict(sharded.summary).items() if k not in measured}
    assert got == same
    assert same["der"]["peak_export_kw"] > 0 and same["der"]["pv_mwh"] > 0
    printed = zip(whole.summary.lines(), sharded.summary.lines(), strict=True)
    assert [a.split()[0] for a, b in printed if a != b] == ["run", "wall"]
    assert sharded.manifest["scoreboard"] == whole.manifest["scoreboard"]
    assert sharded.manifest["row_counts"] == whole.manifest["row_counts"]


@pytest.mark.slow
def test_fixed_mv_shards_write_the_unsharded_tables(tmp_path: Path, scheduler: str) -> None:
    data = {
        "name": "mvlv",
        "seed": 5,
        "time": {"start": "2025-07-07T00:00:00", "timezone": "Europe/Berlin", "duration": "6h"},
        "grid": {"network": "simbench:1-MVLV-rural-all-0-sw", "mv": "fixed"},
        "households": {"count": 300},
        "pv": {"share": 0.3},
    }
    scenario = _scenario(tmp_path, "mv", data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    sharded = run_sharded(
        scenario, 3, out=tmp_path / "sharded", scheduler=scheduler, progress=False, echo=str
    )
    assert_same_tables(whole, sharded)
    assert len(sharded.manifest["sharding"]["transformers"]) == 3


@pytest.mark.slow
def test_coupled_mv_shards_follow_the_joint_power_flow(tmp_path: Path, scheduler: str) -> None:
    data = {
        "name": "coupled",
        "seed": 5,
        "time": {"start": "2025-01-13T16:00:00", "timezone": "Europe/Berlin", "duration": "6h"},
        "grid": {"network": "simbench:1-MVLV-rural-all-0-sw"},
        "households": {"count": 800},
    }
    scenario = _scenario(tmp_path, "coupled", data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    sharded = run_sharded(
        scenario, 2, out=tmp_path / "sharded", scheduler=scheduler, progress=False, echo=str
    )
    assert sharded.manifest["sharding"]["mv"] == "coupled"
    assert whole.tables == sharded.tables
    for name in ("internal/bus_voltage", "internal/transformer_interval"):
        a, b = whole.table(name), sharded.table(name)
        key = next(c for c in a.columns if c.endswith("_id"))
        both = a.merge(b, on=[key, "interval_end"], suffixes=("", "_sharded"), validate="1:1")
        assert len(both) == len(a) == len(b), name
        if name == "internal/bus_voltage":  # MV and LV buses alike
            assert np.abs(both["vm_pu"] - both["vm_pu_sharded"]).max() < 2e-5
        else:
            assert np.abs(both["p_kw"] - both["p_kw_sharded"]).max() < 2.0
    # the MV voltage drop reaches the LV areas: not the fixed-voltage answer
    fixed = twin.run(
        twin.load_scenario(tmp_path / "coupled.yaml", ["grid.mv=fixed"]),
        out=tmp_path / "fixed",
        progress=False,
    )
    lv = fixed.table("internal/bus_voltage")
    joined = lv.merge(whole.table("internal/bus_voltage"), on=["bus_id", "interval_end"])
    assert np.abs(joined["vm_pu_x"] - joined["vm_pu_y"]).max() > 1e-3
    # metering does not depend on the MV level here (no DER, no voltage events)
    a, b = whole.table("internal/meter_interval"), sharded.table("internal/meter_interval")
    assert a["import_wh"].sum() == b["import_wh"].sum()


def test_bad_shard_counts_are_refused(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "lv", _everything_on_cigre())
    with pytest.raises(ScenarioError, match=r"--shards.*3 unit\(s\) of LV transformer areas"):
        plan_shards(scenario, 4, build_site(scenario))
    plans = plan_shards(scenario, 3, build_site(scenario))
    assert sorted(t for p in plans for t in p.transformers) == [0, 1, 2]


def test_the_lean_first_level_sees_the_full_runs_transformer_loads(tmp_path: Path) -> None:
    data = _everything_on_cigre()
    data["time"]["duration"] = "2d"
    data["meters"]["remote_disconnects"] = [{"meters": 0.2, "at": "6h", "duration": "12h"}]
    scenario = _scenario(tmp_path, "lean", data)
    plan = plan_shards(scenario, 2, build_site(scenario))[1]
    full = twin.run(scenario, out=tmp_path / "full", progress=False, shard=plan)
    lean = twin.run(
        scenario,
        out=tmp_path / "lean",
        progress=False,
        shard=dataclasses.replace(plan, flows_only=True),
    )
    assert "internal/meter_interval" not in lean.tables
    pd.testing.assert_frame_equal(
        full.table("internal/transformer_interval"),
        lean.table("internal/transformer_interval"),
        check_exact=True,
    )


def test_tables_in_part_files_merge_into_the_unsharded_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _everything_on_cigre()
    data["time"]["duration"] = "2d"
    scenario = _scenario(tmp_path, "parts", data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    # the same run and its shards with a part file every 2 row groups of 1,000 rows
    monkeypatch.setattr(TableWriter, "ROW_GROUPS_PER_FILE", 2)
    small = _scenario(tmp_path, "small", data | {"outputs": {"row_group_rows": 1_000}})
    rolled = twin.run(small, out=tmp_path / "rolled", progress=False)
    shards, merged = run_and_merge_two_shards(small, tmp_path / "sharded")
    buses = "internal/bus_voltage.parquet"  # 41 buses x 192 intervals
    assert len(table_files(rolled.path / buses)) == 4
    assert len(table_files(merged.path / buses)) > len(shards)  # the shards' parts adopted
    assert_same_tables(twin.open_run(whole.path), twin.open_run(rolled.path))
    assert_same_tables(twin.open_run(whole.path), merged)


def test_a_failing_shard_reports_its_error_instead_of_raising(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "lv", _everything_on_cigre())
    plan = ShardPlan(0, 2, (0, 99))  # not a whole unit set: the engine refuses it
    row = run_shard(scenario, plan, str(tmp_path / "shard"), str(tmp_path / "progress"))
    assert row["index"] == 0 and not row["bad_input"]
    assert "whole solve units" in row["error"]
    assert not (tmp_path / "shard").exists()


def test_cli_shard_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lv.yaml"
    path.write_text(yaml.safe_dump(_everything_on_cigre()))
    assert main(["run", str(path), "--shards", "9", "--out", str(tmp_path / "x")]) == 2
    assert main(["run", str(path), "--workers", "2", "--out", str(tmp_path / "x")]) == 2
    assert main(["run", str(path), "--shards", "0", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--shards" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert main(["run", str(path), "--set", "grid.network=simbench:1-LV-rural1--0-sw",
                 "--set", "households.count=auto", "--set", "ev.public_stations=[]",
                 "--shards", "2", "--out", str(tmp_path / "x")]) == 2  # fmt: skip
