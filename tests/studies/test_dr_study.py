"""The demand-response study on hand-made runs whose every figure is worked out by hand:
each baseline's estimate and error, the delivered reduction, transformer peak and rebound,
energy shifted, dispatch quality, savings; edge cases (no events, nobody acting, an event
in the first days without ten eligible days), the command line and a sweep's trade-off."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from tests.studies.synthetic_run import START, interval_ends, write_run
from twin.cli import main
from twin.studies.demand_response import (
    EventWindow,
    MeterLoad,
    control_group_baseline,
    dr_summary,
    load_dr_tables,
    load_dr_truth,
    make_calendar,
    run_demand_response_study,
    tradeoff_table,
    x_of_y_baseline,
)
from twin.studies.registry import read_headlines, study_columns

DAYS = 24
PER_DAY = 96  # 15-minute intervals
N = DAYS * PER_DAY
LEVEL_KW = {"P1": 1.0, "P2": 2.0, "P3": 1.0, "P4": 3.0, "P5": 1.0, "P6": 2.0, "P7": 1.0, "P8": 3.0}
"""Flat weekday load of each premise [kW]; weekends 1 kW more (kept out of the baselines)."""
AREA = {"P1": 1, "P2": 1, "P3": 2, "P4": 2, "P5": 1, "P6": 1, "P7": 2, "P8": 2}
ENROLLED = ("P1", "P2", "P3", "P4")


def t(day: int, hour: float = 0.0) -> pd.Timestamp:
    """``day`` days and ``hour`` hours after the run start (UTC, a Monday)."""
    return pd.Timestamp(START, tz="UTC") + pd.Timedelta(days=day, hours=hour)


def idx(day: int, hour: float) -> int:
    """Run interval index of the interval starting ``hour`` h into day ``day``."""
    return day * PER_DAY + int(hour * 4)


# E1: day 21 (Monday) 17-19 h, price 0.60: P1 -0.4 kW, P3 -0.8 kW, P1 +0.2 kW for 1 h after.
# E2: day 2 (Wednesday) 17-19 h: P2 -1.0 kW (two eligible days before it only).
# E3: day 16 (Wednesday) 17-19 h: nobody acts (P1 opted out, the rest never acted).
EVENTS = [
    ("E1", "cpp", "price", 21, 0.60),
    ("E2", "cpp", "price", 2, 0.60),
    ("E3", "cpp", "price", 16, 0.60),
]
CHANGES: dict[tuple[str, str], list[tuple[int, int, float]]] = {
    ("E1", "P1"): [(idx(21, 17), idx(21, 19), -0.4), (idx(21, 19), idx(21, 20), 0.2)],
    ("E1", "P3"): [(idx(21, 17), idx(21, 19), -0.8)],
    ("E2", "P2"): [(idx(2, 17), idx(2, 19), -1.0)],
}


def _loads(
    shift_day: int | None = None, shift_kw: float = 0.0, holidays: tuple[int, ...] = ()
) -> dict[str, np.ndarray]:
    """Counterfactual load per premise [kW]: flat, +1 kW on weekends and ``holidays``,
    + ``shift_kw`` for every premise on ``shift_day`` (a cold day)."""
    day = np.arange(N) // PER_DAY
    off = (day % 7 >= 5) | np.isin(day, holidays)
    out = {}
    for premise, level in LEVEL_KW.items():
        kw = np.full(N, level) + np.where(off, 1.0, 0.0)
        if shift_day is not None:
            kw[shift_day * PER_DAY : (shift_day + 1) * PER_DAY] += shift_kw
        out[premise] = kw
    return out


def _tables(
    events: list[tuple[str, str, str, int, float]] = EVENTS,
    changes: dict[tuple[str, str], list[tuple[int, int, float]]] = CHANGES,
    shift_day: int | None = None,
    shift_kw: float = 0.0,
    holidays: tuple[int, ...] = (),
) -> dict[str, pd.DataFrame]:
    counter = _loads(shift_day, shift_kw, holidays)
    actual = {p: kw.copy() for p, kw in counter.items()}
    for (_, premise), spans in changes.items():
        for a, b, delta in spans:
            actual[premise][a:b] += delta
    ends = interval_ends(N)
    readings = pd.concat(
        [
            pd.DataFrame(
                {
                    "meter_id": f"M{p[1:]}",
                    "interval_end": ends,
                    "import_wh": np.round(kw * 250).astype(np.int64),
                    "export_wh": 0,
                    "quality": "valid",
                }
            )
            for p, kw in actual.items()
        ],
        ignore_index=True,
    ).sort_values(["interval_end", "meter_id"], kind="stable")
    transformer = pd.concat(
        [
            pd.DataFrame(
                {
                    "transformer_id": area,
                    "interval_end": ends,
                    "p_kw": sum(actual[p] for p in LEVEL_KW if AREA[p] == area),
                }
            )
            for area in (1, 2)
        ],
        ignore_index=True,
    ).sort_values(["interval_end", "transformer_id"], kind="stable")
    points = pd.DataFrame(
        {
            "meter_id": [f"M{p[1:]}" for p in LEVEL_KW],
            "premise_id": list(LEVEL_KW),
            "transformer_id": [AREA[p] for p in LEVEL_KW],
            "customer_kind": "household",
        }
    )
    event_rows, dispatch_rows, windows = [], [], []
    for event_id, programme, kind, day, price in events:
        start, end = t(day, 17), t(day, 19)
        called = start - pd.Timedelta(days=1)
        event_rows.append(
            {
                "event_id": event_id, "programme": programme, "kind": kind, "area": "all",
                "called_at": called, "start": start, "end": end, "signal": "ELECTRICITY_PRICE",
                "level": 2, "price_per_kwh": price, "openadr": "{}",
            }
        )  # fmt: skip
        for n, premise in enumerate(ENROLLED):
            acts = (event_id, premise) in changes
            opted = (event_id == "E3" and premise == "P1") or (event_id == "E1" and premise == "P2")
            lost = event_id == "E1" and premise == "P4"
            dispatch_rows.append(
                {
                    "event_id": event_id,
                    "programme": programme,
                    "premise_id": premise,
                    "meter_id": f"M{premise[1:]}",
                    "sent": called,
                    "delivered": pd.NaT if lost else called + pd.Timedelta(seconds=30 * (n + 1)),
                    "acted": start if acts else pd.NaT,
                    "opted_out": opted,
                }
            )
        windows.append((idx(day, 17) - PER_DAY, idx(day, 19) + PER_DAY))
    covered = np.zeros(N, dtype=bool)
    for a, b in windows:
        covered[max(0, a) : min(N, b)] = True
    # E1: P1's home 3 K colder than without it at the event's end, P3's tank 1.5 K colder in
    # the hour after; P2's tank reheats from 56 to 62 degC at 17:30 without E1 but only at
    # 19:15 with it: a delay within its thermostat band, not a colder tank
    indoor = {p: np.full(N, 20.0) for p in ENROLLED}
    indoor["P1"][idx(21, 18.75)] = 17.0
    cf_tank = {p: np.full(N, 55.0) for p in ENROLLED}
    actual_tank = {p: np.full(N, 55.0) for p in ENROLLED}
    actual_tank["P3"][idx(21, 19.5)] = 53.5
    cf_tank["P2"][:], actual_tank["P2"][:] = 56.0, 56.0
    cf_tank["P2"][idx(21, 17.5) :] = 62.0
    actual_tank["P2"][idx(21, 19.25) :] = 62.0
    cf = pd.concat(
        [
            pd.DataFrame(
                {
                    "premise_id": p,
                    "meter_id": f"M{p[1:]}",
                    "interval_end": ends[covered],
                    "p_kw": counter[p][covered],
                    "p_kw_actual": actual[p][covered],
                    "indoor_c": 20.0,
                    "indoor_c_actual": indoor[p][covered],
                    "tank_c": np.nan if p == "P4" else cf_tank[p][covered],  # P4 has no tank
                    "tank_c_actual": np.nan if p == "P4" else actual_tank[p][covered],
                }
            )
            for p in ENROLLED
        ],
        ignore_index=True,
    )
    return {
        "internal/meter_interval": readings,
        "internal/transformer_interval": transformer,
        "internal/meter_point": points,
        "truth/premise": points.drop(columns="customer_kind"),
        "external/dr_event": pd.DataFrame.from_records(event_rows),
        "external/dr_dispatch": pd.DataFrame.from_records(dispatch_rows),
        "truth/dr_counterfactual": cf,
        "truth/dr_enrollment": pd.DataFrame(
            {
                "premise_id": list(ENROLLED),
                "meter_id": [f"M{p[1:]}" for p in ENROLLED],
                "programme": "cpp",
                "enrolled": True,
                "ignores": False,
                "devices": "storage",
            }
        ),
    }


COMFORT = {"demand_response": {"programmes": [{"name": "cpp", "comfort_c": 2.0}]}}
"""The scenario's comfort limit of the price programme [K]."""


