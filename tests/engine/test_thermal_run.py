"""scenarios/heat_ev_pv_2030.yaml through `twin run`: heat pumps, EVs and PV on one feeder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import twin
from tests.conftest import REPO
from twin.cli import main


@pytest.mark.slow
def test_heat_ev_pv_2030_runs_a_winter_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = main(
        [
            "run",
            str(REPO / "scenarios" / "heat_ev_pv_2030.yaml"),
            "--out",
            str(out),
            "--set",
            "time.start=2026-01-12T00:00:00",
            "--set",
            "time.duration=1d",
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    found = re.search(r"heat pumps ([\d.,]+) MWh, direct electric ([\d.,]+) MWh", printed)
    assert found is not None
    hp_mwh, direct_mwh = (float(x.replace(",", "")) for x in found.groups())
    run = twin.open_run(out)
    premise = run.table("truth/premise")
    homes = premise[premise["customer_kind"] == "household"]
    n = len(homes)
    assert (homes["heating_kind"] == "heat_pump").sum() == round(0.5 * n)
    assert (homes["heating_kind"] == "direct_electric").sum() == round(0.05 * n)
    assert homes["has_water_heater"].sum() == round(0.3 * n)
    assert np.isfinite(homes["heat_loss_w_per_k"]).all()
    assert premise.loc[premise["customer_kind"] != "household", "heating_kind"].isna().all()
    # a January day: tens of kWh of heat pump electricity per heat pump home
    per_home_kwh = hp_mwh * 1e3 / round(0.5 * n)
    assert 10.0 < per_home_kwh < 80.0
    assert direct_mwh > 0
    # what the meters integrate includes the heating: household imports exceed it
    intervals = run.table("internal/meter_interval")
    household_meters = set(homes["meter_id"])
    imported = intervals.loc[intervals["meter_id"].astype(str).isin(household_meters), "import_wh"]
    assert imported.sum() / 1e6 > hp_mwh + direct_mwh
