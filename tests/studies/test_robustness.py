"""A study's robustness table over a sweep, from a sweep table written by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import twin.studies.robustness as robustness
from twin.cli import main
from twin.errors import TwinError
from twin.studies.registry import study_columns
from twin.studies.robustness import BASE, is_sweep_dir, robustness_table, run_robustness

KEY = "households.vacancy.long_term_vacant"
OTHER = "households.count"


def _sweep(folder: Path, rows: list[dict[str, Any]], design: str = "one_at_a_time") -> Path:
    """A sweep directory of vacancy-study rows: parameters, seed_index, f1 (others NaN)."""
    records = []
    for i, row in enumerate(rows):
        record = {"run_id": f"r{i}", KEY: np.nan, OTHER: np.nan, "status": "complete"}
        record |= {"study_error": "", "seed_index": row.pop("seed_index", 0)}
        record |= dict.fromkeys(study_columns("vacancy"), np.nan)
        record |= row
        records.append(record)
        (folder / "runs" / f"r{i}").mkdir(parents=True)
    pd.DataFrame.from_records(records).to_parquet(folder / "sweep.parquet")
    described = {"parameters": {KEY: [0.0, 0.2], OTHER: [50]}, "design": design}
    (folder / "sweep.yaml").write_text(yaml.safe_dump(described))
    return folder


def test_one_at_a_time_rows_give_mean_and_spread_per_value(tmp_path: Path) -> None:
    rows = [
        {"vacancy_f1": 0.9, "seed_index": 0},
        {"vacancy_f1": 0.8, "seed_index": 1},
        {KEY: 0.0, "vacancy_f1": 1.0},
        {KEY: 0.2, "vacancy_f1": 0.6, "seed_index": 0},
        {KEY: 0.2, "vacancy_f1": 0.4, "seed_index": 1},
        {OTHER: 50, "vacancy_f1": 0.7},
    ]
    folder = _sweep(tmp_path / "sweep", rows)
    assert is_sweep_dir(folder) and not is_sweep_dir(tmp_path)
    summary = run_robustness("vacancy", folder)
    table = pd.read_csv(folder / "studies" / "vacancy" / "robustness.csv")
    assert table["parameter"].tolist() == [BASE, KEY, KEY, OTHER]
    assert table["runs"].tolist() == [2, 1, 2, 1]
    np.testing.assert_allclose(table["f1_mean"], [0.85, 1.0, 0.5, 0.7])
    np.testing.assert_allclose(
        table["f1_sd"], [np.std([0.9, 0.8], ddof=1), np.nan, 0.1414214, np.nan], rtol=1e-5
    )
    np.testing.assert_allclose(table["f1_min"], [0.8, 1.0, 0.4, 0.7])
    assert summary["range"]["f1"] == [0.4, 1.0] and summary["runs_scored"] == 6
    assert (folder / "studies" / "vacancy" / "robustness.png").stat().st_size > 10_000
    written = json.loads((folder / "studies" / "vacancy" / "metrics.json").read_text())
    assert written["design"] == "one_at_a_time"


def test_a_grid_gives_one_row_per_combination() -> None:
    table = pd.DataFrame(
        {KEY: [0.0, 0.0, 0.2], OTHER: [50, 60, 50], "vacancy_f1": [1.0, 0.9, 0.5]}
        | {c: np.nan for c in study_columns("vacancy") if c != "vacancy_f1"}
    )
    frame = robustness_table(table, [OTHER, KEY], "grid", "vacancy")
    assert frame["parameter"].unique().tolist() == [f"{OTHER} & {KEY}"]
    assert frame["value"].tolist() == ["50, 0", "60, 0", "50, 0.2"]


def test_runs_the_study_where_the_sweep_did_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _sweep(tmp_path / "sweep", [{}, {KEY: 0.2}, {KEY: 0.0}])
    ran: list[str] = []

    def fake_study(name: str, run_dir: Path, **options: Any) -> dict[str, Any]:
        ran.append(Path(run_dir).name)
        if Path(run_dir).name == "r2":
            raise TwinError("expected at least 7 whole local days")
        out = Path(run_dir) / "studies" / name
        out.mkdir(parents=True)
        (out / "metrics.json").write_text(json.dumps({"f1": 0.5 + len(ran) / 10}))
        return {}

    monkeypatch.setattr(robustness, "run_study", fake_study)
    summary = run_robustness("vacancy", folder)
    assert ran == ["r0", "r1", "r2"]
    assert summary["runs_scored"] == 2 and summary["runs_failed"] == 1
    table = pd.read_csv(folder / "studies" / "vacancy" / "robustness.csv")
    np.testing.assert_allclose(table["f1_mean"], [0.6, 0.7])


def test_cli_refuses_run_options_on_a_sweep_and_names_what_is_not_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _sweep(tmp_path / "sweep", [{"vacancy_f1": 0.9}])
    assert main(["study", "vacancy", str(folder), "--window", "90d"]) == 2
    assert "takes no study options" in capsys.readouterr().err
    assert main(["study", "vacancy", str(folder)]) == 0
    assert "1 runs scored" in capsys.readouterr().out
    with pytest.raises(TwinError, match="not a sweep directory"):
        run_robustness("vacancy", tmp_path)
