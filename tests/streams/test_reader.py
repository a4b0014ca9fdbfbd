"""The run reader: the run's clock, study outputs, and what a broken run directory says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from twin.errors import TwinError
from twin.streams import RunClock, RunWriter, interval_index, open_run, staged_folder, write_json


def _run(dest: Path, manifest: dict[str, Any], n: int = 8) -> Path:
    """A run with ``n`` 15-min bus voltages of one bus from 2025-03-29 23:00 UTC."""
    with RunWriter(dest) as writer:
        ends = pd.date_range("2025-03-29 23:15", periods=n, freq="15min", tz="UTC")
        writer.table("internal/bus_voltage").append(
            {"bus_id": np.zeros(n, np.int64), "interval_end": ends, "vm_pu": np.ones(n, np.float32)}
        )
        writer.commit(manifest=manifest, scenario={})
    return dest


def test_clock_from_the_manifest(tmp_path: Path) -> None:
    time = {"start": "2025-03-30T00:00:00", "timezone": "Europe/Berlin", "interval": 900}
    manifest = {"scenario": {"time": time}, "summary": {"interval_s": 900, "intervals": 10}}
    clock = open_run(_run(tmp_path / "run", manifest, n=10)).clock
    assert clock == RunClock(900, "Europe/Berlin", pd.Timestamp("2025-03-29 23:00", tz="UTC"), 10)
    assert clock.end == pd.Timestamp("2025-03-30 01:30", tz="UTC")
    assert clock.start_us == pd.Timestamp("2025-03-29 23:00", tz="UTC").value // 1000
    assert clock.interval_ends[0] == pd.Timestamp("2025-03-29 23:15", tz="UTC")
    # 02:00 local does not exist that night: 01:45 CET is followed by 03:00 CEST
    local = clock.local_interval_starts
    assert [t.strftime("%H:%M") for t in local[7:9]] == ["01:45", "03:00"]
    ends = pd.Series(clock.interval_ends)
    assert clock.interval_index(ends).tolist() == list(range(10))
    assert interval_index(ends, start_us=clock.start_us, interval_us=1_800_000_000)[1] == 0


def test_clock_of_a_run_without_summary_is_measured_on_its_stamps(tmp_path: Path) -> None:
    manifest = {"scenario": {"time": {"start": "2025-03-29T23:00:00+00:00"}}}
    clock = open_run(_run(tmp_path / "run", manifest, n=6)).clock
    assert (clock.interval_s, clock.n_intervals, clock.timezone) == (900, 6, "UTC")
    with_offset = {
        "scenario": {"time": {"start": "2025-03-30T00:00:00+01:00", "end": "2025-03-31"}}
    }
    clock = open_run(_run(tmp_path / "offset", with_offset)).clock
    assert clock.timezone == "UTC+01:00" and clock.n_intervals == 96


def test_a_broken_manifest_is_a_twin_error(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", {"scenario": {}})
    with pytest.raises(TwinError, match="time section"):
        _ = open_run(run).clock
    (run / "manifest.json").write_text("[1, 2]")
    with pytest.raises(TwinError, match="no JSON object"):
        _ = open_run(run).manifest
    with pytest.raises(TwinError, match="does not exist"):
        open_run(tmp_path / "nowhere")


def test_study_outputs_are_read_through_the_run(tmp_path: Path) -> None:
    run = open_run(_run(tmp_path / "run", {}))
    assert run.study_metrics("vacancy") is None
    with staged_folder(run.study_folder("vacancy")) as out:
        write_json(out / "metrics.json", {"f1": np.float64(0.5), "missing": float("nan")})
        pd.DataFrame({"meter_id": ["M1"]}).to_parquet(out / "premises.parquet")
    assert run.study_metrics("vacancy") == {"f1": 0.5, "missing": None}
    assert json.loads((run.study_folder("vacancy") / "metrics.json").read_text())["f1"] == 0.5
    assert run.study_table("vacancy", "premises")["meter_id"].tolist() == ["M1"]
    with pytest.raises(TwinError, match="twin study vacancy"):
        run.study_table("vacancy", "nothing")
    assert run.network_buses() is None and run.optional_table("truth/premise") is None
