"""The installed command: real exit codes and messages, as a user sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tiny_scenario_dict
from twin.cli import main


def _twin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twin", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_bad_input_through_the_real_process(tmp_path: Path, write_scenario: Any) -> None:
    path = write_scenario(tiny_scenario_dict(**{"households.count": -3}))
    done = _twin("run", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "households.count" in done.stderr and "-3" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "results").exists()


def test_default_run_directory_is_results_name(tmp_path: Path, write_scenario: Any) -> None:
    path = write_scenario(tiny_scenario_dict(**{"households.count": 5, "time.duration": "2h"}))
    done = _twin("run", str(path), "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "tiny" / "manifest.json").is_file()
    assert "peak transformer" in done.stdout


def test_networks_lists_builtin_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["networks"]) == 0
    names = capsys.readouterr().out.split()
    for name in ("cigre_lv", "simbench:1-LV-urban6--0-sw", "simbench:1-MVLV-urban-all-0-sw"):
        assert name in names


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    # `twin networks | head -1`: the reader takes one line and closes the pipe.
    with subprocess.Popen(
        [sys.executable, "-m", "twin", "networks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip()
        child.stdout.close()
        stderr = child.stderr.read().decode()
        assert child.wait(timeout=60) == 0, stderr
    assert "internal error" not in stderr and "Broken pipe" not in stderr


@pytest.mark.parametrize("args", [["networks"], ["validate", "{scenario}"]], ids=lambda a: a[0])
def test_output_into_a_closed_pipe_exits_quietly(
    tmp_path: Path, write_scenario: Any, args: list[str]
) -> None:
    # The reader is gone before the command writes anything, so every write fails with
    # EPIPE (a race-free version of the test above).
    scenario = write_scenario(tiny_scenario_dict(**{"households.count": 5}))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "twin", *(a.format(scenario=scenario) for a in args)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_unknown_command_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fly"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["study", "vacancy"],
        ["study", "power-quality"],
        ["study", "grid-loading"],
        ["study", "losses"],
        ["study", "safety"],
        ["report"],
    ],
    ids=lambda a: "-".join(a),
)
def test_studies_and_report_refuse_a_folder_that_is_not_a_run(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "half").mkdir()
    code = main([*args, str(tmp_path / "half")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "half" in err and "Traceback" not in err


def test_study_options_belong_to_the_vacancy_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["study", "power-quality", str(tmp_path), "--window", "90d"])
    assert code == 2
    assert "--window" in capsys.readouterr().err


def test_sweep_refuses_an_unknown_study_before_anything_is_written(
    tmp_path: Path, write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tiny_scenario_dict(**{"households.count": 5, "time.duration": "2h"}))
    out = tmp_path / "sweep"
    studies = ["--study", "vacancy", "--study", "theft"]
    code = main(
        ["sweep", str(path), "--param", "households.count=5,6", *studies, "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--study" in err and "'theft'" in err
    assert "demand-response, grid-loading, losses, power-quality, prepaid, safety, vacancy" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_vacancy_study_generates_its_training_run(
    tmp_path: Path, write_scenario: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tiny_scenario_dict(**{"time.duration": "8d"}))
    run_dir = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(run_dir), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["study", "vacancy", str(run_dir)]) == 0
    out = capsys.readouterr().out
    training = run_dir / "studies" / "vacancy_training_run"
    assert f"generated a training run from {run_dir}'s scenario with seed 8" in out
    assert "separability" in out and "home/away accuracy" in out
    metrics = json.loads((run_dir / "studies" / "vacancy" / "metrics.json").read_text())
    assert metrics["training_run"]["path"] == str(training)
    assert metrics["training_run"]["seed"] == 8 != metrics["training_run"]["scored_seed"]
    assert "generated" in metrics["training_run"]["origin"]
    assert metrics["detectors"]["interval_evidence"]["calibration"] == "fixed"
    assert (run_dir / "studies" / "vacancy" / "separability.png").is_file()
    assert main(["study", "vacancy", str(run_dir)]) == 0  # the second time it is reused
    assert "reused a training run" in capsys.readouterr().out
    assert main(["study", "vacancy", str(run_dir), "--training-run", str(run_dir)]) == 2
    assert "scored run itself" in capsys.readouterr().err
