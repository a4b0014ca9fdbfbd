"""A shard of the metering infrastructure (whole LV areas) writes exactly the whole run's rows.

The Ami is built for the whole fleet and for the meters of some transformer
areas (and for the complement), driven like the interval process of
:mod:`twin.engine.simulation` (SimPy, ``meter``, ``after_flow``, ``finish``)
with the same power and power-flow results, and written through
:class:`~twin.engine.recording_ami.AmiRecorder`. Every AMI table of a shard
must equal the whole run's rows of its meters (or areas), identifiers
included, and the shards' scoreboards must merge into the whole run's.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy

from tests.conftest import tiny_scenario_dict
from twin.comms import Concentrators
from twin.engine.ami import Ami
from twin.engine.faults import schedule_ami_events
from twin.engine.recording_ami import AmiRecorder
from twin.engine.scoreboard import merge_scoreboards, scoreboard
from twin.engine.site import format_ids
from twin.grid import PowerFlowResult
from twin.members import Members
from twin.meters.time_switch import tariff_count
from twin.random_streams import RandomTree
from twin.scenario import Scenario
from twin.scenario.loading import validate_scenario_dict
from twin.streams import RunDirectory, RunWriter

N = 600
N_BUS = 40
DAYS = 4
TRANSFORMERS = np.array([-1, 3, 7, 8, 11, 15, 20, 21, 30, 31, 40, 41])
SHARD_AREAS = [-1, 7, 15, 21, 31]  # transformer ids of shard A; B holds the others

SETTINGS: dict[str, Any] = {
    "seed": 2024,
    "time.start": "2025-02-27T00:00:00",  # a month's end inside the run: a monthly freeze
    "time.duration": f"{DAYS}d",
    "households.count": N,
    "comms": {
        "technology": "hplc",
        "loss": 0.2,
        "retries": 1,
        "retry_every": "1h",
        "outage_rate_per_year": 60,
        "outage_hours_mean": 6,
    },
    "meters": {
        "accuracy_class": {"A": 0.3, "B": 0.5, "C": 0.2},
        "tariffs": [{"tariff": 2, "start": "07:00", "end": "22:00", "days": "weekday"}],
        "clock": {"drift_ppm_sigma": 150, "sync_threshold_s": 10, "limit_s": 60},
        "management": {"buffer_days": 1, "app_power_every": "1h"},
        "firmware_campaigns": [
            {
                "to_version": "2.0",
                "start": "1d",
                "waves": 3,
                "wave_interval": "6h",
                "share": 0.5,
                "failure_probability": 0.3,
                "reboot_s": 600,
            },
            {"to_version": "2.1", "start": "2d", "share": 0.2, "failure_probability": 0.1},
            {"to_version": "MC-2", "core": "metrology", "start": "2d", "share": [1, 2, 450]},
        ],
        "remote_disconnects": [
            {"meters": [3, 4, 100, 250, 599], "at": "30h", "duration": "5h"},
            {"meters": 0.02, "at": "50h", "duration": "3h"},
        ],
    },
    "faults": [
        {"kind": "concentrator_outage", "target": 0.25, "start": "1d", "duration": "40h"},
        {"kind": "concentrator_outage", "target": [8, 21], "start": "60h", "duration": "4h"},
        {
            "kind": "compromised_management",
            "target": 0.05,
            "start": "0s",
            "duration": "10d",
            "alter_probability": 0.4,
            "drop_probability": 0.3,
            "replay_probability": 0.3,
        },
        {"kind": "management_crash", "target": 0.05, "start": "12h", "reboot_s": 7200},
        {"kind": "management_hang", "target": 0.03, "start": "2d", "duration": "6h"},
        {"kind": "clock_drift", "target": 0.02, "start": "0s", "drift_ppm": 3000},
        {"kind": "tamper", "target": 0.03, "start": "3d"},
        {"kind": "firmware_failure", "target": 0.02, "start": "2d"},
    ],
}

KEYS: dict[str, list[str]] = {
    "internal/meter_interval": ["meter_id", "interval_end"],
    "internal/meter_register_daily": ["meter_id", "freeze_time"],
    "internal/meter_register_monthly": ["meter_id", "freeze_time"],
    "internal/meter_event": ["meter_id", "seq_no"],
    "internal/firmware_update": ["meter_id", "attempt_id"],
    "internal/comm_stats": ["concentrator_id", "day"],
    "external/app_daily": ["meter_id", "day"],
    "external/app_power": ["meter_id", "time"],
    "truth/meter": ["meter_id"],
    "truth/meter_energy_daily": ["meter_id", "day"],
}


@dataclass
class Grid:
    """A fleet without a network: areas, buses, power and power-flow results."""

    transformer: np.ndarray
    meter_bus: np.ndarray
    p_kw: np.ndarray  # (intervals, N)
    results: list[PowerFlowResult]


@dataclass
class Outcome:
    run: RunDirectory
    board: dict[str, Any]
    ami: Ami


def _grid(scenario: Scenario) -> Grid:
    rng = np.random.default_rng(99)
    k = scenario.time.axis().n_intervals
    transformer = rng.choice(TRANSFORMERS, N)  # areas interleaved over the fleet
    meter_bus = rng.integers(0, N_BUS, N)
    p_kw = rng.gamma(1.2, 0.6, (k, N)) - rng.binomial(1, 0.1, (k, N)) * rng.gamma(2.0, 1.5, (k, N))
    results = []
    for _ in range(k):
        vm = 1.0 + 0.06 * rng.standard_normal(N_BUS)
        vm[rng.random(N_BUS) < 0.02] = np.nan  # de-energised buses: power down / up
        converged = rng.random() > 0.03
        if not converged:
            vm[:] = np.nan
        empty = np.zeros(0)
        results.append(
            PowerFlowResult(
                converged=converged,
                vm_pu=vm,
                trafo_p_mw=empty,
                trafo_q_mvar=empty,
                trafo_loading_percent=empty,
                line_loading_percent=empty,
                line_pl_mw=empty,
                trafo_pl_mw=empty,
                trafo_p_lv_mw=empty,
            )
        )
    return Grid(transformer, meter_bus, p_kw, results)


def _drive(scenario: Scenario, grid: Grid, members: Members | None, out: Path) -> Outcome:
    """Build the Ami and run it as the engine's interval process does."""
    axis = scenario.time.axis()
    all_ids = format_ids("M", N)
    ids = all_ids if members is None else [all_ids[i] for i in members.index.tolist()]
    index = np.arange(N) if members is None else members.index

    def process(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        for k in range(axis.n_intervals):
            p_kw = grid.p_kw[k][index]
            p_kw, _ = ami.relay(p_kw, np.zeros_like(p_kw))
            yield env.timeout(axis.interval_s)
            ami.meter(k, p_kw)
            ami.after_flow(k, p_kw, grid.results[k])

    with RunWriter(out, row_group_rows=50_000) as writer:
        ami = Ami(
            scenario,
            axis,
            transformer=grid.transformer,
            meter_bus=grid.meter_bus,
            rng=RandomTree(scenario.seed),
            recorder=AmiRecorder(
                writer,
                axis,
                meter_ids=ids,
                tariffs=tariff_count(scenario.meters.tariff_windows()),
            ),
            members=members,
        )
        env = simpy.Environment()
        firmware = schedule_ami_events(env, ami, scenario)
        env.process(process(env))
        env.run()
        ami.finish(axis.duration_s, axis.n_intervals - 1)
        board = scoreboard(ami, firmware, ids)
        path = writer.commit(manifest={}, scenario={})
    return Outcome(RunDirectory(path), board, ami)


def _frame(run: RunDirectory, table: str) -> pd.DataFrame:
    df = run.table(table)
    for column in df.columns:
        if isinstance(df[column].dtype, pd.CategoricalDtype):
            df[column] = df[column].astype(str)
        elif pd.api.types.is_integer_dtype(df[column].dtype):
            df[column] = df[column].astype("Int64")
    return df.sort_values(KEYS[table]).reset_index(drop=True)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return validate_scenario_dict(tiny_scenario_dict(**SETTINGS))


@pytest.fixture(scope="module")
def grid(scenario: Scenario) -> Grid:
    return _grid(scenario)


@pytest.fixture(scope="module")
def shards(grid: Grid) -> tuple[Members, Members]:
    in_a = np.isin(grid.transformer, SHARD_AREAS)
    return Members(np.flatnonzero(in_a), N), Members(np.flatnonzero(~in_a), N)


@pytest.fixture(scope="module")
def outcomes(
    scenario: Scenario,
    grid: Grid,
    shards: tuple[Members, Members],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("ami_members")
    a, b = shards
    return {
        "full": _drive(scenario, grid, None, root / "full"),
        "a": _drive(scenario, grid, a, root / "a"),
        "b": _drive(scenario, grid, b, root / "b"),
    }


def test_the_scenario_exercises_every_fault(outcomes: dict[str, Outcome]) -> None:
    full, a = outcomes["full"], outcomes["a"]
    assert 200 <= a.ami.n <= 400 and a.ami.concentrators.n_areas == len(SHARD_AREAS)
    board = full.board
    assert board["data"]["backfilled"] > 0 and board["data"]["missing"] > 0
    assert board["data"]["estimated"] > 0 and board["buffer_overflow"]["records"] > 0
    assert board["tampered_records"]["injected"] > 0
    assert set(board["faults"]) == {
        "concentrator_outage",
        "compromised_management",
        "management_crash",
        "management_hang",
        "clock_drift",
        "tamper",
        "firmware_failure",
    }
    assert {"success", "failed_rolled_back", "refused"} <= set(board["firmware"])
    assert board["concentrator_outages"] > 2  # random ones besides the scheduled
    logged = board["events"]["logged"]
    assert {"power_down", "voltage_sag_start", "clock_set", "meter_cover_opened"} <= set(logged)
    assert {"remote_disconnection", "firmware_change_refused"} <= set(logged)
    fw = full.run.table("internal/firmware_update")
    assert fw.groupby("meter_id", observed=True)["attempt_id"].max().max() >= 1
    # both shards see some of everything
    for shard in ("a", "b"):
        part = outcomes[shard].board
        assert part["tampered_records"]["injected"] > 0
        assert part["firmware"].get("success", 0) > 0
        assert part["faults"]["management_crash"]["injected"] > 0


@pytest.mark.parametrize("table", sorted(KEYS))
def test_shard_tables_equal_the_whole_runs_rows(
    outcomes: dict[str, Outcome], grid: Grid, shards: tuple[Members, Members], table: str
) -> None:
    full = _frame(outcomes["full"].run, table)
    assert len(full) > 0
    all_ids = np.asarray(format_ids("M", N))
    parts = []
    for name, members in zip(("a", "b"), shards, strict=True):
        part = _frame(outcomes[name].run, table)
        if "meter_id" in full.columns:
            mine = full["meter_id"].isin(all_ids[members.index])
        else:
            mine = full["concentrator_id"].isin(np.unique(grid.transformer[members.index]))
        expected = full[mine].reset_index(drop=True)
        assert len(part) > 0
        pd.testing.assert_frame_equal(part, expected, check_exact=True)
        parts.append(part)
    merged = pd.concat(parts).sort_values(KEYS[table]).reset_index(drop=True)
    pd.testing.assert_frame_equal(merged, full, check_exact=True)


def test_shard_statistics_add_up(outcomes: dict[str, Outcome]) -> None:
    """Head-end and SPI counters of the shards sum to the whole run's (for the summary)."""
    full, a, b = (outcomes[k].ami for k in ("full", "a", "b"))
    assert full.hes is not None and a.hes is not None and b.hes is not None
    for name, value in vars(full.hes.stats).items():
        if isinstance(value, dict):
            assert value == _sum_dicts(vars(a.hes.stats)[name], vars(b.hes.stats)[name])
        else:
            assert value == vars(a.hes.stats)[name] + vars(b.hes.stats)[name], name
    for name in ("transactions", "frames", "bytes", "deferred_polls", "readback_polls"):
        assert getattr(full.spi.stats, name) == (
            getattr(a.spi.stats, name) + getattr(b.spi.stats, name)
        ), name
    assert full.spi.stats.busy_s == pytest.approx(a.spi.stats.busy_s + b.spi.stats.busy_s)


def _sum_dicts(x: dict[str, int], y: dict[str, int]) -> dict[str, int]:
    return {k: x.get(k, 0) + y.get(k, 0) for k in {*x, *y}}


def test_merged_scoreboards_equal_the_whole_runs(outcomes: dict[str, Outcome]) -> None:
    full = outcomes["full"].board
    parts = [outcomes["a"].board, outcomes["b"].board]
    merged = merge_scoreboards(parts)
    assert merged == full
    assert json.dumps(merged) == json.dumps(full)  # key order too
    roundtrip = merge_scoreboards([json.loads(json.dumps(p)) for p in reversed(parts)])
    assert roundtrip == full
    assert merge_scoreboards([full]) == full
    with pytest.raises(ValueError, match="no scoreboards"):
        merge_scoreboards([])


def test_shard_meters_keep_their_draws_and_keys(
    outcomes: dict[str, Outcome], shards: tuple[Members, Members]
) -> None:
    full = outcomes["full"].ami
    for name, members in zip(("a", "b"), shards, strict=True):
        part = outcomes[name].ami
        idx = members.index
        np.testing.assert_array_equal(part.error, full.error[idx])
        np.testing.assert_array_equal(part.accuracy_class, full.accuracy_class[idx])
        np.testing.assert_array_equal(part.read_offset_s, full.read_offset_s[idx])
        assert part.keys == [full.keys[i] for i in idx.tolist()]
        np.testing.assert_array_equal(part.clocks.drift_ppm, full.clocks.drift_ppm[idx])
        np.testing.assert_array_equal(part.clocks.syncs, full.clocks.syncs[idx])
        np.testing.assert_array_equal(part.management.boot_count, full.management.boot_count[idx])
        assert part.management.version_names(
            np.arange(part.n), 1e12
        ) == full.management.version_names(idx, 1e12)
        areas = part.concentrators.transformer_ids
        local = np.searchsorted(full.concentrators.transformer_ids, areas)
        np.testing.assert_array_equal(
            part.concentrators.outage_count, full.concentrators.outage_count[local]
        )


def test_areas_localise_to_the_areas_held() -> None:
    conc = Concentrators(np.array([7, 3, 7, 40]), all_transformer_ids=np.array([-1, 3, 7, 8, 40]))
    assert conc.n_areas == 3 and conc.n_all_areas == 5
    assert conc.localise_areas(np.array([4, 0, 2, 3, 1])).tolist() == [2, 1, 0]
    empty = Concentrators(np.zeros(0, dtype=np.int64), all_transformer_ids=np.array([3]))
    assert empty.localise_areas(np.array([0])).size == 0
    with pytest.raises(ValueError, match="all_transformer_ids"):
        Concentrators(np.array([5]), all_transformer_ids=np.array([3]))
