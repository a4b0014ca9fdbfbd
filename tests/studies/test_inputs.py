"""The internal/truth split: a detector's view of a run cannot reach the truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.studies.synthetic_run import write_run
from twin.errors import TwinError
from twin.streams import RunWriter, open_run
from twin.studies.inputs import InternalData, TruthAccessError, TruthData, open_inputs


def write_fake_run(folder: Path, time: dict[str, Any] | None = None, **summary: Any) -> Path:
    """A finished run with one internal and one truth table, written by hand."""
    (folder / "internal").mkdir(parents=True)
    (folder / "truth").mkdir()
    ends = pd.date_range("2025-01-06 00:15", periods=4, freq="15min", tz="UTC")
    pd.DataFrame({"meter_id": "M1", "interval_end": ends, "import_wh": [1, 2, 3, 4]}).to_parquet(
        folder / "internal" / "meter_interval.parquet"
    )
    pd.DataFrame({"premise_id": ["P1"], "meter_id": ["M1"]}).to_parquet(
        folder / "truth" / "premise.parquet"
    )
    time = time or {"start": "2025-01-06T00:00:00", "timezone": "UTC", "duration": "1h"}
    manifest = {"scenario": {"time": {"interval": "15min", **time}}, "seed": 1, "summary": summary}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def fake_run(tmp_path: Path) -> Path:
    return write_fake_run(tmp_path / "run")


def test_internal_view_reads_internal_tables(fake_run: Path) -> None:
    internal, truth = open_inputs(fake_run)
    assert isinstance(internal, InternalData) and isinstance(truth, TruthData)
    assert internal.tables == ["internal/meter_interval"]
    assert truth.tables == ["truth/premise"]
    frame = internal.table("internal/meter_interval")
    assert frame["import_wh"].tolist() == [1, 2, 3, 4]
    assert internal.has("internal/meter_interval")
    assert not internal.has("internal/meter_point")


@pytest.mark.parametrize(
    "name",
    [
        "truth/premise",
        "truth/vacancy",
        "external/app_power",
        "internal/../truth/premise",
        "internal/meter_interval/../../truth/premise",
        "/truth/premise",
        "premise",
        "INTERNAL/meter_interval",
    ],
)
def test_internal_view_refuses_everything_else(fake_run: Path, name: str) -> None:
    internal, _ = open_inputs(fake_run)
    for call in (internal.table, internal.dataset, internal.arrow, internal.has):
        with pytest.raises(TruthAccessError, match="reads only 'internal/<table>'"):
            call(name)


def test_truth_view_refuses_internal_tables(fake_run: Path) -> None:
    _, truth = open_inputs(fake_run)
    assert truth.table("truth/premise")["premise_id"].tolist() == ["P1"]
    with pytest.raises(TruthAccessError):
        truth.table("internal/meter_interval")


def test_internal_view_hands_out_no_path_or_manifest(fake_run: Path) -> None:
    internal, _ = open_inputs(fake_run)
    public = {name for name in dir(internal) if not name.startswith("_")}
    assert public == {"arrow", "clock", "dataset", "has", "table", "tables"}
    assert str(fake_run) not in repr(internal)
    assert not any(isinstance(getattr(internal, name), Path) for name in public)
    # The clock holds the metering set-up only, none of the scenario's household shares.
    assert set(vars(internal.clock)) == {"interval_s", "timezone", "start", "n_intervals"}


def test_clock_from_duration_end_or_summary(tmp_path: Path) -> None:
    internal, _ = open_inputs(write_fake_run(tmp_path / "a"))
    assert internal.clock.interval_s == 900
    assert internal.clock.n_intervals == 4
    assert internal.clock.start == pd.Timestamp("2025-01-06", tz="UTC")
    ended = write_fake_run(
        tmp_path / "b",
        {"start": "2025-01-06T00:00:00", "timezone": "Europe/Berlin", "end": "2025-01-07"},
    )
    clock = open_inputs(ended)[0].clock
    assert clock.start == pd.Timestamp("2025-01-05 23:00", tz="UTC")
    assert clock.n_intervals == 96
    counted = write_fake_run(tmp_path / "c", {"start": "2025-01-06T00:00:00"}, intervals=8)
    assert open_inputs(counted)[0].clock.n_intervals == 8


def test_not_a_run_and_missing_tables_are_twin_errors(tmp_path: Path, fake_run: Path) -> None:
    with pytest.raises(TwinError, match="not a finished run directory"):
        open_inputs(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(TwinError, match="cannot be read"):
        open_inputs(broken)
    (broken / "manifest.json").write_text(json.dumps({"scenario": {}}))
    with pytest.raises(TwinError, match="time section"):
        open_inputs(broken)
    internal, _ = open_inputs(fake_run)
    with pytest.raises(TwinError, match=r"no table 'internal/meter_point'.*meter_interval"):
        internal.table("internal/meter_point")
    wh = internal.arrow("internal/meter_interval", columns=["import_wh"]).column(0)
    assert np.asarray(wh).sum() == 10


def test_views_read_tables_as_the_run_reader_does(tmp_path: Path) -> None:
    """Nullable Int64 and the time-then-id order of a table written in parts (a sharded run)."""
    ends = pd.date_range("2025-01-06 00:15", periods=2, freq="15min", tz="UTC")
    parts = []
    for shard, meter in enumerate(("M2", "M1")):
        frame = pd.DataFrame(
            {"meter_id": meter, "interval_end": ends, "import_wh": [None, 3] if shard else [1, 2]}
        )
        frame["quality"] = np.where(frame["import_wh"].isna(), "missing", "ok")
        done = write_run(
            tmp_path / f"shard{shard}", {"internal/meter_interval": frame}, n_intervals=2
        )
        parts.append(done / "internal" / "meter_interval.parquet")
    with RunWriter(tmp_path / "merged") as writer:
        writer.adopt("internal/meter_interval", parts)
        time = {"start": "2025-01-06T00:00:00", "timezone": "UTC", "interval": 900}
        writer.commit(
            manifest={"scenario": {"time": time}, "summary": {"intervals": 2}}, scenario={}
        )
    internal, _ = open_inputs(tmp_path / "merged")
    frame = internal.table("internal/meter_interval")
    expected = open_run(tmp_path / "merged").table("internal/meter_interval")
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["meter_id"].astype(str).tolist() == ["M1", "M2", "M1", "M2"]
    assert str(frame["import_wh"].dtype) == "Int64"
    assert frame["import_wh"].tolist()[:2] == [pd.NA, 1]
