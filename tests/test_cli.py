"""The installed command: real exit codes and messages, as a user sees them."""

from __future__ import annotations

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
