"""Every notebook runs headless on a reduced scenario and computes what the run directory holds.

After a notebook's last cell, a probe cell prints some of the values the
notebook computed (as JSON); the test recomputes them from the run directory
through :func:`twin.open_run` and compares.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

import twin
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

PROBES = {
    "01_quickstart": """{
    "path": str(run.path),
    "readings": len(readings),
    "fleet_kwh": float(fleet.sum() / to_kw / 1000),
    "fleet_intervals": len(fleet),
    "kwh_per_day": {str(k): float(v) for k, v in daily.items()},
}""",
    "02_vacancy_detection": """{
    "path": str(run.path),
    "f1": metrics["f1"],
    "scores_f1": float(scores.loc["interval_evidence", "f1"]),
    "premises": len(premises),
    "wrong": len(wrong),
    "kwh_day_mean": float(kwh_day.mean()),
}""",
    "03_grid_impact": """{
    "paths": {season: str(result.path) for season, result in runs.items()},
    "rows": {season: {k: float(v) for k, v in row.items()} for season, row in rows.items()},
    "worst": worst.isoformat(),
}""",
    "04_demand_response": """{
    "path": str(run.path),
    "events": len(events),
    "signals": int(quality["signals"].sum()) if len(quality) else 0,
    "delivered_kw": (
        {str(k): float(v) for k, v in per_event.set_index("event")["delivered_kw"].items()}
        if "event" in per_event else {}
    ),
    "bias_kw": {str(k): v for k, v in summary["bias_kw"].items()},
}""",
}


def _quickstart(found: dict[str, Any]) -> None:
    run = twin.open_run(found["path"])
    readings = run.table("internal/meter_interval")
    assert (
        found["readings"] == len(readings) == run.manifest["row_counts"]["internal/meter_interval"]
    )
    assert found["fleet_intervals"] == run.clock.n_intervals
    assert found["fleet_kwh"] == pytest.approx(readings["import_wh"].sum() / 1000)
    days = run.clock.n_intervals * run.clock.interval_s / 86_400
    assert days == 2.0
    per_meter = readings.groupby("meter_id", observed=True)["import_wh"].sum() / 1000 / days
    assert found["kwh_per_day"] == pytest.approx({str(k): v for k, v in per_meter.items()})


def _vacancy(found: dict[str, Any]) -> None:
    run = twin.open_run(found["path"])
    written = run.study_metrics("vacancy")
    assert written is not None
    assert found["f1"] == found["scores_f1"] == pytest.approx(written["f1"])
    premises = run.study_table("vacancy", "premises")
    truth = run.table("truth/premise")
    homes = truth.loc[truth["customer_kind"] == "household", "meter_id"]
    assert found["premises"] == len(premises) == homes.nunique()
    wrong = premises["interval_evidence_vacant"] != premises["truly_vacant"]
    assert found["wrong"] == int(wrong.sum())
    readings = run.table("internal/meter_interval", columns=["meter_id", "import_wh"])
    readings = readings[readings["meter_id"].isin(homes)]
    days = run.clock.n_intervals * run.clock.interval_s / 86_400
    per_meter = readings.groupby("meter_id", observed=True)["import_wh"].sum() / 1000 / days
    assert found["kwh_day_mean"] == pytest.approx(per_meter.mean())


def _grid_impact(found: dict[str, Any]) -> None:
    for season, path in found["paths"].items():
        run = twin.open_run(path)
        row = found["rows"][season]
        power_quality = run.study_metrics("power-quality")
        loading = run.study_metrics("grid-loading")
        assert power_quality is not None and loading is not None
        voltage = run.table("internal/bus_voltage")
        assert row["min vm [pu]"] == pytest.approx(float(voltage["vm_pu"].min()))
        assert row["max vm [pu]"] == pytest.approx(float(voltage["vm_pu"].max()))
        assert row["buses compliant"] == power_quality["buses"]["compliant"]
        trafo = run.table("internal/transformer_interval")
        peak = row["peak trafo loading [%]"]
        assert peak == pytest.approx(loading["transformers"]["peak_loading_percent"])
        assert peak == pytest.approx(float(trafo["loading_percent"].max()), rel=1e-6)
        if season == "summer":
            at = voltage.loc[voltage["vm_pu"].idxmax(), "interval_end"]
            assert pd.Timestamp(found["worst"]) == at
            assert np.isin(at, run.clock.interval_ends)


def _demand_response(found: dict[str, Any]) -> None:
    run = twin.open_run(found["path"])
    written = run.study_metrics("demand-response")
    assert written is not None
    events = run.table("external/dr_event")
    dispatch = run.table("external/dr_dispatch")
    assert found["events"] == len(events) == written["events"]["count"]
    assert found["signals"] == len(dispatch) == written["dispatch"]["signals"]
    for name, block in written["baselines"].items():
        bias, got = block["events"]["bias_kw"], found["bias_kw"][name]
        if bias is None:
            assert got is None or math.isnan(got)
        else:
            assert got == pytest.approx(bias)
    # the delivered reduction, again from the truth: the signalled premises' p_kw - p_kw_actual
    truth = run.table("truth/dr_counterfactual")
    for row in events.itertuples():
        key = f"{row.programme}/{row.event_id}"
        mine = (dispatch["programme"] == row.programme) & (dispatch["event_id"] == row.event_id)
        premises = set(dispatch.loc[mine, "premise_id"])
        inside = truth[
            (truth["interval_end"] > row.start)
            & (truth["interval_end"] <= row.end)
            & truth["premise_id"].isin(premises)
        ]
        intervals = (row.end - row.start).total_seconds() / run.clock.interval_s
        expected = (inside["p_kw"] - inside["p_kw_actual"]).sum() / intervals
        assert found["delivered_kw"][key] == pytest.approx(expected, abs=1e-9)


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "01_quickstart": _quickstart,
    "02_vacancy_detection": _vacancy,
    "03_grid_impact": _grid_impact,
    "04_demand_response": _demand_response,
}


def test_notebooks_are_committed_without_outputs() -> None:
    assert NOTEBOOKS
    assert sorted(PROBES) == sorted(CHECKS) == [p.stem for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("TWIN_NOTEBOOK_RESULTS", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(new_code_cell(f"import json\nprint(json.dumps({PROBES[path.stem]}))"))
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    assert os.listdir(tmp_path)  # the notebook wrote its runs where it was told
    probe = notebook.cells[-1].outputs
    found = json.loads("".join(o.get("text", "") for o in probe if o.output_type == "stream"))
    CHECKS[path.stem](found)
