"""Study headline columns of a sweep table, on hand-written study outputs (no runs)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from tests.conftest import tiny_scenario_dict
from twin.errors import ScenarioError
from twin.studies.headline import metric_at
from twin.studies.registry import (
    STUDY_NAMES,
    check_study_names,
    headline_columns,
    read_headlines,
    study_columns,
)
from twin.sweep import KPI_COLUMNS, SweepSpec
from twin.sweep.kpis import RUN_KPI_COLUMNS


def _write_metrics(run_dir: Path, study: str, metrics: dict[str, object]) -> None:
    folder = run_dir / "studies" / study
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))


def test_every_study_has_prefixed_columns_in_a_stable_order() -> None:
    assert STUDY_NAMES == (
        "demand-response",
        "grid-loading",
        "losses",
        "power-quality",
        "prepaid",
        "safety",
        "vacancy",
    )
    columns = headline_columns()
    assert len(columns) == len(set(columns))
    assert RUN_KPI_COLUMNS + columns == KPI_COLUMNS
    assert not set(RUN_KPI_COLUMNS) & set(columns)
    for name in STUDY_NAMES:
        cols = study_columns(name)
        assert cols and all(c.startswith(name.replace("-", "_") + "_") for c in cols)
    # study blocks follow each other in name order
    prefixes = [c.split("_")[0] for c in columns]
    assert prefixes == sorted(prefixes)
    for wanted in ("vacancy_f1", "vacancy_precision", "vacancy_recall", "vacancy_rate_error_pp"):
        assert wanted in columns
    assert "losses_line_loss_rate" in columns and "power_quality_compliant_share" in columns
    assert "grid_loading_transformer_peak_loading_percent" in columns


def test_headlines_are_read_from_what_each_study_wrote(tmp_path: Path) -> None:
    _write_metrics(
        tmp_path,
        "vacancy",
        {"precision": 0.9, "recall": 0.8, "f1": 0.847, "rate_error_pp": -0.25, "method": "x"},
    )
    _write_metrics(
        tmp_path,
        "grid-loading",
        {
            "transformers": {"peak_loading_percent": 81.5, "overloaded": 0},
            "lines": {"available": False},
            "peak_coincidence": {"meters": {"coincidence_factor": None}},
        },
    )
    row = read_headlines(tmp_path)
    assert list(row) == list(headline_columns())
    assert row["vacancy_f1"] == 0.847 and row["vacancy_rate_error_pp"] == -0.25
    assert row["grid_loading_transformer_peak_loading_percent"] == 81.5
    assert row["grid_loading_transformers_overloaded"] == 0.0
    for missing in (
        "vacancy_low_consumer_fp_rate",  # key absent
        "grid_loading_line_peak_loading_percent",  # block without it
        "grid_loading_meter_coincidence_factor",  # null
        "losses_line_loss_rate",  # study never ran
        "power_quality_vm_min_pu",
    ):
        assert math.isnan(row[missing]), missing
    assert list(read_headlines(tmp_path, ["vacancy"])) == list(study_columns("vacancy"))


def test_metric_at_takes_numbers_only() -> None:
    metrics = {"a": {"b": 2, "t": "text", "l": [1], "f": True}}
    assert metric_at(metrics, "a.b") == 2.0
    assert metric_at(metrics, "a.f") == 1.0
    assert all(math.isnan(metric_at(metrics, k)) for k in ("a.t", "a.l", "a.x", "a.b.c", "z"))


def test_study_names_are_checked_deduplicated_and_ordered() -> None:
    assert check_study_names(["vacancy", "losses", "vacancy"]) == ("losses", "vacancy")
    assert check_study_names([]) == ()
    with pytest.raises(ScenarioError) as exc:
        check_study_names(["vacancy", "theft", "power_quality"])
    text = str(exc.value)
    assert "'theft'" in text and "'power_quality'" in text and "--study" in text
    assert "demand-response, grid-loading, losses, power-quality, prepaid, safety, vacancy" in text


def test_sweep_file_names_its_studies(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(tiny_scenario_dict()))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"base": "base.yaml", "studies": ["vacancy", "losses"]}))
    spec = SweepSpec.from_file(good)
    assert spec.studies == ("losses", "vacancy")
    assert spec.describe()["studies"] == ["losses", "vacancy"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"base": "base.yaml", "studies": ["vacancy", "theft"]}))
    with pytest.raises(ScenarioError, match=r"bad\.yaml(.|\n)*studies: given an invalid value"):
        SweepSpec.from_file(bad)
    with pytest.raises(ScenarioError, match="theft"):
        SweepSpec(tmp_path / "base.yaml", studies=("theft",))
