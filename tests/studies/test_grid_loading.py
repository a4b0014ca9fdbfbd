"""Grid-loading study: duration curves, overload hours, coincidence, PV/EV, on hand-made runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.studies.synthetic_run import interval_ends, long_frame, make_small_run, write_run
from twin.errors import TwinError
from twin.studies.grid_loading import (
    accumulate_line_loading,
    duration_curve,
    ev_power_kw,
    run_grid_loading_study,
    transformer_summary,
)

US = 1_000_000
START_US = int(pd.Timestamp("2025-01-06", tz="UTC").value // 1_000)


def test_duration_curve_reads_the_sorted_values() -> None:
    values = np.array([10.0, 40.0, np.nan, 30.0, 20.0])
    curve = duration_curve(values, np.array([0.0, 0.25, 0.5, 0.75, 1.0]))
    assert curve.tolist() == [40.0, 40.0, 30.0, 20.0, 10.0]
    assert np.isnan(duration_curve(np.array([np.nan]), np.array([0.5]))).all()


def test_transformer_overload_and_reverse_flow_hours() -> None:
    frame = pd.DataFrame(
        {
            "transformer_id": 3,
            "interval_end": interval_ends(4),
            "loading_percent": [50.0, 120.0, 160.0, 90.0],
            "p_kw": [-10.0, 60.0, 80.0, 45.0],
        }
    )
    info = pd.DataFrame({"transformer_id": [3], "kind": ["MV/LV"], "sn_kva": [50.0]})
    summary, duration = transformer_summary(frame, info, interval_s=900)
    row = summary.iloc[0]
    assert row["hours_above_80"] == pytest.approx(0.75)  # three 15-min intervals
    assert row["hours_above_100"] == pytest.approx(0.50)
    assert row["hours_above_150"] == pytest.approx(0.25)
    assert row["reverse_flow_hours"] == pytest.approx(0.25)
    assert row["peak_loading_percent"] == 160.0 and row["peak_time"] == frame["interval_end"][2]
    assert row["energy_mwh"] == pytest.approx((175.0 * 0.25) / 1000.0)
    assert row["kind"] == "MV/LV" and row["sn_kva"] == 50.0
    assert duration["loading_percent"].iloc[0] == 160.0


def test_line_histograms_give_hours_and_duration_curve() -> None:
    loading = np.r_[np.arange(100.0), [120.0, 130.0, 140.0]]
    frame = long_frame({7: loading, 8: np.full(103, 20.0)}, "line_id", "loading_percent")
    chunks = [frame.iloc[i : i + 50] for i in range(0, len(frame), 50)]
    acc = accumulate_line_loading(chunks, start_us=START_US, interval_us=900 * US, n_intervals=103)
    table = acc.summary(interval_s=900).set_index("line_id")
    assert table.loc[7, "hours_above_100"] == pytest.approx(3 * 0.25)
    assert table.loc[7, "peak_loading_percent"] == 140.0
    assert table.loc[7, "mean_loading_percent"] == pytest.approx(loading.mean())
    assert table.loc[8, "hours_above_100"] == 0.0
    curve = acc.quantile_curve(np.array([0.0, 0.5, 1.0]))
    assert curve[list(acc.line_ids).index(7)].tolist() == [140.0, 51.0, 0.0]
    assert acc.interval_max_percent[-1] == 140.0 and acc.interval_max_percent[0] == 20.0


def test_ev_power_spreads_each_session_evenly() -> None:
    hour = 3_600 * US
    power = ev_power_kw(
        np.array([START_US + hour // 2, START_US + 2 * hour]),
        np.array([START_US + 3 * hour // 2, START_US + 2 * hour + hour // 4]),
        np.array([10_000.0, 2_000.0]),  # 10 kWh over 1 h; 2 kWh over 15 min
        run_start_us=START_US,
        interval_s=3_600,
        n_intervals=4,
    )
    assert power.tolist() == pytest.approx([5.0, 5.0, 2.0, 0.0])


def _meters(n: int = 4) -> pd.DataFrame:
    # meter A peaks at 2 kW in interval 0, meter B in interval 1: fleet peak 2.5 kW
    import_wh = {"A": [500, 125, 100, 100], "B": [125, 500, 100, 100]}
    rows = []
    for meter, values in import_wh.items():
        for k, wh in enumerate(values[:n]):
            rows.append((meter, k, wh))
    frame = pd.DataFrame(rows, columns=["meter_id", "k", "import_wh"])
    frame["interval_end"] = interval_ends(n)[frame["k"]]
    frame["export_wh"] = 0
    frame.loc[(frame["meter_id"] == "A") & (frame["k"] == 2), "export_wh"] = 300
    frame["quality"] = "ok"
    frame["received_at"] = frame["interval_end"]
    frame["seq_no"] = frame["k"]
    return frame.drop(columns="k")


def _run(tmp_path: Path, *, pv_ev: bool) -> Path:
    trafo = pd.DataFrame(
        {
            "transformer_id": np.repeat([0, 1], 4),
            "interval_end": interval_ends(4).append(interval_ends(4)),
            "p_kw": [2.5, 2.5, -0.4, 0.8, 50.0, 60.0, 70.0, 80.0],
            "q_kvar": 0.0,
            "loading_percent": [40.0, 110.0, 10.0, 20.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    premise = pd.DataFrame(
        {
            "premise_id": ["P1", "P2"],
            "meter_id": ["A", "B"],
            "bus_id": [2, 3],
            "transformer_id": [0, 0],
            "feeder_id": [0, 0],
            "load_index": [0, 1],
            "occupancy_kind": "family",
            "annual_kwh": 3000.0,
            "has_pv": [pv_ev, False],
            "has_storage": False,
            "has_ev": [False, pv_ev],
        }
    )
    tables = {
        "internal/transformer_interval": trafo,
        "internal/meter_interval": _meters(),
        "truth/premise": premise,
    }
    if pv_ev:
        start = pd.Timestamp("2025-01-06", tz="UTC")
        tables["external/ev_session"] = pd.DataFrame(
            {
                "transaction_id": [1],  # OCPP 1.6 transactionId is an integer
                "charger_id": ["C1"],
                "meter_id": ["B"],
                "start_time": [start + pd.Timedelta(minutes=15)],
                "stop_time": [start + pd.Timedelta(minutes=45)],
                "meter_start_wh": [1_000],
                "meter_stop_wh": [1_500],  # 500 Wh in 30 min: 1 kW in intervals 1 and 2
                "stop_reason": ["EVDisconnected"],
            }
        )
    return write_run(tmp_path / "run", tables, n_intervals=4)


def test_coincidence_and_no_pv_ev(tmp_path: Path) -> None:
    run = _run(tmp_path, pv_ev=False)
    metrics = run_grid_loading_study(run)
    meters = metrics["peak_coincidence"]["meters"]
    assert meters["fleet_peak_kw"] == pytest.approx(2.5)
    assert meters["sum_of_meter_peaks_kw"] == pytest.approx(4.0)
    assert meters["coincidence_factor"] == pytest.approx(0.625)
    assert meters["fleet_peak_time"] == "2025-01-06T00:15:00+00:00"
    assert {a["transformer_id"] for a in meters["areas"]} == {0}  # from truth/premise
    trafos = metrics["peak_coincidence"]["transformers"]
    assert trafos["system_peak_kw"] == pytest.approx(80.8)  # kinds unknown: all summed
    assert trafos["coincidence_factor"] == pytest.approx(80.8 / (2.5 + 80.0))
    assert metrics["transformers"]["overloaded"] == 1
    assert metrics["transformers"]["overload_hours_total"] == pytest.approx(0.25)
    assert metrics["contributions"]["note"] == "no PV/EV in this run"
    assert metrics["lines"]["available"] is False
    out = run / "studies" / "grid-loading"
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk["transformers"]["top"][0]["transformer_id"] == 0
    for name in on_disk["outputs"]["figures"]:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    demand = pd.read_parquet(out / "fleet_demand.parquet")
    assert demand["net_kw"].tolist() == pytest.approx([2.5, 2.5, -0.4, 0.8])


def test_pv_and_ev_contributions(tmp_path: Path) -> None:
    metrics = run_grid_loading_study(_run(tmp_path, pv_ev=True))
    pv = metrics["contributions"]["pv"]
    assert pv["present"] and pv["premises_with_pv"] == 1
    assert pv["export_mwh"] == pytest.approx(300e-6)
    assert pv["peak_export_kw"] == pytest.approx(1.2)
    assert pv["reverse_flow_hours"] == {"0": 0.25}
    ev = metrics["contributions"]["ev"]
    assert ev["computed"] and ev["sessions"] == 1
    assert ev["energy_mwh"] == pytest.approx(500e-6)
    assert ev["kw_at_fleet_peak"] == pytest.approx(0.0)  # fleet peak in interval 0
    assert ev["peak_kw"] == pytest.approx(1.0)
    assert "note" not in metrics["contributions"]


def test_missing_transformer_table_is_a_twin_error(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", {"internal/meter_interval": _meters()}, n_intervals=4)
    with pytest.raises(TwinError, match="internal/transformer_interval"):
        run_grid_loading_study(run)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_small_run(tmp_path_factory.mktemp("gl") / "run")


@pytest.mark.slow
def test_real_run(small_run: Path) -> None:
    metrics = run_grid_loading_study(small_run)
    manifest = json.loads((small_run / "manifest.json").read_text())
    trafos = pd.read_parquet(small_run / "studies" / "grid-loading" / "transformers.parquet")
    assert trafos["peak_loading_percent"].max() == pytest.approx(
        manifest["summary"]["peak_transformer_loading_percent"]
    )
    assert "MV/LV" in metrics["transformers"]["by_kind"]
    assert metrics["lines"]["available"] and metrics["lines"]["count"] > 0
    meters = metrics["peak_coincidence"]["meters"]
    assert meters["meters"] == manifest["summary"]["meters"]
    assert 0 < meters["coincidence_factor"] <= 1
    demand = pd.read_parquet(small_run / "studies" / "grid-loading" / "fleet_demand.parquet")
    hours = manifest["summary"]["interval_s"] / 3600
    assert demand["import_kw"].sum() * hours / 1000 == pytest.approx(
        manifest["summary"]["import_mwh"], rel=1e-9
    )
