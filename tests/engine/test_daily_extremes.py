"""outputs.bus_voltage / line_loading: daily_extremes against a full-rate run of the same seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from tests.conftest import tiny_scenario_dict
from tests.sweep.test_shards import run_and_merge_two_shards
from twin.cli import main
from twin.engine.recording_daily import DailyExtremes
from twin.scenario.loading import validate_scenario_dict

TZ = "Europe/Berlin"


def _run(tmp_path: Path, mode: str, **overrides: object) -> twin.RunDirectory:
    data = tiny_scenario_dict(
        **{
            "time.duration": "2d",
            "outputs.bus_voltage": mode,
            "outputs.line_loading": mode,
            **overrides,
        }
    )
    return twin.run(validate_scenario_dict(data), out=tmp_path / mode, progress=False)


def _daily_from_full(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """Per element and local day (of the interval start): min, max, mean and first times."""
    start = frame["interval_end"] - pd.Timedelta(minutes=15)
    frame = frame.assign(day=start.dt.tz_convert(TZ).dt.date)
    groups = frame.groupby([key, "day"], sort=True)[value]
    lows, highs = groups.idxmin(), groups.idxmax()
    out = pd.DataFrame(
        {
            "min": groups.min(),
            "max": groups.max(),
            "mean": groups.mean(),
            "min_time": frame.loc[lows.to_numpy(), "interval_end"].to_numpy(),
            "max_time": frame.loc[highs.to_numpy(), "interval_end"].to_numpy(),
            "intervals": groups.count(),
        }
    )
    return out.reset_index()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[twin.RunDirectory, twin.RunDirectory]:
    folder = tmp_path_factory.mktemp("daily")
    return _run(folder, "all"), _run(folder, "daily_extremes")


def test_daily_voltage_extremes_equal_the_full_rate_ones(
    runs: tuple[twin.RunDirectory, twin.RunDirectory],
) -> None:
    full, daily = runs
    assert not daily.has("internal/bus_voltage") and not daily.has("internal/line_interval")
    want = _daily_from_full(full.table("internal/bus_voltage"), "bus_id", "vm_pu")
    got = daily.table("internal/bus_voltage_daily").sort_values(["bus_id", "day"])
    got = got.reset_index(drop=True)
    assert len(got) == len(want) == 2 * full.table("internal/bus_voltage")["bus_id"].nunique()
    np.testing.assert_array_equal(got["bus_id"], want["bus_id"])
    assert list(got["day"]) == list(want["day"])
    np.testing.assert_array_equal(got["vm_min_pu"], want["min"])
    np.testing.assert_array_equal(got["vm_max_pu"], want["max"])
    np.testing.assert_allclose(got["vm_mean_pu"], want["mean"], rtol=1e-6)
    np.testing.assert_array_equal(got["vm_min_time"], want["min_time"])
    np.testing.assert_array_equal(got["vm_max_time"], want["max_time"])
    np.testing.assert_array_equal(got["intervals"], want["intervals"])
    assert (got["intervals"] == 96).all()


def test_daily_line_extremes_equal_the_full_rate_ones(
    runs: tuple[twin.RunDirectory, twin.RunDirectory],
) -> None:
    full, daily = runs
    want = _daily_from_full(full.table("internal/line_interval"), "line_id", "loading_percent")
    got = daily.table("internal/line_daily").sort_values(["line_id", "day"])
    got = got.reset_index(drop=True)
    assert len(got) == len(want) > 0
    np.testing.assert_array_equal(got["loading_max_percent"], want["max"])
    np.testing.assert_allclose(got["loading_mean_percent"], want["mean"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got["loading_max_time"], want["max_time"])


def test_the_other_tables_do_not_change(
    runs: tuple[twin.RunDirectory, twin.RunDirectory],
) -> None:
    full, daily = runs
    for name in ("internal/meter_interval", "internal/transformer_interval", "truth/premise"):
        pd.testing.assert_frame_equal(full.table(name), daily.table(name), obj=name)


def test_power_quality_needs_every_interval(
    runs: tuple[twin.RunDirectory, twin.RunDirectory], capsys: pytest.CaptureFixture[str]
) -> None:
    _, daily = runs
    assert main(["study", "power-quality", str(daily.path)]) == 2
    err = capsys.readouterr().err
    assert "daily_extremes" in err and "outputs.bus_voltage: all or lv" in err


def test_grid_loading_reports_the_daily_line_peaks(
    runs: tuple[twin.RunDirectory, twin.RunDirectory], tmp_path: Path
) -> None:
    full, daily = runs
    assert main(["study", "grid-loading", str(daily.path)]) == 0
    lines = daily.study_metrics("grid-loading")["lines"]  # type: ignore[index]
    assert lines["available"] is False and "daily_extremes" in lines["note"]
    peak = full.table("internal/line_interval")["loading_percent"].max()
    assert lines["peak_loading_percent"] == pytest.approx(float(peak))


@pytest.mark.slow
def test_sharded_daily_tables_equal_the_whole_runs(tmp_path: Path) -> None:
    data = tiny_scenario_dict(
        **{
            "grid.network": "cigre_lv",
            "households.count": 40,
            "time.duration": "2d",
            "outputs.bus_voltage": "daily_extremes",
            "outputs.line_loading": "daily_extremes",
        }
    )
    scenario = validate_scenario_dict(data)
    whole = twin.run(scenario, out=tmp_path / "whole", progress=False)
    _, merged = run_and_merge_two_shards(scenario, tmp_path / "sharded")
    for name, key in (("internal/bus_voltage_daily", "bus_id"), ("internal/line_daily", "line_id")):
        a = whole.table(name).sort_values([key, "day"], ignore_index=True)
        b = merged.table(name).sort_values([key, "day"], ignore_index=True)
        pd.testing.assert_frame_equal(a, b, obj=name)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.floats(0.5, 1.5, width=32), st.just(float("nan"))), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=12,
    )
)
def test_running_extremes_equal_nan_aware_reductions(values: list[list[float]]) -> None:
    grid = np.asarray(values, dtype=np.float32)
    acc = DailyExtremes(3)
    for k, row in enumerate(grid):
        acc.add(row, end_us=k)
    rows = acc.take()
    seen = np.isfinite(grid).any(axis=0)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(rows.minimum[seen], np.nanmin(grid[:, seen], axis=0))
        np.testing.assert_array_equal(rows.maximum[seen], np.nanmax(grid[:, seen], axis=0))
    assert np.isnan(rows.minimum[~seen]).all() and (rows.min_us[~seen] == -1).all()
    first_min = np.where(seen, np.nanargmin(np.where(np.isnan(grid), np.inf, grid), axis=0), -1)
    np.testing.assert_array_equal(rows.min_us, first_min)
    np.testing.assert_array_equal(rows.count, np.isfinite(grid).sum(axis=0))
