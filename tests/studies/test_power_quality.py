"""Power-quality study: EN 50160 / ANSI C84.1 arithmetic on hand-made runs, and a real run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.studies.synthetic_run import long_frame, make_small_run, write_run
from twin.errors import TwinError
from twin.studies import power_quality
from twin.studies.power_quality import run_power_quality_study

N = 100  # intervals of the synthetic runs (15 min: about one day, one week period)


def _bus(n_low: int = 0, low: float = 1.0, n_high: int = 0, high: float = 1.0) -> np.ndarray:
    values = np.full(N, 1.0, dtype=np.float32)
    values[:n_low] = low
    values[N - n_high :] = high
    return values


def _network(bus_ids: list[int], vn_kv: dict[int, float], area: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bus_id": bus_ids,
            "name": [f"bus {b}" for b in bus_ids],
            "vn_kv": [vn_kv.get(b, 0.4) for b in bus_ids],
            "x": np.arange(len(bus_ids), dtype=float),
            "y": np.zeros(len(bus_ids)),
            "transformer_id": [area.get(b, 0) for b in bus_ids],
            "feeder_id": [10 + b for b in bus_ids],
            "in_service": True,
        }
    )


CASES = {
    # bus: (values, voltage level, expected within-10 % share, hard excursions, compliant)
    1: (_bus(n_high=3, high=1.12), 0.97, 3, False),  # 3 of 100 above 1.10 pu: fails (all rule)
    2: (_bus(n_low=6, low=0.89), 0.94, 0, False),  # 94 % within +/-10 %: fails (95 % rule)
    3: (_bus(n_low=4, low=0.88), 0.96, 0, True),  # 96 % within, none below 0.85: complies
    4: (_bus(n_low=1, low=0.84), 0.99, 1, False),  # one value below 0.85 pu: fails
    5: (_bus(n_high=N, high=1.10), 1.00, 0, True),  # float32(1.10) is not above 1.10
    6: (_bus(n_low=2, low=0.89), 0.98, 0, False),  # MV: 98 % < 99 %: fails
    7: (_bus(n_high=1, high=1.12), 0.99, 0, True),  # MV: 99 %, 1.12 < 1.15: complies
}
MV_BUSES = {6: 20.0, 7: 20.0}


@pytest.fixture
def synthetic_run(tmp_path: Path) -> Path:
    series = {bus: values for bus, (values, *_rest) in CASES.items()}
    series[8] = np.r_[np.full(90, 1.0), np.full(5, 1.06), np.full(5, 0.94)]  # ANSI shares
    series[9] = np.r_[np.full(10, np.nan), np.full(5, 0.89), np.full(85, 1.0)]  # not converged
    voltages = long_frame(series, "bus_id", "vm_pu").astype({"vm_pu": np.float32})
    network = _network(list(series), MV_BUSES, {1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 8: 1, 9: 1})
    return write_run(
        tmp_path / "run",
        {"internal/bus_voltage": voltages, "internal/network_bus": network},
        n_intervals=N,
    )


def test_en50160_and_ansi_arithmetic(synthetic_run: Path) -> None:
    metrics = run_power_quality_study(synthetic_run)
    out = synthetic_run / "studies" / "power-quality"
    buses = pd.read_parquet(out / "buses.parquet").set_index("bus_id")
    for bus, (_values, share, hard, ok) in CASES.items():
        row = buses.loc[bus]
        assert row["within_10_share"] == pytest.approx(share), bus
        assert row["hard_excursions"] == hard, bus
        assert bool(row["en50160_compliant"]) is ok, bus
    assert buses.loc[1, "above_110_intervals"] == 3
    assert buses.loc[6, "voltage_level"] == "MV" and buses.loc[1, "voltage_level"] == "LV"
    assert buses.loc[8, "ansi_range_a_share"] == pytest.approx(0.90)
    assert buses.loc[8, "ansi_range_b_share"] == pytest.approx(0.95)  # 0.94 in B, 1.06 not
    assert buses.loc[9, "missing_intervals"] == 10 and buses.loc[9, "intervals"] == 90
    assert buses.loc[9, "within_10_share"] == pytest.approx(85 / 90)
    assert not buses.loc[9, "en50160_compliant"]
    assert buses.loc[4, "vm_min_pu"] == pytest.approx(0.84, abs=1e-6)

    failing = {1, 2, 4, 6, 9}
    assert metrics["buses"]["assessed"] == 9
    assert metrics["buses"]["compliant"] == 9 - len(failing)
    assert metrics["buses"]["compliant_share"] == pytest.approx(4 / 9)
    worst = [b["bus_id"] for b in metrics["worst_buses"]]
    assert set(worst[: len(failing)]) == failing  # failing buses are listed first
    assert worst[0] == 2  # lowest worst-week share (94/100)
    assert metrics["voltage"]["vm_min_bus_id"] == 4
    assert metrics["voltage"]["missing_bus_intervals"] == 10
    areas = {a["transformer_id"]: a for a in metrics["areas"]}
    assert areas[0]["buses"] == 4 and areas[0]["compliant_buses"] == 1  # buses 1, 2, 6, 7
    assert areas[1]["compliant_buses"] == 3 and areas[1]["lowest_bus_id"] == 4
    assert "10-min" in metrics["method"]["averaging"]
    assert metrics["method"]["interval_s"] == 900
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk["buses"] == metrics["buses"]
    for name in on_disk["outputs"]["figures"]:
        assert (out / name).read_bytes().startswith(b"\x89PNG")


def test_weeks_are_assessed_separately(tmp_path: Path) -> None:
    hourly = 3_600
    week = 168
    values = np.full(2 * week, 1.0)
    values[week : week + 10] = 0.89  # week 1: 158/168 = 94.0 % within the band
    values[week - 1] = 0.86  # the interval ending at start + 7 d belongs to week 0
    run = write_run(
        tmp_path / "run",
        {"internal/bus_voltage": long_frame({0: values}, "bus_id", "vm_pu", hourly)},
        interval_s=hourly,
        n_intervals=2 * week,
    )
    metrics = run_power_quality_study(run)
    weeks = pd.read_parquet(run / "studies" / "power-quality" / "bus_weeks.parquet")
    assert weeks["week"].tolist() == [0, 1]
    assert weeks["within_10_share"].tolist() == pytest.approx([167 / 168, 158 / 168])
    assert weeks["compliant"].tolist() == [True, False]
    assert [p["complete"] for p in metrics["weeks"]] == [True, True]
    bus = metrics["worst_buses"][0]
    assert bus["en50160_compliant"] is False
    assert bus["worst_week_within_10_share"] == pytest.approx(158 / 168)
    assert any("network_bus" in note for note in metrics["notes"])  # levels unknown


def test_accumulation_in_batches_matches_one_batch() -> None:
    rng = np.random.default_rng(3)
    frame = long_frame({b: rng.normal(1.0, 0.05, 500) for b in range(7)}, "bus_id", "vm_pu")
    kwargs = {"start_us": int(pd.Timestamp("2025-01-06", tz="UTC").value // 1000)}
    whole, hist = power_quality.accumulate_bus_weeks([frame], interval_us=900_000_000, **kwargs)
    chunks = [frame.iloc[i : i + 333] for i in range(0, len(frame), 333)]
    parts, hist2 = power_quality.accumulate_bus_weeks(chunks, interval_us=900_000_000, **kwargs)
    pd.testing.assert_frame_equal(whole, parts, check_exact=False)
    assert (hist == hist2).all() and hist.sum() == len(frame)


def test_missing_table_and_not_a_run_are_twin_errors(tmp_path: Path) -> None:
    with pytest.raises(TwinError, match=r"manifest\.json|does not exist"):
        run_power_quality_study(tmp_path / "nowhere")
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(TwinError, match=r"manifest\.json"):
        run_power_quality_study(tmp_path / "empty")
    run = write_run(
        tmp_path / "run",
        {"internal/network_bus": _network([0, 1], {}, {})},
        n_intervals=4,
    )
    with pytest.raises(TwinError, match="internal/bus_voltage"):
        run_power_quality_study(run)
    assert not (run / "studies").exists() or not any((run / "studies").iterdir())


def test_failure_keeps_the_previous_study(
    synthetic_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_power_quality_study(synthetic_run)
    out = synthetic_run / "studies" / "power-quality"
    before = (out / "metrics.json").read_text()

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("figure failed")

    monkeypatch.setattr("twin.studies.power_quality.study.plot_bus_voltage_range", boom)
    with pytest.raises(RuntimeError):
        run_power_quality_study(synthetic_run)
    assert (out / "metrics.json").read_text() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["power-quality"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_small_run(tmp_path_factory.mktemp("pq") / "run")


@pytest.mark.slow
def test_real_run(small_run: Path) -> None:
    metrics = run_power_quality_study(small_run)
    out = small_run / "studies" / "power-quality"
    buses = pd.read_parquet(out / "buses.parquet")
    network = pd.read_parquet(small_run / "internal" / "network_bus.parquet")
    measured = pd.read_parquet(small_run / "internal" / "bus_voltage.parquet")
    assert set(buses["bus_id"]) == set(measured["bus_id"])
    assert metrics["buses"]["total"] == measured["bus_id"].nunique()
    # An LV network is solved area by area: every LV bus is there, the MV slack bus is not.
    lv = network.loc[network["vn_kv"] < 1.0, "bus_id"]
    assert set(lv) <= set(buses["bus_id"])
    manifest = json.loads((small_run / "manifest.json").read_text())
    assert metrics["voltage"]["vm_min_pu"] == pytest.approx(manifest["summary"]["vm_min_pu"])
    assert metrics["areas"], "LV transformer areas are known from network_bus"
    assert 0 < metrics["ansi_c84_1"]["range_a_share"] <= 1
