"""Sweeps on a real Dask LocalCluster: runs, resume, failures, reproducibility."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin
from tests.conftest import tiny_scenario_dict
from twin.cli import main
from twin.errors import ScenarioError
from twin.studies.registry import read_headlines, study_columns
from twin.sweep import (
    KPI_COLUMNS,
    RunSpec,
    SweepSpec,
    parse_param,
    run_kpis,
    run_one,
    run_seeds,
    run_sweep,
)


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    data = tiny_scenario_dict(**{"time.duration": "3h", "households.count": 8})
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _grid(base: Path, seeds: int = 2) -> SweepSpec:
    return SweepSpec(base, {"households.count": [6, 9]}, seeds)


def test_params_and_seeds_are_stable(base_file: Path) -> None:
    assert parse_param("households.count=5,10") == ("households.count", [5, 10])
    assert parse_param("time.interval=15min,1h")[1] == ["15min", "1h"]
    with pytest.raises(ScenarioError, match=r"KEY\.PATH"):
        parse_param("households.count")
    spec = _grid(base_file)
    runs = spec.runs()
    assert len(runs) == 4 and len({r.run_id for r in runs}) == 4
    assert [r.run_id for r in runs] == [r.run_id for r in _grid(base_file).runs()]
    # the k-th seed is the same whatever the grid: common random numbers
    other = SweepSpec(base_file, {"households.count": [5, 6, 7]}, 2).runs()
    assert {r.seed for r in runs} == {r.seed for r in other} == set(run_seeds(7, 2))


def test_latin_hypercube_sample(tmp_path: Path, base_file: Path) -> None:
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "base": "base.yaml",
                "sample": {
                    "count": 5,
                    "ranges": {
                        "households.count": [5, 25],
                        "households.consumption.annual_kwh_median": [2000, 3000.5],
                    },
                },
            }
        )
    )
    spec = SweepSpec.from_file(sweep_file)
    runs = spec.runs()
    counts = [r.parameters["households.count"] for r in runs]
    assert len(runs) == 5 and all(isinstance(c, int) and 5 <= c <= 25 for c in counts)
    kwh = [r.parameters["households.consumption.annual_kwh_median"] for r in runs]
    # Latin hypercube: exactly one point in each fifth of the range
    assert sorted(int((x - 2000) // (1000.5 / 5)) for x in kwh) == [0, 1, 2, 3, 4]
    spec.scenario(runs[0])  # a valid scenario


def test_one_at_a_time_varies_each_parameter_alone(tmp_path: Path, base_file: Path) -> None:
    sweep_file = tmp_path / "oat.yaml"
    parameters = {
        "households.count": [5, 7],
        "households.vacancy.long_term_vacant": [0.0, 0.1, 0.2],
    }
    sweep_file.write_text(
        yaml.safe_dump({"base": "base.yaml", "design": "one_at_a_time", "parameters": parameters})
    )
    spec = SweepSpec.from_file(sweep_file)
    assert spec.combinations() == [
        {},
        {"households.count": 5},
        {"households.count": 7},
        {"households.vacancy.long_term_vacant": 0.0},
        {"households.vacancy.long_term_vacant": 0.1},
        {"households.vacancy.long_term_vacant": 0.2},
    ]
    assert len(spec.runs()) == 6 and spec.describe()["design"] == "one_at_a_time"
    assert spec.scenario(spec.runs()[1]).households.count == 5
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "base": "base.yaml",
                "design": "one_at_a_time",
                "sample": {"count": 2, "ranges": {"households.count": [5, 9]}},
            }
        )
    )
    with pytest.raises(ScenarioError, match="one_at_a_time"):
        SweepSpec.from_file(sweep_file)
    sweep_file.write_text(yaml.safe_dump({"base": "base.yaml", "design": "sideways"}))
    with pytest.raises(ScenarioError, match="design"):
        SweepSpec.from_file(sweep_file)


def test_a_bad_value_stops_the_sweep_before_anything_runs(
    base_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    code = main(["sweep", str(base_file), "--param", "households.count=5,0", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "households.count=0" in err and "given 0" in err
    assert not out.exists()


def _fail_on_nine(spec: SweepSpec, run: RunSpec, runs_dir: Path) -> dict[str, Any]:
    if run.parameters.get("households.count") == 9 and run.seed_index == 1:
        raise RuntimeError("simulated worker failure")
    return run_one(spec, run, runs_dir)


@pytest.mark.slow
def test_sweep_runs_resumes_and_records_failures(base_file: Path, tmp_path: Path) -> None:
    spec = _grid(base_file)
    out = tmp_path / "sweep"
    table = run_sweep(spec, out, workers=2, progress=False, task=_fail_on_nine)
    assert sorted(table["status"]) == ["complete", "complete", "complete", "failed"]
    failed = table[table["status"] == "failed"].iloc[0]
    assert "simulated worker failure" in failed["error"]
    assert (pd.read_parquet(out / "sweep.parquet")["run_id"] == table["run_id"]).all()
    done = table[table["status"] == "complete"]
    assert (done["households"] == done["households.count"]).all()
    assert (done["import_mwh"] > 0).all()

    # resume: one finished run deleted, the failed one now succeeds
    victim = done["run_id"].iloc[0]
    before = twin.open_run(out / "runs" / victim).table("internal/meter_interval")
    shutil.rmtree(out / "runs" / victim)
    again = run_sweep(spec, out, workers=2, progress=False).set_index("run_id")
    assert again.loc[victim, "status"] == "complete"
    assert again.loc[failed["run_id"], "status"] == "complete"
    assert (again["status"] == "reused").sum() == 2
    after = twin.open_run(out / "runs" / victim).table("internal/meter_interval")
    pd.testing.assert_frame_equal(
        before.drop(columns="received_at"), after.drop(columns="received_at")
    )


@pytest.mark.slow
def test_tables_and_studies_are_the_same_alone_or_in_a_sweep_on_any_worker_count(
    base_file: Path, tmp_path: Path
) -> None:
    spec = SweepSpec(base_file, {"households.count": [6, 9]}, 1, studies=("power-quality",))
    one = run_sweep(spec, tmp_path / "w1", workers=1, progress=False)
    two = run_sweep(spec, tmp_path / "w2", workers=2, progress=False)
    assert (one["status"] == "complete").all() and (two["status"] == "complete").all()
    # the same sweep table on any worker count (but for the wall times)
    pd.testing.assert_frame_equal(one.drop(columns="wall_s"), two.drop(columns="wall_s"))
    assert (one["study_error"] == "").all()
    assert (one["power_quality_buses_assessed"] > 0).all()
    assert one[list(study_columns("vacancy"))].isna().all().all()  # not asked for
    run = spec.runs()[1]
    alone = twin.run(spec.scenario(run), out=tmp_path / "alone", progress=False)
    assert main(["study", "power-quality", str(alone.path)]) == 0
    by_hand = read_headlines(alone.path, ["power-quality"])
    for folder in (tmp_path / "w1", tmp_path / "w2"):
        swept = twin.open_run(folder / "runs" / run.run_id)
        for table in ("internal/meter_interval", "internal/bus_voltage", "truth/vacancy"):
            pd.testing.assert_frame_equal(swept.table(table), alone.table(table))
        row = pd.read_parquet(folder / "sweep.parquet").set_index("run_id").loc[run.run_id]
        assert {k: row[k] for k in by_hand} == by_hand
    # the study over the sweep: its robustness table, one row per grid point
    assert main(["study", "power-quality", str(tmp_path / "w1")]) == 0
    table = pd.read_csv(tmp_path / "w1" / "studies" / "power-quality" / "robustness.csv")
    assert table["value"].astype(str).tolist() == ["6", "9"] and (table["runs"] == 1).all()
    np.testing.assert_allclose(
        table["compliant_share_mean"], one["power_quality_compliant_share"], equal_nan=True
    )


@pytest.mark.slow
def test_cli_sweep_runs_studies_in_the_workers_and_a_failing_study_leaves_nan(
    base_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", str(base_file), "--param", "households.count=6", "--workers", "1"]
    code = main([*args, "--study", "vacancy", "--study", "losses", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed  # a study that cannot run does not fail the sweep
    table = pd.read_parquet(out / "sweep.parquet")
    fixed = ["run_id", "households.count", "seed_index", "seed", "status", "error"]
    assert list(table.columns) == [*fixed, "study_error", "wall_s", *KPI_COLUMNS]
    row = table.iloc[0]
    assert row["status"] == "complete"
    # the run is 3 h long: the vacancy study needs 7 whole days and says so; losses runs
    assert row["study_error"].startswith("vacancy: ") and "7 whole local days" in row["study_error"]
    assert "losses" not in row["study_error"]
    assert all(math.isnan(row[c]) for c in study_columns("vacancy"))
    assert row["losses_areas_assessed"] >= 1  # no complete day in 3 h: the rates are NaN
    assert f"study failed on {row['run_id']}" in printed and "vacancy:" in printed
    assert yaml.safe_load((out / "sweep.yaml").read_text())["studies"] == ["losses", "vacancy"]

    # an older output of the failing study is never reported by the sweep, though a
    # run's KPIs read every study that wrote its metrics
    run_dir = out / "runs" / row["run_id"]
    folder = run_dir / "studies" / "vacancy"
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps({"f1": 0.5, "precision": 0.25}))
    assert run_kpis(twin.open_run(run_dir))["vacancy_f1"] == 0.5
    spec = SweepSpec(base_file, {"households.count": [6]}, studies=("vacancy",))
    again = run_one(spec, spec.runs()[0], out / "runs")
    assert again["status"] == "reused" and again["study_error"].startswith("vacancy: ")
    assert math.isnan(again["vacancy_f1"]) and math.isnan(again["vacancy_precision"])
    assert again["losses_areas_assessed"] == row["losses_areas_assessed"]  # read back
