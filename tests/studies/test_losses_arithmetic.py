"""Losses study: the area-day arithmetic and the technical estimate on hand numbers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.studies.synthetic_run import interval_ends, write_run
from twin.streams import RunClock
from twin.studies.losses import (
    branch_flows_w,
    downstream_matrix,
    iron_loss_w,
    local_days,
    run_losses_study,
    three_phase_loss_w,
)

SIX_HOURS = 21_600
AREA = 5
R_LINE = {51: 0.1, 52: 0.2}  # 50 -> 51 -> 52: the two-line feeder
PF = 0.95

# Day 1 (intervals 0-3), by hand: energies per 6-hour interval [Wh].
AREA_IMPORT = [1000, 1200, 900, 1100, 1000, 1000, 1000, 1000]
AREA_EXPORT = [0, 0, 50, 0, 0, 0, 0, 0]
A_IMPORT = [400, 500, 300, 450, 400, 400, 400, 400]  # household at bus 51
B_IMPORT = [10, 20, 0, 5, 0, 0, 0, 0]  # generation meter at bus 52
B_EXPORT = [0, 0, 100, 20, 0, 0, 0, 0]
C_IMPORT = [500, 600, 400, 500, 500, 500, 500, 500]  # household at bus 52
SUPPLY_DAY1 = 4200 + 120  # area import + exports of the area's meters
SALES_DAY1 = 1650 + 35 + 2000 + 50  # imports of the area's meters + area export


def _meters() -> pd.DataFrame:
    ends = interval_ends(8, SIX_HOURS)
    parts = []
    for meter, imp, exp in (
        ("A", A_IMPORT, [0] * 8),
        ("B", B_IMPORT, B_EXPORT),
        ("C", C_IMPORT, [0] * 8),
    ):
        parts.append(
            pd.DataFrame(
                {"meter_id": meter, "interval_end": ends, "import_wh": imp, "export_wh": exp}
            )
        )
    frame = pd.concat(parts, ignore_index=True).assign(quality="ok")
    return frame.sort_values(["interval_end", "meter_id"], ignore_index=True)


def _network() -> tuple[pd.DataFrame, pd.DataFrame]:
    buses = pd.DataFrame(
        {
            "bus_id": [0, 50, 51, 52],
            "name": ["mv", "lv", "b51", "b52"],
            "vn_kv": [20.0, 0.4, 0.4, 0.4],
            "x": 0.0,
            "y": 0.0,
            "transformer_id": [-1, AREA, AREA, AREA],
            "feeder_id": [-1, -1, 0, 0],
            "in_service": True,
        }
    )
    branches = pd.DataFrame(
        {
            "branch_id": [AREA, 0, 1],
            "kind": ["trafo", "line", "line"],
            "from_bus_id": [0, 50, 51],
            "to_bus_id": [50, 51, 52],
            "max_i_ka": [np.nan, 0.2, 0.2],
            "sn_kva": [100.0, np.nan, np.nan],
            "length_km": [np.nan, 0.1, 0.2],
            "in_service": True,
            "r_ohm": [0.016, R_LINE[51], R_LINE[52]],
            "vn_kv": 0.4,
        }
    )
    return buses, branches


@pytest.fixture
def hand_run(tmp_path: Path) -> Path:
    area = pd.DataFrame(
        {
            "transformer_id": AREA,
            "meter_id": "AM5",
            "interval_end": interval_ends(8, SIX_HOURS),
            "import_wh": AREA_IMPORT,
            "export_wh": AREA_EXPORT,
            "quality": ["ok"] * 6 + ["estimated", "ok"],  # day 2: the area meter is estimated
        }
    )
    points = pd.DataFrame(
        {
            "meter_id": ["A", "B", "C", "X"],
            "bus_id": [51, 52, 52, 999],
            "transformer_id": [AREA, AREA, AREA, -1],  # X is outside every LV area
            "feeder_id": 0,
            "premise_id": ["PA", "PB", "PC", "PX"],
            "customer_kind": ["household", "generation", "household", "commercial"],
            "customer_class": ["H0", "PV3", "H0", "G4"],
            "phases": [1, 3, 1, 3],
            "ct_ratio": 1,
        }
    )
    buses, branches = _network()
    return write_run(
        tmp_path / "run",
        {
            "internal/meter_interval": _meters(),
            "internal/area_meter_interval": area,
            "internal/meter_point": points,
            "internal/network_bus": buses,
            "internal/network_branch": branches,
        },
        interval_s=SIX_HOURS,
        n_intervals=8,
    )


def _hand_technical_wh(day: slice) -> float:
    """I²R of the two lines, from the metered net power at each bus, by hand."""
    hours = 6.0
    p51 = np.array(A_IMPORT[day]) / hours  # W
    p52 = (np.array(B_IMPORT[day]) - np.array(B_EXPORT[day]) + np.array(C_IMPORT[day])) / hours
    total = 0.0
    for k in range(len(p51)):
        for flow, r in ((p51[k] + p52[k], R_LINE[51]), (p52[k], R_LINE[52])):
            current_a = flow / (math.sqrt(3) * 400.0 * PF)
            total += 3 * current_a**2 * r * hours
    return total


def test_area_day_arithmetic_is_exact(hand_run: Path) -> None:
    metrics = run_losses_study(hand_run)
    daily = pd.read_parquet(hand_run / "studies" / "losses" / "area_daily.parquet")
    assert list(daily.columns[:10]) == [
        "transformer_id",
        "day",
        "supply_wh",
        "sales_wh",
        "loss_wh",
        "line_loss_rate",
        "technical_wh",
        "non_technical_wh",
        "complete",
        "abnormal",
    ]
    day1, day2 = daily.iloc[0], daily.iloc[1]
    assert day1["supply_wh"] == SUPPLY_DAY1
    assert day1["sales_wh"] == SALES_DAY1
    assert day1["loss_wh"] == SUPPLY_DAY1 - SALES_DAY1
    assert day1["line_loss_rate"] == pytest.approx(585 / 4320, rel=1e-12)
    assert bool(day1["complete"]) and day1["incomplete_reason"] == ""
    assert day1["technical_wh"] == pytest.approx(_hand_technical_wh(slice(0, 4)), rel=1e-12)
    assert day1["non_technical_wh"] == pytest.approx(585 - _hand_technical_wh(slice(0, 4)))
    assert bool(day1["abnormal"])  # 13.5 % is above the qualified band
    # Day 2: one area-meter interval is estimated, so the day is not judged.
    assert not bool(day2["complete"]) and day2["incomplete_reason"] == "area meter not ok"
    for column in ("loss_wh", "line_loss_rate", "non_technical_wh"):
        assert math.isnan(day2[column]), column
    assert not bool(day2["abnormal"])
    assert day2["technical_wh"] == pytest.approx(_hand_technical_wh(slice(4, 8)), rel=1e-12)
    assert metrics["incomplete_days"] == 1
    assert metrics["days"]["incomplete_by_reason"] == {"area meter not ok": 1}
    assert metrics["line_loss_rate"] == pytest.approx(585 / 4320)
    # Copper loss of the transformer is reported apart (the area meter is on its LV side).
    p_w = (np.array(AREA_IMPORT[:4]) - np.array(AREA_EXPORT[:4])) / 6.0
    copper = float((p_w**2 * 0.016 / (400.0**2 * PF**2)).sum() * 6.0)
    assert day1["trafo_copper_wh"] == pytest.approx(copper, rel=1e-12)
    assert day1["trafo_iron_wh"] == pytest.approx(100e3 * 0.0015 * 24)


def test_customer_coverage_is_reported(hand_run: Path) -> None:
    run_losses_study(hand_run)
    daily = pd.read_parquet(hand_run / "studies" / "losses" / "area_daily.parquet")
    assert daily["customer_valid_share"].tolist() == [1.0, 1.0]
    assert daily["customer_missing_share"].tolist() == [0.0, 0.0]
    assert (daily["customer_intervals"] == 3 * 4).all()  # A, B, C; X is in no area


def test_technical_kernels_match_three_i_squared_r() -> None:
    p_w = np.array([0.0, 5_000.0, -12_000.0])
    current = np.abs(p_w) / (math.sqrt(3) * 400.0 * 0.9)
    np.testing.assert_allclose(three_phase_loss_w(p_w, 0.05, 0.4, 0.9), 3 * current**2 * 0.05)
    assert float(three_phase_loss_w(10_000.0, 0.1, 0.4, 1.0)) == pytest.approx(62.5)
    # Forest: 0 -> 1 -> {2, 3}; 4 is a second root.
    down = downstream_matrix(np.array([-1, 0, 1, 1, -1]))
    np.testing.assert_array_equal(
        down.toarray(), [[0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]
    )
    flows = branch_flows_w(down, np.array([[0.0], [1.0], [2.0], [4.0], [8.0]]))
    np.testing.assert_array_equal(flows[:, 0], [7.0, 2.0, 4.0])
    np.testing.assert_allclose(iron_loss_w([250.0, 400.0], 0.002, [0.5, np.nan]), [500.0, 800.0])


def test_local_days_follow_the_time_zone() -> None:
    # 2025-03-30 has 23 hours in Berlin; the run starts at local midnight.
    clock = RunClock(
        3600, "Europe/Berlin", pd.Timestamp("2025-03-28 23:00", tz="UTC"), 24 + 24 + 23
    )
    days = local_days(clock)
    assert [(d.day.isoformat(), d.stop - d.first, d.full) for d in days] == [
        ("2025-03-29", 24, True),
        ("2025-03-30", 23, True),
        ("2025-03-31", 24, True),
    ]
    late = RunClock(3600, "Europe/Berlin", pd.Timestamp("2025-01-06 05:00", tz="UTC"), 48)
    assert [d.full for d in local_days(late)] == [False, True, False]


def test_a_table_in_parts_gives_the_same_balance(hand_run: Path, tmp_path: Path) -> None:
    """A sharded run's table is a folder of parts, each with its own dictionary of ids."""
    run_losses_study(hand_run)
    whole = pd.read_parquet(hand_run / "studies" / "losses" / "area_daily.parquet")
    table = hand_run / "internal" / "meter_interval.parquet"
    frame = pd.read_parquet(table)
    table.unlink()
    table.mkdir()
    for i, meters in enumerate((["A"], ["B", "C"])):
        part = frame[frame["meter_id"].isin(meters)].copy()
        part["meter_id"] = part["meter_id"].astype(str).astype("category")
        part.to_parquet(table / f"part-{i}.parquet", index=False)
    run_losses_study(hand_run)
    parts = pd.read_parquet(hand_run / "studies" / "losses" / "area_daily.parquet")
    pd.testing.assert_frame_equal(whole, parts)