def _write(dest: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    made = tables if tables is not None else _tables()
    return write_run(dest, made, n_intervals=N, sections=COMFORT)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = _write(tmp_path_factory.mktemp("dr_study") / "run")
    run_demand_response_study(out)
    return out


@pytest.fixture(scope="module")
def study(run_dir: Path) -> dict[str, Any]:
    metrics: dict[str, Any] = json.loads(
        (run_dir / "studies" / "demand-response" / "metrics.json").read_text()
    )
    return metrics


def _errors(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "studies" / "demand-response" / "errors.parquet")


def test_outputs_are_written(run_dir: Path, study: dict[str, Any]) -> None:
    folder = run_dir / "studies" / "demand-response"
    for name in ("events", "errors", "transformers", "loads"):
        assert (folder / f"{name}.parquet").is_file()
    figures = study["outputs"]["figures"]
    assert "baseline_errors.png" in figures and "event_cpp_E1.png" in figures
    for figure in figures:
        assert (folder / figure).stat().st_size > 5000
    assert study["events"]["count"] == 3 and study["programmes"] == ["cpp"]


def test_delivered_reduction_is_the_truth_counterfactual(
    run_dir: Path, study: dict[str, Any]
) -> None:
    events = pd.read_parquet(run_dir / "studies/demand-response/events.parquet").set_index("event")
    # E1: P1 0.4 + P3 0.8 kW for 2 h; E2: P2 1.0 kW; E3: nothing
    assert events.loc["cpp/E1", "delivered_kw"] == pytest.approx(1.2)
    assert events.loc["cpp/E1", "delivered_kwh"] == pytest.approx(2.4)
    assert events.loc["cpp/E2", "delivered_kw"] == pytest.approx(1.0)
    assert events.loc["cpp/E3", "delivered_kw"] == pytest.approx(0.0)
    assert events["acting_premises"].tolist() == [1, 0, 2]  # start order: E2, E3, E1
    assert study["delivered"]["kw_mean"] == pytest.approx((1.2 + 1.0 + 0.0) / 3)
    # per area: T1 0.4 (P1), T2 0.8 (P3)
    errors = _errors(run_dir)
    e1 = errors[(errors["event"] == "cpp/E1") & (errors["baseline"] == "caiso_10_of_10")]
    assert e1.set_index("area")["delivered_kw"].to_dict() == pytest.approx(
        {"all": 1.2, "1": 0.4, "2": 0.8}
    )


def test_every_baseline_is_exact_on_flat_loads(run_dir: Path, study: dict[str, Any]) -> None:
    """Flat weekday loads: each baseline is the counterfactual, so each estimate is the truth
    (weekends, 1 kW higher, and the event days E2 and E3 are kept out of the X-of-Y days)."""
    errors = _errors(run_dir)
    full = errors[errors["event"] != "cpp/E2"]
    np.testing.assert_allclose(full["estimated_kw"], full["delivered_kw"], atol=1e-9)
    for name, block in study["baselines"].items():
        assert block["events"]["bias_kw"] == pytest.approx(0.0, abs=1e-9), name
        assert block["events"]["rmse_kw"] == pytest.approx(0.0, abs=1e-9), name
        assert block["events"]["mape_percent"] == pytest.approx(0.0, abs=1e-6), name
        assert block["areas"]["scored"] == 6  # 3 events x 2 areas


def test_an_event_without_ten_eligible_days_falls_back_and_says_so(
    run_dir: Path, study: dict[str, Any]
) -> None:
    events = pd.read_parquet(run_dir / "studies/demand-response/events.parquet").set_index("event")
    assert events.loc["cpp/E2", "caiso_10_of_10_days"] == 2  # Monday and Tuesday before it
    assert bool(events.loc["cpp/E2", "caiso_10_of_10_fallback"])
    assert not events.loc[["cpp/E1", "cpp/E3"], "caiso_10_of_10_fallback"].any()
    assert events.loc["cpp/E1", "caiso_10_of_10_days"] == 10
    assert any("E2: only 2 eligible days" in note for note in study["notes"])
    # two flat weekdays still give the right baseline
    assert events.loc["cpp/E2", "caiso_10_of_10_kw"] == pytest.approx(1.0)
    info = study["events"]["baseline_info"]["cpp/E2"]["caiso_10_of_10"]
    assert info["fallback"] and info["days_used"] == 2


def test_nobody_acting_gives_zero_and_leaves_the_mape(run_dir: Path, study: dict[str, Any]) -> None:
    errors = _errors(run_dir)
    e3 = errors[errors["event"] == "cpp/E3"]
    assert (e3["delivered_kw"] == 0).all() and e3["ape_percent"].isna().all()
    np.testing.assert_allclose(e3["estimated_kw"], 0.0, atol=1e-9)
    assert any("nobody acted" in note for note in study["notes"])


def test_peak_rebound_and_energy_at_the_transformers(run_dir: Path, study: dict[str, Any]) -> None:
    rows = pd.read_parquet(run_dir / "studies/demand-response/transformers.parquet")
    e1 = rows[rows["event"] == "cpp/E1"].set_index("transformer_id")
    # T1 carries P1, P2, P5, P6: 6 kW; P1 -0.4 in the event, +0.2 the hour after
    assert e1.loc[1, "counterfactual_peak_kw"] == pytest.approx(6.0)
    assert e1.loc[1, "actual_peak_kw"] == pytest.approx(5.6)
    assert e1.loc[1, "peak_reduction_kw"] == pytest.approx(0.4)
    assert e1.loc[1, "post_peak_kw"] == pytest.approx(6.2)
    assert e1.loc[1, "rebound_peak_kw"] == pytest.approx(0.2)
    assert bool(e1.loc[1, "rebound_new_peak"])
    assert e1.loc[1, "reduced_kwh"] == pytest.approx(0.8)
    assert e1.loc[1, "extra_after_kwh"] == pytest.approx(0.2)
    # T2: P3 -0.8 kW, no rebound
    assert e1.loc[2, "peak_reduction_kw"] == pytest.approx(0.8)
    assert e1.loc[2, "rebound_peak_kw"] == pytest.approx(0.0)
    assert not bool(e1.loc[2, "rebound_new_peak"])
    assert study["peak"]["rebound_peak_kw_max"] == pytest.approx(0.2)
    energy = study["energy"]
    assert energy["reduced_kwh"] == pytest.approx(2.4 + 2.0)
    assert energy["extra_after_kwh"] == pytest.approx(0.2)
    assert energy["shifted_share"] == pytest.approx(0.2 / 4.4)
    comfort = study["comfort"]
    assert comfort["measured"] is True
    # P1 3 K below its counterfactual in E1 (limit 2 K): one violation; P3's tank 1.5 K: none
    assert comfort["indoor"]["max_drop_k"] == pytest.approx(3.0)
    assert comfort["indoor"]["violations"] == 1
    assert comfort["tank"]["max_drop_k"] == pytest.approx(1.5)  # P2's delayed reheat: 0
    assert comfort["tank"]["violations"] == 0
    assert comfort["violations"] == 1 == study["headline"]["comfort_violations"]
    # E1 signalled all four homes; P4 has no tank
    table = pd.read_parquet(run_dir / "studies" / "demand-response" / "comfort.parquet")
    e1 = table[table["event"] == "cpp/E1"].set_index("quantity")
    assert e1.loc["indoor", "homes"] == 4 and e1.loc["tank", "homes"] == 3
    assert e1.loc["tank", "mean_max_drop_k"] == pytest.approx(1.5 / 3)  # P1 0, P2 0, P3 1.5


def test_dispatch_quality_and_savings(study: dict[str, Any]) -> None:
    dispatch = study["dispatch"]
    assert dispatch["signals"] == 12
    assert dispatch["delivered_share"] == pytest.approx(11 / 12)  # E1's P4 lost
    assert dispatch["acted_share"] == pytest.approx(3 / 12)
    assert dispatch["opted_out_share"] == pytest.approx(2 / 12)
    assert dispatch["median_latency_s"] == pytest.approx(60.0)  # 30, 60, 90, 120 s
    assert study["money"]["customer_savings"] == pytest.approx(0.6 * (2.4 + 2.0))


def test_headline_metrics_are_sweep_columns(run_dir: Path, study: dict[str, Any]) -> None:
    row = read_headlines(run_dir, ["demand-response"])
    assert list(row) == list(study_columns("demand-response"))
    assert row["demand_response_events"] == 3.0
    assert row["demand_response_acted_share"] == pytest.approx(0.25)
    assert row["demand_response_caiso_10_of_10_bias_kw"] == pytest.approx(0.0, abs=1e-9)


def test_estimation_does_not_read_the_truth(run_dir: Path, tmp_path: Path) -> None:
    """The baselines give the same estimates on a copy whose truth is perturbed."""
    tables = _tables()
    cf = tables["truth/dr_counterfactual"]
    tables["truth/dr_counterfactual"] = cf.assign(p_kw=cf["p_kw"] + 5.0)
    other = _write(tmp_path / "other", tables)
    run = twin.open_run(other)
    summary = dr_summary(load_dr_tables(run), load_dr_truth(run))
    mine = _errors(run_dir)
    np.testing.assert_allclose(summary.errors["estimated_kw"], mine["estimated_kw"])
    assert not np.allclose(summary.errors["delivered_kw"], mine["delivered_kw"])


def _window(day: int, n_days: int = DAYS) -> tuple[Any, EventWindow]:
    events = pd.DataFrame({"start": [t(day, 17)], "end": [t(day, 19)]})
    from twin.streams.run_clock import RunClock

    clock = RunClock(900, "UTC", pd.Timestamp(START, tz="UTC"), n_days * PER_DAY)
    calendar = make_calendar(clock, np.zeros(0, dtype=np.int64), events)
    target = np.arange(idx(day, 12), idx(day, 21))
    event = (target >= idx(day, 17)) & (target < idx(day, 19))
    adjust = (target >= idx(day, 13)) & (target < idx(day, 16))
    return calendar, EventWindow(target, event, adjust, int(calendar.day[idx(day, 17)]))


def test_x_of_y_day_selection_and_adjustments_by_hand() -> None:
    """One resource, day d at 1 + d/100 kW: the 10 most recent weekdays before day 21 (a
    Monday; days 18 .. 14 and 11 .. 7) average 1.125 kW; the high 4 of the 5 most recent
    (18 .. 14) are 18 .. 15: 1.165 kW."""
    calendar, window = _window(21)
    day = np.arange(N) // PER_DAY
    kw = 1.0 + day / 100.0
    kw[day == 21] = 1.3  # the event day before and during the event
    kw[idx(21, 17) : idx(21, 19)] = 1.0
    load = MeterLoad(["r"], 0, kw[None, :])
    plain, info = x_of_y_baseline(load, calendar, window, x=10, y=10, adjustment="none")
    assert info["days_used"] == 10 and not info["fallback"]
    np.testing.assert_allclose(plain[0], 1.125)
    adjusted, info = x_of_y_baseline(load, calendar, window, x=10, y=10)
    assert info["adjustment"] == [pytest.approx(1.3 / 1.125)]  # within the 20 % cap
    np.testing.assert_allclose(adjusted[0], 1.3)
    kw[day == 21] = 1.8
    load = MeterLoad(["r"], 0, kw[None, :])
    capped, info = x_of_y_baseline(load, calendar, window, x=10, y=10)
    assert info["adjustment"] == [pytest.approx(1.2)]
    np.testing.assert_allclose(capped[0], 1.125 * 1.2)
    high, info = x_of_y_baseline(load, calendar, window, x=4, y=5, high=True, adjustment="additive")
    assert info["days_used"] == 5 and info["days_averaged"] == 4
    assert info["adjustment"] == [pytest.approx(1.8 - 1.165)]
    np.testing.assert_allclose(high[0], 1.8)
    # a weekend event: 4 of the 4 most recent weekend days (days 20, 19, 13, 12)
    calendar, window = _window(20)
    none, info = x_of_y_baseline(load, calendar, window, x=10, y=10, adjustment="none")
    assert info["days_wanted"] == 4 and info["days_used"] == 4
    np.testing.assert_allclose(none[0], 1.0 + (19 + 13 + 12 + 6) / 400)


def test_a_control_group_sees_what_the_day_did_to_everybody(tmp_path: Path) -> None:
    """A cold event day adds 0.5 kW to every home: the control group (whose change it
    subtracts) sees it, the regression on hour and day type (no weather here) does not."""
    tables = _tables(events=[EVENTS[0]], changes={k: v for k, v in CHANGES.items() if k[0] == "E1"},
                     shift_day=21, shift_kw=0.5)  # fmt: skip
    run = twin.open_run(_write(tmp_path / "cold", tables))
    summary = dr_summary(load_dr_tables(run), load_dr_truth(run))
    errors = summary.errors[summary.errors["area"] == "all"].set_index("baseline")
    assert errors.loc["control_group", "error_kw"] == pytest.approx(0.0, abs=1e-9)
    assert errors.loc["regression", "error_kw"] == pytest.approx(-4 * 0.5)  # blind to the day
    # the additive adjustment restores it all; the multiplicative one is capped at 1.2: T1's
    # 3 kW rose to 4 (x 1.33), T2's 4 kW to 5 (x 1.25): baselines 3.6 and 4.8 kW
    assert errors.loc["pjm_high_4_of_5", "error_kw"] == pytest.approx(0.0, abs=1e-9)
    assert errors.loc["caiso_10_of_10", "error_kw"] == pytest.approx(-(4 - 3.6) - (5 - 4.8))
    info = summary.metrics["events"]["baseline_info"]["cpp/E1"]["caiso_10_of_10"]
    assert info["adjustment"] == [pytest.approx(1.2), pytest.approx(1.2)]


def test_control_group_matches_the_nearest_profiles() -> None:
    calendar, window = _window(21)
    level = np.array([1.0, 3.0])[:, None] * np.ones((1, N))
    pool = np.array([1.1, 0.9, 2.9, 5.0])[:, None] * np.ones((1, N))
    pool[:, idx(21, 17) : idx(21, 19)] += np.array([0.2, 0.2, -0.3, 9.0])[:, None]
    baseline, info = control_group_baseline(
        MeterLoad(["a", "b"], 0, level), MeterLoad(list("wxyz"), 0, pool), calendar, window,
        neighbours=2,
    )  # fmt: skip
    assert info["neighbours"] == 2 and info["controls"] == 4 and info["days_used"] == 14
    during = window.event
    # a: controls w, x (change +0.2); b: y (-0.3) and w (+0.2): mean -0.05
    np.testing.assert_allclose(baseline[0, during], 1.2)
    np.testing.assert_allclose(baseline[1, during], 2.95)
    np.testing.assert_allclose(baseline[:, ~during], level[:, : (~during).sum()])


def test_a_run_without_events_is_studied_empty(tmp_path: Path) -> None:
    tables = _tables(events=[], changes={})
    out = _write(tmp_path / "quiet", tables)
    metrics = run_demand_response_study(out)
    assert metrics["events"]["count"] == 0 and metrics["delivered"]["kw_mean"] is None
    assert metrics["baselines"]["caiso_10_of_10"]["events"]["scored"] == 0
    assert any("called no demand-response event" in n for n in metrics["notes"])
    assert math.isnan(read_headlines(out, ["demand-response"])["demand_response_delivered_kw_mean"])


def test_cli_runs_the_study_and_refuses_a_run_without_dr_tables(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["study", "demand-response", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "study demand-response on" in out and "delivered" in out
    bare = write_run(tmp_path / "bare", {}, n_intervals=96)
    assert main(["study", "demand-response", str(bare)]) == 2
    err = capsys.readouterr().err
    assert "no external/dr_event table" in err and "`demand_response:` section" in err
    assert "Traceback" not in err
    assert not (bare / "studies" / "demand-response").exists()


def _sweep(folder: Path) -> Path:
    """Enrolment share x latency, two seeds: hand-set columns, one run left to study."""
    share, latency = "demand_response.programmes.0.enrollment", "comms.latency_median_s"
    values = {
        (0.1, "1s"): [(1.0, 0.5, 10.0), (2.0, 0.7, 14.0)],
        (0.1, "60s"): [(0.5, 0.3, 10.0), (1.5, 0.5, 20.0)],
        (0.3, "1s"): [(3.0, 0.6, 8.0), (5.0, 0.6, 12.0)],
        (0.3, "60s"): [(2.5, 0.4, 9.0), None],
    }
    records = []
    for (s, lat), seeds in values.items():
        for seed, preset in enumerate(seeds):
            run_id = f"r{len(records)}"
            record: dict[str, Any] = {"run_id": run_id, share: s, latency: lat}
            record |= {"seed_index": seed, "status": "complete", "study_error": ""}
            record |= dict.fromkeys(study_columns("demand-response"), np.nan)
            if preset is None:  # the study has not run here: the sweep's study runs it
                _write(folder / "runs" / run_id)
            else:
                (folder / "runs" / run_id).mkdir(parents=True)
                kw, acted, mape = preset
                record |= {
                    "demand_response_delivered_kw_mean": kw,
                    "demand_response_acted_share": acted,
                    "demand_response_caiso_10_of_10_mape_percent": mape,
                }
            records.append(record)
    pd.DataFrame.from_records(records).to_parquet(folder / "sweep.parquet")
    described = {"parameters": {share: [0.1, 0.3], latency: ["1s", "60s"]}, "design": "grid"}
    (folder / "sweep.yaml").write_text(yaml.safe_dump(described))
    return folder


def test_the_trade_off_over_a_sweep_of_the_dr_keys(tmp_path: Path) -> None:
    folder = _sweep(tmp_path / "sweep")
    assert main(["study", "demand-response", str(folder)]) == 0
    out = folder / "studies" / "demand-response"
    trade = pd.read_parquet(out / "tradeoff.parquet")
    assert trade["value"].tolist() == ["1s, 0.1", "60s, 0.1", "1s, 0.3", "60s, 0.3"]
    assert trade["comms.latency_median_s"].tolist() == ["1s", "60s", "1s", "60s"]
    assert trade["demand_response.programmes.0.enrollment"].tolist() == [0.1, 0.1, 0.3, 0.3]
    assert trade["runs"].tolist() == [2, 2, 2, 2]
    # the studied run r7 delivers (1.2 + 1.0 + 0) / 3 kW, acted 0.25, 10-in-10 MAPE ~0
    np.testing.assert_allclose(
        trade["delivered_kw_mean_mean"], [1.5, 1.0, 4.0, (2.5 + 2.2 / 3) / 2]
    )
    np.testing.assert_allclose(trade["acted_share_mean"], [0.6, 0.4, 0.6, (0.4 + 0.25) / 2])
    np.testing.assert_allclose(trade["delivered_kw_mean_sd"][:3], [0.7071068] * 2 + [1.4142136])
    np.testing.assert_allclose(trade["caiso_10_of_10_mape_percent_max"][:3], [14, 20, 12])
    assert (out / "tradeoff.png").stat().st_size > 10_000
    described = json.loads((out / "metrics.json").read_text())
    assert described["tradeoff"]["policy_keys"] == [
        "demand_response.programmes.0.enrollment",
        "comms.latency_median_s",
    ]
    assert (out / "robustness.csv").is_file()
    assert (folder / "runs" / "r7" / "studies" / "demand-response" / "metrics.json").is_file()
    first_two = pd.read_parquet(folder / "sweep.parquet").iloc[:2]
    only = tradeoff_table(first_two, ["comms.latency_median_s"], "one_at_a_time")
    assert only["value"].tolist() == ["1s"]


def test_the_runs_weather_and_holidays_are_used_where_it_names_them(tmp_path: Path) -> None:
    """pv.weather gives the regression its temperature; customers.holidays (Bavaria:
    6 January, the run's first day, is Epiphany) takes that day out of E2's eligible days."""
    sections = {
        "pv": {"weather": "dwd_try2010_04"},
        "customers": {"holidays": {"country": "DE", "subdivision": "BY"}},
    }
    made = _tables(holidays=(0,))  # a holiday draws like a weekend day
    out = write_run(tmp_path / "named", made, n_intervals=N, sections=sections)
    run = twin.open_run(out)
    tables = load_dr_tables(run)
    assert tables.temperature_c is not None and tables.temperature_c.shape == (N,)
    assert -20 < float(tables.temperature_c.mean()) < 10  # Potsdam in January [degC]
    summary = dr_summary(tables, load_dr_truth(run))
    events = summary.events.set_index("event")
    assert events["regression_temperature"].all()
    assert "dwd_try2010_04" in summary.metrics["regression_regressors"]
    assert events.loc["cpp/E2", "caiso_10_of_10_days"] == 1  # only Tuesday 7 January
    errors = summary.errors[summary.errors["baseline"] == "regression"]
    full = errors[errors["event"] != "cpp/E2"]
    np.testing.assert_allclose(full["estimated_kw"], full["delivered_kw"], atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.1, 10.0),
    offset=st.floats(-2.0, 2.0),
)
def test_baselines_follow_the_units_of_the_load(seed: int, scale: float, offset: float) -> None:
    """Scaling every load scales the 10-in-10 and the control group; adding a constant adds
    it to the high-4-of-5 (additive adjustment) and, added to every home, to the control
    group (the same controls are matched: their distances do not change)."""
    calendar, window = _window(21)
    rng = np.random.default_rng(seed)
    own = rng.gamma(2.0, 0.5, (2, N)) + 0.1
    pool = rng.gamma(2.0, 0.5, (5, N)) + 0.1

    def caiso(kw: np.ndarray) -> np.ndarray:
        return x_of_y_baseline(MeterLoad(["a", "b"], 0, kw), calendar, window, x=10, y=10)[0]

    def pjm(kw: np.ndarray) -> np.ndarray:
        load = MeterLoad(["a", "b"], 0, kw)
        return x_of_y_baseline(load, calendar, window, x=4, y=5, high=True, adjustment="additive")[
            0
        ]

    def control(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return control_group_baseline(
            MeterLoad(["a", "b"], 0, a), MeterLoad(list("vwxyz"), 0, b), calendar, window
        )[0]

    np.testing.assert_allclose(caiso(own * scale), caiso(own) * scale, rtol=1e-9)
    np.testing.assert_allclose(pjm(own + offset), pjm(own) + offset, atol=1e-9)
    np.testing.assert_allclose(control(own * scale, pool * scale), control(own, pool) * scale)
    np.testing.assert_allclose(
        control(own + offset, pool + offset), control(own, pool) + offset, atol=1e-9
    )
